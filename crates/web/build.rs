//! Builds the stylesheet at compile time so a fresh clone needs no extra step: installs
//! the npm packages (GOV.UK Frontend and the Sass compiler, pinned in the root
//! package-lock.json) with `npm ci` when they are missing, then compiles
//! assets/app.scss (GOV.UK Frontend with the system font stack) into OUT_DIR, where the
//! crate embeds it with `include_str!`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command, what: &str) {
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run {what} ({e}); install Node.js and npm"));
    assert!(status.success(), "{what} failed ({status})");
}

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = crate_dir.join("../..").canonicalize().unwrap();
    let modules = root.join("node_modules");
    println!("cargo:rerun-if-changed=assets/app.scss");
    println!(
        "cargo:rerun-if-changed={}",
        root.join("package-lock.json").display()
    );
    let govuk = modules.join("govuk-frontend/dist/govuk/index.scss");
    let sass = modules.join("sass/sass.js");
    if !govuk.exists() || !sass.exists() {
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
                .current_dir(&root),
            "npm ci (installing GOV.UK Frontend)",
        );
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("app.css");
    run(
        Command::new("node")
            .arg(&sass)
            .arg(format!("--load-path={}", modules.display()))
            .args(["--style=compressed", "--no-source-map", "--quiet"])
            .arg(crate_dir.join("assets/app.scss"))
            .arg(&out),
        "the Sass compiler",
    );
    assert!(Path::new(&out).exists(), "the stylesheet was not written");
}
