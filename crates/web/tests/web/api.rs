//! The API as other systems meet it: its OpenAPI document passes a standard validator
//! (openapi-spec-validator), a client generated from it by a standard generator
//! (openapi-python-client) drives the real server, and the reference page shows every
//! endpoint of the document.

use crate::on_both;
use crate::support::*;
use std::path::Path;
use std::process::Command;

/// Whether the Python packages are there; without them the test is skipped, except in CI
/// (scripts/test installs them).
fn python_missing(module: &str) -> bool {
    let found = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return false;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI must install the Python package {module} (scripts/test does)"
    );
    eprintln!("skipped: python3 cannot import {module} (pip3 install it)");
    true
}

/// Runs a command, failing the test with its output unless it succeeds.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the command starts");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// The document as served, signed out.
async fn served(s: &Server) -> String {
    let res = reqwest::get(s.url("/api/openapi.json")).await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// The served document, saved where the Python tools read it.
async fn saved_document(s: &Server, dir: &Path) -> std::path::PathBuf {
    let path = dir.join("openapi.json");
    std::fs::write(&path, served(s).await).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_passes_a_standard_validator() {
    if python_missing("openapi_spec_validator") {
        return;
    }
    let s = start(Backend::Sqlite, false, |_| {}).await;
    let path = saved_document(&s, s.dir.path()).await;
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let out = run(Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&path));
    assert!(out.contains("OK"), "{out}");
    // Every page's resource has its endpoints.
    for p in [
        "/api/publication",
        "/api/evidence/items",
        "/api/evidence/items/{id}",
        "/api/evidence/register",
        "/api/evidence/calls",
        "/api/evidence/calls/{id}",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} is missing");
    }
}

on_both!(a_generated_client_drives_the_api, |b| async move {
    if python_missing("openapi_python_client") {
        return;
    }
    let s = start(b, true, |_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let doc = saved_document(&s, dir.path()).await;
    // The generator's own defaults, but for a stable package name and no formatter run
    // (ruff is not needed to use the client).
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        "package_name_override: observatory_client\npost_hooks: []\n",
    )
    .unwrap();
    run(Command::new("python3")
        .args(["-m", "openapi_python_client", "generate", "--meta", "none"])
        .arg("--path")
        .arg(&doc)
        .arg("--config")
        .arg(&config)
        .arg("--output-path")
        .arg(dir.path().join("observatory_client")));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assets/api_client.py");
    let out = run(Command::new("python3")
        .arg(script)
        .arg(dir.path())
        .arg(&s.base)
        .arg(s.token("employer@t.example").await)
        .arg(s.token("planner@t.example").await)
        .arg(s.token("analyst@t.example").await)
        .arg(A1));
    assert!(out.trim_end().ends_with("ok"), "{out}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_page_shows_every_endpoint() {
    let s = start(Backend::Sqlite, false, |_| {}).await;
    let doc: serde_json::Value = serde_json::from_str(&served(&s).await).unwrap();
    let res = reqwest::get(s.url("/api/reference")).await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let shown = format!("{} {}", method.to_uppercase(), path);
            assert!(page.contains(&shown), "{shown} is not on the page");
        }
    }
    assert!(page.contains("Bearer TOKEN") && page.contains("QueryAnswer"));
    // Linked from every page's footer.
    let home = reqwest::get(s.url("/sign-in"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("href=\"/api/reference\""));
}
