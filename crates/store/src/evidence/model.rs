//! The records of the evidence library as the rest of the observatory sees them: items
//! with tags and attachments, register entries, calls and their submissions, decision
//! links, and what the search index reads.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

    pub(super) fn from_rows(rows: impl IntoIterator<Item = (String, String)>) -> Tags {
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
