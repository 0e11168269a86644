//! Small accessible SVG charts of our own (no chart library needs a browser engine or
//! fonts at build time): horizontal bars for a breakdown, a line for a series over
//! census dates. Each chart is an image with a `<title>` and `<desc>`, always shown
//! beside a table of the same figures; suppressed figures are drawn as a hatched stub
//! marked `c`, and never carry the hidden number anywhere.

/// One figure to draw.
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub suppressed: bool,
    /// Marks a point of another series (e.g. the comparison group).
    pub other: bool,
}

/// Escape text for SVG/HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A figure as people read it: rates as percentages, counts with thousands separators.
pub fn format_value(v: f64, rate: bool) -> String {
    if rate {
        return format!("{:.1}%", v * 100.0);
    }
    if v.fract() != 0.0 {
        return format!("{v:.1}");
    }
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
pub fn bars(id: &str, title: &str, points: &[Point], rate: bool) -> String {
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
        let label: String = p.label.chars().take(32).collect();
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
                    esc(&format_value(v, rate))
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
pub fn line(id: &str, title: &str, points: &[Point], rate: bool) -> String {
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
        esc(&format_value(max, rate)),
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
                esc(&format_value(v, rate))
            )),
            (false, None) => {}
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
    fn values_read_plainly() {
        assert_eq!(format_value(1234567.0, false), "1,234,567");
        assert_eq!(format_value(999.0, false), "999");
        assert_eq!(format_value(0.0841, true), "8.4%");
        assert_eq!(format_value(12.25, false), "12.2");
    }

    #[test]
    fn charts_are_labelled_images_and_hide_suppressed_figures() {
        let svg = bars(
            "f1",
            "Posts by <sector>",
            &[p("early_years", Some(120.0), false), p("youth", None, true)],
            false,
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
            true,
        );
        // A suppressed point breaks the line: two separate moves, no join.
        let d = svg.split("class=\"line\" d=\"").nth(1).unwrap();
        let d = &d[..d.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert!(!d.contains('L'), "{d}");
    }
}
