//! The figures pages: the area and national dashboard ([`dashboard`]), the explorer (any
//! measure, breakdowns and filters, with a shareable URL; [`explorer`]), downloads as CSV
//! or XLSX, and the employer view (own figures against the area; [`employer`]). This
//! module holds what they share: the question as a URL gives it ([`Spec`]), one chart
//! with its table ([`Figure`]), and [`answer`], the service's one answer path, which
//! applies the role's scoping and disclosure control.

mod dashboard;
mod employer;
mod explorer;

pub use dashboard::{dashboard, set_neighbours};
pub use employer::employer_view;
pub use explorer::explorer;

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use observatory_domain::{Codes, codes};
use observatory_service::Answer;
use observatory_service::accounts::User;
use observatory_service::query::{ESTIMATE_NOTE, PERTURBED_NOTE, suppression_note};
use observatory_service::query::{MeasureKind, Query, QueryResult, ResultRow, Unit, measure_units};
use std::sync::Arc;

use crate::auth::Viewer;
use crate::charts::{self, Point};
use crate::error::PageError;
use crate::state::AppState;

/// A query as given in a URL: `measure`, `by` (repeated or comma separated), `where`
/// (repeated, or one per line, `DIM=VALUE`), `census_date` (repeated or comma separated;
/// default the latest).
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub measure: String,
    pub by: Vec<String>,
    pub filters: Vec<String>,
    pub dates: Vec<String>,
    pub format: String,
    /// Include estimates for non-response (`estimates=yes`).
    pub estimates: bool,
    /// The population profile representation_ratio compares with (`population=NAME`).
    pub population: Option<String>,
}

impl Spec {
    pub fn parse(raw: Option<&str>) -> Result<Spec, String> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| format!("the address cannot be read: {e}"))?;
        let mut s = Spec::default();
        let split = |v: &str, seps: &[char]| -> Vec<String> {
            v.split(seps)
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        };
        for (k, v) in pairs {
            match k.as_str() {
                "measure" => s.measure = v.trim().to_string(),
                "by" => s.by.extend(split(&v, &[','])),
                "where" => s.filters.extend(split(&v, &['\n', '\r'])),
                "area" if !v.trim().is_empty() => s.filters.push(format!("area={}", v.trim())),
                "census_date" => s.dates.extend(split(&v, &[','])),
                "format" => s.format = v,
                "estimates" => s.estimates = matches!(v.trim(), "yes" | "true" | "1" | "on"),
                "population" if !v.trim().is_empty() => s.population = Some(v.trim().to_string()),
                _ => {}
            }
        }
        if s.measure.is_empty() {
            s.measure = "posts".into();
        }
        Ok(s)
    }

    /// The question as the service takes it.
    pub fn ask(&self) -> observatory_service::Ask {
        observatory_service::Ask {
            measure: self.measure.clone(),
            by: self.by.clone(),
            filters: self.filters.clone(),
            dates: self.dates.clone(),
            estimates: self.estimates,
            population: self.population.clone(),
            ..Default::default()
        }
    }

    pub fn query(&self) -> Result<Query, String> {
        observatory_service::answers::question(&self.ask(), "where=").map_err(|e| e.to_string())
    }

    /// The query string that reproduces this spec (shareable, and for downloads).
    pub fn url(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("measure", self.measure.clone())];
        for b in &self.by {
            pairs.push(("by", b.clone()));
        }
        for f in &self.filters {
            pairs.push(("where", f.clone()));
        }
        for d in &self.dates {
            pairs.push(("census_date", d.clone()));
        }
        if self.estimates {
            pairs.push(("estimates", "yes".into()));
        }
        if let Some(p) = &self.population {
            pairs.push(("population", p.clone()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

/// Answer a query for `user` through the service's one answer path (its scope, its
/// protection, the answer cache, how complete the returns are).
pub async fn answer(state: &AppState, user: &User, spec: &Spec) -> Result<Answer, PageError> {
    Ok(state.answers.answer(&state.db, user, &spec.ask()).await?)
}

pub use observatory_service::answers::MOBILITY;

/// One chart with its table and downloads.
pub struct Figure {
    pub id: String,
    pub title: String,
    pub svg: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub note: String,
    pub link: String,
    /// What research says about what the figure measures, in its sector if it has one.
    pub evidence: Option<observatory_service::topics::Link>,
}

/// A row's keys in words ("Early years / Private"), for charts and tables.
fn key_labels(r: &QueryResult, row: &ResultRow) -> Vec<String> {
    let c = codes();
    r.by.iter()
        .zip(&row.keys)
        .map(|(b, k)| c.label_of(b, k))
        .collect()
}

fn labels(r: &QueryResult, i: usize) -> String {
    if r.by.is_empty() {
        "All".into()
    } else {
        key_labels(r, &r.rows[i]).join(" / ")
    }
}

/// The headings of the columns that show what a figure is made of, for measures that
/// divide one thing by another (None: a count, a sum or a statistic, whose value is all
/// there is to show).
fn parts_headings(r: &QueryResult, unit: Unit) -> Option<(&'static str, &'static str)> {
    match (r.kind, unit) {
        (_, Unit::Ratio) => Some(("Share in the group", "Share compared with")),
        (MeasureKind::Statistic, Unit::Percentage) => Some(("Difference", "Compared with")),
        (MeasureKind::Rate, _) => Some(("Counted", "Out of")),
        _ => None,
    }
}

/// Chart and table of a result: a line over census dates, else bars.
pub fn figure(
    id: &str,
    title: &str,
    spec: &Spec,
    r: &QueryResult,
    threshold: Option<u64>,
) -> Figure {
    let (unit, parts_unit) = measure_units(&r.measure).unwrap_or((Unit::Count, Unit::Count));
    let points: Vec<Point> = (0..r.rows.len())
        .map(|i| Point {
            label: labels(r, i),
            value: r.rows[i].value,
            suppressed: r.rows[i].suppressed,
            other: false,
        })
        .collect();
    let svg = if r.by.len() == 1 && r.by[0] == "census_date" {
        charts::line(id, title, &points, unit)
    } else {
        charts::bars(id, title, &points, unit)
    };
    let parts = parts_headings(r, unit);
    let mut headers: Vec<String> = r.by.iter().map(|b| Codes::heading_of(b)).collect();
    headers.push(unit.heading().into());
    if let Some((counted, out_of)) = parts {
        headers.extend([counted.to_string(), out_of.to_string()]);
    }
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let mut cells = key_labels(r, row);
            let columns = 1 + if parts.is_some() { 2 } else { 0 };
            if row.suppressed {
                cells.extend(std::iter::repeat_n("c".to_string(), columns));
            } else {
                let show =
                    |v: Option<f64>, unit: Unit| v.map(|v| unit.format(v)).unwrap_or_default();
                let value = show(row.value, unit);
                cells.push(if row.estimated {
                    format!("~{value}")
                } else {
                    value
                });
                if parts.is_some() {
                    cells.push(show(row.numerator, parts_unit));
                    cells.push(show(row.denominator, parts_unit));
                }
            }
            cells
        })
        .collect();
    let mut note = match threshold {
        Some(t) if r.rows.iter().any(|x| x.suppressed) => suppression_note(t),
        None => "Your own organisation's records: not suppressed. Do not publish them.".into(),
        _ => String::new(),
    };
    let mut add = |text: &str| {
        if !note.is_empty() {
            note.push(' ');
        }
        note.push_str(text);
    };
    if r.rows.iter().any(|row| row.estimated && !row.suppressed) {
        add(ESTIMATE_NOTE);
    }
    if r.perturbed {
        add(PERTURBED_NOTE);
    }
    let sector = spec
        .filters
        .iter()
        .find_map(|f| f.trim().strip_prefix("sector="))
        .filter(|s| !s.contains(['|', ',']));
    Figure {
        id: id.into(),
        title: title.into(),
        evidence: observatory_service::topics::evidence_on(&r.measure, sector),
        svg,
        headers,
        rows,
        note,
        link: spec.url(),
    }
}

/// The headline figures of the dashboard and the employer view.
pub const HEADLINES: &[&str] = &[
    "posts",
    "headcount",
    "fte",
    "vacancy_rate",
    "turnover_rate",
    "wastage_rate",
    "stability_rate",
    "agency_share",
    "age_55_plus_share",
];

pub struct Headline {
    /// The measure's label (data/codes/measures.csv).
    pub label: String,
    pub value: String,
    /// The figure it is compared with (the area's, beside an employer's own).
    pub other: String,
    /// The same figure at the census before ("" when there is none).
    pub before: String,
    /// The same figure over the area's statistical neighbours ("" when none are known).
    pub neighbours: String,
}

/// The single value of a one-row result, as shown.
pub fn single(r: &QueryResult) -> String {
    match r.rows.first() {
        None => "none".into(),
        Some(row) if row.suppressed => "c".into(),
        Some(row) => row
            .value
            .map(|v| {
                measure_units(&r.measure)
                    .map_or(Unit::Count, |(unit, _)| unit)
                    .format(v)
            })
            .unwrap_or_else(|| "no figure".into()),
    }
}

/// A choice in a form: value, label, chosen.
pub type Choice = (String, String, bool);

/// Areas as a form's choices: each area's code, its name, and whether it is `chosen`.
pub fn area_choices(areas: &[String], chosen: &str) -> Vec<Choice> {
    let c = codes();
    areas
        .iter()
        .map(|a| (a.clone(), c.area_name(a), a == chosen))
        .collect()
}

/// The census dates a panel asks about: with `series`, every date up to `date` (a line
/// over the years), else `date` alone.
pub fn panel_dates(
    series: bool,
    all: &[chrono::NaiveDate],
    date: chrono::NaiveDate,
) -> Vec<String> {
    if series {
        all.iter()
            .filter(|d| **d <= date)
            .map(|d| d.to_string())
            .collect()
    } else {
        vec![date.to_string()]
    }
}

/// Census dates as a form's choices, newest first, written as "1 November 2025".
pub fn date_choices(dates: &[chrono::NaiveDate], chosen: &[String]) -> Vec<Choice> {
    dates
        .iter()
        .rev()
        .map(|d| {
            let value = d.to_string();
            let on = chosen.contains(&value);
            (value, observatory_domain::long_date(*d), on)
        })
        .collect()
}

/// A query's table as CSV or XLSX, with the same scoping as the pages.
pub async fn download(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let spec = Spec::parse(raw.as_deref()).map_err(PageError::bad)?;
    let a = answer(&state, &v.user, &spec).await?;
    let table = a.to_table();
    let name = format!(
        "{}-{}",
        a.result.measure,
        a.dates.last().map(|d| d.to_string()).unwrap_or_default()
    );
    let (bytes, mime, ext) = match spec.format.as_str() {
        "xlsx" => (
            table.xlsx_bytes()?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => (table.csv()?, "text/csv; charset=utf-8", "csv"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip_through_urls() {
        let s = Spec::parse(Some(
            "measure=vacancy_rate&by=sector,employing_sector&where=area%3DE06000056%0Agender%3Dmale&census_date=2025-11-01",
        ))
        .unwrap();
        assert_eq!(s.by, ["sector", "employing_sector"]);
        assert_eq!(s.filters, ["area=E06000056", "gender=male"]);
        let again = Spec::parse(Some(&s.url())).unwrap();
        assert_eq!(again.by, s.by);
        assert_eq!(again.filters, s.filters);
        assert_eq!(again.dates, s.dates);
        assert!(Spec::parse(None).unwrap().query().is_ok());
        assert!(
            Spec::parse(Some("measure=nonsense"))
                .unwrap()
                .query()
                .is_err()
        );
        assert_eq!(charts::esc("<a>"), "&lt;a&gt;");
    }
}
