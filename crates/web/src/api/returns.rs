//! Returns in the API: submit one (the upload page's one workflow), read submissions and
//! their validation reports, follow an area's returns (the tracker) and approve or reopen
//! them, each scoped as its page is.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

use super::{ApiResult, ErrorBody};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::submit::{readable_submission, receive, submit_return};
use crate::tracker::chosen_date;
use observatory_service::{policy, returns};

/// One problem found in a return, located as its sender sees it.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// error or warning.
    pub severity: String,
    pub file: String,
    pub sheet: Option<String>,
    /// The row, the header being row 1.
    pub row: Option<u64>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

/// A validation report: every problem, and how many errors were counted but not listed.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub omitted_errors: u64,
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
    pub report: Report,
}

fn submission_body(s: &returns::Submission) -> Result<SubmissionBody, ApiError> {
    // The report's own serialisation is the body's (the same JSON as before).
    let report = serde_json::to_value(returns::report(s))
        .and_then(serde_json::from_value)
        .map_err(anyhow::Error::from)?;
    Ok(SubmissionBody {
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
        report,
    })
}

/// Who approved a return and when.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Approval {
    pub approved_by: String,
    pub approved_at: String,
}

/// One employer in the returns tracker.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct EmployerReturn {
    pub employer_id: String,
    pub employer_name: Option<String>,
    pub area_code: Option<String>,
    /// Expected: returned at the census before, or registered by hand.
    pub expected: bool,
    pub returned: bool,
    pub submitted_at: Option<String>,
    pub posts: Option<i64>,
    pub warnings: Option<i64>,
    /// Null until an area planner approves the return.
    #[schema(required = true)]
    pub approved: Option<Approval>,
}

/// The returns tracker of an area at a census date.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ReturnsStatus {
    pub census_date: String,
    pub area: String,
    pub expected: u64,
    pub returned: u64,
    /// Expected employers that have returned.
    pub returned_of_expected: u64,
    /// returned_of_expected / expected; null when none is expected.
    #[schema(required = true)]
    pub response_rate: Option<f64>,
    pub employers: Vec<EmployerReturn>,
}

#[derive(Deserialize)]
pub struct StatusParams {
    census_date: Option<String>,
    area: Option<String>,
}

/// Returns tracker of an area: expected employers, who returned, approvals.
#[utoipa::path(get, path = "/api/returns/status", tag = "returns",
    params(("census_date" = Option<String>, Query, description = "default the latest"),
           ("area" = String, Query, description = "area code (GSS)")),
    responses((status = 200, description = "The area's returns at the census date", body = ReturnsStatus),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn status(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Query(p): Query<StatusParams>,
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
pub struct SubmitParams {
    employer: String,
    census_date: String,
}

/// Submit a return: multipart form with the file in field `file` (.xlsx, .ods or .zip).
/// 201 when accepted and stored, 422 with the report when it has errors.
#[utoipa::path(post, path = "/api/returns", tag = "returns",
    params(("employer" = String, Query, description = "The employer's id"),
           ("census_date" = String, Query, description = "YYYY-MM-DD")),
    request_body(content_type = "multipart/form-data", description = "field `file`: the return"),
    responses((status = 201, description = "Accepted and stored, with its report (warnings only)", body = SubmissionBody),
        (status = 422, body = SubmissionBody),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn submit(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Query(p): Query<SubmitParams>,
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
    Ok((status, Json(submission_body(&s)?)))
}

/// One submission and its validation report (employer users of that employer).
#[utoipa::path(get, path = "/api/submissions/{id}", tag = "returns",
    params(("id" = i64, Path, description = "The submission's number")),
    responses((status = 200, description = "The submission and its report", body = SubmissionBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn submission(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<SubmissionBody> {
    let s = readable_submission(&state, &u, id).await?;
    Ok(Json(submission_body(&s)?))
}

#[derive(Deserialize)]
pub struct EmployerParam {
    employer: String,
}

/// An employer's submissions, newest first (employer users of that employer).
#[utoipa::path(get, path = "/api/submissions", tag = "returns",
    params(("employer" = String, Query, description = "The employer's id")),
    responses((status = 200, description = "The employer's submissions, newest first", body = Vec<SubmissionBody>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn submissions(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Query(p): Query<EmployerParam>,
) -> ApiResult<Vec<SubmissionBody>> {
    if !policy::may_submit_for(&u, &p.employer) {
        return Err(ApiError::forbidden(format!(
            "you cannot see the submissions of employer {}",
            p.employer
        )));
    }
    let list = returns::submissions(&state.db, (&u).into(), &p.employer).await?;
    Ok(Json(
        list.iter().map(submission_body).collect::<Result<_, _>>()?,
    ))
}

/// A return approved or reopened.
#[derive(Serialize, ToSchema)]
pub struct ApprovalChange {
    pub employer: String,
    pub census_date: String,
    pub approved: bool,
}

async fn set_approval(
    state: &AppState,
    u: &observatory_service::policy::User,
    employer: String,
    date: String,
    approve: bool,
) -> ApiResult<ApprovalChange> {
    returns::set_approval(&state.db, u, &employer, &date, approve).await?;
    Ok(Json(ApprovalChange {
        employer,
        census_date: date,
        approved: approve,
    }))
}

/// Approve a return (area planners of the employer's area); it is then locked.
#[utoipa::path(post, path = "/api/returns/{employer}/{census_date}/approve", tag = "returns",
    params(("employer" = String, Path, description = "The employer's id"),
           ("census_date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, description = "Approved", body = ApprovalChange),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn approve(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Path((employer, date)): Path<(String, String)>,
) -> ApiResult<ApprovalChange> {
    set_approval(&state, &u, employer, date, true).await
}

/// Reopen an approved return so it can be replaced.
#[utoipa::path(post, path = "/api/returns/{employer}/{census_date}/reopen", tag = "returns",
    params(("employer" = String, Path, description = "The employer's id"),
           ("census_date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, description = "Reopened", body = ApprovalChange),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reopen(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Path((employer, date)): Path<(String, String)>,
) -> ApiResult<ApprovalChange> {
    set_approval(&state, &u, employer, date, false).await
}
