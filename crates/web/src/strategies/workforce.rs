//! A strategy's workforce data and data issues: the headline figures for its areas at
//! the latest census date, breakdowns by sector and against the community served, each
//! table downloadable as the explorer's downloads are, and how complete the returns
//! were and which figures are suppressed.

use askama::Template;
use axum::extract::{Path, State};
use observatory_domain::{Unit, long_date};
use observatory_service::strategy::workforce::{self, Block};
use observatory_service::{Actor, policy};
use std::sync::Arc;

use crate::auth::Viewer;
use crate::figures::Spec;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;

/// A headline figure as the page shows it.
struct Headline {
    label: String,
    value: String,
    why: String,
    link: String,
}

/// A breakdown: its title, the column headings, its rows and the query for its downloads.
struct Table {
    id: String,
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    link: String,
}

/// Returns at one census date.
struct ReturnsRow {
    date: String,
    expected: String,
    returned: String,
    rate: String,
}

#[derive(Template)]
#[template(path = "strategy_workforce.html")]
struct WorkforcePage {
    l: Layout,
    strategy_id: String,
    strategy_title: String,
    place: String,
    date: String,
    headlines: Vec<Headline>,
    tables: Vec<Table>,
    returns: Vec<ReturnsRow>,
    suppressed: Vec<String>,
}

fn text(v: Option<f64>, suppressed: bool, unit: Unit) -> String {
    match v {
        _ if suppressed => "c".into(),
        Some(v) => unit.format(v),
        None => "no figure".into(),
    }
}

/// The query behind a block, as the explorer and `/download` take it.
fn link(b: &Block, date: &str) -> String {
    Spec {
        measure: b.measure.clone(),
        by: if b.by.is_empty() {
            vec![]
        } else {
            vec![b.by.clone()]
        },
        filters: b.filters.clone(),
        dates: vec![date.to_string()],
        ..Default::default()
    }
    .url()
}

fn table(i: usize, b: &Block, date: &str) -> Table {
    let ratio = b.measure == "representation_ratio";
    let heading = observatory_domain::Codes::heading_of(&b.by);
    Table {
        id: format!("breakdown-{i}"),
        title: format!("{} by {}", b.label, heading.to_lowercase()),
        headers: if ratio {
            vec![
                heading,
                "Share of the workforce".into(),
                "Share of the population served".into(),
                b.label.clone(),
            ]
        } else {
            vec![heading, b.label.clone()]
        },
        rows: b
            .figures
            .iter()
            .map(|f| {
                let mut row = vec![f.label.clone()];
                if ratio {
                    row.push(text(f.numerator, f.suppressed, Unit::Percentage));
                    row.push(text(f.denominator, f.suppressed, Unit::Percentage));
                }
                row.push(text(f.value, f.suppressed, b.unit));
                row
            })
            .collect(),
        link: link(b, date),
    }
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    policy::may_use_strategies(&v.user)?;
    let w = workforce::section(&state.db, Actor::from(&v.user), &state.answers, &id).await?;
    let date_iso = w.date.map(|d| d.to_string()).unwrap_or_default();
    let place = observatory_service::strategy::series::place(&w.areas);
    html(&WorkforcePage {
        l: Layout::new(&state, &v, "Workforce data and data issues", "/strategies"),
        strategy_id: w.strategy_id.clone(),
        strategy_title: w.strategy_title.clone(),
        date: w.date.map(long_date).unwrap_or_default(),
        headlines: w
            .headlines
            .iter()
            .map(|b| {
                let f = b.figures.first();
                Headline {
                    label: b.label.clone(),
                    value: f
                        .map(|f| text(f.value, f.suppressed, b.unit))
                        .unwrap_or_else(|| "no figure".into()),
                    why: b.why.clone(),
                    link: link(b, &date_iso),
                }
            })
            .collect(),
        tables: w
            .breakdowns
            .iter()
            .enumerate()
            .map(|(i, b)| table(i, b, &date_iso))
            .collect(),
        returns: w
            .returns
            .iter()
            .map(|r| ReturnsRow {
                date: long_date(r.date),
                expected: r.expected.to_string(),
                returned: format!("{} of {} expected", r.returned_expected, r.expected)
                    + &if r.returned > r.returned_expected {
                        format!(" (and {} more)", r.returned - r.returned_expected)
                    } else {
                        String::new()
                    },
                rate: r
                    .response_rate
                    .map(|x| Unit::Percentage.format(x))
                    .unwrap_or_else(|| "none expected".into()),
            })
            .collect(),
        suppressed: w.suppressed.clone(),
        place,
    })
}
