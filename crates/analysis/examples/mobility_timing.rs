//! Timing check for following people across two national censuses: builds two cubes of
//! about 3 million posts each through `CubeBuilder`, with person keys that overlap as a
//! workforce does from one year to the next (most stay, some change role, employer or
//! sector, some leave, others join), then times `mobility` and `observed_wastage_rate`.
//! Run in release:
//!
//!     cargo run --release -p observatory-analysis --example mobility_timing [-- PEOPLE]

use std::time::Instant;

use chrono::NaiveDate;
use observatory_analysis::{Cube, CubeBuilder, Query, mobility, run_query};
use observatory_domain::{CensusSink, PersonKey, Setting, Worker, codes};

#[path = "support/timing.rs"]
mod timing;
use timing::{Rng, cpu_ms, ms, random_setting, size_arg};

/// One post: who (None: no person_id), where (employer, setting within it), what.
#[derive(Clone, Copy)]
struct Post {
    key: Option<PersonKey>,
    employer: u32,
    setting: u8,
    role: u16,
    fte: u32,
}

struct Employer {
    settings: Vec<Setting>,
}

/// Streams posts employer by employer, as the store does, and finishes the cube.
fn build(date: NaiveDate, employers: &[Employer], posts: &[Post]) -> Cube {
    let mut by_employer: Vec<Vec<&Post>> = vec![Vec::new(); employers.len()];
    for p in posts {
        by_employer[p.employer as usize].push(p);
    }
    let mut b = CubeBuilder::new(date);
    for (e, (employer, posts)) in employers.iter().zip(&by_employer).enumerate() {
        let id = format!("EMP{e:06}");
        for s in &employer.settings {
            b.setting(&id, s);
        }
        for p in posts {
            b.worker(
                &id,
                &Worker {
                    worker_ref: String::new(),
                    person: p.key,
                    setting_id: format!("S{}", p.setting),
                    role: Some(p.role),
                    job_title: None,
                    contract: 0,
                    fte: p.fte,
                    start_date: date - chrono::Days::new(400),
                    gender: 0,
                    ethnicity: 0,
                    disability: 1,
                    birth_year: 1980,
                    qualification_level: 4,
                    qualification_status: 0,
                    annual_pay: Some(25_000),
                },
            );
        }
    }
    b.finish()
}

fn main() {
    let people = size_arg(2_750_000);
    let c = codes();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let n_settings = people / 45;
    let n_areas = 153;
    // Roles by sector, so that moves within and across sectors can be drawn.
    let mut roles_of: Vec<Vec<u16>> = vec![Vec::new(); c.sectors.len()];
    for (i, r) in c.role_info.iter().enumerate() {
        roles_of[r.sector].push(i as u16);
    }
    let sector_of = |role: u16| c.role_info[role as usize].sector;

    // Employers of 1 to 4 settings; each employer works in one sector.
    let mut employers = Vec::new();
    let mut employer_sector = Vec::new();
    let mut total = 0;
    while total < n_settings {
        let k = 1 + rng.below(4);
        let settings = (0..k)
            .map(|s| random_setting(&mut rng, s, n_areas))
            .collect();
        employers.push(Employer { settings });
        employer_sector.push(rng.below(c.sectors.len()));
        total += k;
    }
    let ne = employers.len();
    let mut by_sector: Vec<Vec<u32>> = vec![Vec::new(); c.sectors.len()];
    for (e, &s) in employer_sector.iter().enumerate() {
        by_sector[s].push(e as u32);
    }
    let random_post = |rng: &mut Rng, key: Option<PersonKey>, employer: u32| {
        let sector = employer_sector[employer as usize];
        let roles = &roles_of[sector];
        Post {
            key,
            employer,
            setting: rng.below(employers[employer as usize].settings.len()) as u8,
            role: roles[rng.below(roles.len())],
            fte: 20 + rng.below(81) as u32,
        }
    };

    // Census t: every person one post, one in ten a second; one in fifty no person_id.
    let mut t_posts: Vec<Post> = Vec::with_capacity(people * 11 / 10);
    for _ in 0..people {
        let key = (rng.below(50) != 0).then(|| rng.key());
        let e = rng.below(ne) as u32;
        t_posts.push(random_post(&mut rng, key, e));
        if key.is_some() && rng.below(10) == 0 {
            let e2 = rng.below(ne) as u32;
            t_posts.push(random_post(&mut rng, key, e2));
        }
    }
    // Census t+1, from each person's posts at t: 10 % leave, 6 % change employer
    // (half of them into another sector), 8 % change role, the rest stay; then 12 %
    // join. People without a person_id get fresh rows (they cannot be followed).
    let mut t1_posts: Vec<Post> = Vec::with_capacity(t_posts.len() * 11 / 10);
    for p in &t_posts {
        let roll = rng.below(100);
        let mut q = *p;
        if p.key.is_none() {
            t1_posts.push(q);
            continue;
        }
        match roll {
            0..=9 => continue,
            10..=12 => {
                let e = rng.below(ne) as u32;
                q = random_post(&mut rng, p.key, e);
            }
            13..=15 => {
                let same = &by_sector[employer_sector[p.employer as usize]];
                let e = same[rng.below(same.len())];
                q = random_post(&mut rng, p.key, e);
            }
            16..=23 => {
                let roles = &roles_of[sector_of(p.role)];
                q.role = roles[rng.below(roles.len())];
            }
            _ => {}
        }
        t1_posts.push(q);
    }
    for _ in 0..people * 12 / 100 {
        let key = Some(rng.key());
        let e = rng.below(ne) as u32;
        t1_posts.push(random_post(&mut rng, key, e));
    }

    let t0 = Instant::now();
    let from = build(
        NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
        &employers,
        &t_posts,
    );
    let to = build(
        NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
        &employers,
        &t1_posts,
    );
    println!("built two cubes in {:.0} ms:\n  {from:?}\n  {to:?}", ms(t0));

    let mut times = Vec::new();
    let mut result = None;
    let cpu = cpu_ms();
    for _ in 0..3 {
        let t = Instant::now();
        result = Some(mobility(&from, &to, &[]).expect("mobility runs"));
        times.push(ms(t));
    }
    let cpu = cpu.zip(cpu_ms()).map(|(a, b)| (b - a) / 3.0);
    times.sort_by(f64::total_cmp);
    let m = result.expect("ran");
    println!(
        "mobility, whole country: median of 3 runs {:.0} ms wall (runs {:?}), {} ms CPU a run",
        times[1],
        times.iter().map(|t| t.round()).collect::<Vec<_>>(),
        cpu.map_or("?".into(), |c| format!("{c:.0}"))
    );
    for row in &m.categories.rows {
        println!("  {:<17} {:>9}", row.keys[0], row.value.unwrap_or(0.0));
    }
    println!(
        "  matrix cells {}, not followed (no person_id) {:?} / {:?}, left from employers without a return {:?}",
        m.matrix.rows.len(),
        m.unlinked_from,
        m.unlinked_to,
        m.left_without_return
    );

    let area = format!("E{:08}", 6_000_000);
    let t = Instant::now();
    let one = mobility(&from, &to, &[("area".into(), area.clone())]).expect("mobility runs");
    println!(
        "mobility, one area ({area}): {:.0} ms, {} people",
        ms(t),
        one.categories
            .rows
            .iter()
            .filter_map(|r| r.value)
            .sum::<f64>()
    );
    for by in [
        vec![],
        vec!["sector".to_string()],
        vec!["area".into(), "role".into()],
    ] {
        let q = Query {
            measure: "observed_wastage_rate".into(),
            by: by.clone(),
            filters: vec![],
        };
        let (t, cpu) = (Instant::now(), cpu_ms());
        let r = run_query(&[&from, &to], &q).expect("query runs");
        let cpu = cpu.zip(cpu_ms()).map(|(a, b)| b - a);
        println!(
            "observed_wastage_rate by [{}]: {:.0} ms wall, {} ms CPU, {} rows{}",
            by.join(","),
            ms(t),
            cpu.map_or("?".into(), |c| format!("{c:.0}")),
            r.rows.len(),
            if by.is_empty() {
                format!(" (rate {:.4})", r.rows[0].value.unwrap_or(f64::NAN))
            } else {
                String::new()
            }
        );
    }
}
