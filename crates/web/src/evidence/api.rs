//! The evidence library in the JSON API: search (the same query parameters as the
//! search page) and the gap map. Documented in the OpenAPI document with the rest.

use axum::Json;
use axum::extract::{Query, RawQuery, State};
use observatory_service::library::{GapMap, SearchResults};
use std::sync::Arc;

use super::gaps::GapQuery;
use crate::api::ErrorBody;
use crate::api::library::{GapMap as GapMapBody, SearchResults as SearchResultsBody};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Search the evidence library: `q` (words; quotes for a phrase, `-word` to leave out),
/// facet filters (`type`, `theme`, `sector`, `year`, `organisation`, `strength`,
/// `provision`, `geography`, `outcome`; repeat a facet for alternatives), `from` and
/// `to` (years), `sort` (relevance, newest, oldest), `page`, `per_page` (1 to 100).
/// Snippets and titles are HTML with matches in `<b>`, everything else escaped.
#[utoipa::path(get, path = "/api/evidence/search", tag = "evidence",
    params(
        ("q" = Option<String>, Query, description = "Words to look for"),
        ("theme" = Option<String>, Query, description = "A theme code or label; repeat for more (any of them)"),
        ("sort" = Option<String>, Query, description = "relevance (default), newest or oldest"),
        ("page" = Option<usize>, Query, description = "Page number, from 1"),
        ("per_page" = Option<usize>, Query, description = "Results a page, 1 to 100 (default 20)"),
    ),
    responses((status = 200, description = "total, hits (id, score, title, title_html, authors, organisation, year, item_type, strength, snippet_html, snippet_from), facets (per facet: value, label, count, selected), took_ms, did_you_mean (the words with any the library does not hold respelt, or null)", body = SearchResultsBody),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn search(
    State(state): State<Arc<AppState>>,
    ApiUser(_): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResults>, ApiError> {
    let r = super::search::request_of(raw.as_deref())?;
    Ok(Json(state.library().await?.search(&r).await?))
}

/// The evidence gap map: themes against workforce sectors (`columns=sector`, the
/// default) or outcomes for children (`columns=outcome`), as of a year (`as_of`).
#[utoipa::path(get, path = "/api/evidence/gaps", tag = "evidence",
    params(
        ("columns" = Option<String>, Query, description = "sector (default) or outcome"),
        ("as_of" = Option<i32>, Query, description = "The year the map is drawn as of (default this year)"),
    ),
    responses((status = 200, description = "columns_facet, as_of, recent_years, themes and columns (code, label), cells: one row per theme of cells (theme, column, completed, ongoing, strength counts, latest_synthesis, status: nothing, no_recent_synthesis or synthesised, search_url)", body = GapMapBody),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn gaps(
    State(state): State<Arc<AppState>>,
    ApiUser(_): ApiUser,
    Query(q): Query<GapQuery>,
) -> Result<Json<GapMap>, ApiError> {
    let opts = q.options().map_err(ApiError::bad)?;
    Ok(Json(state.library().await?.gap_map(&opts).await?))
}
