//! Submitting returns: the report of a bad return, fixing and resubmitting, upload
//! limits and junk, the approval lock, and concurrent uploads of one employer's return.

use crate::on_both;
use crate::support::*;

async fn current_posts(s: &Server, employer: &str) -> Vec<i64> {
    s.store
        .history(employer)
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.status == "current")
        .map(|h| h.posts)
        .collect()
}

on_both!(a_bad_return_is_reported_then_fixed, |b| async move {
    let s = start(b, false, |_| {}).await;
    let c = s.client("employer@t.example").await;
    let bad = return_zip(s.dir.path(), "bad", A1, 6, true);
    let res = c.upload("E1", &bad).await;
    assert_eq!(res.status(), 303);
    let report = res.headers()["location"].to_str().unwrap().to_string();
    let html = c.get(&report).await.text().await.unwrap();
    assert!(html.contains("Your return was not accepted"), "{html}");
    assert!(
        html.contains("Errors in column fte of workers.csv"),
        "{html}"
    );
    assert!(
        html.contains("Errors in column gender of workers.csv"),
        "{html}"
    );
    assert!(
        html.contains("rows 3"),
        "row numbers as the user sees them (header = 1): {html}"
    );
    let csv = c.get(&format!("{report}/report.csv")).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("severity,file,sheet,row,column,value,message"));
    assert!(
        csv.contains("error,workers.csv,") && csv.contains(",3,fte,1.5,"),
        "{csv}"
    );
    assert!(current_posts(&s, "E1").await.is_empty(), "nothing stored");
    // Fixed and resubmitted: accepted, stored, and in the history with the failed try.
    let good = return_zip(s.dir.path(), "good", A1, 6, false);
    let res = c.upload("E1", &good).await;
    let html = c
        .get(res.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Return accepted"), "{html}");
    assert_eq!(current_posts(&s, "E1").await, [6]);
    let page = c.get("/submit").await.text().await.unwrap();
    assert!(page.contains("good.zip") && page.contains("bad.zip"));
    // The API reports the same way: 422 with the report, 201 when stored.
    let token = s.token("employer@t.example").await;
    let res = api_upload(&s, &token, "E1", &bad).await;
    assert_eq!(res.status(), 422);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["accepted"], false);
    assert!(
        v["report"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["column"] == "fte" && p["row"] == 3)
    );
    let res = api_upload(
        &s,
        &token,
        "E1",
        &return_zip(s.dir.path(), "seven", A1, 7, false),
    )
    .await;
    assert_eq!(res.status(), 201);
    let v: serde_json::Value = res.json().await.unwrap();
    let got: serde_json::Value = api(&s, &token, "GET", &format!("/api/submissions/{}", v["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["accepted"], true);
    assert_eq!(current_posts(&s, "E1").await, [7]);
});

on_both!(
    junk_and_oversized_uploads_are_refused_cleanly,
    |b| async move {
        let s = start(b, false, |c| c.max_upload_mb = 1).await;
        let c = s.client("employer@t.example").await;
        let dir = s.dir.path();
        let txt = dir.join("notes.txt");
        std::fs::write(&txt, "hello").unwrap();
        let res = c.upload("E1", &txt).await;
        assert_eq!(res.status(), 400);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains(".xlsx or .ods workbook, or a .zip")
        );
        let junk = dir.join("junk.zip");
        std::fs::write(&junk, vec![0u8; 5000]).unwrap();
        let res = c.upload("E1", &junk).await;
        let html = c
            .get(res.headers()["location"].to_str().unwrap())
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("not accepted"), "{html}");
        let big = dir.join("big.zip");
        // Just over the limit: the server answers once the limit is passed, and the rest
        // still fits the socket's buffers, so a loaded machine cannot turn the 413 into
        // a broken pipe before the client reads it.
        std::fs::write(&big, vec![b'x'; 1024 * 1024 + 64 * 1024]).unwrap();
        let res = c.upload("E1", &big).await;
        assert_eq!(res.status(), 413);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("larger than the limit of 1 MB")
        );
        let token = s.token("employer@t.example").await;
        let res = api_upload(&s, &token, "E1", &big).await;
        assert_eq!(res.status(), 413);
        assert!(
            res.json::<serde_json::Value>().await.unwrap()["error"]
                .as_str()
                .unwrap()
                .contains("limit")
        );
        // Another employer's return cannot be submitted.
        let good = return_zip(dir, "good", A1, 6, false);
        assert_eq!(c.upload("E2", &good).await.status(), 403);
        assert!(
            current_posts(&s, "E1").await.is_empty() && current_posts(&s, "E2").await.is_empty()
        );
    }
);

on_both!(approved_returns_are_locked_until_reopened, |b| async move {
    let s = start(b, true, |_| {}).await;
    let planner = s.client("planner@t.example").await;
    let res = planner
        .post_form(
            "/tracker/approve",
            &[("employer", "E1"), ("census_date", CENSUS)],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Back on the tracker with a success message; the filters count and list.
    let back = res.headers()["location"].to_str().unwrap().to_string();
    let html = planner.get(&back).await.text().await.unwrap();
    assert!(html.contains("Approved by planner@t.example"), "{html}");
    assert!(
        html.contains("The return of Employer E1 for census 1 November 2025 is approved."),
        "{html}"
    );
    assert!(html.contains("Awaiting approval (1)"), "{html}");
    let awaiting = planner
        .get(&format!("/tracker?area={A1}&show=awaiting_approval"))
        .await
        .text()
        .await
        .unwrap();
    let listed = between(&awaiting, "<tbody", "</tbody>");
    assert!(
        listed.contains("(E3)") && !listed.contains("(E1)"),
        "{listed}"
    );
    // The employer's resubmission is refused with a clear message, nothing replaced.
    let token = s.token("employer@t.example").await;
    let res = api_upload(
        &s,
        &token,
        "E1",
        &return_zip(s.dir.path(), "late", A1, 5, false),
    )
    .await;
    assert_eq!(res.status(), 422);
    let v: serde_json::Value = res.json().await.unwrap();
    let msg = v["report"]["problems"][0]["message"].as_str().unwrap();
    assert!(msg.contains("approved") && msg.contains("reopen"), "{msg}");
    assert_eq!(current_posts(&s, "E1").await, [12]);
    // Only a planner of the area approves: not one of another area, not the employer.
    let res = planner
        .post_form(
            "/tracker/approve",
            &[("employer", "E2"), ("census_date", CENSUS)],
        )
        .await;
    assert_eq!(res.status(), 403);
    // Reopened, the replacement goes through.
    let res = planner
        .post_form(
            "/tracker/reopen",
            &[("employer", "E1"), ("census_date", CENSUS)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = api_upload(
        &s,
        &token,
        "E1",
        &return_zip(s.dir.path(), "late", A1, 5, false),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(current_posts(&s, "E1").await, [5]);
    // The tracker counts: E1 and E3 returned in A1.
    let v: serde_json::Value = api(
        &s,
        &s.token("planner@t.example").await,
        "GET",
        &format!("/api/returns/status?area={A1}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["returned"], 2);
});

on_both!(
    concurrent_uploads_of_one_return_store_one_whole,
    |b| async move {
        let s = start(b, false, |_| {}).await;
        let token = s.token("employer@t.example").await;
        let sizes = [8usize, 11, 14, 17];
        let files: Vec<_> = sizes
            .iter()
            .map(|n| return_zip(s.dir.path(), &format!("c{n}"), A1, *n, false))
            .collect();
        let mut tasks = Vec::new();
        for f in files {
            let (base, token) = (s.base.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let form = reqwest::multipart::Form::new().part("file", file_part(&f));
                reqwest::Client::new()
                    .post(format!(
                        "{base}/api/returns?employer=E1&census_date={CENSUS}"
                    ))
                    .bearer_auth(token)
                    .multipart(form)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 201);
        }
        // Exactly one current return, and its rows are exactly one file's, whole.
        let current = current_posts(&s, "E1").await;
        assert_eq!(current.len(), 1);
        assert!(sizes.contains(&(current[0] as usize)));
        assert_eq!(s.store.count("workers").await.unwrap(), current[0]);
        assert_eq!(s.store.count("settings").await.unwrap(), 1);
        assert_eq!(s.store.history("E1").await.unwrap().len(), 4);
    }
);

/// The uploads in progress in `root` (folders named upload-*).
fn uploads_in(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(root)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| {
                    p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("upload-")
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..100 {
        if ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_private_and_removed_on_every_path() {
    use tokio::io::AsyncWriteExt;
    // A crashed run left an upload behind, in a folder others could read.
    let keep = tempfile::tempdir().unwrap();
    let root = keep.path().join("uploads");
    std::fs::create_dir_all(root.join("upload-crashed")).unwrap();
    std::fs::write(root.join("upload-crashed/return.zip"), b"people").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let s = start(Backend::Sqlite, false, {
        let root = root.clone();
        move |c| {
            c.upload_dir = Some(root);
            c.max_upload_mb = 1;
        }
    })
    .await;
    wait_for("the stale upload to go", || uploads_in(&root).is_empty()).await;
    assert_eq!(mode(&root), 0o700);
    let c = s.client("employer@t.example").await;

    // Mid-upload the file is private; when the client goes away it is removed.
    let boundary = "XyZboundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"employer\"\r\n\r\nE1\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.zip\"\r\n\
         Content-Type: application/zip\r\n\r\n",
        c.csrf
    );
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let request = format!(
        "POST /submit HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 500000\r\n\r\n{head}",
        c.cookies_header()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    tcp.write_all(&[7u8; 20_000]).await.unwrap();
    tcp.flush().await.unwrap();
    wait_for("the upload to start", || {
        uploads_in(&root)
            .first()
            .is_some_and(|d| d.join("r.zip").is_file())
    })
    .await;
    let dir = uploads_in(&root).pop().unwrap();
    assert_eq!(mode(&dir), 0o700, "the upload's folder");
    assert_eq!(mode(&dir.join("r.zip")), 0o600, "the uploaded file");
    drop(tcp);
    wait_for("the abandoned upload to go", || {
        uploads_in(&root).is_empty()
    })
    .await;

    // Refused (checks failed), too large, and accepted: nothing is left behind.
    let bad = return_zip(s.dir.path(), "bad", A1, 6, true);
    assert_eq!(c.upload("E1", &bad).await.status(), 303);
    assert!(uploads_in(&root).is_empty(), "after a refused return");
    let big = s.dir.path().join("big.zip");
    std::fs::write(&big, vec![0u8; 1_200_000]).unwrap();
    assert_eq!(c.upload("E1", &big).await.status(), 413);
    assert!(uploads_in(&root).is_empty(), "after a file too large");
    let junk = s.dir.path().join("junk.zip");
    std::fs::write(&junk, b"not a zip").unwrap();
    let res = c.upload("E1", &junk).await;
    assert!(res.status().is_redirection() || res.status().is_client_error());
    assert!(
        uploads_in(&root).is_empty(),
        "after a file that is not a return"
    );
    let token = s.token("employer@t.example").await;
    let good = return_zip(s.dir.path(), "good", A1, 6, false);
    assert_eq!(api_upload(&s, &token, "E1", &good).await.status(), 201);
    assert!(uploads_in(&root).is_empty(), "after an accepted return");
    // Not for the employer: refused after the upload arrived.
    let res = api_upload(&s, &token, "E2", &good).await;
    assert_eq!(res.status(), 403);
    assert!(uploads_in(&root).is_empty(), "after a refusal");
}

/// The census date is typed in the GOV.UK date input; its errors say what is missing in
/// GOV.UK's words and keep what was typed; an accepted return's page says what was stored
/// and what happens next.
#[tokio::test]
async fn the_census_date_is_typed_as_day_month_and_year() {
    let s = start(Backend::Sqlite, false, |_| {}).await;
    let c = s.client("employer@t.example").await;
    let good = return_zip(s.dir.path(), "dated", A1, 6, false);
    for (fields, says) in [
        (
            vec![("census_date-day", "1"), ("census_date-month", "11")],
            "Census date must include a year",
        ),
        (
            vec![
                ("census_date-day", "31"),
                ("census_date-month", "2"),
                ("census_date-year", "2025"),
            ],
            "Census date must be a real date",
        ),
        (
            vec![
                ("census_date-day", "1"),
                ("census_date-month", "11"),
                ("census_date-year", "25"),
            ],
            "Year must include 4 numbers",
        ),
        (vec![], "Enter the census date"),
    ] {
        let html = c
            .upload_dated("E1", &good, &fields)
            .await
            .text()
            .await
            .unwrap();
        assert!(title(&html).starts_with("Error: "), "{html}");
        assert!(html.contains(says), "{says}: {html}");
        assert!(html.contains(r##"<a href="#census_date">"##), "{html}");
        if let Some((_, day)) = fields.first() {
            assert!(
                html.contains(&format!(
                    r#"name="census_date-day" type="text" inputmode="numeric" value="{day}""#
                )),
                "kept: {html}"
            );
        }
    }
    assert!(current_posts(&s, "E1").await.is_empty(), "nothing stored");

    let date = [
        ("census_date-day", "1"),
        ("census_date-month", "11"),
        ("census_date-year", "2025"),
    ];
    let res = c.upload_dated("E1", &good, &date).await;
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let html = c.get(&to).await.text().await.unwrap();
    assert!(html.contains("Return accepted"), "{html}");
    assert!(html.contains("census of 1 November 2025"), "{html}");
    assert!(html.contains("What happens next"), "{html}");
    let stored = between(&html, r#"id="stored""#, "</dl>");
    assert!(stored.contains("Filled posts"), "{stored}");
    assert_eq!(current_posts(&s, "E1").await, [6]);
}
