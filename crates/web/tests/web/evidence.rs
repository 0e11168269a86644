//! The evidence library's pages: search relevance and facets, the public submission
//! form's defences, moderation, the Atom feed, the API and who may change what.

use crate::on_both;
use crate::support::*;
use observatory_service::library::{ItemFields, Tags};
use observatory_service::policy::{Actor, Role, User};

/// A small fixed corpus: (title, type, theme, sector, year, summary).
const CORPUS: [(&str, &str, &str, &str, i32, &str); 4] = [
    (
        "Support staff in schools: roles and deployment",
        "research_report",
        "workforce_composition",
        "education",
        2008,
        "How teaching assistants and other support staff are deployed in primary schools.",
    ),
    (
        "Childminder retention in rural areas",
        "evaluation",
        "motivation",
        "early_years",
        2007,
        "Why childminders leave, and what keeps them in the work.",
    ),
    (
        "Youth work qualifications survey",
        "data_release",
        "qualifications",
        "youth",
        2009,
        "Qualifications held by youth workers, with a short note on support staff.",
    ),
    (
        "Social care leadership and succession",
        "case_study",
        "leadership_succession",
        "social_care",
        2006,
        "Planning the next generation of leaders in family support services.",
    ),
];

async fn seed(s: &Server) -> Vec<i64> {
    let lib = s.state.library().await.unwrap();
    let mut ids = vec![];
    for (title, kind, theme, sector, year, summary) in CORPUS {
        let mut tags = Tags::default();
        tags.add("theme", theme);
        tags.add("sector", sector);
        let f = ItemFields {
            title: title.into(),
            organisation: Some("Test Research Unit".into()),
            year: Some(year),
            item_type: kind.into(),
            summary: summary.into(),
            tags,
            ..Default::default()
        };
        ids.push(lib.add_item(&Actor::Operator, f, &[]).await.unwrap());
    }
    ids
}

/// The item ids of a search page's results, in order.
fn result_ids(html: &str) -> Vec<i64> {
    let list = between(html, "<ol class=\"govuk-list\" id=\"results\">", "</ol>");
    list.split("href=\"/evidence/items/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

on_both!(
    search_puts_known_items_first_and_facets_filter,
    |b| async move {
        let s = start(b, false, |_| {}).await;
        let ids = seed(&s).await;
        // Anyone may search; the best match for "support staff" is the report about them.
        let c = Client::new(&s);
        let res = c.get("/evidence?q=support+staff").await;
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        let found = result_ids(&html);
        assert_eq!(found.first(), Some(&ids[0]), "{found:?}");
        assert!(
            found.contains(&ids[2]),
            "the youth survey mentions support staff"
        );
        assert!(!found.contains(&ids[1]));
        assert!(html.contains("<mark>"), "matches are highlighted");
        assert!(
            html.contains("Youth support (1)"),
            "sector facet with its count"
        );
        // Ticking a facet keeps only its items.
        let html = c
            .get("/evidence?q=support+staff&sector=youth")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(result_ids(&html), vec![ids[2]]);
        // Sorting by date puts the newest first.
        let html = c.get("/evidence?sort=newest").await.text().await.unwrap();
        assert_eq!(result_ids(&html), vec![ids[2], ids[0], ids[1], ids[3]]);
        // A misspelt word is suggested with a link to the search spelt right.
        let html = c.get("/evidence?q=chilminders").await.text().await.unwrap();
        assert!(
            html.contains(
                "Did you mean <a class=\"govuk-link\" href=\"/evidence?q=childminders\">childminders</a>?"
            ),
            "{html}"
        );
        assert_eq!(result_ids(&html).first(), Some(&ids[1]));
        // A wrong facet is a plain 400, not a failure.
        assert_eq!(c.get("/evidence?colour=red").await.status(), 400);
        // One item's page shows its tags in words.
        let html = c
            .get(&format!("/evidence/items/{}", ids[0]))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Support staff in schools") && html.contains("Workforce composition")
        );
        // Citations of the search.
        let ris = c
            .get("/evidence/export.ris?sector=youth")
            .await
            .text()
            .await
            .unwrap();
        assert!(ris.contains("Youth work qualifications survey") && ris.contains("ER  -"));
        // The gap map links its cells to their searches, and comes as CSV.
        let html = c
            .get("/evidence/gaps?as_of=2010")
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("href=\"/evidence?theme=workforce_composition&#38;sector=education"));
        assert!(html.contains("Nothing at all"));
        let csv = c.get("/evidence/gaps.csv?columns=outcome").await;
        assert_eq!(csv.status(), 200);
    }
);

/// The public link of a new call, opened by the analyst.
pub(crate) async fn open_call(s: &Server) -> (i64, String) {
    let a = s.client("analyst@t.example").await;
    let res = a
        .post_form(
            "/evidence/calls",
            &[
                ("question", "What keeps childminders in the work?"),
                ("deadline", "2099-12-31"),
                ("theme", "motivation"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let page = res.headers()["location"].to_str().unwrap().to_string();
    let html = a.get(&page).await.text().await.unwrap();
    let link = between(&html, "<code id=\"public-link\">", "</code>").replace("&amp;", "&");
    let id = page.rsplit('/').next().unwrap().parse().unwrap();
    (id, link)
}

/// A member of the public: the form's CSRF cookie and token from the public page.
pub(crate) async fn public_form(s: &Server, link: &str) -> (String, String, String) {
    let res = reqwest::get(s.url(link)).await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let html = res.text().await.unwrap();
    let csrf = between(&html, "name=\"csrf\" value=\"", "\"").to_string();
    let key = between(&html, "name=\"key\" value=\"", "\"").to_string();
    (cookie, csrf, key)
}

pub(crate) fn submission(
    csrf: &str,
    key: &str,
    title: &str,
    email: &str,
) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("key", key.to_string())
        .text("name", "A Researcher")
        .text("email", email.to_string())
        .text("title", title.to_string())
        .text("authors", "Smith, J.")
        .text("year", "2008")
        .text("type", "case_study")
        .text("summary", "What we found about childminders.")
}

pub(crate) async fn post(
    s: &Server,
    id: i64,
    cookie: &str,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(s.url(&format!("/evidence/calls/{id}/submit")))
        .header("cookie", cookie)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

on_both!(
    the_public_form_refuses_forgery_big_and_wrong_files_and_escapes,
    |b| async move {
        let s = start(b, false, |c| c.max_upload_mb = 1).await;
        let (id, link) = open_call(&s).await;
        // Without the link's key there is no form.
        let html = reqwest::get(s.url(&format!("/evidence/calls/{id}")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("name=\"key\""));
        let (cookie, csrf, key) = public_form(&s, &link).await;
        let ok = || {
            submission(
                &csrf,
                &key,
                "Childminders stay for the children",
                "a@r.example",
            )
        };
        // No CSRF cookie, or a token that is not the cookie's: refused.
        assert_eq!(post(&s, id, "", ok()).await.status(), 403);
        let forged = submission(&"f".repeat(64), &key, "x", "a@r.example");
        assert_eq!(post(&s, id, &cookie, forged).await.status(), 403);
        // A file over the limit.
        let big = ok().part(
            "file",
            reqwest::multipart::Part::bytes(vec![b'a'; 1024 * 1024 + 10]).file_name("big.txt"),
        );
        let res = post(&s, id, &cookie, big).await;
        assert_eq!(res.status(), 413);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("larger than the limit of 1 MB")
        );
        // A file that is not PDF, DOCX or text.
        let exe = ok().part(
            "file",
            reqwest::multipart::Part::bytes(vec![0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00])
                .file_name("run.exe"),
        );
        let res = post(&s, id, &cookie, exe).await;
        assert_eq!(res.status(), 400);
        assert!(res.text().await.unwrap().contains("is not a PDF"));
        // Script in what is shown back is shown as text.
        let script = "<script>alert(1)</script>";
        let res = post(
            &s,
            id,
            &cookie,
            submission(&csrf, &key, script, "<script>x</script>"),
        )
        .await;
        assert_eq!(res.status(), 400);
        let html = res.text().await.unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{html}"
        );
        // Nothing of those was stored.
        let lib = s.state.library().await.unwrap();
        assert_eq!(lib.call_report(id).await.unwrap().received, 0);
        // A good one with a text file is taken and thanked for, escaped.
        let good = submission(&csrf, &key, "Staying <b>power</b>", "a@r.example").part(
            "file",
            reqwest::multipart::Part::bytes(b"Childminders stay for the children.".to_vec())
                .file_name("notes.txt"),
        );
        let res = post(&s, id, &cookie, good).await;
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Staying &#60;b&#62;power&#60;/b&#62;"),
            "{html}"
        );
        assert_eq!(lib.call_report(id).await.unwrap().received, 1);
    }
);

on_both!(
    moderation_accept_makes_an_item_and_the_feed_is_atom,
    |b| async move {
        let s = start(b, false, |_| {}).await;
        let (id, link) = open_call(&s).await;
        let (cookie, csrf, key) = public_form(&s, &link).await;
        let title = "Childminders stay for the children";
        let res = post(
            &s,
            id,
            &cookie,
            submission(&csrf, &key, title, "a@r.example"),
        )
        .await;
        assert_eq!(res.status(), 200);
        let a = s.client("analyst@t.example").await;
        let queue = a.get("/evidence/moderation").await.text().await.unwrap();
        assert!(queue.contains(title));
        let sub = between(&queue, "id=\"submission-", "\"").to_string();
        let res = a
            .post_form(
                &format!("/evidence/moderation/{sub}"),
                &[("decision", "accept"), ("strength", "indicative")],
            )
            .await;
        assert_eq!(res.status(), 303);
        let item = res.headers()["location"].to_str().unwrap().to_string();
        assert!(item.starts_with("/evidence/items/"));
        let html = a.get(&item).await.text().await.unwrap();
        assert!(html.contains(title) && html.contains("Indicative"));
        // The call reports back; the queue is empty.
        let html = a
            .get(&format!("/evidence/calls/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("1 accepted") && html.contains(title));
        assert!(
            a.get("/evidence/moderation")
                .await
                .text()
                .await
                .unwrap()
                .contains("Nothing is waiting")
        );
        // The feed of the call, and of everything, are Atom with the required elements.
        for path in [
            format!("/evidence/feed.atom?call={id}"),
            "/evidence/feed.atom".into(),
        ] {
            let res = reqwest::get(s.url(&path)).await.unwrap();
            assert_eq!(res.status(), 200);
            assert!(
                res.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/atom+xml")
            );
            let xml = res.text().await.unwrap();
            assert_atom(&xml, title);
        }
        assert_eq!(
            reqwest::get(s.url("/evidence/feed.atom?theme=nonsense"))
                .await
                .unwrap()
                .status(),
            400
        );
    }
);

/// Check a feed: root `feed` in the Atom namespace with id, title and updated, and
/// each entry with id, title and updated; one entry titled `title`.
fn assert_atom(xml: &str, title: &str) {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = vec![];
    let mut seen: Vec<String> = vec![];
    let mut root_ns = None;
    let mut titles = vec![];
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                if path.is_empty() {
                    root_ns = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == "xmlns")
                        .map(|a| a.value.to_string());
                }
                path.push(name);
                seen.push(path.join("/"));
            }
            Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                seen.push(format!("{}/{name}", path.join("/")));
            }
            Event::Text(t) if path.join("/") == "feed/entry/title" => {
                titles.push(t.into_inner().to_string());
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(seen.first().map(String::as_str), Some("feed"), "{xml}");
    assert_eq!(root_ns.as_deref(), Some("http://www.w3.org/2005/Atom"));
    for required in [
        "feed/id",
        "feed/title",
        "feed/updated",
        "feed/entry/id",
        "feed/entry/title",
        "feed/entry/updated",
    ] {
        assert!(
            seen.iter().any(|s| s == required),
            "{required} missing in {xml}"
        );
    }
    assert!(titles.iter().any(|t| t == title), "{titles:?}");
}

on_both!(
    employers_cannot_curate_and_the_api_searches,
    |b| async move {
        let s = start(b, false, |_| {}).await;
        let ids = seed(&s).await;
        let e = s.client("employer@t.example").await;
        assert_eq!(e.get("/evidence/moderation").await.status(), 403);
        assert_eq!(e.get("/evidence/items/new").await.status(), 403);
        assert_eq!(e.get("/evidence/import").await.status(), 403);
        let res = e
            .post_form(
                "/evidence/calls",
                &[
                    ("question", "x"),
                    ("deadline", "2099-01-01"),
                    ("theme", "motivation"),
                ],
            )
            .await;
        assert_eq!(res.status(), 403);
        let res = e
            .post_form(
                "/evidence/register",
                &[("title", "x"), ("organisation", "y"), ("status", "planned")],
            )
            .await;
        assert_eq!(res.status(), 403);
        assert!(
            s.state
                .library()
                .await
                .unwrap()
                .calls()
                .await
                .unwrap()
                .is_empty()
        );
        // Reading is open to them, and the navigation leads there.
        let home = e.get("/").await.text().await.unwrap();
        assert!(home.contains("href=\"/evidence\""));
        assert_eq!(e.get("/evidence").await.status(), 200);
        // Signed out, the moderation queue asks for sign-in.
        assert_eq!(
            Client::new(&s).get("/evidence/moderation").await.status(),
            303
        );
        // Analysts register a study and see the similar ones.
        let a = s.client("analyst@t.example").await;
        let html = a
            .post_form(
                "/evidence/register",
                &[
                    ("title", "Support staff deployment in primary schools"),
                    ("organisation", "A University"),
                    ("status", "planned"),
                    (
                        "summary",
                        "Teaching assistants and support staff in schools",
                    ),
                    ("theme", "workforce_composition"),
                ],
            )
            .await
            .text()
            .await
            .unwrap();
        let similar = between(
            &html,
            "<table class=\"govuk-table\" id=\"similar\">",
            "</table>",
        );
        assert!(
            similar.contains(&format!("/evidence/items/{}", ids[0])),
            "{similar}"
        );
        // The API answers with a token, and says so in the OpenAPI document.
        let token = s.token("employer@t.example").await;
        let res = api(&s, &token, "GET", "/api/evidence/search?q=childminders").await;
        assert_eq!(res.status(), 200);
        let j: serde_json::Value = res.json().await.unwrap();
        assert_eq!(j["hits"][0]["id"], ids[1]);
        // A typo still finds the item, and the answer says how the word is spelt.
        let res = api(&s, &token, "GET", "/api/evidence/search?q=chilminders").await;
        let j: serde_json::Value = res.json().await.unwrap();
        assert_eq!(j["hits"][0]["id"], ids[1]);
        assert_eq!(j["did_you_mean"], "childminders");
        let res = api(&s, &token, "GET", "/api/evidence/gaps?columns=outcome").await;
        assert_eq!(res.status(), 200);
        let j: serde_json::Value = res.json().await.unwrap();
        assert_eq!(j["columns_facet"], "outcome");
        let doc = reqwest::get(s.url("/api/openapi.json"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(doc.contains("/api/evidence/search") && doc.contains("/api/evidence/gaps"));
    }
);

/// The peak resident memory of this process so far, in MB (VmHWM).
fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kb / 1024
}

on_both!(
    flate_bombs_on_the_public_form_are_refused_alone_and_the_server_keeps_answering,
    |b| async move {
        let s = start(b, false, |_| {}).await;
        let ids = seed(&s).await;
        let (id, link) = open_call(&s).await;
        let (cookie, csrf, key) = public_form(&s, &link).await;
        // A 6 MB PDF that expands to 6 GiB: far more than the bound on this process's
        // peak memory below, which the other tests running beside it in this process
        // must also stay under (they reach about 1 GB).
        let bomb = observatory_evidence::testing::flate_bomb_pdf(6 * 1024);
        let with_bomb = || {
            submission(&csrf, &key, "Retention report", "a@r.example").part(
                "file",
                reqwest::multipart::Part::bytes(bomb.clone()).file_name("report.pdf"),
            )
        };
        let refused = |html: &str| {
            html.contains(
                "the text of report.pdf could not be read within the limits (512 MB of memory, 20 seconds), so the file was not taken",
            )
        };
        // Another reader's page, asked for while the bomb is being read.
        let other = async {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let started = std::time::Instant::now();
            let res = reqwest::get(s.url(&format!("/evidence/items/{}", ids[0])))
                .await
                .unwrap();
            (res.status(), started.elapsed())
        };
        let (res, (other_status, other_took)) =
            tokio::join!(post(&s, id, &cookie, with_bomb()), other);
        assert_eq!(res.status(), 400);
        let html = res.text().await.unwrap();
        assert!(refused(&html), "{html}");
        assert_eq!(other_status, 200);
        assert!(
            other_took < std::time::Duration::from_secs(5),
            "{other_took:?}"
        );
        // Two at once: both refused the same way.
        let (r1, r2) = tokio::join!(
            post(&s, id, &cookie, with_bomb()),
            post(&s, id, &cookie, with_bomb())
        );
        for r in [r1, r2] {
            assert_eq!(r.status(), 400);
            assert!(refused(&r.text().await.unwrap()));
        }
        // Nothing was stored, this process never held the expanded file, and a good
        // PDF is still read.
        let lib = s.state.library().await.unwrap();
        assert_eq!(lib.call_report(id).await.unwrap().received, 0);
        assert!(peak_rss_mb() < 3000, "peak RSS {} MB", peak_rss_mb());
        let good = submission(&csrf, &key, "Retention report", "a@r.example").part(
            "file",
            reqwest::multipart::Part::bytes(observatory_evidence::testing::pdf(
                "Supervision keeps childminders",
            ))
            .file_name("report.pdf"),
        );
        assert_eq!(post(&s, id, &cookie, good).await.status(), 200);
        assert_eq!(lib.call_report(id).await.unwrap().received, 1);
    }
);

on_both!(
    item_pages_show_who_added_an_item_to_curators_only,
    |b| async move {
        let s = start(b, false, |_| {}).await;
        let lib = s.state.library().await.unwrap();
        let analyst = User {
            id: 0,
            email: "analyst@t.example".into(),
            name: "Analyst".into(),
            role: Role::Analyst,
            active: true,
            areas: vec![],
            employers: vec![],
            has_password: true,
        };
        let item = lib
            .add_item(
                &Actor::from(&analyst),
                ItemFields {
                    title: "Childminder retention in rural areas".into(),
                    organisation: Some("Test Research Unit".into()),
                    year: Some(2007),
                    item_type: "evaluation".into(),
                    summary: "Why childminders leave.".into(),
                    ..Default::default()
                },
                &[],
            )
            .await
            .unwrap();
        let path = format!("/evidence/items/{item}");
        let public = reqwest::get(s.url(&path))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(public.contains("Childminder retention"));
        assert!(!public.contains("analyst@t.example"), "{public}");
        assert!(public.contains("by the observatory"));
        // Signed in but not staff of the library: the same.
        let planner = s.client("planner@t.example").await;
        let html = planner.get(&path).await.text().await.unwrap();
        assert!(!html.contains("analyst@t.example"));
        // Curators see who added it.
        let admin = s.client("admin@t.example").await;
        let html = admin.get(&path).await.text().await.unwrap();
        assert!(html.contains("by analyst@t.example"), "{html}");
    }
);

on_both!(
    citation_files_over_the_limits_are_refused_on_the_form,
    |b| async move {
        let s = start(b, false, |_| {}).await;
        let a = s.client("analyst@t.example").await;
        let ris =
            "TY  - RPRT\nTI  - T\nER  - \n".repeat(observatory_evidence::cite::MAX_RECORDS + 1);
        let form = reqwest::multipart::Form::new()
            .text("csrf", a.csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(ris.into_bytes()).file_name("many.ris"),
            );
        let res = a
            .http
            .post(s.url("/evidence/import"))
            .header("cookie", a.cookies_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("it holds more than 5000 records; at most 5000 are read at a time"),
            "{html}"
        );
        let lib = s.state.library().await.unwrap();
        assert!(lib.items(None).await.unwrap().is_empty());
    }
);

/// The public call-for-evidence form follows the GOV.UK error pattern: every problem in
/// the summary links to the field it is in, written as GOV.UK writes errors.
#[tokio::test]
async fn the_call_form_links_each_problem_to_its_field() {
    let s = start(Backend::Sqlite, false, |_| {}).await;
    let (id, link) = open_call(&s).await;
    let (cookie, csrf, key) = public_form(&s, &link).await;
    let form = submission(&csrf, &key, "", "not an address").text("link", "www.example.org");
    let res = post(&s, id, &cookie, form).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Error: "), "{html}");
    for (field, says) in [
        ("title", "Enter the title"),
        ("email", "is not an email address"),
        ("link", "is not a web address"),
    ] {
        assert!(
            html.contains(&format!(r##"<a href="#{field}">"##)),
            "{field}: {html}"
        );
        assert!(
            html.contains(&format!(r#"id="{field}-error""#)),
            "{field}: {html}"
        );
        assert!(html.contains(says), "{says}: {html}");
    }
    assert!(html.contains(r#"value="not an address""#), "kept: {html}");
}
