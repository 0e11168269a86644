//! Hostile files sent through the web app: each is refused with a report saying which
//! limit it broke, stores nothing, and the server keeps answering everyone else while it
//! is refused (before the fix, a 5 KB workbook aborted the whole process).

use crate::support::*;

/// A workbook of a few kilobytes whose used area is the whole sheet: A1 and XFD1048576.
fn far_cell_workbook(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("bomb.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    for name in ["settings", "workers"] {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        ws.write_string(0, 0, "setting_id").unwrap();
        ws.write_string(1_048_575, 16_383, "x").unwrap();
    }
    wb.save(&path).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 10_000);
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workbook_bomb_is_refused_while_others_are_answered() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    let before = s.store.history("E1").await.unwrap();
    let employer = s.client("employer@t.example").await;
    let planner = s.client("planner@t.example").await;
    let bomb = far_cell_workbook(s.dir.path());
    // Three bombs at once, and a planner reading the dashboard meanwhile.
    let reads = async {
        let mut codes = Vec::new();
        for _ in 0..10 {
            codes.push(planner.get("/dashboard").await.status().as_u16());
        }
        codes
    };
    let (a, b, c, codes) = tokio::join!(
        employer.upload("E1", &bomb),
        employer.upload("E1", &bomb),
        employer.upload("E1", &bomb),
        reads
    );
    assert!(codes.iter().all(|c| *c == 200), "{codes:?}");
    for res in [a, b, c] {
        assert_eq!(res.status(), 303);
        let report = res.headers()["location"].to_str().unwrap().to_string();
        let html = employer.get(&report).await.text().await.unwrap();
        assert!(html.contains("Your return was not accepted"), "{html}");
        assert!(html.contains("at most 200 columns"), "{html}");
    }
    // Nothing stored, and the server still answers.
    assert_eq!(s.store.history("E1").await.unwrap().len(), before.len());
    assert_eq!(planner.get("/dashboard").await.status(), 200);
}
