//! A person in a real browser (headless Debian Chromium through chromedriver): a planner
//! looks at the dashboard; the employer signs in, uploads a return with errors, reads
//! what to fix, fixes it and resubmits; the planner's dashboard has changed. Every role
//! visits every page of its navigation, and the forms with errors, at 375 and 1280 px.
//! axe-core (tests/assets/axe.min.js) checks every page state visited and any violation
//! fails the test. Screenshots are kept in target/screenshots/ as test artifacts.

use crate::support::*;
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(b: &Browser, name: &str) {
    let png = b.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

/// axe-core, vendored unmodified (tests/assets/README.md).
const AXE: &str = include_str!("../assets/axe.min.js");

/// The widths every page state is checked and photographed at: a small phone, a laptop.
const WIDTHS: [u32; 2] = [375, 1280];

/// The axe-core violations on the page as shown, one line per rule and element.
async fn axe_violations(b: &Browser) -> Vec<String> {
    let loaded = b
        .execute("return typeof window.axe !== 'undefined';", vec![])
        .await
        .unwrap();
    if loaded != serde_json::Value::Bool(true) {
        b.execute(AXE, vec![]).await.unwrap();
    }
    let found = b
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ["violations"] })
              .then(r => done(r.violations.flatMap(v => v.nodes.map(n =>
                  `${v.id} (${v.impact}): ${v.help}: ${n.target.join(" ")}: ${n.html.slice(0, 160)}`))))
              .catch(e => done([`axe failed: ${e}`]));"#,
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

/// Checks the page state as shown at each width with axe-core, adding what it finds to
/// `found`, and keeps a screenshot of each (`name-375.png`, `name-1280.png`).
/// JavaScript: null when the page fits its width, else the first element (outside a
/// scrolling region) whose right edge passes the viewport's.
const SIDEWAYS: &str = r#"
const root = document.documentElement;
if (root.scrollWidth <= root.clientWidth + 1) return null;
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('.app-table-region') && !el.classList.contains('app-table-region')) continue;
  const r = el.getBoundingClientRect();
  if (r.right > root.clientWidth + 1) {
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className + ' ' + Math.round(r.width) + ' px wide';
  }
}
return 'wider than ' + root.clientWidth + ' px';
"#;

async fn check(b: &Browser, name: &str, found: &mut Vec<String>) {
    for width in WIDTHS {
        b.set_window_size(width, 2000).await.unwrap();
        for v in axe_violations(b).await {
            found.push(format!("{name} at {width} px: {v}"));
        }
        // No page scrolls sideways: wide tables scroll inside their own region. When one
        // does, name the element that sticks out.
        let sideways = b.execute(SIDEWAYS, vec![]).await.unwrap();
        if let Some(culprit) = sideways.as_str() {
            found.push(format!(
                "{name} at {width} px: the page scrolls sideways ({culprit})"
            ));
        }
        shot(b, &format!("{name}-{width}")).await;
    }
}

fn no_violations(found: &[String]) {
    assert!(
        found.is_empty(),
        "axe-core found {} violations:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// The pages of the navigation as shown to whoever is signed in.
async fn nav_links(b: &Browser) -> Vec<String> {
    let mut hrefs = Vec::new();
    for a in b
        .find_all(Locator::Css("#navigation a.govuk-service-navigation__link"))
        .await
        .unwrap()
    {
        hrefs.push(a.attr("href").await.unwrap().unwrap());
    }
    hrefs
}

/// Fills the fields of the form holding `button` (by id) and presses it.
async fn fill_and_press(b: &Browser, fields: &[(&str, &str)], button: &str) {
    for (id, value) in fields {
        let field = b.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
    // The page that was there: until it is gone, its own footer would answer the wait
    // below, and a test would read the old page's title.
    let old = b.find(Locator::Css("html")).await.unwrap();
    b.find(Locator::Id(button))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..200 {
        if old.tag_name().await.is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    b.wait().for_element(Locator::Css("footer")).await.unwrap();
}

fn chromedriver_missing() -> bool {
    if std::path::Path::new(CHROMEDRIVER).exists() {
        return false;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI must install chromium and chromium-driver (.ci/run does)"
    );
    eprintln!(
        "skipped: {CHROMEDRIVER} is not installed (apt-get install chromium chromium-driver)"
    );
    true
}

async fn open(profile: &std::path::Path) -> (Driver, Browser) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--window-size=1280,2000", format!("--user-data-dir={}", profile.display())]
        }
    }))
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(b) = ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return (driver, b);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

async fn sign_in(b: &Browser, s: &Server, email: &str) {
    b.goto(&s.url("/sign-in")).await.unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    b.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("button.app-link-button"))
        .await
        .unwrap();
}

async fn sign_out(b: &Browser) {
    b.find(Locator::Css("button.app-link-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait().for_element(Locator::Id("sign-in")).await.unwrap();
}

async fn area_posts(b: &Browser, s: &Server) -> String {
    b.goto(&s.url(&format!("/dashboard?area={A1}")))
        .await
        .unwrap();
    let dd = b.find(Locator::Css("#headlines tbody td")).await.unwrap();
    dd.text().await.unwrap()
}

async fn upload(b: &Browser, s: &Server, file: &std::path::Path) -> String {
    b.goto(&s.url("/submit")).await.unwrap();
    // The GOV.UK date input: day, month and year.
    let (year, rest) = CENSUS.split_once('-').unwrap();
    let (month, day) = rest.split_once('-').unwrap();
    for (id, value) in [
        ("census_date", day),
        ("census_date-month", month),
        ("census_date-year", year),
    ] {
        let field = b.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
    b.find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    b.find(Locator::Id("submit-return"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("a[download]"))
        .await
        .unwrap();
    b.source().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_fix_a_return_and_see_the_dashboard_change() {
    if chromedriver_missing() {
        return;
    }
    let s = start(Backend::Sqlite, true, |_| {}).await;
    let profile = tempfile::tempdir().unwrap();
    let (_driver, b) = open(profile.path()).await;
    let mut found = Vec::new();

    sign_in(&b, &s, "planner@t.example").await;
    // The planner sees the area's figure perturbed (the cell key method), as computed
    // from the same records; the records themselves hold E1's 12 posts and E3's 7.
    let (shown, exact) = s.figure("posts", &[("area", A1)]).await;
    assert_eq!(exact, 19.0);
    assert_eq!(area_posts(&b, &s).await, format!("{shown}"));
    check(&b, "1-dashboard-before", &mut found).await;
    sign_out(&b).await;

    sign_in(&b, &s, "employer@t.example").await;
    let bad = return_zip(s.dir.path(), "our-return", A1, 6, true);
    let page = upload(&b, &s, &bad).await;
    assert!(page.contains("Your return was not accepted"), "{page}");
    assert!(
        page.contains("Errors in column fte of workers.csv"),
        "{page}"
    );
    check(&b, "2-report-with-errors", &mut found).await;
    let good = return_zip(s.dir.path(), "our-return-fixed", A1, 6, false);
    let page = upload(&b, &s, &good).await;
    assert!(page.contains("Return accepted"), "{page}");
    check(&b, "3-accepted", &mut found).await;
    b.goto(&s.url("/employer")).await.unwrap();
    check(&b, "4-employer-view", &mut found).await;
    sign_out(&b).await;

    sign_in(&b, &s, "planner@t.example").await;
    let (shown, exact) = s.figure("posts", &[("area", A1)]).await;
    assert_eq!(exact, 13.0, "E1 now returns 6 posts");
    assert_eq!(area_posts(&b, &s).await, format!("{shown}"));
    check(&b, "5-dashboard-after", &mut found).await;
    b.goto(&s.url(&format!("/tracker?area={A1}")))
        .await
        .unwrap();
    check(&b, "6-tracker", &mut found).await;
    b.close().await.unwrap();
    no_violations(&found);
}

/// A planner writes an objective bound to a census measure in the browser; it has no
/// figure until a census on or after its baseline arrives, and the next census year's
/// returns judge it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_objective_written_in_the_browser_is_judged_when_a_new_census_year_arrives() {
    if chromedriver_missing() {
        return;
    }
    let s = start(Backend::Sqlite, true, |_| {}).await;
    crate::strategies::add_strategy(&s, "plan", A1).await;
    let profile = tempfile::tempdir().unwrap();
    let (_driver, b) = open(profile.path()).await;
    let mut found = Vec::new();
    sign_in(&b, &s, "planner@t.example").await;
    b.goto(&s.url("/strategies/plan")).await.unwrap();
    b.find(Locator::LinkText("Add an objective"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait().for_element(Locator::Id("save")).await.unwrap();
    // First without a title or a real date: GOV.UK's errors, nothing stored.
    fill_and_press(
        &b,
        &[
            ("baseline", "31"),
            ("baseline-month", "2"),
            ("baseline-year", "2026"),
        ],
        "save",
    )
    .await;
    assert!(b.title().await.unwrap().starts_with("Error: "));
    let page = b.source().await.unwrap();
    assert!(
        page.contains("Enter the objective") && page.contains("Baseline date must be a real date"),
        "{page}"
    );
    check(&b, "strategy-objective-with-errors", &mut found).await;
    b.find(Locator::Css("#measure option[value='headcount']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill_and_press(
        &b,
        &[
            ("title", "Grow the workforce in the area"),
            ("owner", "Workforce lead"),
            ("baseline", "1"),
            ("baseline-month", "1"),
            ("baseline-year", "2026"),
            ("baseline_value", "19"),
            ("m1", "1"),
            ("m1-month", "11"),
            ("m1-year", "2026"),
            ("m1_value", "40"),
        ],
        "save",
    )
    .await;
    let row = |page: String| {
        between(
            &page,
            "id=\"objective-grow-the-workforce-in-the-area\"",
            "</tr>",
        )
        .to_string()
    };
    let before = row(b.source().await.unwrap());
    // The only census (1 November 2025) is before the baseline: no figure yet.
    assert!(before.contains(">Not enough data</strong>"), "{before}");
    check(&b, "strategy-with-new-objective", &mut found).await;

    // The 2026 census year arrives with many more people in the area.
    for (e, n) in [("E1", 30), ("E3", 25)] {
        let zip = return_zip_for(
            s.dir.path(),
            &format!("{e}-2026"),
            A1,
            n,
            false,
            "2026-11-01",
        );
        s.import_at(e, &zip, "2026-11-01").await;
    }
    b.goto(&s.url("/strategies/plan")).await.unwrap();
    let after = row(b.source().await.unwrap());
    assert!(
        after.contains(">Achieved</strong>") && after.contains("1 November 2026"),
        "{after}"
    );
    check(&b, "strategy-after-new-census", &mut found).await;
    b.close().await.unwrap();
    no_violations(&found);
}

/// Every role's pages, and the forms with errors, pass axe-core at 375 and 1280 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_state_passes_axe_at_both_widths() {
    if chromedriver_missing() {
        return;
    }
    let s = start(Backend::Sqlite, true, |_| {}).await;
    crate::strategies::add_strategy(&s, "browsed", A1).await;
    let profile = tempfile::tempdir().unwrap();
    let (_driver, b) = open(profile.path()).await;
    let mut found = Vec::new();

    b.goto(&s.url("/")).await.unwrap();
    check(&b, "signed-out-home", &mut found).await;
    b.goto(&s.url("/no-such-page")).await.unwrap();
    check(&b, "signed-out-404", &mut found).await;
    b.goto(&s.url("/api/reference")).await.unwrap();
    check(&b, "signed-out-api-reference", &mut found).await;
    // The demo's strategy is public: its page is read signed out.
    observatory_service::strategy::import(
        &s.state.db,
        observatory_service::Actor::Operator,
        include_str!("../../../../data/examples/strategy.json"),
        "test",
    )
    .await
    .unwrap();
    b.goto(&s.url("/public/strategies/central-beds-2026"))
        .await
        .unwrap();
    check(&b, "signed-out-public-strategy", &mut found).await;
    b.goto(&s.url("/sign-in")).await.unwrap();
    fill_and_press(
        &b,
        &[
            ("email", "planner@t.example"),
            ("password", "wrong password"),
        ],
        "sign-in",
    )
    .await;
    let title = b.title().await.unwrap();
    assert!(title.starts_with("Error: "), "{title}");
    check(&b, "sign-in-wrong-password", &mut found).await;

    for role in ["admin", "analyst", "planner", "employer"] {
        sign_in(&b, &s, &format!("{role}@t.example")).await;
        check(&b, &format!("{role}-home"), &mut found).await;
        let mut pages = nav_links(&b).await;
        pages.extend(
            match role {
                "admin" => &["/account/tokens", "/evidence/register"][..],
                "analyst" => &[
                    "/evidence/gaps",
                    "/evidence/calls",
                    "/account/tokens",
                    "/api/reference",
                ][..],
                "planner" => &[
                    "/admin/users",
                    "/no-such-page",
                    "/strategies/browsed",
                    "/strategies/browsed/checklist",
                    "/strategies/browsed/history",
                    "/strategies/browsed/sections/current_position",
                    "/strategies/browsed/sections/scope",
                    "/strategies/browsed/objectives/posts/edit",
                    "/strategies/browsed/actions/new/edit",
                    "/strategies/browsed/risks/new/edit",
                    "/strategies/browsed/funding/new/edit",
                    "/strategies/browsed/decisions/new/edit",
                    // A strategy's objective pages (bound, recorded) and workforce data.
                    "/strategies/browsed/objectives/posts",
                    "/strategies/browsed/objectives/supervision",
                    "/strategies/browsed/workforce",
                ][..],
                _ => &[][..],
            }
            .iter()
            .map(|p| p.to_string()),
        );
        for page in pages {
            b.goto(&s.url(&page)).await.unwrap();
            let name = page
                .trim_start_matches('/')
                .replace(['/', '?', '=', '&'], "-");
            check(&b, &format!("{role}-{name}"), &mut found).await;
        }
        match role {
            "admin" => {
                b.goto(&s.url("/admin/users")).await.unwrap();
                fill_and_press(&b, &[("email", "not an address")], "invite").await;
                assert!(b.title().await.unwrap().starts_with("Error: "));
                check(&b, "admin-invite-with-errors", &mut found).await;
            }
            "analyst" => {
                b.goto(&s.url(&format!(
                    "/explorer?measure=posts&by=sector&where=area%3DNOWHERE&census_date={CENSUS}"
                )))
                .await
                .unwrap();
                check(&b, "analyst-explorer-bad-filter", &mut found).await;
            }
            "planner" => {
                b.goto(&s.url("/account/password")).await.unwrap();
                fill_and_press(
                    &b,
                    &[
                        ("current", "wrong password"),
                        ("password", "short"),
                        ("confirm", "other"),
                    ],
                    "change-password",
                )
                .await;
                assert!(b.title().await.unwrap().starts_with("Error: "));
                check(&b, "planner-password-with-errors", &mut found).await;
            }
            _ => {
                b.goto(&s.url("/submit")).await.unwrap();
                fill_and_press(&b, &[("census_date", "not a date")], "submit-return").await;
                assert!(b.title().await.unwrap().starts_with("Error: "));
                check(&b, "employer-submit-with-errors", &mut found).await;
            }
        }
        sign_out(&b).await;
    }
    b.close().await.unwrap();
    no_violations(&found);
}

/// The projections pages (the list, the form with and without errors, a projection,
/// changing it and the comparison) pass axe-core at 375 and 1280 px without scrolling
/// sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projection_pages_pass_axe_at_both_widths() {
    if chromedriver_missing() {
        return;
    }
    let s = crate::projections::server(Backend::Sqlite).await;
    let http = s.client("cb@t.example").await;
    for (name, years) in [("Ours", "10"), ("Ours, slower", "6")] {
        let res = http
            .post_form(
                "/projections",
                &crate::projections::form(name, "E06000056", years, ""),
            )
            .await;
        assert_eq!(res.status(), 303);
    }
    let profile = tempfile::tempdir().unwrap();
    let (_driver, b) = open(profile.path()).await;
    let mut found = Vec::new();
    sign_in(&b, &s, "cb@t.example").await;
    assert!(nav_links(&b).await.contains(&"/projections".to_string()));
    for (page, name) in [
        ("/projections", "projections"),
        ("/projections/new", "projection-new"),
        ("/projections/ours", "projection"),
        ("/projections/ours?version=1", "projection-version"),
        ("/projections/ours/edit", "projection-edit"),
        ("/projections/ours/copy", "projection-copy"),
        (
            "/projections/compare?ids=ours,ours-slower",
            "projection-compare",
        ),
    ] {
        b.goto(&s.url(page)).await.unwrap();
        check(&b, name, &mut found).await;
    }
    b.goto(&s.url("/projections/new")).await.unwrap();
    fill_and_press(&b, &[("years", "40"), ("leaving", "120")], "save").await;
    assert!(b.title().await.unwrap().starts_with("Error: "));
    check(&b, "projection-new-with-errors", &mut found).await;
    b.goto(&s.url("/projections/ours/edit")).await.unwrap();
    fill_and_press(&b, &[("scenario", "[scope]\nyears = 40")], "save").await;
    assert!(b.title().await.unwrap().starts_with("Error: "));
    check(&b, "projection-edit-with-errors", &mut found).await;
    b.close().await.unwrap();
    no_violations(&found);
}
