//! Staying signed in over HTTP: cookies that are HttpOnly, SameSite and Secure, the
//! session and API token extractors, a CSRF token per session checked on every form
//! ([`Posted`]), and the client's address for the sign-in policy. Passwords, tokens,
//! sessions and the sign-in policy itself are the service's
//! (`observatory_service::accounts`).

use anyhow::Result;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use observatory_service::accounts::{self, User};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

pub use observatory_service::accounts::{
    SignInPolicy, SignInRefused, check_new_password, hash_password, random_password, random_token,
    same_secret, token_hash, warm_up,
};

use crate::error::{ApiError, PageError};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "obs_session";
/// Before sign-in there is no session: the form's CSRF token is also set as a cookie
/// and the two must match ("double submit").
pub const PRE_CSRF_COOKIE: &str = "obs_csrf";

/// A cookie value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A Set-Cookie header: HttpOnly, SameSite=Lax, Secure unless configured off.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"
    ))
    .expect("cookie is ascii")
}

/// The signed-in user of a page request (from the session cookie).
pub struct Viewer {
    pub user: User,
    pub csrf: String,
    pub session_hash: String,
}

impl Viewer {
    /// Refuse a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        if same_secret(&self.csrf, token) {
            Ok(())
        } else {
            Err(PageError::forbidden(
                "This form has expired or did not come from this service. Go back, reload the page and try again.",
            ))
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(PageError::SignIn);
        };
        let hash = token_hash(&token);
        match accounts::session(&state.db, &hash).await? {
            Some((user, csrf)) => Ok(Viewer {
                user,
                csrf,
                session_hash: hash,
            }),
            None => Err(PageError::SignIn),
        }
    }
}

/// A form posted by the signed-in viewer, its CSRF token already checked: every
/// handler of a signed-in form takes one, so none can forget the check. (Uploads are
/// multipart and streamed; their readers check the token as the first field.)
pub struct Posted<T> {
    pub viewer: Viewer,
    pub form: T,
}

impl<T> axum::extract::FromRequest<Arc<AppState>> for Posted<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = PageError;

    async fn from_request(
        req: axum::extract::Request,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let req = axum::extract::Request::from_parts(parts, body);
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| PageError::bad(e.body_text()))?;
        // The token first, so a forged post is refused as such whatever else it holds.
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            PageError::bad("The form could not be read; reload the page and try again.")
        })?;
        let token = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.trim())
            .unwrap_or("");
        viewer.check_csrf(token)?;
        let form: T = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| PageError::bad(format!("The form is not complete: {e}.")))?;
        Ok(Posted { viewer, form })
    }
}

/// The signed-in viewer if there is one (pages that also work signed out).
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<Arc<AppState>> for MaybeViewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        match Viewer::from_request_parts(parts, state).await {
            Ok(v) => Ok(MaybeViewer(Some(v))),
            Err(PageError::SignIn) => Ok(MaybeViewer(None)),
            Err(e) => Err(e),
        }
    }
}

/// The user of an API call, from `Authorization: Bearer TOKEN`.
pub struct ApiUser(pub User);

impl FromRequestParts<Arc<AppState>> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let unauthorised = || {
            ApiError(
                axum::http::StatusCode::UNAUTHORIZED,
                "send a valid API token as Authorization: Bearer TOKEN (create one under Your account, API tokens)"
                    .into(),
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(unauthorised)?;
        match accounts::api_user(&state.db, token).await? {
            Some(u) => Ok(ApiUser(u)),
            None => Err(unauthorised()),
        }
    }
}

/// The client's address: the connection's peer, or, when the service is configured to
/// trust a proxy's header (`Config::client_ip_header`, e.g. `X-Forwarded-For`), the
/// last address in that header (the one the proxy itself added). Never a header the
/// service was not told to trust.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The source as counted: an IPv4 address, or an IPv6 address's /64 (one household
    /// or host holds a whole /64).
    pub fn source(&self) -> String {
        match self.0.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            None => "unknown".into(),
        }
    }
}

impl FromRequestParts<Arc<AppState>> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        if let Some(name) = &state.config.client_ip_header
            && let Some(ip) = parts
                .headers
                .get_all(name.as_str())
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                .and_then(|v| {
                    v.parse::<IpAddr>()
                        .ok()
                        .or_else(|| v.parse::<SocketAddr>().ok().map(|a| a.ip()))
                })
        {
            return Ok(ClientIp(Some(ip)));
        }
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Check an email and password from `client` under the service's [`SignInPolicy`].
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client: ClientIp,
) -> Result<Result<User, SignInRefused>> {
    accounts::sign_in(
        &state.db,
        &state.config.sign_in,
        email,
        password,
        &client.source(),
        &state.sign_in_checks,
    )
    .await
}

/// Start a session: returns the cookie to set.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<HeaderValue> {
    let hours = state.config.session_hours;
    let token = accounts::start_session(&state.db, user_id, hours).await?;
    Ok(set_cookie(
        SESSION_COOKIE,
        &token,
        hours * 3600,
        state.config.secure_cookies,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_and_set_safely() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; obs_session=xyz"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "b"), None);
        let c = set_cookie(SESSION_COOKIE, "t", 60, true);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
    }
}
