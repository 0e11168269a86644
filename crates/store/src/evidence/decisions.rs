//! Links from strategy decisions to the items they used.

use anyhow::{Context, Result};

use super::model::*;
use crate::{Store, now, on_pool};

impl Store {
    /// Record that a strategy decision used an item (again: the note is updated).
    pub async fn link_decision(
        &self,
        item: i64,
        decision_ref: &str,
        note: Option<&str>,
        by: &str,
    ) -> Result<i64> {
        let at = now();
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO decision_links (item_id, decision_ref, note, linked_by, linked_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (item_id, decision_ref) DO UPDATE SET note = excluded.note,
               linked_by = excluded.linked_by, linked_at = excluded.linked_at
             RETURNING id",
        ).bind(item).bind(decision_ref).bind(note).bind(by).bind(&at).fetch_one(p).await
            .with_context(|| format!("cannot link decision {decision_ref} to item {item} (does the item exist?)"))?))
    }

    /// Decisions that used an item, or (with `item` None) every link.
    pub async fn decision_links(&self, item: Option<i64>) -> Result<Vec<DecisionLink>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, item_id, decision_ref, note, linked_by, linked_at FROM decision_links
             WHERE $1 IS NULL OR item_id = $1 ORDER BY id",
        ).bind(item).fetch_all(p).await?))
    }
}
