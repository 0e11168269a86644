//! Importing one return, exactly as every interface must: read and check it with the
//! installation's person key, mapping profile and confirmed job titles, add the
//! year-on-year headcount warning, then store it (atomically replacing the current
//! return of that employer and census date).

use anyhow::{Result, bail};
use chrono::NaiveDate;
use observatory_census::{
    Limits, MappingProfile, PersonHasher, Problem, ReadOptions, ReadOutcome, Report, ReturnMeta,
    headcount_check, read_return,
};
use observatory_domain::ReturnData;
use observatory_store::blocking::CPU;
use observatory_store::{SaveInfo, Saved, Store};

use crate::database::Database;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A census date as people type it.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date; write it as YYYY-MM-DD, e.g. 2025-11-01"))
}

/// Where the installation's secret key for person identifiers is kept.
pub trait KeySource {
    fn key_path(&self) -> PathBuf;
}

impl KeySource for Path {
    fn key_path(&self) -> PathBuf {
        self.to_path_buf()
    }
}

impl KeySource for PathBuf {
    fn key_path(&self) -> PathBuf {
        self.clone()
    }
}

/// One return to import.
#[derive(Clone)]
pub struct Job {
    pub meta: ReturnMeta,
    pub path: PathBuf,
}

/// What every reader needs, shared (between threads, or between web requests).
pub struct ReadContext {
    pub hasher: PersonHasher,
    pub mapping: Option<MappingProfile>,
    pub titles: HashMap<String, usize>,
    pub limits: Limits,
}

impl ReadContext {
    pub async fn load(
        keys: &(impl KeySource + ?Sized),
        db: &Database,
        mapping: Option<&str>,
        max_mb: u64,
    ) -> Result<ReadContext> {
        let store = &db.store;
        let key = observatory_store::secret::load(&keys.key_path())?;
        let mapping = match mapping {
            None => None,
            Some(m) => Some(load_mapping(store, m).await?),
        };
        Ok(ReadContext {
            hasher: PersonHasher::new(&key),
            mapping,
            titles: store.confirmed_titles().await?,
            limits: Limits {
                max_file_bytes: max_mb * 1024 * 1024,
                ..Limits::default()
            },
        })
    }

    /// Read and check a return here and now (for threads of the caller's own, as the
    /// command line's import runs them; async code uses [`ReadContext::read_in_pool`]).
    pub fn read(&self, job: &Job) -> ReadOutcome {
        let opts = ReadOptions {
            limits: self.limits,
            mapping: self.mapping.as_ref(),
            hasher: &self.hasher,
            confirmed_titles: &self.titles,
        };
        read_return(&job.path, &job.meta, &opts)
    }

    /// Read and check a return in the bounded [`CPU`] pool, for async code (a web
    /// upload): opening a workbook, parsing every row and checking it is CPU work of
    /// seconds for a large return, which must not hold an async thread. Gives the
    /// job back with its outcome.
    pub async fn read_in_pool(self, job: Job) -> Result<(Job, ReadOutcome)> {
        CPU.run(move || {
            let outcome = self.read(&job);
            (job, outcome)
        })
        .await
    }
}

async fn load_mapping(store: &Store, m: &str) -> Result<MappingProfile> {
    let text = if Path::new(m).is_file() {
        observatory_domain::input::read_text_within(
            Path::new(m),
            observatory_census::MAX_PROFILE_BYTES,
            "the mapping profile",
        )
        .map_err(anyhow::Error::msg)?
    } else {
        match store.mapping(m).await? {
            Some(t) => t,
            None => bail!(
                "there is no mapping profile named '{m}' and no file of that name; save one with `observatory mapping save {m} FILE.json`"
            ),
        }
    };
    MappingProfile::from_json(&text).map_err(|e| anyhow::anyhow!("mapping profile {m}: {e}"))
}

/// Store a checked return (unless dry run), adding the year-on-year warning first.
/// A return whose current version is approved is refused with
/// [`observatory_store::ReturnLocked`] (downcast the error to tell it apart).
pub async fn store_one(
    db: &Database,
    job: &Job,
    outcome: &mut ReadOutcome,
    dry_run: bool,
    submitted_by: &str,
) -> Result<Option<Saved>> {
    let store = &db.store;
    let Some(data) = &outcome.data else {
        return Ok(None);
    };
    let prev = store
        .previous_posts(&job.meta.employer_id, job.meta.census_date)
        .await?;
    headcount_check(&mut outcome.report, prev, data.workers.len());
    let registered = store.employer_area(&job.meta.employer_id).await?;
    area_check(job, data, &mut outcome.report, registered.as_deref());
    if dry_run {
        return Ok(None);
    }
    let (name, source) = provenance(job, outcome);
    let info = save_info(job, outcome, &name, &source, submitted_by);
    Ok(Some(store.save_return(&info, data).await?))
}

/// An employer stays in the area it is registered in, whatever its return says (only an
/// administrator moves it, with `observatory employers add`), so a return whose settings
/// are mostly elsewhere gets a warning saying so rather than moving its employer out of
/// its planner's tracker and into another area's.
fn area_check(job: &Job, data: &ReturnData, report: &mut Report, registered: Option<&str>) {
    let (Some(registered), Some(main)) = (registered, data.main_area()) else {
        return;
    };
    if registered != main {
        report.warning(
            Problem::at_file(&job.path.display().to_string(), "settings")
                .column("area_code")
                .value(main)
                .says(format!(
                    "most of the settings are in area {main}, but employer {} is registered in area {registered}; the return is stored under {registered}. If the employer has moved, ask an administrator to change its area",
                    job.meta.employer_id
                )),
        );
    }
}

/// The employer's name (given, or from the workbook) and the file name, for the history.
fn provenance(job: &Job, outcome: &ReadOutcome) -> (Option<String>, String) {
    let name = job.meta.employer_name.clone().or_else(|| {
        outcome
            .sheet_meta
            .iter()
            .find(|(k, _)| k == "employer_name")
            .map(|(_, v)| v.clone())
    });
    let source = job
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (name, source)
}

fn save_info<'a>(
    job: &'a Job,
    outcome: &'a ReadOutcome,
    name: &'a Option<String>,
    source: &'a str,
    submitted_by: &'a str,
) -> SaveInfo<'a> {
    SaveInfo {
        employer_id: &job.meta.employer_id,
        employer_name: name.as_deref(),
        census_date: job.meta.census_date,
        submitted_by,
        source,
        digest: &outcome.digest,
        warnings: outcome.report.warning_count(),
    }
}

/// Store many checked returns together (unless dry run), as a manifest import does:
/// each gets its year-on-year warning from `previous` (posts in each employer's latest
/// earlier return, [`Store::previous_posts_before`]) and is stored all or nothing; on
/// SQLite they share one transaction. A return whose current version is approved gets
/// an error in its report instead and is not stored.
pub async fn store_batch(
    db: &Database,
    batch: &mut [(Job, ReadOutcome)],
    previous: &HashMap<String, usize>,
    dry_run: bool,
    submitted_by: &str,
) -> Result<Vec<Option<Saved>>> {
    let store = &db.store;
    let ids: Vec<&str> = batch
        .iter()
        .map(|(j, _)| j.meta.employer_id.as_str())
        .collect();
    let areas = store.employer_areas(&ids).await?;
    drop(ids);
    for (job, outcome) in batch.iter_mut() {
        if let Some(data) = &outcome.data {
            let prev = previous.get(&job.meta.employer_id).copied();
            headcount_check(&mut outcome.report, prev, data.workers.len());
            let registered = areas.get(&job.meta.employer_id).map(String::as_str);
            area_check(job, data, &mut outcome.report, registered);
        }
    }
    let mut out = vec![None; batch.len()];
    if dry_run {
        return Ok(out);
    }
    let provenance: Vec<_> = batch.iter().map(|(j, o)| provenance(j, o)).collect();
    let mut stored = Vec::new();
    let mut items = Vec::new();
    for (k, ((job, outcome), (name, source))) in batch.iter().zip(&provenance).enumerate() {
        if let Some(data) = &outcome.data {
            stored.push(k);
            items.push((save_info(job, outcome, name, source, submitted_by), data));
        }
    }
    let results = store.save_returns(&items).await?;
    drop(items);
    for (k, result) in stored.into_iter().zip(results) {
        match result {
            Ok(saved) => out[k] = Some(saved),
            Err(locked) => {
                let (job, outcome) = &mut batch[k];
                let file = job.path.display().to_string();
                outcome
                    .report
                    .error(Problem::at_file(&file, "").says(locked.to_string()));
                outcome.data = None;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_or_explain() {
        assert_eq!(
            parse_date("2025-11-01"),
            Ok(NaiveDate::from_ymd_opt(2025, 11, 1).unwrap())
        );
        let e = parse_date("1/11/2025").unwrap_err();
        assert!(e.contains("YYYY-MM-DD"), "{e}");
    }
}
