//! Roles x endpoints: every role against every page and API call, proving nobody sees or
//! changes what they must not, and that figures across organisations are suppressed.
//! The evidence library's records and the publication through the API: changes by
//! curators only, the staff side kept to them, the same protected tables for everyone.

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
        ("/projections".into(), [200, 200, 200, 403]),
        ("/projections/new".into(), [200, 200, 200, 403]),
        ("/projections/compare".into(), [200, 200, 200, 403]),
        ("/projections/nothing".into(), [404, 404, 404, 403]),
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
        ("GET", "/api/projections".into(), [200, 200, 200, 403]),
        (
            "GET",
            "/api/projections/nothing".into(),
            [404, 404, 404, 403],
        ),
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
        ("GET", "/api/publication".into(), [200, 200, 200, 200]),
        (
            "GET",
            "/api/publication?census_date=1999-01-01".into(),
            [400, 400, 400, 400],
        ),
        ("GET", "/api/evidence/items".into(), [200, 200, 200, 200]),
        (
            "GET",
            "/api/evidence/items?per_page=0".into(),
            [400, 400, 400, 400],
        ),
        (
            "GET",
            "/api/evidence/items/999".into(),
            [404, 404, 404, 404],
        ),
        (
            "GET",
            "/api/evidence/register?status=planned".into(),
            [200, 200, 200, 200],
        ),
        ("GET", "/api/evidence/calls".into(), [200, 200, 200, 200]),
        (
            "GET",
            "/api/evidence/calls/999".into(),
            [404, 404, 404, 404],
        ),
        // Changes need a body; without one every role is told so, none is let in.
        ("POST", "/api/evidence/items".into(), [400, 400, 400, 400]),
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

/// An API call with a JSON body.
async fn api_json(
    s: &Server,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(s.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

on_both!(evidence_and_publication_follow_the_roles, |b| async move {
    let s = start(b, true, |_| {}).await;
    let mut tokens = Vec::new();
    for email in ROLES {
        tokens.push(s.token(email).await);
    }
    let item = serde_json::json!({
        "title": "Retention of early years practitioners", "item_type": "research_report",
        "summary": "Why practitioners stay.", "year": 2024, "organisation": "A trust",
        "tags": {"theme": ["status_rewards"]}
    });
    let study = serde_json::json!({
        "title": "Pay and retention in nurseries", "organisation": "A university",
        "status": "planned", "tags": {"theme": ["status_rewards"]}
    });
    let call = serde_json::json!({
        "question": "What keeps practitioners in post?", "deadline": "2099-12-31",
        "tags": {"theme": ["status_rewards"]}
    });
    // (path, body, expected status for admin, analyst, planner, employer user)
    let changes = [
        ("/api/evidence/items", &item, [201, 201, 403, 403]),
        ("/api/evidence/register", &study, [201, 201, 403, 403]),
        ("/api/evidence/calls", &call, [201, 201, 403, 403]),
    ];
    let mut made = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        for (path, body, want) in &changes {
            let res = api_json(&s, token, path, (*body).clone()).await;
            let got = res.status().as_u16();
            let answer: serde_json::Value = res.json().await.unwrap();
            assert_eq!(got, want[i], "{} POST {path}: {answer}", ROLES[i]);
            if got == 201 {
                made.push((path.to_string(), answer));
            } else {
                assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()));
            }
        }
    }
    // A body the library refuses is a 400 with its reasons; a facet the form does not
    // offer is refused too.
    let res = api_json(
        &s,
        &tokens[1],
        "/api/evidence/items",
        serde_json::json!({"title": "", "item_type": "report"}),
    )
    .await;
    assert_eq!(res.status(), 400);
    let res = api_json(&s, &tokens[1], "/api/evidence/items", serde_json::json!({"title": "T", "item_type": "research_report", "tags": {"keyword": ["x"]}})).await;
    assert_eq!(res.status(), 400);
    let (_, first) = made
        .iter()
        .find(|(p, _)| p == "/api/evidence/items")
        .unwrap();
    let item_id = first["id"].as_i64().unwrap();
    let (_, opened) = made
        .iter()
        .find(|(p, _)| p == "/api/evidence/calls")
        .unwrap();
    let call_id = opened["id"].as_i64().unwrap();
    assert!(opened["public_link"].as_str().unwrap().contains("key="));

    let mut publications = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let curator = i < 2;
        let get = |path: String| {
            let token = token.clone();
            let s = &s;
            async move {
                let res = api(s, &token, "GET", &path).await;
                assert_eq!(res.status(), 200, "{} GET {path}", ROLES[i]);
                res.json::<serde_json::Value>().await.unwrap()
            }
        };
        // Who added an item (a staff email) is for curators only, as on its page.
        let one = get(format!("/api/evidence/items/{item_id}")).await;
        assert_eq!(one["title"], "Retention of early years practitioners");
        assert_eq!(one["tags"]["theme"], serde_json::json!(["status_rewards"]));
        assert!(one["attachments"].is_array());
        let by = one["added_by"].as_str().unwrap();
        assert_eq!(by.contains('@'), curator, "{} sees added_by {by}", ROLES[i]);
        let list = get("/api/evidence/items?per_page=1".into()).await;
        assert_eq!(
            (
                list["total"].as_u64(),
                list["items"].as_array().unwrap().len()
            ),
            (Some(2), 1)
        );
        // The register never names who registered; its filters are the page's.
        let register = get("/api/evidence/register?theme=status_rewards".into()).await;
        assert_eq!(register.as_array().unwrap().len(), 2);
        assert!(register[0].get("added_by").is_none());
        let none = get("/api/evidence/register?status=reported".into()).await;
        assert_eq!(none, serde_json::json!([]));
        // A call's public link (which takes submissions) is the curators' only.
        let calls = get("/api/evidence/calls".into()).await;
        assert_eq!(calls[0]["public_link"].is_string(), curator, "{}", ROLES[i]);
        assert!(calls[0].get("opened_by").is_none() && calls[0].get("token").is_none());
        let report = get(format!("/api/evidence/calls/{call_id}")).await;
        assert_eq!(report["received"], 0);
        assert_eq!(report["call"]["accepting"], true);
        assert!(report.get("submissions").is_none());
        publications.push(get("/api/publication".into()).await);
    }
    // The publication is the same protected tables for everyone, the employer user of E1
    // included: nobody gets their own figures unprotected there, and every suppressed
    // figure is hidden.
    let admin = &publications[0];
    for (i, p) in publications.iter().enumerate() {
        assert_eq!(p, admin, "{} sees another publication", ROLES[i]);
    }
    assert_eq!(admin["census_date"], CENSUS);
    let rows: Vec<&serde_json::Value> = admin["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["rows"].as_array().unwrap())
        .collect();
    assert!(!rows.is_empty());
    let suppressed: Vec<_> = rows.iter().filter(|r| r["suppressed"] == true).collect();
    assert!(
        !suppressed.is_empty(),
        "three small employers: some figures are suppressed"
    );
    for r in suppressed {
        assert!(
            r["value"].is_null() && r["numerator"].is_null() && r["denominator"].is_null(),
            "{r}"
        );
    }
    assert!(admin["disclosure"]["primary"].as_u64().unwrap() > 0);

    // A member of the public answers the call; only curators see and decide on it.
    let link = opened["public_link"].as_str().unwrap();
    let (cookie, csrf, key) = crate::evidence::public_form(&s, link).await;
    let form = crate::evidence::submission(&csrf, &key, "What kept us", "r@public.example");
    let res = crate::evidence::post(&s, call_id, &cookie, form).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    for (i, token) in tokens.iter().enumerate() {
        let res = api(&s, token, "GET", "/api/evidence/moderation").await;
        assert_eq!(
            res.status().as_u16(),
            [200, 200, 403, 403][i],
            "{}",
            ROLES[i]
        );
    }
    let queue: serde_json::Value = api(&s, &tokens[1], "GET", "/api/evidence/moderation")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue[0]["submitter_email"], "r@public.example");
    assert_eq!(queue[0]["question"], "What keeps practitioners in post?");
    let sub = queue[0]["id"].as_i64().unwrap();
    let path = format!("/api/evidence/moderation/{sub}");
    let accept = serde_json::json!({"decision": "accept", "strength": "indicative"});
    for token in &tokens[2..] {
        let res = api_json(&s, token, &path, accept.clone()).await;
        assert_eq!(res.status(), 403);
    }
    let res = api_json(
        &s,
        &tokens[1],
        &path,
        serde_json::json!({"decision": "merge"}),
    )
    .await;
    assert_eq!(res.status(), 400);
    let done: serde_json::Value = api_json(&s, &tokens[1], &path, accept)
        .await
        .json()
        .await
        .unwrap();
    let new_item = done["item_id"].as_i64().unwrap();
    let seen: serde_json::Value = api(
        &s,
        &tokens[3],
        "GET",
        &format!("/api/evidence/items/{new_item}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (seen["title"].as_str(), seen["strength"].as_str()),
        (Some("What kept us"), Some("indicative"))
    );
    assert!(!seen.to_string().contains("r@public.example"));
    let report: serde_json::Value = api(
        &s,
        &tokens[3],
        "GET",
        &format!("/api/evidence/calls/{call_id}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(report["received"], 1);
    assert_eq!(report["items"][0]["id"], new_item);

    // Citation files: imported by curators (a dry run stores nothing), refused to others.
    let ris = "TY  - RPRT\nTI  - Childminders and their networks\nAU  - Smith, J.\nPY  - 2008\nPB  - A council\nER  - \n";
    let import = |token: &str, path: &str| {
        reqwest::Client::new()
            .post(s.url(path))
            .bearer_auth(token)
            .header("content-type", "text/plain")
            .body(ris)
            .send()
    };
    for (i, token) in tokens.iter().enumerate() {
        let res = import(token, "/api/evidence/import?dry_run=true")
            .await
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            [200, 200, 403, 403][i],
            "{}",
            ROLES[i]
        );
    }
    let dry: serde_json::Value = import(&tokens[0], "/api/evidence/import?dry_run=true")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            dry["records"].as_u64(),
            dry["added"].as_array().map(Vec::len)
        ),
        (Some(1), Some(0)),
        "{dry}"
    );
    let done: serde_json::Value = import(&tokens[0], "/api/evidence/import")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        done["added"][0]["title"], "Childminders and their networks",
        "{done}"
    );
    let again: serde_json::Value = import(&tokens[1], "/api/evidence/import")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            again["added"].as_array().map(Vec::len),
            again["duplicates"].as_array().map(Vec::len)
        ),
        (Some(0), Some(1)),
        "{again}"
    );
    let res = reqwest::Client::new()
        .post(s.url("/api/evidence/import"))
        .bearer_auth(&tokens[0])
        .body("not citations")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
});

on_both!(strategies_follow_the_roles, |b| async move {
    let s = start(b, true, |_| {}).await;
    s.add_user(
        "partner@t.example",
        observatory_service::policy::Role::Partner,
        &[A1],
        &[],
    )
    .await;
    let strategy = |id: &str, area: &str| {
        format!(
            r#"{{"id": "{id}", "title": "Strategy {id}", "areas": ["{area}"],
            "actions": [
              {{"id": "mine", "title": "Partner's action", "owner": "P", "owner_email": "partner@t.example", "due": "2030-01-01"}},
              {{"id": "other", "title": "Council's action", "owner": "C", "due": "2030-01-01"}}]}}"#
        )
    };
    for (id, area) in [("s1", A1), ("s2", A2)] {
        observatory_service::strategy::import(
            &s.state.db,
            observatory_service::Actor::Operator,
            &strategy(id, area),
            "test",
        )
        .await
        .unwrap();
    }
    // (path, expected for admin, analyst, planner of A1, employer user, partner in A1)
    let pages: Vec<(&str, [u16; 5])> = vec![
        ("/strategies", [200, 200, 200, 403, 200]),
        ("/strategies/s1", [200, 200, 200, 403, 200]),
        ("/strategies/s2", [200, 200, 403, 403, 403]),
        ("/strategies/s1/history", [200, 200, 200, 403, 200]),
        ("/strategies/s1/workforce", [200, 200, 200, 403, 200]),
        ("/strategies/s2/workforce", [200, 200, 403, 403, 403]),
        (
            "/strategies/s1/files/strategy.docx",
            [200, 200, 200, 403, 200],
        ),
        (
            "/strategies/s2/files/report.html",
            [200, 200, 403, 403, 403],
        ),
        ("/strategies/s1/checklist", [200, 200, 200, 403, 200]),
        ("/strategies/s1/sections/pilots", [403, 403, 200, 403, 403]),
        ("/strategies/s2/sections/pilots", [403, 403, 403, 403, 403]),
        (
            "/strategies/s1/objectives/new/edit",
            [403, 403, 200, 403, 403],
        ),
        ("/strategies/s1/risks/new/edit", [403, 403, 200, 403, 403]),
        (
            "/strategies/s1/decisions/new/edit",
            [403, 403, 200, 403, 403],
        ),
        (
            "/strategies/s1/actions/mine/edit",
            [403, 403, 200, 403, 200],
        ),
        (
            "/strategies/s1/actions/other/edit",
            [403, 403, 200, 403, 403],
        ),
        ("/strategies/nothing", [404, 404, 404, 403, 404]),
        ("/dashboard", [200, 200, 200, 403, 403]),
        ("/tracker", [200, 200, 200, 403, 403]),
        ("/admin/users", [200, 403, 403, 403, 403]),
        ("/submit", [403, 403, 403, 200, 403]),
    ];
    let emails = [
        "admin@t.example",
        "analyst@t.example",
        "planner@t.example",
        "employer@t.example",
        "partner@t.example",
    ];
    for (i, email) in emails.iter().enumerate() {
        let c = s.client(email).await;
        for (path, want) in &pages {
            let got = c.get(path).await.status().as_u16();
            assert_eq!(got, want[i], "{email} GET {path}");
        }
        // Writing: planners of the area change anything; the partner only their action.
        let res = c
            .post_form(
                "/strategies/s1/sections/pilots",
                &[("version", "1"), ("text", &format!("by {email}"))],
            )
            .await;
        let wrote = res.status().as_u16();
        assert_eq!(
            wrote,
            if i == 2 { 303 } else { 403 },
            "{email} wrote a section"
        );
    }
    let version = observatory_service::strategy::history(
        &s.state.db,
        observatory_service::Actor::Operator,
        "s1",
    )
    .await
    .unwrap()[0]
        .version
        .to_string();
    let partner = s.client("partner@t.example").await;
    for (action, want) in [("other", 403), ("mine", 303)] {
        let res = partner
            .post_form(
                &format!("/strategies/s1/actions/{action}/edit"),
                &[("version", &version), ("status", "done")],
            )
            .await;
        assert_eq!(res.status().as_u16(), want, "partner updated {action}");
    }
    let anon = Client::new(&s);
    for path in ["/strategies", "/strategies/s1", "/strategies/s1/history"] {
        assert_eq!(anon.get(path).await.status(), 303, "{path}");
    }
});
