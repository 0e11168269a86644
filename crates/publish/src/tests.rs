//! A small generated census published end to end: margins present, suppressed figures
//! carry no number in any file, and the workbook reads back.

use crate::*;
use chrono::NaiveDate;
use observatory_analysis::{Cube, CubeBuilder};
use observatory_domain::{CensusSink, Leaver, Setting, Vacancy, Worker, codes};

/// Three areas of different sizes, so that some cells are small and some are not.
fn cube() -> Cube {
    let c = codes();
    let date = NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
    let mut b = CubeBuilder::new(date);
    let roles = ["nursery_nurse", "teacher", "social_worker", "youth_worker"];
    let mut person = 0u32;
    for (a, (area, size)) in [("E06000001", 60), ("E06000002", 25), ("E06000003", 3)]
        .iter()
        .enumerate()
    {
        let employer = format!("EMP{a}");
        let setting_id = format!("S{a}");
        b.setting(
            &employer,
            &Setting {
                setting_id: setting_id.clone(),
                name: "A setting".into(),
                setting_type: 0,
                area_code: area.to_string(),
                employing_sector: 0,
                provision: 0,
                multi_agency: None,
                places: None,
            },
        );
        for i in 0..*size {
            person += 1;
            let role = roles
                .iter()
                .filter_map(|r| c.roles.find(r))
                .nth(i % 3)
                .map(|r| r as u16);
            b.worker(
                &employer,
                &Worker {
                    worker_ref: format!("W{person}"),
                    person: Some([
                        (person % 251) as u8,
                        (person / 251) as u8,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        1,
                    ]),
                    setting_id: setting_id.clone(),
                    role,
                    job_title: None,
                    contract: 0,
                    fte: 100 - (i as u32 % 3) * 25,
                    start_date: NaiveDate::from_ymd_opt(2015 + (i as i32 % 10), 3, 1).unwrap(),
                    gender: (i % 2) as u8,
                    ethnicity: (i % 5) as u8,
                    disability: 0,
                    birth_year: 1960 + (i as u16 * 7 % 45),
                    qualification_level: (i % 6) as u8,
                    qualification_status: 0,
                    annual_pay: Some(18_000 + 500 * i as u32),
                },
            );
        }
        for l in 0..size / 5 {
            b.leaver(
                &employer,
                &Leaver {
                    worker_ref: format!("L{a}-{l}"),
                    person: None,
                    setting_id: setting_id.clone(),
                    role: c.roles.find("nursery_nurse").map(|r| r as u16),
                    job_title: None,
                    contract: 0,
                    fte: 100,
                    leave_date: NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
                    reason: (l % 3) as u8,
                    destination: (l % 4) as u8,
                    gender: Some(0),
                    ethnicity: None,
                    birth_year: Some(1980),
                },
            );
        }
        b.vacancy(
            &employer,
            &Vacancy {
                setting_id,
                role: c.roles.find("teacher").map(|r| r as u16),
                job_title: None,
                vacant_posts: 2,
                vacant_fte: 200,
                hard_to_fill: Some(true),
                covered_by_agency: None,
            },
        );
    }
    b.finish()
}

#[test]
fn every_table_has_its_margins_and_the_small_area_is_hidden() {
    let p = assemble(&cube(), Control::default()).unwrap();
    assert_eq!(p.tables.len(), plan().len());
    for t in &p.tables {
        let grand = t
            .result
            .rows
            .iter()
            .filter(|r| r.keys.iter().all(|k| k == "total"))
            .count();
        assert_eq!(grand, 1, "{} has one grand total", t.title);
    }
    let posts_by_area = p
        .tables
        .iter()
        .find(|t| t.result.measure == "posts" && t.result.by == ["area"])
        .unwrap();
    let small = posts_by_area
        .result
        .rows
        .iter()
        .find(|r| r.keys == ["E06000003"])
        .unwrap();
    assert!(small.suppressed, "an area of 3 people is not shown");
    let total = posts_by_area
        .result
        .rows
        .iter()
        .find(|r| r.keys == ["total"])
        .unwrap();
    assert_eq!(total.value, Some(88.0));
    assert!(p.disclosure.primary > 0);
    assert!(p.disclosure.unresolved.is_empty());
    // The auditor agrees: no suppressed figure can be narrowed below its interval.
    let results: Vec<_> = p.tables.iter().map(|t| t.result.clone()).collect();
    let findings = observatory_analysis::audit::audit_tables(&results, &[], 5);
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn files_carry_no_hidden_number_and_the_workbook_reads_back() {
    use calamine::{Reader, Xlsx, open_workbook};
    let p = assemble(&cube(), Control::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(&p, dir.path()).unwrap();
    assert_eq!(files.len(), p.tables.len() + 3);
    let csv = std::fs::read_to_string(dir.path().join("csv").join(
        format!("{}.csv", p.tables.iter().find(|t| t.result.by == ["area"]).unwrap().stem()),
    ))
    .unwrap();
    let hidden = csv.lines().find(|l| l.starts_with("E06000003")).unwrap();
    assert_eq!(hidden, "E06000003,Redcar and Cleveland,c,c,c,true");
    let mut wb: Xlsx<_> = open_workbook(dir.path().join("census-2025-11-01.xlsx")).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names.len(), p.tables.len() + 2);
    assert_eq!(names[0], "Contents");
    let sheet = wb.worksheet_range(&p.tables[0].id).unwrap();
    assert!(sheet.rows().count() > 4);
    let html = std::fs::read_to_string(dir.path().join("census-2025-11-01.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("role=\"img\""));
    // The small area's three people appear nowhere as a figure beside its code.
    for t in &p.tables {
        for r in t.result.rows.iter().filter(|r| r.suppressed) {
            assert!(r.value.is_none() && r.numerator.is_none() && r.denominator.is_none());
        }
    }
}

/// A generated census (two areas, one census date) read as the importer reads it.
fn generated_cube() -> Cube {
    use observatory_census::{Limits, PersonHasher, ReadOptions, ReturnMeta, read_return};
    let dir = tempfile::tempdir().unwrap();
    let mut opts = observatory_synth::GenerateOptions::demo();
    opts.areas = observatory_synth::national_area_codes(2);
    opts.census_dates.drain(..opts.census_dates.len() - 1);
    opts.posts_per_area = 1_500;
    opts.xlsx_share = 0.0;
    opts.messy_titles = false;
    let summary = observatory_synth::generate(&opts, dir.path(), &|_| {}).unwrap();
    let date = opts.census_dates[0];
    let hasher = PersonHasher::new(&[7; 32]);
    let titles = Default::default();
    let read = ReadOptions {
        limits: Limits::default(),
        mapping: None,
        hasher: &hasher,
        confirmed_titles: &titles,
    };
    let mut b = CubeBuilder::new(date);
    let mut manifest = csv::Reader::from_path(&summary.manifest).unwrap();
    for rec in manifest.records() {
        let rec = rec.unwrap();
        let meta = ReturnMeta {
            employer_id: rec[0].to_string(),
            employer_name: None,
            census_date: date,
        };
        let data = read_return(&dir.path().join(&rec[3]), &meta, &read)
            .data
            .expect("a generated return is valid");
        for s in &data.settings {
            b.setting(&meta.employer_id, s);
        }
        for w in &data.workers {
            b.worker(&meta.employer_id, w);
        }
        for l in &data.leavers {
            b.leaver(&meta.employer_id, l);
        }
        for v in &data.vacancies {
            b.vacancy(&meta.employer_id, v);
        }
    }
    b.finish()
}

/// The count tables whose cells a rate's numerator (`true`) or denominator prints.
const PRINTED_BY_RATES: [(&str, &str, bool); 10] = [
    ("leavers", "turnover_rate", true),
    ("posts", "turnover_rate", false),
    ("posts", "wastage_rate", false),
    ("posts", "non_retirement_wastage_rate", false),
    ("posts", "stability_rate", false),
    ("vacancies", "vacancy_rate", true),
    ("fte", "agency_share", false),
    ("headcount", "qualified_share_l3", false),
    ("headcount", "working_towards_share_l3", false),
    ("headcount", "age_55_plus_share", false),
];

#[test]
fn a_generated_publication_prints_no_small_numerator_and_no_hidden_count() {
    let cube = generated_cube();
    let started = std::time::Instant::now();
    let p = assemble(&cube, Control::default()).unwrap();
    let took = started.elapsed();
    let d = &p.disclosure;
    eprintln!(
        "generated census of {} posts: {} tables, primary {}, secondary {}, {} audit rounds, {} LPs, protected in {:.2} s",
        cube.posts(),
        p.tables.len(),
        d.primary,
        d.secondary,
        d.rounds,
        d.lp_solves,
        took.as_secs_f64()
    );
    assert!(d.unresolved.is_empty(), "{:?}", d.unresolved);
    let threshold = p.control.threshold;
    let small = |n: u64| n > 0 && n < threshold;
    for t in p.tables.iter().filter(|t| t.is_rate()) {
        for r in t.result.rows.iter().filter(|r| !r.suppressed) {
            let rec = r.records.expect("a computed row has its records");
            assert!(
                !small(rec.num.n) && !small(rec.den.n),
                "{} {:?} prints {:?} of {:?} ({} of {} people or posts)",
                t.id,
                r.keys,
                r.numerator,
                r.denominator,
                rec.num.n,
                rec.den.n
            );
        }
    }
    let table = |m: &'static str| {
        p.tables
            .iter()
            .filter(move |t| t.result.measure == m)
            .map(|t| &t.result)
    };
    for (count, rate, _) in PRINTED_BY_RATES {
        for (c, r) in table(count).zip(table(rate)) {
            assert_eq!(c.by, r.by);
            for hidden in c.rows.iter().filter(|row| row.suppressed) {
                let shown = r.rows.iter().find(|row| row.keys == hidden.keys);
                assert!(
                    shown.is_none_or(|row| row.suppressed),
                    "{count} {:?} is hidden but {rate} prints it",
                    hidden.keys
                );
            }
        }
    }
    let results: Vec<_> = p.tables.iter().map(|t| t.result.clone()).collect();
    let findings = observatory_analysis::audit::audit_tables(&results, &[], threshold);
    assert!(findings.is_empty(), "{}: {findings:?}", findings.len());
}
