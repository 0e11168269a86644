//! `observatory import`: check returns and store the good ones, one at a time or many
//! from a manifest (read and checked on every core, stored in manifest order).

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use observatory_census::{ReadOutcome, ReturnMeta};
use observatory_store::{Saved, Store};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::Cli;

// Reading, checking and storing one return is shared with the web app.
pub use observatory_service::import::{Job, ReadContext, parse_date, store_batch};

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

/// What happened to one return.
pub struct Done {
    pub job: Job,
    pub outcome: ReadOutcome,
    pub saved: Option<Saved>,
}

impl Done {
    fn accepted(&self) -> bool {
        self.outcome.data.is_some()
    }

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
    let store = cli.store().await?;
    let ctx = Arc::new(
        ReadContext::load(
            cli,
            &store.clone().into(),
            a.mapping.as_deref(),
            a.max_file_mb,
        )
        .await?,
    );
    let jobs = match &a.manifest {
        Some(m) => read_manifest(m)?,
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
    let done = import_all(
        &store,
        ctx,
        jobs,
        threads,
        a.dry_run,
        &a.submitted_by,
        !single,
    )
    .await?;
    let elapsed = started.elapsed();
    let accepted = done.iter().filter(|d| d.accepted()).count();
    let rejected = done.len() - accepted;
    let posts: usize = done
        .iter()
        .filter_map(|d| d.outcome.data.as_ref())
        .map(|d| d.workers.len())
        .sum();
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

/// Read and check on `threads` threads; store in manifest order on this task, so the
/// year-on-year check always sees earlier years already stored.
pub async fn import_all(
    store: &Store,
    ctx: Arc<ReadContext>,
    jobs: Vec<Job>,
    threads: usize,
    dry_run: bool,
    submitted_by: &str,
    show_progress: bool,
) -> Result<Vec<Done>> {
    let n = jobs.len();
    let bar = if show_progress {
        let b = ProgressBar::new(n as u64);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} importing [{bar:40}] {pos}/{len} returns, {msg} ({elapsed}, about {eta} left)",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    // Room for a few hundred checked returns, so the writer can take them in batches.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, ReadOutcome)>(256);
    let mut handles = Vec::new();
    for _ in 0..threads.max(1) {
        let (jobs, next, tx, ctx) = (jobs.clone(), next.clone(), tx.clone(), ctx.clone());
        handles.push(std::thread::spawn(move || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= jobs.len() {
                    break;
                }
                let outcome = ctx.read(&jobs[i]);
                if tx.blocking_send((i, outcome)).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);
    let mut pending: BTreeMap<usize, ReadOutcome> = BTreeMap::new();
    let mut out = Vec::with_capacity(n);
    let mut posts = 0usize;
    let mut previous = PreviousPosts::new(n);
    let started = Instant::now();
    while out.len() < n {
        // Wait only when the next return in order has not been read yet.
        if !pending.contains_key(&out.len()) {
            let Some((i, outcome)) = rx.recv().await else {
                break;
            };
            pending.insert(i, outcome);
        }
        while let Ok((i, outcome)) = rx.try_recv() {
            pending.insert(i, outcome);
        }
        // The next returns in manifest order that are ready, of one census date.
        let mut batch: Vec<(Job, ReadOutcome)> = Vec::new();
        let mut batch_posts = 0;
        while batch_posts < BATCH_POSTS {
            let k = out.len() + batch.len();
            let Some(job) = jobs.get(k) else { break };
            if batch
                .first()
                .is_some_and(|(first, _)| first.meta.census_date != job.meta.census_date)
            {
                break;
            }
            let Some(outcome) = pending.remove(&k) else {
                break;
            };
            batch_posts += outcome.data.as_ref().map_or(0, |d| d.workers.len());
            batch.push((job.clone(), outcome));
        }
        let Some((first, _)) = batch.first() else {
            continue;
        };
        let date = first.meta.census_date;
        let employers: Vec<&str> = batch
            .iter()
            .map(|(j, _)| j.meta.employer_id.as_str())
            .collect();
        let prev = previous.get(store, date, &employers).await?;
        let saved = store_batch(
            &store.clone().into(),
            &mut batch,
            prev,
            dry_run,
            submitted_by,
        )
        .await?;
        previous.stored(date);
        for ((job, outcome), saved) in batch.into_iter().zip(saved) {
            posts += outcome.data.as_ref().map_or(0, |d| d.workers.len());
            out.push(Done {
                job,
                outcome,
                saved,
            });
            bar.inc(1);
        }
        bar.set_message(format!(
            "{posts} posts, {:.0} posts/s",
            posts as f64 / started.elapsed().as_secs_f64().max(1e-9)
        ));
    }
    for h in handles {
        let _ = h.join();
    }
    bar.finish_and_clear();
    if out.len() < n {
        bail!(
            "a reader thread stopped unexpectedly; {} of {n} returns were processed",
            out.len()
        );
    }
    Ok(out)
}

/// Posts stored in one transaction at most (a few seconds of work at national scale).
const BATCH_POSTS: usize = 100_000;

/// Each employer's posts in its latest earlier return, for the year-on-year check: read
/// once per census date for a big run, per employer for a small one.
struct PreviousPosts {
    whole_dates: bool,
    by_date: BTreeMap<NaiveDate, HashMap<String, usize>>,
    few: HashMap<String, usize>,
}

impl PreviousPosts {
    fn new(returns: usize) -> Self {
        PreviousPosts {
            whole_dates: returns >= 50,
            by_date: BTreeMap::new(),
            few: HashMap::new(),
        }
    }

    async fn get(
        &mut self,
        store: &Store,
        date: NaiveDate,
        employers: &[&str],
    ) -> Result<&HashMap<String, usize>> {
        if !self.whole_dates {
            self.few.clear();
            for e in employers {
                if let Some(n) = store.previous_posts(e, date).await? {
                    self.few.insert(e.to_string(), n);
                }
            }
            return Ok(&self.few);
        }
        Ok(match self.by_date.entry(date) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(store.previous_posts_before(date).await?)
            }
        })
    }

    /// Returns of `date` were stored: later dates' figures now look back at them.
    fn stored(&mut self, date: NaiveDate) {
        self.by_date.retain(|d, _| *d <= date);
    }
}

/// Read a manifest: employer, census_date, path (relative to the manifest), employer_name.
pub fn read_manifest(path: &Path) -> Result<Vec<Job>> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut rdr = csv::Reader::from_path(path)
        .with_context(|| format!("cannot read the manifest {}", path.display()))?;
    let headers: Vec<String> = rdr
        .headers()
        .with_context(|| format!("the manifest {} has no header row", path.display()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(e), Some(d), Some(p)) = (col("employer"), col("census_date"), col("path")) else {
        bail!(
            "the manifest {} needs the columns employer, census_date and path (and optionally employer_name)",
            path.display()
        );
    };
    let name_col = col("employer_name");
    let mut jobs = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = rec.with_context(|| format!("manifest row {row} cannot be read"))?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim().to_string();
        let census_date = parse_date(&get(d))
            .map_err(|e| anyhow::anyhow!("manifest row {row}, column census_date: {e}"))?;
        if get(e).is_empty() || get(p).is_empty() {
            bail!("manifest row {row}: employer and path must not be blank");
        }
        jobs.push(Job {
            meta: ReturnMeta {
                employer_id: get(e),
                employer_name: name_col.map(get).filter(|s| !s.is_empty()),
                census_date,
            },
            path: base.join(get(p)),
        });
    }
    Ok(jobs)
}
