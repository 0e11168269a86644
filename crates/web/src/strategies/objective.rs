//! An objective's page: its status, owner and indicator in words, a chart of the series
//! (the area, England, comparable areas, the trajectory and where the current trend
//! leads) with the same figures in a table, its milestones and the trend in a sentence.

use askama::Template;
use axum::extract::{Path, State};
use observatory_domain::long_date;
use observatory_service::strategy::series::{
    self, Comparison, SeriesRow, chart, in_words, place, rows, trend_sentence,
};
use observatory_service::{Actor, policy};
use std::sync::Arc;

use super::{row, shown};
use crate::auth::Viewer;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "strategy_objective.html")]
struct ObjectivePage {
    l: Layout,
    strategy_id: String,
    strategy_title: String,
    /// The status row the strategy page shows (status, tag, value, milestones).
    status: super::Row,
    indicator: String,
    place: String,
    chart: String,
    rows: Vec<SeriesRow>,
    england_note: String,
    neighbours_note: String,
    sources: Vec<(String, String, String)>,
    trend: String,
    milestones: Vec<(String, String)>,
    /// The attached projection scenario's forecast: (id, name, sentence, status label,
    /// tag class); the status is empty when none is implied.
    forecast: Option<(String, String, String, String, String)>,
}

fn note(c: &Comparison) -> String {
    match c {
        Comparison::Shown(_) => String::new(),
        Comparison::Withheld(why) => why.clone(),
    }
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path((id, oid)): Path<(String, String)>,
) -> PageResult {
    policy::may_use_strategies(&v.user)?;
    let today = observatory_domain::uk_today();
    let view = series::objective(
        &state.db,
        Actor::from(&v.user),
        &state.answers,
        &id,
        &oid,
        today,
    )
    .await?;
    let place = place(&view.areas);
    let o = &view.objective;
    let forecast =
        observatory_service::strategy::forecast::forecast(&state.db, Actor::from(&v.user), o)
            .await?
            .map(|f| {
                let (label, tag) = f
                    .status
                    .map(|s| (s.label().to_string(), super::tag(s).to_string()))
                    .unwrap_or_default();
                (f.scenario_id, f.scenario_name, f.sentence, label, tag)
            });
    let trend = trend_sentence(&view);
    let status = row(
        &observatory_service::strategy::ObjectiveStatus {
            objective: o.clone(),
            judgement: view.judgement.clone(),
        },
        &v.user.email,
    );
    html(&ObjectivePage {
        l: Layout::new(&state, &v, &o.title, "/strategies"),
        strategy_id: view.strategy_id.clone(),
        strategy_title: view.strategy_title.clone(),
        status,
        indicator: in_words(&o.indicator),
        chart: chart(&view, &place),
        rows: rows(&view),
        england_note: note(&view.england),
        neighbours_note: note(&view.neighbours),
        sources: view
            .recorded
            .iter()
            .map(|r| (long_date(r.date), shown(None, r.value), r.source.clone()))
            .collect(),
        trend,
        milestones: std::iter::once(("Baseline", "on", &o.baseline))
            .chain(o.milestones.iter().map(|m| ("Milestone", "by", m)))
            .map(|(k, on, p)| {
                let at = format!("{} {on} {}", view.unit.format(p.value), long_date(p.date));
                (k.to_string(), at)
            })
            .collect(),
        place,
        forecast,
    })
}
