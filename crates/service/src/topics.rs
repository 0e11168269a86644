//! What the census figures and the evidence library are about, linked both ways, so a
//! planner moves from a figure to what research says about it, and from a gap-map cell
//! to the census figures for its sector, without retyping anything. The links are data
//! (`data/evidence/topics.csv`, one row per evidence theme): which census themes each
//! evidence theme speaks to, and which figure shows it.

use observatory_domain::codes;
use std::sync::OnceLock;

const TOPICS: &str = include_str!("../../../data/evidence/topics.csv");

/// One evidence theme and the census figures it speaks to.
struct Topic {
    evidence_theme: String,
    /// The census measure themes (as `data/codes/measures.csv` names them).
    census_themes: Vec<String>,
    /// The figure that shows the theme, and its breakdown.
    measure: String,
    by: String,
    /// The theme in words that follow "about" ("recruitment and retention").
    about: String,
}

fn topics() -> &'static [Topic] {
    static T: OnceLock<Vec<Topic>> = OnceLock::new();
    T.get_or_init(|| {
        csv::Reader::from_reader(TOPICS.as_bytes())
            .records()
            .map(|r| {
                let r = r.expect("topics.csv is valid CSV");
                Topic {
                    evidence_theme: r[0].to_string(),
                    census_themes: r[1]
                        .split(';')
                        .filter(|t| !t.is_empty())
                        .map(String::from)
                        .collect(),
                    measure: r[2].to_string(),
                    by: r[3].to_string(),
                    about: r[4].to_string(),
                }
            })
            .collect()
    })
}

/// A link from one place to another, with the words that say where it goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// The evidence library's search for what a figure measures, in one sector when the
/// figure is for one: "What research says about recruitment and retention in early
/// years and childcare". None for measures no evidence theme speaks to.
pub fn evidence_on(measure: &str, sector: Option<&str>) -> Option<Link> {
    let c = codes();
    let theme = c.measure_info(measure)?.theme;
    let matching: Vec<&Topic> = topics()
        .iter()
        .filter(|t| t.census_themes.contains(&theme))
        .collect();
    let first = matching.first()?;
    let mut href = String::from("/evidence?");
    let themes: Vec<String> = matching
        .iter()
        .map(|t| format!("theme={}", t.evidence_theme))
        .collect();
    href.push_str(&themes.join("&"));
    let mut text = format!("What research says about {}", first.about);
    if let Some(s) = sector.and_then(|s| c.sectors.find(s)) {
        href.push_str(&format!("&sector={}", c.sectors.code(s)));
        text.push_str(&format!(" in {}", c.sectors.label(s).to_lowercase()));
    }
    Some(Link { href, text })
}

/// The census figures for an evidence theme, in one sector when given: a gap-map cell's
/// way back to the data ("Census figures: Turnover rate in early years and childcare").
pub fn figures_for(evidence_theme: &str, sector: Option<&str>) -> Link {
    let c = codes();
    let (measure, by) = topics()
        .iter()
        .find(|t| t.evidence_theme == evidence_theme)
        .map_or(("posts", "role"), |t| (t.measure.as_str(), t.by.as_str()));
    let mut href = format!("/explorer?measure={measure}&by={by}");
    let mut text = format!("Census figures: {}", c.measure_label(measure));
    if let Some(s) = sector.and_then(|s| c.sectors.find(s)) {
        href.push_str(&format!("&where=sector%3D{}", c.sectors.code(s)));
        text.push_str(&format!(" in {}", c.sectors.label(s).to_lowercase()));
    }
    Link { href, text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_names_real_themes_and_measures() {
        let c = codes();
        let tax = observatory_evidence::taxonomy::taxonomy();
        let names = observatory_analysis::measure_names();
        for t in topics() {
            assert!(
                tax.check("theme", &t.evidence_theme).is_ok(),
                "{}",
                t.evidence_theme
            );
            assert!(names.contains(&t.measure), "{}", t.measure);
            assert!(c.list_for(&t.by).is_some(), "{}", t.by);
            for theme in &t.census_themes {
                assert!(
                    names
                        .iter()
                        .any(|m| c.measure_info(m).is_some_and(|i| &i.theme == theme)),
                    "{theme}"
                );
            }
        }
    }

    #[test]
    fn figures_lead_to_evidence_and_back() {
        let l = evidence_on("turnover_rate", Some("early_years")).unwrap();
        assert_eq!(l.href, "/evidence?theme=motivation&sector=early_years");
        assert_eq!(
            l.text,
            "What research says about recruitment and retention in early years and childcare"
        );
        let l = evidence_on("vacancy_rate", None).unwrap();
        assert_eq!(l.href, "/evidence?theme=motivation&theme=status_rewards");
        let back = figures_for("motivation", Some("social_care"));
        assert_eq!(
            back.href,
            "/explorer?measure=turnover_rate&by=role&where=sector%3Dsocial_care"
        );
        assert!(
            back.text
                .starts_with("Census figures: Turnover rate in social")
        );
    }
}
