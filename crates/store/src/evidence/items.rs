//! Evidence items: the generation counter the search index follows, storing and
//! updating items, their attachments, and reading them back (with tags and calls).

use anyhow::{Context, Result, bail};
use std::collections::HashMap;

use super::model::*;
use super::rows::*;
use crate::{Store, now, on_pool};

impl Store {
    /// This database's identity and the evidence generation (bumped by every write).
    pub async fn evidence_state(&self) -> Result<(String, i64)> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT instance, generation FROM evidence_state WHERE id = 1",
        ).fetch_one(p).await.context("cannot read the evidence state")?))
    }

    /// Store a new item with its attachments, linked to calls; returns its id.
    pub async fn insert_item(
        &self,
        f: &ItemFields,
        added_by: &str,
        attachments: &[NewAttachment],
    ) -> Result<i64> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let rev = bump!(tx);
            let id = insert_item_row!(tx, f, added_by, &at, rev);
            for a in attachments {
                insert_attachment!(tx, id, a, &at);
            }
            tx.commit().await.context("cannot commit the evidence item")?;
            Ok(id)
        })
    }

    /// Store many items in one transaction (imports, demo content); returns their ids.
    pub async fn insert_items(&self, items: &[ItemFields], added_by: &str) -> Result<Vec<i64>> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let rev = bump!(tx);
            let mut ids = Vec::with_capacity(items.len());
            for f in items {
                ids.push(insert_item_row!(tx, f, added_by, &at, rev));
            }
            tx.commit().await.context("cannot commit the evidence items")?;
            Ok(ids)
        })
    }

    /// Replace an item's description and tags.
    pub async fn update_item(&self, id: i64, f: &ItemFields) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let rev = bump!(tx);
            update_item_row!(tx, id, f, &at, rev);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Keep another file with an item.
    pub async fn add_attachment(&self, item: i64, a: &NewAttachment) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let rev = bump!(tx);
            let n = sqlx::query("UPDATE evidence_items SET revision = $1, updated_at = $2 WHERE id = $3")
                .bind(rev).bind(&at).bind(item).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                bail!("there is no evidence item {item}");
            }
            insert_attachment!(tx, item, a, &at);
            tx.commit().await?;
            Ok(())
        })
    }

    async fn item_rows(&self, filter: &str, arg: i64) -> Result<Vec<ItemRow>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM evidence_items {filter} ORDER BY id");
        Ok(
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(arg).fetch_all(p).await.context("cannot read evidence items")?),
        )
    }

    /// Tags and calls of items selected by the same filter, grouped by item.
    async fn item_links(
        &self,
        filter: &str,
        arg: i64,
    ) -> Result<(HashMap<i64, Tags>, HashMap<i64, Vec<i64>>)> {
        let tag_sql = format!(
            "SELECT t.item_id, t.facet, t.value FROM evidence_tags t
             WHERE t.item_id IN (SELECT id FROM evidence_items {filter})"
        );
        let call_sql = format!(
            "SELECT c.item_id, c.call_id FROM item_calls c
             WHERE c.item_id IN (SELECT id FROM evidence_items {filter}) ORDER BY c.call_id"
        );
        let (tags, calls): (Vec<TagRow>, Vec<(i64, i64)>) = on_pool!(self, p => (
            sqlx::query_as(sqlx::AssertSqlSafe(tag_sql.as_str())).bind(arg).fetch_all(p).await?,
            sqlx::query_as(sqlx::AssertSqlSafe(call_sql.as_str())).bind(arg).fetch_all(p).await?,
        ));
        let mut by_item: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        for (id, f, v) in tags {
            by_item.entry(id).or_default().push((f, v));
        }
        let mut call_map: HashMap<i64, Vec<i64>> = HashMap::new();
        for (id, c) in calls {
            call_map.entry(id).or_default().push(c);
        }
        Ok((
            by_item
                .into_iter()
                .map(|(k, v)| (k, Tags::from_rows(v)))
                .collect(),
            call_map,
        ))
    }

    async fn items_where(&self, filter: &str, arg: i64) -> Result<Vec<Item>> {
        let rows = self.item_rows(filter, arg).await?;
        let (mut tags, mut calls) = self.item_links(filter, arg).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let id = r.id;
                r.into_item(
                    tags.remove(&id).unwrap_or_default(),
                    calls.remove(&id).unwrap_or_default(),
                )
            })
            .collect())
    }

    /// One item, if it exists.
    pub async fn item(&self, id: i64) -> Result<Option<Item>> {
        Ok(self
            .items_where("WHERE id = $1", id)
            .await?
            .into_iter()
            .next())
    }

    /// Every item, oldest first.
    pub async fn items(&self) -> Result<Vec<Item>> {
        self.items_where("WHERE $1 = $1", 0).await
    }

    /// Items written after a revision, with their attachments' text, for the index.
    pub async fn items_since(&self, revision: i64) -> Result<Vec<IndexedItem>> {
        let items = self.items_where("WHERE revision > $1", revision).await?;
        let texts: Vec<(i64, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT a.item_id, a.text FROM evidence_attachments a
             JOIN evidence_items i ON i.id = a.item_id WHERE i.revision > $1 ORDER BY a.id",
        ).bind(revision).fetch_all(p).await?);
        let mut by_item: HashMap<i64, String> = HashMap::new();
        for (id, t) in texts {
            let s = by_item.entry(id).or_default();
            if !s.is_empty() {
                s.push_str("\n\n");
            }
            s.push_str(&t);
        }
        Ok(items
            .into_iter()
            .map(|item| IndexedItem {
                attachment_text: by_item.remove(&item.id).unwrap_or_default(),
                item,
            })
            .collect())
    }

    /// Items whose DOI is this one (lower case, without a resolver prefix).
    pub async fn items_by_doi(&self, doi: &str) -> Result<Vec<i64>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM evidence_items WHERE doi = $1 ORDER BY id",
        ).bind(doi).fetch_all(p).await?))
    }

    /// The attachments of an item, without their bytes.
    pub async fn attachments(&self, item: i64) -> Result<Vec<Attachment>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, item_id, file_name, media_type, size, sha256, added_at
             FROM evidence_attachments WHERE item_id = $1 ORDER BY id",
        ).bind(item).fetch_all(p).await?))
    }

    /// The bytes of one attachment.
    pub async fn attachment_content(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT content FROM evidence_attachments WHERE id = $1",
        ).bind(id).fetch_optional(p).await?))
    }
}
