//! The web service of the observatory: employers submit returns and fix what the checks
//! flag, area planners track and approve returns, everyone sees the figures their role
//! allows (dashboards, the explorer, the employer view), and other systems use the JSON
//! API; the evidence library ([`evidence`]) is searched, mapped and added to here
//! too. Pages follow the GOV.UK Design System (served from the embedded stylesheet),
//! work without JavaScript, and every form is protected against cross-site requests.
//!
//! Who sees what ([`access`]): employer users see their own employers' records
//! unsuppressed; everything that crosses organisations is suppressed for everyone.

pub mod api;
pub mod auth;
pub mod charts;
pub mod error;
pub mod evidence;
pub mod figures;
pub mod pages;
pub mod projections;
pub mod state;
pub mod strategies;
pub mod submit;
pub mod tracker;
pub mod users;

pub use state::{AppState, Config};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::sync::Arc;

/// The stylesheet compiled from GOV.UK Frontend (assets/app.scss; rebuilt by
/// scripts/refresh-stylesheet, kept compiled so building needs no Node.js).
const APP_CSS: &str = include_str!("../assets/app.css");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
}

/// Headers every response carries: no framing, no sniffing, same-origin resources only.
async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// Every page and API route.
pub fn router(state: Arc<AppState>) -> Router {
    let upload_limit = (state.config.max_upload_mb as usize + 1) * 1024 * 1024;
    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/assets/app.css", get(stylesheet))
        .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/sign-out", post(pages::sign_out))
        .route(
            "/account/password",
            get(pages::password_form).post(pages::change_password),
        )
        .route(
            "/account/tokens",
            get(pages::tokens).post(pages::create_token),
        )
        .route("/account/tokens/revoke", post(pages::revoke_token))
        .route("/admin/users", get(users::users).post(users::invite))
        .route(
            "/admin/users/{id}",
            get(users::user_form).post(users::update_user),
        )
        .route(
            "/invitation/{token}",
            get(pages::invitation_form).post(pages::accept_invitation),
        )
        .route(
            "/submit",
            get(submit::submit_form)
                .post(submit::submit)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/submissions/{id}", get(submit::submission))
        .route("/submissions/{id}/report.csv", get(submit::report_csv))
        .route("/tracker", get(tracker::tracker))
        .route("/tracker/approve", post(tracker::approve))
        .route("/tracker/reopen", post(tracker::reopen))
        .route("/dashboard", get(figures::dashboard))
        .route("/dashboard/neighbours", post(figures::set_neighbours))
        .route("/explorer", get(figures::explorer))
        .route("/download", get(figures::download))
        .route("/employer", get(figures::employer_view));
    let api = api::router(upload_limit);
    pages
        .merge(evidence::routes(&state))
        .merge(strategies::routes())
        .merge(projections::routes())
        .merge(api)
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::with_navigation,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serve on an already bound listener until the process is stopped. Before the first
/// request: the upload folder is made private and cleared of uploads a crash left
/// behind, and the dummy password hash is made. Each request knows its peer's address
/// (`ConnectInfo`), which sign-in throttling counts.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
) -> anyhow::Result<()> {
    let root = state.config.upload_root(state.db.location());
    let stale = tokio::task::spawn_blocking({
        let root = root.clone();
        move || submit::UploadDir::prepare(&root)
    })
    .await?
    .map_err(|e| anyhow::anyhow!("cannot prepare the upload folder {}: {e}", root.display()))?;
    if stale > 0 {
        tracing::warn!(
            "removed {stale} uploads left in {} by an earlier run",
            root.display()
        );
    }
    auth::warm_up().await;
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
