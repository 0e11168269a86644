//! Bad input through the real binary: every case gets a clear error and leaves the
//! stored data exactly as it was. Also dry runs, mapping profiles, identifiers never
//! stored in clear, concurrent submissions and a process killed mid-import.

use crate::on_both;
use crate::support::*;
use std::time::{Duration, Instant};

/// Import a good return first, so "nothing changed" is checked against real data.
fn with_one_return(env: &Env) {
    env.init();
    let dir = Return::known().write_dir(&env.path("good"));
    assert!(env.import("E1", &dir, &[]).status.success());
}

fn unchanged(env: &Env) {
    assert_eq!(env.history_len("E1"), 1);
    assert_eq!(env.value("posts"), 6.0);
}

on_both!(ugly_files_are_rejected_and_change_nothing, |env: Env| {
    with_one_return(&env);
    let junk: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(env.path("junk.xlsx"), &junk).unwrap();
    assert_rejected(
        &env.import("E1", &env.path("junk.xlsx"), &[]),
        "this is not an XLSX workbook",
    );
    std::fs::write(env.path("empty.ods"), b"").unwrap();
    assert_rejected(
        &env.import("E1", &env.path("empty.ods"), &[]),
        "the file is empty",
    );
    let zip = Return::known().write_zip(&env.path("whole.zip"));
    let bytes = std::fs::read(&zip).unwrap();
    std::fs::write(env.path("cut.zip"), &bytes[..bytes.len() / 2]).unwrap();
    assert_rejected(&env.import("E1", &env.path("cut.zip"), &[]), "damaged");
    let xlsx = Return::known().write_xlsx(&env.path("formula.xlsx"), true);
    assert_rejected(&env.import("E1", &xlsx, &[]), "formula");
    // Windows-1252 text in a CSV.
    let dir = Return::known().write_dir(&env.path("latin1"));
    let mut w = std::fs::read(dir.join("settings.csv")).unwrap();
    let pos = w.iter().position(|&b| b == b'L').unwrap();
    w[pos] = 0xC9;
    std::fs::write(dir.join("settings.csv"), w).unwrap();
    assert_rejected(&env.import("E1", &dir, &[]), "UTF-8");
    // Binary junk named workers.csv.
    let dir = Return::known().write_dir(&env.path("binary"));
    std::fs::write(dir.join("workers.csv"), &junk).unwrap();
    assert_rejected(&env.import("E1", &dir, &[]), "binary");
    // Too big for the limit.
    let big = Return::known().write_dir(&env.path("big"));
    let mut text = std::fs::read_to_string(big.join("workers.csv")).unwrap();
    while text.len() < 1_200_000 {
        text.push_str(
            "W1,,S1,teacher,,permanent,1,2020-01-01,female,WBRI,no,1990,6,achieved,30000\n",
        );
    }
    std::fs::write(big.join("workers.csv"), text).unwrap();
    assert_rejected(&env.import("E1", &big, &["--max-file-mb", "1"]), "limit");
    // Duplicated posts and a wrong code, each reported with row and column.
    let dup = Return::known()
        .push_row("workers", 0)
        .set("workers", 1, "contract", "permanant");
    let dir = dup.write_dir(&env.path("dup"));
    let out = env.import("E1", &dir, &[]);
    assert_rejected(&out, "row 8");
    assert_rejected(&out, "closest allowed code is 'permanent'");
    // A lone CSV, and a path that is not there.
    assert_rejected(
        &env.import("E1", &env.path("good/workers.csv"), &[]),
        "not a whole return",
    );
    assert_rejected(
        &env.import("E1", &env.path("nowhere"), &[]),
        "no file or folder",
    );
    unchanged(&env);
});

on_both!(json_report_lists_every_error_with_its_place, |env: Env| {
    env.init();
    let r = Return::known()
        .set("workers", 0, "fte", "1.5")
        .set("workers", 2, "gender", "F");
    let out = env.import("E1", &r.write_dir(&env.path("bad")), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["accepted"], false);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["file"], "workers.csv");
    assert_eq!(errors[0]["row"], 2);
    assert_eq!(errors[0]["column"], "fte");
    assert_eq!(errors[0]["value"], "1.5");
    assert_eq!(errors[1]["row"], 4);
    assert_eq!(errors[1]["column"], "gender");
    assert_eq!(env.history_len("E1"), 0);
});

on_both!(dry_run_checks_without_storing, |env: Env| {
    env.init();
    let dir = Return::known().write_dir(&env.path("ret"));
    let out = env.import("E1", &dir, &["--dry-run"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing stored"));
    assert_eq!(env.history_len("E1"), 0);
});

on_both!(mapping_profiles_translate_columns_and_codes, |env: Env| {
    env.init();
    let mut r = Return::known();
    {
        let workers = r.parts.iter_mut().find(|p| p.0 == "workers").unwrap();
        workers.1[0] = "Staff No".into();
        let contract = workers.1.iter().position(|h| h == "contract").unwrap();
        for row in &mut workers.2 {
            if row[contract] == "permanent" {
                row[contract] = "Perm".into();
            }
        }
    }
    let dir = r.write_dir(&env.path("hr"));
    let out = env.import("E1", &dir, &[]);
    assert_rejected(&out, "worker_ref is missing");
    std::fs::write(
        env.path("hr.json"),
        r#"{"columns": {"Staff No": "worker_ref"}, "codes": {"contract": {"perm": "permanent"}}}"#,
    )
    .unwrap();
    env.ok(&[
        "mapping",
        "save",
        "acme-hr",
        env.path("hr.json").to_str().unwrap(),
    ]);
    let out = env.import("E1", &dir, &["--mapping", "acme-hr"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(env.value("posts"), 6.0);
    let out = env.import("E1", &dir, &["--mapping", "no-such-profile"]);
    assert_eq!(out.status.code(), Some(2));
});

#[test]
fn national_insurance_numbers_are_never_stored_in_clear() {
    let env = Env::sqlite();
    env.init();
    let dir = Return::known().write_dir(&env.path("ret"));
    assert!(env.import("E1", &dir, &[]).status.success());
    env.ok(&["query", "--census-date", CENSUS, "--measure", "headcount"]);
    let mut bytes = std::fs::read(&env.db).unwrap();
    if let Ok(wal) = std::fs::read(format!("{}-wal", env.db)) {
        bytes.extend(wal);
    }
    for ni in ["AB123456A", "AB123458A"] {
        assert!(
            !bytes.windows(ni.len()).any(|w| w == ni.as_bytes()),
            "{ni} found in the database"
        );
    }
    // The key lives beside, private, not in the database.
    let key = std::fs::read_to_string(env.path("person.key")).unwrap();
    assert!(!bytes.windows(32).any(|w| w == &key.as_bytes()[..32]));
}

#[test]
fn a_missing_database_is_explained_not_created() {
    let env = Env::sqlite();
    let out = env.run(&["query", "--census-date", CENSUS, "--measure", "posts"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("observatory --db"));
    assert!(!std::path::Path::new(&env.db).exists());
    let out = env.run(&["query", "--census-date", CENSUS, "--measure", "vacancy_rat"]);
    assert_eq!(out.status.code(), Some(2));
}

on_both!(
    concurrent_submissions_of_one_employer_leave_one_whole_return,
    |env: Env| {
        env.init();
        let a = Return::known().write_dir(&env.path("a"));
        let b = Return::known()
            .push_row("workers", 0)
            .set("workers", 6, "worker_ref", "W9")
            .write_dir(&env.path("b"));
        let runs: Vec<_> = [&a, &b, &a, &b]
            .iter()
            .map(|p| {
                let ps = p.display().to_string();
                env.cmd(&["import", "--employer", "E1", "--census-date", CENSUS, &ps])
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut r in runs {
            assert!(r.wait().unwrap().success());
        }
        let h = env.json(&["history", "--employer", "E1", "--format", "json"]);
        let h = h.as_array().unwrap();
        // Each import that changed the records added a version; one that found its own
        // records already current was "unchanged" and added none.
        assert!((2..=4).contains(&h.len()), "{h:?}");
        assert_eq!(h.iter().filter(|e| e["status"] == "current").count(), 1);
        // Whichever won, the stored posts are exactly that return's.
        let posts = env.value("posts");
        assert_eq!(posts, h[0]["posts"].as_f64().unwrap());
    }
);

#[test]
fn a_process_killed_mid_import_leaves_the_database_as_it_was() {
    let env = Env::sqlite();
    with_one_return(&env);
    // A big return (for employer E1 again, so the kill lands during the replacement).
    let dir = Return::known().write_dir(&env.path("big"));
    let mut text = std::fs::read_to_string(dir.join("workers.csv")).unwrap();
    for i in 0..150_000 {
        text.push_str(&format!(
            "X{i},,S1,teacher,,permanent,1,2020-01-01,female,WBRI,no,1990,6,achieved,30000\n"
        ));
    }
    std::fs::write(dir.join("workers.csv"), text).unwrap();
    let wal = format!("{}-wal", env.db);
    let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let before = wal_size();
    let ps = dir.display().to_string();
    let mut child = env
        .cmd(&["import", "--employer", "E1", "--census-date", CENSUS, &ps])
        .spawn()
        .unwrap();
    // Wait until the import is writing (the WAL grows), then kill it without warning.
    let started = Instant::now();
    while wal_size() < before + 2_000_000 && started.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let finished = child.try_wait().unwrap().is_some();
    child.kill().ok();
    child.wait().unwrap();
    assert!(
        !finished,
        "the import finished before it could be killed; make the file bigger"
    );
    unchanged(&env);
    // And the database is still whole: a later import (of changed records) works.
    let again = Return::known()
        .set("workers", 0, "annual_pay", "23000")
        .write_dir(&env.path("again"));
    assert!(env.import("E1", &again, &[]).status.success());
    assert_eq!(env.history_len("E1"), 2);
}

// ---------------------------------------------------------------------------------------
// Hostile files under a memory cap (docs/security.md, "Limits on untrusted files")
// ---------------------------------------------------------------------------------------

/// A zip of (name, bytes), deflated, written to `path`.
fn write_zip_of(path: &std::path::Path, files: &[(&str, &[u8])]) -> std::path::PathBuf {
    use std::io::Write;
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    for (name, bytes) in files {
        let method = if *name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        z.start_file(
            *name,
            zip::write::SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
    path.to_path_buf()
}

/// Import under a cap of about 1.5 GB of address space, as a hostile upload would run
/// on a small server: a file the reader tried to lay out would abort the process.
fn import_capped(env: &Env, path: &std::path::Path) -> (std::process::Output, Duration) {
    let script = format!(
        r#"ulimit -v 1500000; exec "$BIN" --db "$DB" --key-file "$KEY" import --employer E1 --census-date {CENSUS} "$FILE""#
    );
    let started = Instant::now();
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .env("BIN", BIN)
        .env("DB", &env.db)
        .env("KEY", env.path("person.key"))
        .env("FILE", path)
        .env_remove("OBSERVATORY_PERSON_KEY")
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    (out, started.elapsed())
}

/// Refused cleanly (exit 1, the limit named, no allocation abort), in seconds.
fn refused_in_seconds(env: &Env, path: &std::path::Path, needle: &str) {
    let (out, took) = import_capped(env, path);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("memory allocation"), "aborted: {text}");
    assert_rejected(&out, needle);
    assert!(took < Duration::from_secs(20), "took {took:?}: {text}");
}

/// An XLSX of a few KB with cells at A1 and XFD1048576 (a dense reader asks for 512 GB).
fn xlsx_bomb(path: &std::path::Path) -> std::path::PathBuf {
    let ns = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let root = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let book = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="workers" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let book_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
    );
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>worker_ref</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
    );
    write_zip_of(
        path,
        &[
            ("[Content_Types].xml", types.as_bytes()),
            ("_rels/.rels", root.as_bytes()),
            ("xl/workbook.xml", book.as_bytes()),
            ("xl/_rels/workbook.xml.rels", book_rels.as_bytes()),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ],
    )
}

/// An ODS of under 1 KB whose one text cell repeats 16,384 across and 6,000 down: 98
/// million cells, just under the 100 million calamine itself refuses.
fn ods_bomb(path: &std::path::Path) -> std::path::PathBuf {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="workers"><table:table-row table:number-rows-repeated="6000"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>bomb</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    write_zip_of(
        path,
        &[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet".as_slice(),
            ),
            ("META-INF/manifest.xml", manifest.as_bytes()),
            ("content.xml", content.as_bytes()),
        ],
    )
}

on_both!(
    hostile_workbooks_are_refused_under_a_memory_cap_and_change_nothing,
    |env: Env| {
        with_one_return(&env);
        let xlsx = xlsx_bomb(&env.path("bomb.xlsx"));
        assert!(std::fs::metadata(&xlsx).unwrap().len() < 5_000);
        refused_in_seconds(&env, &xlsx, "column XFD (16,384th column)");
        refused_in_seconds(&env, &xlsx, "at most 200 columns");
        let ods = ods_bomb(&env.path("bomb.ods"));
        assert!(std::fs::metadata(&ods).unwrap().len() < 1_500);
        refused_in_seconds(&env, &ods, "limit on columns per row");
        // A zip holding workers.csv twice: the later would silently replace the earlier.
        let good = Return::known();
        let files: Vec<(String, String)> = good
            .parts
            .iter()
            .map(|(n, _, _)| (format!("{n}.csv"), good.csv(n)))
            .chain(std::iter::once((
                "old/workers.csv".to_string(),
                good.csv("workers").lines().next().unwrap().to_string() + "\n",
            )))
            .collect();
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_bytes()))
            .collect();
        let dup = write_zip_of(&env.path("dup.zip"), &refs);
        refused_in_seconds(&env, &dup, "'workers.csv' and 'old/workers.csv'");
        unchanged(&env);
    }
);

#[test]
fn zip_of_three_huge_csv_entries_is_refused_under_a_memory_cap() {
    let env = Env::sqlite();
    with_one_return(&env);
    // Three entries of 49 MB of `a,a,a,...` (one endless row): about 150 KB zipped.
    let row = "a,".repeat(49 * 1024 * 1024 / 2);
    let zip = write_zip_of(
        &env.path("huge.zip"),
        &[
            ("settings.csv", row.as_bytes()),
            ("workers.csv", row.as_bytes()),
            ("leavers.csv", row.as_bytes()),
        ],
    );
    drop(row);
    assert!(std::fs::metadata(&zip).unwrap().len() < 1_000_000);
    refused_in_seconds(&env, &zip, "limit on columns per row");
    unchanged(&env);
}
