//! The publication as one self-contained HTML report: headline figures, then each table
//! with its chart, styled after the GOV.UK Design System (system fonts, no crown: this
//! is not a gov.uk service) and printable. No script, no external request.

use crate::assemble::{Publication, Table};
use crate::svg::{Bar, bar_chart, escape};
use crate::write::{human, notes};
use observatory_domain::Codes;
use observatory_domain::codes;
use std::fmt::Write;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#0b0c0c;margin:0;line-height:1.4}\
header{background:#0b0c0c;color:#fff;padding:12px 30px;font-weight:700;font-size:1.2rem;border-bottom:10px solid #1d70b8}\
main{max-width:960px;margin:0 auto;padding:20px 30px}h1{font-size:2.2rem}h2{font-size:1.5rem;margin-top:2.5rem;border-top:1px solid #b1b4b6;padding-top:1rem}\
table{border-collapse:collapse;margin:1rem 0;font-size:0.95rem}caption{text-align:left;font-weight:700;padding-bottom:.5rem}\
th,td{border-bottom:1px solid #b1b4b6;padding:6px 12px 6px 0;text-align:left}td.n,th.n{text-align:right}tr.total td{font-weight:700}\
.inset{border-left:10px solid #b1b4b6;padding:10px 15px;margin:1rem 0}.cards{display:flex;flex-wrap:wrap;gap:15px}\
.card{border-top:5px solid #1d70b8;background:#f3f2f1;padding:10px 15px;min-width:180px}.card b{display:block;font-size:1.6rem}\
figure{margin:1rem 0;overflow-x:auto}@media print{h2{page-break-before:always}header{border-bottom-color:#000}}";

/// The whole report as one HTML document.
pub fn report(p: &Publication) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Children's workforce census {d}</title><style>{STYLE}</style></head><body><header>Children's Workforce Observatory</header><main><h1>Children's workforce census {d}</h1>",
        d = p.census_date
    );
    h.push_str("<div class=\"cards\">");
    for t in p.tables.iter().filter(|t| t.section == "national").take(8) {
        if let Some(total) = t
            .result
            .rows
            .iter()
            .find(|r| r.keys.iter().all(|k| k == "total"))
        {
            let _ = write!(
                h,
                "<div class=\"card\">{}<b>{}</b></div>",
                escape(t.title.split(',').next().unwrap_or(&t.title)),
                escape(&human(t, total.value, total.suppressed))
            );
        }
    }
    h.push_str("</div>");
    let _ = write!(
        h,
        "<div class=\"inset\">{}</div><h2 id=\"contents\">Contents</h2><ol>",
        escape(&notes(p)[1])
    );
    for t in &p.tables {
        let _ = write!(
            h,
            "<li><a href=\"#{}\">{}: {}</a></li>",
            t.id,
            t.id,
            escape(&t.title)
        );
    }
    h.push_str("</ol>");
    for t in &p.tables {
        table_section(&mut h, t);
    }
    h.push_str("<h2 id=\"notes\">Notes</h2>");
    for n in notes(p) {
        let _ = write!(h, "<p>{}</p>", escape(&n));
    }
    h.push_str("</main></body></html>\n");
    h
}

/// A table's section: heading, chart of its first breakdown, then the table.
fn table_section(h: &mut String, t: &Table) {
    let c = codes();
    let _ = write!(h, "<h2 id=\"{}\">{}: {}</h2>", t.id, t.id, escape(&t.title));
    let by = &t.result.by;
    if let Some(first) = by.first() {
        // Chart the rows that vary only in the first breakdown (the others at total).
        let bars: Vec<Bar> = t
            .result
            .rows
            .iter()
            .filter(|r| r.keys[0] != "total" && r.keys[1..].iter().all(|k| k == "total"))
            .map(|r| Bar {
                label: c.label_of(first, &r.keys[0]),
                value: if r.suppressed { None } else { r.value },
                text: human(t, r.value, r.suppressed),
            })
            .collect();
        if !bars.is_empty() {
            let _ = write!(h, "<figure>{}</figure>", bar_chart(&t.title, &bars));
        }
    }
    let _ = write!(
        h,
        "<table><caption>{}</caption><thead><tr>",
        escape(&t.title)
    );
    for b in by {
        let _ = write!(
            h,
            "<th scope=\"col\">{}</th>",
            escape(&Codes::heading_of(b))
        );
    }
    h.push_str("<th class=\"n\" scope=\"col\">Value</th><th class=\"n\" scope=\"col\">Numerator</th><th class=\"n\" scope=\"col\">Denominator</th></tr></thead><tbody>");
    for r in &t.result.rows {
        let total = r.keys.iter().any(|k| k == "total");
        h.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for (b, k) in by.iter().zip(&r.keys) {
            let _ = write!(h, "<td>{}</td>", escape(&c.label_of(b, k)));
        }
        let count = |v: Option<f64>| {
            if r.suppressed {
                "c".to_string()
            } else {
                v.map(|x| {
                    if x.fract().abs() > 1e-9 {
                        format!("{x:.1}")
                    } else {
                        format!("{x}")
                    }
                })
                .unwrap_or_default()
            }
        };
        let den = if t.result.kind == observatory_analysis::MeasureKind::Count {
            String::new()
        } else {
            count(r.denominator)
        };
        let _ = write!(
            h,
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&human(t, r.value, r.suppressed)),
            count(r.numerator),
            den
        );
    }
    h.push_str("</tbody></table><p><a href=\"#contents\">Back to contents</a></p>");
}
