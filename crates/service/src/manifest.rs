//! Importing returns in bulk, as `observatory import` (one return or a manifest), the demo
//! and the benchmark do: returns are read and checked on threads of their own, every
//! core busy, and stored in manifest order, many at a time, so the year-on-year check
//! always sees the earlier years already stored.

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use observatory_census::ReadOutcome;
use observatory_store::Store;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::database::Database;
use crate::error::ServiceError;
use crate::import::{Job, ReadContext, parse_date, store_batch};
use crate::policy::{self, Actor};

pub use observatory_census::ReturnMeta;
pub use observatory_store::Saved;

/// What happened to one return.
pub struct Done {
    pub job: Job,
    pub outcome: ReadOutcome,
    pub saved: Option<Saved>,
}

impl Done {
    /// Whether it passed the checks (and was stored, unless a dry run).
    pub fn accepted(&self) -> bool {
        self.outcome.data.is_some()
    }

    /// Its filled posts (none if rejected).
    pub fn posts(&self) -> usize {
        self.outcome.data.as_ref().map_or(0, |d| d.workers.len())
    }
}

/// How far an import has come, after each batch stored.
pub struct Progress {
    /// Returns handled in the batch just stored.
    pub returns: usize,
    /// Posts handled so far.
    pub posts: usize,
    /// Posts handled per second so far.
    pub posts_per_second: f64,
}

/// How to import.
pub struct Options<'a> {
    /// Threads reading and checking returns.
    pub threads: usize,
    /// Check only: store nothing.
    pub dry_run: bool,
    /// Who is submitting, for the audit history.
    pub submitted_by: &'a str,
}

/// Read and check `jobs` on `options.threads` threads; store them in order on this task.
/// `progress` is told after every batch.
pub async fn import_all(
    db: &Database,
    actor: Actor<'_>,
    ctx: Arc<ReadContext>,
    jobs: Vec<Job>,
    options: &Options<'_>,
    mut progress: impl FnMut(Progress),
) -> Result<Vec<Done>, ServiceError> {
    policy::may_operate(actor)?;
    let store = &db.store;
    let n = jobs.len();
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    // Room for a few hundred checked returns, so the writer can take them in batches.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, ReadOutcome)>(256);
    let mut handles = Vec::new();
    for _ in 0..options.threads.max(1) {
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
    let mut out: Vec<Done> = Vec::with_capacity(n);
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
        let mut batch = next_batch(&jobs, out.len(), &mut pending);
        let Some((first, _)) = batch.first() else {
            continue;
        };
        let date = first.meta.census_date;
        let employers: Vec<&str> = batch
            .iter()
            .map(|(j, _)| j.meta.employer_id.as_str())
            .collect();
        let prev = previous.get(store, date, &employers).await?;
        let saved =
            store_batch(db, &mut batch, prev, options.dry_run, options.submitted_by).await?;
        previous.stored(date);
        let returns = batch.len();
        for ((job, outcome), saved) in batch.into_iter().zip(saved) {
            let done = Done {
                job,
                outcome,
                saved,
            };
            posts += done.posts();
            out.push(done);
        }
        progress(Progress {
            returns,
            posts,
            posts_per_second: posts as f64 / started.elapsed().as_secs_f64().max(1e-9),
        });
    }
    for h in handles {
        let _ = h.join();
    }
    if out.len() < n {
        return Err(ServiceError::Internal(anyhow::anyhow!(
            "a reader thread stopped unexpectedly; {} of {n} returns were processed",
            out.len()
        )));
    }
    Ok(out)
}

/// Posts stored in one transaction at most (a few seconds of work at national scale).
const BATCH_POSTS: usize = 100_000;

/// The next returns in manifest order from `done` on that are read, of one census date,
/// up to [`BATCH_POSTS`] posts.
fn next_batch(
    jobs: &[Job],
    done: usize,
    pending: &mut BTreeMap<usize, ReadOutcome>,
) -> Vec<(Job, ReadOutcome)> {
    let mut batch: Vec<(Job, ReadOutcome)> = Vec::new();
    let mut batch_posts = 0;
    while batch_posts < BATCH_POSTS {
        let k = done + batch.len();
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
    batch
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_names_its_returns_relative_to_itself() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("manifest.csv");
        std::fs::write(
            &m,
            "Employer,census_date,path,employer_name\nLA-1,2025-11-01,a/la-1, \nN-2,2024-11-01,n2.xlsx,Nursery Two\n",
        )
        .unwrap();
        let jobs = read_manifest(&m).unwrap();
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].meta.employer_id, "LA-1");
        assert_eq!(jobs[0].meta.employer_name, None);
        assert_eq!(jobs[0].path, dir.path().join("a/la-1"));
        assert_eq!(jobs[1].meta.employer_name.as_deref(), Some("Nursery Two"));
        std::fs::write(&m, "employer,census_date,path\nLA-1,1/11/2025,x\n").unwrap();
        let Err(e) = read_manifest(&m) else {
            panic!("a bad date is refused")
        };
        let e = e.to_string();
        assert!(e.contains("row 2, column census_date"), "{e}");
        std::fs::write(&m, "employer,path\nLA-1,x\n").unwrap();
        assert!(read_manifest(&m).is_err());
    }

    #[test]
    fn small_runs_ask_per_employer_and_big_ones_per_date() {
        assert!(!PreviousPosts::new(49).whole_dates);
        let mut p = PreviousPosts::new(50);
        assert!(p.whole_dates);
        let d = |y| NaiveDate::from_ymd_opt(y, 11, 1).unwrap();
        p.by_date.insert(d(2024), HashMap::new());
        p.by_date.insert(d(2025), HashMap::new());
        p.stored(d(2024));
        assert_eq!(p.by_date.keys().copied().collect::<Vec<_>>(), [d(2024)]);
    }
}
