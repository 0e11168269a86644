//! Roles x endpoints: every role against every page and API call, proving nobody sees or
//! changes what they must not, and that figures across organisations are suppressed.

use crate::on_both;
use crate::support::*;

const ROLES: [&str; 4] = [
    "admin@t.example",
    "analyst@t.example",
    "planner@t.example",
    "employer@t.example",
];

on_both!(pages_and_api_follow_the_roles, |b| async move {
    let s = start(b, true, |_| {}).await;
    // A submission of E1 made through the web, to be read (or not) by each role.
    let e1 = s.client("employer@t.example").await;
    let good = return_zip(s.dir.path(), "e1-web", A1, 12, false);
    let res = e1.upload("E1", &good).await;
    assert_eq!(res.status(), 303);
    let sub = res.headers()["location"].to_str().unwrap().to_string();
    let sub_id = sub.rsplit('/').next().unwrap().to_string();

    // (path, expected status for admin, analyst, planner of A1, employer user of E1)
    let pages: Vec<(String, [u16; 4])> = vec![
        ("/".into(), [200, 200, 200, 200]),
        ("/dashboard".into(), [200, 200, 200, 403]),
        (format!("/dashboard?area={A2}"), [200, 200, 403, 403]),
        (format!("/tracker?area={A1}"), [200, 200, 200, 403]),
        (format!("/tracker?area={A2}"), [200, 200, 403, 403]),
        ("/admin/users".into(), [200, 403, 403, 403]),
        ("/admin/users/1".into(), [200, 403, 403, 403]),
        ("/submit".into(), [403, 403, 403, 200]),
        ("/employer".into(), [403, 403, 403, 200]),
        ("/employer?employer=E2".into(), [403, 403, 403, 403]),
        (sub.clone(), [404, 404, 404, 200]),
        (format!("{sub}/report.csv"), [404, 404, 404, 200]),
        (
            "/explorer?measure=posts&by=sector".into(),
            [200, 200, 200, 200],
        ),
        (
            "/download?measure=posts&by=employer&format=csv".into(),
            [200, 200, 403, 403],
        ),
        (
            format!("/download?measure=posts&by=employer&where=area%3D{A1}&format=xlsx"),
            [200, 200, 200, 403],
        ),
    ];
    let api_calls: Vec<(&str, String, [u16; 4])> = vec![
        ("GET", "/api/me".into(), [200, 200, 200, 200]),
        (
            "GET",
            "/api/query?measure=posts&by=sector".into(),
            [200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/query?measure=posts&by=employer".into(),
            [200, 200, 403, 403],
        ),
        (
            "GET",
            format!("/api/query?measure=posts&by=setting&where=area={A1}"),
            [200, 200, 200, 403],
        ),
        (
            "GET",
            "/api/query?measure=posts&by=gender&where=employer=E2".into(),
            [200, 200, 403, 403],
        ),
        (
            "GET",
            format!("/api/returns/status?area={A1}"),
            [200, 200, 200, 403],
        ),
        (
            "GET",
            format!("/api/returns/status?area={A2}"),
            [200, 200, 403, 403],
        ),
        (
            "GET",
            format!("/api/submissions/{sub_id}"),
            [404, 404, 404, 200],
        ),
        (
            "GET",
            "/api/submissions?employer=E1".into(),
            [403, 403, 403, 200],
        ),
        (
            "GET",
            "/api/submissions?employer=E2".into(),
            [403, 403, 403, 403],
        ),
        (
            "POST",
            format!("/api/returns/E2/{CENSUS}/approve"),
            [403, 403, 403, 403],
        ),
        (
            "POST",
            format!("/api/returns/E1/{CENSUS}/approve"),
            [403, 403, 200, 403],
        ),
        (
            "POST",
            format!("/api/returns/E1/{CENSUS}/reopen"),
            [403, 403, 200, 403],
        ),
    ];
    for (i, email) in ROLES.iter().enumerate() {
        let c = s.client(email).await;
        for (path, want) in &pages {
            let got = c.get(path).await.status().as_u16();
            assert_eq!(got, want[i], "{email} GET {path}");
        }
        let token = s.token(email).await;
        for (method, path, want) in &api_calls {
            let res = api(&s, &token, method, path).await;
            let got = res.status().as_u16();
            let body = res.text().await.unwrap();
            assert_eq!(got, want[i], "{email} {method} {path}: {body}");
            if got >= 400 {
                let v: serde_json::Value = serde_json::from_str(&body).expect("errors are JSON");
                assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
            }
        }
    }
    // Changes: only an administrator manages users, only the E1 user submits for E1.
    for email in &ROLES[1..] {
        let c = s.client(email).await;
        let res = c
            .post_form(
                "/admin/users",
                &[("email", "x@t.example"), ("role", "admin")],
            )
            .await;
        assert_eq!(res.status(), 403, "{email} invited a user");
        let res = c
            .post_form(
                "/admin/users/1",
                &[("role", "employer"), ("employers", "E1"), ("active", "yes")],
            )
            .await;
        assert_eq!(res.status(), 403, "{email} changed a user");
    }
    let other = s.token("other@t.example").await;
    let res = api_upload(&s, &other, "E1", &good).await;
    assert_eq!(res.status(), 403);
    assert!(
        s.store
            .users()
            .await
            .unwrap()
            .iter()
            .all(|u| u.email != "x@t.example")
    );

    // Signed out: pages send people to sign in, the API answers 401.
    let anon = Client::new(&s);
    for path in [
        "/",
        "/dashboard",
        "/submit",
        "/admin/users",
        "/explorer",
        "/download?measure=posts",
    ] {
        let res = anon.get(path).await;
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(res.headers()["location"], "/sign-in");
    }
    let res = api(&s, "not-a-token", "GET", "/api/me").await;
    assert_eq!(res.status(), 401);
    let res = reqwest::get(s.url("/api/query?measure=posts"))
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
});

on_both!(
    own_records_unsuppressed_everything_else_suppressed,
    |b| async move {
        let s = start(b, true, |_| {}).await;
        let q = "/api/query?measure=headcount&by=gender&where=employer=E1";
        // E1 has 3 men among 12 people: its own user sees 3; anyone else sees it suppressed.
        let own: serde_json::Value = api(&s, &s.token("employer@t.example").await, "GET", q)
            .await
            .json()
            .await
            .unwrap();
        let male = own["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["gender"] == "male")
            .unwrap();
        assert_eq!(male["value"], 3);
        assert_eq!(male["suppressed"], false);
        let admin: serde_json::Value = api(&s, &s.token("admin@t.example").await, "GET", q)
            .await
            .json()
            .await
            .unwrap();
        let male = admin["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["gender"] == "male")
            .unwrap();
        assert_eq!(male["suppressed"], true);
        assert!(
            male["value"].is_null() && male["numerator"].is_null() && male["denominator"].is_null()
        );
        // The API's JSON is the query contract's: same keys in the same order as the CLI.
        assert_eq!(admin["measure"], "headcount");
        assert_eq!(admin["census_date"], CENSUS);
        assert_eq!(admin["by"], serde_json::json!(["gender"]));
        let keys: Vec<&String> = admin["rows"][0].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["gender", "value", "numerator", "denominator", "suppressed"]
        );
        // No parameter turns suppression off.
        let v: serde_json::Value = api(
            &s,
            &s.token("admin@t.example").await,
            "GET",
            &format!("{q}&no_suppression=true&threshold=1"),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(v, admin);
        // The CSV download marks suppressed cells c and never carries the hidden number.
        let admin_c = s.client("admin@t.example").await;
        let csv = admin_c
            .get("/download?measure=headcount&by=gender&where=employer%3DE1&format=csv")
            .await
            .text()
            .await
            .unwrap();
        assert!(csv.lines().any(|l| l.starts_with("male,c,c,c")), "{csv}");
        assert!(!csv.lines().any(|l| l.starts_with("male,3")), "{csv}");
        let page = admin_c
            .get("/explorer?measure=headcount&by=gender&where=employer%3DE1")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("suppressed to protect individuals"), "{page}");
    }
);
