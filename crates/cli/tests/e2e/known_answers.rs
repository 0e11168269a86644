//! Known answers: the small return in `Return::known()` worked by hand, through the real
//! binary on both backends.
//!
//! Posts 6, people 5 (W4 holds two posts), FTE 1+0.5+1+1+0.2+1 = 4.7.
//! Leavers 2 (1 retirement), both leaving the children's workforce.
//! Vacancies 3 (2 hard to fill). Posts started on or before 2024-11-01: W1, W4 x2, W5 = 4.
//! Pay (no volunteers): 20k 21k 22k 26k 40k 80k -> median (22k+26k)/2 = 24k.
//! Men: 20k, 80k -> median 50k; women: 21k 22k 26k 40k -> 24k; gap (50-24)/50 = 0.52.
//! Achieved level >= 3: W1 W2 W4 W5 = 4 of 5 people; working towards >= 2: W3 = 1 of 5.
//! Aged 55+ in 2025: W2 (57) and W5 (60) = 2 of 5.

use crate::on_both;
use crate::support::*;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-4, "{a} != {b}");
}

on_both!(every_measure_matches_the_hand_worked_answer, |env: Env| {
    env.init();
    let dir = Return::known().write_dir(&env.path("ret"));
    let out = env.import("E1", &dir, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let expected = [
        ("posts", 6.0),
        ("headcount", 5.0),
        ("fte", 4.7),
        ("vacancies", 3.0),
        ("vacancy_rate", 3.0 / 9.0),
        ("hard_to_fill_share", 2.0 / 3.0),
        ("leavers", 2.0),
        ("turnover_rate", 2.0 / 6.0),
        ("wastage_rate", 2.0 / 6.0),
        ("non_retirement_wastage_rate", 1.0 / 6.0),
        ("stability_rate", 4.0 / 6.0),
        ("agency_share", 1.0 / 4.7),
        ("median_pay", 24000.0),
        ("gender_pay_gap", 0.52),
        ("qualified_share_l3", 0.8),
        ("working_towards_share_l2", 0.2),
        ("age_55_plus_share", 0.4),
    ];
    for (measure, want) in expected {
        close(env.value(measure), want);
    }
    // Numerator and denominator travel with every rate.
    let rows = env.query("vacancy_rate", "", &["--no-suppression"]);
    assert_eq!(rows[0]["numerator"], 3);
    assert_eq!(rows[0]["denominator"], 9);
    assert_eq!(rows[0]["suppressed"], false);
    // Counts carry value = numerator and no denominator.
    let rows = env.query("posts", "sector", &["--no-suppression"]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["value"], rows[0]["numerator"]);
    assert!(rows[0]["denominator"].is_null());
    // The job title "Teaching Asst" landed on teaching_assistant through the shipped map.
    let roles = env.query("posts", "role", &["--no-suppression"]);
    assert!(
        roles
            .iter()
            .any(|r| r["role"] == "teaching_assistant" && r["value"] == 1)
    );
});

on_both!(small_cells_are_suppressed_by_default, |env: Env| {
    env.init();
    let dir = Return::known().write_dir(&env.path("ret"));
    assert!(env.import("E1", &dir, &[]).status.success());
    // 3 posts per sector: below the threshold of 5, so hidden, and the JSON says so.
    let rows = env.query("posts", "sector", &[]);
    for r in &rows {
        assert_eq!(r["suppressed"], true, "{r}");
        assert!(r["value"].is_null() && r["numerator"].is_null() && r["denominator"].is_null());
    }
    // The total of 6 is shown.
    let rows = env.query("posts", "", &[]);
    assert_eq!(rows[0]["value"], 6);
    // CSV shows c, and the table a footnote.
    let csv = env.ok(&[
        "query",
        "--census-date",
        CENSUS,
        "--measure",
        "posts",
        "--by",
        "sector",
        "--format",
        "csv",
    ]);
    assert!(csv.lines().skip(1).all(|l| l.ends_with("c,c,c")), "{csv}");
    let table = env.ok(&[
        "query",
        "--census-date",
        CENSUS,
        "--measure",
        "posts",
        "--by",
        "sector",
    ]);
    assert!(table.contains("suppressed"), "{table}");
    // The threshold is never below 3.
    let out = env.run(&[
        "query",
        "--census-date",
        CENSUS,
        "--measure",
        "posts",
        "--threshold",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
});

on_both!(resubmission_replaces_and_keeps_history, |env: Env| {
    env.init();
    let first = Return::known().write_dir(&env.path("v1"));
    assert!(env.import("E1", &first, &[]).status.success());
    assert_eq!(env.value("posts"), 6.0);
    let second = Return::known()
        .push_row("workers", 0)
        .set("workers", 6, "worker_ref", "W9");
    let second = second.write_dir(&env.path("v2"));
    let out = env.import("E1", &second, &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["accepted"], true);
    assert!(report["replaced_return_id"].is_number());
    assert_eq!(env.value("posts"), 7.0);
    let h = env.json(&["history", "--employer", "E1", "--format", "json"]);
    let statuses: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["current", "replaced"]);
    assert_eq!(h[1]["posts"], 6);
    assert_eq!(h[0]["file_digest"].as_str().unwrap().len(), 64);
});

on_both!(workbooks_and_zips_give_the_same_answers, |env: Env| {
    env.init();
    let r = Return::known();
    let xlsx = r.write_xlsx(&env.path("return.xlsx"), false);
    let out = env.import("E1", &xlsx, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let zip = r.write_zip(&env.path("return.zip"));
    assert!(env.import("E2", &zip, &[]).status.success());
    assert_eq!(env.value("posts"), 12.0);
    // The same four NI numbers in both returns are the same four people; W3 has no
    // identifier, so each of their posts counts as its own person: 4 + 2 = 6.
    assert_eq!(env.value("headcount"), 6.0);
});
