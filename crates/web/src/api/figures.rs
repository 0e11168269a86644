//! Figures in the API: any measure through the one answer path the pages use, answered
//! as the query contract's JSON (kept byte for byte as the command line writes it), with
//! the contract described here as typed bodies for the OpenAPI document and its clients.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;

use super::{ApiResult, ErrorBody};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::figures::{Spec, answer};
use crate::state::AppState;

/// One row of an answer: the row's value of each breakdown under the breakdown's name
/// (`"sector": "early_years"`), then its figure.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct QueryRow {
    /// The figure; null when suppressed.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// What the figure counts (a rate's numerator); null when suppressed.
    #[schema(required = true)]
    pub numerator: Option<f64>,
    /// What a rate or share divides by; null when suppressed or not a rate.
    #[schema(required = true)]
    pub denominator: Option<f64>,
    /// The figure is hidden to protect individuals.
    pub suppressed: bool,
    /// Present, and true, on rows that include estimates for non-response.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
    /// The row's breakdown values, keyed by breakdown name.
    #[serde(flatten)]
    pub keys: BTreeMap<String, String>,
}

/// One census date, or the dates of a series.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CensusDates {
    /// YYYY-MM-DD.
    One(String),
    /// YYYY-MM-DD each, oldest first.
    Many(Vec<String>),
}

/// A break in a series: the figures from this census date on do not compare with those
/// before.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SeriesBreak {
    pub census_date: String,
    pub reason: String,
}

/// The population profile a representation ratio was compared with.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ProfileUse {
    pub area: Option<String>,
    pub dimension: String,
    pub profile: Option<String>,
}

/// How complete the returns behind an answer are.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Completeness {
    pub census_date: String,
    /// The area counted (absent: every area).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    pub returns_stored: u64,
    pub returns_expected: u64,
}

/// Employers whose returns were carried forward from the census before (estimates for
/// non-response).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Estimate {
    pub census_date: String,
    pub carried_from: String,
    pub employers: Vec<String>,
}

/// The query contract's answer (the JSON of `observatory query --format json`).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct QueryAnswer {
    pub measure: String,
    pub census_date: CensusDates,
    /// The breakdowns, in the order of each row's keys.
    pub by: Vec<String>,
    pub rows: Vec<QueryRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series_breaks: Option<Vec<SeriesBreak>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population_profiles: Option<Vec<ProfileUse>>,
    /// Present, and true, when figures were perturbed by the cell key method.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub perturbed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completeness: Option<Vec<Completeness>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimates: Option<Vec<Estimate>>,
}

/// Any measure over any breakdowns and filters: `measure`, `by` (comma separated or
/// repeated), `where` (DIM=VALUE, repeated), `census_date` (comma separated or repeated;
/// default the latest). The answer is the query contract's JSON.
#[utoipa::path(get, path = "/api/query", tag = "figures",
    params(
        ("measure" = String, Query, description = "A measure name, e.g. vacancy_rate"),
        ("by" = Option<String>, Query, description = "Breakdowns, comma separated"),
        ("where" = Option<String>, Query, description = "A filter DIM=VALUE; repeat for more"),
        ("census_date" = Option<String>, Query, description = "YYYY-MM-DD, comma separated for a series"),
        ("estimates" = Option<String>, Query, description = "yes: include estimates for non-response (employers that returned at the census before are carried forward; rows they touch have \"estimated\": true)"),
        ("population" = Option<String>, Query, description = "The population profile representation_ratio compares with (default england_2021)"),
    ),
    responses((status = 200, description = "The query contract JSON: measure, census_date, by, rows (value, numerator, denominator, suppressed)", body = QueryAnswer),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn query(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<serde_json::Value> {
    let spec = Spec::parse(raw.as_deref()).map_err(ApiError::bad)?;
    Ok(Json(answer(&state, &u, &spec).await?.to_json()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_reads_into_its_typed_body_and_back_unchanged() {
        let contract = serde_json::json!({
            "measure": "vacancy_rate", "census_date": ["2024-11-01", "2025-11-01"],
            "by": ["census_date", "sector"],
            "rows": [
                {"census_date": "2024-11-01", "sector": "early_years", "value": 0.5,
                 "numerator": 2.0, "denominator": 4.0, "suppressed": false, "estimated": true},
                {"census_date": "2025-11-01", "sector": "early_years", "value": null,
                 "numerator": null, "denominator": null, "suppressed": true}
            ],
            "perturbed": true,
            "completeness": [{"census_date": "2025-11-01", "returns_stored": 3, "returns_expected": 4}]
        });
        let typed: QueryAnswer = serde_json::from_value(contract.clone()).unwrap();
        assert_eq!(typed.rows[0].keys["sector"], "early_years");
        assert!(matches!(typed.census_date, CensusDates::Many(ref d) if d.len() == 2));
        assert_eq!(serde_json::to_value(&typed).unwrap(), contract);
    }
}
