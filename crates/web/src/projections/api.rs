//! Projections in the API: a scenario file (TOML) projected on the census as it stands,
//! answered with the JSON `observatory project --format json` prints; the saved
//! scenarios, and a saved version's projection (reproduced from the figures stored with
//! it). The same service operations as the pages and the command line.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

use crate::api::ErrorBody;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;
use observatory_service::projections;
use observatory_service::{Actor, policy};

type ApiResult<T> = Result<Json<T>, ApiError>;

/// One year of a projection.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ProjectedYear {
    /// 0 is the census date the projection starts from.
    pub year: u32,
    /// YYYY-MM-DD.
    pub date: String,
    /// The deterministic stock and flow model at the point rates.
    pub supply: f64,
    /// The 5th percentile of the simulation runs.
    pub supply_low: f64,
    /// The 95th percentile of the simulation runs.
    pub supply_high: f64,
    /// Posts needed (absent without demand).
    pub demand: Option<f64>,
    /// Demand less supply.
    pub gap: Option<f64>,
    /// The entrants that would make the gap zero that year.
    pub entrants_needed: Option<f64>,
    /// The pay bill of the supply, pounds a year.
    pub cost: Option<f64>,
}

/// A projection: the JSON of `observatory project --format json`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ProjectionJson {
    /// The scenario's scope: where (filters), base, years, measure.
    #[schema(value_type = Object)]
    pub scope: serde_json::Value,
    pub years: Vec<ProjectedYear>,
    /// How wrong the model was on the censuses already known: `horizons` of
    /// `{years, mape, origins}` (empty when the history is too short).
    #[schema(value_type = Object)]
    pub backtest: serde_json::Value,
    /// The rates used: leaving by age band, entrants, their sources, runs and seed.
    #[schema(value_type = Object)]
    pub assumptions: serde_json::Value,
    /// What would close the gap (present with demand).
    #[schema(value_type = Option<Object>)]
    pub closing: Option<serde_json::Value>,
}

/// A saved scenario.
#[derive(Serialize, ToSchema)]
pub struct SavedScenario {
    pub id: String,
    pub name: String,
    /// What it projects, in words.
    pub projects: String,
    pub updated_at: String,
    pub updated_by: String,
}

#[derive(Deserialize)]
pub struct Which {
    version: Option<i64>,
}

fn json(p: &observatory_service::projections::Projected) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(&p.projection).map_err(|e| ApiError::from(anyhow::Error::from(e)))
}

/// Projects a scenario file (TOML, as `observatory project --scenario` reads) on the
/// census as it stands, without saving it. The same file and seed give the same JSON.
#[utoipa::path(post, path = "/api/projections", tag = "projections",
    request_body(content = String, content_type = "application/toml", description = "A scenario file (docs/projections.md)"),
    responses((status = 200, description = "The projection, as `observatory project --format json` prints it", body = ProjectionJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn project(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    body: String,
) -> ApiResult<serde_json::Value> {
    let a = Actor::from(&u);
    policy::may_project(a)?;
    let scenario = projections::read(&body)?;
    let p = projections::project(&state.db, &state.answers, a, &scenario).await?;
    Ok(Json(json(&p)?))
}

/// Every saved scenario.
#[utoipa::path(get, path = "/api/projections", tag = "projections",
    responses((status = 200, description = "The saved scenarios", body = Vec<SavedScenario>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
) -> ApiResult<Vec<SavedScenario>> {
    let list = projections::list_described(&state.db, Actor::from(&u)).await?;
    Ok(Json(
        list.into_iter()
            .map(|(s, projects)| SavedScenario {
                id: s.id,
                name: s.name,
                projects,
                updated_at: s.updated_at,
                updated_by: s.updated_by,
            })
            .collect(),
    ))
}

/// A saved scenario's projection (`version`: that version; default the latest),
/// reproduced exactly from the figures stored with it.
#[utoipa::path(get, path = "/api/projections/{id}", tag = "projections",
    params(("id" = String, Path, description = "The scenario's id"),
        ("version" = Option<i64>, Query, description = "A version number (default the latest)")),
    responses((status = 200, description = "The projection, as `observatory project show ID --format json` prints it", body = ProjectionJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn saved(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    Query(w): Query<Which>,
) -> ApiResult<serde_json::Value> {
    let s = projections::saved(&state.db, Actor::from(&u), &id, w.version).await?;
    Ok(Json(json(&s.projected)?))
}
