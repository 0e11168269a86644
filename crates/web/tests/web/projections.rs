//! Projections in the web: a planner makes one from the form and reads its figures; a
//! wrong form says what is wrong beside each field and stores nothing; employers and
//! partners are refused every page and endpoint; a planner saves only for their areas;
//! changes are versions, a stale one refused with the text kept, and an old version's
//! figures reproduced exactly; the API gives the same JSON as the saved page; the CSV is
//! the page's table; a wrong population file names its line.

use crate::on_both;
use crate::support::*;
use observatory_service::policy::Role;

const CB: &str = "E06000056";

/// A generated census (three dates) of Central Bedfordshire, its planner and a partner.
pub async fn server(b: Backend) -> Server {
    let s = start(b, false, |_| {}).await;
    let mut opts = observatory_synth::GenerateOptions::demo();
    opts.posts_per_area = 300;
    opts.xlsx_share = 0.0;
    assert!(s.import_generated(&opts).await > 600);
    s.add_user("cb@t.example", Role::Planner, &[CB], &[]).await;
    s.add_user("partner@t.example", Role::Partner, &[CB], &[])
        .await;
    s
}

pub fn form<'a>(
    name: &'a str,
    area: &'a str,
    years: &'a str,
    leaving: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("area", area),
        ("role", ""),
        ("sector", ""),
        ("measure", "headcount"),
        ("base", "2025-11-01"),
        ("years", years),
        ("leaving", leaving),
        ("leaving_change", "-2"),
        ("entrants", ""),
        ("extra", ""),
        ("demand", "growth"),
        ("growth", "3"),
        ("runs", "200"),
        ("seed", "1"),
    ]
}

/// The text of every cell of a table's body, row by row.
fn cells(table: &str) -> Vec<Vec<String>> {
    let body = between(table, "<tbody", "</tbody>");
    body.split("</tr>")
        .filter(|r| r.contains("<td"))
        .map(|r| {
            let mut out = Vec::new();
            let mut rest = r;
            while let Some(i) = rest.find("<t") {
                let after = &rest[i + 2..];
                if !(after.starts_with('d') || after.starts_with("h ")) {
                    rest = after;
                    continue;
                }
                let content = &after[after.find('>').unwrap() + 1..];
                let close = content.find("</t").unwrap();
                out.push(content[..close].trim().to_string());
                rest = &content[close + 3..];
            }
            out
        })
        .collect()
}

async fn scenario_count(c: &Client) -> usize {
    let list = c.get("/projections").await.text().await.unwrap();
    list.matches("href=\"/projections/").count()
        - list.matches("href=\"/projections/new").count()
        - list.matches("href=\"/projections/compare").count()
}

on_both!(
    a_planner_makes_a_projection_and_others_are_refused,
    |b| async move {
        let s = server(b).await;
        let planner = s.client("cb@t.example").await;
        let home = planner.get("/").await.text().await.unwrap();
        assert!(home.contains("href=\"/projections\""), "no navigation link");
        let new = planner.get("/projections/new").await.text().await.unwrap();
        assert!(new.contains("Central Bedfordshire") && new.contains("1 November 2025"));
        assert!(
            !new.contains(">England</option>"),
            "planners project their areas"
        );

        // Wrong: each problem beside its field, nothing stored.
        let res = planner
            .post_form("/projections", &form("", CB, "40", "120"))
            .await;
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        assert!(title(&html).starts_with("Error: "));
        for (id, m) in [
            ("name", "Enter a name for the projection"),
            ("years", "Years must be a whole number from 1 to 15"),
            (
                "leaving",
                "Leaving rate must be a percentage from 0 to 100, like 15",
            ),
        ] {
            assert!(
                html.contains(&format!("<a href=\"#{id}\">{m}</a>")),
                "{m}: {html}"
            );
            assert!(html.contains(&format!("id=\"{id}-error\"")), "{id}");
        }
        assert_eq!(scenario_count(&planner).await, 0);

        // Another area: refused by the service, shown in the summary, nothing stored.
        let res = planner
            .post_form("/projections", &form("Theirs", "E06000001", "5", ""))
            .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("Select an area"));
        let analyst = s.client("analyst@t.example").await;
        let mut theirs = analyst
            .post_form("/projections", &form("England's", "", "5", ""))
            .await;
        assert_eq!(theirs.status(), 303);
        let england = theirs.headers()["location"].to_str().unwrap().to_string();
        let edit = planner.get(&format!("{england}/edit")).await;
        assert_eq!(edit.status(), 403, "a planner cannot change England's");
        theirs = planner
            .post_form(
                &format!("{england}/edit"),
                &[
                    ("version", "1"),
                    (
                        "scenario",
                        "name = \"x\"\n[scope]\nbase = \"2025-11-01\"\nyears = 3\n",
                    ),
                ],
            )
            .await;
        assert_eq!(theirs.status(), 403);

        // Right: the projection and its figures.
        let res = planner
            .post_form("/projections", &form("Our workforce", CB, "10", ""))
            .await;
        assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
        let at = res.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(at, "/projections/our-workforce");
        let page = planner.get(&at).await;
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        assert!(
            page.contains("s workforce in Central Bedfordshire</span>"),
            "{page}"
        );
        let rows = cells(between(&page, "id=\"projection\"", "</table>"));
        assert_eq!(rows.len(), 11, "{rows:?}");
        assert_eq!(rows[0][1], "1 November 2025");
        assert_eq!(rows[10][1], "1 November 2035");
        assert!(page.contains("<svg"), "a chart");
        for said in [
            "What would close the gap",
            "How far to trust this",
            "55 to 59",
            "Version 1, saved by cb@t.example",
        ] {
            assert!(page.contains(said), "{said}");
        }
        let closing = between(&page, "id=\"closing\">", "</div>");
        assert!(
            closing.contains("entrants a year on average, against")
                || closing.contains("there is no gap to close"),
            "{closing}"
        );
        assert!(
            closing.contains("percentage points would close it by 1 November 2035")
                || closing.contains("cannot close it alone")
                || closing.contains("there is no gap to close")
                || closing.contains("without any change to leaving"),
            "{closing}"
        );
        let trust = between(&page, "id=\"trust\">", "</div>");
        assert!(
            (trust.contains("How far to trust this: on past censuses the model was off by")
                && trust.contains("Assuming no change would have been off by"))
                || trust.contains("too short"),
            "{trust}"
        );
        let list = planner.get("/projections").await.text().await.unwrap();
        assert!(list.contains("Our workforce") && list.contains("in Central Bedfordshire"));

        // Employers and partners: refused every page and endpoint.
        for who in ["employer@t.example", "partner@t.example"] {
            let c = s.client(who).await;
            for path in [
                "/projections".to_string(),
                "/projections/new".into(),
                at.clone(),
                format!("{at}/edit"),
                format!("{at}/copy"),
                format!("{at}/download/csv"),
                "/projections/compare?ids=our-workforce".into(),
            ] {
                assert_eq!(c.get(&path).await.status(), 403, "{who} {path}");
            }
            assert_eq!(
                c.post_form("/projections", &form("Mine", CB, "5", ""))
                    .await
                    .status(),
                403
            );
            assert_eq!(
                c.post_form(&format!("{at}/copy"), &[("name", "Mine")])
                    .await
                    .status(),
                403
            );
            let home = c.get("/").await.text().await.unwrap();
            assert!(!home.contains("href=\"/projections\""));
            let token = s.token(who).await;
            for (m, p) in [
                ("GET", "/api/projections"),
                ("GET", "/api/projections/our-workforce"),
                ("POST", "/api/projections"),
            ] {
                assert_eq!(api(&s, &token, m, p).await.status(), 403, "{who} {m} {p}");
            }
        }
    }
);

on_both!(
    versions_are_kept_and_reproduced_and_the_api_and_downloads_agree,
    |b| async move {
        let s = server(b).await;
        let planner = s.client("cb@t.example").await;
        let res = planner
            .post_form("/projections", &form("Ours", CB, "8", "12"))
            .await;
        assert_eq!(res.status(), 303);
        let json1 = planner
            .get("/projections/ours/download/json?version=1")
            .await
            .text()
            .await
            .unwrap();
        let toml1 = planner
            .get("/projections/ours/download/toml?version=1")
            .await
            .text()
            .await
            .unwrap();

        // The API projects the same file with the same seed to the same JSON.
        let token = s.token("cb@t.example").await;
        let posted: serde_json::Value = reqwest::Client::new()
            .post(s.url("/api/projections"))
            .bearer_auth(&token)
            .header("content-type", "application/toml")
            .body(toml1.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let saved: serde_json::Value = serde_json::from_str(&json1).unwrap();
        assert_eq!(posted, saved);
        let got: serde_json::Value = api(&s, &token, "GET", "/api/projections/ours?version=1")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(got, saved);
        let listed: serde_json::Value = api(&s, &token, "GET", "/api/projections")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed[0]["id"], "ours");
        let bad = reqwest::Client::new()
            .post(s.url("/api/projections"))
            .bearer_auth(&token)
            .body("[scope]\nyears = 40\nbase = \"2025-11-01\"\n")
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
        let e: serde_json::Value = bad.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().contains("years"), "{e}");

        // Changing it: a new version; a stale version refused with the text kept.
        let edit = planner
            .get("/projections/ours/edit")
            .await
            .text()
            .await
            .unwrap();
        assert!(edit.contains("name=\"version\" value=\"1\""));
        let changed = toml1.replace("years = 8", "years = 6");
        let res = planner
            .post_form(
                "/projections/ours/edit",
                &[("version", "1"), ("scenario", &changed)],
            )
            .await;
        assert_eq!(res.status(), 303);
        let stale = changed.replace("years = 6", "years = 4");
        let res = planner
            .post_form(
                "/projections/ours/edit",
                &[("version", "1"), ("scenario", &stale)],
            )
            .await;
        assert_eq!(res.status(), 409);
        let html = res.text().await.unwrap();
        assert!(html.contains("Someone else saved this scenario"), "{html}");
        assert!(html.contains("years = 4"), "the user's text is kept");
        let wrong = planner
            .post_form(
                "/projections/ours/edit",
                &[("version", "2"), ("scenario", "[scope]\nyears = 40")],
            )
            .await;
        assert_eq!(wrong.status(), 422);
        assert!(wrong.text().await.unwrap().contains("href=\"#scenario\""));

        let page = planner.get("/projections/ours").await.text().await.unwrap();
        let versions = between(&page, "id=\"versions\"", "</table>");
        assert!(
            versions.contains("2 (shown)") && versions.contains("?version=1"),
            "{versions}"
        );
        assert!(
            versions.contains("Created the scenario.")
                && versions.contains("scope.years from 8 to 6"),
            "{versions}"
        );
        let again = planner
            .get("/projections/ours/download/json?version=1")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            again, json1,
            "an old version's figures are reproduced exactly"
        );
        let old = planner
            .get("/projections/ours?version=1")
            .await
            .text()
            .await
            .unwrap();
        assert!(old.contains("id=\"old-version\""));

        // The CSV is the page's table.
        let table = cells(between(&page, "id=\"projection\"", "</table>"));
        let csv = planner
            .get("/projections/ours/download/csv")
            .await
            .text()
            .await
            .unwrap();
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(r.headers().unwrap().get(0), Some("Year"));
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|x| {
                x.unwrap()
                    .iter()
                    .map(|c| c.trim_start_matches('\'').to_string())
                    .collect()
            })
            .collect();
        assert_eq!(rows, table);

        // Copy and compare.
        let res = planner
            .post_form("/projections/ours/copy", &[("name", "Ours again")])
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/projections/ours-again/edit");
        let cmp = planner
            .get("/projections/compare?ids=ours,ours-again")
            .await;
        assert_eq!(cmp.status(), 200);
        let cmp = cmp.text().await.unwrap();
        assert!(cmp.contains("Ours: supply") && cmp.contains("Ours again: supply"));

        // A wrong population file names its line.
        let bad = "AREA_CODE,AREA_NAME,COMPONENT,SEX,AGE_GROUP,2025,2026\nE06000056,Central Bedfordshire,Population,persons,0,lots,1\n";
        let form = reqwest::multipart::Form::new()
            .text("csrf", planner.csrf.clone())
            .text("name", "snpp-bad")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bad.as_bytes().to_vec()).file_name("snpp.csv"),
            );
        let res = planner
            .http
            .post(s.url("/projections/populations"))
            .header("cookie", planner.cookies_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let html = res.text().await.unwrap();
        let summary = between(&html, "govuk-error-summary__list", "</ul>");
        assert!(summary.contains("Line 2"), "{summary}");
        let good = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/examples/population-projection.csv"
        ))
        .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("csrf", planner.csrf.clone())
            .text("name", "snpp-demo")
            .part(
                "file",
                reqwest::multipart::Part::bytes(good).file_name("population-projection.csv"),
            );
        let res = planner
            .http
            .post(s.url("/projections/populations"))
            .header("cookie", planner.cookies_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("Imported the population projection")
        );
    }
);
