//! Tests of the generated census, read back from the files as an importer would see them:
//! determinism, the manifest, valid codes everywhere, plausible mixes, and people and
//! leavers that agree across years.

use crate::{GenerateOptions, Knobs, NON_RESPONSE, expected_posts, generate, generate_with};
use chrono::NaiveDate;
use observatory_domain::codes;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

type Row = HashMap<String, String>;

/// One return as read back.
#[derive(Debug, Default)]
struct Ret {
    employer: String,
    date: NaiveDate,
    settings: Vec<Row>,
    workers: Vec<Row>,
    leavers: Vec<Row>,
    vacancies: Vec<Row>,
    xlsx: bool,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn small(seed: u64, areas: usize, posts: usize) -> GenerateOptions {
    GenerateOptions {
        seed,
        areas: crate::national_area_codes(areas),
        census_dates: vec![d(2023, 11, 1), d(2024, 11, 1), d(2025, 11, 1)],
        posts_per_area: posts,
        xlsx_share: 0.2,
        messy_titles: true,
    }
}

fn read_csv(path: &Path) -> Vec<Row> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn cell(c: &calamine::Data) -> String {
    match c {
        calamine::Data::Empty => String::new(),
        calamine::Data::String(s) => s.clone(),
        calamine::Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        calamine::Data::Float(f) => format!("{f}"),
        calamine::Data::Int(i) => i.to_string(),
        other => panic!("unexpected cell {other:?}"),
    }
}

fn read_sheet(
    wb: &mut calamine::Sheets<std::io::BufReader<std::fs::File>>,
    name: &str,
) -> Vec<Row> {
    use calamine::Reader;
    let range = wb.worksheet_range(name).unwrap();
    let mut rows = range.rows();
    let headers: Vec<String> = rows.next().unwrap().iter().map(cell).collect();
    rows.map(|r| {
        headers
            .iter()
            .cloned()
            .zip(r.iter().map(cell).chain(std::iter::repeat(String::new())))
            .collect()
    })
    .collect()
}

/// Every return listed in the manifest, in manifest order.
fn load(root: &Path) -> Vec<Ret> {
    let manifest = read_csv(&root.join("manifest.csv"));
    manifest
        .iter()
        .map(|m| {
            let path = root.join(&m["path"]);
            let date = NaiveDate::parse_from_str(&m["census_date"], "%Y-%m-%d").unwrap();
            let mut r = Ret {
                employer: m["employer"].clone(),
                date,
                ..Ret::default()
            };
            if m["path"].ends_with(".xlsx") {
                let mut wb = calamine::open_workbook_auto(&path).unwrap();
                r.settings = read_sheet(&mut wb, "settings");
                r.workers = read_sheet(&mut wb, "workers");
                r.leavers = read_sheet(&mut wb, "leavers");
                r.vacancies = read_sheet(&mut wb, "vacancies");
                let meta = read_sheet(&mut wb, "return");
                assert_eq!(meta[0]["value"], m["employer"]);
                assert_eq!(meta[2]["value"], m["census_date"]);
                r.xlsx = true;
            } else {
                r.settings = read_csv(&path.join("settings.csv"));
                r.workers = read_csv(&path.join("workers.csv"));
                r.leavers = read_csv(&path.join("leavers.csv"));
                r.vacancies = read_csv(&path.join("vacancies.csv"));
            }
            r
        })
        .collect()
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    opts: GenerateOptions,
    summary: crate::Summary,
    returns: Vec<Ret>,
}

fn make(opts: GenerateOptions, knobs: Knobs) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let summary = generate_with(&opts, &root, &|_| {}, knobs).unwrap();
    let returns = load(&root);
    Fixture {
        _dir: dir,
        root,
        opts,
        summary,
        returns,
    }
}

/// Two small areas with workbooks, own job titles and non-response, as the demo has.
fn mixed() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        make(
            small(11, 2, 1500),
            Knobs {
                non_response: NON_RESPONSE,
            },
        )
    })
}

/// Three areas of CSV with standard roles and everyone returning, for checking people
/// and leavers across years exactly.
fn clean() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut o = small(23, 3, 3000);
        o.xlsx_share = 0.0;
        o.messy_titles = false;
        make(o, Knobs { non_response: 0.0 })
    })
}

fn role_of(r: &Row) -> Option<usize> {
    let c = codes();
    match r.get("role").map(String::as_str) {
        Some(code) if !code.is_empty() => Some(c.roles.find(code).expect("valid role")),
        _ => c.role_for_title(&r["job_title"]),
    }
}

fn sector_of(r: &Row) -> Option<&'static str> {
    let c = codes();
    role_of(r).map(|i| c.sectors.code(c.role_info[i].sector))
}

fn files_under(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn the_same_seed_gives_byte_identical_files() {
    let mut o = small(5, 2, 700);
    o.xlsx_share = 0.3;
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let sa = generate(&o, a.path(), &|_| {}).unwrap();
    let sb = generate(&o, b.path(), &|_| {}).unwrap();
    assert_eq!(sa.returns, sb.returns);
    assert_eq!(sa.posts_by_date, sb.posts_by_date);
    let fa = files_under(a.path());
    let fb = files_under(b.path());
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    assert!(
        fa.keys()
            .any(|k| k.extension().is_some_and(|e| e == "xlsx"))
    );
    for (k, v) in &fa {
        assert!(v == &fb[k], "{} differs between runs", k.display());
    }
    // Another seed gives another census.
    o.seed = 6;
    let c = tempfile::tempdir().unwrap();
    generate(&o, c.path(), &|_| {}).unwrap();
    let fc = files_under(c.path());
    assert_ne!(
        fa.get(Path::new("manifest.csv")),
        fc.get(Path::new("manifest.csv"))
    );
}

#[test]
fn the_manifest_lists_every_return_and_nothing_else() {
    let f = mixed();
    let manifest = read_csv(&f.root.join("manifest.csv"));
    let header = std::fs::read_to_string(f.root.join("manifest.csv")).unwrap();
    assert!(header.starts_with("employer,employer_name,census_date,path\n"));
    assert_eq!(manifest.len(), f.summary.returns);
    let keys: Vec<(String, String)> = manifest
        .iter()
        .map(|m| (m["census_date"].clone(), m["employer"].clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "sorted by census date then employer");
    let listed: HashSet<String> = manifest.iter().map(|m| m["path"].clone()).collect();
    assert_eq!(listed.len(), manifest.len());
    for m in &manifest {
        let p = f.root.join(&m["path"]);
        assert!(p.exists(), "{}", p.display());
        assert!(m["path"].starts_with(&m["census_date"]));
        assert!(!m["employer_name"].is_empty());
        if !m["path"].ends_with(".xlsx") {
            for name in ["settings", "workers", "leavers", "vacancies"] {
                assert!(p.join(format!("{name}.csv")).is_file());
            }
        }
    }
    // Nothing on disk that the manifest does not list.
    for date in &f.opts.census_dates {
        let dir = f.root.join(date.format("%Y-%m-%d").to_string());
        for e in std::fs::read_dir(&dir).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            let rel = format!("{}/{name}", date.format("%Y-%m-%d"));
            assert!(listed.contains(&rel), "{rel} not in manifest");
        }
    }
    let employers: HashSet<&str> = manifest.iter().map(|m| m["employer"].as_str()).collect();
    assert_eq!(employers.len(), f.summary.employers);
    // Employer ids are <area>-<kind>-<n> and stable: most appear every year.
    for e in &employers {
        let parts: Vec<&str> = e.split('-').collect();
        assert_eq!(parts.len(), 3, "{e}");
        assert!(f.opts.areas.iter().any(|a| a == parts[0]));
    }
    let first: HashSet<&str> = manifest
        .iter()
        .filter(|m| m["census_date"] == "2023-11-01")
        .map(|m| m["employer"].as_str())
        .collect();
    let last: HashSet<&str> = manifest
        .iter()
        .filter(|m| m["census_date"] == "2025-11-01")
        .map(|m| m["employer"].as_str())
        .collect();
    assert!(first.intersection(&last).count() as f64 > 0.85 * first.len() as f64);
    assert!(f.returns.iter().any(|r| r.xlsx));
}

fn is_nino(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 9
        && b[..2]
            .iter()
            .all(|c| c.is_ascii_uppercase() && !b"DFIQUV".contains(c))
        && b[1] != b'O'
        && b[2..8].iter().all(u8::is_ascii_digit)
        && b"ABCD".contains(&b[8])
}

fn has_code(list: &observatory_domain::CodeList, v: &str) -> bool {
    list.find(v).is_some_and(|i| list.code(i) == v)
}

fn check_role(r: &Row, where_: &str) {
    let c = codes();
    let role = r["role"].as_str();
    let title = r["job_title"].as_str();
    if role.is_empty() {
        assert!(
            !title.trim().is_empty(),
            "{where_}: neither role nor job_title"
        );
    } else {
        assert!(has_code(&c.roles, role), "{where_}: role {role}");
        assert!(title.is_empty());
    }
}

fn fte_ok(s: &str) -> bool {
    let ok_form = s.split_once('.').is_none_or(|(_, frac)| frac.len() <= 2);
    let v: f64 = s.parse().unwrap();
    ok_form && v > 0.0 && v <= 1.0
}

#[test]
fn every_row_uses_valid_codes_and_sensible_values() {
    let c = codes();
    for f in [mixed(), clean()] {
        let mut person_facts: HashMap<String, (String, String)> = HashMap::new();
        for r in &f.returns {
            let w = format!("{} {}", r.employer, r.date);
            let area = r.employer.split('-').next().unwrap();
            let mut setting_ids = HashSet::new();
            assert!(!r.settings.is_empty(), "{w}: no settings");
            for s in &r.settings {
                assert!(
                    setting_ids.insert(s["setting_id"].clone()),
                    "{w}: duplicate setting"
                );
                assert!(!s["setting_name"].is_empty());
                assert!(has_code(&c.setting_types, &s["setting_type"]), "{w}");
                assert_eq!(s["area_code"], area);
                assert!(has_code(&c.employing_sector, &s["employing_sector"]), "{w}");
                assert!(has_code(&c.provision, &s["provision"]), "{w}");
                let m = &s["multi_agency"];
                assert!(m.is_empty() || has_code(&c.yes_no, m), "{w}: {m}");
                let p = &s["places"];
                assert!(p.is_empty() || p.parse::<u32>().unwrap() > 0);
            }
            assert!(!r.workers.is_empty(), "{w}: no workers");
            let mut keys = HashSet::new();
            for x in &r.workers {
                assert!(setting_ids.contains(&x["setting_id"]), "{w}");
                assert!(
                    keys.insert((
                        x["worker_ref"].clone(),
                        x["setting_id"].clone(),
                        x["role"].clone(),
                        x["job_title"].clone()
                    )),
                    "{w}: duplicate worker"
                );
                check_role(x, &w);
                assert!(has_code(&c.contract, &x["contract"]), "{w}");
                assert!(fte_ok(&x["fte"]), "{w}: fte {}", x["fte"]);
                let start = NaiveDate::parse_from_str(&x["start_date"], "%Y-%m-%d").unwrap();
                assert!(start <= r.date, "{w}: start {start}");
                assert!(has_code(&c.gender, &x["gender"]));
                assert!(has_code(&c.ethnicity, &x["ethnicity"]));
                assert!(has_code(&c.disability, &x["disability"]));
                let by: i32 = x["birth_year"].parse().unwrap();
                let age = observatory_domain::rules::age(r.date, by as u16);
                assert!((16..=75).contains(&age), "{w}: age {age}");
                let born_15 = NaiveDate::from_ymd_opt(by + 15, 1, 1).unwrap();
                assert!(start >= born_15, "{w}: started too young");
                assert!(has_code(&c.qualification_level, &x["qualification_level"]));
                assert!(has_code(
                    &c.qualification_status,
                    &x["qualification_status"]
                ));
                let pay = &x["annual_pay"];
                if x["contract"] == "volunteer" {
                    assert!(pay.is_empty());
                } else if !pay.is_empty() {
                    let p: u32 = pay.parse().unwrap();
                    assert!((10_000..300_000).contains(&p), "{w}: pay {p}");
                }
                let pid = &x["person_id"];
                if !pid.is_empty() {
                    assert!(is_nino(pid), "{w}: person_id {pid}");
                    let facts = (x["birth_year"].clone(), x["gender"].clone());
                    let old = person_facts
                        .entry(pid.clone())
                        .or_insert_with(|| facts.clone());
                    assert_eq!(old, &facts, "{pid} changed birth year or gender");
                }
            }
            let from = observatory_domain::rules::year_before(r.date);
            for l in &r.leavers {
                assert!(setting_ids.contains(&l["setting_id"]), "{w}");
                check_role(l, &w);
                assert!(has_code(&c.contract, &l["contract"]));
                assert!(fte_ok(&l["fte"]));
                let ld = NaiveDate::parse_from_str(&l["leave_date"], "%Y-%m-%d").unwrap();
                assert!(ld > from && ld <= r.date, "{w}: leave date {ld}");
                assert!(has_code(&c.reason, &l["reason"]));
                assert!(has_code(&c.destination, &l["destination"]));
                for (k, list) in [("gender", &c.gender), ("ethnicity", &c.ethnicity)] {
                    assert!(l[k].is_empty() || has_code(list, &l[k]));
                }
                let pid = &l["person_id"];
                assert!(pid.is_empty() || is_nino(pid));
            }
            for v in &r.vacancies {
                assert!(setting_ids.contains(&v["setting_id"]), "{w}");
                check_role(v, &w);
                assert!(v["vacant_posts"].parse::<u32>().unwrap() >= 1);
                assert!(v["vacant_fte"].parse::<f64>().unwrap() > 0.0);
                for k in ["hard_to_fill", "covered_by_agency"] {
                    assert!(v[k].is_empty() || has_code(&c.yes_no, &v[k]));
                }
            }
        }
    }
}

fn share(num: usize, den: usize) -> f64 {
    num as f64 / den.max(1) as f64
}

#[test]
fn mixes_are_plausible() {
    let f = clean();
    let c = codes();
    let last = *f.opts.census_dates.last().unwrap();
    let mut by_sector: HashMap<&str, (usize, usize, usize)> = HashMap::new(); // posts, male, female
    let mut total = 0;
    let (mut minority, mut not_known, mut towards) = (0, 0, 0);
    let (mut sw, mut sw_agency, mut sw_vacant) = (0, 0, 0);
    let mut blank_id = 0;
    let mut ey_quals: HashMap<&str, [usize; 4]> = HashMap::new();
    let mut volunteers = 0;
    for r in f.returns.iter().filter(|r| r.date == last) {
        let stype: HashMap<&str, &str> = r
            .settings
            .iter()
            .map(|s| (s["setting_id"].as_str(), s["setting_type"].as_str()))
            .collect();
        for x in &r.workers {
            total += 1;
            let sector = sector_of(x).unwrap();
            let e = by_sector.entry(sector).or_default();
            e.0 += 1;
            e.1 += usize::from(x["gender"] == "male");
            e.2 += usize::from(x["gender"] == "female");
            let g = c
                .ethnic_groups
                .code(c.ethnic_group_of[c.ethnicity.must(&x["ethnicity"])]);
            minority += usize::from(g != "White" && g != "not_known");
            not_known += usize::from(g == "not_known");
            towards += usize::from(x["qualification_status"] == "working_towards");
            blank_id += usize::from(x["person_id"].is_empty());
            volunteers += usize::from(x["contract"] == "volunteer");
            if x["role"] == "social_worker" {
                sw += 1;
                sw_agency += usize::from(x["contract"] == "agency");
            }
            if sector == "early_years" && x["qualification_status"] == "achieved" {
                let band = match x["qualification_level"].as_str() {
                    "none" | "entry" | "1" => 0,
                    "2" => 1,
                    "3" => 2,
                    _ => 3,
                };
                let t = stype[x["setting_id"].as_str()];
                let t = if t.starts_with("school") { "school" } else { t };
                ey_quals.entry(t).or_default()[band] += 1;
            }
        }
        for v in &r.vacancies {
            if v["role"] == "social_worker" {
                sw_vacant += v["vacant_posts"].parse::<usize>().unwrap();
            }
        }
    }
    let expect = f.opts.posts_per_area * f.opts.areas.len();
    assert!(
        (total as f64 - expect as f64).abs() < 0.1 * expect as f64,
        "{total} posts"
    );
    let s = |k: &str| share(by_sector.get(k).map_or(0, |e| e.0), total);
    let ranges = [
        ("education", 0.30, 0.50),
        ("early_years", 0.12, 0.26),
        ("sport_culture", 0.09, 0.22),
        ("youth", 0.04, 0.13),
        ("social_care", 0.04, 0.11),
        ("health", 0.03, 0.09),
        ("justice", 0.001, 0.02),
        ("leadership", 0.001, 0.02),
    ];
    for (k, lo, hi) in ranges {
        assert!((lo..=hi).contains(&s(k)), "{k} share {}", s(k));
    }
    assert!(s("education") > s("early_years") && s("early_years") > s("youth"));
    let female = |k: &str| {
        let e = by_sector[k];
        share(e.2, e.0)
    };
    let male = |k: &str| {
        let e = by_sector[k];
        share(e.1, e.0)
    };
    assert!(
        male("early_years") < 0.05,
        "early years men {}",
        male("early_years")
    );
    assert!(
        (0.70..0.86).contains(&female("education")),
        "{}",
        female("education")
    );
    assert!(
        (0.70..0.90).contains(&female("social_care")),
        "{}",
        female("social_care")
    );
    assert!(male("justice") > male("education"));
    assert!(
        (0.05..0.45).contains(&share(minority, total)),
        "minority {}",
        share(minority, total)
    );
    assert!((0.015..0.06).contains(&share(not_known, total)));
    assert!(
        (0.04..0.12).contains(&share(towards, total)),
        "{}",
        share(towards, total)
    );
    assert!((0.015..0.05).contains(&share(blank_id, total)));
    assert!((0.03..0.15).contains(&share(volunteers, total)));
    assert!(
        (0.06..0.22).contains(&share(sw_agency, sw)),
        "agency {}",
        share(sw_agency, sw)
    );
    let sw_rate = share(sw_vacant, sw + sw_vacant);
    assert!(
        (0.06..0.20).contains(&sw_rate),
        "social worker vacancy rate {sw_rate}"
    );
    let q = |t: &str, band: usize| {
        let v = ey_quals[t];
        share(v[band], v.iter().sum())
    };
    assert!(
        (0.60..0.92).contains(&q("childminder_home", 0)),
        "{}",
        q("childminder_home", 0)
    );
    assert!(
        (0.40..0.65).contains(&q("full_daycare", 2)),
        "{}",
        q("full_daycare", 2)
    );
    assert!((0.12..0.30).contains(&q("full_daycare", 0)));
    assert!(q("school", 3) > q("full_daycare", 3));
    // Turnover: leavers against posts a year earlier.
    let prev = f.opts.census_dates[f.opts.census_dates.len() - 2];
    let before: usize = f
        .returns
        .iter()
        .filter(|r| r.date == prev)
        .map(|r| r.workers.len())
        .sum();
    let left: usize = f
        .returns
        .iter()
        .filter(|r| r.date == last)
        .map(|r| r.leavers.len())
        .sum();
    assert!(
        (0.10..0.25).contains(&share(left, before)),
        "turnover {}",
        share(left, before)
    );
    let e = expected_posts(&f.opts) as f64;
    let written: usize = f.summary.posts_by_date.iter().map(|p| p.1).sum();
    assert!((written as f64 - e).abs() < 0.1 * e);
}

#[test]
fn people_persist_and_leavers_agree_with_where_they_went() {
    let f = clean();
    let c = codes();
    let dates = &f.opts.census_dates;
    // person -> [(employer, sector)] per date
    let mut at: Vec<HashMap<&str, Vec<(&str, &str)>>> = vec![HashMap::new(); dates.len()];
    let mut present: Vec<HashSet<&str>> = vec![HashSet::new(); dates.len()];
    let mut by_key: HashMap<(NaiveDate, &str), &Ret> = HashMap::new();
    for r in &f.returns {
        let t = dates.iter().position(|d| *d == r.date).unwrap();
        present[t].insert(&r.employer);
        by_key.insert((r.date, &r.employer), r);
        for x in &r.workers {
            if !x["person_id"].is_empty() {
                at[t]
                    .entry(x["person_id"].as_str())
                    .or_default()
                    .push((&r.employer, sector_of(x).unwrap()));
            }
        }
    }
    let (mut stayed, mut before) = (0, 0);
    let (mut moved, mut ey_to_education) = (0, 0);
    let (mut nowhere_but_moved, mut checked) = (0, 0);
    let (mut joiners, mut joiners_recent) = (0, 0);
    for t in 1..dates.len() {
        before += at[t - 1].len();
        stayed += at[t - 1].keys().filter(|p| at[t].contains_key(*p)).count();
        for r in f.returns.iter().filter(|r| r.date == dates[t]) {
            // Every post that ended since last year is a leaver of this return.
            if let Some(prev) = by_key.get(&(dates[t - 1], r.employer.as_str())) {
                let now: HashSet<&str> =
                    r.workers.iter().map(|x| x["worker_ref"].as_str()).collect();
                let left: HashSet<&str> =
                    r.leavers.iter().map(|x| x["worker_ref"].as_str()).collect();
                for x in &prev.workers {
                    let w = x["worker_ref"].as_str();
                    assert!(
                        now.contains(w) || left.contains(w),
                        "{} {}: {w} vanished without a leaver row",
                        r.employer,
                        r.date
                    );
                }
                let before_refs: HashSet<&str> = prev
                    .workers
                    .iter()
                    .map(|x| x["worker_ref"].as_str())
                    .collect();
                for x in &r.workers {
                    if !before_refs.contains(x["worker_ref"].as_str()) {
                        joiners += 1;
                        let start =
                            NaiveDate::parse_from_str(&x["start_date"], "%Y-%m-%d").unwrap();
                        joiners_recent += usize::from(start > dates[t - 1]);
                    }
                }
            }
            for l in &r.leavers {
                let pid = l["person_id"].as_str();
                if pid.is_empty() {
                    continue;
                }
                checked += 1;
                let sector = sector_of(l).unwrap();
                let elsewhere: Vec<&(&str, &str)> = at[t]
                    .get(pid)
                    .map(|v| v.iter().filter(|(e, _)| *e != r.employer).collect())
                    .unwrap_or_default();
                let dest = l["destination"].as_str();
                if elsewhere.is_empty() {
                    if dest == "same_sector" || dest == "other_childrens_sector" {
                        // Only where the new employer left the person's id blank.
                        nowhere_but_moved += 1;
                    } else {
                        assert!(dest == "outside_childrens_workforce" || dest == "not_known");
                    }
                } else {
                    let same = elsewhere.iter().any(|(_, s)| *s == sector);
                    let want = if same {
                        "same_sector"
                    } else {
                        "other_childrens_sector"
                    };
                    assert_eq!(dest, want, "{pid} left {} ({sector})", r.employer);
                    moved += 1;
                    if sector == "early_years" && elsewhere.iter().any(|(_, s)| *s == "education") {
                        ey_to_education += 1;
                    }
                }
                if l["reason"] == "retirement" {
                    let by: i32 = l["birth_year"].parse().unwrap_or(1960);
                    assert!(observatory_domain::rules::age(r.date, by as u16) >= 55);
                }
                assert!(c.reason.find(&l["reason"]).is_some());
            }
        }
    }
    assert!(
        share(stayed, before) > 0.7,
        "only {} stayed",
        share(stayed, before)
    );
    assert!(
        share(nowhere_but_moved, checked) < 0.03,
        "{nowhere_but_moved} of {checked}"
    );
    assert!(share(moved, checked) > 0.15, "{moved} of {checked} moved");
    assert!(
        ey_to_education > 0,
        "no early years practitioner became a teaching assistant"
    );
    assert_eq!(joiners, joiners_recent, "joiners start within the year");
    // With everyone returning, only childminders who stopped are missing a year later.
    for t in 1..dates.len() {
        for e in &present[t - 1] {
            assert!(
                present[t].contains(e) || e.contains("-childminder-"),
                "{e} missing"
            );
        }
    }
}

#[test]
fn own_job_titles_need_mapping_and_some_employers_miss_a_year() {
    let f = mixed();
    let c = codes();
    let mut with_titles = HashSet::new();
    let (mut mapped, mut unmapped) = (0, 0);
    for r in &f.returns {
        for x in r.workers.iter().chain(&r.leavers) {
            if x["role"].is_empty() {
                with_titles.insert(r.employer.as_str());
                match c.role_for_title(&x["job_title"]) {
                    Some(_) => mapped += 1,
                    None => unmapped += 1,
                }
            }
        }
    }
    let employers: HashSet<&str> = f.returns.iter().map(|r| r.employer.as_str()).collect();
    let s = share(with_titles.len(), employers.len());
    assert!((0.05..0.30).contains(&s), "{s} of employers give titles");
    assert!(
        mapped > unmapped && unmapped > 0,
        "{mapped} mapped, {unmapped} not"
    );
    // Non-response: some employers that returned one year skip the next and come back.
    let dates = &f.opts.census_dates;
    let years: Vec<HashSet<&str>> = dates
        .iter()
        .map(|d| {
            f.returns
                .iter()
                .filter(|r| r.date == *d)
                .map(|r| r.employer.as_str())
                .collect()
        })
        .collect();
    let mut skipped = 0;
    let mut eligible = 0;
    for t in 1..dates.len() {
        eligible += years[t - 1].len();
        skipped += years[t - 1]
            .iter()
            .filter(|e| !years[t].contains(*e) && !e.contains("-childminder-"))
            .count();
    }
    assert!(skipped > 0, "nobody missed a return");
    assert!(share(skipped, eligible) < 0.08);
}

#[test]
fn options_describe_the_demo_and_the_national_run() {
    let demo = GenerateOptions::demo();
    assert_eq!(demo.areas, vec!["E06000056".to_string()]);
    assert_eq!(demo.census_dates.len(), 3);
    assert_eq!(expected_posts(&demo), 18_000);
    let national = GenerateOptions::national();
    assert_eq!(national.areas.len(), 150);
    assert_eq!(national.xlsx_share, 0.0);
    assert_eq!(expected_posts(&national), 9_000_000);
    let bad = GenerateOptions {
        census_dates: vec![d(2025, 11, 1), d(2024, 11, 1)],
        ..demo
    };
    let dir = tempfile::tempdir().unwrap();
    assert!(generate(&bad, dir.path(), &|_| {}).is_err());
}

#[test]
fn progress_adds_up_to_the_rows_written() {
    let o = small(3, 2, 400);
    let dir = tempfile::tempdir().unwrap();
    let done = std::sync::atomic::AtomicU64::new(0);
    let s = generate(&o, dir.path(), &|n| {
        done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    })
    .unwrap();
    let total: usize = s.posts_by_date.iter().map(|p| p.1).sum();
    assert_eq!(done.into_inner(), total as u64);
}

/// The national run, timed: `cargo test --release -p observatory-synth -- --ignored --nocapture national`
/// (writes about 2.2 GB in about 950,000 files under the system temporary folder, then
/// deletes them; the time printed is generation only).
#[test]
#[ignore]
fn national_generation_time() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let s = generate(&GenerateOptions::national(), dir.path(), &|_| {}).unwrap();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "national: {} returns, {} employers, {:?} in {secs:.1} s",
        s.returns, s.employers, s.posts_by_date
    );
    assert!(s.posts_by_date.iter().all(|p| p.1 > 2_700_000));
}
