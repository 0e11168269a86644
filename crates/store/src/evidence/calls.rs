//! Calls for evidence: opening and closing them, the public's submissions, and the
//! moderation decisions (accept as a new item, merge into one, reject).

use anyhow::{Context, Result, bail};
use std::collections::HashMap;

use super::model::*;
use super::rows::*;
use crate::{Store, now, on_pool};

impl Store {
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
}
