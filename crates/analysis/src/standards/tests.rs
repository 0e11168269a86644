//! Known answers for the shipped standards on a small census worked out by hand, and
//! the messages a wrong standards file gets.

use super::fixtures::{Census, date, post, setting};
use super::*;
use crate::Cube;
use observatory_domain::codes;

const A: &str = "E06000001";
const B: &str = "E06000002";
const C: &str = "E06000003";

/// The 2025-11-01 census (all qualifications achieved unless said; fte in hundredths):
///
/// E1/S1 full_daycare, area A, private:
///   p1 room_leader (level 3 role) L3 1.00; p2 setting_manager (5) L2 1.00;
///   p3 early_years_practitioner (2) L2 1.00; p4 early_years_assistant (1) entry 0.50;
///   p5 early_years_practitioner L1 0.50; no person_id: early_years_practitioner none 1.00;
///   p6 unmapped job title L3 1.00.
/// E1/S2 full_daycare, area B, voluntary:
///   p7 room_leader L4 1.00 and p7 early_years_teacher L4 0.20 (two posts, one person);
///   p8 early_years_practitioner L3 1.00; p9 early_years_assistant none 1.00;
///   p10 teacher L6 0.60.
/// E1/S3 sessional_daycare, area A, private: p11 early_years_teacher L6 0.80.
/// E1/S4 school_primary, area A, public: p12 teacher L6 1.00.
/// E2/S1 full_daycare, area A, public: no staff.
/// E3/P1..P11 sessional_daycare, area C, private: p13 early_years_teacher L6 0.50 in P1,
///   p14 teacher L5 1.00 in P2 (below level 6, so not a qualified teacher).
/// E4/LA la_childrens_services, area C, public: p15 teacher L6 1.00.
fn census() -> Cube {
    let mut c = Census::new(date(2025, 11, 1));
    c.setting("E1", setting("S1", "full_daycare", A, "private"))
        .setting("E1", setting("S2", "full_daycare", B, "voluntary"))
        .setting("E1", setting("S3", "sessional_daycare", A, "private"))
        .setting("E1", setting("S4", "school_primary", A, "public"));
    for w in [
        post("S1", 1, Some("room_leader"), 100, "3"),
        post("S1", 2, Some("setting_manager"), 100, "2"),
        post("S1", 3, Some("early_years_practitioner"), 100, "2"),
        post("S1", 4, Some("early_years_assistant"), 50, "entry"),
        post("S1", 5, Some("early_years_practitioner"), 50, "1"),
        post("S1", 0, Some("early_years_practitioner"), 100, "none"),
        post("S1", 6, None, 100, "3"),
        post("S2", 7, Some("room_leader"), 100, "4"),
        post("S2", 7, Some("early_years_teacher"), 20, "4"),
        post("S2", 8, Some("early_years_practitioner"), 100, "3"),
        post("S2", 9, Some("early_years_assistant"), 100, "none"),
        post("S2", 10, Some("teacher"), 60, "6"),
        post("S3", 11, Some("early_years_teacher"), 80, "6"),
        post("S4", 12, Some("teacher"), 100, "6"),
    ] {
        c.worker("E1", w);
    }
    c.setting("E2", setting("S1", "full_daycare", A, "public"));
    for i in 1..=11 {
        c.setting(
            "E3",
            setting(&format!("P{i}"), "sessional_daycare", C, "private"),
        );
    }
    c.worker("E3", post("P1", 13, Some("early_years_teacher"), 50, "6"))
        .worker("E3", post("P2", 14, Some("teacher"), 100, "5"));
    c.setting("E4", setting("LA", "la_childrens_services", C, "public"))
        .worker("E4", post("LA", 15, Some("teacher"), 100, "6"));
    c.finish()
}

fn result<'a>(results: &'a [StandardResult], id: &str) -> &'a StandardResult {
    results.iter().find(|r| r.id == id).unwrap()
}

fn unit<'a>(r: &'a StandardResult, name: &str) -> &'a UnitResult {
    r.units
        .iter()
        .find(|u| u.unit == name)
        .unwrap_or_else(|| panic!("{name} in {:?}", r.units))
}

#[track_caller]
fn assert_close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// (unit, status, value, required, shortfall) for compact comparisons.
#[track_caller]
fn assert_unit(u: &UnitResult, status: Status, value: Option<f64>, required: f64, shortfall: f64) {
    assert_eq!(u.status, status, "{u:?}");
    match (u.value, value) {
        (Some(a), Some(b)) => assert_close(a, b),
        (a, b) => assert_eq!(a, b, "{u:?}"),
    }
    assert_close(u.required, required);
    assert_close(u.shortfall, shortfall);
}

#[test]
fn shipped_standards_read_and_cover_the_spec_examples() {
    let s = Standards::early_years();
    let ids: Vec<&str> = s.list().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "daycare_supervisors_l3",
            "daycare_other_staff_l2",
            "daycare_early_years_teacher",
            "pvi_teacher_ratio"
        ]
    );
    let ratio = &s.list()[3];
    assert_eq!(ratio.unit, Unit::Area);
    assert_eq!(
        ratio.condition,
        Condition::StaffPerSettings {
            at_least: 1.0,
            per_settings: 10,
            measure: Amount::Fte
        }
    );
    assert_eq!(ratio.staff.qualification_at_least.as_deref(), Some("6"));
    assert_eq!(s.list()[0].staff.career_level, ["3", "4", "5", "6"]);
}

#[test]
fn supervisors_must_all_hold_level_3() {
    let r = check(&Standards::early_years(), &census());
    let sup = result(&r, "daycare_supervisors_l3");
    // Full daycare settings: E1/S1, E1/S2, E2/S1.
    assert_eq!(
        sup.units
            .iter()
            .map(|u| u.unit.as_str())
            .collect::<Vec<_>>(),
        ["E1/S1", "E1/S2", "E2/S1"]
    );
    // E1/S1: supervisors p1 (L3) and p2 (L2): 1 of 2, one more person must qualify.
    let s1 = unit(sup, "E1/S1");
    assert_unit(s1, Status::Fail, Some(0.5), 1.0, 1.0);
    assert_eq!((s1.numerator, s1.denominator), (1.0, Some(2.0)));
    assert_eq!(s1.shortfall_share, Some(0.5));
    assert_eq!(s1.employer.as_deref(), Some("E1"));
    assert_eq!(s1.setting_id.as_deref(), Some("S1"));
    assert_eq!(s1.area, A);
    // p6's job title is unmapped: it cannot be classed as a supervisor or not.
    assert_eq!(s1.unknown_role_posts, 1);
    // E1/S2: p7 holds two supervisor posts (room leader, early years teacher) and counts
    // once; p10, a teacher, is career level 4, so a supervisor too: 2 of 2.
    let s2 = unit(sup, "E1/S2");
    assert_unit(s2, Status::Pass, Some(1.0), 1.0, 0.0);
    assert_eq!((s2.numerator, s2.denominator), (2.0, Some(2.0)));
    assert_eq!(s2.shortfall_share, Some(0.0));
    // E2/S1 has no staff: nothing to judge.
    let e2 = unit(sup, "E2/S1");
    assert_unit(e2, Status::NotApplicable, None, 1.0, 0.0);
    assert_eq!(e2.area, A);
    assert_eq!(
        (
            sup.units_checked,
            sup.units_failing,
            sup.units_not_applicable
        ),
        (3, 1, 1)
    );
    assert_close(sup.total_shortfall, 1.0);
    assert_eq!(sup.census_date, date(2025, 11, 1));
}

#[test]
fn half_of_other_staff_must_hold_level_2() {
    let r = check(&Standards::early_years(), &census());
    let other = result(&r, "daycare_other_staff_l2");
    // E1/S1 other staff: p3 (L2), p4 (entry), p5 (L1), the row without person_id (none):
    // 1 of 4 = 0.25; half of 4 is 2, so one more person must reach level 2.
    let s1 = unit(other, "E1/S1");
    assert_unit(s1, Status::Fail, Some(0.25), 0.5, 1.0);
    assert_close(s1.shortfall_share.unwrap(), 0.25);
    // E1/S2: p8 (L3) and p9 (none): exactly half passes.
    assert_unit(unit(other, "E1/S2"), Status::Pass, Some(0.5), 0.5, 0.0);
    assert_eq!(
        (
            other.units_checked,
            other.units_failing,
            other.units_not_applicable
        ),
        (3, 1, 1)
    );
}

#[test]
fn every_full_daycare_needs_an_early_years_teacher() {
    let r = check(&Standards::early_years(), &census());
    let eyt = result(&r, "daycare_early_years_teacher");
    assert_unit(unit(eyt, "E1/S1"), Status::Fail, Some(0.0), 1.0, 1.0);
    // p7's second post is an early years teacher post.
    assert_unit(unit(eyt, "E1/S2"), Status::Pass, Some(1.0), 1.0, 0.0);
    // A setting with no staff at all fails a count.
    assert_unit(unit(eyt, "E2/S1"), Status::Fail, Some(0.0), 1.0, 1.0);
    assert_eq!(
        (
            eyt.units_checked,
            eyt.units_failing,
            eyt.units_not_applicable
        ),
        (3, 2, 0)
    );
    assert_close(eyt.total_shortfall, 2.0);
    assert_eq!(unit(eyt, "E1/S1").denominator, None);
}

#[test]
fn one_fte_teacher_per_ten_pvi_settings_in_each_area() {
    let r = check(&Standards::early_years(), &census());
    let ratio = result(&r, "pvi_teacher_ratio");
    assert_eq!(
        ratio
            .units
            .iter()
            .map(|u| u.unit.as_str())
            .collect::<Vec<_>>(),
        [A, B, C]
    );
    // A: E1/S1 and E1/S3 are PVI early years settings (E2/S1 is public, S4 a school):
    // 2 settings need 0.2 FTE; p11 gives 0.8.
    let a = unit(ratio, A);
    assert_unit(a, Status::Pass, Some(0.8), 0.2, 0.0);
    assert_eq!(a.denominator, Some(2.0));
    assert_eq!(a.employer, None);
    // B: E1/S2 alone needs 0.1; p10 (teacher L6, 0.6) counts, p7's EYT post (L4) does not.
    assert_unit(unit(ratio, B), Status::Pass, Some(0.6), 0.1, 0.0);
    // C: 11 settings need 1.1 FTE; p13 gives 0.5 (p14 is level 5, the LA teacher works
    // outside the PVI settings): 0.6 FTE short.
    let c = unit(ratio, C);
    assert_unit(c, Status::Fail, Some(0.5), 1.1, 0.6);
    assert_eq!(c.denominator, Some(11.0));
    assert_eq!((ratio.units_failing, ratio.units_not_applicable), (1, 0));
    assert_close(ratio.total_shortfall, 0.6);
}

const RATIO_WITH_LA: &str = r#"
[[standard]]
id = "pvi_teacher_ratio_with_la"
title = "One FTE teacher per ten PVI settings, counting local authority teachers"
unit = "area"
[standard.settings]
setting_type = ["full_daycare", "sessional_daycare"]
employing_sector = ["private", "voluntary"]
[standard.staff_settings]
setting_type = ["full_daycare", "sessional_daycare", "la_childrens_services"]
employing_sector = ["private", "voluntary", "public"]
[standard.staff]
role = ["teacher", "early_years_teacher"]
qualification_at_least = "6"
[standard.condition]
kind = "staff_per_settings"
at_least = 1
per_settings = 10
"#;

#[test]
fn staff_can_be_counted_from_other_settings_of_the_area() {
    let s = Standards::from_toml(RATIO_WITH_LA, "test").unwrap();
    let r = check(&s, &census());
    // C: p13 0.5 + the LA teacher p15 1.0 = 1.5 >= 1.1. A: E2/S1 is public full
    // daycare with no staff, p12 teaches in a school: still 0.8.
    assert_unit(unit(&r[0], C), Status::Pass, Some(1.5), 1.1, 0.0);
    assert_unit(unit(&r[0], A), Status::Pass, Some(0.8), 0.2, 0.0);
}

const AREA_AND_FTE: &str = r#"
[[standard]]
id = "other_staff_fte"
title = "Half of other staff FTE at level 2"
unit = "setting"
settings = { setting_type = ["full_daycare"] }
staff = { career_level = ["1", "2"] }
condition = { kind = "qualified_share", level = "2", at_least = 0.5, measure = "fte" }

[[standard]]
id = "supervisors_by_area"
title = "Supervisors at level 3, per area"
unit = "area"
settings = { setting_type = ["full_daycare"] }
staff = { career_level = [3, 4, 5, 6] }
condition = { kind = "qualified_share", level = 3, at_least = 1.0 }

[[standard]]
id = "practitioners_fte"
title = "Two FTE early years practitioners per setting, counting agency staff only"
unit = "setting"
settings = { setting_type = ["full_daycare"], area = ["E06000002"] }
staff = { sector = ["early_years"], contract = ["agency"] }
condition = { kind = "staff_count", at_least = 2, measure = "fte" }

[[standard]]
id = "teachers_per_settings_people"
title = "One qualified teacher (a person) per ten PVI settings"
unit = "area"
settings = { setting_type = ["sessional_daycare"], employing_sector = ["private"] }
staff = { role = ["teacher", "early_years_teacher"], qualification_at_least = "6" }
condition = { kind = "staff_per_settings", at_least = 1, per_settings = 10, measure = "people" }
"#;

#[test]
fn fte_shares_area_units_and_staff_filters() {
    let s = Standards::from_toml(AREA_AND_FTE, "test").unwrap();
    let r = check(&s, &census());
    // E1/S1 other staff FTE: 1.0 (L2) of 1.0 + 0.5 + 0.5 + 1.0 = 3.0: a third; half of
    // 3.0 is 1.5, so 0.5 FTE more must reach level 2.
    let s1 = unit(&r[0], "E1/S1");
    assert_unit(s1, Status::Fail, Some(1.0 / 3.0), 0.5, 0.5);
    assert_eq!((s1.numerator, s1.denominator), (1.0, Some(3.0)));
    // Area A: full daycare E1/S1 (p1 L3, p2 L2) and E2/S1 (nobody): 1 of 2. Area B:
    // E1/S2, p7 once: 1 of 1.
    assert_unit(unit(&r[1], A), Status::Fail, Some(0.5), 1.0, 1.0);
    assert_eq!(unit(&r[1], A).unknown_role_posts, 1);
    assert_unit(unit(&r[1], B), Status::Pass, Some(1.0), 1.0, 0.0);
    // Only E1/S2 is full daycare in area B; it has no agency staff.
    assert_eq!(r[2].units.len(), 1);
    assert_unit(&r[2].units[0], Status::Fail, Some(0.0), 2.0, 2.0);
    // People per settings: area C's 11 settings need 1.1 people and have p13: one person
    // short, as people come whole. Area A (E1/S3) needs 0.1 and has p11.
    assert_unit(unit(&r[3], C), Status::Fail, Some(1.0), 1.1, 1.0);
    assert_unit(unit(&r[3], A), Status::Pass, Some(1.0), 0.1, 0.0);
}

#[test]
fn results_serialise_with_plain_names() {
    let r = check(&Standards::early_years(), &census());
    let json = serde_json::to_value(&r[3]).unwrap();
    assert_eq!(json["condition"]["kind"], "staff_per_settings");
    assert_eq!(json["condition"]["measure"], "fte");
    assert_eq!(json["unit"], "area");
    assert_eq!(json["units"][2]["status"], "fail");
    assert_eq!(json["units"][2]["employer"], serde_json::Value::Null);
}

/// The problems of a file that should be refused.
fn problems(text: &str) -> Vec<String> {
    match Standards::from_toml(text, "my.toml") {
        Err(StandardsError::Invalid { origin, problems }) => {
            assert_eq!(origin, "my.toml");
            problems
        }
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn unknown_codes_get_a_did_you_mean() {
    let p = problems(
        r#"
[[standard]]
id = "x"
title = "X"
unit = "setting"
settings = { setting_type = ["full_day_care"], employing_sector = ["privat"], area = ["Leeds"] }
staff = { role = ["early_years_teacher", "early_year_teacher"], career_level = [7] }
condition = { kind = "qualified_shares", level = 3, at_least = 1 }
"#,
    );
    assert_eq!(
        p,
        [
            "standard 'x': settings.setting_type: 'full_day_care' is not a setting type; did you mean 'full_daycare'?",
            "standard 'x': settings.employing_sector: 'privat' is not an employing sector; did you mean 'private'?",
            "standard 'x': settings.area: \"Leeds\" is not an area code; give the GSS code, a letter and eight digits such as \"E06000056\"",
            "standard 'x': staff.role: 'early_year_teacher' is not a role code; did you mean 'early_years_teacher'?",
            "standard 'x': staff.career_level: '7' is not a career level; allowed: 1, 2, 3, 4, 5 or 6",
            "standard 'x': condition.kind: 'qualified_shares' is not allowed; did you mean 'qualified_share'?",
        ]
    );
}

#[test]
fn conditions_are_checked_for_what_their_kind_needs() {
    let p = problems(
        r#"
[[standard]]
id = "share"
title = "S"
unit = "setting"
condition = { kind = "qualified_share", at_least = 50 }

[[standard]]
id = "ratio"
title = "R"
unit = "setting"
condition = { kind = "staff_per_settings", at_least = 1, level = 3 }

[[standard]]
title = "no id"
unit = "county"
condition = { kind = "staff_count", at_least = 1, per_settings = 10, measure = "heads" }

[[standard]]
id = "share"
title = "Again"
unit = "area"
staff_settings = { setting_type = ["full_daycare"] }
condition = { kind = "staff_count", at_least = 0 }
"#,
    );
    let levels = codes().qualification_level.allowed();
    assert_eq!(
        p,
        [
            "standard 'share': condition.at_least: 50 is not a share; a share is a fraction from 0 to 1 (0.5 = half); for 50 % write 0.5".to_string(),
            format!("standard 'share': condition.level: is missing; qualified_share needs the qualification level, {levels}"),
            "standard 'ratio': condition.level: does not apply to staff_per_settings; only qualified_share has a level (use staff.qualification_at_least to count only qualified staff)".into(),
            "standard 'ratio': condition.per_settings: is missing; staff_per_settings needs how many settings at_least is for (e.g. 10)".into(),
            "standard 'ratio': unit: staff_per_settings compares staff with the number of settings in an area, so the unit must be area".into(),
            "the 3rd [[standard]]: id: is missing; give each standard a short unique id such as \"daycare_supervisors_l3\"".into(),
            "the 3rd [[standard]]: unit: 'county' is not allowed; allowed: setting, area".into(),
            "the 3rd [[standard]]: condition.measure: 'heads' is not allowed; allowed: people, fte".into(),
            "the 3rd [[standard]]: condition.per_settings: does not apply to staff_count; only staff_per_settings counts per settings".into(),
            "standard 'share': condition.at_least: 0 must be a number above 0".into(),
        ]
    );
}

#[test]
fn broken_toml_and_unknown_keys_say_where() {
    let e = Standards::from_toml("[[standard]]\nid = \"a\"\nsetting_types = []\n", "my.toml")
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("my.toml is not a valid standards file:"),
        "{text}"
    );
    assert!(text.contains("line 3"), "{text}");
    assert!(text.contains("setting_types"), "{text}");
    let e = Standards::from_toml("[[standard]\n", "my.toml").unwrap_err();
    assert!(matches!(e, StandardsError::Syntax { .. }), "{e}");
    let e = Standards::from_toml("", "empty.toml").unwrap_err();
    assert_eq!(
        e.to_string(),
        "empty.toml has 1 problem:\n- it declares no standard; each one starts with a [[standard]] line"
    );
    let e = Standards::from_file(std::path::Path::new("/nonexistent/standards.toml")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("cannot read the standards file /nonexistent/standards.toml"),
        "{e}"
    );
}

#[test]
fn duplicate_ids_and_misplaced_staff_settings_are_refused() {
    // A standard with another problem is not also reported as a duplicate.
    let p = problems(
        r#"
[[standard]]
id = "a"
title = "A"
unit = "area"
condition = { kind = "staff_count", at_least = 1 }
[[standard]]
id = "a"
title = "A again"
unit = "setting"
condition = { kind = "staff_count", at_least = 1 }
[[standard]]
id = "a"
title = "A with staff elsewhere"
unit = "setting"
staff_settings = { setting_type = ["full_daycare"] }
condition = { kind = "staff_count", at_least = 1 }
"#,
    );
    assert_eq!(
        p,
        [
            "standard 'a': id: 'a' is used by an earlier standard; ids must be unique",
            "standard 'a': staff_settings: applies only to standards with unit = \"area\"; a setting's standard counts that setting's own staff",
        ]
    );
}
