//! `observatory import`: check returns and store the good ones, one at a time or many
//! from a manifest (read and checked on every core, stored in manifest order).

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use observatory_service::Actor;
use observatory_service::manifest::{self, Done, Options, Progress};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::Cli;

// Reading, checking and storing returns is the service's, shared with the web app.
pub use observatory_service::import::{Job, ReadContext, parse_date};
use observatory_service::manifest::{ReturnMeta, Saved};

impl observatory_service::KeySource for Cli {
    fn key_path(&self) -> PathBuf {
        Cli::key_path(self)
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Args)]
#[command(
    after_help = "A return is a folder or .zip holding settings.csv, workers.csv, leavers.csv and vacancies.csv,\nor one .xlsx/.ods workbook with those four sheets. Every problem is reported with its file, sheet,\nrow, column and value; a return with any error is rejected whole and nothing is stored.\n\nExamples:\n  observatory import --employer LA-001 --census-date 2025-11-01 returns/la-001/\n  observatory import --employer N-204 --census-date 2025-11-01 --dry-run nursery.xlsx\n  observatory import --employer N-204 --census-date 2025-11-01 --mapping acme-hr export.zip\n  observatory import --manifest returns/manifest.csv"
)]
pub struct ImportArgs {
    /// The employer's identifier (as registered with the observatory).
    #[arg(long, required_unless_present = "manifest")]
    pub employer: Option<String>,
    /// The employer's name, recorded with the return.
    #[arg(long)]
    pub employer_name: Option<String>,
    /// The census (reference) date, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date, required_unless_present = "manifest")]
    pub census_date: Option<NaiveDate>,
    /// The return: a folder or .zip of the four CSV files, or an .xlsx/.ods workbook.
    #[arg(required_unless_present = "manifest", conflicts_with = "manifest")]
    pub path: Option<PathBuf>,
    /// Import many returns: a CSV with columns employer, census_date, path (relative to the
    /// manifest) and optionally employer_name.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Check only: report every problem but store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A saved mapping profile name, or a JSON file, translating the employer's own column
    /// names and codes to the standard ones.
    #[arg(long)]
    pub mapping: Option<String>,
    /// How to print the report.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Largest file accepted, in megabytes.
    #[arg(long, default_value_t = 200)]
    pub max_file_mb: u64,
    /// Who is submitting, for the audit history.
    #[arg(long, default_value = "command line")]
    pub submitted_by: String,
    /// Threads reading and checking returns (default: every core).
    #[arg(long)]
    pub jobs: Option<usize>,
}

/// How one return's outcome is reported.
trait Reported {
    fn to_json(&self, dry_run: bool) -> serde_json::Value;
    fn print_text(&self, dry_run: bool, max_warnings: usize);
}

impl Reported for Done {
    fn to_json(&self, dry_run: bool) -> serde_json::Value {
        let counts = self.outcome.data.as_ref().map(|d| {
            json!({"settings": d.settings.len(), "posts": d.workers.len(),
                   "leavers": d.leavers.len(), "vacancies": d.vacancies.len()})
        });
        json!({
            "employer": self.job.meta.employer_id,
            "census_date": self.job.meta.census_date.to_string(),
            "path": self.job.path.display().to_string(),
            "accepted": self.accepted(),
            "dry_run": dry_run,
            "stored": self.saved.is_some(),
            "return_id": self.saved.map(|s| s.return_id),
            "replaced_return_id": self.saved.and_then(|s| s.replaced),
            "unchanged": self.saved.is_some_and(|s| s.unchanged),
            "counts": counts,
            "errors": self.outcome.report.errors().collect::<Vec<_>>(),
            "warnings": self.outcome.report.warnings().collect::<Vec<_>>(),
            "errors_not_listed": self.outcome.report.omitted_errors,
        })
    }

    fn print_text(&self, dry_run: bool, max_warnings: usize) {
        let m = &self.job.meta;
        let r = &self.outcome.report;
        match &self.outcome.data {
            Some(d) => {
                let verb = if dry_run {
                    "Checked (dry run, nothing stored)"
                } else if self.saved.is_some_and(|s| s.unchanged) {
                    "Unchanged"
                } else {
                    "Accepted"
                };
                let replaced = match self.saved {
                    Some(s) if s.unchanged => format!(
                        "; the same as the stored return #{}, so nothing new was stored",
                        s.return_id
                    ),
                    Some(Saved {
                        replaced: Some(id), ..
                    }) => format!("; replaces return #{id}, kept in the history"),
                    _ => String::new(),
                };
                println!(
                    "{verb}: employer {}, census {}: {} settings, {} posts, {} leavers, {} vacancy rows, {} warnings{replaced}",
                    m.employer_id,
                    m.census_date,
                    d.settings.len(),
                    d.workers.len(),
                    d.leavers.len(),
                    d.vacancies.len(),
                    r.warning_count()
                );
            }
            None => println!(
                "Rejected: employer {}, census {} ({}): {} errors; nothing was stored. Fix these and submit again:",
                m.employer_id,
                m.census_date,
                self.job.path.display(),
                r.error_count()
            ),
        }
        for p in r.errors() {
            println!("  {p}");
        }
        if r.omitted_errors > 0 {
            println!(
                "  ... and {} more errors not listed (fix the ones above first; they often cause the rest)",
                r.omitted_errors
            );
        }
        for (shown, p) in r.warnings().enumerate() {
            if shown == max_warnings {
                println!(
                    "  ... and {} more warnings (use --format json to see all)",
                    r.warning_count() - shown
                );
                break;
            }
            println!("  {p}");
        }
    }
}

pub async fn run(cli: &Cli, a: &ImportArgs) -> Result<i32> {
    let db = cli.database().await?;
    let ctx = Arc::new(ReadContext::load(cli, &db, a.mapping.as_deref(), a.max_file_mb).await?);
    let jobs = match &a.manifest {
        Some(m) => manifest::read_manifest(m)?,
        None => vec![Job {
            meta: ReturnMeta {
                employer_id: a.employer.clone().expect("clap requires it"),
                employer_name: a.employer_name.clone(),
                census_date: a.census_date.expect("clap requires it"),
            },
            path: a.path.clone().expect("clap requires it"),
        }],
    };
    let single = a.manifest.is_none();
    let threads = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let started = Instant::now();
    let options = Options {
        threads,
        dry_run: a.dry_run,
        submitted_by: &a.submitted_by,
    };
    let bar = ImportBar::new(jobs.len(), !single);
    let done =
        manifest::import_all(&db, Actor::Operator, ctx, jobs, &options, bar.progress()).await;
    drop(bar);
    let done = done?;
    let elapsed = started.elapsed();
    let accepted = done.iter().filter(|d| d.accepted()).count();
    let rejected = done.len() - accepted;
    let posts: usize = done.iter().map(Done::posts).sum();
    if a.format == ReportFormat::Json {
        let v = if single {
            done[0].to_json(a.dry_run)
        } else {
            json!({
                "accepted": accepted, "rejected": rejected, "dry_run": a.dry_run,
                "returns": done.iter().map(|d| d.to_json(a.dry_run)).collect::<Vec<_>>()
            })
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        for d in &done {
            if single || !d.accepted() || d.outcome.report.warning_count() > 0 {
                d.print_text(a.dry_run, if single { usize::MAX } else { 3 });
            }
        }
        if !single {
            println!(
                "{} returns {}, {} rejected; {} posts in {:.1} s ({:.0} posts/s).",
                accepted,
                if a.dry_run {
                    "passed the checks"
                } else {
                    "stored"
                },
                rejected,
                posts,
                elapsed.as_secs_f64(),
                posts as f64 / elapsed.as_secs_f64().max(1e-9)
            );
        }
    }
    Ok(if rejected > 0 { 1 } else { 0 })
}

/// The progress bar of an import of many returns (hidden for one), cleared when dropped.
pub struct ImportBar(ProgressBar);

impl ImportBar {
    pub fn new(returns: usize, show: bool) -> ImportBar {
        if !show {
            return ImportBar(ProgressBar::hidden());
        }
        let b = ProgressBar::new(returns as u64);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} importing [{bar:40}] {pos}/{len} returns, {msg} ({elapsed}, about {eta} left)",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        ImportBar(b)
    }

    /// What to tell the bar after each batch stored.
    pub fn progress(&self) -> impl FnMut(Progress) + use<> {
        let bar = self.0.clone();
        move |p: Progress| {
            bar.inc(p.returns as u64);
            bar.set_message(format!(
                "{} posts, {:.0} posts/s",
                p.posts, p.posts_per_second
            ));
        }
    }
}

impl Drop for ImportBar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
