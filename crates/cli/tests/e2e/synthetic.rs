//! The synthetic census through the whole pipeline: generate, import a manifest on both
//! cores, track returns, map job titles, query a series.

use crate::on_both;
use crate::support::*;
use serde_json::Value;

pub fn load_small_census(env: &Env) -> Value {
    env.init();
    let out = env.path("synthetic");
    env.ok(&[
        "generate",
        "--out",
        out.to_str().unwrap(),
        "--posts-per-area",
        "700",
        "--seed",
        "7",
    ]);
    let manifest = out.join("manifest.csv");
    env.json(&[
        "import",
        "--manifest",
        manifest.to_str().unwrap(),
        "--format",
        "json",
    ])
}

on_both!(a_generated_census_imports_whole_and_answers, |env: Env| {
    let report = load_small_census(&env);
    assert_eq!(report["rejected"], 0, "{report}");
    assert!(report["accepted"].as_u64().unwrap() > 20);
    // Three census years, each with posts in several sectors.
    let rows = env.json(&[
        "query",
        "--census-date",
        "2023-11-01,2024-11-01,2025-11-01",
        "--measure",
        "posts",
        "--by",
        "census_date",
        "--format",
        "json",
    ]);
    let rows = rows["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert!(r["value"].as_u64().unwrap() > 300, "{r}");
    }
    let sectors = env.query("posts", "sector", &[]);
    assert!(sectors.len() >= 5, "{sectors:?}");
    // Rates are fractions.
    let t = env.value("turnover_rate");
    assert!(t > 0.0 && t < 1.0);
});

on_both!(the_tracker_shows_who_has_not_returned, |env: Env| {
    load_small_census(&env);
    let status = env.json(&["returns", "--census-date", CENSUS, "--format", "json"]);
    let expected = status["expected"].as_u64().unwrap();
    let returned = status["returned_of_expected"].as_u64().unwrap();
    assert!(expected > 0 && returned <= expected);
    env.ok(&[
        "employers",
        "add",
        "--id",
        "NEW-1",
        "--name",
        "New Nursery",
        "--area",
        "E06000056",
    ]);
    let missing = env.json(&[
        "returns",
        "--census-date",
        CENSUS,
        "--missing",
        "--format",
        "json",
    ]);
    let ids: Vec<&str> = missing["employers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["employer_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"NEW-1"), "{ids:?}");
    let table = env.ok(&["returns", "--census-date", CENSUS, "--area", "E06000056"]);
    assert!(table.contains("NEW-1") && table.contains("not returned"));
});

on_both!(
    confirming_a_job_title_moves_its_posts_to_the_role,
    |env: Env| {
        load_small_census(&env);
        let titles = env.json(&["jobtitles", "--format", "json"]);
        let titles = titles.as_array().unwrap();
        assert!(
            !titles.is_empty(),
            "the generator writes some unmapped titles"
        );
        let first = titles
            .iter()
            .find(|t| t["suggested_role"].is_string())
            .expect("some unmapped title has a close role");
        let title = first["title"].as_str().unwrap().to_string();
        let suggested = first["suggested_role"].as_str().unwrap().to_string();
        let unknown = |env: &Env| {
            env.query("posts", "role", &["--no-suppression"])
                .iter()
                .find(|r| r["role"] == "not_known")
                .map_or(0, |r| r["value"].as_u64().unwrap())
        };
        let before = unknown(&env);
        assert!(before > 0);
        env.ok(&["jobtitles", "confirm", &title, &suggested]);
        assert!(unknown(&env) < before);
        let after = env.json(&["jobtitles", "--format", "json"]);
        assert!(
            after
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["title"] != title.as_str())
        );
        let out = env.run(&["jobtitles", "confirm", "Anything", "not_a_role"]);
        assert_eq!(out.status.code(), Some(2));
    }
);

#[test]
fn query_writes_csv_and_xlsx_files() {
    let env = Env::sqlite();
    load_small_census(&env);
    let xlsx = env.path("q.xlsx");
    env.ok(&[
        "query",
        "--census-date",
        CENSUS,
        "--measure",
        "vacancy_rate",
        "--by",
        "sector",
        "--format",
        "xlsx",
        "--output",
        xlsx.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK"));
    let csv = env.ok(&[
        "query",
        "--census-date",
        CENSUS,
        "--measure",
        "vacancy_rate",
        "--by",
        "sector",
        "--format",
        "csv",
    ]);
    assert!(csv.starts_with("sector,value,numerator,denominator"));
    let out = env.run(&[
        "query",
        "--census-date",
        CENSUS,
        "--measure",
        "posts",
        "--format",
        "xlsx",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "xlsx without --output is explained"
    );
    let out = env.run(&["query", "--census-date", "2031-11-01", "--measure", "posts"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no returns for census date 2031-11-01"));
}

#[test]
fn generate_refuses_a_folder_that_holds_files_unless_forced() {
    let env = Env::sqlite();
    let out = env.path("synthetic");
    let args = |force: bool| {
        let mut a = vec![
            "generate".to_string(),
            "--out".into(),
            out.to_str().unwrap().into(),
            "--posts-per-area".into(),
            "200".into(),
        ];
        if force {
            a.push("--force".into());
        }
        a
    };
    let first: Vec<String> = args(false);
    env.ok(&first.iter().map(String::as_str).collect::<Vec<_>>());
    std::fs::write(out.join("stray.csv"), "left over").unwrap();
    let out2 = env.run(&first.iter().map(String::as_str).collect::<Vec<_>>());
    let err = String::from_utf8_lossy(&out2.stderr);
    assert_eq!(out2.status.code(), Some(2), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(
        out.join("stray.csv").exists(),
        "nothing is deleted without --force"
    );
    let forced = args(true);
    env.ok(&forced.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!out.join("stray.csv").exists());
    assert!(out.join("manifest.csv").exists());
}

on_both!(
    an_area_s_statistical_neighbours_are_set_by_code_or_name,
    |env: Env| {
        env.init();
        let none = env.ok(&["neighbours", "E06000056"]);
        assert!(none.contains("None are set"), "{none}");
        let set = env.json(&[
            "neighbours",
            "Central Bedfordshire",
            "--set",
            "E06000055, Milton Keynes",
            "--format",
            "json",
        ]);
        assert_eq!(set[0]["area"], "E06000055");
        assert_eq!(set[0]["name"], "Bedford");
        assert_eq!(set[1]["area"], "E06000042");
        let shown = env.ok(&["neighbours", "E06000056"]);
        assert!(shown.contains("Milton Keynes"), "{shown}");
        // A code that names nothing is refused with the nearest real one; nothing changes.
        let out = env.run(&["neighbours", "E06000056", "--set", "E06000099"]);
        assert_ne!(out.status.code(), Some(0));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("There is no area E06000099. Did you mean"),
            "{err}"
        );
        let out = env.run(&["neighbours", "E06000056", "--set", "E06000056"]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be its own"));
        assert_eq!(
            env.json(&["neighbours", "E06000056", "--format", "json"]),
            set
        );
        env.ok(&["neighbours", "E06000056", "--clear"]);
        assert_eq!(
            env.json(&["neighbours", "E06000056", "--format", "json"]),
            serde_json::json!([])
        );
    }
);

// The strategy contract end to end: import a file (unknown fields kept on export), list,
// and each objective's status: a bound indicator's value is the query's at the latest
// census date, and the status follows the contract's rules from it.
on_both!(
    a_strategy_s_objectives_are_judged_from_the_census,
    |env: Env| {
        load_small_census(&env);
        let file = env.path("strategy.json");
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../data/examples/strategy.json"
            ),
            &file,
        )
        .unwrap();
        let said = env.ok(&["strategy", "import", file.to_str().unwrap()]);
        assert!(
            said.contains("version 1") && said.contains("Central Bedfordshire"),
            "{said}"
        );
        let list = env.ok(&["strategy", "list"]);
        assert!(list.starts_with("central-beds-2026\t"), "{list}");
        let exported: Value =
            serde_json::from_str(&env.ok(&["strategy", "export", "--id", "central-beds-2026"]))
                .unwrap();
        let original: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(
            exported, original,
            "every field is kept, the vision included"
        );

        let status = env.json(&[
            "strategy",
            "status",
            "--id",
            "central-beds-2026",
            "--format",
            "json",
        ]);
        assert_eq!(status["strategy"], "central-beds-2026");
        let objectives = status["objectives"].as_array().unwrap();
        assert_eq!(objectives.len(), 6);
        let l3 = &objectives[0];
        assert_eq!(l3["observed_at"], "2025-11-01", "{l3}");
        let asked = env.query(
            "qualified_share_l3",
            "",
            &["--where", "sector=early_years", "--where", "area=E06000056"],
        );
        assert_eq!(l3["value"], asked[0]["value"], "{l3}\n{asked:?}");
        // Judge it by hand from the contract: trajectory 0.6 at 2025-11-01, tolerance 0.015.
        let v = l3["value"].as_f64().unwrap();
        assert!((l3["trajectory"].as_f64().unwrap() - 0.6).abs() < 1e-9);
        assert!((l3["tolerance"].as_f64().unwrap() - 0.015).abs() < 1e-9);
        let [lo, hi] = [0, 1].map(|i| l3["interval"][i].as_f64().unwrap());
        assert!(lo < v && v < hi, "{l3}");
        let want = if v >= 0.7 {
            "achieved"
        } else if v - 0.6 >= -0.015 {
            "on_track"
        } else if v - 0.6 < -0.03 && hi < 0.6 - 0.015 {
            "off_track"
        } else {
            "at_risk"
        };
        assert_eq!(l3["status"], want, "{l3}");
        // A recorded indicator: its latest value, and stale after 200 days.
        let supervision = &objectives[5];
        assert_eq!(supervision["value"], 0.81);
        assert_eq!(supervision["observed_at"], "2025-09-30");
        assert_eq!(supervision["interval"], Value::Null);
        assert_eq!(supervision["stale"], true, "{supervision}");

        // The document, for editing in the council's template, and the board report for a
        // scheduled board paper: the first report is recorded, so a second says what
        // changed since.
        let docx = env.path("strategy.docx");
        env.ok(&[
            "strategy",
            "render",
            "--id",
            "central-beds-2026",
            "--format",
            "docx",
            "--output",
            docx.to_str().unwrap(),
        ]);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&docx).unwrap()).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
            .unwrap();
        for said in [
            "Pilots and quick wins",
            "Fewer social worker posts vacant",
            "Dunstable and Houghton Regis",
        ] {
            assert!(xml.contains(said), "{said}");
        }
        let pdf = env.path("report.pdf");
        env.ok(&[
            "strategy",
            "report",
            "--id",
            "central-beds-2026",
            "--format",
            "pdf",
            "--output",
            pdf.to_str().unwrap(),
        ]);
        assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
        let again = env.ok(&["strategy", "report", "--id", "central-beds-2026", "--draft"]);
        assert!(
            again.contains("What changed since the last report")
                && again.contains("Nothing has changed."),
            "{again}"
        );
        let out = env.run(&[
            "strategy",
            "render",
            "--id",
            "central-beds-2026",
            "--format",
            "odt",
        ]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("choose html, pdf or docx"));

        // A bad file: every problem at once, nothing stored.
        let bad = env.path("bad.json");
        std::fs::write(
        &bad,
        r#"{"id": "central-beds-2026", "title": "", "areas": ["E06000099"], "objectives": [
            {"id": "x", "title": "X", "owner": "", "indicator": {"measure": "no_such_measure"},
             "baseline": {"date": "2025-11-01", "value": 1}, "milestones": [{"date": "2024-11-01", "value": 2}]}]}"#,
    )
    .unwrap();
        let out = env.run(&["strategy", "import", bad.to_str().unwrap()]);
        assert_ne!(out.status.code(), Some(0));
        let err = String::from_utf8_lossy(&out.stderr);
        for needle in ["title", "owner", "no_such_measure", "milestone dates"] {
            assert!(err.contains(needle), "{needle}: {err}");
        }
        let again: Value =
            serde_json::from_str(&env.ok(&["strategy", "export", "--id", "central-beds-2026"]))
                .unwrap();
        assert_eq!(again, original, "the stored strategy is as it was");
        // A file far bigger than any strategy is refused before it is read whole.
        let big = env.path("big.json");
        std::fs::write(&big, vec![b' '; 2 * 1024 * 1024]).unwrap();
        let out = env.run(&["strategy", "import", big.to_str().unwrap()]);
        assert_ne!(out.status.code(), Some(0));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("larger than the limit"), "{err}");
    }
);
