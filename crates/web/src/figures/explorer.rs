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
use observatory_service::answers::MOBILITY;
use observatory_service::query::{breakdown_names, measure_names};
use observatory_service::returns;

#[derive(Template)]
#[template(path = "explorer.html")]
struct Explorer {
    l: Layout,
    measures: Vec<Choice>,
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
            let title = format!(
                "{}{} at {}",
                spec.measure,
                if r.by.is_empty() {
                    String::new()
                } else {
                    format!(" by {}", r.by.join(", "))
                },
                dates
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
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
        measures: measure_names()
            .iter()
            .map(String::as_str)
            .chain([MOBILITY])
            .map(|m| (m.to_string(), m.replace('_', " "), m == spec.measure))
            .collect(),
        breakdowns: breakdown_names()
            .iter()
            .map(|b| {
                (
                    b.to_string(),
                    b.replace('_', " "),
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
