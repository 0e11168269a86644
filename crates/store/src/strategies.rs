//! Local workforce strategies as stored: the imported file whole, its areas, and every
//! version imported. The store does not read the file; `observatory-strategy` does.

use anyhow::Result;

use crate::{Store, now, on_pool};

/// A stored strategy, without its file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StrategySummary {
    pub id: String,
    pub title: String,
    pub updated_at: String,
    pub updated_by: String,
}

impl Store {
    /// Store a strategy's file (replacing any with the same id) as a new version.
    /// Gives the version number.
    pub async fn save_strategy(
        &self,
        id: &str,
        title: &str,
        areas: &[String],
        body: &str,
        by: &str,
    ) -> Result<i64> {
        let at = now();
        let version = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let last: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(version) FROM strategy_versions WHERE strategy_id = $1",
            ).bind(id).fetch_one(&mut *tx).await?;
            let version = last.unwrap_or(0) + 1;
            sqlx::query(
                "INSERT INTO strategies (id, title, body, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body,
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            ).bind(id).bind(title).bind(body).bind(&at).bind(by).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM strategy_areas WHERE strategy_id = $1")
                .bind(id).execute(&mut *tx).await?;
            for a in areas {
                sqlx::query("INSERT INTO strategy_areas (strategy_id, area_code) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id).bind(a).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO strategy_versions (strategy_id, version, body, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5)",
            ).bind(id).bind(version).bind(body).bind(&at).bind(by).execute(&mut *tx).await?;
            tx.commit().await?;
            version
        });
        Ok(version)
    }

    /// A strategy's file as imported, and its areas.
    pub async fn strategy(&self, id: &str) -> Result<Option<(String, Vec<String>)>> {
        let body: Option<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT body FROM strategies WHERE id = $1",
        ).bind(id).fetch_optional(p).await?);
        let Some(body) = body else {
            return Ok(None);
        };
        Ok(Some((body, self.strategy_areas(id).await?)))
    }

    /// The areas a strategy covers.
    pub async fn strategy_areas(&self, id: &str) -> Result<Vec<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT area_code FROM strategy_areas WHERE strategy_id = $1 ORDER BY area_code",
        ).bind(id).fetch_all(p).await?))
    }

    /// Every strategy, by id, with its areas.
    pub async fn strategies(&self) -> Result<Vec<(StrategySummary, Vec<String>)>> {
        let list: Vec<StrategySummary> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, title, updated_at, updated_by FROM strategies ORDER BY id",
        ).fetch_all(p).await?);
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            let areas = self.strategy_areas(&s.id).await?;
            out.push((s, areas));
        }
        Ok(out)
    }
}
