//! The strategy as a document (HTML, PDF, Word) and the board progress report, from the
//! pages: their text is the strategy's, the report says what changed since the last one
//! recorded, and only those who may read the strategy get them.

use crate::support::*;
use observatory_service::Actor;
use std::io::Read;

/// The words of a Word document, in order (the text runs of word/document.xml).
fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut text = String::new();
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Text(t) => {
                text.push_str(&t.xml10_content());
                text.push(' ');
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    text
}

/// Text with every space removed (PDF text comes out with stray spaces).
fn squeezed(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

async fn bytes(c: &Client, path: &str) -> (u16, String, Vec<u8>) {
    let res = c.get(path).await;
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, res.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_strategy_and_its_board_report_come_as_pdf_word_and_html() {
    let s = start(Backend::Sqlite, true, |_| {}).await;
    let json = r#"{"id": "doc", "title": "Hartlepool workforce strategy", "areas": ["E06000001"],
      "vision": "A workforce children trust.",
      "sections": {"pilots": "A shared induction course in every locality."},
      "swot": {"strengths": ["Stable leaders"]},
      "objectives": [{"id": "posts", "title": "More people in post", "owner": "Workforce lead",
        "indicator": {"measure": "headcount"}, "baseline": {"date": "2024-11-01", "value": 5},
        "milestones": [{"date": "2026-11-01", "value": 10}]}],
      "actions": [{"id": "fair", "title": "Hold a recruitment fair", "owner": "HR", "due": "2020-03-31"}],
      "risks": [{"id": "pay", "title": "Pay competition", "likelihood": 4, "impact": 5, "owner": "HR"}]}"#;
    observatory_service::strategy::import(&s.state.db, Actor::Operator, json, "test")
        .await
        .unwrap();
    let planner = s.client("planner@t.example").await;

    let (status, kind, docx) = bytes(&planner, "/strategies/doc/files/strategy.docx").await;
    assert_eq!(status, 200);
    assert!(kind.contains("wordprocessingml"), "{kind}");
    let text = docx_text(&docx);
    for said in [
        "Hartlepool workforce strategy",
        "Vision",
        "A workforce children trust.",
        "Pilots and quick wins",
        "A shared induction course in every locality.",
        "Stable leaders",
        "More people in post",
        "Achieved",
        "Hold a recruitment fair",
        "Pay competition",
    ] {
        assert!(text.contains(said), "{said}: {text}");
    }
    // Sections come in the framework's order.
    assert!(text.find("Vision").unwrap() < text.find("Pilots and quick wins").unwrap());

    let (status, kind, pdf) = bytes(&planner, "/strategies/doc/files/strategy.pdf").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(kind, "application/pdf");
    let text = squeezed(&pdf_extract::extract_text_from_mem(&pdf).unwrap());
    for said in [
        "Hartlepoolworkforcestrategy",
        "Morepeopleinpost",
        "Holdarecruitmentfair",
    ] {
        assert!(text.contains(said), "{said}: {text}");
    }

    // The board report: a draft is not recorded; the one the planner makes is, and the
    // next says what changed since it.
    let (_, _, html) = bytes(&planner, "/strategies/doc/files/report.html").await;
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("this is the first report") && html.contains("Overdue actions"));
    assert!(html.contains("Hold a recruitment fair") && html.contains("Pay competition"));
    // Every objective with its chart and the figures behind it.
    assert!(html.contains("<svg") && html.contains("More people in post: figures at each date"));
    assert!(html.contains("trend"), "{html}");
    let res = planner
        .post_form("/strategies/doc/board-report", &[("format", "docx")])
        .await;
    assert_eq!(res.status(), 200);
    assert!(docx_text(&res.bytes().await.unwrap()).contains("Board progress report"));
    let v = {
        let page = planner
            .get("/strategies/doc/sections/pilots")
            .await
            .text()
            .await
            .unwrap();
        between(&page, "name=\"version\" value=\"", "\"").to_string()
    };
    let res = planner
        .post_form(
            "/strategies/doc/sections/pilots",
            &[("version", &v), ("text", "Two localities first.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, _, html) = bytes(&planner, "/strategies/doc/files/report.html").await;
    let html = String::from_utf8(html).unwrap();
    let changed = between(&html, "What changed since the last report", "</ul>");
    assert!(
        changed.contains("Pilots and quick wins") && changed.contains("planner@t.example"),
        "{changed}"
    );
    assert!(!changed.contains("Imported the strategy file"), "{changed}");

    // The JSON to share with another area is the file itself.
    let (status, _, json) = bytes(&planner, "/strategies/doc/files/strategy.json").await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["sections"]["pilots"], "Two localities first.");

    // Only those who may read the strategy get its documents; only planners record.
    let employer = s.client("employer@t.example").await;
    assert_eq!(
        bytes(&employer, "/strategies/doc/files/strategy.pdf")
            .await
            .0,
        403
    );
    let analyst = s.client("analyst@t.example").await;
    assert_eq!(
        bytes(&analyst, "/strategies/doc/files/report.docx").await.0,
        200
    );
    let res = analyst.post_form("/strategies/doc/board-report", &[]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        bytes(&planner, "/strategies/doc/files/strategy.exe")
            .await
            .0,
        404
    );
}
