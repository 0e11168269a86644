//! The strategies pages: the local workforce strategies a person may see, and each
//! objective's status judged from the census (achieved, on track, at risk, off track, not
//! enough data), with its value, trajectory and milestones. Strategies are imported with
//! `observatory strategy import`; editing them here is still to come.

use askama::Template;
use axum::extract::{Path, State};
use observatory_domain::{codes, long_date};
use observatory_service::strategy::{self, ObjectiveStatus, Status};
use observatory_service::{Actor, policy};
use std::sync::Arc;

use crate::auth::Viewer;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;

pub mod objective;
pub mod workforce;

/// A strategy in the list.
struct Listed {
    id: String,
    title: String,
    areas: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "strategies.html")]
struct ListPage {
    l: Layout,
    strategies: Vec<Listed>,
}

pub async fn list(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    policy::may_use_dashboard(&v.user)?;
    let strategies = strategy::list(&state.db, Actor::from(&v.user))
        .await?
        .into_iter()
        .map(|(s, areas)| Listed {
            id: s.id,
            title: s.title,
            areas: areas
                .iter()
                .map(|a| codes().area_name(a))
                .collect::<Vec<_>>()
                .join(", "),
            updated: crate::pages::uk_time(&s.updated_at),
        })
        .collect();
    html(&ListPage {
        l: Layout::new(&state, &v, "Strategies", "/strategies"),
        strategies,
    })
}

/// One objective as the page shows it.
struct Row {
    id: String,
    title: String,
    owner: String,
    status: &'static str,
    tag: &'static str,
    stale: bool,
    value: String,
    observed: String,
    trajectory: String,
    milestones: String,
}

#[derive(Template)]
#[template(path = "strategy.html")]
struct StrategyPage {
    l: Layout,
    id: String,
    rows: Vec<Row>,
}

/// A value as a percentage when it is a share, else as it is.
fn shown(v: f64) -> String {
    if (0.0..=1.0).contains(&v) {
        format!("{:.1}%", v * 100.0)
    } else {
        format!("{v:.2}")
    }
}

fn row(s: &ObjectiveStatus) -> Row {
    let (o, j) = (&s.objective, &s.judgement);
    Row {
        id: o.id.clone(),
        title: o.title.clone(),
        owner: o.owner.clone(),
        status: j.status.label(),
        tag: match j.status {
            Status::Achieved => "govuk-tag--green",
            Status::OnTrack => "govuk-tag--blue",
            Status::AtRisk => "govuk-tag--yellow",
            Status::OffTrack => "govuk-tag--red",
            Status::NotEnoughData => "govuk-tag--grey",
        },
        stale: j.stale,
        value: j.value.map(shown).unwrap_or_else(|| "c".into()),
        observed: j.observed_at.map(long_date).unwrap_or_default(),
        trajectory: j.trajectory.map(shown).unwrap_or_default(),
        milestones: std::iter::once(&o.baseline)
            .chain(&o.milestones)
            .map(|p| format!("{} by {}", shown(p.value), long_date(p.date)))
            .collect::<Vec<_>>()
            .join(", then "),
    }
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    policy::may_use_dashboard(&v.user)?;
    let today = chrono::Local::now().date_naive();
    let (title, list) =
        strategy::status(&state.db, Actor::from(&v.user), &state.answers, &id, today).await?;
    html(&StrategyPage {
        l: Layout::new(&state, &v, &title, "/strategies"),
        id: id.clone(),
        rows: list.iter().map(row).collect(),
    })
}
