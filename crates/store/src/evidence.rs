//! Storage of the evidence library: items (with tags and attachments), the research
//! register, calls for evidence and their submissions, and links from strategy decisions.
//! Values are checked by the evidence crate before they get here; this module only keeps
//! them, in one transaction per change, and bumps a generation counter that tells a
//! search index on disk whether it is behind.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use crate::{Store, now, on_pool};

/// Tags of an item, register entry or call: facet -> values, each list sorted and
/// without repeats (facets: theme, sector, provision, geography, outcome, keyword).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tags(pub BTreeMap<String, Vec<String>>);

impl Tags {
    pub fn add(&mut self, facet: &str, value: &str) {
        let v = self.0.entry(facet.to_string()).or_default();
        if !v.iter().any(|x| x == value) {
            v.push(value.to_string());
            v.sort();
        }
    }

    pub fn get(&self, facet: &str) -> &[String] {
        self.0.get(facet).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn has(&self, facet: &str, value: &str) -> bool {
        self.get(facet).iter().any(|v| v == value)
    }

    /// Every (facet, value) pair, in a stable order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .flat_map(|(f, vs)| vs.iter().map(move |v| (f.as_str(), v.as_str())))
    }

    /// Add every tag of another set (used when merging a submission into an item).
    pub fn extend(&mut self, other: &Tags) {
        for (f, v) in other.pairs() {
            self.add(f, v);
        }
    }

    fn from_rows(rows: impl IntoIterator<Item = (String, String)>) -> Tags {
        let mut t = Tags::default();
        for (f, v) in rows {
            t.add(&f, &v);
        }
        t
    }
}

/// What describes an evidence item (everything a person or a citation file gives).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemFields {
    pub title: String,
    /// One "Surname, Given" (or an organisation as author) per entry.
    pub authors: Vec<String>,
    pub organisation: Option<String>,
    pub year: Option<i32>,
    pub item_type: String,
    pub summary: String,
    pub link: Option<String>,
    pub doi: Option<String>,
    pub strength: Option<String>,
    /// Journal, book, conference or report series.
    pub container: Option<String>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    pub pages: Option<String>,
    pub publisher: Option<String>,
    pub place: Option<String>,
    pub report_number: Option<String>,
    pub tags: Tags,
}

/// A stored item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: i64,
    #[serde(flatten)]
    pub fields: ItemFields,
    pub added_at: String,
    pub added_by: String,
    pub updated_at: String,
    pub revision: i64,
    /// Calls for evidence this item came in through.
    pub calls: Vec<i64>,
}

/// A file to keep with an item, with the text extracted from it for search.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAttachment {
    pub file_name: String,
    pub media_type: String,
    pub content: Vec<u8>,
    pub sha256: String,
    pub text: String,
}

/// A stored attachment, without its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub item_id: i64,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub added_at: String,
}

/// A study in the research register.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisterFields {
    pub title: String,
    pub organisation: String,
    /// planned | commissioned | in_progress | reported
    pub status: String,
    pub summary: String,
    /// YYYY-MM-DD.
    pub due_date: Option<String>,
    /// The due date as the source gave it ("summer 2010", "tbc").
    pub due_note: Option<String>,
    /// The report, once there is one.
    pub item_id: Option<i64>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterEntry {
    pub id: i64,
    #[serde(flatten)]
    pub fields: RegisterFields,
    pub added_at: String,
    pub added_by: String,
}

/// A call for evidence as an analyst opens it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallFields {
    pub question: String,
    pub details: String,
    /// YYYY-MM-DD: the last day submissions are taken.
    pub deadline: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: i64,
    #[serde(flatten)]
    pub fields: CallFields,
    /// open | closed
    pub status: String,
    /// The secret part of the public link.
    pub token: String,
    pub opened_by: String,
    pub opened_at: String,
    pub closed_at: Option<String>,
}

/// What someone sends in answer to a call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubmissionFields {
    pub submitter_name: String,
    pub submitter_email: String,
    pub title: String,
    pub authors: Vec<String>,
    pub organisation: Option<String>,
    pub year: Option<i32>,
    pub item_type: String,
    pub summary: String,
    pub link: Option<String>,
    pub file: Option<NewAttachment>,
}

/// A stored submission (its file's bytes are read with [`Store::call_submission_file`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallSubmission {
    pub id: i64,
    pub call_id: i64,
    /// pending | accepted | merged | rejected
    pub status: String,
    pub submitter_name: String,
    pub submitter_email: String,
    pub title: String,
    pub authors: Vec<String>,
    pub organisation: Option<String>,
    pub year: Option<i32>,
    pub item_type: String,
    pub summary: String,
    pub link: Option<String>,
    pub file_name: Option<String>,
    pub file_media_type: Option<String>,
    pub file_size: Option<i64>,
    pub file_text: Option<String>,
    pub submitted_at: String,
    pub moderated_by: Option<String>,
    pub moderated_at: Option<String>,
    pub reason: Option<String>,
    pub item_id: Option<i64>,
}

/// A link from a strategy decision to an item.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DecisionLink {
    pub id: i64,
    pub item_id: i64,
    pub decision_ref: String,
    pub note: Option<String>,
    pub linked_by: String,
    pub linked_at: String,
}

/// An item with its attachments' text, as the search index needs it.
#[derive(Debug, Clone)]
pub struct IndexedItem {
    pub item: Item,
    pub attachment_text: String,
}

/// (owner id, facet, value) of a tags table.
type TagRow = (i64, String, String);

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    title: String,
    authors: String,
    organisation: Option<String>,
    year: Option<i64>,
    item_type: String,
    summary: String,
    link: Option<String>,
    doi: Option<String>,
    strength: Option<String>,
    container: Option<String>,
    volume: Option<String>,
    issue: Option<String>,
    pages: Option<String>,
    publisher: Option<String>,
    place: Option<String>,
    report_number: Option<String>,
    added_at: String,
    added_by: String,
    updated_at: String,
    revision: i64,
}

const ITEM_COLUMNS: &str = "id, title, authors, organisation, year, item_type, summary, link, doi,
    strength, container, volume, issue, pages, publisher, place, report_number, added_at, added_by,
    updated_at, revision";

#[derive(sqlx::FromRow)]
struct RegisterRow {
    id: i64,
    title: String,
    organisation: String,
    status: String,
    summary: String,
    due_date: Option<String>,
    due_note: Option<String>,
    item_id: Option<i64>,
    added_at: String,
    added_by: String,
}

#[derive(sqlx::FromRow)]
struct CallRow {
    id: i64,
    question: String,
    details: String,
    deadline: String,
    status: String,
    token: String,
    opened_by: String,
    opened_at: String,
    closed_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SubmissionRow {
    id: i64,
    call_id: i64,
    status: String,
    submitter_name: String,
    submitter_email: String,
    title: String,
    authors: String,
    organisation: Option<String>,
    year: Option<i64>,
    item_type: String,
    summary: String,
    link: Option<String>,
    file_name: Option<String>,
    file_media_type: Option<String>,
    file_size: Option<i64>,
    file_text: Option<String>,
    submitted_at: String,
    moderated_by: Option<String>,
    moderated_at: Option<String>,
    reason: Option<String>,
    item_id: Option<i64>,
}

const SUBMISSION_COLUMNS: &str = "id, call_id, status, submitter_name, submitter_email, title,
    authors, organisation, year, item_type, summary, link, file_name, file_media_type,
    CAST(LENGTH(file_content) AS BIGINT) AS file_size, file_text, submitted_at, moderated_by, moderated_at,
    reason, item_id";

fn join_authors(a: &[String]) -> String {
    a.join("\n")
}

fn split_authors(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

impl ItemRow {
    fn into_item(self, tags: Tags, calls: Vec<i64>) -> Item {
        Item {
            id: self.id,
            fields: ItemFields {
                title: self.title,
                authors: split_authors(&self.authors),
                organisation: self.organisation,
                year: self.year.map(|y| y as i32),
                item_type: self.item_type,
                summary: self.summary,
                link: self.link,
                doi: self.doi,
                strength: self.strength,
                container: self.container,
                volume: self.volume,
                issue: self.issue,
                pages: self.pages,
                publisher: self.publisher,
                place: self.place,
                report_number: self.report_number,
                tags,
            },
            added_at: self.added_at,
            added_by: self.added_by,
            updated_at: self.updated_at,
            revision: self.revision,
            calls,
        }
    }
}

impl SubmissionRow {
    fn into_submission(self) -> CallSubmission {
        CallSubmission {
            id: self.id,
            call_id: self.call_id,
            status: self.status,
            submitter_name: self.submitter_name,
            submitter_email: self.submitter_email,
            title: self.title,
            authors: split_authors(&self.authors),
            organisation: self.organisation,
            year: self.year.map(|y| y as i32),
            item_type: self.item_type,
            summary: self.summary,
            link: self.link,
            file_name: self.file_name,
            file_media_type: self.file_media_type,
            file_size: self.file_size,
            file_text: self.file_text,
            submitted_at: self.submitted_at,
            moderated_by: self.moderated_by,
            moderated_at: self.moderated_at,
            reason: self.reason,
            item_id: self.item_id,
        }
    }
}

/// Bump the evidence generation inside a transaction; the new value is the revision of
/// everything this transaction writes. The row lock orders concurrent writers, so
/// revisions become visible in increasing order.
macro_rules! bump {
    ($tx:expr) => {
        sqlx::query_scalar::<_, i64>(
            "UPDATE evidence_state SET generation = generation + 1 WHERE id = 1 RETURNING generation",
        )
        .fetch_one(&mut *$tx)
        .await
        .context("cannot update the evidence generation")?
    };
}

/// Replace the tags of one owner (item, register entry or call) inside a transaction.
macro_rules! put_tags {
    ($tx:expr, $table:literal, $key:literal, $id:expr, $tags:expr) => {{
        sqlx::query(concat!("DELETE FROM ", $table, " WHERE ", $key, " = $1"))
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        for (facet, value) in $tags.pairs() {
            sqlx::query(concat!(
                "INSERT INTO ",
                $table,
                " (",
                $key,
                ", facet, value) VALUES ($1, $2, $3)"
            ))
            .bind($id)
            .bind(facet)
            .bind(value)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Insert an item's row, returning its id.
macro_rules! insert_item_row {
    ($tx:expr, $f:expr, $by:expr, $at:expr, $rev:expr) => {{
        let f: &ItemFields = $f;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evidence_items (title, authors, organisation, year, item_type, summary,
               link, doi, strength, container, volume, issue, pages, publisher, place,
               report_number, added_at, added_by, updated_at, revision)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $17, $19)
             RETURNING id",
        )
        .bind(&f.title)
        .bind(join_authors(&f.authors))
        .bind(&f.organisation)
        .bind(f.year.map(i64::from))
        .bind(&f.item_type)
        .bind(&f.summary)
        .bind(&f.link)
        .bind(&f.doi)
        .bind(&f.strength)
        .bind(&f.container)
        .bind(&f.volume)
        .bind(&f.issue)
        .bind(&f.pages)
        .bind(&f.publisher)
        .bind(&f.place)
        .bind(&f.report_number)
        .bind($at)
        .bind($by)
        .bind($rev)
        .fetch_one(&mut *$tx)
        .await
        .context("cannot store the evidence item")?;
        put_tags!($tx, "evidence_tags", "item_id", id, f.tags);
        id
    }};
}

macro_rules! update_item_row {
    ($tx:expr, $id:expr, $f:expr, $at:expr, $rev:expr) => {{
        let f: &ItemFields = $f;
        let n = sqlx::query(
            "UPDATE evidence_items SET title = $1, authors = $2, organisation = $3, year = $4,
               item_type = $5, summary = $6, link = $7, doi = $8, strength = $9, container = $10,
               volume = $11, issue = $12, pages = $13, publisher = $14, place = $15,
               report_number = $16, updated_at = $17, revision = $18
             WHERE id = $19",
        )
        .bind(&f.title)
        .bind(join_authors(&f.authors))
        .bind(&f.organisation)
        .bind(f.year.map(i64::from))
        .bind(&f.item_type)
        .bind(&f.summary)
        .bind(&f.link)
        .bind(&f.doi)
        .bind(&f.strength)
        .bind(&f.container)
        .bind(&f.volume)
        .bind(&f.issue)
        .bind(&f.pages)
        .bind(&f.publisher)
        .bind(&f.place)
        .bind(&f.report_number)
        .bind($at)
        .bind($rev)
        .bind($id)
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        if n == 0 {
            bail!("there is no evidence item {}", $id);
        }
        put_tags!($tx, "evidence_tags", "item_id", $id, f.tags);
    }};
}

macro_rules! insert_attachment {
    ($tx:expr, $item:expr, $a:expr, $at:expr) => {{
        let a: &NewAttachment = $a;
        sqlx::query(
            "INSERT INTO evidence_attachments (item_id, file_name, media_type, size, sha256, content, text, added_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($item)
        .bind(&a.file_name)
        .bind(&a.media_type)
        .bind(a.content.len() as i64)
        .bind(&a.sha256)
        .bind(&a.content)
        .bind(&a.text)
        .bind($at)
        .execute(&mut *$tx)
        .await
        .context("cannot store the attachment")?;
    }};
}

/// Copy a submission's file (if it has one) onto an item, link the item to the call and
/// record the moderation decision: the common tail of accepting and merging.
macro_rules! finish_submission {
    ($tx:expr, $sub:expr, $item:expr, $status:literal, $by:expr, $at:expr) => {{
        sqlx::query(
            "INSERT INTO evidence_attachments (item_id, file_name, media_type, size, sha256, content, text, added_at)
             SELECT $1, file_name, file_media_type, LENGTH(file_content), file_sha256, file_content,
                    COALESCE(file_text, ''), $2
             FROM call_submissions WHERE id = $3 AND file_content IS NOT NULL",
        )
        .bind($item)
        .bind($at)
        .bind($sub)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO item_calls (item_id, call_id)
             SELECT $1, call_id FROM call_submissions WHERE id = $2 ON CONFLICT DO NOTHING",
        )
        .bind($item)
        .bind($sub)
        .execute(&mut *$tx)
        .await?;
        let n = sqlx::query(concat!(
            "UPDATE call_submissions SET status = '",
            $status,
            "', moderated_by = $1, moderated_at = $2, item_id = $3 WHERE id = $4 AND status = 'pending'"
        ))
        .bind($by)
        .bind($at)
        .bind($item)
        .bind($sub)
        .execute(&mut *$tx)
        .await?
        .rows_affected();
        if n == 0 {
            bail!("submission {} is not waiting for moderation (it was already decided, or does not exist)", $sub);
        }
    }};
}

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

    // ----- the research register -----

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

    // ----- calls for evidence -----

    /// Open a call; `token` is the secret part of its public link (made by the caller).
    pub async fn insert_call(&self, f: &CallFields, token: &str, opened_by: &str) -> Result<i64> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            bump!(tx);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO evidence_calls (question, details, deadline, status, token, opened_by, opened_at)
                 VALUES ($1, $2, $3, 'open', $4, $5, $6) RETURNING id",
            )
            .bind(&f.question).bind(&f.details).bind(&f.deadline).bind(token).bind(opened_by).bind(&at)
            .fetch_one(&mut *tx).await.context("cannot store the call for evidence")?;
            put_tags!(tx, "call_tags", "call_id", id, f.tags);
            tx.commit().await?;
            Ok(id)
        })
    }

    pub async fn close_call(&self, id: i64) -> Result<()> {
        let at = now();
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE evidence_calls SET status = 'closed', closed_at = $1 WHERE id = $2 AND status = 'open'",
        ).bind(&at).bind(id).execute(p).await?.rows_affected());
        if n == 0 {
            bail!("call {id} does not exist or is already closed");
        }
        Ok(())
    }

    async fn calls_where(&self, filter: &str, arg: &str) -> Result<Vec<Call>> {
        let sql = format!(
            "SELECT id, question, details, deadline, status, token, opened_by, opened_at, closed_at
             FROM evidence_calls {filter} ORDER BY id"
        );
        let (rows, tags): (Vec<CallRow>, Vec<TagRow>) = on_pool!(self, p => (
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(arg).fetch_all(p).await?,
            sqlx::query_as("SELECT call_id, facet, value FROM call_tags").fetch_all(p).await?,
        ));
        let mut by_call: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        for (id, f, v) in tags {
            by_call.entry(id).or_default().push((f, v));
        }
        Ok(rows
            .into_iter()
            .map(|r| Call {
                id: r.id,
                fields: CallFields {
                    question: r.question,
                    details: r.details,
                    deadline: r.deadline,
                    tags: Tags::from_rows(by_call.remove(&r.id).unwrap_or_default()),
                },
                status: r.status,
                token: r.token,
                opened_by: r.opened_by,
                opened_at: r.opened_at,
                closed_at: r.closed_at,
            })
            .collect())
    }

    pub async fn calls(&self) -> Result<Vec<Call>> {
        self.calls_where("WHERE $1 = $1", "").await
    }

    pub async fn call(&self, id: i64) -> Result<Option<Call>> {
        Ok(self
            .calls_where("WHERE CAST(id AS TEXT) = $1", &id.to_string())
            .await?
            .into_iter()
            .next())
    }

    /// The call behind a public link.
    pub async fn call_by_token(&self, token: &str) -> Result<Option<Call>> {
        Ok(self
            .calls_where("WHERE token = $1", token)
            .await?
            .into_iter()
            .next())
    }

    /// Keep a submission to a call, waiting for moderation; returns its id.
    pub async fn insert_call_submission(&self, call: i64, s: &SubmissionFields) -> Result<i64> {
        let at = now();
        let file = s.file.as_ref();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            bump!(tx);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO call_submissions (call_id, status, submitter_name, submitter_email, title,
                   authors, organisation, year, item_type, summary, link, file_name, file_media_type,
                   file_content, file_sha256, file_text, submitted_at)
                 VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                 RETURNING id",
            )
            .bind(call).bind(&s.submitter_name).bind(&s.submitter_email).bind(&s.title)
            .bind(join_authors(&s.authors)).bind(&s.organisation).bind(s.year.map(i64::from))
            .bind(&s.item_type).bind(&s.summary).bind(&s.link)
            .bind(file.map(|f| f.file_name.as_str())).bind(file.map(|f| f.media_type.as_str()))
            .bind(file.map(|f| f.content.as_slice())).bind(file.map(|f| f.sha256.as_str()))
            .bind(file.map(|f| f.text.as_str())).bind(&at)
            .fetch_one(&mut *tx).await.context("cannot store the submission")?;
            tx.commit().await?;
            Ok(id)
        })
    }

    async fn call_submissions_where(&self, filter: &str, arg: i64) -> Result<Vec<CallSubmission>> {
        let sql = format!("SELECT {SUBMISSION_COLUMNS} FROM call_submissions {filter} ORDER BY id");
        let rows: Vec<SubmissionRow> = on_pool!(self, p => sqlx::query_as(
            sqlx::AssertSqlSafe(sql.as_str())).bind(arg).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(SubmissionRow::into_submission)
            .collect())
    }

    /// The submissions to a call, oldest first.
    pub async fn call_submissions(&self, call: i64) -> Result<Vec<CallSubmission>> {
        self.call_submissions_where("WHERE call_id = $1", call)
            .await
    }

    /// Every submission waiting for moderation, oldest first.
    pub async fn pending_call_submissions(&self) -> Result<Vec<CallSubmission>> {
        self.call_submissions_where("WHERE status = 'pending' AND $1 = $1", 0)
            .await
    }

    pub async fn call_submission(&self, id: i64) -> Result<Option<CallSubmission>> {
        Ok(self
            .call_submissions_where("WHERE id = $1", id)
            .await?
            .into_iter()
            .next())
    }

    pub async fn call_submission_file(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT file_content FROM call_submissions WHERE id = $1 AND file_content IS NOT NULL",
        ).bind(id).fetch_optional(p).await?))
    }

    /// Accept a submission: it becomes a new item (described by `f`, which the moderator
    /// may have completed), keeps the submitted file and is tagged to its call.
    pub async fn accept_submission(&self, sub: i64, f: &ItemFields, by: &str) -> Result<i64> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let rev = bump!(tx);
            let id = insert_item_row!(tx, f, by, &at, rev);
            finish_submission!(tx, sub, id, "accepted", by, &at);
            tx.commit().await.context("cannot commit the accepted submission")?;
            Ok(id)
        })
    }

    /// Merge a submission into an existing item, whose new description is `f`.
    pub async fn merge_submission(
        &self,
        sub: i64,
        item: i64,
        f: &ItemFields,
        by: &str,
    ) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let rev = bump!(tx);
            update_item_row!(tx, item, f, &at, rev);
            finish_submission!(tx, sub, item, "merged", by, &at);
            tx.commit().await.context("cannot commit the merged submission")?;
            Ok(())
        })
    }

    /// Reject a submission, saying why (shown to the analyst, kept for the record).
    pub async fn reject_submission(&self, sub: i64, reason: &str, by: &str) -> Result<()> {
        let at = now();
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE call_submissions SET status = 'rejected', reason = $1, moderated_by = $2,
               moderated_at = $3 WHERE id = $4 AND status = 'pending'",
        ).bind(reason).bind(by).bind(&at).bind(sub).execute(p).await?.rows_affected());
        if n == 0 {
            bail!(
                "submission {sub} is not waiting for moderation (it was already decided, or does not exist)"
            );
        }
        Ok(())
    }

    // ----- decision links -----

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

#[cfg(test)]
mod tests;
