//! The evidence gap map: themes down the side, workforce sectors (or outcomes for
//! children) across, and in each cell how much is known and how strong it is.
//!
//! Per cell: `completed` counts items tagged with both the theme and the column (plus
//! register entries that reported without an item yet), `ongoing` the register entries
//! planned, commissioned or in progress; `strength` the completed items by evidence
//! strength. The status is
//! - `nothing`: no completed item and no ongoing study at all;
//! - `no_recent_synthesis`: studies exist (completed or ongoing) but no item of a
//!   synthesis type (an evidence review or systematic synthesis, per the `synthesis`
//!   group in taxonomy.csv) was published in the last `recent_years` years up to
//!   `as_of` (inclusive: with 5 years as of 2026, 2022 to 2026);
//! - `synthesised`: there is such a recent synthesis.
//!
//! Items published after `as_of` are left out, so a past year shows the map as it was.

use observatory_domain::export::safe_record;
use observatory_store::evidence::{Item, RegisterEntry};
use serde::Serialize;
use std::fmt::Write;

use crate::search::{escape, url_encode};
use crate::taxonomy::{Vocabulary, taxonomy};

/// What the columns of the map are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Columns {
    Sector,
    Outcome,
}

impl Columns {
    pub fn facet(self) -> &'static str {
        match self {
            Columns::Sector => "sector",
            Columns::Outcome => "outcome",
        }
    }

    fn vocabulary(self) -> &'static Vocabulary {
        match self {
            Columns::Sector => &taxonomy().sectors,
            Columns::Outcome => &taxonomy().outcomes,
        }
    }
}

#[derive(Debug, Clone)]
pub struct GapOptions {
    pub columns: Columns,
    pub as_of: i32,
    pub recent_years: i32,
    /// The search page each cell links to (`/evidence`).
    pub search_path: String,
}

impl Default for GapOptions {
    fn default() -> Self {
        use chrono::Datelike;
        GapOptions {
            columns: Columns::Sector,
            as_of: chrono::Utc::now().year(),
            recent_years: 5,
            search_path: "/evidence".into(),
        }
    }
}

/// Strength counts of a cell, in scale order, then `not_assessed`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StrengthCount {
    pub strength: String,
    pub count: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub theme: String,
    pub column: String,
    pub completed: u32,
    pub ongoing: u32,
    pub strength: Vec<StrengthCount>,
    /// The year of the newest synthesis in the cell, recent or not.
    pub latest_synthesis: Option<i32>,
    /// `nothing`, `no_recent_synthesis` or `synthesised`.
    pub status: String,
    /// The search of this cell's items.
    pub search_url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Axis {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GapMap {
    pub columns_facet: String,
    pub as_of: i32,
    pub recent_years: i32,
    pub themes: Vec<Axis>,
    pub columns: Vec<Axis>,
    /// One row per theme, one cell per column, in the order of `themes` and `columns`.
    pub cells: Vec<Vec<Cell>>,
}

const ONGOING: [&str; 3] = ["planned", "commissioned", "in_progress"];

fn axis(v: &Vocabulary) -> Vec<Axis> {
    v.terms
        .iter()
        .map(|t| Axis {
            code: t.code.clone(),
            label: t.label.clone(),
        })
        .collect()
}

/// Status labels for people.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "nothing" => "Nothing at all",
        "no_recent_synthesis" => "Studies, no recent synthesis",
        _ => "Synthesised",
    }
}

impl GapMap {
    pub fn build(items: &[Item], entries: &[RegisterEntry], opts: &GapOptions) -> GapMap {
        let tax = taxonomy();
        let facet = opts.columns.facet();
        let themes = axis(&tax.themes);
        let columns = axis(opts.columns.vocabulary());
        let strengths: Vec<&str> = tax.strengths.codes().chain(["not_assessed"]).collect();
        let recent_from = opts.as_of - opts.recent_years + 1;
        let cells = themes
            .iter()
            .map(|th| {
                columns
                    .iter()
                    .map(|col| {
                        let in_cell = |t: &observatory_store::evidence::Tags| {
                            t.has("theme", &th.code) && t.has(facet, &col.code)
                        };
                        let mut strength = vec![0u32; strengths.len()];
                        let mut completed = 0;
                        let mut latest_synthesis: Option<i32> = None;
                        for i in items.iter().filter(|i| in_cell(&i.fields.tags)) {
                            if i.fields.year.is_some_and(|y| y > opts.as_of) {
                                continue;
                            }
                            completed += 1;
                            let s = i.fields.strength.as_deref().unwrap_or("not_assessed");
                            if let Some(p) = strengths.iter().position(|x| *x == s) {
                                strength[p] += 1;
                            }
                            if tax.is_synthesis(&i.fields.item_type)
                                && let Some(y) = i.fields.year
                            {
                                latest_synthesis = latest_synthesis.max(Some(y));
                            }
                        }
                        let mut ongoing = 0;
                        for e in entries.iter().filter(|e| in_cell(&e.fields.tags)) {
                            if ONGOING.contains(&e.fields.status.as_str()) {
                                ongoing += 1;
                            } else if e.fields.item_id.is_none() {
                                completed += 1;
                                strength[strengths.len() - 1] += 1;
                            }
                        }
                        let status = if completed == 0 && ongoing == 0 {
                            "nothing"
                        } else if latest_synthesis.is_some_and(|y| y >= recent_from) {
                            "synthesised"
                        } else {
                            "no_recent_synthesis"
                        };
                        Cell {
                            theme: th.code.clone(),
                            column: col.code.clone(),
                            completed,
                            ongoing,
                            strength: strengths
                                .iter()
                                .zip(&strength)
                                .map(|(s, c)| StrengthCount {
                                    strength: s.to_string(),
                                    count: *c,
                                })
                                .collect(),
                            latest_synthesis,
                            status: status.into(),
                            search_url: format!(
                                "{}?theme={}&{facet}={}",
                                opts.search_path,
                                url_encode(&th.code),
                                url_encode(&col.code)
                            ),
                        }
                    })
                    .collect()
            })
            .collect();
        GapMap {
            columns_facet: facet.into(),
            as_of: opts.as_of,
            recent_years: opts.recent_years,
            themes,
            columns,
            cells,
        }
    }

    /// One CSV row per cell.
    pub fn to_csv(&self) -> String {
        let tax = taxonomy();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<String> = vec![
            "theme".into(),
            "theme_label".into(),
            self.columns_facet.clone(),
            format!("{}_label", self.columns_facet),
            "completed".into(),
            "ongoing".into(),
        ];
        let strengths: Vec<String> = tax
            .strengths
            .codes()
            .chain(["not_assessed"])
            .map(|s| format!("strength_{s}"))
            .collect();
        header.extend(strengths);
        header.extend([
            "latest_synthesis".into(),
            "status".into(),
            "search_url".into(),
        ]);
        w.write_record(safe_record(&header)).expect("CSV to memory");
        for (ti, row) in self.cells.iter().enumerate() {
            for (ci, c) in row.iter().enumerate() {
                let mut rec = vec![
                    c.theme.clone(),
                    self.themes[ti].label.clone(),
                    c.column.clone(),
                    self.columns[ci].label.clone(),
                    c.completed.to_string(),
                    c.ongoing.to_string(),
                ];
                rec.extend(c.strength.iter().map(|s| s.count.to_string()));
                rec.push(
                    c.latest_synthesis
                        .map(|y| y.to_string())
                        .unwrap_or_default(),
                );
                rec.push(c.status.clone());
                rec.push(c.search_url.clone());
                w.write_record(safe_record(&rec)).expect("CSV to memory");
            }
        }
        String::from_utf8(w.into_inner().expect("CSV to memory")).expect("CSV is UTF-8")
    }

    /// A self-contained HTML table (inline styles, an inline SVG bar of strengths per
    /// cell, a legend); every cell links to the search of its items. Status is written
    /// in words as well as colour.
    pub fn to_html(&self) -> String {
        let tax = taxonomy();
        let colour = |status: &str| match status {
            "nothing" => "#f3f2f1",
            "no_recent_synthesis" => "#fff4d6",
            _ => "#d6eedf",
        };
        // Weakest to strongest, from pale to dark blue; not assessed in grey.
        let shades = ["#c6dbef", "#6baed6", "#2171b5", "#08306b", "#b1b4b6"];
        let mut h = String::new();
        let col_noun = if self.columns_facet == "sector" {
            "workforce sector"
        } else {
            "outcome for children"
        };
        let _ = write!(
            h,
            "<table class=\"evidence-gap-map\" style=\"border-collapse:collapse;font-family:inherit;font-size:0.9em\">\
             <caption style=\"text-align:left;font-weight:bold;padding:0.5em 0\">Evidence by theme and {col_noun}, as of {} (a synthesis counts as recent from {})</caption>\
             <thead><tr><th scope=\"col\" style=\"text-align:left;padding:4px;border:1px solid #b1b4b6\">Theme</th>",
            self.as_of,
            self.as_of - self.recent_years + 1
        );
        for c in &self.columns {
            let _ = write!(
                h,
                "<th scope=\"col\" style=\"text-align:left;padding:4px;border:1px solid #b1b4b6;vertical-align:bottom\">{}</th>",
                escape(&c.label)
            );
        }
        h.push_str("</tr></thead><tbody>");
        for (ti, row) in self.cells.iter().enumerate() {
            let _ = write!(
                h,
                "<tr><th scope=\"row\" style=\"text-align:left;padding:4px;border:1px solid #b1b4b6\">{}</th>",
                escape(&self.themes[ti].label)
            );
            for c in row {
                let total: u32 = c.strength.iter().map(|s| s.count).sum();
                let mut bar = String::new();
                if total > 0 {
                    let mut x = 0.0;
                    for (i, s) in c.strength.iter().enumerate().filter(|(_, s)| s.count > 0) {
                        let w = 60.0 * f64::from(s.count) / f64::from(total);
                        let label = if s.strength == "not_assessed" {
                            "not assessed".to_string()
                        } else {
                            tax.strengths.label(&s.strength).to_lowercase()
                        };
                        let _ = write!(
                            bar,
                            "<rect x=\"{x:.1}\" y=\"0\" width=\"{w:.1}\" height=\"8\" fill=\"{}\"><title>{} {label}</title></rect>",
                            shades[i.min(shades.len() - 1)],
                            s.count
                        );
                        x += w;
                    }
                    bar = format!(
                        "<svg width=\"60\" height=\"8\" viewBox=\"0 0 60 8\" role=\"img\" aria-label=\"strength of the completed evidence\" style=\"display:block;margin-top:3px\">{bar}</svg>"
                    );
                }
                let _ = write!(
                    h,
                    "<td style=\"padding:4px;border:1px solid #b1b4b6;background:{};vertical-align:top;min-width:7em\">\
                     <a href=\"{}\" style=\"color:#0b0c0c\">{} completed, {} ongoing</a>\
                     <br><span style=\"font-size:0.85em\">{}</span>{bar}</td>",
                    colour(&c.status),
                    escape(&c.search_url),
                    c.completed,
                    c.ongoing,
                    status_label(&c.status)
                );
            }
            h.push_str("</tr>");
        }
        h.push_str(
            "</tbody></table><p class=\"evidence-gap-map-legend\" style=\"font-size:0.85em\">",
        );
        for s in ["nothing", "no_recent_synthesis", "synthesised"] {
            let _ = write!(
                h,
                "<span style=\"display:inline-block;width:1em;height:1em;background:{};border:1px solid #b1b4b6;vertical-align:middle\"></span> {} &nbsp; ",
                colour(s),
                status_label(s)
            );
        }
        h.push_str("Bars: strength of completed evidence, ");
        let names: Vec<String> = tax
            .strengths
            .terms
            .iter()
            .map(|t| t.label.to_lowercase())
            .collect();
        let _ = write!(
            h,
            "{} (pale to dark), grey not assessed.</p>",
            names.join(", ")
        );
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use observatory_store::evidence::{ItemFields, RegisterFields, Tags};

    fn item(id: i64, ty: &str, year: i32, strength: Option<&str>, tags: &[(&str, &str)]) -> Item {
        let mut t = Tags::default();
        for (f, v) in tags {
            t.add(f, v);
        }
        crate::unsaved_item(
            id,
            ItemFields {
                title: format!("item {id}"),
                item_type: ty.into(),
                year: Some(year),
                strength: strength.map(String::from),
                tags: t,
                ..Default::default()
            },
        )
    }

    fn entry(status: &str, tags: &[(&str, &str)]) -> RegisterEntry {
        let mut t = Tags::default();
        for (f, v) in tags {
            t.add(f, v);
        }
        RegisterEntry {
            id: 1,
            fields: RegisterFields {
                title: "study".into(),
                organisation: "CWDC".into(),
                status: status.into(),
                tags: t,
                ..Default::default()
            },
            added_at: String::new(),
            added_by: String::new(),
        }
    }

    fn cell<'a>(m: &'a GapMap, theme: &str, col: &str) -> &'a Cell {
        let ti = m.themes.iter().position(|t| t.code == theme).unwrap();
        let ci = m.columns.iter().position(|c| c.code == col).unwrap();
        &m.cells[ti][ci]
    }

    #[test]
    fn cells_distinguish_nothing_old_synthesis_and_recent_synthesis() {
        let q = [("theme", "qualifications"), ("sector", "early_years")];
        let r = [("theme", "workforce_reform"), ("sector", "education")];
        let l = [("theme", "leadership_succession"), ("sector", "education")];
        let items = vec![
            item(1, "research_report", 2005, Some("indicative"), &q),
            item(2, "evidence_review", 2004, Some("strong"), &q),
            item(3, "evaluation", 2008, None, &r),
            item(4, "evidence_review", 2008, Some("moderate"), &r),
            item(5, "evidence_review", 2012, Some("strong"), &l),
        ];
        let entries = vec![
            entry("in_progress", &r),
            entry("planned", &[("theme", "excellence"), ("sector", "health")]),
        ];
        let opts = GapOptions {
            as_of: 2009,
            recent_years: 3,
            ..Default::default()
        };
        let m = GapMap::build(&items, &entries, &opts);
        let c = cell(&m, "qualifications", "early_years");
        assert_eq!((c.completed, c.ongoing), (2, 0));
        assert_eq!(c.status, "no_recent_synthesis");
        assert_eq!(c.latest_synthesis, Some(2004));
        assert_eq!(
            c.strength[1],
            StrengthCount {
                strength: "indicative".into(),
                count: 1
            }
        );
        assert_eq!(c.strength[3].count, 1);
        let c = cell(&m, "workforce_reform", "education");
        assert_eq!(
            (c.completed, c.ongoing, c.status.as_str()),
            (2, 1, "synthesised")
        );
        assert_eq!(
            c.strength[4],
            StrengthCount {
                strength: "not_assessed".into(),
                count: 1
            }
        );
        // Published after the as-of year: not there yet.
        assert_eq!(
            cell(&m, "leadership_succession", "education").status,
            "nothing"
        );
        // Only ongoing work still counts as studies.
        let c = cell(&m, "excellence", "health");
        assert_eq!(
            (c.completed, c.ongoing, c.status.as_str()),
            (0, 1, "no_recent_synthesis")
        );
        assert_eq!(cell(&m, "motivation", "youth").status, "nothing");
        assert_eq!(c.search_url, "/evidence?theme=excellence&sector=health");

        let csv = m.to_csv();
        assert_eq!(csv.lines().count(), 1 + 10 * 8);
        assert!(csv.contains("qualifications,Qualifications,early_years,Early years and childcare,2,0,0,1,0,1,0,2004,no_recent_synthesis,/evidence?theme=qualifications&sector=early_years"), "{csv}");
        let html = m.to_html();
        assert!(html.contains("<a href=\"/evidence?theme=workforce_reform&amp;sector=education\""));
        assert!(html.contains("Studies, no recent synthesis"));
        assert!(html.contains("<title>1 not assessed</title>"));
        assert_eq!(html.matches("<td").count(), 80);

        let by_outcome = GapMap::build(
            &items,
            &entries,
            &GapOptions {
                columns: Columns::Outcome,
                ..opts
            },
        );
        assert_eq!(by_outcome.columns.len(), 5);
        assert!(
            by_outcome
                .cells
                .iter()
                .flatten()
                .all(|c| c.status == "nothing")
        );
    }
}
