//! Errors as people and programs should see them: a page with a plain sentence for
//! people, `{"error": "..."}` with the right status for the API. Unexpected failures
//! are logged in full and shown as a short apology, never as internals.

use crate::AppState;
use askama::Template;
use axum::Json;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::sync::Arc;

/// A page request that cannot be answered as asked.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in (or the session ended): go to the sign-in page.
    SignIn,
    /// A plain message with its status.
    Status(StatusCode, String),
}

impl PageError {
    pub fn bad(msg: impl Into<String>) -> PageError {
        PageError::Status(StatusCode::BAD_REQUEST, msg.into())
    }
    pub fn forbidden(msg: impl Into<String>) -> PageError {
        PageError::Status(StatusCode::FORBIDDEN, msg.into())
    }
    pub fn not_found() -> PageError {
        PageError::Status(StatusCode::NOT_FOUND, "Page not found.".into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: crate::pages::Layout,
    status: u16,
    heading: &'static str,
    message: String,
}

/// What an error page says, kept on its response so that [`with_navigation`] can show it
/// again in the frame of whoever is signed in.
#[derive(Clone)]
struct ErrorText {
    status: StatusCode,
    heading: &'static str,
    message: String,
}

impl ErrorText {
    fn render(self, l: crate::pages::Layout) -> Response {
        let page = ErrorPage {
            l,
            status: self.status.as_u16(),
            heading: self.heading,
            message: self.message.clone(),
        };
        let mut res = match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.heading).into_response(),
        };
        res.extensions_mut().insert(self);
        res
    }
}

/// Error pages in the frame of the page they stand for: the navigation and the sign-out
/// of whoever is signed in (a handler's error knows only its message, and many arise
/// before anyone is known, as unknown addresses do).
pub async fn with_navigation(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let headers = req.headers().clone();
    let res = next.run(req).await;
    let Some(text) = res.extensions().get::<ErrorText>().cloned() else {
        return res;
    };
    if crate::auth::cookie(&headers, crate::auth::SESSION_COOKIE).is_none() {
        return res;
    }
    let mut probe = Request::new(axum::body::Body::empty());
    *probe.headers_mut() = headers;
    let (mut parts, _) = probe.into_parts();
    match crate::auth::Viewer::from_request_parts(&mut parts, &state).await {
        Ok(v) => {
            let l = crate::pages::Layout::new(&state, &v, &format!("Error: {}", text.heading), "");
            text.render(l)
        }
        Err(_) => res,
    }
}

/// Any address no route answers: a real page, in the layout, with a way back (for the
/// API, its JSON error).
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::not_found("no such API endpoint (see /api/openapi.json)").into_response()
    } else {
        PageError::not_found().into_response()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn => Redirect::to("/sign-in").into_response(),
            PageError::Status(status, message) => {
                let heading = match status {
                    StatusCode::FORBIDDEN => "You cannot see this page",
                    StatusCode::NOT_FOUND => "Page not found",
                    StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE => "There is a problem",
                    _ => "Sorry, there is a problem with the service",
                };
                let text = ErrorText {
                    status,
                    heading,
                    message,
                };
                text.render(crate::pages::Layout::plain(&format!("Error: {heading}")))
            }
        }
    }
}

impl From<observatory_service::ServiceError> for PageError {
    fn from(e: observatory_service::ServiceError) -> Self {
        use observatory_service::ServiceError as E;
        match e {
            E::Invalid(m) => PageError::bad(m),
            e @ E::Fields { .. } => PageError::bad(e.to_string()),
            E::Denied(m) => PageError::forbidden(m),
            E::NotFound(m) => PageError::Status(StatusCode::NOT_FOUND, m),
            E::Locked(m) => PageError::Status(StatusCode::CONFLICT, m),
            E::Internal(e) => e.into(),
        }
    }
}

impl From<observatory_service::ServiceError> for ApiError {
    fn from(e: observatory_service::ServiceError) -> Self {
        PageError::from(e).into()
    }
}

impl From<observatory_service::policy::Denied> for PageError {
    fn from(d: observatory_service::policy::Denied) -> Self {
        PageError::forbidden(d.0)
    }
}

impl From<observatory_service::policy::Denied> for ApiError {
    fn from(d: observatory_service::policy::Denied) -> Self {
        ApiError::forbidden(d.0)
    }
}

/// Logs an unexpected failure in full under a short reference, and returns the
/// reference: people see only that, and the administrator finds the text in the log.
fn logged(e: &anyhow::Error) -> String {
    let reference = format!("{:08x}", rand::random::<u32>());
    tracing::error!(reference = %reference, "{e:#}");
    reference
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> PageError {
        let reference = logged(&e);
        PageError::Status(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "Try again later. If it keeps happening, tell the service administrator and quote reference {reference}."
            ),
        )
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> PageError {
        anyhow::Error::from(e).into()
    }
}

/// An API error: `{"error": "..."}` with its status.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl ApiError {
    pub fn bad(msg: impl Into<String>) -> ApiError {
        ApiError(StatusCode::BAD_REQUEST, msg.into())
    }
    pub fn forbidden(msg: impl Into<String>) -> ApiError {
        ApiError(StatusCode::FORBIDDEN, msg.into())
    }
    pub fn not_found(msg: impl Into<String>) -> ApiError {
        ApiError(StatusCode::NOT_FOUND, msg.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({"error": self.1}))).into_response()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        let reference = logged(&e);
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the service failed to answer; try again later (reference {reference})"),
        )
    }
}

impl From<PageError> for ApiError {
    fn from(e: PageError) -> ApiError {
        match e {
            PageError::SignIn => ApiError(
                StatusCode::UNAUTHORIZED,
                "sign in first: send an API token as Authorization: Bearer TOKEN".into(),
            ),
            PageError::Status(s, m) => ApiError(s, m),
        }
    }
}
