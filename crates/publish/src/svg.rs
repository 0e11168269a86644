//! Small, accessible SVG charts: a `<title>` and `<desc>` for screen readers,
//! `role="img"`, and suppressed figures drawn as a marked gap (`c`) rather than a bar,
//! so that a chart never carries a hidden number. Charts always sit beside their table.

use std::fmt::Write;

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

/// Escape text for XML content and attributes.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const ROW: f64 = 22.0;
const LABEL_W: f64 = 230.0;
const PLOT_W: f64 = 380.0;
const TEXT_W: f64 = 80.0;

/// A horizontal bar chart. Bars share one scale from zero to the largest shown value.
pub fn bar_chart(title: &str, bars: &[Bar]) -> String {
    let max = bars.iter().filter_map(|b| b.value).fold(0.0_f64, f64::max);
    let height = ROW * bars.len() as f64 + 10.0;
    let width = LABEL_W + PLOT_W + TEXT_W;
    let hidden = bars.iter().filter(|b| b.value.is_none()).count();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-labelledby="t d" font-family="Arial, Helvetica, sans-serif" font-size="13"><title id="t">{}</title><desc id="d">Bar chart of {} values{}. The table beside it gives every figure.</desc>"#,
        escape(title),
        bars.len(),
        if hidden > 0 {
            format!(", {hidden} not shown (marked c)")
        } else {
            String::new()
        }
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * ROW + 5.0;
        let label: String = b.label.chars().take(34).collect();
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#0b0c0c">{}</text>"##,
            LABEL_W - 8.0,
            y + 15.0,
            escape(&label)
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
                    escape(&b.label),
                    escape(&b.text),
                    LABEL_W + w + 4.0,
                    y + 15.0,
                    escape(&b.text)
                );
            }
            None => {
                let _ = write!(
                    s,
                    r##"<text x="{}" y="{}" fill="#505a5f" font-style="italic">{}</text>"##,
                    LABEL_W + 4.0,
                    y + 15.0,
                    escape(&b.text)
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
