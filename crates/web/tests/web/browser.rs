//! A person in a real browser (headless Debian Chromium through chromedriver): a planner
//! looks at the dashboard; the employer signs in, uploads a return with errors, reads
//! what to fix, fixes it and resubmits; the planner's dashboard has changed. Screenshots
//! are kept in target/screenshots/ as test artifacts.

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
    let date = b.find(Locator::Id("census_date")).await.unwrap();
    date.clear().await.unwrap();
    date.send_keys(CENSUS).await.unwrap();
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
    if !std::path::Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install chromium and chromium-driver (.ci/run does)"
        );
        eprintln!(
            "skipped: {CHROMEDRIVER} is not installed (apt-get install chromium chromium-driver)"
        );
        return;
    }
    let s = start(Backend::Sqlite, true, |_| {}).await;
    let profile = tempfile::tempdir().unwrap();
    let (_driver, b) = open(profile.path()).await;

    sign_in(&b, &s, "planner@t.example").await;
    // The planner sees the area's figure perturbed (the cell key method), as computed
    // from the same records; the records themselves hold E1's 12 posts and E3's 7.
    let (shown, exact) = s.figure("posts", &[("area", A1)]).await;
    assert_eq!(exact, 19.0);
    assert_eq!(area_posts(&b, &s).await, format!("{shown}"));
    shot(&b, "1-dashboard-before").await;
    sign_out(&b).await;

    sign_in(&b, &s, "employer@t.example").await;
    let bad = return_zip(s.dir.path(), "our-return", A1, 6, true);
    let page = upload(&b, &s, &bad).await;
    assert!(page.contains("Your return was not accepted"), "{page}");
    assert!(
        page.contains("Errors in column fte of workers.csv"),
        "{page}"
    );
    shot(&b, "2-report-with-errors").await;
    let good = return_zip(s.dir.path(), "our-return-fixed", A1, 6, false);
    let page = upload(&b, &s, &good).await;
    assert!(page.contains("Return accepted"), "{page}");
    shot(&b, "3-accepted").await;
    b.goto(&s.url("/employer")).await.unwrap();
    shot(&b, "4-employer-view").await;
    sign_out(&b).await;

    sign_in(&b, &s, "planner@t.example").await;
    let (shown, exact) = s.figure("posts", &[("area", A1)]).await;
    assert_eq!(exact, 13.0, "E1 now returns 6 posts");
    assert_eq!(area_posts(&b, &s).await, format!("{shown}"));
    shot(&b, "5-dashboard-after").await;
    b.goto(&s.url(&format!("/tracker?area={A1}")))
        .await
        .unwrap();
    shot(&b, "6-tracker").await;
    b.close().await.unwrap();
}
