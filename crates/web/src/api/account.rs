//! Who the token belongs to: the one account endpoint (tokens themselves are made and
//! revoked on the account pages, with a session, never with a token).

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiResult, ErrorBody};
use crate::auth::ApiUser;

/// Who the token belongs to and what they may see.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub email: String,
    /// admin, analyst, planner or employer.
    pub role: String,
    pub areas: Vec<String>,
    pub employers: Vec<String>,
}

/// The token's user: email, role, and the areas and employers of their scope.
#[utoipa::path(get, path = "/api/me", tag = "accounts",
    responses((status = 200, description = "The token's user", body = Me),
        (status = 401, body = ErrorBody)))]
pub async fn me(ApiUser(u): ApiUser) -> ApiResult<Me> {
    Ok(Json(Me {
        email: u.email,
        role: u.role.as_str().into(),
        areas: u.areas,
        employers: u.employers,
    }))
}
