//! Known answers for completeness, continuity and outliers on small hand-made returns.

use observatory_domain::{CensusSink, codes};

use super::outliers::peer_of;
use super::*;
use crate::Cube;
use crate::standards::fixtures::{Census, date, leaver, post, setting, vacancy};

const A: &str = "E06000001";
const B: &str = "E06000002";

#[track_caller]
fn assert_close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-6, "{a} != {b}");
}

/// E1: S1 (area A, multi_agency blank, places 30) and S2 (area B, multi_agency no, places
/// blank). Workers: w1 S1 complete; w2 S1 without person_id, gender not_known, ethnicity
/// NOBT; w3 S2 with an unmapped job title and no pay, ethnicity REFU; w4 S2 a volunteer
/// without pay; w5 in S9, never described. Leavers (no person_id): l1 S1 complete, l2 S1
/// without gender and with reason not_known.
/// E2: T1 (area A); one complete worker; one vacancy with hard_to_fill blank.
fn completeness() -> CompletenessReport {
    let c = codes();
    let mut sink = CompletenessSink::new();
    let mut s1 = setting("S1", "full_daycare", A, "private");
    s1.multi_agency = None;
    let mut s2 = setting("S2", "full_daycare", B, "private");
    s2.places = None;
    sink.setting("E1", &s1);
    sink.setting("E1", &s2);
    sink.setting("E2", &setting("T1", "full_daycare", A, "private"));
    let w1 = post("S1", 1, Some("room_leader"), 100, "3");
    let mut w2 = post("S1", 0, Some("room_leader"), 100, "3");
    w2.gender = c.gender.must("not_known") as u8;
    w2.ethnicity = c.ethnicity.must("NOBT") as u8;
    let mut w3 = post("S2", 3, None, 100, "3");
    w3.annual_pay = None;
    w3.ethnicity = c.ethnicity.must("REFU") as u8;
    let mut w4 = post("S2", 4, Some("room_leader"), 20, "3");
    w4.contract = c.contract.must("volunteer") as u8;
    w4.annual_pay = None;
    let w5 = post("S9", 5, Some("room_leader"), 100, "3");
    for w in [&w1, &w2, &w3, &w4, &w5] {
        sink.worker("E1", w);
    }
    sink.leaver("E1", &leaver("S1", "room_leader"));
    let mut l2 = leaver("S1", "room_leader");
    l2.gender = None;
    l2.reason = c.reason.must("not_known") as u8;
    sink.leaver("E1", &l2);
    sink.worker("E2", &post("T1", 6, Some("room_leader"), 100, "3"));
    let mut v = vacancy("T1", "room_leader", 1);
    v.hard_to_fill = None;
    sink.vacancy("E2", &v);
    sink.finish()
}

fn row<'a>(
    r: &'a CompletenessReport,
    group: &str,
    records: &str,
    field: &str,
) -> &'a CompletenessRow {
    r.rows
        .iter()
        .find(|x| x.group == group && x.records == records && x.field == field)
        .unwrap_or_else(|| panic!("{group} {records} {field}"))
}

/// (rows, complete, not_known, meets_target) of one field.
fn counts(
    r: &CompletenessReport,
    group: &str,
    records: &str,
    field: &str,
) -> (u64, u64, u64, Option<bool>) {
    let x = row(r, group, records, field);
    (x.rows, x.complete, x.not_known, x.meets_target)
}

#[test]
fn completeness_by_employer() {
    let r = completeness();
    let e1 = |records, field| counts(&r, "E1", records, field);
    // Settings: multi_agency and places each given for one of two.
    assert_eq!(e1("settings", "setting_type"), (2, 2, 0, Some(true)));
    assert_eq!(e1("settings", "multi_agency"), (2, 1, 0, Some(false)));
    assert_eq!(e1("settings", "places"), (2, 1, 0, Some(false)));
    // Workers: w2 lacks a person_id (core: 4 of 5 misses 100 %).
    assert_eq!(e1("workers", "person_id"), (5, 4, 0, Some(false)));
    assert_close(
        row(&r, "E1", "workers", "person_id").completeness.unwrap(),
        0.8,
    );
    assert!(row(&r, "E1", "workers", "person_id").core);
    // w3's job title maps to no role.
    assert_eq!(e1("workers", "role"), (5, 4, 0, Some(false)));
    // job_title is only given where the role is not: reported, no target.
    assert_eq!(e1("workers", "job_title"), (5, 1, 0, None));
    assert_eq!(row(&r, "E1", "workers", "job_title").target, None);
    // gender not_known and ethnicity NOBT count as incomplete; REFU is an answer.
    assert_eq!(e1("workers", "gender"), (5, 4, 1, Some(false)));
    assert_eq!(e1("workers", "ethnicity"), (5, 4, 1, Some(false)));
    assert_eq!(e1("workers", "disability"), (5, 5, 0, Some(true)));
    // Pay: the volunteer w4 is not expected to have any; w3 has none: 3 of 4.
    assert_eq!(e1("workers", "annual_pay"), (4, 3, 0, Some(false)));
    assert_eq!(
        row(&r, "E1", "workers", "annual_pay").target,
        Some(OTHER_TARGET)
    );
    // Leavers: neither has a person_id; l2 has no gender and reason not_known.
    assert_eq!(e1("leavers", "person_id"), (2, 0, 0, Some(false)));
    assert_eq!(e1("leavers", "gender"), (2, 1, 0, Some(false)));
    assert_eq!(e1("leavers", "reason"), (2, 1, 1, Some(false)));
    assert_eq!(e1("leavers", "destination"), (2, 2, 0, Some(true)));
    // E1 returned no vacancies, so no vacancy fields are judged for it.
    assert!(
        !r.rows
            .iter()
            .any(|x| x.group == "E1" && x.records == "vacancies")
    );
    // E2: the vacancy's hard_to_fill is blank.
    assert_eq!(
        counts(&r, "E2", "vacancies", "hard_to_fill"),
        (1, 0, 0, Some(false))
    );
    assert_eq!(
        counts(&r, "E2", "vacancies", "vacant_posts"),
        (1, 1, 0, Some(true))
    );

    // E1 checks 8 setting + 14 worker + 12 leaver fields (job_title has no target);
    // below target: multi_agency, places; person_id*, role*, gender, ethnicity,
    // annual_pay; person_id*, gender, reason (* core).
    let s = r.groups.iter().find(|g| g.group == "E1").unwrap();
    assert_eq!(s.level, GroupLevel::Employer);
    assert_eq!(
        (
            s.fields_checked,
            s.fields_below_target,
            s.core_fields_below_target
        ),
        (34, 10, 3)
    );
}

#[test]
fn completeness_by_area_and_nationally() {
    let r = completeness();
    // Area A: w1, w2 (E1/S1) and E2's worker; B: w3, w4; not_known: w5 (S9).
    assert_eq!(
        counts(&r, A, "workers", "person_id"),
        (3, 2, 0, Some(false))
    );
    assert_eq!(counts(&r, B, "workers", "person_id"), (2, 2, 0, Some(true)));
    assert_eq!(
        counts(&r, "not_known", "workers", "person_id"),
        (1, 1, 0, Some(true))
    );
    // Settings of area A: S1 (multi_agency blank) and T1.
    assert_eq!(
        counts(&r, A, "settings", "multi_agency"),
        (2, 1, 0, Some(false))
    );
    // No setting is described in area not_known, so none of its setting fields show.
    assert!(
        !r.rows
            .iter()
            .any(|x| x.group == "not_known" && x.records == "settings")
    );
    assert_eq!(
        counts(&r, "national", "workers", "person_id"),
        (6, 5, 0, Some(false))
    );
    assert_eq!(
        counts(&r, "national", "workers", "annual_pay"),
        (5, 4, 0, Some(false))
    );
    // Groups: employers E1, E2, areas A, B, not_known, then national, each in that order.
    let order: Vec<(GroupLevel, &str)> = r
        .groups
        .iter()
        .map(|g| (g.level, g.group.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            (GroupLevel::Employer, "E1"),
            (GroupLevel::Employer, "E2"),
            (GroupLevel::Area, A),
            (GroupLevel::Area, B),
            (GroupLevel::Area, "not_known"),
            (GroupLevel::National, "national"),
        ]
    );
    let json = serde_json::to_value(&r.rows[0]).unwrap();
    assert_eq!(json["level"], "employer");
    assert_eq!(json["completeness"], 1.0);
}

/// Adds `posts` posts (the first `shared` people holding two each, the rest without a
/// person_id, so each is a person of their own) and `leavers` leavers to one employer.
fn staff(
    c: &mut Census,
    employer: &str,
    kind: &str,
    posts: usize,
    shared: u8,
    leavers: usize,
    first_person: u8,
) {
    let s = format!("{employer}-S");
    c.setting(employer, setting(&s, kind, A, "private"));
    for i in 0..posts {
        let person = if (i / 2) < shared as usize {
            first_person + (i / 2) as u8
        } else {
            0
        };
        c.worker(employer, post(&s, person, Some("room_leader"), 100, "3"));
    }
    for _ in 0..leavers {
        c.leaver(employer, leaver(&s, "room_leader"));
    }
}

/// 2024: E1 40 posts (40 people), 1 leaver; E2 20 posts, 3 leavers; E3 100 posts, 5
/// leavers; E4 10 posts.
/// 2025: E1 52 posts held by 46 people (six hold two), 2 leavers; E2 30 posts, 9
/// leavers; E3 88 posts, 20 leavers; E5 5 posts.
fn two_years() -> (Cube, Cube) {
    let mut y1 = Census::new(date(2024, 11, 1));
    staff(&mut y1, "E1", "full_daycare", 40, 0, 1, 0);
    staff(&mut y1, "E2", "full_daycare", 20, 0, 3, 0);
    staff(&mut y1, "E3", "full_daycare", 100, 0, 5, 0);
    staff(&mut y1, "E4", "full_daycare", 10, 0, 0, 0);
    let mut y2 = Census::new(date(2025, 11, 1));
    staff(&mut y2, "E1", "full_daycare", 52, 6, 2, 1);
    staff(&mut y2, "E2", "full_daycare", 30, 0, 9, 0);
    staff(&mut y2, "E3", "full_daycare", 88, 0, 20, 0);
    staff(&mut y2, "E5", "full_daycare", 5, 0, 0, 0);
    (y1.finish(), y2.finish())
}

#[test]
fn continuity_flags_changes_beyond_both_limits() {
    let (y1, y2) = two_years();
    // Given in either order, the earlier date comes first.
    let r = continuity(&y2, &y1, &ContinuityLimits::default()).unwrap();
    assert_eq!((r.earlier, r.later), (date(2024, 11, 1), date(2025, 11, 1)));
    let get = |e: &str| r.rows.iter().find(|x| x.employer == e).unwrap();
    // E1: posts 40 -> 52 (+12, +30 %): beyond both limits. Headcount 40 -> 46 (+6) is
    // not. Turnover 1/40 = 0.025 -> 2/52.
    let e1 = get("E1");
    assert_eq!(
        (e1.posts_before, e1.posts_after, e1.posts_change),
        (Some(40), Some(52), Some(12))
    );
    assert_close(e1.posts_change_share.unwrap(), 0.3);
    assert_eq!(
        (e1.headcount_before, e1.headcount_after, e1.headcount_change),
        (Some(40), Some(46), Some(6))
    );
    assert_close(e1.turnover_change.unwrap(), 2.0 / 52.0 - 0.025);
    assert_eq!(e1.flags, [ContinuityFlag::PostsJump]);
    assert_eq!(e1.areas, [A]);
    // E2: +10 posts is +50 % but not more than 10 posts; turnover 3/20 = 0.15 -> 9/30 =
    // 0.30 moves exactly 15 points, which is not more than the limit.
    let e2 = get("E2");
    assert_eq!(e2.posts_change, Some(10));
    assert_close(e2.turnover_change.unwrap(), 0.15);
    assert!(e2.flags.is_empty(), "{:?}", e2.flags);
    // E3: -12 posts is only -12 %; turnover 5/100 = 0.05 -> 20/88 = 0.2273: +17.7 points.
    let e3 = get("E3");
    assert_close(e3.posts_change_share.unwrap(), -0.12);
    assert_close(e3.turnover_after.unwrap(), 20.0 / 88.0);
    assert_eq!(e3.flags, [ContinuityFlag::TurnoverJump]);
    // E4 did not return in 2025; E5 is new and not flagged.
    let e4 = get("E4");
    assert_eq!(
        (e4.posts_before, e4.posts_after, e4.posts_change),
        (Some(10), None, None)
    );
    assert_eq!(e4.flags, [ContinuityFlag::NoLaterReturn]);
    let e5 = get("E5");
    assert_eq!((e5.posts_before, e5.posts_after), (None, Some(5)));
    assert!(e5.flags.is_empty());
    assert_eq!(r.employers_flagged, 3);
    assert_eq!(
        r.rows
            .iter()
            .map(|x| x.employer.as_str())
            .collect::<Vec<_>>(),
        ["E1", "E2", "E3", "E4", "E5"]
    );

    // Tighter limits flag E2 and E1's headcount too.
    let strict = ContinuityLimits {
        size_change_share: 0.1,
        size_change_min: 5,
        turnover_change: 0.1,
    };
    let r = continuity(&y1, &y2, &strict).unwrap();
    let e1 = r.rows.iter().find(|x| x.employer == "E1").unwrap();
    assert_eq!(
        e1.flags,
        [ContinuityFlag::PostsJump, ContinuityFlag::HeadcountJump]
    );
    let e2 = r.rows.iter().find(|x| x.employer == "E2").unwrap();
    assert_eq!(
        e2.flags,
        [
            ContinuityFlag::PostsJump,
            ContinuityFlag::HeadcountJump,
            ContinuityFlag::TurnoverJump
        ]
    );
    assert!(matches!(
        continuity(&y1, &y1, &strict),
        Err(crate::AnalysisError::RepeatedCensus(_))
    ));
}

#[test]
fn modified_z_scores_known_answers() {
    // Sorted 0.10 0.11 0.12 0.13 0.50: median 0.12; deviations 0 .01 .01 .02 .38: MAD .01.
    let (median, mad, scale, z) = modified_z_scores(&[0.10, 0.12, 0.11, 0.13, 0.50]);
    assert_close(median, 0.12);
    assert_close(mad, 0.01);
    assert_eq!(scale, Scale::Mad);
    assert_close(z[4], 0.6745 * 0.38 / 0.01);
    assert_close(z[0], -1.349);
    assert_close(z[1], 0.0);
    // Even count: median 2.5 (mean of 2 and 3); deviations 1.5 .5 .5 1.5: MAD 1.0.
    let (median, mad, _, z) = modified_z_scores(&[1.0, 2.0, 3.0, 4.0]);
    assert_eq!((median, mad), (2.5, 1.0));
    assert_close(z[3], 0.6745 * 1.5);
    // MAD 0 (four of five equal): mean absolute deviation 0.1 / 5 = 0.02 stands in.
    let (median, mad, scale, z) = modified_z_scores(&[0.2, 0.2, 0.2, 0.2, 0.3]);
    assert_eq!(
        (median, mad, scale),
        (0.2, 0.0, Scale::MeanAbsoluteDeviation)
    );
    assert_close(z[4], 0.1 / (1.253314 * 0.02));
    assert_eq!(z[0], 0.0);
    // No spread at all: every score 0.
    let (_, _, scale, z) = modified_z_scores(&[0.1; 5]);
    assert_eq!(scale, Scale::NoSpread);
    assert!(z.iter().all(|&z| z == 0.0));
    assert!(modified_z_scores(&[]).3.is_empty());
}

/// Full daycare employers E1..E6 with 10 posts each and 1, 1, 2, 1, 1, 8 leavers; E7
/// (full daycare) with 5 posts and 5 leavers; E8 a primary school with 10 posts; E9 a
/// full daycare with no posts and one leaver.
fn peers() -> Cube {
    let mut c = Census::new(date(2025, 11, 1));
    for (e, leavers) in [
        ("E1", 1),
        ("E2", 1),
        ("E3", 2),
        ("E4", 1),
        ("E5", 1),
        ("E6", 8),
    ] {
        staff(&mut c, e, "full_daycare", 10, 0, leavers, 0);
    }
    staff(&mut c, "E7", "full_daycare", 5, 0, 5, 0);
    staff(&mut c, "E8", "school_primary", 10, 0, 0, 0);
    staff(&mut c, "E9", "full_daycare", 0, 0, 1, 0);
    c.finish()
}

#[test]
fn outliers_within_peer_groups() {
    let cube = peers();
    let config = OutlierConfig {
        measures: vec!["turnover_rate".into()],
        ..OutlierConfig::default()
    };
    let rows = outliers(&cube, &config).unwrap();
    let get = |e: &str| rows.iter().find(|r| r.employer == e).unwrap();
    // full_daycare scored: 0.1 0.1 0.2 0.1 0.1 0.8: median 0.1, MAD 0, so the mean
    // absolute deviation (0.1 + 0.7) / 6 stands in.
    let scale = 1.253314 * 0.8 / 6.0;
    let e6 = get("E6");
    assert_eq!(e6.status, OutlierStatus::Outlier);
    assert_close(e6.z.unwrap(), 0.7 / scale);
    assert_eq!(
        (e6.peers, e6.median, e6.mad, e6.scale),
        (6, Some(0.1), Some(0.0), Some(Scale::MeanAbsoluteDeviation))
    );
    assert_eq!(e6.peer, "full_daycare");
    assert_eq!(
        (e6.numerator, e6.denominator, e6.basis),
        (Some(8.0), Some(10.0), 10)
    );
    let e3 = get("E3");
    assert_eq!(e3.status, OutlierStatus::Within);
    assert_close(e3.z.unwrap(), 0.1 / scale);
    assert_eq!(get("E1").z, Some(0.0));
    // E7's rate rests on 5 posts, below the minimum of 10.
    assert_eq!(
        (get("E7").status, get("E7").z),
        (OutlierStatus::TooFewCases, None)
    );
    // E8 is the only primary school.
    assert_eq!(
        (get("E8").status, get("E8").peer.as_str()),
        (OutlierStatus::FewPeers, "school_primary")
    );
    // E9 has leavers but no posts: no rate.
    assert_eq!(get("E9").status, OutlierStatus::NoValue);
    // Rows by peer group, then employer.
    let order: Vec<&str> = rows.iter().map(|r| r.employer.as_str()).collect();
    assert_eq!(
        order,
        ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E9", "E8"]
    );

    // A stricter peer minimum leaves the daycare group unscored.
    let few = outliers(
        &cube,
        &OutlierConfig {
            min_peers: 7,
            ..config.clone()
        },
    )
    .unwrap();
    assert!(few.iter().all(|r| r.z.is_none()));
    assert_eq!(
        few.iter().find(|r| r.employer == "E6").unwrap().status,
        OutlierStatus::FewPeers
    );
    // By employing sector every employer is private: one group of 7 scored (E8 too).
    let by_sector = outliers(
        &cube,
        &OutlierConfig {
            peer_group: PeerGroup::EmployingSector,
            ..config.clone()
        },
    )
    .unwrap();
    assert!(by_sector.iter().all(|r| r.peer == "private"));
    assert_eq!(by_sector[0].peers, 7);
    // An unknown measure is refused with the query's own message.
    let bad = outliers(
        &cube,
        &OutlierConfig {
            measures: vec!["turnover_rat".into()],
            ..config
        },
    )
    .unwrap_err();
    assert!(
        bad.to_string().contains("did you mean 'turnover_rate'"),
        "{bad}"
    );
}

#[test]
fn main_setting_type_follows_posts_then_settings() {
    let mut c = Census::new(date(2025, 11, 1));
    // E1: 3 posts in full daycare, 1 in each of two sessional settings.
    c.setting("E1", setting("F", "full_daycare", A, "private"))
        .setting("E1", setting("S1", "sessional_daycare", A, "voluntary"))
        .setting("E1", setting("S2", "sessional_daycare", A, "voluntary"));
    for (s, n) in [("F", 3), ("S1", 1), ("S2", 1)] {
        for _ in 0..n {
            c.worker("E1", post(s, 0, Some("room_leader"), 100, "3"));
        }
    }
    // E2: no posts; two sessional settings and one full daycare.
    c.setting("E2", setting("S1", "sessional_daycare", B, "public"))
        .setting("E2", setting("S2", "sessional_daycare", B, "public"))
        .setting("E2", setting("F", "full_daycare", B, "private"));
    let cube = c.finish();
    assert_eq!(
        peer_of(&cube, PeerGroup::SettingType),
        ["full_daycare", "sessional_daycare"]
    );
    assert_eq!(
        peer_of(&cube, PeerGroup::EmployingSector),
        ["private", "public"]
    );
}

#[test]
fn the_completeness_sink_can_be_sent_to_the_store() {
    // `Store::load_census` takes `&mut (dyn CensusSink + Send)`.
    fn streams_into(_: &mut (dyn CensusSink + Send)) {}
    streams_into(&mut CompletenessSink::default());
}
