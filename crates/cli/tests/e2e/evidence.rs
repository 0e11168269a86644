//! The evidence library through the real binary, on SQLite and PostgreSQL: demo
//! content, search, the gap map, feeds, the register's duplicate warning, a call for
//! evidence from opening to report, and RIS/BibTeX round trips between databases.

use crate::on_both;
use crate::support::*;
use serde_json::Value;

/// Run `observatory evidence ...` with the index in the test's folder.
fn ev(env: &Env, args: &[&str]) -> std::process::Output {
    let index = env.path("evidence-index").display().to_string();
    let mut all = vec!["evidence", "--index-dir", index.as_str(), "--as", "tester"];
    all.extend_from_slice(args);
    env.run(&all)
}

fn ok(env: &Env, args: &[&str]) -> String {
    let out = ev(env, args);
    assert!(
        out.status.success(),
        "evidence {args:?} failed\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(env: &Env, args: &[&str]) -> Value {
    let out = ok(env, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

on_both!(demo_search_gaps_and_feed, |env: Env| {
    env.init();
    assert!(ok(&env, &["import-demo"]).contains("Loaded"));
    assert!(ok(&env, &["import-demo"]).contains("already"));
    let r = json(&env, &["search", "support staff", "--format", "json"]);
    assert!(
        r["hits"][0]["title"]
            .as_str()
            .unwrap()
            .contains("Support Staff"),
        "{r}"
    );
    // Words must all match (one report here); a broad word spans several types.
    let r = json(&env, &["search", "workforce", "--format", "json"]);
    assert!(r["facets"]["type"].as_array().unwrap().len() > 1, "{r}");
    let r = json(
        &env,
        &[
            "search",
            "--theme",
            "Workforce reform",
            "--sector",
            "education",
            "--sort",
            "newest",
            "--format",
            "json",
        ],
    );
    let years: Vec<i64> = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["year"].as_i64().unwrap())
        .collect();
    assert!(years.windows(2).all(|w| w[0] >= w[1]), "{years:?}");
    // Ordinary questions find the demo's items, however they are typed (issue #14).
    for q in [
        "social workers",
        "social worker",
        "childminders",
        "early years qualifications",
        "newly qualified social workers",
    ] {
        let r = json(&env, &["search", q, "--format", "json"]);
        assert!(r["total"].as_u64().unwrap() > 0, "{q}: {r}");
    }
    let r = json(&env, &["search", "chilminders", "--format", "json"]);
    assert_eq!(r["did_you_mean"], "childminders", "{r}");
    assert!(ok(&env, &["search", "chilminders"]).contains("Did you mean \"childminders\"?"));
    // The command line prints plain text, not HTML.
    let table = ok(&env, &["search", "pedagogy"]);
    assert!(
        table.contains("Children's") && !table.contains("&#") && !table.contains("<b>"),
        "{table}"
    );
    let table = ok(&env, &["search", "childcare providers survey", "--facets"]);
    assert!(
        table.contains("Childcare and Early Years Providers Survey")
            && table.contains("type: Data release"),
        "{table}"
    );
    let csv = ok(&env, &["gaps", "--as-of", "2009", "--format", "csv"]);
    assert_eq!(csv.lines().count(), 81);
    assert!(
        csv.contains("workforce_reform,Impact of workforce reform,social_care,"),
        "{csv}"
    );
    let html = ok(&env, &["gaps", "--by", "outcome", "--format", "html"]);
    assert!(html.contains("<a href=\"/evidence?theme=") && html.contains("outcome="));
    let t = ok(&env, &["gaps", "--as-of", "2009"]);
    assert!(t.contains("Evidence gap map as of 2009"), "{t}");
    let feed = ok(
        &env,
        &[
            "feed",
            "--scope",
            "theme:qualifications",
            "--base-url",
            "https://obs.example",
        ],
    );
    assert!(
        feed.starts_with("<?xml") && feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
        "{feed}"
    );
    assert!(feed.contains("https://obs.example/evidence/items/"));
    // Mistakes are explained and exit with 2.
    let out = ev(
        &env,
        &[
            "add",
            "--title",
            "X",
            "--type",
            "report",
            "--organisation",
            "Y",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'report' is not an evidence type"));
    let out = ev(&env, &["search", "--theme", "leadership"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean leadership_succession?"));
});

on_both!(register_warns_about_duplication, |env: Env| {
    env.init();
    ok(&env, &["import-demo"]);
    let out = ok(
        &env,
        &[
            "register",
            "add",
            "--title",
            "Impact of school leadership on pupil outcomes",
            "--organisation",
            "A university",
            "--status",
            "planned",
            "--theme",
            "leadership_succession",
            "--sector",
            "education",
        ],
    );
    assert!(
        out.contains("Registered study") && out.contains("likely duplicate"),
        "{out}"
    );
    assert!(
        out.contains("Impact of School Leadership on Pupil Outcomes"),
        "{out}"
    );
    let list = json(
        &env,
        &[
            "register", "list", "--status", "planned", "--format", "json",
        ],
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["organisation"] == "A university")
    );
});

on_both!(a_call_for_evidence_end_to_end, |env: Env| {
    env.init();
    let out = ok(
        &env,
        &[
            "calls",
            "open",
            "--question",
            "What helps new social workers stay?",
            "--deadline",
            "2099-12-31",
            "--theme",
            "motivation",
            "--sector",
            "social_care",
        ],
    );
    let token = out
        .lines()
        .find_map(|l| l.strip_prefix("Public token: "))
        .unwrap()
        .trim()
        .to_string();
    let file = env.path("scheme.txt");
    std::fs::write(&file, "A buddy scheme halved first-year leaving.").unwrap();
    let f = file.display().to_string();
    let base = [
        "calls",
        "submit",
        "--token",
        token.as_str(),
        "--name",
        "Pat",
        "--email",
        "pat@example.org",
        "--type",
        "case_study",
        "--summary",
        "Buddy scheme",
    ];
    let mut a = base.to_vec();
    a.extend(["--title", "Buddy scheme", "--file", f.as_str()]);
    ok(&env, &a);
    let mut b = base.to_vec();
    b.extend(["--title", "Courses for sale"]);
    ok(&env, &b);
    let bad = env.path("x.bin");
    std::fs::write(&bad, [0u8, 1, 2, 3]).unwrap();
    let badp = bad.display().to_string();
    let mut c = base.to_vec();
    c.extend(["--title", "Binary", "--file", badp.as_str()]);
    let out = ev(&env, &c);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a PDF, a Word document"));
    let queue = json(&env, &["calls", "queue", "--format", "json"]);
    let ids: Vec<String> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    let out = ok(
        &env,
        &[
            "calls",
            "moderate",
            &ids[0],
            "--accept",
            "--strength",
            "indicative",
        ],
    );
    assert!(out.contains("is now part of evidence item"), "{out}");
    ok(
        &env,
        &["calls", "moderate", &ids[1], "--reject", "an advertisement"],
    );
    let out = ev(&env, &["calls", "moderate", &ids[1], "--accept"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("already rejected"));
    let r = json(&env, &["calls", "report", "1", "--format", "json"]);
    assert_eq!(r["received"], 2);
    assert_eq!(r["by_status"]["accepted"], 1);
    let hits = json(&env, &["search", "halved", "--format", "json"]);
    assert_eq!(hits["total"], 1, "the attached file is searchable: {hits}");
    let id = hits["hits"][0]["id"].to_string();
    ok(&env, &["link", &id, "--decision", "CB-2010/objective-3"]);
    let shown = json(&env, &["show", &id, "--format", "json"]);
    assert_eq!(shown["item"]["calls"][0], 1);
    assert_eq!(
        shown["decision_links"][0]["decision_ref"],
        "CB-2010/objective-3"
    );
});

on_both!(citations_round_trip_between_databases, |env: Env| {
    env.init();
    ok(&env, &["import-demo"]);
    let items = json(&env, &["export", "--format", "json"])
        .as_array()
        .unwrap()
        .len();
    for format in ["ris", "bibtex"] {
        let file = env.path(&format!("library.{format}"));
        let f = file.display().to_string();
        ok(&env, &["export", "--format", format, "--output", &f]);
        // Back into the same library: every record is a reported duplicate.
        let r = json(&env, &["import", &f, "--format", "json"]);
        assert_eq!(r["duplicates"].as_array().unwrap().len(), items, "{format}");
        assert!(r["added"].as_array().unwrap().is_empty());
        // Into a fresh SQLite library: the one likely duplicate of the demo (a talk and
        // a report of the same title and year) is held back unless asked for.
        let other = Env::sqlite();
        other.init();
        let r = json(&other, &["import", &f, "--dry-run", "--format", "json"]);
        assert_eq!(
            r["duplicates"].as_array().unwrap().len(),
            1,
            "{format}: {r}"
        );
        let r = json(
            &other,
            &["import", &f, "--keep-duplicates", "--format", "json"],
        );
        assert_eq!(r["added"].as_array().unwrap().len(), items, "{format}: {r}");
        // ... and exports the same text again.
        assert_eq!(
            ok(&other, &["export", "--format", format]),
            std::fs::read_to_string(&file).unwrap()
        );
    }
});

/// `evidence add` with the file attached, the binary under a 2 GB address-space cap
/// (`ulimit -v`), as a small server would run it.
fn add_capped(env: &Env, file: &std::path::Path) -> std::process::Output {
    let index = env.path("evidence-index").display().to_string();
    let file = file.display().to_string();
    let c = env.cmd(&[
        "evidence",
        "--index-dir",
        &index,
        "--as",
        "tester",
        "add",
        "--title",
        "Retention of childminders",
        "--type",
        "research_report",
        "--organisation",
        "A council",
        "--attach",
        &file,
    ]);
    std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2000000; exec \"$0\" \"$@\"")
        .arg(BIN)
        .args(c.get_args())
        .current_dir(env.path(""))
        .output()
        .unwrap()
}

on_both!(a_flate_bomb_attached_is_refused_in_words, |env: Env| {
    env.init();
    let bomb = env.path("report.pdf");
    std::fs::write(&bomb, observatory_evidence::testing::flate_bomb_pdf(1024)).unwrap();
    let started = std::time::Instant::now();
    let out = add_capped(&env, &bomb);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A plain refusal with an exit code, not a crash.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the text of report.pdf could not be read within the limits (512 MB of memory, 20 seconds)"),
        "{stderr}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // Nothing was added; a real PDF is read by the same capped binary.
    let found = json(&env, &["search", "childminders", "--format", "json"]);
    assert_eq!(found["total"], 0, "{found}");
    let good = env.path("good.pdf");
    std::fs::write(
        &good,
        observatory_evidence::testing::pdf("Supervision keeps childminders"),
    )
    .unwrap();
    let out = add_capped(&env, &good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = json(&env, &["search", "supervision", "--format", "json"]);
    assert_eq!(found["total"], 1, "{found}");
});
