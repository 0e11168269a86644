//! Workforce projections through the binary: the scenario file and JSON of
//! shared/spec/projections.md, a known answer, the same figures for the same file and
//! seed, saved scenarios reproduced exactly, population projections for demand, and
//! clear errors that store nothing.

use crate::on_both;
use crate::support::Env;
use crate::synthetic::load_small_census;
use serde_json::Value;

const SCENARIO: &str = r#"
name = "Education staff"
[scope]
where = ["area=E06000056", "sector=education"]
base = "2025-11-01"
years = 6
measure = "headcount"
[rates]
leaving = "estimate"
entrants = "estimate"
[demand]
growth = 0.01
[simulation]
runs = 300
seed = 4
"#;

fn write(env: &Env, name: &str, text: &str) -> String {
    let p = env.path(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn project(env: &Env, file: &str) -> Value {
    env.json(&["project", "--scenario", file, "--format", "json"])
}

on_both!(a_scenario_file_projects_as_the_spec_says, |env: Env| {
    load_small_census(&env);
    let file = write(&env, "s.toml", SCENARIO);
    let p = project(&env, &file);
    let years = p["years"].as_array().unwrap();
    assert_eq!(years.len(), 7, "years 0 to 6");
    assert_eq!(years[0]["date"], "2025-11-01");
    assert_eq!(years[6]["date"], "2031-11-01");
    for y in years {
        let (s, lo, hi) = (
            y["supply"].as_f64().unwrap(),
            y["supply_low"].as_f64().unwrap(),
            y["supply_high"].as_f64().unwrap(),
        );
        assert!(lo <= s && s <= hi, "{y}");
        let gap = y["demand"].as_f64().unwrap() - s;
        assert!((y["gap"].as_f64().unwrap() - gap).abs() < 1e-9);
    }
    // Three censuses: the backtest projects one and two years ahead.
    let h: Vec<u64> = p["backtest"]["horizons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["years"].as_u64().unwrap())
        .collect();
    assert_eq!(h, vec![1, 2]);
    assert_eq!(p["scope"]["where"][1], "sector=education");
    // The same file and seed give the same output, to the byte.
    assert_eq!(p, project(&env, &file));
    // The year-0 supply is the census headcount as the query contract gives it.
    let q = env.json(&[
        "query",
        "--census-date",
        "2025-11-01",
        "--measure",
        "headcount",
        "--where",
        "area=E06000056",
        "--where",
        "sector=education",
        "--format",
        "json",
    ]);
    assert_eq!(years[0]["supply"].as_f64(), q["rows"][0]["value"].as_f64());

    // Known answer: one leaving rate for every band makes the total follow the closed
    // form whatever the ages, S_t = S_0 (1-w)^t + E (1 - (1-w)^t) / w; no runs, no band.
    let known = SCENARIO
        .replace("leaving = \"estimate\"", "leaving = 0.12")
        .replace("entrants = \"estimate\"", "entrants = 30")
        .replace("runs = 300", "runs = 0");
    let p = project(&env, &write(&env, "k.toml", &known));
    let s0 = p["years"][0]["supply"].as_f64().unwrap();
    for (t, y) in p["years"].as_array().unwrap().iter().enumerate() {
        let k = 0.88f64.powi(t as i32);
        let want = s0 * k + 30.0 * (1.0 - k) / 0.12;
        assert!(
            (y["supply"].as_f64().unwrap() - want).abs() < 1e-6,
            "year {t}: {y}"
        );
        assert_eq!(y["supply_low"], y["supply"]);
        assert_eq!(y["supply_high"], y["supply"]);
    }
});

on_both!(
    bad_scenarios_and_population_files_say_what_is_wrong,
    |env: Env| {
        load_small_census(&env);
        for (text, want) in [
            (
                SCENARIO.replace("years = 6", "years = 40"),
                "scope.years must be from 1 to 15",
            ),
            (
                SCENARIO.replace("sector=education", "sector=plumbing"),
                "scope.where: unknown value 'plumbing'",
            ),
            (
                SCENARIO.replace("2025-11-01", "2025-10-01"),
                "not a census date",
            ),
            (SCENARIO.replace("growth = 0.01", "grwth = 0.01"), "grwth"),
            ("\u{0}\u{1}\u{2}".to_string(), "not valid"),
        ] {
            let out = env.run(&["project", "--scenario", &write(&env, "bad.toml", &text)]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{err}");
            assert!(err.contains(want), "{want:?} not in {err}");
        }
        let bad = write(
            &env,
            "pop.csv",
            "AREA_CODE,AREA_NAME,COMPONENT,SEX,AGE_GROUP,2025\nE06000056,X,Population,persons,3,many\n",
        );
        let out = env.run(&["project", "population", "import", "--name", "snpp", &bad]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Line 2, year 2025"), "{err}");
        assert_eq!(env.ok(&["project", "population", "list"]), "");
        // A demand naming a population projection not imported says how to import it.
        let with_pop = SCENARIO.replace(
            "growth = 0.01",
            "population = [{ projection = \"snpp\", ratio = \"eyfs_2\" }]",
        );
        let out = env.run(&["project", "--scenario", &write(&env, "p.toml", &with_pop)]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("import it first"));
        let pop = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/examples/population-projection.csv"
        );
        let said = env.ok(&["project", "population", "import", "--name", "snpp", pop]);
        assert!(
            said.contains("1 areas, ages 0 to 25, 2022 to 2045"),
            "{said}"
        );
        let p = project(&env, &write(&env, "p.toml", &with_pop));
        // Children aged 2 in 2025 over 5 children per worker.
        let d = p["years"][0]["demand"].as_f64().unwrap();
        assert!((d - 3578.4 / 5.0).abs() < 0.01, "{d}");
    }
);

on_both!(
    saved_scenarios_keep_their_versions_and_reproduce_exactly,
    |env: Env| {
        load_small_census(&env);
        let file = write(&env, "s.toml", SCENARIO);
        assert_eq!(
            env.ok(&["project", "save", "--scenario", &file]).trim(),
            "Saved scenario education-staff, version 1."
        );
        let shown = env.json(&["project", "show", "education-staff", "--format", "json"]);
        assert_eq!(shown, project(&env, &file));
        let changed = write(
            &env,
            "s2.toml",
            &SCENARIO.replace(
                "entrants = \"estimate\"",
                "entrants = \"estimate\"\nchange = { leaving = -0.02 }",
            ),
        );
        env.ok(&[
            "project",
            "save",
            "--scenario",
            &changed,
            "--id",
            "education-staff",
            "--version",
            "1",
        ]);
        // Made on version 1 again: someone saved version 2 meanwhile; nothing is stored.
        let out = env.run(&[
            "project",
            "save",
            "--scenario",
            &file,
            "--id",
            "education-staff",
            "--version",
            "1",
        ]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("Someone else saved"));
        let history = env.ok(&["project", "history", "education-staff"]);
        let lines: Vec<&str> = history.lines().collect();
        assert_eq!(lines.len(), 2, "{history}");
        assert!(
            lines[0].contains("Changed rates.change.leaving from 0.0 to -0.02."),
            "{history}"
        );
        // Version 1 is reproduced from what was stored with it, whatever was saved since.
        let v1 = env.json(&[
            "project",
            "show",
            "education-staff",
            "--version",
            "1",
            "--format",
            "json",
        ]);
        assert_eq!(v1, shown);
        let v2 = env.json(&["project", "show", "education-staff", "--format", "json"]);
        assert!(v2["years"][6]["supply"].as_f64() > v1["years"][6]["supply"].as_f64());
        let csv = env.ok(&["project", "show", "education-staff", "--format", "csv"]);
        assert!(csv.starts_with("Year,Date,Supply,"), "{csv}");
    }
);

on_both!(a_standard_sets_a_minimum_from_its_date, |env: Env| {
    load_small_census(&env);
    let text = SCENARIO
        .replace("sector=education", "sector=early_years")
        .replace(
            "[demand]\ngrowth = 0.01",
            "[[demand.minimum]]\nstandard = \"daycare_early_years_teacher\"\nfrom = \"2027-09-01\"",
        );
    let p = project(&env, &write(&env, "m.toml", &text));
    // Nothing is asked before the date; from it, one early years teacher for every full
    // daycare setting the area has.
    assert_eq!(p["years"][0]["demand"].as_f64(), Some(0.0));
    let settings = p["years"][2]["demand"].as_f64().unwrap();
    assert!(settings >= 1.0 && settings.fract() == 0.0, "{settings}");
    for (id, want) in [
        ("daycare_supervisors_l3", "share of qualified staff"),
        ("no_such_standard", "is not a standard"),
    ] {
        let bad = text.replace("daycare_early_years_teacher", id);
        let out = env.run(&["project", "--scenario", &write(&env, "b.toml", &bad)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{want}: {err}");
    }
});
