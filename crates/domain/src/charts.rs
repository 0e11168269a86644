//! Small, accessible SVG charts of our own, for the web pages and the publication alike
//! (no chart library needs a browser engine or fonts at build time). Each chart is an
//! image (`role="img"`) with a `<title>` and `<desc>` for screen readers, always shown
//! beside a table of the same figures; a suppressed figure is drawn as a marked gap
//! (`c`) and never carries the hidden number anywhere.
//!
//! Two looks of one kind of drawing: the pages' charts ([`bars`], [`line`]) are styled
//! by the site's stylesheet through classes; the publication's ([`bar_chart`]) stand
//! alone in an HTML or PDF file, so they carry their colours and font. Both escape text
//! with [`crate::html::escape`], wrap long labels onto more lines with one rule ([`wrap`]:
//! no label is cut) and scale to their column (a viewBox, no fixed width).

use std::fmt::Write;

use crate::html::escape as esc;
use crate::units::Unit;

/// A label broken into lines of at most `chars` characters, at spaces where it can and
/// inside a word only when one word is longer than a line: every character is kept, so no
/// label is ever cut off.
pub fn wrap(label: &str, chars: usize) -> Vec<String> {
    let chars = chars.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in label.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let len = line.chars().count();
        if len > 0 && len + 1 + word.len() <= chars {
            line.push(' ');
            line.extend(word);
            continue;
        }
        if len > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > chars {
            lines.push(word.drain(..chars).collect());
        }
        line = word.into_iter().collect();
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `<text>` of one or more lines: the first at `y`, each next one `LINE` lower.
fn text_lines(x: f64, y: f64, anchor: &str, lines: &[String]) -> String {
    let mut s = format!(r#"<text x="{x:.0}" y="{y:.0}" text-anchor="{anchor}">"#);
    for (i, l) in lines.iter().enumerate() {
        let dy = if i == 0 { 0.0 } else { LINE };
        let _ = write!(s, r#"<tspan x="{x:.0}" dy="{dy:.0}">{}</tspan>"#, esc(l));
    }
    s.push_str("</text>");
    s
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An ISO date ("2025-11-01") as its day, month and year ("1", "Nov", "2025"); None for
/// any other label.
fn date_parts(label: &str) -> Option<(u32, &'static str, &str)> {
    let mut it = label.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    y.parse::<u32>().ok()?;
    let month = MONTHS.get(m.parse::<usize>().ok()?.checked_sub(1)?)?;
    let day: u32 = d.parse().ok()?;
    (1..=31).contains(&day).then_some((day, month, y))
}

/// The axis labels of census dates, whole: the year alone when every date falls on the
/// same day of the year ("2025"), else "1 Nov 2025" on two lines ("1 Nov", "2025"). Labels
/// that are not dates are wrapped as they are.
pub fn date_labels(labels: &[&str]) -> Vec<Vec<String>> {
    let parts: Vec<_> = labels.iter().map(|l| date_parts(l)).collect();
    if parts.iter().all(Option::is_some) {
        let first = parts.first().and_then(|p| *p).map(|(d, m, _)| (d, m));
        let same_day = parts.iter().all(|p| p.map(|(d, m, _)| (d, m)) == first);
        return parts
            .into_iter()
            .flatten()
            .map(|(d, m, y)| {
                if same_day {
                    vec![y.to_string()]
                } else {
                    vec![format!("{d} {m}"), y.to_string()]
                }
            })
            .collect();
    }
    labels.iter().map(|l| wrap(l, 12)).collect()
}

/// The pages' charts draw text at this size in the chart's own units; a chart is drawn
/// as wide as a half column at 1280 px, so it shows at body size there and scales down
/// with its column (about 14 px at 375 px).
const FONT: f64 = 19.0;
/// The distance between two lines of text.
const LINE: f64 = 23.0;
/// The characters of a label on one line, at [`FONT`] over the width of a chart.
const LABEL_CHARS: usize = 40;

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

/// The start of a page's chart: scaled to its column by its viewBox (no fixed size),
/// with its title, description and the patterns that mark what colour alone must not.
fn open(id: &str, title: &str, desc: &str, w: u32, h: u32) -> String {
    format!(
        r##"<svg class="app-chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet" font-size="{FONT}"><title id="{id}-title">{t}</title><desc id="{id}-desc">{d}</desc><defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#505a5f" stroke-width="2"/></pattern><pattern id="{id}-stripes" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><line x1="0" y1="0" x2="0" y2="8" stroke="#ffffff" stroke-width="3"/></pattern></defs>"##,
        t = esc(title),
        d = esc(desc)
    )
}

/// Horizontal bars, one per point, scaled to the largest shown value. Each label sits
/// whole above its bar, wrapped onto as many lines as it needs; the figure is printed at
/// the bar's end. Bars of another series are striped as well as coloured.
pub fn bars(id: &str, title: &str, points: &[Point], unit: Unit) -> String {
    const W: f64 = 460.0;
    const BAR_W: f64 = 330.0;
    const BAR_H: f64 = 24.0;
    const GAP: f64 = 14.0;
    let max = points
        .iter()
        .filter_map(|p| p.value)
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let suppressed = points.iter().filter(|p| p.suppressed).count();
    let others = points.iter().filter(|p| p.other).count();
    let desc = format!(
        "Bar chart of {} groups{}{}. The same figures are in the table beside it.",
        points.len(),
        if suppressed > 0 {
            format!("; {suppressed} suppressed to protect individuals, marked c")
        } else {
            String::new()
        },
        if others > 0 {
            "; striped bars are the comparison"
        } else {
            ""
        }
    );
    let mut body = String::new();
    let mut y = 4.0;
    for p in points {
        let lines = wrap(&p.label, LABEL_CHARS);
        body.push_str(&text_lines(4.0, y + FONT, "start", &lines));
        let top = y + LINE * lines.len() as f64 + 2.0;
        let base = top + BAR_H - 6.0;
        match (p.suppressed, p.value) {
            (true, _) => {
                let _ = write!(
                    body,
                    r#"<rect class="suppressed" x="1" y="{top:.0}" width="16" height="{BAR_H:.0}" fill="url(#{id}-hatch)"/><text x="24" y="{base:.0}">c</text>"#
                );
            }
            (false, Some(v)) => {
                let bw = if max > 0.0 {
                    BAR_W * v.abs() / max
                } else {
                    0.0
                };
                let class = if p.other { "bar bar--other" } else { "bar" };
                let _ = write!(
                    body,
                    r#"<rect class="{class}" x="1" y="{top:.0}" width="{bw:.1}" height="{BAR_H:.0}"/>"#
                );
                if p.other {
                    let _ = write!(
                        body,
                        r#"<rect class="bar-pattern" x="1" y="{top:.0}" width="{bw:.1}" height="{BAR_H:.0}" fill="url(#{id}-stripes)"/>"#
                    );
                }
                let _ = write!(
                    body,
                    r#"<text x="{:.1}" y="{base:.0}">{}</text>"#,
                    bw + 8.0,
                    esc(&unit.format(v))
                );
            }
            (false, None) => {
                let _ = write!(body, r#"<text x="8" y="{base:.0}">no figure</text>"#);
            }
        }
        y = top + BAR_H + GAP;
    }
    let h = y.max(20.0).ceil();
    let mut s = open(id, title, &desc, W as u32, h as u32);
    s.push_str(&body);
    s.push_str(&format!(
        r#"<line class="axis" x1="1" y1="0" x2="1" y2="{h}"/></svg>"#
    ));
    s
}

/// A line over census dates; suppressed or missing points break the line. Dates are
/// written whole ([`date_labels`]).
pub fn line(id: &str, title: &str, points: &[Point], unit: Unit) -> String {
    const W: f64 = 460.0;
    const H: f64 = 320.0;
    const LEFT: f64 = 84.0;
    const TOP: f64 = 34.0;
    const BOTTOM: f64 = 64.0;
    let max = points
        .iter()
        .filter_map(|p| p.value)
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let n = points.len().max(1);
    let step = if n > 1 {
        (W - LEFT - 80.0) / (n - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| LEFT + 40.0 + step * i as f64;
    let y = |v: f64| TOP + (H - BOTTOM - TOP) * (1.0 - v / max);
    let desc = format!(
        "Line chart over {n} census dates; points that are suppressed (c) or missing break the line. The same figures are in the table beside it."
    );
    let mut s = open(id, title, &desc, W as u32, H as u32);
    s.push_str(&format!(
        r#"<line class="axis" x1="{LEFT}" y1="{:.0}" x2="{:.0}" y2="{:.0}"/><text x="{:.0}" y="{:.0}" text-anchor="end">{}</text><text x="{:.0}" y="{:.0}" text-anchor="end">0</text>"#,
        H - BOTTOM,
        W - 4.0,
        H - BOTTOM,
        LEFT - 8.0,
        y(max) + 6.0,
        esc(&unit.format(max)),
        LEFT - 8.0,
        H - BOTTOM + 6.0
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
    let labels: Vec<&str> = points.iter().map(|p| p.label.as_str()).collect();
    for (i, (p, label)) in points.iter().zip(date_labels(&labels)).enumerate() {
        s.push_str(&text_lines(x(i), H - BOTTOM + 26.0, "middle", &label));
        match (p.suppressed, p.value) {
            (true, _) => s.push_str(&format!(
                r#"<text x="{:.1}" y="{:.0}" text-anchor="middle">c</text>"#,
                x(i),
                H - BOTTOM - 8.0
            )),
            (false, Some(v)) => s.push_str(&format!(
                r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="5"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x(i),
                y(v),
                x(i),
                y(v) - 12.0,
                esc(&unit.format(v))
            )),
            (false, None) => {}
        }
    }
    s.push_str("</svg>");
    s
}

/// How a series of [`lines`] is drawn: each by its dash pattern and marker as well as
/// its colour, so that none is told apart by colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// The area's own figures: a solid line, round markers.
    Area,
    /// England: a dashed line, square markers.
    England,
    /// Comparable areas: a dotted line, triangle markers.
    Neighbours,
    /// The planned line from the baseline through the milestones: long dashes, diamond
    /// markers at each milestone.
    Trajectory,
    /// Where the current trend leads: a thin dotted line, hollow round markers.
    Trend,
}

impl Look {
    /// Stroke colour, dash pattern (none: solid) and line width.
    fn stroke(self) -> (&'static str, Option<&'static str>, f64) {
        match self {
            Look::Area => ("#1d70b8", None, 3.0),
            Look::England => ("#0b0c0c", Some("10 6"), 2.5),
            Look::Neighbours => ("#912b88", Some("2 5"), 3.0),
            Look::Trajectory => ("#00703c", Some("18 6"), 2.5),
            Look::Trend => ("#505a5f", Some("3 3"), 2.0),
        }
    }

    /// The marker drawn at a point.
    fn marker(self, x: f64, y: f64) -> String {
        let (colour, _, _) = self.stroke();
        match self {
            Look::Area => format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="5" fill="{colour}"/>"#),
            Look::England => format!(
                r#"<rect x="{:.1}" y="{:.1}" width="9" height="9" fill="{colour}"/>"#,
                x - 4.5,
                y - 4.5
            ),
            Look::Neighbours => format!(
                r#"<path d="M{x:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z" fill="{colour}"/>"#,
                y - 6.0,
                x + 6.0,
                y + 5.0,
                x - 6.0,
                y + 5.0
            ),
            Look::Trajectory => format!(
                r#"<path d="M{x:.1},{:.1} L{:.1},{y:.1} L{x:.1},{:.1} L{:.1},{y:.1} Z" fill="{colour}"/>"#,
                y - 7.0,
                x + 7.0,
                y + 7.0,
                x - 7.0
            ),
            Look::Trend => format!(
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="5" fill="#ffffff" stroke="{colour}" stroke-width="2"/>"##
            ),
        }
    }
}

/// A dated figure of a series of [`lines`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dated {
    pub date: chrono::NaiveDate,
    /// None when suppressed or missing.
    pub value: Option<f64>,
    pub suppressed: bool,
}

/// One series of [`lines`]: its name in the legend, how it is drawn, its figures.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub look: Look,
    pub points: Vec<Dated>,
}

/// Several series over time on one chart (an objective's chart: the area, England,
/// comparable areas, the trajectory and the trend). The x axis is in calendar days, so
/// census dates and milestones stand where they fall; a suppressed point is marked `c`
/// in its series' row above the axis and breaks its line; the legend sits below the
/// chart, one series a row, each with its dash pattern and marker.
pub fn lines(id: &str, title: &str, series: &[Series], unit: Unit) -> String {
    const W: f64 = 460.0;
    const PLOT_H: f64 = 240.0;
    const LEFT: f64 = 84.0;
    const RIGHT: f64 = 30.0;
    const TOP: f64 = 30.0;
    let all = || series.iter().flat_map(|s| &s.points);
    let (Some(first), Some(last)) = (all().map(|p| p.date).min(), all().map(|p| p.date).max())
    else {
        let mut s = open(id, title, "No figures to draw yet.", W as u32, 60);
        s.push_str(&format!(
            r#"<text x="4" y="{FONT}">No figures yet</text></svg>"#
        ));
        return s;
    };
    let span = ((last - first).num_days() as f64).max(1.0);
    let max = all()
        .filter_map(|p| p.value)
        .fold(0.0f64, |m, v| m.max(v))
        .max(f64::MIN_POSITIVE);
    // A little headroom above the highest figure, shares kept at most 100 %.
    let top = if unit == Unit::Percentage && max <= 1.0 {
        (max * 1.15).min(1.0)
    } else {
        max * 1.15
    };
    let base = TOP + PLOT_H;
    let x = |d: chrono::NaiveDate| {
        if first == last {
            (LEFT + W - RIGHT) / 2.0
        } else {
            LEFT + 12.0 + (W - LEFT - RIGHT - 12.0) * (d - first).num_days() as f64 / span
        }
    };
    let y = |v: f64| base - PLOT_H * (v / top).clamp(0.0, 1.0);
    let suppressed = all().filter(|p| p.suppressed).count();
    let names: Vec<&str> = series.iter().map(|s| s.label.as_str()).collect();
    let desc = format!(
        "Line chart over time of {}{}. The same figures are in the table below it.",
        names.join("; "),
        match suppressed {
            0 => String::new(),
            1 => "; 1 figure is suppressed to protect individuals, marked c, and breaks its line"
                .to_string(),
            n => format!(
                "; {n} figures are suppressed to protect individuals, marked c, and break their line"
            ),
        }
    );
    // The axes and their labels: the dates of every point, left out where one would
    // overlap the one before.
    let mut body = format!(
        r#"<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}"/><line class="axis" x1="{LEFT}" y1="{base}" x2="{:.0}" y2="{base}"/><text x="{:.0}" y="{:.0}" text-anchor="end">{}</text><text x="{:.0}" y="{:.0}" text-anchor="end">0</text>"#,
        W - 4.0,
        LEFT - 8.0,
        y(top) + 6.0,
        esc(&unit.format(top)),
        LEFT - 8.0,
        base + 6.0
    );
    let mut dates: Vec<chrono::NaiveDate> = all().map(|p| p.date).collect();
    dates.sort();
    dates.dedup();
    let iso: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
    let refs: Vec<&str> = iso.iter().map(String::as_str).collect();
    let mut shown_at = f64::NEG_INFINITY;
    let mut label_lines = 1;
    for (d, label) in dates.iter().zip(date_labels(&refs)) {
        if x(*d) - shown_at < 58.0 {
            continue;
        }
        shown_at = x(*d);
        label_lines = label_lines.max(label.len());
        body.push_str(&text_lines(x(*d), base + 26.0, "middle", &label));
    }
    for (row, s) in series.iter().enumerate() {
        let (colour, dash, width) = s.look.stroke();
        let dash = dash
            .map(|d| format!(r#" stroke-dasharray="{d}""#))
            .unwrap_or_default();
        // Segments join only neighbouring shown points.
        let mut path = String::new();
        let mut pen_down = false;
        for p in &s.points {
            match (p.suppressed, p.value) {
                (false, Some(v)) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(p.date),
                        y(v)
                    );
                    pen_down = true;
                }
                _ => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(
                body,
                r#"<path class="series" d="{}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>"#,
                path.trim_end()
            );
        }
        for p in &s.points {
            match (p.suppressed, p.value) {
                (true, _) => {
                    let _ = write!(
                        body,
                        r#"<text class="suppressed-mark" x="{:.1}" y="{:.0}" text-anchor="middle" fill="{colour}">c</text>"#,
                        x(p.date),
                        base - 8.0 - LINE * row as f64
                    );
                }
                (false, Some(v)) => body.push_str(&s.look.marker(x(p.date), y(v))),
                (false, None) => {}
            }
        }
    }
    // The legend, one series a row below the dates: a sample of its line and marker.
    let mut ly = base + 26.0 + LINE * label_lines as f64 + 12.0;
    for s in series {
        let (colour, dash, width) = s.look.stroke();
        let dash = dash
            .map(|d| format!(r#" stroke-dasharray="{d}""#))
            .unwrap_or_default();
        let mid = ly - 6.0;
        let _ = write!(
            body,
            r#"<line x1="4" y1="{mid:.0}" x2="52" y2="{mid:.0}" stroke="{colour}" stroke-width="{width}"{dash}/>{}"#,
            s.look.marker(28.0, mid)
        );
        let lines = wrap(&s.label, LABEL_CHARS - 6);
        body.push_str(&text_lines(62.0, ly, "start", &lines));
        ly += LINE * lines.len() as f64 + 6.0;
    }
    let h = (ly + 4.0).ceil();
    let mut s = open(id, title, &desc, W as u32, h as u32);
    s.push_str(&body);
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
    const PUB_LINE: f64 = 16.0;
    let max = bars.iter().filter_map(|b| b.value).fold(0.0_f64, f64::max);
    // Long labels wrap onto more lines (none is cut), growing their row.
    let labels: Vec<Vec<String>> = bars.iter().map(|b| wrap(&b.label, 34)).collect();
    let rows: Vec<f64> = labels
        .iter()
        .map(|l| ROW + PUB_LINE * (l.len() as f64 - 1.0))
        .collect();
    let height = rows.iter().sum::<f64>() + 10.0;
    let width = LABEL_W + PLOT_W + TEXT_W;
    let hidden = bars.iter().filter(|b| b.value.is_none()).count();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" aria-labelledby="t d" font-family="Arial, Helvetica, sans-serif" font-size="13"><title id="t">{}</title><desc id="d">Bar chart of {} values{}. The table beside it gives every figure.</desc>"#,
        esc(title),
        bars.len(),
        if hidden > 0 {
            format!(", {hidden} not shown (marked c)")
        } else {
            String::new()
        }
    );
    let mut y = 5.0;
    for ((b, label), row) in bars.iter().zip(&labels).zip(&rows) {
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#0b0c0c">"##,
            LABEL_W - 8.0,
            y + 15.0
        );
        for (i, l) in label.iter().enumerate() {
            let dy = if i == 0 { 0.0 } else { PUB_LINE };
            let _ = write!(
                s,
                r#"<tspan x="{}" dy="{dy}">{}</tspan>"#,
                LABEL_W - 8.0,
                esc(l)
            );
        }
        s.push_str("</text>");
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
        y += row;
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

    fn texts(svg: &str) -> String {
        // The words drawn, whatever lines they are wrapped onto.
        svg.split('>')
            .filter_map(|t| t.split('<').next())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn long_labels_wrap_whole_onto_more_lines() {
        let long = "Early years and childcare / Private, voluntary and independent nurseries / Deputy managers";
        assert_eq!(wrap("Youth", 40), vec!["Youth"]);
        assert_eq!(wrap("", 40), vec![""]);
        let lines = wrap(long, 40);
        assert!(lines.len() > 1 && lines.iter().all(|l| l.chars().count() <= 40));
        assert_eq!(lines.join(" "), long);
        // A word longer than a line is split, never dropped.
        assert_eq!(wrap("abcdefghij", 4).concat(), "abcdefghij");

        let short_label = bars("f", "t", &[p("Youth", Some(1.0), false)], Unit::Count);
        let svg = bars("f", "t", &[p(long, Some(1.0), false)], Unit::Count);
        assert!(svg.matches("<tspan").count() >= 3, "{svg}");
        assert!(texts(&svg).contains(long), "{svg}");
        // The row grows with its lines.
        let height = |svg: &str| -> f64 {
            let v = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
            v.split(['"', ' ']).nth(1).unwrap().parse().unwrap()
        };
        assert!(height(&svg) > height(&short_label));

        let pubc = bar_chart(
            "t",
            &[Bar {
                label: long.into(),
                value: Some(3.0),
                text: "3".into(),
            }],
        );
        assert!(texts(&pubc).contains(long), "{pubc}");
        assert!(pubc.matches("<tspan").count() >= 3, "{pubc}");
    }

    #[test]
    fn dates_on_axes_are_whole() {
        let pts = |dates: &[&str]| -> Vec<Point> {
            dates.iter().map(|d| p(d, Some(1.0), false)).collect()
        };
        let svg = line(
            "f",
            "t",
            &pts(&["2023-11-01", "2024-11-01", "2025-11-01"]),
            Unit::Count,
        );
        for year in ["2023", "2024", "2025"] {
            assert!(svg.contains(&format!(">{year}</tspan>")), "{svg}");
        }
        assert!(!svg.contains("-11-"), "{svg}");
        let svg = line("f", "t", &pts(&["2024-11-01", "2025-03-31"]), Unit::Count);
        let words = texts(&svg);
        assert!(
            words.contains("1 Nov 2024") && words.contains("31 Mar 2025"),
            "{words}"
        );
        assert_eq!(date_labels(&["Youth"]), vec![vec!["Youth".to_string()]]);
        assert_eq!(
            date_labels(&["2025-13-01"]),
            vec![vec!["2025-13-01".to_string()]]
        );
    }

    #[test]
    fn charts_scale_to_their_column_and_mark_the_other_series() {
        let mut other = p("England", Some(2.0), false);
        other.other = true;
        let svgs = [
            bars("f", "t", &[p("Area", Some(1.0), false), other], Unit::Count),
            line("g", "t", &[p("2025-11-01", Some(1.0), false)], Unit::Count),
        ];
        for svg in &svgs {
            let open = &svg[..svg.find('>').unwrap()];
            assert!(open.contains("viewBox=\"0 0 "), "{open}");
            assert!(open.contains("width=\"100%\""), "{open}");
            assert!(!open.contains(" height="), "{open}");
        }
        // The comparison is striped as well as coloured, and the description says so.
        assert!(svgs[0].contains(r#"class="bar-pattern""#));
        assert!(svgs[0].contains("fill=\"url(#f-stripes)\""));
        assert!(svgs[0].contains("striped bars are the comparison"));
        let pubc = bar_chart("t", &[]);
        assert!(pubc.contains("width=\"100%\"") && pubc.contains("viewBox"));
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

    fn dated(d: &str, v: Option<f64>) -> Dated {
        Dated {
            date: d.parse().unwrap(),
            value: v,
            suppressed: v.is_none(),
        }
    }

    /// The `d` of the path drawn for each series, in order.
    fn paths(svg: &str) -> Vec<&str> {
        svg.split(r#"class="series" d=""#)
            .skip(1)
            .map(|d| &d[..d.find('"').unwrap()])
            .collect()
    }

    #[test]
    fn several_series_over_time_told_apart_by_more_than_colour() {
        let svg = lines(
            "o1",
            "Qualified to <level 3>",
            &[
                Series {
                    label: "Central Bedfordshire".into(),
                    look: Look::Area,
                    points: vec![
                        dated("2023-11-01", Some(0.5)),
                        dated("2024-11-01", None),
                        dated("2025-11-01", Some(0.6)),
                    ],
                },
                Series {
                    label: "England".into(),
                    look: Look::England,
                    points: vec![
                        dated("2023-11-01", Some(0.55)),
                        dated("2024-11-01", Some(0.56)),
                        dated("2025-11-01", Some(0.58)),
                    ],
                },
                Series {
                    label: "Statistical neighbours".into(),
                    look: Look::Neighbours,
                    points: vec![dated("2025-11-01", Some(0.52))],
                },
                Series {
                    label: "Trajectory: baseline and milestones".into(),
                    look: Look::Trajectory,
                    points: vec![
                        dated("2024-11-01", Some(0.55)),
                        dated("2027-11-01", Some(0.7)),
                    ],
                },
            ],
            Unit::Percentage,
        );
        // A labelled image, scaled to its column.
        let open = &svg[..svg.find('>').unwrap()];
        assert!(open.contains(r#"role="img""#) && open.contains("viewBox=\"0 0 460 "));
        assert!(
            open.contains("width=\"100%\"") && !open.contains(" height="),
            "{open}"
        );
        assert!(svg.contains("<title id=\"o1-title\">Qualified to &lt;level 3&gt;</title>"));
        let desc = between_tags(&svg, "desc");
        assert!(
            desc.contains("England") && desc.contains("1 figure is suppressed"),
            "{desc}"
        );
        // The suppressed figure breaks the area's line and is marked c; the others join.
        let d = paths(&svg);
        assert_eq!(d.len(), 4, "{svg}");
        assert_eq!(
            (d[0].matches('M').count(), d[0].matches('L').count()),
            (2, 0)
        );
        assert_eq!(d[1].matches('L').count(), 2);
        assert!(svg.contains(r#"class="suppressed-mark""#) && svg.contains(">c</text>"));
        // Not colour alone: dashes differ, and so do the markers.
        for dash in [
            r#"stroke-dasharray="10 6""#,
            r#"stroke-dasharray="2 5""#,
            r#"stroke-dasharray="18 6""#,
        ] {
            assert!(svg.contains(dash), "{dash}");
        }
        assert!(svg.contains("<circle") && svg.contains("<rect x=") && svg.contains(" Z\""));
        // The legend below the chart names every series; dates are whole years.
        let words = texts(&svg);
        for name in [
            "Central Bedfordshire",
            "England",
            "Statistical neighbours",
            "Trajectory: baseline and milestones",
        ] {
            assert!(words.contains(name), "{name} in {words}");
        }
        assert!(words.contains("2027") && !svg.contains("-11-"), "{words}");
        // Time runs in days: 366 of the 1,461 from the first date to the last, over the
        // 334 units from x = 96 to 430.
        assert!(
            d[3].starts_with("M179.7,") && d[3].contains("L430.0,"),
            "{}",
            d[3]
        );
    }

    fn between_tags<'a>(svg: &'a str, tag: &str) -> &'a str {
        let start = svg.find(&format!("<{tag}")).unwrap();
        let start = start + svg[start..].find('>').unwrap() + 1;
        &svg[start..start + svg[start..].find(&format!("</{tag}>")).unwrap()]
    }

    #[test]
    fn no_figures_and_one_date_still_draw() {
        let empty = lines("e", "Nothing", &[], Unit::Count);
        assert!(
            empty.starts_with("<svg") && empty.ends_with("</svg>") && empty.contains("No figures")
        );
        let one = lines(
            "o",
            "One",
            &[Series {
                label: "Area".into(),
                look: Look::Area,
                points: vec![dated("2025-11-01", Some(3.0))],
            }],
            Unit::Count,
        );
        assert!(!one.contains("NaN") && one.contains("<circle"), "{one}");
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
