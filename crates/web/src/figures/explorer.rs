//! The explorer: any measure over any breakdowns and filters, with a shareable URL, the
//! chart and table of its answer, and how complete the returns behind it are.

use askama::Template;
use axum::extract::{RawQuery, State};
use std::sync::Arc;

use super::{Choice, date_choices};
use super::{Figure, Spec, answer, figure};
use crate::auth::Viewer;
use crate::error::PageError;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;
use observatory_domain::{Codes, codes, long_date};
use observatory_service::answers::MOBILITY;
use observatory_service::query::{breakdown_names, measure_names};
use observatory_service::returns;

#[derive(Template)]
#[template(path = "explorer.html")]
struct Explorer {
    l: Layout,
    /// The measures by theme: the theme, and its measures as choices.
    measures: Vec<(String, Vec<Choice>)>,
    /// What the chosen measure counts, in one line.
    description: String,
    breakdowns: Vec<Choice>,
    dates: Vec<Choice>,
    filters: String,
    /// Whether estimates for non-response are included.
    estimates: bool,
    figure: Option<Figure>,
    errors: Vec<(&'static str, String)>,
    /// How complete the answer's census dates are.
    completeness: Vec<String>,
}

pub async fn explorer(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let spec = Spec::parse(raw.as_deref()).map_err(PageError::bad)?;
    let all_dates = returns::census_dates(&state.db).await?;
    let mut complete = Vec::new();
    let (figure, errors) = match answer(&state, &v.user, &spec).await {
        Ok(a) => {
            complete = observatory_service::completeness::notes(&a.completeness);
            let (r, dates, t) = (&a.result, &a.dates, a.threshold());
            let title = title_of(&r.measure, &r.by, dates);
            (Some(figure("explorer", &title, &spec, r, t)), vec![])
        }
        // The asker's mistakes go beside the form; the service's own failures are an
        // error page with their reference.
        Err(PageError::Status(status, m)) if status.is_client_error() => {
            (None, vec![("measure", m)])
        }
        Err(e) => return Err(e),
    };
    let chosen_dates: Vec<String> = if spec.dates.is_empty() {
        all_dates
            .last()
            .map(|d| vec![d.to_string()])
            .unwrap_or_default()
    } else {
        spec.dates.clone()
    };
    html(&Explorer {
        l: Layout::new(&state, &v, "Explorer", "/explorer"),
        measures: measures_by_theme(&spec.measure),
        description: codes()
            .measure_info(&spec.measure)
            .map(|m| m.description)
            .unwrap_or_default(),
        breakdowns: breakdown_names()
            .iter()
            .map(|b| {
                (
                    b.to_string(),
                    Codes::heading_of(b),
                    spec.by.iter().any(|x| x == b),
                )
            })
            .collect(),
        dates: date_choices(&all_dates, &chosen_dates),
        filters: spec.filters.join("\n"),
        estimates: spec.estimates,
        figure,
        errors,
        completeness: complete,
    })
}

/// A figure's title in words: "Vacancy rate by workforce sector, 1 November 2025".
pub fn title_of(measure: &str, by: &[String], dates: &[chrono::NaiveDate]) -> String {
    let c = codes();
    let by: Vec<String> = by
        .iter()
        .map(|b| Codes::heading_of(b).to_lowercase())
        .collect();
    let dates: Vec<String> = dates.iter().map(|d| long_date(*d)).collect();
    format!(
        "{}{}, {}",
        c.measure_label(measure),
        if by.is_empty() {
            String::new()
        } else {
            format!(" by {}", by.join(" and "))
        },
        dates.join(", ")
    )
}

/// Every measure as a choice, grouped by theme in the order the themes first appear.
fn measures_by_theme(chosen: &str) -> Vec<(String, Vec<Choice>)> {
    let c = codes();
    let mut groups: Vec<(String, Vec<Choice>)> = Vec::new();
    for m in measure_names().iter().map(String::as_str).chain([MOBILITY]) {
        let (label, theme) = match c.measure_info(m) {
            Some(info) => (info.label, info.theme),
            None => (Codes::heading_of(m), "People's moves".to_string()),
        };
        let choice = (m.to_string(), label, m == chosen);
        match groups.iter_mut().find(|(t, _)| *t == theme) {
            Some((_, list)) => list.push(choice),
            None => groups.push((theme, vec![choice])),
        }
    }
    groups
}
