//! Full-text search of the evidence library with tantivy: titles, summaries, authors,
//! organisations, attachment text and the labels of an item's tags, with facet counts,
//! highlighted snippets, filters and sorting by relevance or date. Words are matched by
//! their stems, whatever their case or accents, and through the field's synonyms
//! (`words.rs`); what a query's words mean is in `query.rs`: all of them first, then
//! most of them, small typos tolerated and a spelling suggested (`suggest.rs`).
//!
//! The database is the source of truth and the index a cache of it. An index on disk
//! keeps `state.json` beside it: which database it was built from (a random instance
//! id made by the migration) and up to which evidence generation. On opening, an index
//! of another database, of an older schema, or that cannot be read is rebuilt from
//! scratch; one that is merely behind catches up with the items written since.

use anyhow::{Context, Result, bail};
use observatory_store::evidence::IndexedItem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, IndexReader, Order, ReloadPolicy, TantivyDocument, Term, doc};

use crate::taxonomy::taxonomy;

mod query;
mod suggest;
mod words;

/// Bumped whenever the schema or the way documents are built changes: an index of
/// another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// Facets counted for every search, in display order.
pub const SEARCH_FACETS: [&str; 6] = [
    "type",
    "theme",
    "sector",
    "year",
    "organisation",
    "strength",
];
/// Tag facets a search can be filtered by but that are not counted.
pub const OTHER_FILTERS: [&str; 3] = ["provision", "geography", "outcome"];

/// Whether a search can be filtered by a facet.
pub fn filterable(facet: &str) -> bool {
    SEARCH_FACETS.contains(&facet) || OTHER_FILTERS.contains(&facet)
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    authors: Field,
    organisation: Field,
    summary: Field,
    attachments: Field,
    /// The labels of the item's type and tags, so "early years qualifications" finds
    /// items tagged with both.
    tags: Field,
    /// Every word of the short fields as written (not stemmed): the vocabulary that
    /// spelling suggestions come from. Not stored.
    spell: Field,
    facets: Field,
    year: Field,
    sort_date: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(words::STEMMED)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let spell = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(words::FOLDED)
            .set_index_option(IndexRecordOption::Basic),
    );
    let fields = Fields {
        id: b.add_i64_field("id", INDEXED | STORED | FAST),
        title: b.add_text_field("title", text.clone()),
        authors: b.add_text_field("authors", text.clone()),
        organisation: b.add_text_field("organisation", text.clone()),
        summary: b.add_text_field("summary", text.clone()),
        attachments: b.add_text_field("attachments", text.clone()),
        tags: b.add_text_field("tags", text),
        spell: b.add_text_field("spell", spell),
        facets: b.add_facet_field("facets", FacetOptions::default().set_stored()),
        year: b.add_i64_field("year", INDEXED | STORED | FAST),
        sort_date: b.add_i64_field("sort_date", FAST),
    };
    (b.build(), fields)
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
    Oldest,
}

/// A search as a person (or a URL) asks for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    /// Words to look for; quotes make a phrase, `-word` excludes; empty means everything.
    pub text: String,
    /// (facet, value) filters: values of one facet are alternatives (OR), different
    /// facets must all hold (AND).
    pub filters: Vec<(String, String)>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            text: String::new(),
            filters: Vec::new(),
            year_from: None,
            year_to: None,
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
        }
    }
}

impl SearchRequest {
    /// Read a search from URL query pairs (`q`, `sort`, `page`, `per_page`, `from`, `to`
    /// and one pair per facet value), as the gap map's links and the web pages write them.
    /// Facet names and values are checked; an unknown one is an error that says so.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut r = SearchRequest::default();
        let mut page = 1usize;
        for (k, v) in pairs {
            let v = v.trim();
            match k {
                "q" => r.text = v.to_string(),
                "sort" => {
                    r.sort = match v {
                        "" | "relevance" => Sort::Relevance,
                        "newest" | "date" => Sort::Newest,
                        "oldest" => Sort::Oldest,
                        _ => bail!("sort '{v}' is not relevance, newest or oldest"),
                    }
                }
                "page" => {
                    page = v
                        .parse()
                        .ok()
                        .filter(|p| *p >= 1)
                        .with_context(|| format!("page '{v}' is not a page number"))?
                }
                "per_page" => {
                    r.limit = v
                        .parse()
                        .ok()
                        .filter(|p| (1..=100).contains(p))
                        .with_context(|| format!("per_page '{v}' is not a number from 1 to 100"))?
                }
                "from" => {
                    r.year_from = Some(
                        v.parse()
                            .with_context(|| format!("from '{v}' is not a year"))?,
                    )
                }
                "to" => {
                    r.year_to = Some(
                        v.parse()
                            .with_context(|| format!("to '{v}' is not a year"))?,
                    )
                }
                _ if v.is_empty() => {}
                _ => r.add_filter(k, v)?,
            }
        }
        r.offset = (page - 1) * r.limit;
        Ok(r)
    }

    /// Add a filter, checking the facet and (for tag facets) turning the value into its code.
    pub fn add_filter(&mut self, facet: &str, value: &str) -> Result<()> {
        if !filterable(facet) {
            bail!(
                "'{facet}' is not something to filter by; use one of: {}, {}",
                SEARCH_FACETS.join(", "),
                OTHER_FILTERS.join(", ")
            );
        }
        let value = match facet {
            "organisation" => value.trim().to_string(),
            "year" => {
                let y: i32 = value
                    .trim()
                    .parse()
                    .with_context(|| format!("year '{value}' is not a year"))?;
                y.to_string()
            }
            _ => taxonomy().check(facet, value).map_err(anyhow::Error::msg)?,
        };
        self.filters.push((facet.to_string(), value));
        Ok(())
    }

    /// The URL query string of this search (without `?`), the inverse of `from_pairs`.
    pub fn query_string(&self) -> String {
        let mut parts = Vec::new();
        if !self.text.is_empty() {
            parts.push(format!("q={}", url_encode(&self.text)));
        }
        for (k, v) in &self.filters {
            parts.push(format!("{k}={}", url_encode(v)));
        }
        if let Some(y) = self.year_from {
            parts.push(format!("from={y}"));
        }
        if let Some(y) = self.year_to {
            parts.push(format!("to={y}"));
        }
        match self.sort {
            Sort::Relevance => {}
            Sort::Newest => parts.push("sort=newest".into()),
            Sort::Oldest => parts.push("sort=oldest".into()),
        }
        parts.join("&")
    }
}

/// Percent-encode a URL query value (RFC 3986 unreserved characters pass through).
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
    pub title: String,
    /// The title with matched words in `<b>`; HTML-escaped.
    pub title_html: String,
    pub authors: Vec<String>,
    pub organisation: Option<String>,
    pub year: Option<i32>,
    pub item_type: String,
    pub strength: Option<String>,
    /// A passage of the summary or an attachment around the matched words, in HTML
    /// (escaped, matches in `<b>`).
    pub snippet_html: String,
    /// Where the snippet came from: `summary` or `attachment`.
    pub snippet_from: String,
}

/// How many results carry one value of a facet.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FacetCount {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub selected: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Per facet, the values among the results with their counts (largest first; years
    /// newest first).
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    pub took_ms: f64,
    /// The words asked for with each word the library does not hold replaced by the
    /// nearest one it does ("did you mean"); none when every word is known.
    pub did_you_mean: Option<String>,
    /// True when the index could not catch up with the database (another process held
    /// it); results may miss the newest changes.
    pub stale: bool,
}

/// Where the index stands, as kept in `state.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexState {
    pub schema_version: u32,
    pub instance: String,
    pub generation: i64,
}

/// The search index of one database.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    dir: Option<PathBuf>,
    state: Mutex<Option<IndexState>>,
}

/// A facet value as one path step: tantivy facets use `/` as separator.
fn step(v: &str) -> String {
    v.replace(['/', '\\'], "-")
}

fn facet(name: &str, value: &str) -> Facet {
    Facet::from_path([name, &step(value)])
}

/// The longest search text used (longer text is cut here) and the deepest nesting of
/// brackets kept: tantivy's query parser recurses once per bracket or NOT, and a few
/// thousand of them overflowed the stack and aborted the whole process, from the public
/// search box (docs/security.md). 500 characters holds any title someone pastes.
pub const MAX_QUERY_CHARS: usize = 500;
const MAX_NESTING: usize = 16;

/// A page of results (score and address), how many there are, and their facet counts.
type Found = (
    Vec<(f32, DocAddress)>,
    usize,
    tantivy::collector::FacetCounts,
);

/// Fewer results than this with every word, and results with most of the words follow.
/// Fixed rather than the page size, so every page of a search counts the same results.
const RELAX_BELOW: usize = 20;

/// The search text cut to [`MAX_QUERY_CHARS`], with brackets nested deeper than
/// [`MAX_NESTING`] dropped along with their partners.
fn tame(text: &str) -> String {
    let mut out = String::new();
    let (mut depth, mut dropped) = (0usize, 0usize);
    for c in text.chars().take(MAX_QUERY_CHARS) {
        match c {
            '(' if depth >= MAX_NESTING => {
                dropped += 1;
                continue;
            }
            '(' => depth += 1,
            ')' if dropped > 0 => {
                dropped -= 1;
                continue;
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(c);
    }
    out
}

impl SearchIndex {
    /// An index in memory (tests, benchmarks, a one-off search).
    pub fn in_memory() -> Result<SearchIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        Self::with_index(index, fields, None, None)
    }

    /// Open the index in `dir`, or create an empty one there (any index there of another
    /// schema version, or that cannot be opened, is removed first).
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        let (schema, fields) = schema();
        let state: Option<IndexState> = std::fs::read(dir.join("state.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .filter(|s: &IndexState| s.schema_version == SCHEMA_VERSION);
        let tantivy_dir = dir.join("tantivy");
        if state.is_some()
            && let Ok(index) = Index::open_in_dir(&tantivy_dir)
            && index.schema() == schema
        {
            return Self::with_index(index, fields, Some(dir.to_path_buf()), state);
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir).with_context(|| {
                format!("cannot clear the old search index at {}", dir.display())
            })?;
        }
        std::fs::create_dir_all(&tantivy_dir)
            .with_context(|| format!("cannot create the search index folder {}", dir.display()))?;
        let index = Index::create_in_dir(&tantivy_dir, schema)
            .with_context(|| format!("cannot create a search index in {}", dir.display()))?;
        Self::with_index(index, fields, Some(dir.to_path_buf()), None)
    }

    fn with_index(
        index: Index,
        fields: Fields,
        dir: Option<PathBuf>,
        state: Option<IndexState>,
    ) -> Result<SearchIndex> {
        words::register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .context("cannot open a reader on the search index")?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            dir,
            state: Mutex::new(state),
        })
    }

    /// Which database and generation the index was built from, if any.
    pub fn state(&self) -> Option<IndexState> {
        self.state.lock().expect("index state lock").clone()
    }

    /// The folder of an index on disk.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Number of documents in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, it: &IndexedItem) -> TantivyDocument {
        let f = &self.fields;
        let i = &it.item;
        let t = &i.fields;
        let year = t.year.map(i64::from).unwrap_or(0);
        let mut d = doc!(
            f.id => i.id,
            f.title => t.title.as_str(),
            f.authors => t.authors.join("; "),
            f.summary => t.summary.as_str(),
            f.attachments => it.attachment_text.as_str(),
            f.year => year,
            // Newest year first, then the most recently added within a year.
            f.sort_date => year * 1_000_000_000 + i.id,
        );
        if let Some(o) = &t.organisation {
            d.add_text(f.organisation, o);
            d.add_facet(f.facets, facet("organisation", o));
        }
        d.add_facet(f.facets, facet("type", &t.item_type));
        if let Some(y) = t.year {
            d.add_facet(f.facets, facet("year", &y.to_string()));
        }
        if let Some(s) = &t.strength {
            d.add_facet(f.facets, facet("strength", s));
        }
        for (name, value) in t.tags.pairs() {
            if name != "keyword" {
                d.add_facet(f.facets, facet(name, value));
            }
        }
        // Keywords are searchable words, not a facet.
        let keywords = t.tags.get("keyword").join("; ");
        if !keywords.is_empty() {
            d.add_text(f.summary, &keywords);
        }
        let tax = taxonomy();
        let mut labels = vec![tax.types.label(&t.item_type)];
        for (name, value) in t.tags.pairs() {
            if let Some(v) = tax.facet(name).filter(|_| name != "geography") {
                labels.push(v.label(value));
            }
        }
        d.add_text(f.tags, labels.join("; "));
        let mut spelling = vec![t.title.as_str(), t.summary.as_str(), keywords.as_str()];
        spelling.extend(t.authors.iter().map(String::as_str));
        spelling.extend(t.organisation.as_deref());
        d.add_text(f.spell, spelling.join(" "));
        d
    }

    /// Add or replace items (all of them with `full`, which empties the index first) and
    /// record the state reached. Waits up to ten seconds for another writer to finish.
    pub fn apply(
        &self,
        items: &[IndexedItem],
        state: IndexState,
        full: bool,
        threads: usize,
    ) -> Result<()> {
        let threads = threads.clamp(1, 8);
        let mut writer: tantivy::IndexWriter<TantivyDocument> = {
            let started = Instant::now();
            loop {
                match self
                    .index
                    .writer_with_num_threads(threads, threads * 60_000_000)
                {
                    Ok(w) => break w,
                    Err(tantivy::TantivyError::LockFailure(..))
                        if started.elapsed().as_secs() < 10 =>
                    {
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                    Err(e) => {
                        return Err(e).context(
                            "cannot write to the search index (another observatory process may be updating it)",
                        );
                    }
                }
            }
        };
        if full {
            writer.delete_all_documents()?;
        }
        for it in items {
            if !full {
                writer.delete_term(Term::from_field_i64(self.fields.id, it.item.id));
            }
            writer.add_document(self.document(it))?;
        }
        writer.commit().context("cannot commit the search index")?;
        drop(writer);
        if let Some(dir) = &self.dir {
            let tmp = dir.join("state.json.tmp");
            std::fs::write(&tmp, serde_json::to_vec(&state)?)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, dir.join("state.json"))?;
        }
        self.reader.reload()?;
        *self.state.lock().expect("index state lock") = Some(state);
        Ok(())
    }

    /// The query of a request: its words (strict or relaxed, see `query.rs`) within its
    /// filters.
    fn query(&self, text: Option<Box<dyn Query>>, r: &SearchRequest) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, text.unwrap_or_else(|| Box::new(AllQuery)))];
        let mut by_facet: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (k, v) in &r.filters {
            by_facet.entry(k.as_str()).or_default().push(v.as_str());
        }
        for (k, values) in by_facet {
            let alternatives: Vec<(Occur, Box<dyn Query>)> = values
                .into_iter()
                .map(|v| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_facet(self.fields.facets, &facet(k, v)),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, q)
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        if r.year_from.is_some() || r.year_to.is_some() {
            let bound = |y: Option<i32>| match y {
                Some(y) => Bound::Included(Term::from_field_i64(self.fields.year, i64::from(y))),
                None => Bound::Unbounded,
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(r.year_from), bound(r.year_to))),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The page of results of a query, how many there are and their facet counts.
    fn collect(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        r: &SearchRequest,
    ) -> Result<Found> {
        let mut facets = FacetCollector::for_field("facets");
        for name in SEARCH_FACETS {
            facets.add_facet(Facet::from_path([name]));
        }
        let limit = r.limit.clamp(1, 1000);
        let top = TopDocs::with_limit(limit).and_offset(r.offset);
        Ok(match r.sort {
            Sort::Relevance => searcher.search(query, &(top.order_by_score(), Count, facets))?,
            Sort::Newest | Sort::Oldest => {
                let order = if r.sort == Sort::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let (docs, total, counts) = searcher.search(
                    query,
                    &(
                        top.order_by_fast_field::<i64>("sort_date", order),
                        Count,
                        facets,
                    ),
                )?;
                (
                    docs.into_iter().map(|(_, a)| (0.0, a)).collect(),
                    total,
                    counts,
                )
            }
        })
    }

    /// Run a search.
    pub fn search(&self, r: &SearchRequest) -> Result<SearchResults> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let text = query::TextQuery::new(&searcher, &self.fields, &query::parse(&tame(&r.text)));
        let mut query = self.query(text.as_ref().map(|t| t.query(false)), r);
        let mut found = self.collect(&searcher, &*query, r)?;
        // Every word first; when that finds less than a page, most of the words (those
        // with all of them still first).
        if let Some(t) = text.as_ref().filter(|t| t.word_count() > 1)
            && found.1 < RELAX_BELOW
        {
            query = self.query(Some(t.query(true)), r);
            found = self.collect(&searcher, &*query, r)?;
        }
        let (addresses, total, counts) = found;
        let did_you_mean = match &text {
            Some(t) if !t.unknown.is_empty() => {
                suggest::did_you_mean(&searcher, self.fields.spell, &r.text, &t.unknown)?
            }
            _ => None,
        };
        let f = self.fields;
        let snippet = |field: Field, chars: usize| -> Result<SnippetGenerator> {
            let mut g = SnippetGenerator::create(&searcher, &*query, field)?;
            g.set_max_num_chars(chars);
            Ok(g)
        };
        let (title_gen, summary_gen, attach_gen) = (
            snippet(f.title, 2000)?,
            snippet(f.summary, 240)?,
            snippet(f.attachments, 240)?,
        );
        let mut hits = Vec::with_capacity(addresses.len());
        for (score, addr) in addresses {
            let d: TantivyDocument = searcher.doc(addr)?;
            let text = |field: Field| {
                d.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            let title = text(f.title);
            let summary = text(f.summary);
            let t = title_gen.snippet(&title);
            let title_html = if t.is_empty() {
                escape(&title)
            } else {
                t.to_html()
            };
            let s = summary_gen.snippet(&summary);
            let (snippet_html, snippet_from) = if !s.highlighted().is_empty() {
                (s.to_html(), "summary")
            } else {
                let a = attach_gen.snippet(&text(f.attachments));
                if !a.highlighted().is_empty() {
                    (a.to_html(), "attachment")
                } else {
                    (escape(&crate::model::short_to(&summary, 240)), "summary")
                }
            };
            let mut item_type = String::new();
            let mut strength = None;
            for v in d.get_all(f.facets) {
                // Stored facets come back encoded: steps separated by NUL.
                if let Some(path) = v.as_facet() {
                    let p: Vec<&str> = path.split('\u{0}').collect();
                    match p.as_slice() {
                        ["type", t] => item_type = t.to_string(),
                        ["strength", s] => strength = Some(s.to_string()),
                        _ => {}
                    }
                }
            }
            let organisation = Some(text(f.organisation)).filter(|o| !o.is_empty());
            let year = d
                .get_first(f.year)
                .and_then(|v| v.as_i64())
                .filter(|y| *y > 0)
                .map(|y| y as i32);
            hits.push(Hit {
                id: d.get_first(f.id).and_then(|v| v.as_i64()).unwrap_or(0),
                score,
                title,
                title_html,
                authors: text(f.authors)
                    .split("; ")
                    .filter(|a| !a.is_empty())
                    .map(String::from)
                    .collect(),
                organisation,
                year,
                item_type,
                strength,
                snippet_html,
                snippet_from: snippet_from.to_string(),
            });
        }
        let mut out = BTreeMap::new();
        for name in SEARCH_FACETS {
            let selected: Vec<&str> = r
                .filters
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect();
            let mut values: Vec<FacetCount> = counts
                .get(Facet::from_path([name]))
                .map(|(facet, count)| {
                    let value = facet.to_path().last().copied().unwrap_or("").to_string();
                    let label = match taxonomy().facet(name) {
                        Some(v) => v.label(&value),
                        None => value.clone(),
                    };
                    FacetCount {
                        selected: selected.contains(&value.as_str()),
                        value,
                        label,
                        count,
                    }
                })
                .collect();
            if name == "year" {
                values.sort_by(|a, b| b.value.cmp(&a.value));
            } else {
                values.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
            }
            out.insert(name.to_string(), values);
        }
        Ok(SearchResults {
            total,
            hits,
            facets: out,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            did_you_mean,
            stale: false,
        })
    }
}

/// Whether an error is another process holding the index's writer lock.
pub fn is_lock_busy(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<tantivy::TantivyError>(),
            Some(tantivy::TantivyError::LockFailure(..))
        )
    })
}

/// Escape text for HTML (the one function every surface uses).
pub use observatory_domain::html::escape;

/// A title or snippet of a [`Hit`] (HTML: matches in `<b>`, the rest escaped, by us or
/// by tantivy, which writes `'` as `&#x27;`) as plain text, for a terminal.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(if rest.starts_with('<') { '>' } else { ';' });
        let decoded = end.and_then(|e| {
            let inner = &rest[1..e];
            if rest.starts_with('<') {
                return matches!(inner, "b" | "/b").then_some(None);
            }
            let c = match inner {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => inner
                    .strip_prefix("#x")
                    .or_else(|| inner.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| inner.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some(Some(c))
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.extend(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push_str(&rest[..1]);
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod relevance;
#[cfg(test)]
mod tests;
