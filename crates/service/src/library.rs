//! The evidence library as the command line and the web app reach it: the one way in.
//! Reading (search, items, the register, the gap map, calls, feeds) is open to everyone;
//! every change takes the actor and is refused unless the policy lets them change the
//! library ([`policy::may_change_evidence`]); who added an item and what the public sent
//! to calls is shown only to those who see the staff side
//! ([`policy::sees_evidence_staff_side`]). The work itself is the evidence crate's; its
//! failures come back as [`ServiceError`]s.

use crate::database::Database;
use chrono::NaiveDate;
use observatory_evidence as evidence;
use std::path::PathBuf;

use crate::error::ServiceError;
use crate::policy::{self, Actor};

// The library's vocabulary: what the interfaces read, show and fill in.
pub use evidence::bench::{BenchReport, run as bench};
pub use evidence::calls::{CallReport, Changes, Decision, SubmissionInput, accepting};
pub use evidence::cite;
pub use evidence::demo::DemoLoaded;
pub use evidence::extract::MAX_FILE_BYTES;
pub use evidence::feed::Scope;
pub use evidence::gaps::{Cell, Columns, GapMap, GapOptions, status_label};
pub use evidence::model::REGISTER_STATUSES;
pub use evidence::search::{SEARCH_FACETS, plain_text};
pub use evidence::similar::Similar;
pub use evidence::taxonomy::{TAG_FACETS, Taxonomy, Vocabulary, taxonomy};
pub use evidence::{
    Attachment, Call, CallFields, CallSubmission, DecisionLink, FacetCount, Hit, INDEX_ENV, Item,
    ItemFields, NewAttachment, RegisterEntry, RegisterFields, SearchRequest, SearchResults, Sort,
    SubmissionFields, Tags, default_index_dir,
};

type Result<T> = std::result::Result<T, ServiceError>;

/// A failure of a change whose records the library checks: a record that fails its
/// checks is the asker's to fix (with the library's own sentences, one a line);
/// anything else is the service's.
fn checked(e: anyhow::Error) -> ServiceError {
    if e.downcast_ref::<evidence::model::Invalid>().is_some() {
        told(e)
    } else {
        ServiceError::Internal(e)
    }
}

/// A failure told to the asker as it is: what was wrong with their file, submission
/// or decision (the library says it in their words); a record's problems keep the
/// field each is in.
fn told(e: anyhow::Error) -> ServiceError {
    match e.downcast_ref::<evidence::model::Invalid>() {
        Some(inv) if e.chain().count() == 1 && inv.fields.len() == inv.problems.len() => {
            ServiceError::Fields {
                what: inv.what.clone(),
                problems: inv
                    .fields
                    .iter()
                    .copied()
                    .zip(inv.problems.clone())
                    .collect(),
            }
        }
        _ => ServiceError::Invalid(format!("{e:#}")),
    }
}

/// The evidence library of one database, for every interface.
#[derive(Clone)]
pub struct Library {
    inner: evidence::Library,
    /// The name recorded for the operator's changes (added by, moderated by).
    operator: String,
}

impl Library {
    /// Open the library of a store with its search index in `index_dir` (None: the
    /// [`default_index_dir`]), bringing the index up to date.
    pub async fn open(db: &Database, index_dir: Option<PathBuf>) -> anyhow::Result<Library> {
        Ok(Library::of(
            evidence::Library::open(db.store.clone(), index_dir).await?,
        ))
    }

    /// A library whose index lives in memory only (tests, one-off commands).
    pub async fn in_memory(db: &Database) -> anyhow::Result<Library> {
        Ok(Library::of(
            evidence::Library::in_memory(db.store.clone()).await?,
        ))
    }

    fn of(inner: evidence::Library) -> Library {
        Library {
            inner,
            operator: "command-line".into(),
        }
    }

    /// The same library, recording the operator's changes under `name`.
    pub fn operated_by(mut self, name: &str) -> Library {
        self.operator = name.to_string();
        self
    }

    /// Who a change is recorded as made by, once the actor may make it.
    fn changer<'a>(&'a self, actor: &'a Actor) -> Result<&'a str> {
        policy::may_change_evidence(actor)?;
        Ok(match actor {
            Actor::User(u) => &u.email,
            Actor::Operator => &self.operator,
        })
    }

    /// Who added an item is a staff member's email: shown to the staff side only.
    fn for_reader(reader: Option<&Actor>, mut item: evidence::Item) -> evidence::Item {
        if !policy::sees_evidence_staff_side(reader) {
            item.added_by = "the observatory".into();
        }
        item
    }

    fn staff_only(actor: &Actor) -> Result<()> {
        Ok(policy::may_change_evidence(actor)?)
    }

    // Reading: open to everyone.

    /// Search, after catching the index up (a search that had to run on an index being
    /// updated by another process says so: `stale`).
    pub async fn search(&self, r: &SearchRequest) -> Result<SearchResults> {
        Ok(self.inner.search(r).await?)
    }

    /// One item, if there is one with this number, as `reader` may see it.
    pub async fn find_item(&self, reader: Option<&Actor<'_>>, id: i64) -> Result<Option<Item>> {
        let item = self.inner.find_item(id).await?;
        Ok(item.map(|i| Library::for_reader(reader, i)))
    }

    /// One item, as `reader` may see it; not found is an error.
    pub async fn item(&self, reader: Option<&Actor<'_>>, id: i64) -> Result<Item> {
        self.find_item(reader, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("there is no evidence item {id}")))
    }

    /// Every item, oldest first, as `reader` may see them.
    pub async fn items(&self, reader: Option<&Actor<'_>>) -> Result<Vec<Item>> {
        let items = self.inner.items().await?;
        Ok(items
            .into_iter()
            .map(|i| Library::for_reader(reader, i))
            .collect())
    }

    /// The files attached to an item (without their bytes).
    pub async fn attachments(&self, item: i64) -> Result<Vec<Attachment>> {
        Ok(self.inner.attachments(item).await?)
    }

    /// An attachment's bytes, if there is one with this number.
    pub async fn attachment_content(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(self.inner.attachment_content(id).await?)
    }

    /// The decisions that used an item (None: every decision link).
    pub async fn decision_links(&self, item: Option<i64>) -> Result<Vec<DecisionLink>> {
        Ok(self.inner.decision_links(item).await?)
    }

    /// The research register.
    pub async fn register_entries(&self) -> Result<Vec<RegisterEntry>> {
        Ok(self.inner.register_entries().await?)
    }

    /// The most similar items and entries to a study that is not registered (checked
    /// as registering it would be).
    pub async fn similar_to(
        &self,
        mut fields: RegisterFields,
        limit: usize,
    ) -> Result<Vec<Similar>> {
        evidence::model::check_register(&mut fields).map_err(|e| checked(e.into()))?;
        Ok(self.inner.similar_to(&fields, limit).await?)
    }

    /// The evidence gap map.
    pub async fn gap_map(&self, opts: &GapOptions) -> Result<GapMap> {
        Ok(self.inner.gap_map(opts).await?)
    }

    /// The Atom feed of the newest items (all, one theme's or one call's), linking to
    /// `base_url`.
    pub async fn feed(&self, scope: &Scope, base_url: &str, limit: usize) -> Result<String> {
        Ok(self.inner.feed(scope, base_url, limit).await?)
    }

    /// Every call for evidence.
    pub async fn calls(&self) -> Result<Vec<Call>> {
        Ok(self.inner.calls().await?)
    }

    /// One call, if there is one with this number.
    pub async fn find_call(&self, id: i64) -> Result<Option<Call>> {
        Ok(self.inner.find_call(id).await?)
    }

    /// What a call received (no addresses, no files).
    pub async fn call_report(&self, id: i64) -> Result<CallReport> {
        Ok(self.inner.call_report(id).await?)
    }

    /// A file as an attachment (its kind checked, its text extracted within limits). It
    /// stores nothing: what was wrong with the file is told as it is.
    pub async fn read_attachment(&self, name: &str, bytes: Vec<u8>) -> Result<NewAttachment> {
        evidence::extract::attachment(name, bytes)
            .await
            .map_err(told)
    }

    /// Take a submission through a call's public link (`token`), on `today`: anyone
    /// holding the link may answer the call while it is open.
    pub async fn submit(
        &self,
        token: &str,
        input: SubmissionInput,
        today: NaiveDate,
    ) -> Result<i64> {
        self.inner.submit(token, input, today).await.map_err(told)
    }

    // The staff side: for those who may change the library.

    /// The submissions waiting for a decision, with the submitters' addresses.
    pub async fn pending_call_submissions(&self, actor: &Actor<'_>) -> Result<Vec<CallSubmission>> {
        Library::staff_only(actor)?;
        Ok(self.inner.pending_call_submissions().await?)
    }

    /// A submission's file, if it has one.
    pub async fn call_submission_file(
        &self,
        actor: &Actor<'_>,
        id: i64,
    ) -> Result<Option<Vec<u8>>> {
        Library::staff_only(actor)?;
        Ok(self.inner.call_submission_file(id).await?)
    }

    // Changes: each asks the policy first.

    /// Check and store a new item with its attached files.
    pub async fn add_item(
        &self,
        actor: &Actor<'_>,
        fields: ItemFields,
        attachments: &[NewAttachment],
    ) -> Result<i64> {
        let by = self.changer(actor)?;
        self.inner
            .add_item(fields, attachments, by)
            .await
            .map_err(checked)
    }

    /// Attach a file (PDF, DOCX or text) to an item; its text becomes searchable.
    pub async fn attach(
        &self,
        actor: &Actor<'_>,
        item: i64,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<()> {
        self.changer(actor)?;
        self.inner.attach(item, name, bytes).await.map_err(told)
    }

    /// Import citations (RIS or BibTeX): new items are stored (unless `dry_run`);
    /// duplicates are reported, and stored only when the options ask.
    pub async fn import_citations(
        &self,
        actor: &Actor<'_>,
        text: &str,
        format: cite::Format,
        options: &cite::ImportOptions,
        dry_run: bool,
    ) -> Result<cite::ImportReport> {
        let by = self.changer(actor)?;
        self.inner
            .import_citations(text, format, options, by, dry_run)
            .await
            .map_err(checked)
    }

    /// Load the demo content once (a second run finds it there and adds nothing).
    pub async fn import_demo(&self, actor: &Actor<'_>) -> Result<DemoLoaded> {
        let by = self.changer(actor)?;
        Ok(self.inner.import_demo(by).await?)
    }

    /// Register a study; returns its number and the most similar existing items and
    /// studies (likely duplication of effort), most similar first.
    pub async fn register(
        &self,
        actor: &Actor<'_>,
        fields: RegisterFields,
    ) -> Result<(i64, Vec<Similar>)> {
        let by = self.changer(actor)?;
        self.inner.register(fields, by).await.map_err(checked)
    }

    /// Change a register entry's status (and the item holding its report); returns the
    /// status as stored.
    pub async fn set_register_status(
        &self,
        actor: &Actor<'_>,
        id: i64,
        status: &str,
        item: Option<i64>,
    ) -> Result<String> {
        self.changer(actor)?;
        self.inner
            .set_register_status(id, status, item)
            .await
            .map_err(told)
    }

    /// Open a call; returns it with its public token.
    pub async fn open_call(&self, actor: &Actor<'_>, fields: CallFields) -> Result<Call> {
        let by = self.changer(actor)?;
        self.inner.open_call(fields, by).await.map_err(checked)
    }

    /// Close a call (no more submissions).
    pub async fn close_call(&self, actor: &Actor<'_>, id: i64) -> Result<()> {
        self.changer(actor)?;
        Ok(self.inner.close_call(id).await?)
    }

    /// Decide on a pending submission; returns the item it became or went into.
    pub async fn moderate(
        &self,
        actor: &Actor<'_>,
        submission: i64,
        decision: Decision,
    ) -> Result<Option<i64>> {
        let by = self.changer(actor)?;
        self.inner
            .moderate(submission, decision, by)
            .await
            .map_err(told)
    }

    /// Record that a strategy decision used an item.
    pub async fn link_decision(
        &self,
        actor: &Actor<'_>,
        item: i64,
        decision_ref: &str,
        note: Option<&str>,
    ) -> Result<i64> {
        let by = self.changer(actor)?;
        self.inner
            .link_decision(item, decision_ref, note, by)
            .await
            .map_err(told)
    }

    /// Rebuild the search index from the database; returns the items indexed.
    pub async fn reindex(&self, actor: &Actor<'_>) -> Result<usize> {
        self.changer(actor)?;
        Ok(self.inner.reindex().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Role, User};

    fn user(role: Role) -> User {
        User {
            id: 7,
            email: "someone@t.example".into(),
            name: "Someone".into(),
            role,
            active: true,
            areas: vec!["E06000056".into()],
            employers: vec![],
            has_password: true,
        }
    }

    fn fields(title: &str) -> ItemFields {
        let mut tags = Tags::default();
        tags.add("theme", "qualifications");
        ItemFields {
            title: title.into(),
            organisation: Some("Test Research Unit".into()),
            item_type: "research_report".into(),
            year: Some(2008),
            tags,
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_non_curator_is_refused_a_change_and_the_operator_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let location = observatory_store::Location::Sqlite(dir.path().join("t.db"));
        let store = observatory_store::Store::open(&location, true)
            .await
            .unwrap();
        let lib = Library::in_memory(&store.into())
            .await
            .unwrap()
            .operated_by("ops");
        let planner = user(Role::Planner);
        let refused = lib
            .add_item(&Actor::from(&planner), fields("Refused"), &[])
            .await;
        assert!(
            matches!(refused, Err(ServiceError::Denied(_))),
            "{refused:?}"
        );
        let call = lib
            .open_call(
                &Actor::from(&planner),
                CallFields {
                    question: "Q".into(),
                    deadline: "2099-01-01".into(),
                    ..Default::default()
                },
            )
            .await;
        assert!(matches!(call, Err(ServiceError::Denied(_))));
        assert!(matches!(
            lib.pending_call_submissions(&Actor::from(&planner)).await,
            Err(ServiceError::Denied(_))
        ));
        assert!(lib.items(None).await.unwrap().is_empty(), "nothing stored");

        let id = lib
            .add_item(&Actor::Operator, fields("Allowed"), &[])
            .await
            .unwrap();
        let analyst = user(Role::Analyst);
        let other = lib
            .add_item(&Actor::from(&analyst), fields("Also allowed"), &[])
            .await
            .unwrap();
        // Who added an item is for the staff side only.
        assert_eq!(
            lib.item(Some(&Actor::Operator), id).await.unwrap().added_by,
            "ops"
        );
        let seen = lib.item(Some(&Actor::from(&planner)), other).await.unwrap();
        assert_eq!(seen.added_by, "the observatory");
        assert_eq!(
            lib.item(None, other).await.unwrap().added_by,
            "the observatory"
        );
        assert!(matches!(
            lib.item(None, 999).await,
            Err(ServiceError::NotFound(_))
        ));
        // A record that fails its checks is the asker's to fix.
        let bad = lib.add_item(&Actor::Operator, fields(""), &[]).await;
        // Each problem keeps the field it is in, for the forms.
        match bad {
            Err(ServiceError::Fields { problems, .. }) => {
                assert!(
                    problems.contains(&("title", "Enter the title".to_string())),
                    "{problems:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
