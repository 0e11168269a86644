//! Timing check for the cube at national scale: builds a cube of 3 million random posts
//! (plus leavers and vacancies) through `CubeBuilder`, snapshots it, and times a spread
//! of queries, so the speed claim can be quoted. Run in release:
//!
//!     cargo run --release -p observatory-analysis --example cube_timing [-- POSTS]

use std::time::Instant;

use chrono::NaiveDate;
use observatory_analysis::{AnalysisError, Cube, CubeBuilder, Query, measure_names, run_query};
use observatory_domain::{CensusSink, Leaver, PersonKey, Vacancy, Worker, codes};

// Not every shared helper is used by every example.
#[allow(dead_code)]
#[path = "support/timing.rs"]
mod timing;
use timing::{Rng, ms, random_setting, size_arg};

fn main() {
    let posts = size_arg(3_000_000);
    let c = codes();
    let census = NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let n_settings = (posts / 50).max(1);
    let n_areas = 153;

    let t = Instant::now();
    let mut b = CubeBuilder::new(census);
    // Settings grouped under employers of 1 to 4 settings, streamed per employer as the
    // store does: settings, then workers, leavers, vacancies.
    let mut setting = 0;
    let mut employer = 0;
    let mut person_keys: Vec<PersonKey> = Vec::new();
    while setting < n_settings {
        let emp = format!("EMP{employer:06}");
        let k = (1 + rng.below(4)).min(n_settings - setting);
        for s in 0..k {
            b.setting(&emp, &random_setting(&mut rng, s, n_areas));
        }
        let workers = posts * k / n_settings;
        for _ in 0..workers {
            // One post in ten is a second post of someone already seen.
            let key = if !person_keys.is_empty() && rng.below(10) == 0 {
                person_keys[rng.below(person_keys.len())]
            } else {
                let key = rng.key();
                person_keys.push(key);
                key
            };
            let level = rng.below(c.qualification_level.len()) as u8;
            b.worker(
                &emp,
                &Worker {
                    worker_ref: String::new(),
                    person: if rng.below(50) == 0 { None } else { Some(key) },
                    setting_id: format!("S{}", rng.below(k)),
                    role: if rng.below(100) == 0 {
                        None
                    } else {
                        Some(rng.below(c.roles.len()) as u16)
                    },
                    job_title: None,
                    contract: rng.below(c.contract.len()) as u8,
                    fte: 10 + rng.below(91) as u32,
                    start_date: census - chrono::Days::new(rng.below(6000) as u64),
                    gender: rng.below(c.gender.len()) as u8,
                    ethnicity: rng.below(c.ethnicity.len()) as u8,
                    disability: rng.below(3) as u8,
                    birth_year: 1950 + rng.below(55) as u16,
                    qualification_level: level,
                    qualification_status: rng.below(2) as u8,
                    annual_pay: (rng.below(10) != 0).then(|| 15_000 + rng.below(60_000) as u32),
                },
            );
        }
        for _ in 0..workers / 7 {
            b.leaver(
                &emp,
                &Leaver {
                    worker_ref: String::new(),
                    person: None,
                    setting_id: format!("S{}", rng.below(k)),
                    role: Some(rng.below(c.roles.len()) as u16),
                    job_title: None,
                    contract: rng.below(c.contract.len()) as u8,
                    fte: 10 + rng.below(91) as u32,
                    leave_date: census,
                    reason: rng.below(c.reason.len()) as u8,
                    destination: rng.below(c.destination.len()) as u8,
                    gender: Some(rng.below(c.gender.len()) as u8),
                    ethnicity: (rng.below(5) != 0).then(|| rng.below(c.ethnicity.len()) as u8),
                    birth_year: Some(1950 + rng.below(55) as u16),
                },
            );
        }
        for _ in 0..(workers / 30).max(1) {
            b.vacancy(
                &emp,
                &Vacancy {
                    setting_id: format!("S{}", rng.below(k)),
                    role: Some(rng.below(c.roles.len()) as u16),
                    job_title: None,
                    vacant_posts: 1 + rng.below(3) as u32,
                    vacant_fte: 100,
                    hard_to_fill: Some(rng.below(3) == 0),
                    covered_by_agency: None,
                },
            );
        }
        setting += k;
        employer += 1;
    }
    let fed = ms(t);
    let t = Instant::now();
    let cube = b.finish();
    println!(
        "built {:?}\n  feeding records {fed:.0} ms, finish {:.0} ms",
        cube,
        ms(t)
    );

    let t = Instant::now();
    let bytes = cube.to_bytes();
    let save = ms(t);
    let t = Instant::now();
    let cube = Cube::from_bytes(&bytes).expect("snapshot reads back");
    println!(
        "snapshot {:.1} MB: to_bytes {save:.0} ms, from_bytes {:.0} ms",
        bytes.len() as f64 / 1e6,
        ms(t)
    );

    let area = format!("E{:08}", 6_000_000);
    type Spec<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>);
    let queries: Vec<Spec> = vec![
        ("posts", vec![], vec![]),
        ("posts", vec!["sector"], vec![]),
        ("headcount", vec![], vec![]),
        ("headcount", vec!["sector", "employing_sector"], vec![]),
        ("headcount", vec!["area", "role"], vec![]),
        ("headcount", vec!["setting"], vec![]),
        ("fte", vec!["employer"], vec![]),
        (
            "vacancy_rate",
            vec!["sector", "employing_sector"],
            vec![("area", &area)],
        ),
        ("turnover_rate", vec!["area"], vec![]),
        ("wastage_rate_fte", vec!["role", "gender"], vec![]),
        (
            "stability_rate",
            vec!["career_level", "setting_type"],
            vec![],
        ),
        ("median_pay", vec![], vec![]),
        ("median_pay", vec!["role", "area"], vec![]),
        ("gender_pay_gap", vec!["sector"], vec![]),
        ("qualified_share_l3", vec!["area", "sector"], vec![]),
        (
            "share_minority_ethnic",
            vec!["setting_type"],
            vec![("sector", "early_years")],
        ),
        (
            "age_55_plus_share",
            vec!["area", "role", "gender", "age_band"],
            vec![],
        ),
        (
            "posts",
            vec!["setting", "role", "gender", "ethnicity", "age_band"],
            vec![],
        ),
    ];
    println!("queries over {} posts:", cube.posts());
    for (m, by, filters) in &queries {
        let q = Query {
            measure: m.to_string(),
            by: by.iter().map(|s| s.to_string()).collect(),
            filters: filters
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        };
        // Best of three, so that a busy machine's hiccups do not count.
        let mut best = f64::MAX;
        let mut rows = 0;
        for _ in 0..3 {
            let t = Instant::now();
            rows = run_query(&[&cube], &q).expect("query runs").rows.len();
            best = best.min(ms(t));
        }
        println!(
            "  {:>7.1} ms  {m} by [{}]{} -> {} rows",
            best,
            by.join(","),
            if filters.is_empty() {
                ""
            } else {
                " (filtered)"
            },
            rows
        );
    }
    println!("every measure by area (best of three):");
    let mut line = String::new();
    for m in measure_names() {
        let q = Query {
            measure: m.clone(),
            by: vec!["area".into()],
            filters: vec![],
        };
        // Measures that need a group to compare or the census before say so.
        if let Err(AnalysisError::NeedsMore(_)) = run_query(&[&cube], &q) {
            continue;
        }
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            run_query(&[&cube], &q).expect("query runs");
            best = best.min(ms(t));
        }
        line.push_str(&format!("  {m} {best:.1}"));
        if line.len() > 90 {
            println!("{line}");
            line.clear();
        }
    }
    if !line.is_empty() {
        println!("{line}");
    }
}
