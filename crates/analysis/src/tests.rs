//! Known-answer tests: small hand-built returns fed through the builder as the store
//! would feed them, with every expected figure worked out by hand in the comments.

use chrono::NaiveDate;
use observatory_domain::{CensusSink, Leaver, PersonKey, Setting, Vacancy, Worker, codes};

use crate::*;

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(crate) fn key(tag: u8) -> Option<PersonKey> {
    Some([tag; 16])
}

pub(crate) fn setting(
    id: &str,
    kind: &str,
    area: &str,
    sector: &str,
    provision: &str,
    multi: Option<bool>,
) -> Setting {
    let c = codes();
    Setting {
        setting_id: id.into(),
        name: format!("Setting {id}"),
        setting_type: c.setting_types.must(kind) as u8,
        area_code: area.into(),
        employing_sector: c.employing_sector.must(sector) as u8,
        provision: c.provision.must(provision) as u8,
        multi_agency: multi,
        places: None,
    }
}

/// A worker row; the fields the tests vary are arguments, in the order of the table in
/// [`census_2025`]'s comment.
#[allow(clippy::too_many_arguments)]
pub(crate) fn worker(
    person: Option<PersonKey>,
    setting_id: &str,
    role: Option<&str>,
    contract: &str,
    fte: u32,
    start: NaiveDate,
    gender: &str,
    ethnicity: &str,
    disability: &str,
    birth_year: u16,
    level: &str,
    status: &str,
    pay: Option<u32>,
) -> Worker {
    let c = codes();
    Worker {
        worker_ref: format!("W{}", birth_year),
        person,
        setting_id: setting_id.into(),
        role: role.map(|r| c.roles.must(r) as u16),
        job_title: role.is_none().then(|| "Chief dragon tamer".to_string()),
        contract: c.contract.must(contract) as u8,
        fte,
        start_date: start,
        gender: c.gender.must(gender) as u8,
        ethnicity: c.ethnicity.must(ethnicity) as u8,
        disability: c.disability.must(disability) as u8,
        birth_year,
        qualification_level: c.qualification_level.must(level) as u8,
        qualification_status: c.qualification_status.must(status) as u8,
        annual_pay: pay,
    }
}

#[allow(clippy::too_many_arguments)]
fn leaver(
    setting_id: &str,
    role: &str,
    contract: &str,
    fte: u32,
    reason: &str,
    destination: &str,
    gender: Option<&str>,
    ethnicity: Option<&str>,
    birth_year: Option<u16>,
) -> Leaver {
    let c = codes();
    Leaver {
        worker_ref: "L".into(),
        person: None,
        setting_id: setting_id.into(),
        role: Some(c.roles.must(role) as u16),
        job_title: None,
        contract: c.contract.must(contract) as u8,
        fte,
        leave_date: date(2025, 6, 1),
        reason: c.reason.must(reason) as u8,
        destination: c.destination.must(destination) as u8,
        gender: gender.map(|g| c.gender.must(g) as u8),
        ethnicity: ethnicity.map(|e| c.ethnicity.must(e) as u8),
        birth_year,
    }
}

fn vacancy(setting_id: &str, role: &str, posts: u32, hard: Option<bool>) -> Vacancy {
    Vacancy {
        setting_id: setting_id.into(),
        role: Some(codes().roles.must(role) as u16),
        job_title: None,
        vacant_posts: posts,
        vacant_fte: posts * 100,
        hard_to_fill: hard,
        covered_by_agency: None,
    }
}

/// The 2025-11-01 census (stable = started on or before 2024-11-01; age = 2025 - birth):
///
/// Employer E1: settings S1 (full_daycare, E06000056, private, universal, multi_agency
/// yes) and S2 (school_primary, E09000001, public, targeted, multi_agency blank).
/// Employer E2: setting S1 (childrens_home, E06000056, voluntary, specialist, no).
///
/// | row | person | setting | role (sector, level) | contract | fte | stable | gender | ethnicity | disab. | age | qualification | pay |
/// | 1 | A | E1/S1 | early_years_practitioner (ey, 2) | permanent | 1.00 | yes | female | WBRI | no | 35 | 3 achieved | 24000 |
/// | 2 | A | E1/S2 | teaching_assistant (ed, 2) | fixed_term | 0.40 | no | female | WBRI | no | 35 | 3 achieved | 20000 |
/// | 3 | B | E1/S1 | room_leader (ey, 3) | permanent | 1.00 | yes (exactly 12 months) | male | AIND | yes | 60 | 5 achieved | 30000 |
/// | 4 | - | E1/S1 | setting_manager (ey, 5, leader) | permanent | 1.00 | yes | female | REFU | not_known | 55 | 6 achieved | 40000 |
/// | 5 | C | E1/S1 | unmapped (not_known) | agency | 0.50 | no | not_known | BAFR | no | 21 | 2 working_towards | - |
/// | 6 | D | E1/S2 | teacher (ed, 4) | permanent | 1.00 | yes | male | WBRI | no | 45 | 6 achieved | 38000 |
/// | 7 | E | E1/S2 | teacher (ed, 4) | permanent | 0.80 | yes | female | MWBC | not_known | 40 | 7 working_towards | 36000 |
/// | 8 | - | E1/S2 | teaching_assistant (ed, 2) | volunteer | 0.20 | no | female | WBRI | no | 18 | none achieved | 5000 (volunteer: not pay) |
/// | 9 | A | E2/S1 | residential_care_worker (sc, 2) | sessional | 0.20 | yes | female | WBRI | no | 35 | 4 achieved | 22000 |
/// | 10 | F | E2/S1 | residential_manager (sc, 5, leader) | permanent | 1.00 | yes | male | WBRI | no | 53 | 5 achieved | 45000 |
///
/// So 10 posts held by 8 people (A holds three posts with two employers; the two rows
/// without a person_id are two people), 7.10 fte.
///
/// Leavers: L1 E1/S1 early_years_practitioner permanent 1.00 resignation same_sector
/// female WBRI 1995; L2 E1/S1 room_leader permanent 0.60 retirement outside male, no
/// ethnicity, no birth year; L3 E1/S2 teacher fixed_term 1.00 resignation outside, no
/// gender or ethnicity, 1990; L4 E2/S1 residential_care_worker permanent 1.00 dismissal
/// not_known female BCRB 1980.
///
/// Vacancies: E1/S1 early_years_practitioner 3 hard to fill; E1/S2 teacher 1 (blank);
/// E2/S1 residential_care_worker 2 not hard to fill.
pub(crate) fn census_2025() -> Cube {
    let d = date;
    let mut b = CubeBuilder::new(d(2025, 11, 1));
    b.setting(
        "E1",
        &setting(
            "S1",
            "full_daycare",
            "E06000056",
            "private",
            "universal",
            Some(true),
        ),
    );
    b.setting(
        "E1",
        &setting(
            "S2",
            "school_primary",
            "E09000001",
            "public",
            "targeted",
            None,
        ),
    );
    let w = worker;
    let rows = [
        w(
            key(1),
            "S1",
            Some("early_years_practitioner"),
            "permanent",
            100,
            d(2020, 1, 1),
            "female",
            "WBRI",
            "no",
            1990,
            "3",
            "achieved",
            Some(24000),
        ),
        w(
            key(1),
            "S2",
            Some("teaching_assistant"),
            "fixed_term",
            40,
            d(2025, 3, 1),
            "female",
            "WBRI",
            "no",
            1990,
            "3",
            "achieved",
            Some(20000),
        ),
        w(
            key(2),
            "S1",
            Some("room_leader"),
            "permanent",
            100,
            d(2024, 11, 1),
            "male",
            "AIND",
            "yes",
            1965,
            "5",
            "achieved",
            Some(30000),
        ),
        w(
            None,
            "S1",
            Some("setting_manager"),
            "permanent",
            100,
            d(2015, 6, 1),
            "female",
            "REFU",
            "not_known",
            1970,
            "6",
            "achieved",
            Some(40000),
        ),
        w(
            key(3),
            "S1",
            None,
            "agency",
            50,
            d(2025, 9, 1),
            "not_known",
            "BAFR",
            "no",
            2004,
            "2",
            "working_towards",
            None,
        ),
        w(
            key(4),
            "S2",
            Some("teacher"),
            "permanent",
            100,
            d(2010, 9, 1),
            "male",
            "WBRI",
            "no",
            1980,
            "6",
            "achieved",
            Some(38000),
        ),
        w(
            key(5),
            "S2",
            Some("teacher"),
            "permanent",
            80,
            d(2023, 9, 1),
            "female",
            "MWBC",
            "not_known",
            1985,
            "7",
            "working_towards",
            Some(36000),
        ),
        w(
            None,
            "S2",
            Some("teaching_assistant"),
            "volunteer",
            20,
            d(2025, 1, 1),
            "female",
            "WBRI",
            "no",
            2007,
            "none",
            "achieved",
            Some(5000),
        ),
    ];
    for r in &rows {
        b.worker("E1", r);
    }
    b.leaver(
        "E1",
        &leaver(
            "S1",
            "early_years_practitioner",
            "permanent",
            100,
            "resignation",
            "same_sector",
            Some("female"),
            Some("WBRI"),
            Some(1995),
        ),
    );
    b.leaver(
        "E1",
        &leaver(
            "S1",
            "room_leader",
            "permanent",
            60,
            "retirement",
            "outside_childrens_workforce",
            Some("male"),
            None,
            None,
        ),
    );
    b.leaver(
        "E1",
        &leaver(
            "S2",
            "teacher",
            "fixed_term",
            100,
            "resignation",
            "outside_childrens_workforce",
            None,
            None,
            Some(1990),
        ),
    );
    b.vacancy(
        "E1",
        &vacancy("S1", "early_years_practitioner", 3, Some(true)),
    );
    b.vacancy("E1", &vacancy("S2", "teacher", 1, None));

    b.setting(
        "E2",
        &setting(
            "S1",
            "childrens_home",
            "E06000056",
            "voluntary",
            "specialist",
            Some(false),
        ),
    );
    b.worker(
        "E2",
        &w(
            key(1),
            "S1",
            Some("residential_care_worker"),
            "sessional",
            20,
            d(2022, 1, 1),
            "female",
            "WBRI",
            "no",
            1990,
            "4",
            "achieved",
            Some(22000),
        ),
    );
    b.worker(
        "E2",
        &w(
            key(6),
            "S1",
            Some("residential_manager"),
            "permanent",
            100,
            d(2018, 1, 1),
            "male",
            "WBRI",
            "no",
            1972,
            "5",
            "achieved",
            Some(45000),
        ),
    );
    b.leaver(
        "E2",
        &leaver(
            "S1",
            "residential_care_worker",
            "permanent",
            100,
            "dismissal",
            "not_known",
            Some("female"),
            Some("BCRB"),
            Some(1980),
        ),
    );
    b.vacancy(
        "E2",
        &vacancy("S1", "residential_care_worker", 2, Some(false)),
    );
    b.finish()
}

/// The 2024-11-01 census: E1/S1 only, two posts (person A again, and G), one leaver.
pub(crate) fn census_2024() -> Cube {
    let d = date;
    let mut b = CubeBuilder::new(d(2024, 11, 1));
    b.setting(
        "E1",
        &setting(
            "S1",
            "full_daycare",
            "E06000056",
            "private",
            "universal",
            Some(true),
        ),
    );
    b.worker(
        "E1",
        &worker(
            key(1),
            "S1",
            Some("early_years_practitioner"),
            "permanent",
            100,
            d(2020, 1, 1),
            "female",
            "WBRI",
            "no",
            1990,
            "3",
            "achieved",
            Some(23000),
        ),
    );
    b.worker(
        "E1",
        &worker(
            key(7),
            "S1",
            Some("teacher"),
            "permanent",
            100,
            d(2019, 1, 1),
            "male",
            "WBRI",
            "no",
            1960,
            "6",
            "achieved",
            Some(37000),
        ),
    );
    b.leaver(
        "E1",
        &leaver(
            "S1",
            "room_leader",
            "permanent",
            100,
            "resignation",
            "same_sector",
            Some("male"),
            Some("WBRI"),
            Some(1980),
        ),
    );
    b.finish()
}

pub(crate) fn q(measure: &str, by: &[&str], filters: &[(&str, &str)]) -> Query {
    Query {
        measure: measure.into(),
        by: by.iter().map(|s| s.to_string()).collect(),
        filters: filters
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    }
}

pub(crate) fn run(
    cube: &Cube,
    measure: &str,
    by: &[&str],
    filters: &[(&str, &str)],
) -> QueryResult {
    run_query(&[cube], &q(measure, by, filters)).unwrap_or_else(|e| panic!("{measure}: {e}"))
}

/// The single total of a measure with no breakdown.
pub(crate) fn total(cube: &Cube, measure: &str) -> ResultRow {
    let r = run(cube, measure, &[], &[]);
    assert_eq!(r.rows.len(), 1, "{measure}");
    r.rows[0].clone()
}

pub(crate) fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[track_caller]
pub(crate) fn assert_value(row: &ResultRow, expected: f64, basis: u64) {
    assert!(
        close(row.value, expected),
        "value {:?}, expected {expected}",
        row.value
    );
    assert_eq!(row.basis, basis);
    assert!(!row.suppressed);
}

/// (keys joined by '|', value) for each row, for compact comparisons.
pub(crate) fn table(r: &QueryResult) -> Vec<(String, Option<f64>)> {
    r.rows
        .iter()
        .map(|row| (row.keys.join("|"), row.value))
        .collect()
}

#[track_caller]
pub(crate) fn assert_table(r: &QueryResult, expected: &[(&str, f64)]) {
    let got = table(r);
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for ((k, v), (ek, ev)) in got.iter().zip(expected) {
        assert_eq!(k, ek, "{got:?}");
        assert!(close(*v, *ev), "{k}: {v:?} != {ev} in {got:?}");
    }
}

#[test]
fn counts_posts_people_and_fte() {
    let c = census_2025();
    assert_eq!(c.posts(), 10);
    assert_eq!(c.people(), 8);
    assert_eq!(c.census_date(), date(2025, 11, 1));
    let posts = total(&c, "posts");
    assert_value(&posts, 10.0, 10);
    assert_eq!(posts.numerator, Some(10.0));
    assert_eq!(posts.denominator, None);
    // A (3 posts), B, C, D, E, F and the two rows without person_id: 8 people.
    assert_value(&total(&c, "headcount"), 8.0, 8);
    // 1 + .4 + 1 + 1 + .5 + 1 + .8 + .2 + .2 + 1 = 7.1 fte over 10 posts.
    let fte = total(&c, "fte");
    assert_value(&fte, 7.1, 10);
    assert_eq!(fte.denominator, None);
    let r = run(&c, "fte", &["employer"], &[]);
    // E1: 1 + .4 + 1 + 1 + .5 + 1 + .8 + .2 = 5.9 over 8 posts; E2: .2 + 1 = 1.2 over 2.
    assert_table(&r, &[("E1", 5.9), ("E2", 1.2)]);
    assert_eq!(r.rows[0].basis, 8);
    assert_eq!(r.kind, MeasureKind::Count);
}

#[test]
fn headcount_counts_a_person_once_per_group() {
    let c = census_2025();
    // A is counted by both employers: E1 has A, B, C, D, E and two keyless = 7;
    // E2 has A and F = 2. Posts: 8 and 2.
    assert_table(
        &run(&c, "headcount", &["employer"], &[]),
        &[("E1", 7.0), ("E2", 2.0)],
    );
    assert_table(
        &run(&c, "posts", &["employer"], &[]),
        &[("E1", 8.0), ("E2", 2.0)],
    );
    // Within E1, A's two posts (S1 and S2) are one person in the employer but one in
    // each setting: E1/S1 rows 1,3,4,5 = 4; E1/S2 rows 2,6,7,8 = 4; E2/S1 = 2.
    assert_table(
        &run(&c, "headcount", &["setting"], &[]),
        &[("E1/S1", 4.0), ("E1/S2", 4.0), ("E2/S1", 2.0)],
    );
    // By sector (code-list order education, early_years, social_care, then not_known):
    // education rows 2 (A), 6, 7, 8 = 4; early_years rows 1 (A), 3, 4 = 3;
    // social_care rows 9 (A), 10 = 2; the unmapped job title (row 5) = 1.
    assert_table(
        &run(&c, "headcount", &["sector"], &[]),
        &[
            ("education", 4.0),
            ("early_years", 3.0),
            ("social_care", 2.0),
            ("not_known", 1.0),
        ],
    );
    // A person counts once in a group however many posts: ethnic group White holds
    // A (3 posts), D, F and the volunteer = 4 people over 6 posts.
    let people = run(&c, "headcount", &["ethnic_group"], &[]);
    let posts = run(&c, "posts", &["ethnic_group"], &[]);
    // Headcount: White A, D, F, volunteer = 4; Mixed E; Asian B; Black C; not_known (REFU) 1.
    assert_table(
        &people,
        &[
            ("White", 4.0),
            ("Mixed", 1.0),
            ("Asian", 1.0),
            ("Black", 1.0),
            ("not_known", 1.0),
        ],
    );
    assert_table(
        &posts,
        &[
            ("White", 6.0),
            ("Mixed", 1.0),
            ("Asian", 1.0),
            ("Black", 1.0),
            ("not_known", 1.0),
        ],
    );
}

#[test]
fn unknowns_are_their_own_group() {
    let c = census_2025();
    // Role-derived breakdowns of the unmapped row 5 are all not_known.
    let r = run(&c, "posts", &["role"], &[("role", "not_known")]);
    assert_table(&r, &[("not_known", 1.0)]);
    // Career levels: 2 = rows 1, 2, 8, 9; 3 = row 3; 4 = rows 6, 7; 5 = rows 4, 10; not_known row 5.
    assert_table(
        &run(&c, "posts", &["career_level"], &[]),
        &[
            ("2", 4.0),
            ("3", 1.0),
            ("4", 2.0),
            ("5", 2.0),
            ("not_known", 1.0),
        ],
    );
    // Leaders (levels 5-6): rows 4 and 10.
    assert_table(
        &run(&c, "posts", &["leader"], &[]),
        &[("yes", 2.0), ("no", 7.0), ("not_known", 1.0)],
    );
    // multi_agency: E1/S1 yes (4 posts), E2/S1 no (2), E1/S2 blank (4).
    assert_table(
        &run(&c, "posts", &["multi_agency"], &[]),
        &[("yes", 4.0), ("no", 2.0), ("not_known", 4.0)],
    );
    // Gender as recorded: female rows 1,2,4,7,8,9 = A, keyless 4, E, keyless 8 = 4 people;
    // male B, D, F = 3; not_known C = 1.
    assert_table(
        &run(&c, "headcount", &["gender"], &[]),
        &[("female", 4.0), ("male", 3.0), ("not_known", 1.0)],
    );
    // Leavers without a birth year are in age band not_known; without ethnicity, NOBT.
    assert_table(
        &run(&c, "leavers", &["age_band"], &[]),
        &[
            ("30_34", 1.0),
            ("35_39", 1.0),
            ("45_49", 1.0),
            ("not_known", 1.0),
        ],
    );
    assert_table(
        &run(&c, "leavers", &["ethnicity"], &[]),
        &[("WBRI", 1.0), ("BCRB", 1.0), ("NOBT", 2.0)],
    );
    assert_table(
        &run(&c, "leavers", &["gender"], &[]),
        &[("female", 2.0), ("male", 1.0), ("not_known", 1.0)],
    );
}

#[test]
fn breakdowns_by_setting_attributes_age_and_pattern() {
    let c = census_2025();
    // Areas sort as text: E06000056 (E1/S1 + E2/S1 = 6 posts), E09000001 (E1/S2 = 4).
    assert_table(
        &run(&c, "posts", &["area"], &[]),
        &[("E06000056", 6.0), ("E09000001", 4.0)],
    );
    assert_table(
        &run(&c, "posts", &["setting_type"], &[]),
        &[
            ("full_daycare", 4.0),
            ("school_primary", 4.0),
            ("childrens_home", 2.0),
        ],
    );
    assert_table(
        &run(&c, "posts", &["employing_sector", "provision"], &[]),
        &[
            ("public|targeted", 4.0),
            ("private|universal", 4.0),
            ("voluntary|specialist", 2.0),
        ],
    );
    // full_time (fte >= 0.9): rows 1, 3, 4, 6, 10; the rest part_time.
    assert_table(
        &run(&c, "posts", &["working_pattern"], &[]),
        &[("full_time", 5.0), ("part_time", 5.0)],
    );
    // Ages 18, 21, 35 (A), 40, 45, 53, 55, 60.
    assert_table(
        &run(&c, "headcount", &["age_band"], &[]),
        &[
            ("under_20", 1.0),
            ("20_24", 1.0),
            ("35_39", 1.0),
            ("40_44", 1.0),
            ("45_49", 1.0),
            ("50_54", 1.0),
            ("55_59", 1.0),
            ("60_64", 1.0),
        ],
    );
    assert_table(
        &run(
            &c,
            "posts",
            &["qualification_status", "qualification_level"],
            &[],
        ),
        &[
            ("achieved|none", 1.0),
            ("achieved|3", 2.0),
            ("achieved|4", 1.0),
            ("achieved|5", 2.0),
            ("achieved|6", 2.0),
            ("working_towards|2", 1.0),
            ("working_towards|7", 1.0),
        ],
    );
    // Two breakdowns at once: sector x employer.
    assert_table(
        &run(&c, "posts", &["employer", "sector"], &[]),
        &[
            ("E1|education", 4.0),
            ("E1|early_years", 3.0),
            ("E1|not_known", 1.0),
            ("E2|social_care", 2.0),
        ],
    );
}

#[test]
fn post_rates_stability_and_agency() {
    let c = census_2025();
    // Stable: rows 1, 3 (started exactly 12 months before), 4, 6, 7, 9, 10 = 7 of 10.
    let s = total(&c, "stability_rate");
    assert_value(&s, 0.7, 10);
    assert_eq!((s.numerator, s.denominator), (Some(7.0), Some(10.0)));
    // On fte: 1 + 1 + 1 + 1 + .8 + .2 + 1 = 6.0 of 7.1.
    let s = total(&c, "stability_rate_fte");
    assert_value(&s, 6.0 / 7.1, 10);
    assert!(close(s.denominator, 7.1));
    // Starters are the other 3 posts: every filled post is stable or a starter.
    assert_value(&total(&c, "starters"), 3.0, 3);
    // Agency fte .5 of 7.1; basis is the 10 posts.
    let a = total(&c, "agency_share");
    assert_value(&a, 0.5 / 7.1, 10);
    assert!(close(a.numerator, 0.5));
}

#[test]
fn vacancy_measures() {
    let c = census_2025();
    // 3 + 1 + 2 = 6 vacant posts.
    assert_value(&total(&c, "vacancies"), 6.0, 6);
    // Hard to fill: 3 of 6 (the blank counts as not hard to fill).
    let h = total(&c, "hard_to_fill_share");
    assert_value(&h, 0.5, 6);
    assert_eq!((h.numerator, h.denominator), (Some(3.0), Some(6.0)));
    // 6 / (10 filled + 6 vacant) = 0.375, basis 16.
    assert_value(&total(&c, "vacancy_rate"), 0.375, 16);
    // By sector: education 1 / (4 + 1) = .2; early_years 3 / (3 + 3) = .5;
    // social_care 2 / (2 + 2) = .5; not_known 0 / (1 + 0) = 0.
    let r = run(&c, "vacancy_rate", &["sector"], &[]);
    assert_table(
        &r,
        &[
            ("education", 0.2),
            ("early_years", 0.5),
            ("social_care", 0.5),
            ("not_known", 0.0),
        ],
    );
    assert_eq!(r.rows[3].basis, 1);
    assert_eq!(r.kind, MeasureKind::Rate);
}

#[test]
fn leaver_measures() {
    let c = census_2025();
    assert_value(&total(&c, "leavers"), 4.0, 4);
    // 4 leavers / 10 posts.
    let t = total(&c, "turnover_rate");
    assert_value(&t, 0.4, 10);
    assert_eq!((t.numerator, t.denominator), (Some(4.0), Some(10.0)));
    // Outside the children's workforce: L2 (retired) and L3 = 2 / 10; without
    // retirements: L3 = 1 / 10.
    assert_value(&total(&c, "wastage_rate"), 0.2, 10);
    assert_value(&total(&c, "non_retirement_wastage_rate"), 0.1, 10);
    // On fte: leavers 1 + .6 + 1 + 1 = 3.6; outside .6 + 1 = 1.6; non-retirement 1.0;
    // filled fte 7.1.
    assert_value(&total(&c, "turnover_rate_fte"), 3.6 / 7.1, 10);
    assert_value(&total(&c, "wastage_rate_fte"), 1.6 / 7.1, 10);
    assert_value(&total(&c, "non_retirement_wastage_rate_fte"), 1.0 / 7.1, 10);
    // By sector: education L3 / 4 posts; early_years L1, L2 / 3; social_care L4 / 2;
    // not_known 0 / 1.
    assert_table(
        &run(&c, "turnover_rate", &["sector"], &[]),
        &[
            ("education", 0.25),
            ("early_years", 2.0 / 3.0),
            ("social_care", 0.5),
            ("not_known", 0.0),
        ],
    );
    // Leaver-only breakdowns.
    assert_table(
        &run(&c, "leavers", &["reason"], &[]),
        &[
            ("retirement", 1.0),
            ("resignation", 2.0),
            ("dismissal", 1.0),
        ],
    );
    assert_table(
        &run(&c, "leavers", &["destination"], &[]),
        &[
            ("same_sector", 1.0),
            ("outside_childrens_workforce", 2.0),
            ("not_known", 1.0),
        ],
    );
    // Turnover by gender: leavers have it; a group only leavers have gets no rate.
    // female: L1, L4 / rows 1,2,4,7,8,9 = 2/6; male: L2 / rows 3,6,10 = 1/3;
    // not_known: L3 / row 5 = 1/1.
    assert_table(
        &run(&c, "turnover_rate", &["gender"], &[]),
        &[
            ("female", 2.0 / 6.0),
            ("male", 1.0 / 3.0),
            ("not_known", 1.0),
        ],
    );
    // By age band, the leaver with no birth year is a group with no posts: no rate.
    let r = run(&c, "turnover_rate", &["age_band"], &[]);
    let nk = r.rows.iter().find(|r| r.keys[0] == "not_known").unwrap();
    assert_eq!(
        (nk.value, nk.numerator, nk.denominator, nk.basis),
        (None, Some(1.0), Some(0.0), 0)
    );
}

#[test]
fn people_shares() {
    let c = census_2025();
    // Gender known: everyone but C = 7; male B, D, F = 3; female A, 4, E, 8 = 4.
    let m = total(&c, "share_male");
    assert_value(&m, 3.0 / 7.0, 7);
    assert_eq!((m.numerator, m.denominator), (Some(3.0), Some(7.0)));
    assert_value(&total(&c, "share_female"), 4.0 / 7.0, 7);
    // Unknowns are their own figure, over all 8 people: C.
    assert_value(&total(&c, "share_gender_not_known"), 1.0 / 8.0, 8);
    // Ethnic group known: all but row 4 (REFU) = 7; minority: B (Asian), C (Black),
    // E (Mixed) = 3.
    assert_value(&total(&c, "share_minority_ethnic"), 3.0 / 7.0, 7);
    assert_value(&total(&c, "share_ethnicity_not_known"), 1.0 / 8.0, 8);
    // Disability known: all but 4 and E = 6; disabled B = 1.
    assert_value(&total(&c, "share_disabled"), 1.0 / 6.0, 6);
    assert_value(&total(&c, "share_disability_not_known"), 2.0 / 8.0, 8);
    // Aged 55+: B (60) and row 4 (55) of 8.
    assert_value(&total(&c, "age_55_plus_share"), 0.25, 8);
}

#[test]
fn qualification_shares_never_mix_statuses() {
    let c = census_2025();
    // Achieved >= 1: A, B, 4, D, F (volunteer has none; C and E are working towards) = 5/8.
    assert_value(&total(&c, "qualified_share_l1"), 5.0 / 8.0, 8);
    // Achieved >= 3: the same five (A has 3 with E1 and 4 with E2).
    assert_value(&total(&c, "qualified_share_l3"), 5.0 / 8.0, 8);
    // Achieved >= 4: A counts through their E2 post (level 4): A, B, 4, D, F = 5/8.
    assert_value(&total(&c, "qualified_share_l4"), 5.0 / 8.0, 8);
    // Within E1, A's posts both say level 3: B, 4, D = 3 of 7. In E2: A and F = 2/2.
    assert_table(
        &run(&c, "qualified_share_l4", &["employer"], &[]),
        &[("E1", 3.0 / 7.0), ("E2", 1.0)],
    );
    // Achieved >= 6: 4 and D = 2/8. >= 7: nobody (E only works towards 7).
    assert_value(&total(&c, "qualified_share_l6"), 0.25, 8);
    assert_value(&total(&c, "qualified_share_l7"), 0.0, 8);
    assert_value(&total(&c, "qualified_share_l8"), 0.0, 8);
    // Working towards >= 2: C (2) and E (7) = 2/8; >= 7: E = 1/8; >= 8: none.
    assert_value(&total(&c, "working_towards_share_l2"), 0.25, 8);
    assert_value(&total(&c, "working_towards_share_l7"), 1.0 / 8.0, 8);
    assert_value(&total(&c, "working_towards_share_l8"), 0.0, 8);
}

#[test]
fn pay_statistics() {
    let c = census_2025();
    // Pay values (no blank, no volunteer): 20000 22000 24000 30000 36000 38000 40000 45000.
    // Median of 8 (even): (30000 + 36000) / 2 = 33000.
    let m = total(&c, "median_pay");
    assert_value(&m, 33000.0, 8);
    assert_eq!((m.numerator, m.denominator), (None, None));
    // Type 7 quartiles: h = 7 x .25 = 1.75 -> 22000 + .75 x 2000 = 23500;
    // h = 7 x .75 = 5.25 -> 38000 + .25 x 2000 = 38500.
    assert_value(&total(&c, "pay_lower_quartile"), 23500.0, 8);
    assert_value(&total(&c, "pay_upper_quartile"), 38500.0, 8);
    // E1: 20000 24000 30000 36000 38000 40000 -> (30000 + 36000) / 2 = 33000 over 6;
    // E2: 22000 45000 -> 33500 over 2.
    let r = run(&c, "median_pay", &["employer"], &[]);
    assert_table(&r, &[("E1", 33000.0), ("E2", 33500.0)]);
    assert_eq!((r.rows[0].basis, r.rows[1].basis), (6, 2));
    assert_eq!(r.kind, MeasureKind::Statistic);
    // Men 30000 38000 45000 -> 38000; women 20000 22000 24000 36000 40000 -> 24000.
    // Gap (38000 - 24000) / 38000; basis min(3, 5) = 3.
    let g = total(&c, "gender_pay_gap");
    assert_value(&g, 14000.0 / 38000.0, 3);
    assert_eq!((g.numerator, g.denominator), (Some(14000.0), Some(38000.0)));
    // E1: men 30000 38000 -> 34000; women 20000 24000 36000 40000 -> 30000.
    // E2: one man (45000) and one woman (22000).
    assert_table(
        &run(&c, "gender_pay_gap", &["employer"], &[]),
        &[("E1", 4000.0 / 34000.0), ("E2", 23000.0 / 45000.0)],
    );
}

#[test]
fn filters_select_rows() {
    let c = census_2025();
    // E06000056: E1/S1 and E2/S1 = 6 posts; people A, B, 4, C, F = 5.
    assert_value(&total_where(&c, "posts", &[("area", "E06000056")]), 6.0, 6);
    assert_value(
        &total_where(&c, "headcount", &[("area", "E06000056")]),
        5.0,
        5,
    );
    // Two values of one breakdown are alternatives.
    assert_value(
        &total_where(&c, "posts", &[("area", "E06000056"), ("area", "E09000001")]),
        10.0,
        10,
    );
    // Different breakdowns all apply; values match ignoring case.
    assert_value(
        &total_where(
            &c,
            "headcount",
            &[("sector", "education"), ("gender", "FEMALE")],
        ),
        3.0,
        3,
    );
    assert_value(
        &total_where(&c, "leavers", &[("reason", "resignation")]),
        2.0,
        2,
    );
    // Filter by setting and by leader.
    assert_value(&total_where(&c, "posts", &[("setting", "E1/S2")]), 4.0, 4);
    assert_value(
        &total_where(&c, "median_pay", &[("leader", "yes")]),
        42500.0,
        2,
    );
    // A filter matching nothing gives no rows, not an error.
    let r = run(&c, "posts", &[], &[("sector", "youth")]);
    assert!(r.rows.is_empty());
    // Rates filter both their tables: turnover in E1 = 3 leavers / 8 posts.
    assert_value(
        &total_where(&c, "turnover_rate", &[("employer", "E1")]),
        3.0 / 8.0,
        8,
    );
}

fn total_where(c: &Cube, measure: &str, filters: &[(&str, &str)]) -> ResultRow {
    let r = run(c, measure, &[], filters);
    assert_eq!(r.rows.len(), 1, "{measure} {filters:?}: {:?}", r.rows);
    r.rows[0].clone()
}

#[test]
fn plain_errors() {
    let c = census_2025();
    let err = |m: &str, by: &[&str], f: &[(&str, &str)]| {
        run_query(&[&c], &q(m, by, f)).unwrap_err().to_string()
    };
    assert_eq!(
        err("vacancy_rat", &[], &[]),
        "unknown measure 'vacancy_rat'; did you mean 'vacancy_rate'?"
    );
    assert_eq!(
        err("turnover_rate", &["qualification_level"], &[]),
        "turnover_rate cannot be broken down by qualification_level: leavers do not record it"
    );
    assert_eq!(
        err("vacancy_rate", &["gender"], &[]),
        "vacancy_rate cannot be broken down by gender: vacancies do not record it"
    );
    assert_eq!(
        err("posts", &["reason"], &[]),
        "posts cannot be broken down by reason: filled posts do not record it"
    );
    assert_eq!(
        err("leavers", &[], &[("disability", "yes")]),
        "leavers cannot be filtered by disability: leavers do not record it"
    );
    assert_eq!(
        err("posts", &[], &[("area", "E99")]),
        "unknown value 'E99' for area in --where"
    );
    assert_eq!(
        err("posts", &[], &[("sector", "earlyyears")]),
        "unknown value 'earlyyears' for sector in --where; did you mean 'early_years'?"
    );
    assert_eq!(
        err("posts", &["secter"], &[]),
        "unknown breakdown 'secter'; did you mean 'sector'?"
    );
    assert_eq!(
        err("posts", &["sector", "sector"], &[]),
        "sector is given twice in --by"
    );
    assert_eq!(
        err("posts", &[], &[("census_date", "2023-11-01")]),
        "unknown value '2023-11-01' for census_date in --where; census dates loaded: 2025-11-01"
    );
    assert_eq!(
        run_query(&[], &q("posts", &[], &[])).unwrap_err(),
        AnalysisError::NoCensus
    );
    assert_eq!(
        run_query(&[&c, &c], &q("posts", &[], &[])).unwrap_err(),
        AnalysisError::RepeatedCensus(date(2025, 11, 1))
    );
}

#[test]
fn queries_are_checked_before_any_data() {
    // Typos in the measure, breakdowns and coded filter values are found with no cube;
    // a well-formed query only then meets "no census data".
    let e = |m: &str, by: &[&str], f: &[(&str, &str)]| {
        check_query(&q(m, by, f)).map_err(|e| e.to_string())
    };
    assert_eq!(e("posts", &["sector"], &[("gender", "male")]), Ok(()));
    assert!(
        e("postz", &[], &[])
            .unwrap_err()
            .starts_with("unknown measure 'postz'")
    );
    assert!(
        e("leavers", &["qualification_status"], &[])
            .unwrap_err()
            .contains("leavers do not record it")
    );
    assert!(
        e("posts", &[], &[("gender", "mal")])
            .unwrap_err()
            .contains("did you mean 'male'?")
    );
    // Areas are checked against the data, so an unseen area passes here.
    assert_eq!(e("posts", &[], &[("area", "E99")]), Ok(()));
    assert_eq!(
        run_query(&[], &q("postz", &[], &[]))
            .unwrap_err()
            .to_string(),
        "unknown measure 'postz'; did you mean 'posts'?"
    );
    assert_eq!(
        run_query(&[], &q("posts", &[], &[])).unwrap_err(),
        AnalysisError::NoCensus
    );
}

#[test]
fn primary_suppression_hides_small_rows() {
    let c = census_2025();
    let mut r = run(&c, "posts", &["employer"], &[]);
    apply_primary_suppression(&mut r, 5);
    // E1 has 8 posts (shown); E2 has 2 (below 5: hidden).
    assert_eq!(r.rows[0].value, Some(8.0));
    assert!(!r.rows[0].suppressed);
    let e2 = &r.rows[1];
    assert_eq!(e2.keys, vec!["E2"]);
    assert_eq!(
        (e2.value, e2.numerator, e2.denominator, e2.suppressed),
        (None, None, None, true)
    );
    // A threshold below 3 is raised to 3: E2's 2 posts stay hidden.
    let mut r = run(&c, "posts", &["employer"], &[]);
    apply_primary_suppression(&mut r, 1);
    assert!(r.rows[1].suppressed);
    // Rates go by their denominator: turnover E2 = 1 / 2 posts, hidden at 3;
    // the pay gap by the smaller of men and women (3) shown at 3, hidden at 5.
    let mut r = run(&c, "turnover_rate", &["employer"], &[]);
    apply_primary_suppression(&mut r, 3);
    assert_eq!(
        r.rows.iter().map(|r| r.suppressed).collect::<Vec<_>>(),
        vec![false, true]
    );
    let mut g = run(&c, "gender_pay_gap", &[], &[]);
    apply_primary_suppression(&mut g, 3);
    assert!(!g.rows[0].suppressed);
    apply_primary_suppression(&mut g, 5);
    assert!(g.rows[0].suppressed && g.rows[0].value.is_none());
}

#[test]
fn several_census_dates() {
    let (a, b) = (census_2025(), census_2024());
    // Given in any order; census_date is added as the first breakdown and sorts by date.
    let r = run_query(&[&a, &b], &q("posts", &[], &[])).unwrap();
    assert_eq!(r.by, vec!["census_date"]);
    assert_table(&r, &[("2024-11-01", 2.0), ("2025-11-01", 10.0)]);
    // Named explicitly, anywhere in --by.
    let r = run_query(&[&b, &a], &q("headcount", &["sector", "census_date"], &[])).unwrap();
    assert_table(
        &r,
        &[
            ("education|2024-11-01", 1.0),
            ("education|2025-11-01", 4.0),
            ("early_years|2024-11-01", 1.0),
            ("early_years|2025-11-01", 3.0),
            ("social_care|2025-11-01", 2.0),
            ("not_known|2025-11-01", 1.0),
        ],
    );
    // Each census computes its own rate: 2024 turnover 1 / 2 posts.
    let r = run_query(&[&a, &b], &q("turnover_rate", &["census_date"], &[])).unwrap();
    assert_table(&r, &[("2024-11-01", 0.5), ("2025-11-01", 0.4)]);
    // A census_date filter picks one cube; the result then needs no date key.
    let r = run_query(
        &[&a, &b],
        &q("posts", &[], &[("census_date", "2024-11-01")]),
    )
    .unwrap();
    assert!(r.by.is_empty());
    assert_table(&r, &[("", 2.0)]);
    // Ages are worked from each cube's own census date: the 1960 teacher is 64 in 2024.
    let r = run_query(&[&b], &q("headcount", &["age_band"], &[])).unwrap();
    assert_table(&r, &[("30_34", 1.0), ("60_64", 1.0)]);
}

#[test]
fn snapshot_round_trip_answers_identically() {
    let c = census_2025();
    let bytes = c.to_bytes();
    let back = Cube::from_bytes(&bytes).expect("snapshot reads back");
    assert_eq!(back.posts(), 10);
    assert_eq!(back.census_date(), c.census_date());
    for m in measure_names() {
        for by in [&[][..], &["employer"][..], &["sector", "area"][..]] {
            let a = run_query(&[&c], &q(&m, by, &[]));
            let b = run_query(&[&back], &q(&m, by, &[]));
            assert_eq!(a, b, "{m} by {by:?}");
        }
    }
    // The snapshot serialises deterministically.
    assert_eq!(back.to_bytes(), bytes);
}

#[test]
fn damaged_snapshots_are_errors_not_panics() {
    let c = census_2025();
    let bytes = c.to_bytes();
    let is_snapshot_error =
        |b: &[u8]| matches!(Cube::from_bytes(b), Err(AnalysisError::Snapshot(_)));
    // Every truncation, and a flipped bit anywhere.
    for len in 0..bytes.len() {
        assert!(is_snapshot_error(&bytes[..len]), "truncated to {len}");
    }
    for i in (0..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[i] ^= 0x10;
        assert!(is_snapshot_error(&b), "byte {i} flipped");
    }
    assert!(is_snapshot_error(b"not a cube at all, just some text"));
    let mut b = bytes.clone();
    b[8] = 99; // format version
    let e = Cube::from_bytes(&b).unwrap_err().to_string();
    assert!(e.contains("format version 99"), "{e}");
    // A well-formed snapshot of an inconsistent cube (an out-of-range role code) is
    // refused on load rather than panicking in a query.
    let mut bad = c.clone();
    bad.workers.role[0] = 9999;
    let e = Cube::from_bytes(&bad.to_bytes()).unwrap_err().to_string();
    assert!(e.contains("inconsistent"), "{e}");
    let mut bad = c;
    bad.workers.gender.pop();
    assert!(is_snapshot_error(&bad.to_bytes()));
    // A correctly sealed payload claiming a string of 2^60 bytes: refused, not allocated.
    let mut huge = vec![0xfd];
    huge.extend_from_slice(&(1u64 << 60).to_le_bytes());
    huge.extend_from_slice(b"2025-11-01");
    let e = Cube::from_bytes(&crate::cube::seal(&huge))
        .unwrap_err()
        .to_string();
    assert!(e.contains("damaged"), "{e}");
}

#[test]
fn rows_named_before_their_setting_are_kept() {
    // A worker whose setting is never described keeps its row, with not_known setting
    // attributes; a setting described after its rows gets its attributes.
    let mut b = CubeBuilder::new(date(2025, 11, 1));
    let w = worker(
        key(1),
        "X",
        Some("teacher"),
        "permanent",
        100,
        date(2020, 1, 1),
        "male",
        "WBRI",
        "no",
        1980,
        "6",
        "achieved",
        None,
    );
    b.worker("E9", &w);
    b.worker(
        "E9",
        &Worker {
            setting_id: "Y".into(),
            ..w.clone()
        },
    );
    b.setting(
        "E9",
        &setting(
            "Y",
            "school_special",
            "E08000001",
            "public",
            "specialist",
            None,
        ),
    );
    let c = b.finish();
    assert_table(
        &run(&c, "posts", &["area", "setting_type"], &[]),
        &[
            ("E08000001|school_special", 1.0),
            ("not_known|not_known", 1.0),
        ],
    );
    // Same person in two settings: one person.
    assert_value(&total(&c, "headcount"), 1.0, 1);
}

#[test]
fn catalogue_lists_every_measure_and_breakdown() {
    let names = measure_names();
    for m in [
        "posts",
        "headcount",
        "fte",
        "vacancies",
        "vacancy_rate",
        "hard_to_fill_share",
        "leavers",
        "turnover_rate",
        "wastage_rate",
        "non_retirement_wastage_rate",
        "stability_rate",
        "agency_share",
        "qualified_share_l1",
        "qualified_share_l8",
        "working_towards_share_l1",
        "working_towards_share_l8",
        "median_pay",
        "pay_lower_quartile",
        "pay_upper_quartile",
        "gender_pay_gap",
        "age_55_plus_share",
        "share_male",
        "share_female",
        "share_minority_ethnic",
        "share_disabled",
        "share_gender_not_known",
        "share_ethnicity_not_known",
        "share_disability_not_known",
        "turnover_rate_fte",
        "wastage_rate_fte",
        "stability_rate_fte",
    ] {
        assert!(names.iter().any(|n| n == m), "{m} missing");
    }
    for m in [
        "representation_ratio",
        "leadership_gap",
        "observed_wastage_rate",
        "starters",
    ] {
        assert!(names.iter().any(|n| n == m), "{m} missing");
    }
    assert_eq!(names.len(), 48);
    assert_eq!(breakdown_names().len(), 23);
    assert!(breakdown_names().contains(&"reason"));
    // Every measure answers on every cube without a breakdown, but for those that
    // need a group to compare or the census before, which say so.
    let c = census_2025();
    for m in &names {
        match m.as_str() {
            "representation_ratio" | "leadership_gap" => {
                run(&c, m, &[], &[("gender", "female")]);
            }
            "observed_wastage_rate" => {
                run_query(&[&census_2024(), &c], &q(m, &[], &[])).unwrap();
            }
            _ => {
                run(&c, m, &[], &[]);
            }
        }
    }
    // Results serialise for the CLI and API.
    let r = run(&c, "posts", &["employer"], &[]);
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"kind\":\"count\""), "{json}");
}

#[test]
fn builder_and_cube_cross_threads() {
    // The store feeds a `&mut (dyn CensusSink + Send)`; an API server shares cubes.
    fn send<T: Send>() {}
    fn shared<T: Send + Sync>() {}
    send::<CubeBuilder>();
    shared::<Cube>();
}

/// A post for the scenarios below, where only who, where, what and how much vary.
pub(crate) fn post(person: Option<PersonKey>, setting_id: &str, role: &str, fte: u32) -> Worker {
    worker(
        person,
        setting_id,
        Some(role),
        "permanent",
        fte,
        date(2020, 1, 1),
        "female",
        "WBRI",
        "no",
        1985,
        "3",
        "achieved",
        Some(25000),
    )
}

/// Describes a private, universal setting of `kind` in `area`.
pub(crate) fn place(b: &mut CubeBuilder, employer: &str, id: &str, kind: &str, area: &str) {
    b.setting(
        employer,
        &setting(id, kind, area, "private", "universal", None),
    );
}

/// Two census dates for following people (areas X = E06000001, Y = E06000002):
///
/// 2024-11-01: E1 has S1 (full_daycare, X) and S2 (school_primary, Y); E2 has S1
/// (childrens_home, X); E3 has S1 (full_daycare, Y) and makes no return in 2025.
///
/// | person | 2024 posts (fte) | main | 2025 posts | move |
/// | P1 | E1/S1 early_years_practitioner 1.00 | same | E1/S1 early_years_practitioner | stayed |
/// | P2 | E1/S1 early_years_practitioner 1.00 | same | E1/S1 room_leader | changed_role |
/// | P3 | E1/S2 teacher 1.00 | same | E2/S1 residential_care_worker | changed_sector (education -> social_care) |
/// | P4 | E1/S1 early_years_practitioner 0.50, E2/S1 residential_care_worker 0.80 | E2/S1 (higher fte) | E4/S1 residential_care_worker | changed_employer (social_care) |
/// | P5 | E2/S1 residential_care_worker 1.00 | same | - | left |
/// | P6 | E3/S1 early_years_practitioner 1.00 | same | - | left (E3 made no return) |
/// | P7 | E1/S2 teaching_assistant 0.50, E1/S1 early_years_practitioner 0.50 | E1/S1 (tie: E1/S1 sorts before E1/S2) | E1/S1 early_years_practitioner 1.00 | stayed |
/// | K1 | E1/S1 early_years_practitioner, no person_id | | | not followed |
/// | P8 | - | | E1/S2 teacher | joined (education) |
/// | K2 | - | | E2/S1 residential_care_worker, no person_id | not followed |
///
/// 2025-11-01 adds E4 with S1 (childrens_home, X).
pub(crate) fn two_years() -> (Cube, Cube) {
    let (x, y) = ("E06000001", "E06000002");
    let mut a = CubeBuilder::new(date(2024, 11, 1));
    place(&mut a, "E1", "S1", "full_daycare", x);
    place(&mut a, "E1", "S2", "school_primary", y);
    place(&mut a, "E2", "S1", "childrens_home", x);
    place(&mut a, "E3", "S1", "full_daycare", y);
    let eyp = "early_years_practitioner";
    let rcw = "residential_care_worker";
    for (employer, w) in [
        ("E1", post(key(1), "S1", eyp, 100)),
        ("E1", post(key(2), "S1", eyp, 100)),
        ("E1", post(key(3), "S2", "teacher", 100)),
        ("E1", post(key(4), "S1", eyp, 50)),
        ("E1", post(key(7), "S2", "teaching_assistant", 50)),
        ("E1", post(key(7), "S1", eyp, 50)),
        ("E1", post(None, "S1", eyp, 100)),
        ("E2", post(key(4), "S1", rcw, 80)),
        ("E2", post(key(5), "S1", rcw, 100)),
        ("E3", post(key(6), "S1", eyp, 100)),
    ] {
        a.worker(employer, &w);
    }
    let mut b = CubeBuilder::new(date(2025, 11, 1));
    place(&mut b, "E1", "S1", "full_daycare", x);
    place(&mut b, "E1", "S2", "school_primary", y);
    place(&mut b, "E2", "S1", "childrens_home", x);
    place(&mut b, "E4", "S1", "childrens_home", x);
    for (employer, w) in [
        ("E1", post(key(1), "S1", eyp, 100)),
        ("E1", post(key(2), "S1", "room_leader", 100)),
        ("E2", post(key(3), "S1", rcw, 100)),
        ("E4", post(key(4), "S1", rcw, 100)),
        ("E1", post(key(7), "S1", eyp, 100)),
        ("E1", post(key(8), "S2", "teacher", 100)),
        ("E2", post(None, "S1", rcw, 100)),
    ] {
        b.worker(employer, &w);
    }
    (a.finish(), b.finish())
}

fn with_profile(
    cubes: &[&Cube],
    measure: &str,
    by: &[&str],
    filters: &[(&str, &str)],
    profile: &PopulationProfile,
) -> QueryResult {
    let ctx = QueryContext {
        population: Some(profile),
        ..QueryContext::default()
    };
    run_query_with(cubes, &q(measure, by, filters), &ctx).unwrap()
}

#[test]
fn representation_ratio_against_the_national_default() {
    let c = census_2025();
    // Gender known: A, row 4, E, row 8 (female) and B, D, F (male) = 7; C not known.
    // Census 2021 England: female 0.5104, male 0.4896.
    let r = run(&c, "representation_ratio", &["gender"], &[]);
    assert_eq!(r.kind, MeasureKind::Rate);
    assert_eq!(r.rows.len(), 3);
    assert!(close(r.rows[0].value, (4.0 / 7.0) / 0.5104));
    assert!(close(r.rows[1].value, (3.0 / 7.0) / 0.4896));
    // The not_known row is reported as its own figure: 1 of all 8 people, with no
    // population counterpart, so no ratio.
    let rows: Vec<_> = r.rows.iter().map(|x| (x.keys[0].as_str(), x)).collect();
    let female = rows[0].1;
    assert!(close(female.numerator, 4.0 / 7.0));
    assert_eq!((female.denominator, female.basis), (Some(0.5104), 7));
    let nk = rows.iter().find(|(k, _)| *k == "not_known").unwrap().1;
    assert!(close(nk.numerator, 1.0 / 8.0));
    assert_eq!((nk.value, nk.denominator, nk.basis), (None, None, 8));
    assert_eq!(
        r.population_profiles,
        vec![ProfileUse {
            area: None,
            dimension: "gender".into(),
            profile: Some(NATIONAL.into()),
        }]
    );
    // A group named by --where: its row only, keys without the group; the share is
    // still out of everyone (filtering people to women would make it 1).
    let r = run(&c, "representation_ratio", &[], &[("gender", "female")]);
    assert!(r.by.is_empty());
    assert_table(&r, &[("", (4.0 / 7.0) / 0.5104)]);
    // Two groups by --where: a row each, keyed by the group.
    let r = run(
        &c,
        "representation_ratio",
        &[],
        &[("gender", "female"), ("gender", "male")],
    );
    assert_eq!(r.by, vec!["gender"]);
    assert_eq!(r.rows.len(), 2);
    // Disabled: B of the 6 with a known disability, against 17.7 %.
    assert_table(
        &run(&c, "representation_ratio", &[], &[("disability", "yes")]),
        &[("", (1.0 / 6.0) / 0.177)],
    );
    // Ages: 35 (A) is one of 8 people, all ages known: 1/8 against 0.1047.
    let r = run(&c, "representation_ratio", &["age_band"], &[]);
    assert_eq!(r.rows[2].keys, vec!["35_39"]);
    assert!(
        close(r.rows[2].value, (1.0 / 8.0) / 0.1047),
        "{:?}",
        r.rows[2]
    );
    // A group the profile lacks (as 65_plus is outside the working-age population of
    // the default) keeps its workforce share and has no ratio.
    let women_only = PopulationProfile::from_csv(
        "area,dimension,group,share
national,gender,female,1
",
    )
    .unwrap();
    let r = with_profile(&[&c], "representation_ratio", &["gender"], &[], &women_only);
    let male = &r.rows[1];
    assert_eq!(male.keys, vec!["male"]);
    assert!(close(male.numerator, 3.0 / 7.0));
    assert_eq!((male.value, male.denominator), (None, None));
}

#[test]
fn representation_ratio_uses_each_areas_profile_or_falls_back() {
    let c = census_2025();
    let profile = PopulationProfile::from_csv(
        "area,dimension,group,share\n\
         E06000056,ethnic_group,White,0.5\nE06000056,ethnic_group,Asian,0.3\n\
         E06000056,ethnic_group,Black,0.2\n\
         national,ethnic_group,White,0.8\nnational,ethnic_group,Mixed,0.05\n\
         national,ethnic_group,Asian,0.1\nnational,ethnic_group,Black,0.05\n",
    )
    .unwrap();
    // E06000056 (E1/S1 and E2/S1): A and F White, B Asian, C Black, row 4 refused:
    // known 4. White 2/4 / .5 = 1; Asian 1/4 / .3; Black 1/4 / .2.
    // E09000001 (E1/S2): A, D and row 8 White, E Mixed, all 4 known, national shares:
    // White 3/4 / .8; Mixed 1/4 / .05 = 5.
    let r = with_profile(
        &[&c],
        "representation_ratio",
        &["area", "ethnic_group"],
        &[],
        &profile,
    );
    let shown: Vec<(String, Option<f64>)> = table(&r);
    let expect = [
        ("E06000056|White", Some(1.0)),
        ("E06000056|Asian", Some(0.25 / 0.3)),
        ("E06000056|Black", Some(1.25)),
        ("E06000056|not_known", None),
        ("E09000001|White", Some(0.75 / 0.8)),
        ("E09000001|Mixed", Some(5.0)),
    ];
    assert_eq!(shown.len(), expect.len(), "{shown:?}");
    for ((k, v), (ek, ev)) in shown.iter().zip(expect) {
        assert_eq!(k, ek);
        match ev {
            Some(e) => assert!(close(*v, e), "{k}: {v:?}"),
            None => assert_eq!(*v, None),
        }
    }
    let used: Vec<(Option<&str>, Option<&str>)> = r
        .population_profiles
        .iter()
        .map(|u| (u.area.as_deref(), u.profile.as_deref()))
        .collect();
    assert_eq!(
        used,
        vec![
            (Some("E06000056"), Some("E06000056")),
            (Some("E09000001"), Some(NATIONAL)),
        ]
    );
    // One area selected by --where uses that area's profile.
    let r = with_profile(
        &[&c],
        "representation_ratio",
        &[],
        &[("area", "E06000056"), ("ethnic_group", "Black")],
        &profile,
    );
    assert_table(&r, &[("", 1.25)]);
    // The result says which profile answered, in JSON too (the field only appears for
    // this measure, so the contract only grows).
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"population_profiles\""), "{json}");
    let plain = serde_json::to_string(&run(&c, "posts", &[], &[])).unwrap();
    assert!(!plain.contains("population_profiles") && !plain.contains("series_breaks"));
}

#[test]
fn group_comparisons_need_one_group() {
    let c = census_2025();
    let err = |m: &str, by: &[&str], f: &[(&str, &str)]| {
        run_query(&[&c], &q(m, by, f)).unwrap_err().to_string()
    };
    assert_eq!(
        err("representation_ratio", &["area"], &[]),
        "representation_ratio compares the share of a group: name it with --by or --where on one of gender, ethnic_group, ethnicity, disability, age_band (e.g. --by ethnic_group, or --where gender=female)"
    );
    assert_eq!(
        err("leadership_gap", &["gender"], &[("disability", "yes")]),
        "leadership_gap compares one group breakdown at a time, but both gender and disability were given"
    );
    assert_eq!(
        err("leadership_gap", &["gender", "leader"], &[]),
        "leadership_gap compares leaders with the whole workforce, so it cannot be broken down or filtered by leader"
    );
    // Found before any data is loaded.
    assert!(check_query(&q("representation_ratio", &[], &[])).is_err());
    assert!(check_query(&q("representation_ratio", &[], &[("gender", "male")])).is_ok());
}

#[test]
fn leadership_gap_compares_leaders_with_everyone() {
    let c = census_2025();
    // Leaders (levels 5-6): row 4 (female, refused ethnicity) and F (male, White).
    // Gender: leaders female 1/2, male 1/2; workforce (gender known 7) female 4/7,
    // male 3/7. Gap = leaders' share / workforce share. not_known: C is no leader,
    // 0 of the 2 leaders against 1 of all 8 people.
    let r = run(&c, "leadership_gap", &["gender"], &[]);
    assert_table(
        &r,
        &[
            ("female", 0.5 / (4.0 / 7.0)),
            ("male", 0.5 / (3.0 / 7.0)),
            ("not_known", 0.0),
        ],
    );
    let female = &r.rows[0];
    assert!(close(female.numerator, 0.5) && close(female.denominator, 4.0 / 7.0));
    // Basis: the leaders the leaders' share is out of.
    assert_eq!(female.basis, 2);
    // Ethnic group: the one leader with a known group is White (1/1), against 4 White
    // of the 7 people with a known group; Asian leaders 0/1 against 1/7.
    let r = run(&c, "leadership_gap", &["ethnic_group"], &[]);
    let white = r.rows.iter().find(|x| x.keys[0] == "White").unwrap();
    assert_value(white, 1.0 / (4.0 / 7.0), 1);
    let asian = r.rows.iter().find(|x| x.keys[0] == "Asian").unwrap();
    assert_value(asian, 0.0, 1);
    // Per employer: E1's only leader is row 4 (female): 1/1 against E1's women
    // A, row 4, E, row 8 = 4 of the 6 with known gender (B, D men; C not known).
    assert_table(
        &run(&c, "leadership_gap", &["employer"], &[("gender", "female")]),
        &[("E1", 1.0 / (4.0 / 6.0)), ("E2", 0.0)],
    );
    // A context with no leaders has no gap (basis 0).
    let r = run(&c, "leadership_gap", &["sector"], &[("gender", "female")]);
    let edu = r.rows.iter().find(|x| x.keys[0] == "education").unwrap();
    assert_eq!((edu.value, edu.basis), (None, 0));
}

#[test]
fn observed_wastage_follows_people_to_the_next_census() {
    let (t, t1) = two_years();
    // Employers returning both years: E1 and E2 (E3 did not return in 2025). People at
    // 2024 with a person_id there: P1, P2, P3, P4, P5, P7 = 6 (K1 has no person_id; P6
    // worked for E3). In no 2025 return: P5. 1/6, queried at 2025.
    let r = run_query(&[&t, &t1], &q("observed_wastage_rate", &[], &[])).unwrap();
    assert!(r.by.is_empty());
    assert_table(&r, &[("", 1.0 / 6.0)]);
    assert_eq!(
        (r.rows[0].numerator, r.rows[0].denominator),
        (Some(1.0), Some(6.0))
    );
    // By the person's place at 2024 (a person counts once per group): early_years
    // P1, P2, P4, P7 = 0/4; education P3, P7 = 0/2; social_care P4, P5 = 1/2.
    assert_table(
        &run_query(&[&t1, &t], &q("observed_wastage_rate", &["sector"], &[])).unwrap(),
        &[
            ("education", 0.0),
            ("early_years", 0.0),
            ("social_care", 0.5),
        ],
    );
    // By employer at 2024 (E3 is not among those that returned both years).
    let r = run_query(
        &[&t, &t1],
        &q("observed_wastage_rate", &["census_date", "employer"], &[]),
    )
    .unwrap();
    assert_table(&r, &[("2025-11-01|E1", 0.0), ("2025-11-01|E2", 0.5)]);
    // Filters apply to the places at 2024: area X (E06000001) holds E1/S1 and E2/S1:
    // P1, P2, P4, P5, P7 = 1/5.
    assert_table(
        &run_query(
            &[&t, &t1],
            &q("observed_wastage_rate", &[], &[("area", "E06000001")]),
        )
        .unwrap(),
        &[("", 0.2)],
    );
    // Asked at 2025 alone, or at the first date, it says what is missing.
    let e = run_query(&[&t1], &q("observed_wastage_rate", &[], &[]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "observed_wastage_rate at 2025-11-01 follows the people of the census before it, which was not given: pass both census dates (e.g. --census-date 2024-11-01,2025-11-01)"
    );
    let e = run_query(
        &[&t, &t1],
        &q(
            "observed_wastage_rate",
            &[],
            &[("census_date", "2024-11-01")],
        ),
    )
    .unwrap_err();
    assert!(matches!(e, AnalysisError::NeedsMore(_)), "{e}");
    // The census_date filter picks the later date; the earlier one is still used.
    assert_table(
        &run_query(
            &[&t, &t1],
            &q(
                "observed_wastage_rate",
                &[],
                &[("census_date", "2025-11-01")],
            ),
        )
        .unwrap(),
        &[("", 1.0 / 6.0)],
    );
    // Link keys survive a snapshot.
    let back = Cube::from_bytes(&t.to_bytes()).unwrap();
    assert_eq!(
        run_query(&[&back, &t1], &q("observed_wastage_rate", &[], &[])).unwrap(),
        r_total(&t, &t1)
    );
}

fn r_total(t: &Cube, t1: &Cube) -> QueryResult {
    run_query(&[t, t1], &q("observed_wastage_rate", &[], &[])).unwrap()
}

#[test]
fn series_breaks_are_declared_or_detected() {
    let (t, t1) = two_years();
    let breaks = SeriesBreaks::from_csv(
        "measure,census_date,reason\n\
         *,2025-06-01,The role list was revised\n\
         turnover_rate,2025-11-01,Leavers now include agency staff\n\
         posts,2024-11-01,Too early: no date before it in the series\n",
    )
    .unwrap();
    let ctx = QueryContext {
        series_breaks: Some(&breaks),
        ..QueryContext::default()
    };
    let r = run_query_with(&[&t, &t1], &q("posts", &[], &[]), &ctx).unwrap();
    assert_eq!(
        r.series_breaks,
        vec![SeriesBreak {
            census_date: date(2025, 11, 1),
            reason: "The role list was revised".into(),
        }]
    );
    assert_eq!(
        r.series_break(date(2025, 11, 1)),
        Some("The role list was revised")
    );
    assert_eq!(r.series_break(date(2024, 11, 1)), None);
    let r = run_query_with(&[&t, &t1], &q("turnover_rate", &[], &[]), &ctx).unwrap();
    assert_eq!(
        r.series_breaks[0].reason,
        "The role list was revised; Leavers now include agency staff"
    );
    // One census date is no series: no breaks.
    let r = run_query_with(&[&t1], &q("posts", &[], &[]), &ctx).unwrap();
    assert!(r.series_breaks.is_empty());
    // Cubes built from different code lists break the series by themselves.
    let mut other = t.clone();
    other.codes_fingerprint ^= 1;
    let r = run_query(&[&other, &t1], &q("posts", &[], &[])).unwrap();
    assert_eq!(r.series_breaks.len(), 1);
    assert!(
        r.series_breaks[0]
            .reason
            .contains("code lists changed between 2024-11-01 and 2025-11-01"),
        "{:?}",
        r.series_breaks
    );
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        json.contains("\"series_breaks\":[{\"census_date\":\"2025-11-01\""),
        "{json}"
    );
    // Without breaks nothing is added.
    assert!(
        run_query(&[&t, &t1], &q("posts", &[], &[]))
            .unwrap()
            .series_breaks
            .is_empty()
    );
}

#[test]
fn several_posts_unknowns_and_even_medians() {
    // Z holds two posts in different roles (teacher and teaching_assistant) at one
    // setting; Y is a teacher; U's job title maps to no role. Pay: Z 30000 and 10000,
    // Y 40000, U 20000.
    let mut b = CubeBuilder::new(date(2025, 11, 1));
    place(&mut b, "E1", "S1", "school_primary", "E06000001");
    let with_pay = |w: Worker, pay: u32| Worker {
        annual_pay: Some(pay),
        ..w
    };
    b.worker("E1", &with_pay(post(key(1), "S1", "teacher", 60), 30000));
    b.worker(
        "E1",
        &with_pay(post(key(1), "S1", "teaching_assistant", 40), 10000),
    );
    b.worker("E1", &with_pay(post(key(2), "S1", "teacher", 100), 40000));
    b.worker(
        "E1",
        &Worker {
            role: None,
            job_title: Some("Chief dragon tamer".into()),
            ..with_pay(post(key(3), "S1", "teacher", 100), 20000)
        },
    );
    let c = b.finish();
    // Z counts once in the headcount (3 people over 4 posts)...
    assert_value(&total(&c, "headcount"), 3.0, 3);
    assert_value(&total(&c, "posts"), 4.0, 4);
    // ...and once in each role's headcount; the unmapped title is its own row.
    assert_table(
        &run(&c, "headcount", &["role"], &[]),
        &[
            ("teacher", 2.0),
            ("teaching_assistant", 1.0),
            ("not_known", 1.0),
        ],
    );
    // Both of Z's roles are in education: one person there.
    assert_table(
        &run(&c, "headcount", &["sector"], &[]),
        &[("education", 2.0), ("not_known", 1.0)],
    );
    // Four pay values 10000 20000 30000 40000: the median is (20000 + 30000) / 2.
    assert_value(&total(&c, "median_pay"), 25000.0, 4);
    // Teachers' two values 30000 and 40000: 35000.
    assert_table(
        &run(&c, "median_pay", &["role"], &[("role", "teacher")]),
        &[("teacher", 35000.0)],
    );
}
