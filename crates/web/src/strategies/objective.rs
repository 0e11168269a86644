//! An objective's page: its status, owner and indicator in words, a chart of the series
//! (the area, England, comparable areas, the trajectory and where the current trend
//! leads) with the same figures in a table, its milestones and the trend in a sentence.

use askama::Template;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use observatory_domain::charts::{Dated, Look, Series};
use observatory_domain::{Unit, codes, long_date};
use observatory_service::strategy::series::{
    self, Comparison, Indicator, ObjectiveView, SeriesPoint,
};
use observatory_service::{Actor, policy};
use std::sync::Arc;

use super::{row, shown};
use crate::auth::Viewer;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;

/// A row of the series table.
struct SeriesRow {
    date: String,
    area: String,
    england: String,
    neighbours: String,
    trajectory: String,
}

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
}

/// A figure as the page writes it: "c" when suppressed, with its interval when it has one.
fn cell(p: Option<&SeriesPoint>, unit: Unit) -> String {
    match p {
        None => String::new(),
        Some(p) if p.suppressed => "c".into(),
        Some(SeriesPoint {
            value: Some(v),
            interval: Some([lo, hi]),
            ..
        }) => format!(
            "{} ({} to {})",
            unit.format(*v),
            unit.format(*lo),
            unit.format(*hi)
        ),
        Some(p) => p.value.map(|v| unit.format(v)).unwrap_or_default(),
    }
}

/// The indicator in words: the measure's label and its filters as names, not codes.
pub fn in_words(indicator: &Indicator) -> String {
    match indicator {
        Indicator::Recorded { .. } => "Recorded by hand, with its source".into(),
        Indicator::Bound { measure, filters } => {
            let mut s = codes().measure_label(measure);
            let named: Vec<String> = filters
                .iter()
                .filter_map(|f| f.split_once('='))
                .map(|(k, v)| {
                    let (k, v) = (k.trim(), v.trim());
                    format!(
                        "{}: {}",
                        observatory_domain::Codes::heading_of(k),
                        codes().label_of(k, v)
                    )
                })
                .collect();
            if !named.is_empty() {
                s.push_str(&format!(" ({})", named.join("; ")));
            }
            s
        }
    }
}

fn dated(points: &[SeriesPoint]) -> Vec<Dated> {
    points
        .iter()
        .map(|p| Dated {
            date: p.date,
            value: p.value,
            suppressed: p.suppressed,
        })
        .collect()
}

/// The chart's series: the area (or areas), England and neighbours where shown, the
/// trajectory and the trend's projection.
fn chart(v: &ObjectiveView, place: &str) -> String {
    let o = &v.objective;
    let mut series = vec![Series {
        label: place.to_string(),
        look: Look::Area,
        points: dated(&v.series),
    }];
    if let Comparison::Shown(p) = &v.england {
        series.push(Series {
            label: "England".into(),
            look: Look::England,
            points: dated(p),
        });
    }
    if let Comparison::Shown(p) = &v.neighbours {
        series.push(Series {
            label: "Statistical neighbours".into(),
            look: Look::Neighbours,
            points: dated(p),
        });
    }
    series.push(Series {
        label: "Trajectory: baseline and milestones".into(),
        look: Look::Trajectory,
        points: std::iter::once(&o.baseline)
            .chain(&o.milestones)
            .map(|p| Dated {
                date: p.date,
                value: Some(p.value),
                suppressed: false,
            })
            .collect(),
    });
    if let (Some(t), Some(last)) = (&v.trend, v.series.iter().rev().find(|p| p.value.is_some())) {
        series.push(Series {
            label: "On the current trend".into(),
            look: Look::Trend,
            points: vec![
                Dated {
                    date: last.date,
                    value: last.value,
                    suppressed: false,
                },
                Dated {
                    date: t.date,
                    value: Some(t.value),
                    suppressed: false,
                },
            ],
        });
    }
    observatory_domain::charts::lines("objective-chart", &o.title, &series, v.unit)
}

/// The table: every census date of the series and every trajectory date, in order.
fn rows(v: &ObjectiveView) -> Vec<SeriesRow> {
    let o = &v.objective;
    let mut dates: Vec<NaiveDate> = v
        .series
        .iter()
        .map(|p| p.date)
        .chain(std::iter::once(o.baseline.date))
        .chain(o.milestones.iter().map(|m| m.date))
        .collect();
    dates.sort();
    dates.dedup();
    let at = |points: Option<&[SeriesPoint]>, d: NaiveDate| {
        cell(points.and_then(|p| p.iter().find(|p| p.date == d)), v.unit)
    };
    dates
        .into_iter()
        .map(|d| SeriesRow {
            date: long_date(d),
            area: at(Some(&v.series), d),
            england: at(v.england.points(), d),
            neighbours: at(v.neighbours.points(), d),
            trajectory: if d >= o.baseline.date {
                v.unit.format(o.trajectory(d))
            } else {
                String::new()
            },
        })
        .collect()
}

/// The areas by name ("Central Bedfordshire, Luton").
pub fn place(areas: &[String]) -> String {
    areas
        .iter()
        .map(|a| codes().area_name(a))
        .collect::<Vec<_>>()
        .join(", ")
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
    let today = chrono::Local::now().date_naive();
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
    let trend = match &view.trend {
        Some(t) => format!(
            "On the current trend: {} by {}{}. This is a straight line through the {} figures observed so far, not a forecast.",
            view.unit.format(t.value),
            long_date(t.date),
            if t.reaches_target {
                ", reaching the target"
            } else {
                ", short of the target"
            },
            t.trend.points
        ),
        None => "There are not yet two figures to draw a trend through (suppressed figures do not count).".into(),
    };
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
    })
}
