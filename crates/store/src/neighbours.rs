//! Each area's statistical neighbours, in order: set as a whole list, read back in rank.

use anyhow::Result;

use crate::{Store, on_pool};

impl Store {
    /// Replace an area's statistical neighbours with `list`, in that order.
    pub async fn set_neighbours(&self, area: &str, list: &[String]) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("DELETE FROM area_neighbours WHERE area_code = $1")
                .bind(area).execute(&mut *tx).await?;
            for (rank, n) in list.iter().enumerate() {
                sqlx::query("INSERT INTO area_neighbours (area_code, neighbour, rank) VALUES ($1, $2, $3)")
                    .bind(area).bind(n).bind(rank as i64 + 1)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// An area's statistical neighbours, nearest first (empty when none are known).
    pub async fn neighbours(&self, area: &str) -> Result<Vec<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT neighbour FROM area_neighbours WHERE area_code = $1 ORDER BY rank",
        ).bind(area).fetch_all(p).await?))
    }
}
