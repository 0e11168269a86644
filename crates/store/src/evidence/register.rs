//! The research register: registering a study, changing its status, reading the register.

use anyhow::{Context, Result, bail};
use std::collections::HashMap;

use super::model::*;
use super::rows::*;
use crate::{Store, now, on_pool};

impl Store {
    pub async fn insert_register(&self, f: &RegisterFields, added_by: &str) -> Result<i64> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            bump!(tx);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO research_register (title, organisation, status, summary, due_date,
                   due_note, item_id, added_at, added_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(&f.title).bind(&f.organisation).bind(&f.status).bind(&f.summary)
            .bind(&f.due_date).bind(&f.due_note).bind(f.item_id).bind(&at).bind(added_by)
            .fetch_one(&mut *tx).await.context("cannot store the register entry")?;
            put_tags!(tx, "register_tags", "entry_id", id, f.tags);
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Change a register entry's status (and, when it reports, the item it became).
    pub async fn set_register_status(
        &self,
        id: i64,
        status: &str,
        item_id: Option<i64>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            bump!(tx);
            let n = sqlx::query(
                "UPDATE research_register SET status = $1, item_id = COALESCE($2, item_id) WHERE id = $3",
            ).bind(status).bind(item_id).bind(id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                bail!("there is no register entry {id}");
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Every register entry, oldest first.
    pub async fn register_entries(&self) -> Result<Vec<RegisterEntry>> {
        let (rows, tags): (Vec<RegisterRow>, Vec<TagRow>) = on_pool!(self, p => (
            sqlx::query_as(
                "SELECT id, title, organisation, status, summary, due_date, due_note, item_id,
                        added_at, added_by FROM research_register ORDER BY id",
            ).fetch_all(p).await?,
            sqlx::query_as("SELECT entry_id, facet, value FROM register_tags").fetch_all(p).await?,
        ));
        let mut by_entry: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        for (id, f, v) in tags {
            by_entry.entry(id).or_default().push((f, v));
        }
        Ok(rows
            .into_iter()
            .map(|r| RegisterEntry {
                id: r.id,
                fields: RegisterFields {
                    title: r.title,
                    organisation: r.organisation,
                    status: r.status,
                    summary: r.summary,
                    due_date: r.due_date,
                    due_note: r.due_note,
                    item_id: r.item_id,
                    tags: Tags::from_rows(by_entry.remove(&r.id).unwrap_or_default()),
                },
                added_at: r.added_at,
                added_by: r.added_by,
            })
            .collect())
    }
}
