//! Small, accessible SVG charts of our own, for the web pages and the publication alike
//! (no chart library needs a browser engine or fonts at build time). Each chart is an
//! image (`role="img"`) with a `<title>` and `<desc>` for screen readers, always shown
//! beside a table of the same figures; a suppressed figure is drawn as a marked gap
//! (`c`) and never carries the hidden number anywhere.
//!
//! Two looks of one kind of drawing: the pages' charts ([`bars`], [`line`]) are styled
//! by the site's stylesheet through classes; the publication's ([`bar_chart`]) stand
//! alone in an HTML or PDF file, so they carry their colours and font. Both escape text
//! with [`crate::html::escape`] and cut long labels with one rule.

use std::fmt::Write;

use crate::html::escape as esc;
use crate::units::Unit;

/// A label cut to its first `chars` characters, so a chart keeps its width.
fn short(label: &str, chars: usize) -> String {
    label.chars().take(chars).collect()
}

// The pages' charts.

/// One figure to draw.
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub suppressed: bool,
    /// Marks a point of another series (e.g. the comparison group).
    pub other: bool,
}

/// A whole number with thousands separators ("1,234,567", "-12,000"); any fraction is
/// dropped. The publication's tables write counts the same way.
pub fn thousands(v: f64) -> String {
    let digits = format!("{}", v.abs() as i64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

fn open(id: &str, title: &str, desc: &str, w: u32, h: u32) -> String {
    format!(
        r##"<svg class="app-chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title id="{id}-title">{t}</title><desc id="{id}-desc">{d}</desc><defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#505a5f" stroke-width="2"/></pattern></defs>"##,
        t = esc(title),
        d = esc(desc)
    )
}

/// Horizontal bars, one per point, scaled to the largest shown value.
pub fn bars(id: &str, title: &str, points: &[Point], unit: Unit) -> String {
    const LABEL_W: f64 = 220.0;
    const BAR_W: f64 = 360.0;
    const ROW: f64 = 26.0;
    let w = (LABEL_W + BAR_W + 90.0) as u32;
    let h = (ROW * points.len().max(1) as f64 + 10.0) as u32;
    let max = points
        .iter()
        .filter_map(|p| p.value)
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let suppressed = points.iter().filter(|p| p.suppressed).count();
    let desc = format!(
        "Bar chart of {} groups{}. The same figures are in the table beside it.",
        points.len(),
        if suppressed > 0 {
            format!("; {suppressed} suppressed to protect individuals, marked c")
        } else {
            String::new()
        }
    );
    let mut s = open(id, title, &desc, w, h);
    for (i, p) in points.iter().enumerate() {
        let y = 5.0 + ROW * i as f64;
        let label = short(&p.label, 32);
        s.push_str(&format!(
            r#"<text x="{:.0}" y="{:.0}" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            y + 17.0,
            esc(&label)
        ));
        match (p.suppressed, p.value) {
            (true, _) => s.push_str(&format!(
                r#"<rect class="suppressed" x="{LABEL_W}" y="{:.0}" width="14" height="{:.0}" fill="url(#{id}-hatch)"/><text x="{:.0}" y="{:.0}">c</text>"#,
                y + 3.0,
                ROW - 8.0,
                LABEL_W + 20.0,
                y + 17.0
            )),
            (false, Some(v)) => {
                let bw = if max > 0.0 { BAR_W * v.abs() / max } else { 0.0 };
                let class = if p.other { "bar bar--other" } else { "bar" };
                s.push_str(&format!(
                    r#"<rect class="{class}" x="{LABEL_W}" y="{:.0}" width="{bw:.1}" height="{:.0}"/><text x="{:.1}" y="{:.0}">{}</text>"#,
                    y + 3.0,
                    ROW - 8.0,
                    LABEL_W + bw + 6.0,
                    y + 17.0,
                    esc(&unit.format(v))
                ));
            }
            (false, None) => s.push_str(&format!(
                r#"<text x="{:.0}" y="{:.0}">no figure</text>"#,
                LABEL_W + 6.0,
                y + 17.0
            )),
        }
    }
    s.push_str(&format!(
        r#"<line class="axis" x1="{LABEL_W}" y1="0" x2="{LABEL_W}" y2="{h}"/></svg>"#
    ));
    s
}

/// A line over census dates; suppressed or missing points break the line.
pub fn line(id: &str, title: &str, points: &[Point], unit: Unit) -> String {
    const W: f64 = 640.0;
    const H: f64 = 260.0;
    const LEFT: f64 = 70.0;
    const BOTTOM: f64 = 40.0;
    let max = points
        .iter()
        .filter_map(|p| p.value)
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let n = points.len().max(1);
    let step = if n > 1 {
        (W - LEFT - 40.0) / (n - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| LEFT + 20.0 + step * i as f64;
    let y = |v: f64| 20.0 + (H - BOTTOM - 20.0) * (1.0 - v / max);
    let desc = format!(
        "Line chart over {n} census dates; points that are suppressed (c) or missing break the line. The same figures are in the table beside it."
    );
    let mut s = open(id, title, &desc, W as u32, H as u32);
    s.push_str(&format!(
        r#"<line class="axis" x1="{LEFT}" y1="{:.0}" x2="{:.0}" y2="{:.0}"/><text x="{:.0}" y="{:.0}" text-anchor="end">{}</text><text x="{:.0}" y="{:.0}" text-anchor="end">0</text>"#,
        H - BOTTOM,
        W - 10.0,
        H - BOTTOM,
        LEFT - 6.0,
        y(max) + 4.0,
        esc(&unit.format(max)),
        LEFT - 6.0,
        H - BOTTOM + 4.0
    ));
    // Segments join only neighbouring shown points.
    let mut path = String::new();
    let mut pen_down = false;
    for (i, p) in points.iter().enumerate() {
        match (p.suppressed, p.value) {
            (false, Some(v)) => {
                path.push_str(&format!(
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(v)
                ));
                pen_down = true;
            }
            _ => pen_down = false,
        }
    }
    if !path.is_empty() {
        s.push_str(&format!(r#"<path class="line" d="{}"/>"#, path.trim_end()));
    }
    for (i, p) in points.iter().enumerate() {
        s.push_str(&format!(
            r#"<text x="{:.1}" y="{:.0}" text-anchor="middle">{}</text>"#,
            x(i),
            H - BOTTOM + 18.0,
            esc(&p.label)
        ));
        match (p.suppressed, p.value) {
            (true, _) => s.push_str(&format!(
                r#"<text x="{:.1}" y="{:.0}" text-anchor="middle">c</text>"#,
                x(i),
                H - BOTTOM - 6.0
            )),
            (false, Some(v)) => s.push_str(&format!(
                r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="4"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x(i),
                y(v),
                x(i),
                y(v) - 8.0,
                esc(&unit.format(v))
            )),
            (false, None) => {}
        }
    }
    s.push_str("</svg>");
    s
}

// The publication's charts.

/// One bar: its label, its value (None when suppressed or not computable) and the text
/// printed at its end.
#[derive(Debug, Clone)]
pub struct Bar {
    /// What the bar is (a sector, an area).
    pub label: String,
    /// The figure, None when it is not shown.
    pub value: Option<f64>,
    /// The figure as printed ("12.5%", "1,204", "c").
    pub text: String,
}

/// A horizontal bar chart. Bars share one scale from zero to the largest shown value.
pub fn bar_chart(title: &str, bars: &[Bar]) -> String {
    const ROW: f64 = 22.0;
    const LABEL_W: f64 = 230.0;
    const PLOT_W: f64 = 380.0;
    const TEXT_W: f64 = 80.0;
    let max = bars.iter().filter_map(|b| b.value).fold(0.0_f64, f64::max);
    let height = ROW * bars.len() as f64 + 10.0;
    let width = LABEL_W + PLOT_W + TEXT_W;
    let hidden = bars.iter().filter(|b| b.value.is_none()).count();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-labelledby="t d" font-family="Arial, Helvetica, sans-serif" font-size="13"><title id="t">{}</title><desc id="d">Bar chart of {} values{}. The table beside it gives every figure.</desc>"#,
        esc(title),
        bars.len(),
        if hidden > 0 {
            format!(", {hidden} not shown (marked c)")
        } else {
            String::new()
        }
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * ROW + 5.0;
        let label = short(&b.label, 34);
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#0b0c0c">{}</text>"##,
            LABEL_W - 8.0,
            y + 15.0,
            esc(&label)
        );
        match b.value {
            Some(v) => {
                let w = if max > 0.0 {
                    v.max(0.0) / max * PLOT_W
                } else {
                    0.0
                };
                let _ = write!(
                    s,
                    r##"<rect x="{LABEL_W}" y="{}" width="{w:.1}" height="{}" fill="#1d70b8"><title>{}: {}</title></rect><text x="{:.1}" y="{}" fill="#0b0c0c">{}</text>"##,
                    y + 3.0,
                    ROW - 6.0,
                    esc(&b.label),
                    esc(&b.text),
                    LABEL_W + w + 4.0,
                    y + 15.0,
                    esc(&b.text)
                );
            }
            None => {
                let _ = write!(
                    s,
                    r##"<text x="{}" y="{}" fill="#505a5f" font-style="italic">{}</text>"##,
                    LABEL_W + 4.0,
                    y + 15.0,
                    esc(&b.text)
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(label: &str, value: Option<f64>, suppressed: bool) -> Point {
        Point {
            label: label.into(),
            value,
            suppressed,
            other: false,
        }
    }

    #[test]
    fn charts_are_labelled_images_and_hide_suppressed_figures() {
        let svg = bars(
            "f1",
            "Posts by <sector>",
            &[p("early_years", Some(120.0), false), p("youth", None, true)],
            Unit::Count,
        );
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("<title id=\"f1-title\">Posts by &lt;sector&gt;</title>"));
        assert!(svg.contains(">c</text>"));
        assert!(svg.contains("1 suppressed"));
        assert!(svg.contains(">120</text>"));
        let svg = line(
            "f2",
            "Turnover",
            &[
                p("2023", Some(0.1), false),
                p("2024", None, true),
                p("2025", Some(0.2), false),
            ],
            Unit::Percentage,
        );
        // A suppressed point breaks the line: two separate moves, no join.
        let d = svg.split("class=\"line\" d=\"").nth(1).unwrap();
        let d = &d[..d.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert!(!d.contains('L'), "{d}");
    }

    #[test]
    fn suppressed_bars_carry_no_number_and_text_is_escaped() {
        let svg = bar_chart(
            "Posts <by> sector",
            &[
                Bar {
                    label: "Early years & childcare".into(),
                    value: Some(120.0),
                    text: "120".into(),
                },
                Bar {
                    label: "Youth justice".into(),
                    value: None,
                    text: "c".into(),
                },
            ],
        );
        assert!(svg.contains("Posts &lt;by&gt; sector"));
        assert!(svg.contains("Early years &amp; childcare"));
        assert!(svg.contains("1 not shown"));
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
