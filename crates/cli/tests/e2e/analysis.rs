//! The analysis commands on a generated census: the publication (files that open in
//! LibreOffice, nothing hidden leaks), and the other issue-3 commands.

use crate::on_both;
use crate::support::*;
use crate::synthetic::load_small_census;
use std::process::Command;

on_both!(
    the_publication_writes_protected_tables_that_open_in_libreoffice,
    |env: Env| {
        load_small_census(&env);
        let out = env.path("publication");
        let said = env.ok(&[
            "publish",
            "--census-date",
            CENSUS,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(said.contains("tables"), "{said}");
        let xlsx = out.join(format!("census-{CENSUS}.xlsx"));
        let html = out.join(format!("census-{CENSUS}.html"));
        assert!(xlsx.exists() && html.exists());
        let csvs: Vec<_> = std::fs::read_dir(out.join("csv")).unwrap().collect();
        assert!(csvs.len() > 30);
        // Every suppressed CSV row is all c: no figure beside a c.
        for f in csvs {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            for line in text.lines().filter(|l| l.ends_with(",true")) {
                assert!(line.ends_with(",c,c,c,true"), "{line}");
            }
        }
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(page.matches("<svg").count() > 10);
        assert!(!page.contains("<script"));
        // LibreOffice opens the workbook: convert it to PDF headlessly.
        let pdf_dir = env.path("pdf");
        let profile = env.path("lo-profile");
        let run = Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&pdf_dir)
            .arg(&xlsx)
            .output()
            .expect("LibreOffice (soffice) is installed: .ci/run installs libreoffice-calc-nogui");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let pdf = std::fs::read(pdf_dir.join(format!("census-{CENSUS}.pdf"))).unwrap();
        assert!(
            pdf.starts_with(b"%PDF") && pdf.len() > 10_000,
            "{} bytes",
            pdf.len()
        );
    }
);

#[test]
fn publish_refuses_a_census_date_without_returns_and_a_tiny_threshold() {
    let env = Env::sqlite();
    env.init();
    let out = env.path("p");
    let r = env.run(&[
        "publish",
        "--census-date",
        "2019-11-01",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("no returns for census date 2019-11-01"));
    let r = env.run(&[
        "publish",
        "--census-date",
        CENSUS,
        "--out",
        out.to_str().unwrap(),
        "--threshold",
        "2",
    ]);
    assert!(String::from_utf8_lossy(&r.stderr).contains("at least 3"));
}
