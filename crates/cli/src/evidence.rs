//! `observatory evidence`: the evidence library from the command line: adding and
//! importing items, searching, the research register, the gap map, feeds, calls for
//! evidence with their moderation queue, decision links, and the search benchmark.
//! The work is done by the service's evidence library (`observatory_service::library`),
//! as the local operator; this module holds the command list and what its groups share,
//! and each group parses its own arguments and prints.

mod bench;
mod calls;
mod citations;
mod gaps;
mod items;
mod register;
mod search;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use observatory_service::library::{Library, Tags};
use std::path::PathBuf;

use crate::Cli;
use crate::output::{TableOut, write_out};

pub use items::load_demo;

use bench::BenchArgs;
use calls::CallsCommand;
use citations::{ExportArgs, FeedArgs, ImportArgs};
use gaps::GapArgs;
use items::AddArgs;
use register::RegisterCommand;
use search::SearchArgs;

use crate::output::Format;

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

/// The library as the local operator, who is recorded as `--as` says.
async fn library(cli: &Cli, a: &EvidenceArgs) -> Result<Library> {
    Ok(Library::open(&cli.database().await?, a.index_dir.clone())
        .await?
        .operated_by(&a.user))
}

pub async fn run(cli: &Cli, a: &EvidenceArgs) -> Result<i32> {
    match &a.command {
        EvidenceCommand::Bench(b) => bench::run(b),
        EvidenceCommand::Taxonomy { format } => items::show_taxonomy(*format),
        EvidenceCommand::Add(x) => items::add(&library(cli, a).await?, x).await,
        EvidenceCommand::Show { id, format } => {
            items::show(&library(cli, a).await?, *id, *format).await
        }
        EvidenceCommand::Attach { id, file } => {
            items::attach(&library(cli, a).await?, *id, file).await
        }
        EvidenceCommand::Import(x) => citations::import(cli, a, x).await,
        EvidenceCommand::ImportDemo => items::import_demo(&library(cli, a).await?).await,
        EvidenceCommand::Export(x) => citations::export(&library(cli, a).await?, x).await,
        EvidenceCommand::Search(x) => search::run(&library(cli, a).await?, x).await,
        EvidenceCommand::Gaps(x) => gaps::run(&library(cli, a).await?, x).await,
        EvidenceCommand::Feed(x) => citations::feed(&library(cli, a).await?, x).await,
        EvidenceCommand::Register { command } => {
            register::run(&library(cli, a).await?, command).await
        }
        EvidenceCommand::Calls { command } => calls::run(&library(cli, a).await?, command).await,
        EvidenceCommand::Link { id, decision, note } => {
            items::link(&library(cli, a).await?, *id, decision, note.as_deref()).await
        }
        EvidenceCommand::Reindex => items::reindex(&library(cli, a).await?).await,
    }
}
