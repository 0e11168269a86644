//! A seeded synthetic census of the children's workforce in England, for tests, the demo
//! and the national benchmark. It writes census returns exactly as employers would submit
//! them (a folder of four CSV files, or now and then one workbook), for several census dates,
//! with the same people recognisable across employers and years, and a manifest listing
//! every return. The same seed always gives byte-identical files: each area is simulated
//! from its own sub-seed by one thread, and areas are shared between threads.

#![warn(missing_docs)]

mod ids;
mod model;
mod plan;
mod sim;
mod titles;
mod write;

#[cfg(test)]
mod tests;

pub use ids::national_area_codes;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// The seed: the same options always give the same files.
    pub seed: u64,
    /// GSS codes of upper-tier local authorities, e.g. `E06000056`.
    pub areas: Vec<String>,
    /// Census dates, ascending, a year apart.
    pub census_dates: Vec<NaiveDate>,
    /// Approximate filled posts per area per year.
    pub posts_per_area: usize,
    /// Share of employers that return one `.xlsx` workbook instead of a folder of CSV files.
    pub xlsx_share: f64,
    /// Whether some employers (about 15 %) give their own `job_title` instead of `role`.
    pub messy_titles: bool,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

impl GenerateOptions {
    /// The demo: one area (E06000056), three census dates, about 6,000 posts a year, a few
    /// workbooks and some employers' own job titles.
    pub fn demo() -> Self {
        GenerateOptions {
            seed: 20_251_101,
            areas: vec!["E06000056".to_string()],
            census_dates: vec![date(2023, 11, 1), date(2024, 11, 1), date(2025, 11, 1)],
            posts_per_area: 6_000,
            xlsx_share: 0.05,
            messy_titles: true,
        }
    }

    /// The national benchmark: 150 areas of about 20,000 posts (about 3 million posts a
    /// year), three census dates, CSV only and standard role codes only, so that the
    /// benchmark measures import rather than title mapping.
    pub fn national() -> Self {
        GenerateOptions {
            seed: 2005,
            areas: national_area_codes(150),
            census_dates: vec![date(2023, 11, 1), date(2024, 11, 1), date(2025, 11, 1)],
            posts_per_area: 20_000,
            xlsx_share: 0.0,
            messy_titles: false,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Number of returns (rows of the manifest).
    pub returns: usize,
    /// Worker rows written per census date.
    pub posts_by_date: Vec<(NaiveDate, usize)>,
    /// Distinct employers with at least one return.
    pub employers: usize,
    /// Path of `manifest.csv`.
    pub manifest: PathBuf,
}

/// Approximate number of worker rows `generate` will write, for sizing a progress bar
/// (the real count differs by a few per cent: vacancies, non-response, growth).
pub fn expected_posts(opts: &GenerateOptions) -> u64 {
    (opts.posts_per_area as u64) * (opts.areas.len() as u64) * (opts.census_dates.len() as u64)
}

/// One manifest row.
#[derive(Debug, Clone)]
struct Entry {
    date: NaiveDate,
    employer: String,
    name: String,
    path: String,
}

/// Share of employers that returned last year but do not return this year.
const NON_RESPONSE: f64 = 0.03;
/// Share of employers using their own job titles when `messy_titles` is on.
const MESSY_SHARE: f64 = 0.15;

/// Knobs the tests turn that the public options do not expose.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Knobs {
    pub non_response: f64,
}

/// Generates the census into `out` (created if missing): `out/<date>/<employer>/*.csv` or
/// `out/<date>/<employer>.xlsx`, and `out/manifest.csv`. `progress(n)` is called from the
/// worker threads with the number of worker rows written since its last call.
pub fn generate(
    opts: &GenerateOptions,
    out: &Path,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Summary> {
    generate_with(
        opts,
        out,
        progress,
        Knobs {
            non_response: NON_RESPONSE,
        },
    )
}

pub(crate) fn generate_with(
    opts: &GenerateOptions,
    out: &Path,
    progress: &(dyn Fn(u64) + Sync),
    knobs: Knobs,
) -> Result<Summary> {
    if opts.areas.is_empty() {
        bail!("no areas to generate");
    }
    if opts.census_dates.is_empty() {
        bail!("no census dates to generate");
    }
    if opts.census_dates.windows(2).any(|w| w[0] >= w[1]) {
        bail!("census dates must be ascending and distinct");
    }
    if opts.posts_per_area == 0 {
        bail!("posts_per_area must be at least 1");
    }
    if !(0.0..=1.0).contains(&opts.xlsx_share) {
        bail!("xlsx_share must be between 0 and 1");
    }
    let mut seen = std::collections::HashSet::new();
    for a in &opts.areas {
        if !seen.insert(a) {
            bail!("area {a} is listed twice");
        }
    }
    for d in &opts.census_dates {
        let dir = out.join(d.format("%Y-%m-%d").to_string());
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let nino = ids::NinoSpace::new(opts.seed, opts.areas.len());
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<(Vec<Entry>, Vec<usize>)>> = Mutex::new(Vec::new());
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(opts.areas.len())
        .max(1);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    if failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= opts.areas.len() {
                        break;
                    }
                    match run_area(opts, out, i, nino.clone(), progress, knobs) {
                        Ok(r) => results.lock().expect("results lock").push(r),
                        Err(e) => {
                            failed.store(true, Ordering::Relaxed);
                            first_error.lock().expect("error lock").get_or_insert(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().expect("error lock") {
        return Err(e);
    }
    let mut entries = Vec::new();
    let mut posts = vec![0usize; opts.census_dates.len()];
    for (e, p) in results.into_inner().expect("results lock") {
        entries.extend(e);
        for (t, n) in p.into_iter().enumerate() {
            posts[t] += n;
        }
    }
    entries.sort_by(|a, b| (a.date, &a.employer).cmp(&(b.date, &b.employer)));
    let manifest = out.join("manifest.csv");
    let mut w = csv::Writer::from_path(&manifest)
        .with_context(|| format!("creating {}", manifest.display()))?;
    w.write_record(["employer", "employer_name", "census_date", "path"])?;
    for e in &entries {
        let d = e.date.format("%Y-%m-%d").to_string();
        w.write_record([
            e.employer.as_str(),
            e.name.as_str(),
            d.as_str(),
            e.path.as_str(),
        ])?;
    }
    w.flush()?;
    let employers: std::collections::HashSet<&str> =
        entries.iter().map(|e| e.employer.as_str()).collect();
    Ok(Summary {
        returns: entries.len(),
        posts_by_date: opts.census_dates.iter().copied().zip(posts).collect(),
        employers: employers.len(),
        manifest,
    })
}

/// The chance that an employer that returned last year does not return this year: small
/// employers forget, large ones rarely do, and councils and NHS trusts always return.
fn non_response(area: &sim::Area, e: usize, knobs: Knobs) -> f64 {
    use plan::Kind;
    let emp = &area.plan.employers[e];
    if matches!(
        emp.kind,
        Kind::LocalAuthority | Kind::NhsCommunity | Kind::NhsHospital
    ) {
        return 0.0;
    }
    let posts: usize = emp
        .settings
        .iter()
        .map(|&s| area.posts[s as usize].len())
        .sum();
    knobs.non_response
        * if posts >= 100 {
            0.0
        } else if posts >= 50 {
            0.5
        } else {
            1.15
        }
}

/// Simulates one area through every census date and writes its returns.
fn run_area(
    opts: &GenerateOptions,
    out: &Path,
    index: usize,
    nino: ids::NinoSpace,
    progress: &(dyn Fn(u64) + Sync),
    knobs: Knobs,
) -> Result<(Vec<Entry>, Vec<usize>)> {
    let dates = &opts.census_dates;
    let mut area = sim::Area::new(
        index,
        &opts.areas[index],
        opts.seed,
        opts.posts_per_area,
        nino,
        dates[0],
    );
    let mut writer = write::Writer::default();
    let mut entries = Vec::new();
    let mut posts = Vec::with_capacity(dates.len());
    let mut returned_last: Vec<bool> = Vec::new();
    let mut prev = observatory_domain::rules::year_before(dates[0]);
    for (t, &d) in dates.iter().enumerate() {
        area.advance(prev, d);
        prev = d;
        let date_dir = out.join(d.format("%Y-%m-%d").to_string());
        let mut written = 0usize;
        let mut pending = 0u64;
        returned_last.resize(area.plan.employers.len(), false);
        for (e, returned) in returned_last.iter_mut().enumerate() {
            if !area.exists(e) {
                *returned = false;
                continue;
            }
            let skip = t > 0
                && *returned
                && area.employer_chance(e, 0x4E52 + t as u64, non_response(&area, e, knobs));
            if skip {
                *returned = false;
                continue;
            }
            let style = write::Style {
                messy: opts.messy_titles && area.employer_chance(e, 0x3E55, MESSY_SHARE),
                xlsx: area.employer_chance(e, 0x5853, opts.xlsx_share),
            };
            let (path, rows) = writer.write(&area, e, d, &date_dir, style)?;
            *returned = true;
            written += rows;
            pending += rows as u64;
            if pending >= 2_000 {
                progress(pending);
                pending = 0;
            }
            let emp = &area.plan.employers[e];
            entries.push(Entry {
                date: d,
                employer: emp.id.clone(),
                name: emp.name.clone(),
                path,
            });
        }
        if pending > 0 {
            progress(pending);
        }
        posts.push(written);
    }
    Ok((entries, posts))
}
