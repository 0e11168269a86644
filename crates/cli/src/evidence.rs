//! `observatory evidence`: the evidence library from the command line: adding and
//! importing items, searching, the research register, the gap map, feeds, calls for
//! evidence with their moderation queue, decision links, and the search benchmark.
//! The work is done by the `observatory-evidence` crate; this module parses arguments
//! and prints.

use anyhow::{Context, Result, bail};
use chrono::Datelike;
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use observatory_evidence::calls::{Changes, Decision, SubmissionInput};
use observatory_evidence::cite::{self, ImportOptions};
use observatory_evidence::gaps::{Columns, GapOptions};
use observatory_evidence::taxonomy::taxonomy;
use observatory_evidence::{
    CallFields, ItemFields, Library, RegisterFields, SearchRequest, Sort, SubmissionFields, Tags,
};
use std::path::PathBuf;

use crate::Cli;
use crate::output::{Format, TableOut, write_out};

const TAXONOMY_HELP: &str = "Tags use the codes (or labels) of the taxonomy: themes, sectors, provision, geography,\noutcomes and strengths are listed by `observatory evidence taxonomy`.";

#[derive(Args)]
#[command(
    about = "The evidence library: what is known, what is being studied, where the gaps are",
    long_about = "The evidence library: research reports, evaluations, case studies, practice examples, conference papers, journal articles, local workforce reports and data releases, tagged by theme, sector, provision, geography, outcome and strength; the register of current and planned research; the gap map; calls for evidence.\n\nThe search index lives beside a SQLite database (census.db -> census.db.evidence-index/), or where --index-dir / OBSERVATORY_EVIDENCE_INDEX says (advised for PostgreSQL). It is rebuilt from the database whenever it is missing, of another database, or behind.",
    after_help = "Start with:\n  observatory evidence import-demo\n  observatory evidence search \"support staff\"\n  observatory evidence search --theme workforce_reform --sector education --sort newest\n  observatory evidence gaps --as-of 2009\n  observatory evidence register add --title \"...\" --organisation TDA --status planned --theme qualifications"
)]
pub struct EvidenceArgs {
    /// Folder of the search index (default: beside the SQLite file).
    #[arg(long, global = true, env = "OBSERVATORY_EVIDENCE_INDEX")]
    pub index_dir: Option<PathBuf>,
    /// Who is doing this, for the record (added by, moderated by).
    #[arg(
        long = "as",
        global = true,
        env = "USER",
        default_value = "command-line"
    )]
    pub user: String,
    #[command(subcommand)]
    pub command: EvidenceCommand,
}

#[derive(Subcommand)]
pub enum EvidenceCommand {
    /// Add an evidence item (with files to attach: PDF, DOCX or plain text).
    #[command(after_help = TAXONOMY_HELP)]
    Add(AddArgs),
    /// Show one item with its tags, attachments, calls and decision links.
    Show {
        id: i64,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Attach a file (PDF, DOCX or plain text, at most 20 MB) to an item; its text becomes searchable.
    Attach { id: i64, file: PathBuf },
    /// Import citations from a RIS or BibTeX file (as Zotero, EndNote or Mendeley export
    /// them). Duplicates (same DOI, or near-identical title and same year) are listed, not stored.
    Import(ImportArgs),
    /// Load the demo content: the references and research listed in the strategy documents.
    ImportDemo,
    /// Export items as RIS or BibTeX (for reference managers), CSV or JSON.
    Export(ExportArgs),
    /// Search the library: words in titles, summaries, authors, organisations and attached files.
    #[command(
        after_help = "Words must all appear (in any field); \"quotes\" make a phrase; -word excludes.\nFilters of one kind are alternatives (--sector education --sector health), of\ndifferent kinds all apply.\n\nExamples:\n  observatory evidence search \"teaching assistants\"\n  observatory evidence search induction --sector social_care --from 2005\n  observatory evidence search --theme excellence --sort newest --format json"
    )]
    Search(SearchArgs),
    /// The evidence gap map: themes x sectors (or outcomes), completed and ongoing work,
    /// strength, and where there is nothing or no recent synthesis.
    Gaps(GapArgs),
    /// The Atom feed of new items (all, one theme's or one call's).
    Feed(FeedArgs),
    /// The research register: studies planned, commissioned, in progress or reported.
    Register {
        #[command(subcommand)]
        command: RegisterCommand,
    },
    /// Calls for evidence: open one, take submissions, moderate them, report back.
    Calls {
        #[command(subcommand)]
        command: CallsCommand,
    },
    /// Record that a strategy decision used an item.
    Link {
        /// The item.
        id: i64,
        /// The decision's reference (free text for now, e.g. "CB-2010/objective-3").
        #[arg(long)]
        decision: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// List the taxonomy: types, themes, sectors, provision, geography, outcomes, strengths.
    Taxonomy {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Rebuild the search index from the database.
    Reindex,
    /// Measure index build time and search latency on generated items (no database needed).
    Bench(BenchArgs),
}

#[derive(Args)]
pub struct TagArgs {
    /// Theme (repeatable).
    #[arg(long)]
    pub theme: Vec<String>,
    /// Workforce sector (repeatable).
    #[arg(long)]
    pub sector: Vec<String>,
    /// Provision: universal, targeted or specialist (repeatable).
    #[arg(long)]
    pub provision: Vec<String>,
    /// Geography: england, a region, or a local authority's ONS code (repeatable).
    #[arg(long)]
    pub geography: Vec<String>,
    /// Outcome for children (repeatable).
    #[arg(long)]
    pub outcome: Vec<String>,
    /// Free keyword (repeatable).
    #[arg(long)]
    pub keyword: Vec<String>,
}

impl TagArgs {
    fn tags(&self) -> Tags {
        let mut t = Tags::default();
        for (facet, values) in [
            ("theme", &self.theme),
            ("sector", &self.sector),
            ("provision", &self.provision),
            ("geography", &self.geography),
            ("outcome", &self.outcome),
            ("keyword", &self.keyword),
        ] {
            for v in values {
                t.add(facet, v);
            }
        }
        t
    }
}

#[derive(Args)]
#[command(
    after_help = "Example:\n  observatory evidence add --title \"Induction of new foster carers\" --type case_study \\\n    --organisation \"Telford and Wrekin Council\" --year 2007 --theme qualifications \\\n    --sector social_care --strength limited --attach induction.pdf"
)]
pub struct AddArgs {
    #[command(flatten)]
    pub about: DescriptionArgs,
    #[arg(long)]
    pub doi: Option<String>,
    /// Evidence strength: limited, indicative, moderate or strong.
    #[arg(long)]
    pub strength: Option<String>,
    /// Journal, conference or report series.
    #[arg(long)]
    pub container: Option<String>,
    #[arg(long)]
    pub report_number: Option<String>,
    #[arg(long)]
    pub place: Option<String>,
    #[command(flatten)]
    pub tags: TagArgs,
    /// A file to attach (repeatable).
    #[arg(long)]
    pub attach: Vec<PathBuf>,
}

/// What describes a piece of evidence, whether added by an analyst or submitted to a call.
#[derive(Args)]
pub struct DescriptionArgs {
    #[arg(long)]
    pub title: String,
    /// Author as "Surname, Given" (repeatable, in order).
    #[arg(long)]
    pub author: Vec<String>,
    #[arg(long)]
    pub organisation: Option<String>,
    #[arg(long)]
    pub year: Option<i32>,
    /// Evidence type (research_report, evaluation, case_study, emerging_practice,
    /// conference_paper, journal_article, local_workforce_report, data_release, evidence_review).
    #[arg(long = "type")]
    pub item_type: String,
    /// Abstract or summary.
    #[arg(long, default_value = "")]
    pub summary: String,
    #[arg(long)]
    pub link: Option<String>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum CiteFormat {
    Ris,
    Bibtex,
}

impl CiteFormat {
    fn cite(self) -> cite::Format {
        match self {
            CiteFormat::Ris => cite::Format::Ris,
            CiteFormat::Bibtex => cite::Format::Bibtex,
        }
    }
}

#[derive(Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// The file's format (default: recognised from its content).
    #[arg(long, value_enum)]
    pub citation_format: Option<CiteFormat>,
    /// Evidence type for records whose file says none (default research_report).
    #[arg(long = "type")]
    pub item_type: Option<String>,
    /// Tags added to every imported item.
    #[command(flatten)]
    pub tags: TagArgs,
    /// Store duplicates too (they are listed either way): for two works that share a
    /// title and a year, such as a conference presentation and the report after it.
    #[arg(long)]
    pub keep_duplicates: bool,
    /// Show what would be imported without storing anything.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum ExportFormat {
    Ris,
    Bibtex,
    Csv,
    Json,
}

#[derive(Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "ris")]
    pub format: ExportFormat,
    /// Only items matching this search (same words and filters as `search`).
    #[command(flatten)]
    pub filter: FilterArgs,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Args)]
pub struct FilterArgs {
    /// Words to look for.
    pub query: Option<String>,
    #[arg(long = "type")]
    pub item_type: Vec<String>,
    #[arg(long)]
    pub theme: Vec<String>,
    #[arg(long)]
    pub sector: Vec<String>,
    #[arg(long)]
    pub organisation: Vec<String>,
    #[arg(long)]
    pub strength: Vec<String>,
    #[arg(long)]
    pub outcome: Vec<String>,
    #[arg(long)]
    pub provision: Vec<String>,
    #[arg(long)]
    pub geography: Vec<String>,
    /// Published in or after this year.
    #[arg(long)]
    pub from: Option<i32>,
    /// Published in or before this year.
    #[arg(long)]
    pub to: Option<i32>,
}

impl FilterArgs {
    fn request(&self) -> Result<SearchRequest> {
        let mut r = SearchRequest {
            text: self.query.clone().unwrap_or_default(),
            year_from: self.from,
            year_to: self.to,
            ..Default::default()
        };
        for (facet, values) in [
            ("type", &self.item_type),
            ("theme", &self.theme),
            ("sector", &self.sector),
            ("organisation", &self.organisation),
            ("strength", &self.strength),
            ("outcome", &self.outcome),
            ("provision", &self.provision),
            ("geography", &self.geography),
        ] {
            for v in values {
                r.add_filter(facet, v)?;
            }
        }
        Ok(r)
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum SortArg {
    Relevance,
    Newest,
    Oldest,
}

#[derive(Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[arg(long, value_enum, default_value = "relevance")]
    pub sort: SortArg,
    #[arg(long, default_value_t = 1)]
    pub page: usize,
    #[arg(long, default_value_t = 20)]
    pub per_page: usize,
    /// Also list the facet counts (always in JSON).
    #[arg(long)]
    pub facets: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum GapFormat {
    Table,
    Csv,
    Json,
    Html,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum GapColumns {
    Sector,
    Outcome,
}

#[derive(Args)]
#[command(
    after_help = "A cell is 'nothing' when it holds no completed item and no ongoing study; 'no recent\nsynthesis' when it has studies but no evidence review published in the last --recent-years\nyears up to --as-of; 'synthesised' otherwise.\n\nExamples:\n  observatory evidence gaps --as-of 2009\n  observatory evidence gaps --by outcome --format html --output gaps.html"
)]
pub struct GapArgs {
    #[arg(long, value_enum, default_value = "sector")]
    pub by: GapColumns,
    /// The year the map is drawn for (default: this year); later items are left out.
    #[arg(long)]
    pub as_of: Option<i32>,
    /// How many years (up to --as-of) a synthesis counts as recent.
    #[arg(long, default_value_t = 5)]
    pub recent_years: i32,
    #[arg(long, value_enum, default_value = "table")]
    pub format: GapFormat,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Args)]
pub struct FeedArgs {
    /// all, theme:<theme> or call:<number>.
    #[arg(long, default_value = "all")]
    pub scope: String,
    /// Where the web pages are, for the links in the feed.
    #[arg(
        long,
        default_value = "http://localhost:8080",
        env = "OBSERVATORY_BASE_URL"
    )]
    pub base_url: String,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum RegisterCommand {
    /// Register a study; shows the most similar items and studies (likely duplication).
    #[command(
        after_help = "Example:\n  observatory evidence register add --title \"Retention of newly qualified social workers\" \\\n    --organisation CWDC --status commissioned --due 2010-03 --theme motivation --sector social_care"
    )]
    Add(RegisterAddArgs),
    /// List the register.
    List {
        /// Only entries with this status.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Change an entry's status (and, when it reports, the item holding its report).
    Status {
        id: i64,
        /// planned, commissioned, in_progress or reported.
        status: String,
        #[arg(long)]
        item: Option<i64>,
    },
}

#[derive(Args)]
pub struct RegisterAddArgs {
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub organisation: String,
    /// planned, commissioned, in_progress or reported.
    #[arg(long, default_value = "planned")]
    pub status: String,
    #[arg(long, default_value = "")]
    pub summary: String,
    /// Due date: YYYY-MM-DD or YYYY-MM.
    #[arg(long)]
    pub due: Option<String>,
    /// The due date in words ("summer 2010").
    #[arg(long)]
    pub due_note: Option<String>,
    #[command(flatten)]
    pub tags: TagArgs,
    /// Only show the similar items and studies; do not register.
    #[arg(long)]
    pub check_only: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Subcommand)]
pub enum CallsCommand {
    /// Open a call for evidence; prints its public token (the link's secret part).
    Open {
        #[arg(long)]
        question: String,
        #[arg(long, default_value = "")]
        details: String,
        /// Last day submissions are taken (YYYY-MM-DD).
        #[arg(long)]
        deadline: String,
        #[command(flatten)]
        tags: TagArgs,
    },
    /// List the calls.
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Send a submission to a call, as the public form will (for testing and bulk entry).
    Submit(SubmitArgs),
    /// The moderation queue: submissions waiting for a decision.
    Queue {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Accept, merge or reject a submission.
    #[command(group(ArgGroup::new("decision").required(true).args(["accept", "merge_into", "reject"])))]
    Moderate(ModerateArgs),
    /// What a call received.
    Report {
        id: i64,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Close a call (no more submissions).
    Close { id: i64 },
}

#[derive(Args)]
pub struct SubmitArgs {
    /// The call's token.
    #[arg(long)]
    pub token: String,
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub about: DescriptionArgs,
    /// A PDF, DOCX or plain-text file.
    #[arg(long)]
    pub file: Option<PathBuf>,
}

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory evidence calls moderate 4 --accept --strength indicative --outcome stay_safe\n  observatory evidence calls moderate 5 --merge-into 12\n  observatory evidence calls moderate 6 --reject \"an advertisement, not evidence\""
)]
pub struct ModerateArgs {
    pub submission: i64,
    /// Make it a new item tagged to the call.
    #[arg(long)]
    pub accept: bool,
    /// Fold it into this existing item.
    #[arg(long)]
    pub merge_into: Option<i64>,
    /// Reject it, saying why.
    #[arg(long)]
    pub reject: Option<String>,
    /// With --accept: evidence strength.
    #[arg(long)]
    pub strength: Option<String>,
    /// With --accept: correct the evidence type.
    #[arg(long = "type")]
    pub item_type: Option<String>,
    /// With --accept: tags to add.
    #[command(flatten)]
    pub tags: TagArgs,
}

#[derive(Args)]
pub struct BenchArgs {
    #[arg(long, default_value_t = 100_000)]
    pub items: usize,
    #[arg(long, default_value_t = 2000)]
    pub queries: usize,
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Indexing threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Where to build the index (default: a temporary folder, removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

fn json_out<T: serde::Serialize>(v: &T, output: Option<&std::path::Path>) -> Result<i32> {
    write_out(
        format!("{}\n", serde_json::to_string_pretty(v)?).as_bytes(),
        output,
    )?;
    Ok(0)
}

fn table(title: &str, headers: &[&str], rows: Vec<Vec<String>>, notes: Vec<String>) -> TableOut {
    TableOut {
        title: title.into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
        notes,
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

fn read_file(p: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
}

async fn library(cli: &Cli, a: &EvidenceArgs) -> Result<Library> {
    Library::open(cli.store().await?, a.index_dir.clone()).await
}

pub async fn run(cli: &Cli, a: &EvidenceArgs) -> Result<i32> {
    let by = a.user.as_str();
    match &a.command {
        EvidenceCommand::Bench(b) => bench(b),
        EvidenceCommand::Taxonomy { format } => show_taxonomy(*format),
        EvidenceCommand::Add(x) => {
            let lib = library(cli, a).await?;
            let mut files = Vec::new();
            for p in &x.attach {
                let name = p.display().to_string();
                files.push(observatory_evidence::extract::attachment(&name, read_file(p)?).await?);
            }
            let d = &x.about;
            let f = ItemFields {
                title: d.title.clone(),
                authors: d.author.clone(),
                organisation: d.organisation.clone(),
                year: d.year,
                item_type: d.item_type.clone(),
                summary: d.summary.clone(),
                link: d.link.clone(),
                doi: x.doi.clone(),
                strength: x.strength.clone(),
                container: x.container.clone(),
                report_number: x.report_number.clone(),
                place: x.place.clone(),
                tags: x.tags.tags(),
                ..Default::default()
            };
            let id = lib.add_item(f, &files, by).await?;
            println!("Added evidence item {id}.");
            Ok(0)
        }
        EvidenceCommand::Show { id, format } => {
            let lib = library(cli, a).await?;
            let item = lib.item(*id).await?;
            let attachments = lib.store.attachments(*id).await?;
            let links = lib.store.decision_links(Some(*id)).await?;
            if *format == Format::Json {
                return json_out(
                    &serde_json::json!({"item": item, "attachments": attachments, "decision_links": links}),
                    None,
                );
            }
            let f = &item.fields;
            let tax = taxonomy();
            let mut rows = vec![
                vec!["title".into(), f.title.clone()],
                vec!["authors".into(), f.authors.join("; ")],
                vec!["organisation".into(), opt(&f.organisation)],
                vec!["year".into(), opt(&f.year)],
                vec!["type".into(), tax.types.label(&f.item_type)],
                vec![
                    "strength".into(),
                    f.strength
                        .as_deref()
                        .map(|s| tax.strengths.label(s))
                        .unwrap_or_else(|| "not assessed".into()),
                ],
                vec!["link".into(), opt(&f.link)],
                vec!["doi".into(), opt(&f.doi)],
                vec!["summary".into(), f.summary.clone()],
            ];
            for (facet, values) in &f.tags.0 {
                let labels: Vec<String> = values
                    .iter()
                    .map(|v| {
                        tax.facet(facet)
                            .map(|voc| voc.label(v))
                            .unwrap_or_else(|| v.clone())
                    })
                    .collect();
                rows.push(vec![facet.clone(), labels.join("; ")]);
            }
            for at in &attachments {
                rows.push(vec![
                    "attachment".into(),
                    format!("{} ({}, {} bytes)", at.file_name, at.media_type, at.size),
                ]);
            }
            for c in &item.calls {
                rows.push(vec!["call".into(), c.to_string()]);
            }
            for l in &links {
                rows.push(vec![
                    "decision".into(),
                    format!("{} {}", l.decision_ref, opt(&l.note)),
                ]);
            }
            table(
                &format!("Evidence item {id}"),
                &["field", "value"],
                rows,
                vec![],
            )
            .emit(*format, None)?;
            Ok(0)
        }
        EvidenceCommand::Attach { id, file } => {
            let lib = library(cli, a).await?;
            lib.attach(*id, &file.display().to_string(), read_file(file)?)
                .await?;
            println!("Attached {} to item {id}.", file.display());
            Ok(0)
        }
        EvidenceCommand::Import(x) => import(cli, a, x).await,
        EvidenceCommand::ImportDemo => {
            let lib = library(cli, a).await?;
            let d = lib.import_demo(by).await?;
            if d.already_there {
                println!("The demo evidence is already in the library.");
            } else {
                println!(
                    "Loaded {} evidence items and {} register entries from the strategy documents.",
                    d.items, d.register_entries
                );
            }
            Ok(0)
        }
        EvidenceCommand::Export(x) => export(cli, a, x).await,
        EvidenceCommand::Search(x) => search(cli, a, x).await,
        EvidenceCommand::Gaps(x) => gaps(cli, a, x).await,
        EvidenceCommand::Feed(x) => {
            let lib = library(cli, a).await?;
            let scope = observatory_evidence::feed::Scope::parse(&x.scope)?;
            let xml = lib.feed(&scope, &x.base_url, x.limit).await?;
            write_out(xml.as_bytes(), x.output.as_deref())?;
            Ok(0)
        }
        EvidenceCommand::Register { command } => register(cli, a, command).await,
        EvidenceCommand::Calls { command } => calls(cli, a, command).await,
        EvidenceCommand::Link { id, decision, note } => {
            let lib = library(cli, a).await?;
            lib.link_decision(*id, decision, note.as_deref(), by)
                .await?;
            println!("Linked decision {decision} to item {id}.");
            Ok(0)
        }
        EvidenceCommand::Reindex => {
            let lib = library(cli, a).await?;
            let t = std::time::Instant::now();
            let n = lib.reindex().await?;
            println!("Indexed {n} items in {:.1} s.", t.elapsed().as_secs_f64());
            Ok(0)
        }
    }
}

fn show_taxonomy(format: Format) -> Result<i32> {
    let tax = taxonomy();
    if format == Format::Json {
        return json_out(tax, None);
    }
    let mut rows = Vec::new();
    for v in [
        &tax.types,
        &tax.themes,
        &tax.sectors,
        &tax.provision,
        &tax.geography,
        &tax.outcomes,
        &tax.strengths,
    ] {
        for t in &v.terms {
            rows.push(vec![
                v.facet.clone(),
                t.code.clone(),
                t.label.clone(),
                t.description.clone(),
            ]);
        }
    }
    table(
        "The evidence taxonomy",
        &["facet", "code", "label", "meaning"],
        rows,
        vec!["Geography also takes a local authority's ONS code (E06000056).".into()],
    )
    .emit(format, None)?;
    Ok(0)
}

async fn import(cli: &Cli, a: &EvidenceArgs, x: &ImportArgs) -> Result<i32> {
    let bytes = read_file(&x.file)?;
    let text = String::from_utf8(bytes).with_context(|| {
        format!(
            "{} is not UTF-8 text (export it from your reference manager as UTF-8)",
            x.file.display()
        )
    })?;
    let format = match x.citation_format {
        Some(f) => f.cite(),
        None => cite::Format::detect(&text).with_context(|| {
            format!("{} looks like neither RIS (lines like 'TY  - RPRT') nor BibTeX (entries like '@article{{...'); say which with --citation-format", x.file.display())
        })?,
    };
    let lib = library(cli, a).await?;
    let options = ImportOptions {
        item_type: x.item_type.clone(),
        tags: x.tags.tags(),
        keep_duplicates: x.keep_duplicates,
    };
    let report = lib
        .import_citations(&text, format, &options, &a.user, x.dry_run)
        .await?;
    if x.format == Format::Json {
        json_out(&report, None)?;
    } else {
        let verb = if x.dry_run { "Would add" } else { "Added" };
        println!("Read {} records from {}.", report.records, x.file.display());
        println!(
            "{verb} {} items.",
            if x.dry_run {
                report.to_add.len()
            } else {
                report.added.len()
            }
        );
        if !report.duplicates.is_empty() {
            let rows = report
                .duplicates
                .iter()
                .map(|d| {
                    vec![
                        d.record.to_string(),
                        d.title.clone(),
                        opt(&d.year),
                        match (d.existing_item, d.earlier_record) {
                            (Some(i), _) => format!("item {i}"),
                            (None, Some(r)) => format!("record {r} of this file"),
                            _ => String::new(),
                        },
                        d.reason.clone(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    if x.keep_duplicates {
                        "Likely duplicates (stored anyway, as --keep-duplicates asked)"
                    } else {
                        "Not imported: likely duplicates (nothing was merged; add --keep-duplicates if they are different works)"
                    },
                    &["record", "title", "year", "duplicates", "why"],
                    rows,
                    vec![]
                )
                .text()
            );
        }
        for p in &report.problems {
            eprintln!("{p}");
        }
    }
    Ok(if report.problems.is_empty() { 0 } else { 1 })
}

async fn export(cli: &Cli, a: &EvidenceArgs, x: &ExportArgs) -> Result<i32> {
    let lib = library(cli, a).await?;
    let mut items = lib.store.items().await?;
    let r = x.filter.request()?;
    if !r.text.is_empty() || !r.filters.is_empty() || r.year_from.is_some() || r.year_to.is_some() {
        let mut all = r.clone();
        all.limit = 1000;
        let mut keep = std::collections::HashSet::new();
        loop {
            let res = lib.search(&all).await?;
            keep.extend(res.hits.iter().map(|h| h.id));
            all.offset += all.limit;
            if all.offset >= res.total {
                break;
            }
        }
        items.retain(|i| keep.contains(&i.id));
    }
    let fields: Vec<&ItemFields> = items.iter().map(|i| &i.fields).collect();
    let bytes = match x.format {
        ExportFormat::Ris => cite::export(&fields, cite::Format::Ris).into_bytes(),
        ExportFormat::Bibtex => cite::export(&fields, cite::Format::Bibtex).into_bytes(),
        ExportFormat::Json => format!("{}\n", serde_json::to_string_pretty(&items)?).into_bytes(),
        ExportFormat::Csv => {
            let rows = items
                .iter()
                .map(|i| {
                    let f = &i.fields;
                    vec![
                        i.id.to_string(),
                        f.title.clone(),
                        f.authors.join("; "),
                        opt(&f.organisation),
                        opt(&f.year),
                        f.item_type.clone(),
                        opt(&f.strength),
                        f.tags.get("theme").join("; "),
                        f.tags.get("sector").join("; "),
                        f.tags.get("outcome").join("; "),
                        opt(&f.doi),
                        opt(&f.link),
                        i.added_at.clone(),
                    ]
                })
                .collect();
            table(
                "",
                &[
                    "id",
                    "title",
                    "authors",
                    "organisation",
                    "year",
                    "type",
                    "strength",
                    "themes",
                    "sectors",
                    "outcomes",
                    "doi",
                    "link",
                    "added_at",
                ],
                rows,
                vec![],
            )
            .csv()?
        }
    };
    write_out(&bytes, x.output.as_deref())?;
    Ok(0)
}

async fn search(cli: &Cli, a: &EvidenceArgs, x: &SearchArgs) -> Result<i32> {
    let lib = library(cli, a).await?;
    let mut r = x.filter.request()?;
    r.sort = match x.sort {
        SortArg::Relevance => Sort::Relevance,
        SortArg::Newest => Sort::Newest,
        SortArg::Oldest => Sort::Oldest,
    };
    if x.page == 0 || !(1..=100).contains(&x.per_page) {
        bail!("--page starts at 1 and --per-page is 1 to 100");
    }
    r.limit = x.per_page;
    r.offset = (x.page - 1) * x.per_page;
    let res = lib.search(&r).await?;
    if res.stale {
        eprintln!(
            "Note: another process is updating the search index; the newest changes may be missing."
        );
    }
    if x.format == Format::Json {
        return json_out(&res, x.output.as_deref());
    }
    let tax = taxonomy();
    let plain = |html: &str| {
        html.replace("<b>", "")
            .replace("</b>", "")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
    };
    let rows = res
        .hits
        .iter()
        .map(|h| {
            vec![
                h.id.to_string(),
                opt(&h.year),
                tax.types.label(&h.item_type),
                h.title.clone(),
                h.organisation
                    .clone()
                    .or_else(|| h.authors.first().cloned())
                    .unwrap_or_default(),
                plain(&h.snippet_html),
            ]
        })
        .collect();
    let first = r.offset + 1;
    let last = r.offset + res.hits.len();
    let mut notes = vec![format!(
        "{first}-{last} of {} results ({:.1} ms).",
        res.total, res.took_ms
    )];
    if x.facets {
        for (name, values) in &res.facets {
            let list: Vec<String> = values
                .iter()
                .take(12)
                .map(|c| format!("{} ({})", c.label, c.count))
                .collect();
            notes.push(format!("{name}: {}", list.join(", ")));
        }
    }
    if res.total == 0 {
        notes = vec!["No results. Try fewer words, or fewer filters.".into()];
    }
    table(
        "",
        &["id", "year", "type", "title", "organisation", "snippet"],
        rows,
        notes,
    )
    .emit(x.format, x.output.as_deref())?;
    Ok(0)
}

async fn gaps(cli: &Cli, a: &EvidenceArgs, x: &GapArgs) -> Result<i32> {
    let lib = library(cli, a).await?;
    let opts = GapOptions {
        columns: match x.by {
            GapColumns::Sector => Columns::Sector,
            GapColumns::Outcome => Columns::Outcome,
        },
        as_of: x.as_of.unwrap_or_else(|| chrono::Utc::now().year()),
        recent_years: x.recent_years.max(1),
        ..Default::default()
    };
    let map = lib.gap_map(&opts).await?;
    let out = x.output.as_deref();
    match x.format {
        GapFormat::Json => json_out(&map, out),
        GapFormat::Csv => {
            write_out(map.to_csv().as_bytes(), out)?;
            Ok(0)
        }
        GapFormat::Html => {
            write_out(map.to_html().as_bytes(), out)?;
            Ok(0)
        }
        GapFormat::Table => {
            let mut headers = vec!["theme".to_string()];
            headers.extend(map.columns.iter().map(|c| c.code.clone()));
            let rows = map
                .cells
                .iter()
                .zip(&map.themes)
                .map(|(row, th)| {
                    let mut r = vec![th.code.clone()];
                    r.extend(row.iter().map(|c| {
                        let mark = match c.status.as_str() {
                            "nothing" => " -",
                            "synthesised" => " S",
                            _ => "",
                        };
                        format!("{}+{}{mark}", c.completed, c.ongoing)
                    }));
                    r
                })
                .collect();
            let t = TableOut {
                title: format!("Evidence gap map as of {} (completed+ongoing)", map.as_of),
                headers,
                rows,
                notes: vec![format!(
                    "- nothing at all; S synthesised (an evidence review in {}-{}); otherwise studies but no recent synthesis.",
                    map.as_of - map.recent_years + 1,
                    map.as_of
                )],
            };
            print!("{}", t.text());
            Ok(0)
        }
    }
}

fn similar_table(found: &[observatory_evidence::similar::Similar]) -> TableOut {
    let rows = found
        .iter()
        .map(|s| {
            vec![
                format!("{:.2}", s.score),
                if s.likely_duplicate {
                    "likely duplicate".into()
                } else {
                    String::new()
                },
                s.kind.clone(),
                s.id.to_string(),
                s.title.clone(),
                opt(&s.organisation),
                s.when.clone(),
            ]
        })
        .collect();
    table(
        "Most similar existing evidence and studies",
        &[
            "score",
            "flag",
            "kind",
            "id",
            "title",
            "organisation",
            "when",
        ],
        rows,
        vec![
            "Scores are tf-idf cosine similarity of title, summary and tags (1 = the same words)."
                .into(),
        ],
    )
}

async fn register(cli: &Cli, a: &EvidenceArgs, c: &RegisterCommand) -> Result<i32> {
    let lib = library(cli, a).await?;
    match c {
        RegisterCommand::Add(x) => {
            let f = RegisterFields {
                title: x.title.clone(),
                organisation: x.organisation.clone(),
                status: x.status.clone(),
                summary: x.summary.clone(),
                due_date: x.due.clone(),
                due_note: x.due_note.clone(),
                item_id: None,
                tags: x.tags.tags(),
            };
            let (id, found) = if x.check_only {
                let mut f = f;
                observatory_evidence::model::check_register(&mut f)?;
                (None, lib.similar_to(&f, 5).await?)
            } else {
                let (id, found) = lib.register(f, &a.user).await?;
                (Some(id), found)
            };
            if x.format == Format::Json {
                return json_out(&serde_json::json!({"id": id, "similar": found}), None);
            }
            if let Some(id) = id {
                println!("Registered study {id}.");
            }
            if found.is_empty() {
                println!("Nothing similar is in the library or the register.");
            } else {
                print!("{}", similar_table(&found).text());
            }
            Ok(0)
        }
        RegisterCommand::List {
            status,
            format,
            output,
        } => {
            let mut list = lib.store.register_entries().await?;
            if let Some(s) = status {
                list.retain(|e| &e.fields.status == s);
            }
            if *format == Format::Json {
                return json_out(&list, output.as_deref());
            }
            let rows = list
                .iter()
                .map(|e| {
                    let f = &e.fields;
                    vec![
                        e.id.to_string(),
                        f.organisation.clone(),
                        f.title.clone(),
                        f.status.replace('_', " "),
                        opt(&f.due_date),
                        opt(&f.due_note),
                        f.tags.get("theme").join("; "),
                        f.tags.get("sector").join("; "),
                    ]
                })
                .collect();
            table(
                "The research register",
                &[
                    "id",
                    "organisation",
                    "title",
                    "status",
                    "due",
                    "as given",
                    "themes",
                    "sectors",
                ],
                rows,
                vec![],
            )
            .emit(*format, output.as_deref())?;
            Ok(0)
        }
        RegisterCommand::Status { id, status, item } => {
            let s = status.trim().to_lowercase().replace([' ', '-'], "_");
            if !observatory_evidence::model::REGISTER_STATUSES.contains(&s.as_str()) {
                bail!(
                    "the status '{status}' is not one of {}",
                    observatory_evidence::model::REGISTER_STATUSES.join(", ")
                );
            }
            if let Some(i) = item {
                lib.item(*i).await?;
            }
            lib.store.set_register_status(*id, &s, *item).await?;
            println!("Register entry {id} is now {}.", s.replace('_', " "));
            Ok(0)
        }
    }
}

async fn calls(cli: &Cli, a: &EvidenceArgs, c: &CallsCommand) -> Result<i32> {
    let lib = library(cli, a).await?;
    let by = a.user.as_str();
    match c {
        CallsCommand::Open {
            question,
            details,
            deadline,
            tags,
        } => {
            let call = lib
                .open_call(
                    CallFields {
                        question: question.clone(),
                        details: details.clone(),
                        deadline: deadline.clone(),
                        tags: tags.tags(),
                    },
                    by,
                )
                .await?;
            println!("Opened call {} (closes {}).", call.id, call.fields.deadline);
            println!("Public token: {}", call.token);
            println!(
                "Share the link /evidence/calls/respond/{} once the web pages are running.",
                call.token
            );
            Ok(0)
        }
        CallsCommand::List { format } => {
            let list = lib.store.calls().await?;
            if *format == Format::Json {
                return json_out(&list, None);
            }
            let rows = list
                .iter()
                .map(|c| {
                    vec![
                        c.id.to_string(),
                        c.fields.question.clone(),
                        c.fields.deadline.clone(),
                        c.status.clone(),
                        c.fields.tags.get("theme").join("; "),
                        c.token.clone(),
                    ]
                })
                .collect();
            table(
                "Calls for evidence",
                &["id", "question", "deadline", "status", "themes", "token"],
                rows,
                vec![],
            )
            .emit(*format, None)?;
            Ok(0)
        }
        CallsCommand::Submit(x) => {
            let file = match &x.file {
                Some(p) => Some((p.display().to_string(), read_file(p)?)),
                None => None,
            };
            let id = lib
                .submit(
                    &x.token,
                    SubmissionInput {
                        fields: SubmissionFields {
                            submitter_name: x.name.clone(),
                            submitter_email: x.email.clone(),
                            title: x.about.title.clone(),
                            authors: x.about.author.clone(),
                            organisation: x.about.organisation.clone(),
                            year: x.about.year,
                            item_type: x.about.item_type.clone(),
                            summary: x.about.summary.clone(),
                            link: x.about.link.clone(),
                            file: None,
                        },
                        file,
                    },
                    chrono::Utc::now().date_naive(),
                )
                .await?;
            println!("Received submission {id}; it waits for moderation.");
            Ok(0)
        }
        CallsCommand::Queue { format } => {
            let list = lib.store.pending_call_submissions().await?;
            if *format == Format::Json {
                return json_out(&list, None);
            }
            let rows = list
                .iter()
                .map(|s| {
                    vec![
                        s.id.to_string(),
                        s.call_id.to_string(),
                        s.title.clone(),
                        s.item_type.clone(),
                        format!("{} <{}>", s.submitter_name, s.submitter_email),
                        opt(&s.file_name),
                        s.submitted_at.clone(),
                    ]
                })
                .collect();
            table(
                "Submissions waiting for moderation",
                &["id", "call", "title", "type", "from", "file", "received"],
                rows,
                vec![],
            )
            .emit(*format, None)?;
            Ok(0)
        }
        CallsCommand::Moderate(x) => {
            let decision = if x.accept {
                Decision::Accept(Changes {
                    tags: x.tags.tags(),
                    strength: x.strength.clone(),
                    item_type: x.item_type.clone(),
                    title: None,
                })
            } else if let Some(i) = x.merge_into {
                Decision::Merge(i)
            } else {
                Decision::Reject(x.reject.clone().unwrap_or_default())
            };
            match lib.moderate(x.submission, decision, by).await? {
                Some(item) => println!(
                    "CallSubmission {} is now part of evidence item {item}.",
                    x.submission
                ),
                None => println!("CallSubmission {} was rejected.", x.submission),
            }
            Ok(0)
        }
        CallsCommand::Report { id, format } => {
            let r = lib.call_report(*id).await?;
            if *format == Format::Json {
                return json_out(&r, None);
            }
            println!("Call {}: {}", r.call.id, r.call.fields.question);
            println!(
                "Deadline {} ({}). Received {}.",
                r.call.fields.deadline, r.call.status, r.received
            );
            let status: Vec<String> = r
                .by_status
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            println!("{}", status.join(", "));
            let rows = r
                .submissions
                .iter()
                .map(|s| {
                    vec![
                        s.id.to_string(),
                        s.title.clone(),
                        s.item_type.clone(),
                        s.status.clone(),
                        opt(&s.item_id),
                        opt(&s.reason),
                    ]
                })
                .collect();
            table(
                "",
                &["submission", "title", "type", "status", "item", "reason"],
                rows,
                vec![],
            )
            .emit(*format, None)?;
            Ok(0)
        }
        CallsCommand::Close { id } => {
            lib.store.close_call(*id).await?;
            println!("Call {id} is closed.");
            Ok(0)
        }
    }
}

fn bench(b: &BenchArgs) -> Result<i32> {
    let dir = b.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("observatory-evidence-bench-{}", std::process::id()))
    });
    eprintln!(
        "Generating {} items (seed {}) and indexing them in {} ...",
        b.items,
        b.seed,
        dir.display()
    );
    let r = observatory_evidence::bench::run(&dir, b.items, b.queries, b.seed, b.threads)?;
    if b.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if b.format == Format::Json {
        return json_out(&r, None);
    }
    let rows = vec![
        vec!["items".into(), r.items.to_string()],
        vec!["generate (s)".into(), format!("{:.2}", r.generate_s)],
        vec!["index build (s)".into(), format!("{:.2}", r.index_build_s)],
        vec![
            "index size (MB)".into(),
            format!("{:.1}", r.index_bytes as f64 / 1_048_576.0),
        ],
        vec!["searches timed".into(), r.queries.to_string()],
        vec!["p50 (ms)".into(), format!("{:.2}", r.p50_ms)],
        vec!["p90 (ms)".into(), format!("{:.2}", r.p90_ms)],
        vec!["p99 (ms)".into(), format!("{:.2}", r.p99_ms)],
        vec!["max (ms)".into(), format!("{:.2}", r.max_ms)],
        vec![
            "mean results per search".into(),
            format!("{:.0}", r.mean_hits),
        ],
    ];
    table(
        "Evidence search benchmark",
        &["measure", "value"],
        rows,
        vec!["Goal: under 20 ms per search at 100,000 items.".into()],
    )
    .emit(b.format, None)?;
    Ok(0)
}

/// Load the demo evidence into a freshly made demo database (called by `observatory demo`).
pub async fn load_demo(store: &observatory_store::Store) -> Result<()> {
    let lib = Library::open(store.clone(), None).await?;
    let d = lib.import_demo("demo").await?;
    if !d.already_there {
        println!(
            "Loaded the evidence library: {} items and {} register entries from the strategy documents (try `observatory evidence search \"support staff\"` or `observatory evidence gaps --as-of 2009`).",
            d.items, d.register_entries
        );
    }
    Ok(())
}
