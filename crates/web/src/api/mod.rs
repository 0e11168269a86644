//! The JSON API: everything the pages do, for other systems, with token authentication
//! (`Authorization: Bearer TOKEN`), the same scoping and disclosure control as the pages
//! (there is no way to ask for unsuppressed figures across organisations), errors as
//! `{"error": "..."}` with the right status, and its OpenAPI document at
//! `/api/openapi.json` (read by people at `/api/reference`). The query answer is the
//! command line's contract JSON. One module per resource: [`account`], [`returns`],
//! [`figures`], [`publication`], [`library`] (the evidence library's records; its search
//! and gap map are in `crate::evidence::api`), and [`reference`] (the page).

pub mod account;
pub mod figures;
pub mod library;
pub mod publication;
pub mod reference;
pub mod returns;

use axum::Json;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use serde::Serialize;
use std::sync::Arc;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::evidence::api as evidence_api;
use crate::state::AppState;

type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(OpenApi)]
#[openapi(info(
    title = "Children's Workforce Observatory API",
    description = "Submit census returns, read their validation reports, query any measure (the same JSON as `observatory query --format json`), follow returns, read the standard publication, project the workforce (the same JSON as `observatory project --format json`), and search, read and add to the evidence library (items, the research register, calls for evidence, the gap map). Authenticate with an API token: `Authorization: Bearer TOKEN`. Errors are `{\"error\": \"...\"}`. Figures across organisations are always suppressed below the disclosure threshold.",
    version = "1"
))]
struct ApiDoc;

/// An error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// What is wrong, in a plain sentence.
    pub error: String,
}

/// A JSON request body; one that cannot be read is a 400 in the API's error shape
/// (axum's own rejection is plain text).
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(t)) => Ok(JsonBody(t)),
            Err(e) => Err(ApiError::bad(format!(
                "the request body is not right: {}",
                e.body_text()
            ))),
        }
    }
}

/// What an error status means on every endpoint (the API's one table, as `error.rs` is
/// for the statuses themselves): responses declared without a description get this one.
fn error_description(status: &str) -> &'static str {
    match status {
        "400" => "The question cannot be answered as asked; `error` says why",
        "401" => "No valid API token: send `Authorization: Bearer TOKEN`",
        "403" => "The token's user may not see or do this",
        "404" => "There is no such record, or it may not be seen",
        "409" => "The record is locked (an approved return)",
        "413" => "The upload is over the limit",
        "422" => "The return has errors; the report lists them",
        _ => "The answer",
    }
}

/// The served document: every response described, and bearer authentication declared
/// for every operation (only this page and the document itself are open).
fn finished(mut doc: Document) -> Document {
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            for (status, response) in op.responses.responses.iter_mut() {
                if let utoipa::openapi::RefOr::T(r) = response
                    && r.description.is_empty()
                {
                    r.description = error_description(status).into();
                }
            }
            op.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
                "token",
                Vec::<String>::new(),
            )]);
        }
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "token",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("An API token created under Your account, API tokens"))
                .build(),
        ),
    );
    doc
}

/// The OpenAPI document of every API route (built once; the page and the JSON share it).
pub fn document() -> Document {
    parts().1
}

fn parts() -> (axum::Router<Arc<AppState>>, Document) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(account::me))
        .routes(routes!(figures::query))
        .routes(routes!(returns::status))
        .routes(routes!(returns::submit))
        .routes(routes!(returns::submissions))
        .routes(routes!(returns::submission))
        .routes(routes!(returns::approve))
        .routes(routes!(returns::reopen))
        .routes(routes!(publication::tables))
        .routes(routes!(evidence_api::search))
        .routes(routes!(evidence_api::gaps))
        .routes(routes!(library::items, library::add_item))
        .routes(routes!(library::item))
        .routes(routes!(library::register, library::add_to_register))
        .routes(routes!(library::calls, library::open_call))
        .routes(routes!(library::call))
        .routes(routes!(library::moderation))
        .routes(routes!(library::moderate))
        .routes(routes!(library::import))
        .routes(routes!(
            crate::projections::api::project,
            crate::projections::api::list
        ))
        .routes(routes!(crate::projections::api::saved))
        .split_for_parts();
    (router, finished(doc))
}

async fn not_found() -> ApiError {
    ApiError::not_found("there is no such API endpoint; see /api/openapi.json")
}

/// The API routes, `/api/openapi.json` and the reference page.
pub fn router(upload_limit: usize) -> axum::Router<Arc<AppState>> {
    let (router, doc) = parts();
    let doc = Arc::new(doc);
    router
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/api/reference", get(reference::page))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .layer(DefaultBodyLimit::max(upload_limit))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_response_is_described_and_typed() {
        let doc = super::document();
        let json = serde_json::to_value(&doc).unwrap();
        for (path, item) in json["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, r) in op["responses"].as_object().unwrap() {
                    let at = format!("{method} {path} {status}");
                    assert!(
                        r["description"].as_str().is_some_and(|d| !d.is_empty()),
                        "{at}"
                    );
                    // Bodies are typed: a schema is a reference, or says what it holds.
                    if let Some(schema) = r["content"]["application/json"]["schema"].as_object() {
                        let typed = [
                            "$ref",
                            "properties",
                            "items",
                            "oneOf",
                            "additionalProperties",
                        ]
                        .iter()
                        .any(|k| schema.contains_key(*k));
                        assert!(typed, "{at}: an untyped body {schema:?}");
                    }
                }
            }
        }
    }
}
