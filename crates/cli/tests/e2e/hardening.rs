//! Regression tests for weaknesses found by attacking the product (docs/security.md):
//! an employer moving itself to another area, formulas in CSV downloads, identical
//! returns adding versions, and answers from a partial census passing for a whole one.

use crate::on_both;
use crate::support::*;
use serde_json::Value;

fn tracked(env: &Env, area: &str) -> Vec<String> {
    let v = env.json(&[
        "returns",
        "--census-date",
        CENSUS,
        "--area",
        area,
        "--format",
        "json",
    ]);
    v["employers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["employer_id"].as_str().unwrap().to_string())
        .collect()
}

on_both!(a_return_never_moves_its_employer, |env: Env| {
    env.init();
    let home = Return::known().write_dir(&env.path("home"));
    assert!(env.import("E1", &home, &[]).status.success());
    assert_eq!(tracked(&env, "E06000056"), ["E1"]);
    // Every setting now says another area: the return is stored, with a warning, and
    // the employer stays in its own area's tracker.
    let moved = Return::known()
        .set("settings", 0, "area_code", "E06000001")
        .set("settings", 1, "area_code", "E06000001")
        .write_dir(&env.path("moved"));
    let out = env.import("E1", &moved, &["--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["accepted"], true, "{report}");
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("registered in area E06000056"),
        "{warnings}"
    );
    assert_eq!(tracked(&env, "E06000056"), ["E1"]);
    assert!(tracked(&env, "E06000001").is_empty());
    // Only an administrator moves it.
    env.ok(&[
        "employers",
        "add",
        "--id",
        "E1",
        "--name",
        "Acorns",
        "--area",
        "E06000001",
    ]);
    assert_eq!(tracked(&env, "E06000001"), ["E1"]);
});

on_both!(an_identical_return_is_unchanged, |env: Env| {
    env.init();
    let r = Return::known();
    let dir = r.write_dir(&env.path("v1"));
    assert!(env.import("E1", &dir, &[]).status.success());
    let again = env.import("E1", &dir, &["--format", "json"]);
    let report: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["accepted"], true, "{report}");
    assert_eq!(report["unchanged"], true, "{report}");
    assert_eq!(env.history_len("E1"), 1);
    // The same records in another kind of file are the same return.
    let xlsx = r.write_xlsx(&env.path("same.xlsx"), false);
    let out = env.import("E1", &xlsx, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Unchanged: employer E1"), "{text}");
    assert_eq!(env.history_len("E1"), 1);
    // A real change is a new version.
    let changed = r
        .set("workers", 0, "annual_pay", "23000")
        .write_dir(&env.path("v2"));
    assert!(env.import("E1", &changed, &[]).status.success());
    assert_eq!(env.history_len("E1"), 2);
});

on_both!(answers_say_how_complete_the_census_is, |env: Env| {
    env.init();
    env.ok(&[
        "employers",
        "add",
        "--id",
        "E2",
        "--name",
        "Hill Trust",
        "--area",
        "E06000056",
    ]);
    let dir = Return::known().write_dir(&env.path("e1"));
    assert!(env.import("E1", &dir, &[]).status.success());
    let v = env.json(&[
        "query",
        "--census-date",
        CENSUS,
        "--measure",
        "posts",
        "--where",
        "area=E06000056",
        "--format",
        "json",
    ]);
    let c = &v["completeness"][0];
    assert_eq!(c["census_date"], CENSUS);
    assert_eq!(c["area"], "E06000056");
    assert_eq!(c["returns_stored"], 1);
    assert_eq!(c["returns_expected"], 2);
    let table = env.ok(&["query", "--census-date", CENSUS, "--measure", "posts"]);
    assert!(
        table.contains("1 of 2 expected employers have returned (50%)"),
        "{table}"
    );
    let dir = Return::known().write_dir(&env.path("e2"));
    assert!(env.import("E2", &dir, &[]).status.success());
    let table = env.ok(&["query", "--census-date", CENSUS, "--measure", "posts"]);
    assert!(
        table.contains("all 2 expected employers have returned"),
        "{table}"
    );
});

#[test]
fn csv_downloads_never_carry_formulas() {
    let env = Env::sqlite();
    env.init();
    let dir = Return::known()
        .set("workers", 0, "role", "")
        .set("workers", 0, "job_title", "=SUM(A1:A9) Nursery Nurse")
        .write_dir(&env.path("r"));
    let out = env.import("E1", &dir, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let csv = env.ok(&["jobtitles", "--format", "csv"]);
    assert!(csv.contains("'=SUM(A1:A9) Nursery Nurse"), "{csv}");
    assert!(!csv.contains(",=SUM") && !csv.contains("\"=SUM"), "{csv}");
}
