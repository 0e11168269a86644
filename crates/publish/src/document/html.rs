//! A [`Document`] as one self-contained HTML5 file: inline CSS after the GOV.UK Design
//! System's type scale (Arial or Helvetica, not GDS Transport: this is not a gov.uk
//! service), tables that scroll inside their own box on a narrow screen, and a print
//! stylesheet for A4 (no heading left at the foot of a page, no table row split across
//! two) that the PDF is printed with. No script, no external request.

use super::{Block, Document, Table, Tone, level};
use crate::svg::escape;
use std::fmt::Write;

const STYLE: &str = "*,*::before,*::after{box-sizing:border-box}\
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\
body{margin:0;font-family:Arial,Helvetica,\"Liberation Sans\",sans-serif;font-size:16px;line-height:1.25;color:#0b0c0c;background:#fff}\
main{display:block;max-width:960px;margin:0 auto;padding:20px 15px 40px}\
h1,h2,h3,h4{font-weight:700;margin:0 0 15px}\
h1{font-size:32px;line-height:1.1;margin-bottom:10px}\
h2{font-size:24px;line-height:1.05;margin-top:35px}\
h3{font-size:18px;line-height:1.2;margin-top:25px}\
h4{font-size:16px;margin-top:20px}\
.subtitle{font-size:18px;color:#505a5f}\
p,ul{margin:0 0 15px}ul{padding-left:20px}li{margin-bottom:5px}\
p,li,th,td,caption,figcaption,h1,h2,h3,h4{overflow-wrap:break-word}\
.table-wrap{overflow-x:auto;margin:0 0 25px}\
.table-wrap:focus{outline:3px solid #fd0;outline-offset:0;box-shadow:inset 0 0 0 2px #0b0c0c}\
table{border-collapse:collapse;border-spacing:0;width:100%}\
caption{text-align:left;font-weight:700;padding-bottom:10px}\
th,td{border:1px solid #b1b4b6;padding:8px 10px;text-align:left;vertical-align:top}\
th{background:#f3f2f1;font-weight:700}\
.n{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:0 0 10px}figcaption{font-weight:700;margin-bottom:10px}\
figure svg{display:block;max-width:100%;height:auto}\
.tag{display:inline-block;padding:2px 8px;margin-right:10px;font-weight:700}\
.tag-good{color:#005a30;background:#cce2d8}.tag-caution{color:#594d00;background:#fff7bf}\
.tag-bad{color:#2a0b06;background:#f4cdc6}.tag-neutral{color:#282d30;background:#e5e6e7}\
.page-break{height:0;margin:0}\
@media (min-width:641px){body{font-size:19px}main{padding:30px 30px 60px}\
h1{font-size:48px;line-height:1.04}h2{font-size:36px;margin-top:45px}h3{font-size:24px}h4{font-size:19px}\
.subtitle{font-size:24px}}\
@page{size:A4;margin:20mm 18mm}\
@media print{body{font-size:11pt;line-height:1.3}main{max-width:none;padding:0}\
h1{font-size:24pt}h2{font-size:18pt;margin-top:18pt}h3{font-size:14pt}h4{font-size:12pt}.subtitle{font-size:14pt}\
h1,h2,h3,h4,caption,figcaption{break-after:avoid;page-break-after:avoid;break-inside:avoid}\
tr,li,figure,.status{break-inside:avoid;page-break-inside:avoid}\
thead{display:table-header-group}.table-wrap{overflow:visible}\
.page-break{break-before:page;page-break-before:always}\
th,.tag{-webkit-print-color-adjust:exact;print-color-adjust:exact}.tag{border:1px solid currentColor}}";

/// The document as one HTML5 file. The title is the page's `<h1>`; headings of level 1
/// to 3 are `<h2>` to `<h4>`.
pub fn to_html(doc: &Document) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head>\n<body><main>\n<h1>{}</h1>\n",
        escape(&doc.title.replace('\n', " ")),
        lines(&doc.title)
    );
    if let Some(s) = &doc.subtitle {
        let _ = writeln!(h, "<p class=\"subtitle\">{}</p>", lines(s));
    }
    for b in &doc.blocks {
        block(&mut h, b);
        h.push('\n');
    }
    h.push_str("</main></body></html>\n");
    h
}

fn block(h: &mut String, b: &Block) {
    match b {
        Block::Heading { level: l, text } => {
            let n = level(*l) + 1;
            let _ = write!(h, "<h{n}>{}</h{n}>", lines(text));
        }
        Block::Paragraph(text) => {
            let _ = write!(h, "<p>{}</p>", lines(text));
        }
        Block::Bullets(items) if items.is_empty() => {}
        Block::Bullets(items) => {
            h.push_str("<ul>");
            for i in items {
                let _ = write!(h, "<li>{}</li>", lines(i));
            }
            h.push_str("</ul>");
        }
        Block::Table(t) => table(h, t),
        Block::Chart {
            title,
            svg,
            table: t,
        } => {
            let _ = write!(
                h,
                "<figure><figcaption>{}</figcaption>{svg}</figure>",
                lines(title)
            );
            table(h, t);
        }
        Block::Status { tone, label, text } => {
            let tone = match tone {
                Tone::Good => "good",
                Tone::Caution => "caution",
                Tone::Bad => "bad",
                Tone::Neutral => "neutral",
            };
            let _ = write!(
                h,
                "<p class=\"status\"><strong class=\"tag tag-{tone}\">{}</strong> {}</p>",
                lines(label),
                lines(text)
            );
        }
        Block::PageBreak => h.push_str("<div class=\"page-break\"></div>"),
    }
}

/// A table in a box of its own that scrolls sideways on a narrow screen (focusable and
/// named by the caption, so a keyboard user can scroll it too).
fn table(h: &mut String, t: &Table) {
    let name = if t.caption.trim().is_empty() {
        "Table"
    } else {
        &t.caption
    };
    let _ = write!(
        h,
        "<div class=\"table-wrap\" role=\"region\" aria-label=\"{}\" tabindex=\"0\"><table>",
        escape(&name.replace('\n', " "))
    );
    if !t.caption.is_empty() {
        let _ = write!(h, "<caption>{}</caption>", lines(&t.caption));
    }
    if !t.head.is_empty() {
        h.push_str("<thead><tr>");
        for (i, c) in t.cells(&t.head) {
            let _ = write!(h, "<th scope=\"col\"{}>{}</th>", class(t, i), lines(c));
        }
        h.push_str("</tr></thead>");
    }
    h.push_str("<tbody>");
    for row in &t.rows {
        h.push_str("<tr>");
        for (i, c) in t.cells(row) {
            let _ = write!(h, "<td{}>{}</td>", class(t, i), lines(c));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
}

fn class(t: &Table, i: usize) -> &'static str {
    if t.is_numeric(i) { " class=\"n\"" } else { "" }
}

/// Plain text escaped, its line breaks kept as `<br>`.
fn lines(text: &str) -> String {
    text.lines().map(escape).collect::<Vec<_>>().join("<br>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::fixture::{HOSTILE, TEXTS, every_block, in_order};

    #[test]
    fn hostile_text_is_escaped_in_every_kind_of_block() {
        let html = to_html(&every_block(HOSTILE));
        let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;";
        for n in 0..TEXTS {
            assert!(
                html.contains(&format!("T{n:02} {escaped}")),
                "text T{n:02} is not escaped:\n{html}"
            );
        }
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert(\""), "{html}");
        assert!(html.contains(&format!("<title>T00 {escaped}</title>")));
        // The chart's own SVG is trusted and goes in as it is.
        assert!(html.contains(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"><title>chart</title></svg>"
        ));
        in_order(&html[html.find("<body>").unwrap()..], "the HTML");
    }

    #[test]
    fn the_page_is_one_self_contained_printable_file() {
        let html = to_html(&every_block("x"));
        assert!(
            html.starts_with(
                "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
            )
        );
        assert!(html.contains("name=\"viewport\""));
        for gone in ["<script", "<link", " src=", " href=", "@import", "url("] {
            assert!(!html.contains(gone), "{gone}");
        }
        for print in [
            "@page{size:A4",
            "break-after:avoid",
            "tr,li,figure,.status{break-inside:avoid",
            "break-before:page",
        ] {
            assert!(html.contains(print), "{print}");
        }
        // Every element opened is closed (the SVG's aside).
        for tag in [
            "main",
            "h1",
            "h2",
            "h3",
            "h4",
            "p",
            "ul",
            "li",
            "div",
            "table",
            "caption",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "figure",
            "figcaption",
            "strong",
        ] {
            let opened = html.matches(&format!("<{tag}>")).count()
                + html.matches(&format!("<{tag} ")).count();
            assert_eq!(
                opened,
                html.matches(&format!("</{tag}>")).count(),
                "<{tag}>"
            );
            assert!(opened > 0, "<{tag}> is never used");
        }
        assert_eq!(html.matches("<td class=\"n\">").count(), 4);
        assert_eq!(html.matches("<th scope=\"col\" class=\"n\">").count(), 2);
        assert!(html.contains(
            "<p class=\"status\"><strong class=\"tag tag-good\">T21 x</strong> T22 x</p>"
        ));
    }

    #[test]
    fn levels_are_clamped_short_rows_padded_and_line_breaks_kept() {
        let doc = Document {
            title: "Plan".into(),
            subtitle: None,
            blocks: vec![
                Block::Heading {
                    level: 0,
                    text: "Low".into(),
                },
                Block::Heading {
                    level: 9,
                    text: "Deep".into(),
                },
                Block::Paragraph("one\r\ntwo".into()),
                Block::Bullets(vec![]),
                Block::Table(Table {
                    caption: String::new(),
                    head: vec![],
                    rows: vec![vec!["a".into()], vec!["b".into(), "c".into()]],
                    numeric: vec![],
                }),
            ],
        };
        let html = to_html(&doc);
        assert!(html.contains("<h2>Low</h2>\n<h4>Deep</h4>\n<p>one<br>two</p>\n\n<div class=\"table-wrap\" role=\"region\" aria-label=\"Table\" tabindex=\"0\"><table><tbody><tr><td>a</td><td></td></tr><tr><td>b</td><td>c</td></tr></tbody></table></div>"), "{html}");
        assert!(!html.contains("<ul>"));
    }
}
