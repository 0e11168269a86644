//! The national-scale benchmark (`observatory bench`, run by hand, never in CI), as steps
//! the command line times and reports: a fresh SQLite database, the import of a generated
//! census, the first query after it (the cube built), later processes reading the
//! snapshot, query latencies, the publication, mobility flows, and DuckDB loading the
//! same files with no checks as an outside baseline.

use anyhow::Result;
use chrono::NaiveDate;
use observatory_analysis::{Query, run_query};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::database::{Database, Location};
use crate::error::ServiceError;
use crate::import::{Job, ReadContext};
use crate::manifest::{self, Done, Options, Progress};
use crate::policy::{self, Actor};

pub use observatory_analysis::Cube;

/// The queries timed: a spread of measures and breakdown widths.
pub const QUERIES: &[(&str, &str)] = &[
    ("posts", ""),
    ("posts", "sector"),
    ("posts", "role"),
    ("headcount", "role"),
    ("headcount", "sector,employing_sector"),
    ("fte", "area"),
    ("vacancy_rate", "area,sector"),
    ("turnover_rate", "sector,contract"),
    ("leavers", "sector,reason"),
    ("stability_rate", "role"),
    ("qualified_share_l3", "setting_type"),
    ("median_pay", "role"),
    ("gender_pay_gap", "sector"),
    ("share_minority_ethnic", "area,leader"),
    ("age_55_plus_share", "sector,career_level"),
    ("agency_share", "area,role"),
];

/// The middle of some timings.
pub fn median_ms(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The benchmark's own database in `dir` (bench.db, any earlier one deleted) and how to
/// read its returns: a new key, no mapping, no confirmed titles, default limits.
pub struct Workbench {
    pub db: Database,
    pub location: Location,
    ctx: Arc<ReadContext>,
}

impl Workbench {
    /// A fresh database and key in `dir`; says whether the key is new.
    pub async fn create(actor: Actor<'_>, dir: &Path) -> Result<(Workbench, bool), ServiceError> {
        policy::may_operate(actor)?;
        let db = dir.join("bench.db");
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
        let location = Location::Sqlite(db);
        let key = dir.join("bench.key");
        let (db, created) = crate::installation::init(actor, &location, &key).await?;
        let key_bytes = observatory_store::secret::load(&key)?;
        let ctx = Arc::new(ReadContext {
            hasher: observatory_census::PersonHasher::new(&key_bytes),
            mapping: None,
            titles: Default::default(),
            limits: Default::default(),
        });
        Ok((Workbench { db, location, ctx }, created))
    }

    /// Import `jobs` on two threads.
    pub async fn import(
        &self,
        actor: Actor<'_>,
        jobs: Vec<Job>,
        progress: impl FnMut(Progress),
    ) -> Result<Vec<Done>, ServiceError> {
        let options = Options {
            threads: 2,
            dry_run: false,
            submitted_by: "bench",
        };
        manifest::import_all(&self.db, actor, self.ctx.clone(), jobs, &options, progress).await
    }

    /// The cube of `date`: after an import (the first query's), built from the rows and
    /// snapshotted.
    pub async fn cube<G>(
        &self,
        date: NaiveDate,
        on_rebuild: impl Fn(NaiveDate) -> G,
    ) -> Result<Cube, ServiceError> {
        Ok(crate::cubes::load_one(&self.db, date, on_rebuild).await?)
    }

    /// What every later query process pays: open the database (the old connections
    /// closed), read the snapshot, decode it. Gives the cube and the snapshot's bytes.
    pub async fn reopen(&mut self, date: NaiveDate) -> Result<(Cube, usize), ServiceError> {
        self.db.close().await;
        self.db = Database::open(&self.location, false).await?;
        let store = &self.db.store;
        let generation = store.generation().await?;
        let bytes = store
            .snapshot(date, &generation)
            .await?
            .expect("snapshot just stored");
        let cube = Cube::from_bytes(&bytes).map_err(anyhow::Error::from)?;
        Ok((cube, bytes.len()))
    }
}

/// The returns of `date` in `manifest`.
pub fn jobs(manifest: &Path, date: NaiveDate) -> Result<Vec<Job>, ServiceError> {
    Ok(manifest::read_manifest(manifest)?
        .into_iter()
        .filter(|j| j.meta.census_date == date)
        .collect())
}

/// One timed query: rows answered and the median of five runs, or why it failed.
pub struct QueryTime {
    pub measure: &'static str,
    pub by: &'static str,
    pub result: Result<(usize, f64), String>,
}

/// Every query of [`QUERIES`] on `cube`, five runs each.
pub fn time_queries(cube: &Cube) -> Vec<QueryTime> {
    QUERIES
        .iter()
        .map(|&(measure, by)| {
            let q = Query {
                measure: measure.to_string(),
                by: by
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                filters: vec![],
            };
            let mut times = Vec::new();
            let mut rows = 0;
            for _ in 0..5 {
                let t = Instant::now();
                match run_query(&[cube], &q) {
                    Ok(r) => rows = r.rows.len(),
                    Err(e) => {
                        return QueryTime {
                            measure,
                            by,
                            result: Err(e.to_string()),
                        };
                    }
                }
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            QueryTime {
                measure,
                by,
                result: Ok((rows, median_ms(times))),
            }
        })
        .collect()
}

/// The full publication of `cube` written into `dir`/publication.
pub struct PublicationTime {
    pub publication: observatory_publish::Publication,
    pub files: usize,
    /// Assembled and protected.
    pub protect: Duration,
    /// In all, files written.
    pub total: Duration,
}

pub fn publication(cube: &Cube, dir: &Path) -> Result<PublicationTime, ServiceError> {
    let t = Instant::now();
    let publication = observatory_publish::assemble(cube, observatory_publish::Control::default())?;
    let protect = t.elapsed();
    let out = dir.join("publication");
    let _ = std::fs::remove_dir_all(&out);
    let files = observatory_publish::write_all(&publication, &out)?.len();
    Ok(PublicationTime {
        publication,
        files,
        protect,
        total: t.elapsed(),
    })
}

/// The census date in `manifest` just before `date`, if any.
pub fn earlier_date(manifest: &Path, date: NaiveDate) -> Result<Option<NaiveDate>, ServiceError> {
    Ok(manifest::read_manifest(manifest)?
        .into_iter()
        .map(|j| j.meta.census_date)
        .filter(|d| *d < date)
        .max())
}

/// Mobility flows between `before` and `latest`, three runs.
pub struct MobilityTime {
    pub before_posts: usize,
    pub median_ms: f64,
    pub matrix_cells: Option<usize>,
}

pub fn mobility(before: &Cube, latest: &Cube) -> Result<MobilityTime, ServiceError> {
    let mut times = Vec::new();
    let mut flows = None;
    for _ in 0..3 {
        let t = Instant::now();
        flows = Some(
            observatory_analysis::mobility(before, latest, &[]).map_err(ServiceError::invalid)?,
        );
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(MobilityTime {
        before_posts: before.posts(),
        median_ms: median_ms(times),
        matrix_cells: flows.map(|f| f.matrix.rows.len()),
    })
}

/// DuckDB cannot open 78,000 small files at once (the open-files limit) and takes minutes
/// sniffing them one by one, so the script first joins each kind of file into one (files
/// with the same header row together), timed apart from the load.
const DUCKDB_SCRIPT: &str = r#"
import duckdb, glob, os, sys, time
root, date, db = sys.argv[1], sys.argv[2], sys.argv[3]
work = db + ".csv"
os.makedirs(work, exist_ok=True)
t = time.time()
joined = {}
for part in ["settings", "workers", "leavers", "vacancies"]:
    outs = {}
    for f in sorted(glob.glob(f"{root}/{date}/*/{part}.csv")):
        with open(f, "rb") as fh:
            header = fh.readline()
            body = fh.read()
        if header not in outs:
            name = f"{work}/{part}-{len(outs)}.csv"
            outs[header] = open(name, "wb")
            outs[header].write(header if header.endswith(b"\n") else header + b"\n")
        if body:
            outs[header].write(body if body.endswith(b"\n") else body + b"\n")
    for o in outs.values():
        o.close()
    joined[part] = [o.name for o in outs.values()]
print(f"duckdb_join {time.time() - t:.3f}")
if os.path.exists(db): os.remove(db)
con = duckdb.connect(db)
t = time.time()
for part, files in joined.items():
    con.execute(f"CREATE TABLE {part} AS SELECT * FROM read_csv({files!r}, union_by_name=true, all_varchar=true)")
load = time.time() - t
n = con.execute("SELECT COUNT(*) FROM workers").fetchone()[0]
print(f"duckdb_load {load:.3f} {n}")
for name, sql in [
    ("posts by role", "SELECT role, COUNT(*) FROM workers GROUP BY role"),
    ("median_pay by role", "SELECT role, median(CAST(annual_pay AS DOUBLE)) FROM workers WHERE contract <> 'volunteer' GROUP BY role"),
    ("headcount by role", "SELECT role, COUNT(DISTINCT person_id) FROM workers GROUP BY role"),
]:
    ts = []
    for _ in range(5):
        t = time.time(); con.execute(sql).fetchall(); ts.append(time.time() - t)
    ts.sort()
    print(f"duckdb_query {ts[2]*1000:.1f} {name}")
for f in sum(joined.values(), []): os.remove(f)
os.rmdir(work)
"#;

/// DuckDB (installed from PyPI if python3 lacks it) loading the CSV files of `date` under
/// `data` and running three of our queries; each line of the comparison goes to `say`.
pub fn duckdb_baseline(
    data: &Path,
    date: NaiveDate,
    import_s: f64,
    ours: &HashMap<String, f64>,
    say: &dyn Fn(String),
) {
    let has = |py: &str| {
        std::process::Command::new(py)
            .args(["-c", "import duckdb"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let py = "python3";
    if !has(py) {
        say("installing duckdb from PyPI for the baseline...".into());
        let _ = std::process::Command::new(py)
            .args(["-m", "pip", "install", "--quiet", "duckdb"])
            .status();
        if !has(py) {
            say("DuckDB comparison skipped: python3 with duckdb is not available".into());
            return;
        }
    }
    let db: PathBuf = data.parent().unwrap_or(data).join("baseline.duckdb");
    let out = std::process::Command::new(py)
        .args([
            "-c",
            DUCKDB_SCRIPT,
            &data.display().to_string(),
            &date.to_string(),
            &db.display().to_string(),
        ])
        .output();
    let _ = std::fs::remove_file(&db);
    match out {
        Ok(o) if o.status.success() => {
            for line in String::from_utf8_lossy(&o.stdout).lines() {
                let parts: Vec<&str> = line.splitn(3, ' ').collect();
                match parts.as_slice() {
                    ["duckdb_load", secs, rows] => {
                        let s: f64 = secs.parse().unwrap_or(f64::NAN);
                        say(format!(
                            "DuckDB loading the same CSV files with no checks: {rows} workers rows in {s:.1} s; our import takes {:.1}x as long (it validates every value, hashes identifiers and keeps an audit trail)",
                            import_s / s
                        ));
                    }
                    ["duckdb_join", secs] => say(format!(
                        "DuckDB preparation: the CSV files joined into one per kind in {secs} s (not counted below)"
                    )),
                    ["duckdb_query", ms, name] => {
                        let theirs: f64 = ms.parse().unwrap_or(f64::NAN);
                        match ours.get(*name) {
                            Some(o) => say(format!(
                                "  DuckDB {name:<24} {ms:>8} ms; ours {o:.1} ms ({:.2}x DuckDB's time)",
                                o / theirs
                            )),
                            None => say(format!("  DuckDB {name:<24} {ms:>8} ms")),
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(o) => say(format!(
            "DuckDB comparison failed: {}",
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => say(format!("DuckDB comparison failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_timing() {
        assert_eq!(median_ms(vec![5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median_ms(vec![4.0, 1.0, 3.0, 2.0]), 3.0);
    }
}
