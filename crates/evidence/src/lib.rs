//! The evidence library: what is known about the children's workforce (research,
//! evaluations, case studies, practice examples, data releases), what is being studied
//! (the research register), where the gaps are (the gap map), how new evidence comes in
//! (calls for evidence and moderation) and how it goes out (search, Atom feeds, RIS and
//! BibTeX). The command line and the web pages only call [`Library`]'s methods and the
//! pure functions of the modules below; the rows live in the store, the search index
//! beside them.

pub mod bench;
pub mod calls;
pub mod cite;
pub mod demo;
pub mod extract;
pub mod feed;
pub mod gaps;
pub mod model;
pub mod search;
pub mod similar;
pub mod taxonomy;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use observatory_store::evidence::{
    Attachment, Call, CallFields, CallSubmission, DecisionLink, IndexedItem, Item, ItemFields,
    NewAttachment, RegisterEntry, RegisterFields, SubmissionFields, Tags,
};
pub use search::{FacetCount, Hit, SearchIndex, SearchRequest, SearchResults, Sort};

use anyhow::{Context, Result};
use observatory_store::{Location, Store};
use std::path::PathBuf;
use std::sync::Arc;

use search::IndexState;

/// An item that is not from the database (generated for the benchmark, or built in
/// tests), with empty bookkeeping fields.
pub fn unsaved_item(id: i64, fields: ItemFields) -> Item {
    Item {
        id,
        fields,
        added_at: String::new(),
        added_by: String::new(),
        updated_at: String::new(),
        revision: 1,
        calls: Vec::new(),
    }
}

/// Environment variable naming the search index folder (needed for PostgreSQL, whose
/// data has no folder of its own; optional for SQLite).
pub const INDEX_ENV: &str = "OBSERVATORY_EVIDENCE_INDEX";

/// The evidence library of one database: its store and its search index.
#[derive(Clone)]
pub struct Library {
    store: Store,
    index: Arc<SearchIndex>,
}

/// Where the search index of a database lives unless told otherwise: beside a SQLite
/// file (`census.db` -> `census.db.evidence-index/`); for PostgreSQL, a folder per
/// server and database under the system's temporary folder (set
/// `OBSERVATORY_EVIDENCE_INDEX` to keep it somewhere lasting). Either way it is a
/// cache: deleting it only costs a rebuild on the next search.
pub fn default_index_dir(location: &Location) -> PathBuf {
    match location {
        Location::Sqlite(p) => {
            let mut s = p.clone().into_os_string();
            s.push(".evidence-index");
            PathBuf::from(s)
        }
        Location::Postgres(url) => {
            let place = url.rsplit('@').next().unwrap_or(url);
            let place = place
                .trim_start_matches("postgres://")
                .trim_start_matches("postgresql://");
            let safe: String = place
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            std::env::temp_dir()
                .join("observatory-evidence-index")
                .join(safe)
        }
    }
}

impl Library {
    /// Open the library of a store with its index in `index_dir` (None: the
    /// [`default_index_dir`]), bringing the index up to date.
    pub async fn open(store: Store, index_dir: Option<PathBuf>) -> Result<Library> {
        let dir = index_dir.unwrap_or_else(|| default_index_dir(&store.location));
        let index = tokio::task::spawn_blocking(move || SearchIndex::open(&dir)).await??;
        let lib = Library {
            store,
            index: Arc::new(index),
        };
        lib.sync().await?;
        Ok(lib)
    }

    /// A library whose index lives in memory only (tests, one-off commands).
    pub async fn in_memory(store: Store) -> Result<Library> {
        let lib = Library {
            store,
            index: Arc::new(SearchIndex::in_memory()?),
        };
        lib.sync().await?;
        Ok(lib)
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Bring the index up to date with the database: nothing if it is current, the
    /// items written since if it is behind, everything if it belongs to another
    /// database. Returns the number of items (re)indexed.
    pub async fn sync(&self) -> Result<usize> {
        let (instance, generation) = self.store.evidence_state().await?;
        let (since, full) = match self.index.state() {
            Some(s) if s.instance == instance && s.generation == generation => return Ok(0),
            Some(s) if s.instance == instance && s.generation < generation => (s.generation, false),
            _ => (0, true),
        };
        self.apply(since, full, instance, generation).await
    }

    async fn apply(
        &self,
        since: i64,
        full: bool,
        instance: String,
        generation: i64,
    ) -> Result<usize> {
        let items = self.store.items_since(since).await?;
        let n = items.len();
        let index = self.index.clone();
        let state = IndexState {
            schema_version: search::SCHEMA_VERSION,
            instance,
            generation,
        };
        let threads = if n > 5000 { 2 } else { 1 };
        tokio::task::spawn_blocking(move || index.apply(&items, state, full, threads)).await??;
        Ok(n)
    }

    /// Rebuild the index from the database, whatever state it is in.
    pub async fn reindex(&self) -> Result<usize> {
        let (instance, generation) = self.store.evidence_state().await?;
        self.apply(0, true, instance, generation).await
    }

    /// Search, after catching the index up (if another process is updating the index
    /// right now, the search runs on what is there and says it may be stale).
    pub async fn search(&self, r: &SearchRequest) -> Result<SearchResults> {
        let stale = match self.sync().await {
            Ok(_) => false,
            Err(e) if search::is_lock_busy(&e) => true,
            Err(e) => return Err(e),
        };
        let index = self.index.clone();
        let r = r.clone();
        let mut res = tokio::task::spawn_blocking(move || index.search(&r)).await??;
        res.stale = stale;
        Ok(res)
    }

    /// Check and store a new item with its attached files.
    pub async fn add_item(
        &self,
        mut fields: ItemFields,
        attachments: &[NewAttachment],
        by: &str,
    ) -> Result<i64> {
        model::check_item(&mut fields)?;
        self.store.insert_item(&fields, by, attachments).await
    }

    /// Attach a file (PDF, DOCX or text) to an item.
    pub async fn attach(&self, item: i64, name: &str, bytes: Vec<u8>) -> Result<()> {
        let a = extract::attachment(name, bytes).await?;
        self.store.add_attachment(item, &a).await
    }

    pub async fn item(&self, id: i64) -> Result<Item> {
        self.find_item(id)
            .await?
            .with_context(|| format!("there is no evidence item {id}"))
    }

    /// One item, if there is one with this number.
    pub async fn find_item(&self, id: i64) -> Result<Option<Item>> {
        self.store.item(id).await
    }

    /// Every item, oldest first.
    pub async fn items(&self) -> Result<Vec<Item>> {
        self.store.items().await
    }

    /// The files attached to an item (without their bytes).
    pub async fn attachments(&self, item: i64) -> Result<Vec<Attachment>> {
        self.store.attachments(item).await
    }

    /// An attachment's bytes, if there is one with this number.
    pub async fn attachment_content(&self, id: i64) -> Result<Option<Vec<u8>>> {
        self.store.attachment_content(id).await
    }

    /// The decisions that used an item (None: every decision link).
    pub async fn decision_links(&self, item: Option<i64>) -> Result<Vec<DecisionLink>> {
        self.store.decision_links(item).await
    }

    /// The research register.
    pub async fn register_entries(&self) -> Result<Vec<RegisterEntry>> {
        self.store.register_entries().await
    }

    /// Change a register entry's status (written loosely: `in progress` is
    /// `in_progress`) and, when it reports, the item holding its report. Returns the
    /// status as stored.
    pub async fn set_register_status(
        &self,
        id: i64,
        status: &str,
        item: Option<i64>,
    ) -> Result<String> {
        let s = status.trim().to_lowercase().replace([' ', '-'], "_");
        if !model::REGISTER_STATUSES.contains(&s.as_str()) {
            anyhow::bail!(
                "the status '{status}' is not one of {}",
                model::REGISTER_STATUSES.join(", ")
            );
        }
        if let Some(i) = item {
            self.item(i).await?;
        }
        self.store.set_register_status(id, &s, item).await?;
        Ok(s)
    }

    /// Register a study: checks it, stores it and returns the most similar existing
    /// items and register entries (likely duplication of effort), most similar first.
    pub async fn register(
        &self,
        mut fields: RegisterFields,
        by: &str,
    ) -> Result<(i64, Vec<similar::Similar>)> {
        model::check_register(&mut fields)?;
        let items = self.store.items().await?;
        let entries = self.store.register_entries().await?;
        let found = similar::most_similar(
            &similar::Doc::of_register(&fields),
            &items,
            &entries,
            None,
            5,
        );
        let id = self.store.insert_register(&fields, by).await?;
        Ok((id, found))
    }

    /// The most similar items and entries to a study that is not registered (yet).
    pub async fn similar_to(
        &self,
        fields: &RegisterFields,
        limit: usize,
    ) -> Result<Vec<similar::Similar>> {
        let items = self.store.items().await?;
        let entries = self.store.register_entries().await?;
        Ok(similar::most_similar(
            &similar::Doc::of_register(fields),
            &items,
            &entries,
            None,
            limit,
        ))
    }

    /// The evidence gap map.
    pub async fn gap_map(&self, opts: &gaps::GapOptions) -> Result<gaps::GapMap> {
        let items = self.store.items().await?;
        let entries = self.store.register_entries().await?;
        Ok(gaps::GapMap::build(&items, &entries, opts))
    }

    /// The Atom feed of the newest items (all, one theme's or one call's).
    pub async fn feed(&self, scope: &feed::Scope, base_url: &str, limit: usize) -> Result<String> {
        let (instance, _) = self.store.evidence_state().await?;
        let calls = self.store.calls().await?;
        let items = self.store.items().await?;
        feed::atom(&items, &calls, scope, base_url, &instance, limit)
    }

    /// Import citations (RIS or BibTeX text): new items are stored; duplicates of
    /// existing items (or of each other) are reported, and stored only when asked.
    pub async fn import_citations(
        &self,
        text: &str,
        format: cite::Format,
        options: &cite::ImportOptions,
        by: &str,
        dry_run: bool,
    ) -> Result<cite::ImportReport> {
        let parsed = cite::parse(text, format, options)?;
        let existing = self.store.items().await?;
        let mut report = cite::plan_import(parsed, &existing, options.keep_duplicates);
        if !dry_run && !report.to_add.is_empty() {
            let ids = self.store.insert_items(&report.to_add, by).await?;
            report.added = ids
                .into_iter()
                .zip(report.to_add.iter().map(|f| f.title.clone()))
                .collect();
        }
        Ok(report)
    }

    /// Record that a strategy decision used an item.
    pub async fn link_decision(
        &self,
        item: i64,
        decision_ref: &str,
        note: Option<&str>,
        by: &str,
    ) -> Result<i64> {
        let decision_ref = decision_ref.trim();
        anyhow::ensure!(!decision_ref.is_empty(), "the decision reference is empty");
        self.item(item).await?;
        self.store.link_decision(item, decision_ref, note, by).await
    }
}
