//! How the evidence records map to table rows (both backends), and the SQL steps the
//! writes share (bumping the generation, replacing tags, inserting an item or an
//! attachment, finishing a moderated submission), written once as macros that run
//! inside whichever backend's transaction is open.

use super::model::{CallSubmission, Item, ItemFields, Tags};

/// (owner id, facet, value) of a tags table.
pub(super) type TagRow = (i64, String, String);

#[derive(sqlx::FromRow)]
pub(super) struct ItemRow {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) authors: String,
    pub(super) organisation: Option<String>,
    pub(super) year: Option<i64>,
    pub(super) item_type: String,
    pub(super) summary: String,
    pub(super) link: Option<String>,
    pub(super) doi: Option<String>,
    pub(super) strength: Option<String>,
    pub(super) container: Option<String>,
    pub(super) volume: Option<String>,
    pub(super) issue: Option<String>,
    pub(super) pages: Option<String>,
    pub(super) publisher: Option<String>,
    pub(super) place: Option<String>,
    pub(super) report_number: Option<String>,
    pub(super) added_at: String,
    pub(super) added_by: String,
    pub(super) updated_at: String,
    pub(super) revision: i64,
}

pub(super) const ITEM_COLUMNS: &str =
    "id, title, authors, organisation, year, item_type, summary, link, doi,
    strength, container, volume, issue, pages, publisher, place, report_number, added_at, added_by,
    updated_at, revision";

#[derive(sqlx::FromRow)]
pub(super) struct RegisterRow {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) organisation: String,
    pub(super) status: String,
    pub(super) summary: String,
    pub(super) due_date: Option<String>,
    pub(super) due_note: Option<String>,
    pub(super) item_id: Option<i64>,
    pub(super) added_at: String,
    pub(super) added_by: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct CallRow {
    pub(super) id: i64,
    pub(super) question: String,
    pub(super) details: String,
    pub(super) deadline: String,
    pub(super) status: String,
    pub(super) token: String,
    pub(super) opened_by: String,
    pub(super) opened_at: String,
    pub(super) closed_at: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(super) struct SubmissionRow {
    pub(super) id: i64,
    pub(super) call_id: i64,
    pub(super) status: String,
    pub(super) submitter_name: String,
    pub(super) submitter_email: String,
    pub(super) title: String,
    pub(super) authors: String,
    pub(super) organisation: Option<String>,
    pub(super) year: Option<i64>,
    pub(super) item_type: String,
    pub(super) summary: String,
    pub(super) link: Option<String>,
    pub(super) file_name: Option<String>,
    pub(super) file_media_type: Option<String>,
    pub(super) file_size: Option<i64>,
    pub(super) file_text: Option<String>,
    pub(super) submitted_at: String,
    pub(super) moderated_by: Option<String>,
    pub(super) moderated_at: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) item_id: Option<i64>,
}

pub(super) const SUBMISSION_COLUMNS: &str = "id, call_id, status, submitter_name, submitter_email, title,
    authors, organisation, year, item_type, summary, link, file_name, file_media_type,
    CAST(LENGTH(file_content) AS BIGINT) AS file_size, file_text, submitted_at, moderated_by, moderated_at,
    reason, item_id";

pub(super) fn join_authors(a: &[String]) -> String {
    a.join("\n")
}

pub(super) fn split_authors(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

impl ItemRow {
    pub(super) fn into_item(self, tags: Tags, calls: Vec<i64>) -> Item {
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
    pub(super) fn into_submission(self) -> CallSubmission {
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
