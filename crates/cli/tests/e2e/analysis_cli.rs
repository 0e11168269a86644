//! The analysis commands of issue 3 through the real binary, on both backends, with
//! answers worked by hand from the small return of `Return::known()` (see
//! known_answers.rs: 6 posts, 5 people, 3 women and 2 men; S1 is a private full daycare
//! in E06000056 with a practitioner and a room leader at level 3 and an assistant
//! working towards level 2; S2 is a school).

use crate::on_both;
use crate::support::*;
use serde_json::Value;
use std::path::Path;

const BEFORE: &str = "2024-11-01";

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-4, "{a} != {b}");
}

/// Import a return for an employer at a census date, insisting it is accepted.
fn import_at(env: &Env, employer: &str, date: &str, dir: &Path) {
    let p = dir.display().to_string();
    env.ok(&["import", "--employer", employer, "--census-date", date, &p]);
}

/// The known return as a year earlier: the same people, posts begun and leavers gone
/// a year before.
fn known_before() -> Return {
    Return::known()
        .set("workers", 1, "start_date", "2024-06-01")
        .set("workers", 2, "start_date", "2024-09-01")
        .set("workers", 4, "start_date", "2023-09-01")
        .set("leavers", 0, "leave_date", "2024-03-01")
        .set("leavers", 1, "leave_date", "2024-07-31")
}

/// E1 and E2 return at the earlier date, only E1 at the later one.
fn e2_stops_returning(env: &Env) {
    env.init();
    import_at(env, "E1", BEFORE, &known_before().write_dir(&env.path("a")));
    import_at(env, "E2", BEFORE, &known_before().write_dir(&env.path("b")));
    import_at(
        env,
        "E1",
        CENSUS,
        &Return::known().write_dir(&env.path("c")),
    );
}

/// The known return without its last `n` worker rows.
fn without_last_workers(n: usize) -> Return {
    let mut r = Return::known();
    let workers = &mut r.parts.iter_mut().find(|p| p.0 == "workers").unwrap().2;
    let keep = workers.len() - n;
    workers.truncate(keep);
    r
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

on_both!(
    population_profiles_import_list_show_and_answer,
    |env: Env| {
        env.init();
        import_at(
            &env,
            "E1",
            CENSUS,
            &Return::known().write_dir(&env.path("r")),
        );
        // Import a profile of women's and men's shares in E06000056 as "hl".
        let import = |file: &str, female: &str| {
            let path = env.path(file);
            std::fs::write(
                &path,
                format!("area,dimension,group,share\nE06000056,gender,{female},0.5\nE06000056,gender,male,0.5\n"),
            )
            .unwrap();
            env.run(&[
                "population",
                "import",
                "--name",
                "hl",
                path.to_str().unwrap(),
            ])
        };
        // A bad file is rejected whole, naming the line and column; nothing is stored.
        let out = import("bad.csv", "femal");
        assert_rejected(&out, "line 2, column group ('femal'): not a code of gender");
        assert!(!env.ok(&["population", "list"]).contains("hl"));
        // A good one is stored and listed beside the shipped default.
        let out = import("hl.csv", "female");
        assert!(out.status.success());
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(said.contains("2 shares for 1 area"), "{said}");
        let list = env.json(&["population", "list", "--format", "json"]);
        let names: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["england_2021", "hl"]);
        let csv = env.ok(&["population", "show", "hl", "--format", "csv"]);
        assert_eq!(
            csv,
            "area,dimension,group,share\nE06000056,gender,female,0.5\nE06000056,gender,male,0.5\n"
        );
        // Women are 3 of 5 people: 0.6 / 0.5 = 1.2 against the area's own profile...
        let q = |extra: &[&str]| {
            let mut args = vec![
                "query",
                "--census-date",
                CENSUS,
                "--measure",
                "representation_ratio",
                "--by",
                "area,gender",
                "--no-suppression",
                "--format",
                "json",
            ];
            args.extend_from_slice(extra);
            env.json(&args)
        };
        let v = q(&["--population", "hl"]);
        let rows = v["rows"].as_array().unwrap();
        let female = rows.iter().find(|r| r["gender"] == "female").unwrap();
        close(female["value"].as_f64().unwrap(), 1.2);
        let male = rows.iter().find(|r| r["gender"] == "male").unwrap();
        close(male["value"].as_f64().unwrap(), 0.8);
        assert_eq!(
            v["population_profiles"],
            serde_json::json!([{"area": "E06000056", "dimension": "gender", "profile": "E06000056"}])
        );
        // ...and 0.6 / 0.5104 against the shipped England 2021 default.
        let v = q(&[]);
        let female = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["gender"] == "female")
            .unwrap()
            .clone();
        close(female["value"].as_f64().unwrap(), 0.6 / 0.5104);
        assert_eq!(v["population_profiles"][0]["profile"], "national");
        // The table says which profile answered.
        let table = env.ok(&[
            "query",
            "--census-date",
            CENSUS,
            "--measure",
            "representation_ratio",
            "--by",
            "area,gender",
            "--population",
            "hl",
        ]);
        assert!(
            table.contains("Population of E06000056 (gender): the area's own profile."),
            "{table}"
        );
        // An unknown profile is named, with those there are.
        let out = env.run(&[
            "query",
            "--census-date",
            CENSUS,
            "--measure",
            "representation_ratio",
            "--by",
            "gender",
            "--population",
            "nope",
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out)
                .contains("no population profile called 'nope'; profiles: england_2021, hl"),
            "{}",
            stderr(&out)
        );
    }
);

/// E1 at both dates: at the later one W1 is promoted to room leader and W5 has gone.
fn two_years(env: &Env) {
    env.init();
    import_at(env, "E1", BEFORE, &known_before().write_dir(&env.path("a")));
    let later = without_last_workers(1).set("workers", 0, "role", "room_leader");
    import_at(env, "E1", CENSUS, &later.write_dir(&env.path("b")));
}

// The contract: observed_wastage_rate is asked at the later date alone and finds the
// census before in the database (it used to answer "pass both census dates").
on_both!(
    observed_wastage_is_asked_at_the_later_date_alone,
    |env: Env| {
        two_years(&env);
        let v = env.json(&[
            "query",
            "--census-date",
            CENSUS,
            "--measure",
            "observed_wastage_rate",
            "--no-suppression",
            "--format",
            "json",
        ]);
        assert_eq!(v["census_date"], CENSUS, "{v}");
        // Of the four people with a person_id at the census before, W5 is in no return now.
        let row = &v["rows"][0];
        assert_eq!(row["numerator"], 1, "{v}");
        assert_eq!(row["denominator"], 4, "{v}");
        // At the earliest census there is nothing before it to follow people from.
        let out = env.run(&[
            "query",
            "--census-date",
            BEFORE,
            "--measure",
            "observed_wastage_rate",
        ]);
        assert!(!out.status.success());
    }
);

on_both!(mobility_follows_people_between_two_censuses, |env: Env| {
    two_years(&env);
    // Linked people: W1, W2, W4, W5 (W3 has no person_id). W2 and W4 stayed, W1 changed
    // role, W5 left; nobody joined.
    let v = env.json(&[
        "mobility",
        "--from",
        BEFORE,
        "--to",
        CENSUS,
        "--no-suppression",
        "--format",
        "json",
    ]);
    let count = |cat: &str| {
        v["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["category"] == cat)
            .map_or(0, |r| r["value"].as_u64().unwrap())
    };
    assert_eq!(
        [
            "stayed",
            "changed_role",
            "changed_employer",
            "changed_sector",
            "left",
            "joined"
        ]
        .map(count),
        [2, 1, 0, 0, 1, 0],
        "{v}"
    );
    assert_eq!(v["unlinked_from"], 1);
    assert_eq!(v["unlinked_to"], 1);
    // The matrix holds the same four people.
    let total: u64 = v["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 4);
    // By role at t: the practitioner (W1) changed role; the headteacher (W5) left.
    let v = env.json(&[
        "mobility",
        "--from",
        BEFORE,
        "--to",
        CENSUS,
        "--by",
        "role",
        "--no-suppression",
        "--format",
        "json",
    ]);
    let rows: Vec<(String, String, u64)> = v["by_group"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().to_string(),
                r["category"].as_str().unwrap().to_string(),
                r["value"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        rows.contains(&("early_years_practitioner".into(), "changed_role".into(), 1)),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("headteacher".into(), "left".into(), 1)),
        "{rows:?}"
    );
    // Suppressed by default: every count here is below 5.
    let v = env.json(&[
        "mobility", "--from", BEFORE, "--to", CENSUS, "--format", "json",
    ]);
    for r in v["categories"].as_array().unwrap() {
        assert_eq!(r["suppressed"], true, "{r}");
        assert!(r["value"].is_null());
    }
    let table = env.ok(&["mobility", "--from", BEFORE, "--to", CENSUS]);
    assert!(table.contains("People by what became of them"), "{table}");
    assert!(table.contains("c = suppressed"), "{table}");
    let csv = env.ok(&[
        "mobility",
        "--from",
        BEFORE,
        "--to",
        CENSUS,
        "--no-suppression",
        "--format",
        "csv",
    ]);
    assert!(csv.starts_with("table,row,column,people\n"), "{csv}");
    assert!(csv.contains("categories,all,changed_role,1\n"), "{csv}");
    // The wrong way round is refused in plain words.
    let out = env.run(&["mobility", "--from", CENSUS, "--to", BEFORE]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not before"), "{}", stderr(&out));
});

on_both!(series_breaks_are_marked_in_tables_and_json, |env: Env| {
    two_years(&env);
    let breaks = env.path("breaks.csv");
    std::fs::write(
        &breaks,
        format!("measure,census_date,reason\nposts,{CENSUS},Agency staff now count as posts\n"),
    )
    .unwrap();
    let b = breaks.to_str().unwrap();
    let dates = format!("{BEFORE},{CENSUS}");
    let args = [
        "query",
        "--census-date",
        &dates,
        "--measure",
        "posts",
        "--no-suppression",
        "--series-breaks",
        b,
    ];
    let table = env.ok(&args);
    let marked: Vec<&str> = table.lines().filter(|l| l.ends_with("break")).collect();
    assert_eq!(marked.len(), 1, "{table}");
    assert!(marked[0].starts_with(CENSUS), "{table}");
    assert!(
        table.contains(&format!(
            "break: the series breaks at {CENSUS}: Agency staff now count as posts."
        )),
        "{table}"
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let v = env.json(&json_args);
    assert_eq!(
        v["series_breaks"],
        serde_json::json!([{"census_date": CENSUS, "reason": "Agency staff now count as posts"}])
    );
    // Without a break, neither the column nor the key appears.
    let v = env.json(&[
        "query",
        "--census-date",
        &dates,
        "--measure",
        "posts",
        "--format",
        "json",
    ]);
    assert!(v.get("series_breaks").is_none(), "{v}");
});

on_both!(
    benchmark_places_an_employer_among_its_neighbours,
    |env: Env| {
        env.init();
        // Posts: E1 6, E2 5, E3 6, E4 4. Neighbours of E1: 4, 5, 6 -> quartiles 4.5, 5, 5.5;
        // E1 ties E3 at the top: rank 1 of 4.
        for (e, r) in [
            ("E1", Return::known()),
            ("E2", without_last_workers(1)),
            ("E3", Return::known()),
            ("E4", without_last_workers(2)),
        ] {
            import_at(&env, e, CENSUS, &r.write_dir(&env.path(e)));
        }
        let args = [
            "benchmark",
            "--census-date",
            CENSUS,
            "--employer",
            "E1",
            "--group",
            "neighbours",
            "--neighbours",
            "E2,E3,E4",
            "--measure",
            "posts",
            "--threshold",
            "3",
        ];
        let v = env.json(&[&args[..], &["--format", "json"]].concat());
        let r = &v[0];
        assert_eq!(r["measure"], "posts");
        assert_eq!(r["value"], 6);
        assert_eq!(r["median"], 5);
        close(r["lower_quartile"].as_f64().unwrap(), 4.5);
        close(r["upper_quartile"].as_f64().unwrap(), 5.5);
        assert_eq!(r["rank"], 1);
        assert_eq!(r["ranked_among"], 4);
        assert_eq!(r["members_compared"], 3);
        let table = env.ok(&args);
        assert!(table.contains("1 of 4"), "{table}");
        // Neighbours without their list is a plain-words error.
        let out = env.run(&[
            "benchmark",
            "--census-date",
            CENSUS,
            "--employer",
            "E1",
            "--group",
            "neighbours",
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("add --neighbours"),
            "{}",
            stderr(&out)
        );
    }
);

on_both!(standards_say_who_falls_short_and_by_how_much, |env: Env| {
    env.init();
    import_at(
        &env,
        "E1",
        CENSUS,
        &Return::known().write_dir(&env.path("r")),
    );
    // S1 (full daycare): its room leader holds level 3 (pass); of the practitioner and
    // the assistant one holds level 2 (0.5, pass); it has no early years teacher (fail,
    // 1 short). Area E06000056 has one private daycare and no teacher in it: it needs
    // 0.1 FTE (fail, 0.1 short).
    let v = env.json(&[
        "standards",
        "check",
        "--census-date",
        CENSUS,
        "--format",
        "json",
    ]);
    let get = |id: &str| -> Value {
        v.as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(get("daycare_supervisors_l3")["units_failing"], 0);
    assert_eq!(get("daycare_other_staff_l2")["units_failing"], 0);
    let eyt = get("daycare_early_years_teacher");
    assert_eq!(eyt["units_failing"], 1);
    assert_eq!(eyt["units"][0]["unit"], "E1/S1");
    close(eyt["units"][0]["shortfall"].as_f64().unwrap(), 1.0);
    let ratio = get("pvi_teacher_ratio");
    assert_eq!(ratio["units"][0]["unit"], "E06000056");
    close(ratio["units"][0]["required"].as_f64().unwrap(), 0.1);
    close(ratio["units"][0]["shortfall"].as_f64().unwrap(), 0.1);
    // The table lists only who falls short.
    let table = env.ok(&["standards", "check", "--census-date", CENSUS]);
    assert!(
        table.contains("daycare_early_years_teacher  E1/S1"),
        "{table}"
    );
    assert!(!table.contains("daycare_supervisors_l3  E1/S1"), "{table}");
    // Another area has nothing to check.
    let v = env.json(&[
        "standards",
        "check",
        "--census-date",
        CENSUS,
        "--area",
        "E09000001",
        "--format",
        "json",
    ]);
    assert_eq!(v[0]["units_checked"], 0);
    // The list, and a bad file rejected with its problem named.
    let list = env.ok(&["standards", "list"]);
    assert!(list.contains("pvi_teacher_ratio"), "{list}");
    let bad = env.path("bad.toml");
    std::fs::write(&bad, "[[standard]]\nid = \"x\"\n").unwrap();
    let out = env.run(&[
        "standards",
        "check",
        "--census-date",
        CENSUS,
        "--file",
        bad.to_str().unwrap(),
    ]);
    assert_rejected(&out, "bad.toml");
});

on_both!(
    quality_reports_completeness_continuity_and_outliers,
    |env: Env| {
        e2_stops_returning(&env);
        // W3 has no person_id: 5 of 6 posts give one, below the 100 % goal of a core field.
        let v = env.json(&[
            "quality",
            "completeness",
            "--census-date",
            CENSUS,
            "--format",
            "json",
        ]);
        let row = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["level"] == "employer" && r["field"] == "person_id" && r["records"] == "workers"
            })
            .unwrap_or_else(|| panic!("{v}"))
            .clone();
        assert_eq!(
            (row["complete"].clone(), row["rows"].clone()),
            (5.into(), 6.into())
        );
        assert_eq!(row["meets_target"], false);
        let table = env.ok(&["quality", "completeness", "--census-date", CENSUS]);
        assert!(table.contains("person_id"), "{table}");
        // --area keeps that area's employers and the area.
        let v = env.json(&[
            "quality",
            "completeness",
            "--census-date",
            CENSUS,
            "--area",
            "E09000001",
            "--format",
            "json",
        ]);
        assert!(v["rows"].as_array().unwrap().is_empty(), "{v}");
        // E2 returned last year but not this year.
        let v = env.json(&[
            "quality",
            "continuity",
            "--census-date",
            CENSUS,
            "--format",
            "json",
        ]);
        assert_eq!(v["employers_flagged"], 1, "{v}");
        let e2 = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["employer"] == "E2")
            .unwrap()
            .clone();
        assert_eq!(e2["flags"], serde_json::json!(["no_later_return"]));
        let table = env.ok(&["quality", "continuity", "--census-date", CENSUS]);
        assert!(table.contains("no_later_return"), "{table}");
        // Too few employers to score: every row says so.
        let v = env.json(&[
            "quality",
            "outliers",
            "--census-date",
            CENSUS,
            "--format",
            "json",
        ]);
        for r in v.as_array().unwrap() {
            assert_ne!(r["status"], "outlier", "{r}");
        }
        // Continuity needs a census before.
        let out = env.run(&["quality", "continuity", "--census-date", BEFORE]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("no returns before"),
            "{}",
            stderr(&out)
        );
    }
);

#[test]
fn every_new_command_teaches_with_examples() {
    let env = Env::sqlite();
    for cmd in [
        &["population", "--help"][..],
        &["mobility", "--help"],
        &["benchmark", "--help"],
        &["standards", "--help"],
        &["quality", "--help"],
    ] {
        let help = env.ok(cmd);
        assert!(help.contains("Examples:"), "{cmd:?}: {help}");
    }
}

on_both!(
    estimates_carry_a_missing_return_forward_flagged,
    |env: Env| {
        e2_stops_returning(&env);
        let posts = |extra: &[&str]| {
            let mut args = vec![
                "query",
                "--census-date",
                CENSUS,
                "--measure",
                "posts",
                "--no-suppression",
                "--format",
                "json",
            ];
            args.extend_from_slice(extra);
            env.json(&args)
        };
        // Reported: E1's 6 posts, nothing flagged.
        let v = posts(&[]);
        assert_eq!(v["rows"][0]["value"], 6);
        assert!(v["rows"][0].get("estimated").is_none(), "{v}");
        // With estimates: E2's 6 posts of 2024 carried forward, flagged, and named.
        let v = posts(&["--estimates"]);
        assert_eq!(v["rows"][0]["value"], 12);
        assert_eq!(v["rows"][0]["estimated"], true);
        assert_eq!(
            v["estimates"],
            serde_json::json!([{"census_date": CENSUS, "carried_from": BEFORE, "employers": ["E2"]}])
        );
        // Aged a year: W1 (born 1995) was 29 in 2024 and counts as 30_34 now.
        let v = posts(&["--estimates", "--by", "age_band", "--where", "employer=E2"]);
        let bands: Vec<&str> = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["age_band"].as_str().unwrap())
            .collect();
        assert!(bands.contains(&"30_34") && !bands.contains(&"25_29"), "{v}");
        let table = env.ok(&[
            "query",
            "--census-date",
            CENSUS,
            "--measure",
            "posts",
            "--no-suppression",
            "--estimates",
        ]);
        assert!(table.contains("~12"), "{table}");
        assert!(
            table.contains(&format!(
                "Estimated at {CENSUS}: 1 employer(s) carried forward from {BEFORE}: E2."
            )),
            "{table}"
        );
        assert!(table.contains("~ = includes estimates"), "{table}");
    }
);
