//! Evidence going out and coming in: importing citations (RIS or BibTeX) with
//! duplicates reported, exporting items for reference managers (RIS, BibTeX, CSV,
//! JSON), and the Atom feed of new items.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use observatory_service::library::cite::{self, ImportOptions};
use observatory_service::library::{ItemFields, Library, Scope};
use observatory_service::policy::Actor;
use std::path::PathBuf;

use super::search::FilterArgs;
use super::{EvidenceArgs, TagArgs, json_out, library, opt, read_file, table};
use crate::Cli;
use crate::output::{Format, write_out};

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

pub async fn import(cli: &Cli, a: &EvidenceArgs, x: &ImportArgs) -> Result<i32> {
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
        .import_citations(&Actor::Operator, &text, format, &options, x.dry_run)
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

pub async fn export(lib: &Library, x: &ExportArgs) -> Result<i32> {
    let mut items = lib.items(Some(&Actor::Operator)).await?;
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

/// The Atom feed of new items.
pub async fn feed(lib: &Library, x: &FeedArgs) -> Result<i32> {
    let scope = Scope::parse(&x.scope)?;
    let xml = lib.feed(&scope, &x.base_url, x.limit).await?;
    write_out(xml.as_bytes(), x.output.as_deref())?;
    Ok(0)
}
