//! Calls for evidence: an analyst opens a call (question, themes, deadline) with a
//! public link; anyone with the link submits evidence (with a file) without an
//! account; a moderator accepts (a new item tagged to the call), merges into an
//! existing item, or rejects with a reason; and the call reports what it received.

use anyhow::{Context, Result, bail, ensure};
use chrono::NaiveDate;
use observatory_store::evidence::{Call, CallFields, CallSubmission, ItemFields, SubmissionFields};
use rand::RngExt;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::Library;
use crate::model::{check_call, check_item, check_submission};

/// What a member of the public sends: the description, and a file as uploaded.
#[derive(Debug, Clone, Default)]
pub struct SubmissionInput {
    pub fields: SubmissionFields,
    /// (file name, bytes) of an attached PDF, DOCX or text file.
    pub file: Option<(String, Vec<u8>)>,
}

/// What a moderator changes when accepting: tags to add (the call's themes are there
/// already), the strength, and corrections to the submitted type or title.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub tags: observatory_store::evidence::Tags,
    pub strength: Option<String>,
    pub item_type: Option<String>,
    pub title: Option<String>,
}

/// How a moderator decides on a submission.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Make it a new item with the changes applied.
    Accept(Changes),
    /// Fold it into an existing item: empty fields of the item are filled from the
    /// submission, the call's tags are added, the file is attached.
    Merge(i64),
    Reject(String),
}

/// What a call received, for its report-back page.
#[derive(Debug, Clone, Serialize)]
pub struct CallReport {
    pub call: Call,
    pub received: usize,
    /// Count per status: pending, accepted, merged, rejected.
    pub by_status: BTreeMap<String, usize>,
    /// Count per evidence type among the accepted and merged.
    pub by_type: BTreeMap<String, usize>,
    /// Items the call added or added to (id, title).
    pub items: Vec<(i64, String)>,
    pub submissions: Vec<SubmissionSummary>,
}

/// A submission as the report shows it: no email address, no file bytes.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionSummary {
    pub id: i64,
    pub title: String,
    pub item_type: String,
    pub organisation: Option<String>,
    pub status: String,
    pub submitted_at: String,
    pub has_file: bool,
    pub reason: Option<String>,
    pub item_id: Option<i64>,
}

/// A random token for a call's public link: 24 characters of [a-z0-9], about 124 bits.
fn token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Whether a call takes submissions on a day: open, and the deadline not passed.
pub fn accepting(call: &Call, today: NaiveDate) -> bool {
    call.status == "open"
        && NaiveDate::parse_from_str(&call.fields.deadline, "%Y-%m-%d").is_ok_and(|d| today <= d)
}

/// The item a submission becomes: its description, the call's tags.
pub fn item_from(sub: &CallSubmission, call: &Call) -> ItemFields {
    let mut tags = call.fields.tags.clone();
    // Call tags describe what was asked; keywords belong to the call, not the item.
    tags.0.remove("keyword");
    ItemFields {
        title: sub.title.clone(),
        // Someone who sent their own work without naming authors is its author.
        authors: if sub.authors.is_empty() && sub.organisation.is_none() {
            vec![sub.submitter_name.clone()]
        } else {
            sub.authors.clone()
        },
        organisation: sub.organisation.clone(),
        year: sub.year,
        item_type: sub.item_type.clone(),
        summary: sub.summary.clone(),
        link: sub.link.clone(),
        tags,
        ..Default::default()
    }
}

/// An existing item with a submission folded in: empty fields filled, tags added.
pub fn merged(item: &ItemFields, from: &ItemFields) -> ItemFields {
    let mut m = item.clone();
    let fill = |a: &mut Option<String>, b: &Option<String>| {
        if a.is_none() {
            a.clone_from(b);
        }
    };
    fill(&mut m.organisation, &from.organisation);
    fill(&mut m.link, &from.link);
    if m.year.is_none() {
        m.year = from.year;
    }
    if m.summary.is_empty() {
        m.summary.clone_from(&from.summary);
    }
    if m.authors.is_empty() {
        m.authors.clone_from(&from.authors);
    }
    m.tags.extend(&from.tags);
    m
}

impl Library {
    /// Open a call; returns it with its public token.
    pub async fn open_call(&self, mut fields: CallFields, by: &str) -> Result<Call> {
        check_call(&mut fields)?;
        let id = self.store.insert_call(&fields, &token(), by).await?;
        self.call(id).await
    }

    pub async fn call(&self, id: i64) -> Result<Call> {
        self.find_call(id)
            .await?
            .with_context(|| format!("there is no call for evidence {id}"))
    }

    /// One call, if there is one with this number.
    pub async fn find_call(&self, id: i64) -> Result<Option<Call>> {
        self.store.call(id).await
    }

    /// Every call, with its public token.
    pub async fn calls(&self) -> Result<Vec<Call>> {
        self.store.calls().await
    }

    /// Close a call (no more submissions).
    pub async fn close_call(&self, id: i64) -> Result<()> {
        self.store.close_call(id).await
    }

    /// The submissions waiting for a decision (with the submitters' addresses).
    pub async fn pending_call_submissions(&self) -> Result<Vec<CallSubmission>> {
        self.store.pending_call_submissions().await
    }

    /// A submission's file, if it has one.
    pub async fn call_submission_file(&self, id: i64) -> Result<Option<Vec<u8>>> {
        self.store.call_submission_file(id).await
    }

    /// Take a submission through a call's public link, on `today`.
    pub async fn submit(
        &self,
        token: &str,
        mut input: SubmissionInput,
        today: NaiveDate,
    ) -> Result<i64> {
        let call =
            self.store.call_by_token(token).await?.context(
                "this link does not lead to a call for evidence; check it was copied whole",
            )?;
        if !accepting(&call, today) {
            bail!(
                "the call '{}' closed on {}; submissions are no longer taken",
                call.fields.question,
                call.fields.deadline
            );
        }
        check_submission(&mut input.fields)?;
        if let Some((name, bytes)) = input.file.take() {
            input.fields.file = Some(crate::extract::attachment(&name, bytes).await?);
        }
        self.store
            .insert_call_submission(call.id, &input.fields)
            .await
    }

    /// Decide on a pending submission; returns the item it became or went into.
    pub async fn moderate(&self, sub: i64, decision: Decision, by: &str) -> Result<Option<i64>> {
        let s = self
            .store
            .call_submission(sub)
            .await?
            .with_context(|| format!("there is no submission {sub}"))?;
        ensure!(
            s.status == "pending",
            "submission {sub} was already {} by {}",
            s.status,
            s.moderated_by.as_deref().unwrap_or("someone")
        );
        let call = self.call(s.call_id).await?;
        let base = item_from(&s, &call);
        match decision {
            Decision::Accept(change) => {
                let mut f = base;
                f.tags.extend(&change.tags);
                f.strength = change.strength.or(f.strength);
                if let Some(t) = change.item_type {
                    f.item_type = t;
                }
                if let Some(t) = change.title {
                    f.title = t;
                }
                check_item(&mut f)?;
                Ok(Some(self.store.accept_submission(sub, &f, by).await?))
            }
            Decision::Merge(item) => {
                let existing = self.item(item).await?;
                let mut f = merged(&existing.fields, &base);
                check_item(&mut f)?;
                self.store.merge_submission(sub, item, &f, by).await?;
                Ok(Some(item))
            }
            Decision::Reject(reason) => {
                let reason = reason.trim();
                ensure!(
                    !reason.is_empty(),
                    "say why the submission is rejected (it is kept for the record)"
                );
                self.store.reject_submission(sub, reason, by).await?;
                Ok(None)
            }
        }
    }

    /// What a call received.
    pub async fn call_report(&self, id: i64) -> Result<CallReport> {
        let call = self.call(id).await?;
        let subs = self.store.call_submissions(id).await?;
        let mut by_status: BTreeMap<String, usize> = ["pending", "accepted", "merged", "rejected"]
            .iter()
            .map(|s| (s.to_string(), 0))
            .collect();
        let mut by_type = BTreeMap::new();
        let mut items: Vec<(i64, String)> = Vec::new();
        for s in &subs {
            *by_status.entry(s.status.clone()).or_default() += 1;
            if let Some(item) = s.item_id {
                *by_type.entry(s.item_type.clone()).or_default() += 1;
                if !items.iter().any(|(i, _)| *i == item) {
                    let title = self.item(item).await?.fields.title;
                    items.push((item, title));
                }
            }
        }
        Ok(CallReport {
            received: subs.len(),
            by_status,
            by_type,
            items,
            submissions: subs
                .into_iter()
                .map(|s| SubmissionSummary {
                    id: s.id,
                    title: s.title,
                    item_type: s.item_type,
                    organisation: s.organisation,
                    status: s.status,
                    submitted_at: s.submitted_at,
                    has_file: s.file_name.is_some(),
                    reason: s.reason,
                    item_id: s.item_id,
                })
                .collect(),
            call,
        })
    }
}
