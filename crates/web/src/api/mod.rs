//! The JSON API: everything the pages do, for other systems, with token authentication
//! (`Authorization: Bearer TOKEN`), the same scoping and disclosure control as the pages
//! (there is no way to ask for unsuppressed figures across organisations), errors as
//! `{"error": "..."}` with the right status, and its OpenAPI document at
//! `/api/openapi.json`. The query answer is the command line's contract JSON.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::evidence::api as evidence_api;
use crate::figures::{Spec, answer};
use crate::state::AppState;
use crate::submit::{readable_submission, receive, submit_return};
use crate::tracker::chosen_date;
use observatory_service::{policy, returns};

type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(OpenApi)]
#[openapi(info(
    title = "Children's Workforce Observatory API",
    description = "Submit census returns, read their validation reports, query any measure (the same JSON as `observatory query --format json`), follow returns, and search the evidence library and its gap map. Authenticate with an API token: `Authorization: Bearer TOKEN`. Errors are `{\"error\": \"...\"}`. Figures across organisations are always suppressed below the disclosure threshold."
))]
struct ApiDoc;

/// An error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What is wrong, in a plain sentence.
    pub error: String,
}

/// Who the token belongs to and what they may see.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub email: String,
    /// admin, analyst, planner or employer.
    pub role: String,
    pub areas: Vec<String>,
    pub employers: Vec<String>,
}

/// One submission of a return and its validation report.
#[derive(Serialize, ToSchema)]
pub struct SubmissionBody {
    pub id: i64,
    pub employer: String,
    pub census_date: String,
    pub submitted_at: String,
    pub submitted_by: String,
    pub file: String,
    /// Stored (no errors).
    pub accepted: bool,
    pub return_id: Option<i64>,
    pub errors: i64,
    pub warnings: i64,
    /// Every problem: severity, file, sheet, row, column, value, message.
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

fn submission_body(s: &observatory_service::returns::Submission) -> SubmissionBody {
    let report = observatory_service::returns::report(s);
    SubmissionBody {
        id: s.id,
        employer: s.employer_id.clone(),
        census_date: s.census_date.clone(),
        submitted_at: s.submitted_at.clone(),
        submitted_by: s.submitted_by.clone(),
        file: s.source.clone(),
        accepted: s.accepted,
        return_id: s.return_id,
        errors: s.errors,
        warnings: s.warnings,
        report: serde_json::to_value(&report).unwrap_or_default(),
    }
}

#[utoipa::path(get, path = "/api/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(ApiUser(u): ApiUser) -> ApiResult<Me> {
    Ok(Json(Me {
        email: u.email,
        role: u.role.as_str().into(),
        areas: u.areas,
        employers: u.employers,
    }))
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
    responses((status = 200, description = "The query contract JSON: measure, census_date, by, rows (value, numerator, denominator, suppressed)", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn query(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    RawQuery(raw): RawQuery,
) -> ApiResult<serde_json::Value> {
    let spec = Spec::parse(raw.as_deref()).map_err(ApiError::bad)?;
    Ok(Json(answer(&state, &u, &spec).await?.to_json()))
}

#[derive(Deserialize)]
struct StatusParams {
    census_date: Option<String>,
    area: Option<String>,
}

/// Returns tracker of an area: expected employers, who returned, approvals.
#[utoipa::path(get, path = "/api/returns/status", tag = "returns",
    params(("census_date" = Option<String>, Query, description = "default the latest"),
           ("area" = String, Query, description = "area code (GSS)")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn returns_status(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    axum::extract::Query(p): axum::extract::Query<StatusParams>,
) -> ApiResult<serde_json::Value> {
    let area = p
        .area
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::bad("give the area, e.g. area=E06000056"))?;
    if !policy::may_track(&u, &area) {
        return Err(ApiError::forbidden(format!(
            "you cannot see the returns of area {area}"
        )));
    }
    let (date, _) = chosen_date(&state, p.census_date.as_deref()).await?;
    let status = returns::status(&state.db, (&u).into(), date, &area).await?;
    Ok(Json(status.to_json()))
}

#[derive(Deserialize)]
struct SubmitParams {
    employer: String,
    census_date: String,
}

/// Submit a return: multipart form with the file in field `file` (.xlsx, .ods or .zip).
/// 201 when accepted and stored, 422 with the report when it has errors.
#[utoipa::path(post, path = "/api/returns", tag = "returns",
    params(("employer" = String, Query), ("census_date" = String, Query)),
    request_body(content_type = "multipart/form-data", description = "field `file`: the return"),
    responses((status = 201, body = SubmissionBody), (status = 422, body = SubmissionBody),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn submit(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    axum::extract::Query(p): axum::extract::Query<SubmitParams>,
    mp: Multipart,
) -> Result<(StatusCode, Json<SubmissionBody>), ApiError> {
    if !policy::may_submit_for(&u, &p.employer) {
        return Err(ApiError::forbidden(format!(
            "you cannot submit returns for employer {}",
            p.employer
        )));
    }
    let root = state.config.upload_root(state.db.location());
    let up = receive(mp, &root, state.config.max_upload_mb * 1024 * 1024, None).await?;
    let Some((_dir, path)) = up.file else {
        return Err(ApiError::bad(
            "send the return as multipart form field `file`",
        ));
    };
    let s = submit_return(&state, &u, &p.employer, &p.census_date, path).await?;
    let status = if s.accepted {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(submission_body(&s))))
}

/// One submission and its validation report (employer users of that employer).
#[utoipa::path(get, path = "/api/submissions/{id}", tag = "returns",
    params(("id" = i64, Path)),
    responses((status = 200, body = SubmissionBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn submission(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<SubmissionBody> {
    let s = readable_submission(&state, &u, id).await?;
    Ok(Json(submission_body(&s)))
}

#[derive(Deserialize)]
struct EmployerParam {
    employer: String,
}

/// An employer's submissions, newest first (employer users of that employer).
#[utoipa::path(get, path = "/api/submissions", tag = "returns",
    params(("employer" = String, Query)),
    responses((status = 200, body = Vec<SubmissionBody>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn submissions(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    axum::extract::Query(p): axum::extract::Query<EmployerParam>,
) -> ApiResult<Vec<SubmissionBody>> {
    if !policy::may_submit_for(&u, &p.employer) {
        return Err(ApiError::forbidden(format!(
            "you cannot see the submissions of employer {}",
            p.employer
        )));
    }
    let list = returns::submissions(&state.db, (&u).into(), &p.employer).await?;
    Ok(Json(list.iter().map(submission_body).collect()))
}

/// Approve a return (area planners of the employer's area); it is then locked.
#[utoipa::path(post, path = "/api/returns/{employer}/{census_date}/approve", tag = "returns",
    params(("employer" = String, Path), ("census_date" = String, Path)),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn approve(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Path((employer, date)): Path<(String, String)>,
) -> ApiResult<serde_json::Value> {
    returns::set_approval(&state.db, &u, &employer, &date, true).await?;
    Ok(Json(
        serde_json::json!({"employer": employer, "census_date": date, "approved": true}),
    ))
}

/// Reopen an approved return so it can be replaced.
#[utoipa::path(post, path = "/api/returns/{employer}/{census_date}/reopen", tag = "returns",
    params(("employer" = String, Path), ("census_date" = String, Path)),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reopen(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Path((employer, date)): Path<(String, String)>,
) -> ApiResult<serde_json::Value> {
    returns::set_approval(&state.db, &u, &employer, &date, false).await?;
    Ok(Json(
        serde_json::json!({"employer": employer, "census_date": date, "approved": false}),
    ))
}

async fn not_found() -> ApiError {
    ApiError::not_found("there is no such API endpoint; see /api/openapi.json")
}

/// The API routes and `/api/openapi.json`.
pub fn router(upload_limit: usize) -> axum::Router<Arc<AppState>> {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me))
        .routes(routes!(query))
        .routes(routes!(returns_status))
        .routes(routes!(submit))
        .routes(routes!(submissions))
        .routes(routes!(submission))
        .routes(routes!(approve))
        .routes(routes!(reopen))
        .routes(routes!(evidence_api::search))
        .routes(routes!(evidence_api::gaps))
        .split_for_parts();
    let doc = Arc::new(doc);
    router
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/api/{*rest}", axum::routing::any(not_found))
        .layer(DefaultBodyLimit::max(upload_limit))
}
