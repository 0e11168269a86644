//! The evidence gap map as a page (an accessible table: counts in words, status in
//! words and shading, every cell a link to its items) and as CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use observatory_service::library::{Cell, Columns, GapMap, GapOptions, status_label, taxonomy};
use serde::Deserialize;
use std::sync::Arc;

use super::layout;
use crate::auth::MaybeViewer;
use crate::error::PageError;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;

/// What the gap map page and its CSV take: `columns` (sector or outcome) and `as_of`.
#[derive(Deserialize, Default)]
pub struct GapQuery {
    #[serde(default)]
    pub columns: Option<String>,
    #[serde(default)]
    pub as_of: Option<String>,
}

impl GapQuery {
    pub fn options(&self) -> Result<GapOptions, String> {
        let columns = match self.columns.as_deref().unwrap_or("sector").trim() {
            "" | "sector" | "sectors" => Columns::Sector,
            "outcome" | "outcomes" => Columns::Outcome,
            c => return Err(format!("columns '{c}' is not sector or outcome")),
        };
        let mut o = GapOptions {
            columns,
            ..GapOptions::default()
        };
        if let Some(y) = self
            .as_of
            .as_deref()
            .map(str::trim)
            .filter(|y| !y.is_empty())
        {
            o.as_of = y
                .parse()
                .ok()
                .filter(|y| (1900..=2200).contains(y))
                .ok_or_else(|| format!("as_of '{y}' is not a year"))?;
        }
        Ok(o)
    }
}

/// One cell as the page shows it.
struct CellView {
    href: String,
    class: String,
    counts: String,
    strength: String,
    status: String,
    /// The census figures for the cell's theme in its sector (signed-in people, sector
    /// columns only).
    figures: Option<observatory_service::topics::Link>,
}

#[derive(Template)]
#[template(path = "evidence_gaps.html")]
struct GapPage {
    l: Layout,
    map: GapMap,
    by_outcome: bool,
    column_noun: String,
    rows: Vec<(String, Vec<CellView>)>,
    recent_from: i32,
    query: String,
}

/// Shade steps by completed items: none, 1-2, 3-5, 6 or more.
fn shade(n: u32) -> u8 {
    match n {
        0 => 0,
        1..=2 => 1,
        3..=5 => 2,
        _ => 3,
    }
}

fn cell_view(c: &Cell, with_figures: bool) -> CellView {
    let tax = taxonomy();
    let strength = c
        .strength
        .iter()
        .filter(|s| s.count > 0)
        .map(|s| {
            let label = if s.strength == "not_assessed" {
                "not assessed".to_string()
            } else {
                tax.strengths.label(&s.strength).to_lowercase()
            };
            format!("{} {label}", s.count)
        })
        .collect::<Vec<_>>()
        .join(", ");
    CellView {
        href: c.search_url.clone(),
        class: format!("app-gap--{} app-gap--n{}", c.status, shade(c.completed)),
        counts: format!("{} completed, {} ongoing", c.completed, c.ongoing),
        strength,
        status: status_label(&c.status).into(),
        figures: with_figures
            .then(|| observatory_service::topics::figures_for(&c.theme, Some(&c.column))),
    }
}

fn bad(e: String) -> PageError {
    PageError::bad(format!("This gap map cannot be drawn: {e}"))
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    MaybeViewer(v): MaybeViewer,
    Query(q): Query<GapQuery>,
) -> PageResult {
    let opts = q.options().map_err(bad)?;
    let map = state.library().await?.gap_map(&opts).await?;
    let by_outcome = opts.columns == Columns::Outcome;
    let with_figures = v.is_some() && !by_outcome;
    let rows = map
        .themes
        .iter()
        .zip(&map.cells)
        .map(|(t, row)| {
            let cells = row.iter().map(|c| cell_view(c, with_figures)).collect();
            (t.label.clone(), cells)
        })
        .collect();
    html(&GapPage {
        l: layout(&state, &v, "Evidence gap map"),
        column_noun: if by_outcome {
            "outcome for children"
        } else {
            "workforce sector"
        }
        .into(),
        by_outcome,
        rows,
        recent_from: map.as_of - map.recent_years + 1,
        query: format!("columns={}&as_of={}", opts.columns.facet(), map.as_of),
        map,
    })
}

pub async fn csv(State(state): State<Arc<AppState>>, Query(q): Query<GapQuery>) -> PageResult {
    let opts = q.options().map_err(bad)?;
    let map = state.library().await?.gap_map(&opts).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"evidence-gaps-{}-{}.csv\"",
                    opts.columns.facet(),
                    map.as_of
                ),
            ),
        ],
        map.to_csv(),
    )
        .into_response())
}
