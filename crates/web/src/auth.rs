//! Signing in and staying signed in: argon2 password hashes (computed off the async
//! threads), random session and API tokens stored only as their SHA-256, cookies that
//! are HttpOnly, SameSite and Secure, a CSRF token per session checked on every form,
//! and sign-in attempts counted and throttled per source and account ([`SignInPolicy`]).

use anyhow::Result;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use observatory_store::accounts::User;
use rand::RngExt;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::error::{ApiError, PageError};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "obs_session";
/// Before sign-in there is no session: the form's CSRF token is also set as a cookie
/// and the two must match ("double submit").
pub const PRE_CSRF_COOKIE: &str = "obs_csrf";

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random token (256 bits, hex).
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex(&bytes)
}

/// What is stored of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Compare secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A readable random password for demo accounts and first admins.
pub fn random_password() -> String {
    const WORDS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let chars: Vec<u8> = (0..16)
        .map(|_| WORDS[rng.random_range(0..WORDS.len())])
        .collect();
    let s = String::from_utf8(chars).expect("ascii");
    format!("{}-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12], &s[12..16])
}

/// Check a new password is acceptable, in words.
pub fn check_new_password(pw: &str, confirm: &str) -> Result<(), String> {
    if pw.chars().count() < MIN_PASSWORD {
        return Err(format!(
            "Your password must be at least {MIN_PASSWORD} characters long"
        ));
    }
    if pw != confirm {
        return Err("The passwords do not match".into());
    }
    Ok(())
}

/// Hash a password (argon2id, random salt) on a blocking thread.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
    })
    .await?
}

/// Check a password against its stored hash on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

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
        match state.store.session(&hash).await? {
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
        match state.store.user_by_api_token(&token_hash(token)).await? {
            Some(u) => Ok(ApiUser(u)),
            None => Err(unauthorised()),
        }
    }
}

/// The sign-in policy: the one place it is decided ("Accounts and sign-in" in
/// docs/security.md says the same in words).
///
/// Every attempt is counted *before* its password is checked, each count in one
/// statement (so attempts sent at the same moment each get their own number), under up
/// to three keys, each counted over `window_minutes` from its first attempt:
///
/// 1. the source (the client's address, see [`ClientIp`]): past `source_limit` attempts
///    across all emails the source is refused until its window ends, so one source
///    cannot try many accounts;
/// 2. the email and the source together: past `pair_limit` attempts the pair is locked
///    until its window ends. Only that pair: the owner signing in from elsewhere is not
///    locked out by someone else's guesses;
/// 3. the email, from any source: past `account_slow_after` attempts every further
///    attempt on it waits `account_delay_ms` for each attempt over (at most
///    `account_delay_max_ms`) before its password is checked. It slows a guesser spread
///    over many sources and never refuses the owner.
///
/// Unknown emails are counted, locked and answered exactly like real ones, and their
/// password is checked against a dummy hash of the same argon2 parameters, so neither
/// the answer nor its time tells whether an account exists; an account that is
/// deactivated or has no password yet is checked the same way and refused.
/// A success clears its pair's count and gives its attempt back on the source and the
/// email (an office behind one address is not throttled by its own sign-ins). Each
/// failure also waits `failure_delay_ms` times the pair's count (at most ten times).
#[derive(Debug, Clone)]
pub struct SignInPolicy {
    pub window_minutes: i64,
    pub pair_limit: i64,
    pub source_limit: i64,
    pub account_slow_after: i64,
    pub account_delay_ms: u64,
    pub account_delay_max_ms: u64,
    pub failure_delay_ms: u64,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            window_minutes: 15,
            pair_limit: 5,
            source_limit: 20,
            account_slow_after: 20,
            account_delay_ms: 250,
            account_delay_max_ms: 5000,
            failure_delay_ms: 100,
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

/// Why a sign-in failed, as shown to the person.
#[derive(Debug, PartialEq)]
pub enum SignInRefused {
    /// Wrong email or password (never says which).
    Wrong,
    /// Too many attempts on this email from this source: try again in `minutes`.
    Locked { minutes: i64 },
    /// Too many attempts from this source, whatever the email: try again in `minutes`.
    Throttled { minutes: i64 },
}

/// A dummy argon2 hash with the parameters of real ones, checked for unknown emails.
async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            hash_password(random_token())
                .await
                .expect("argon2 hashes a random password")
        })
        .await
}

/// Make the dummy hash now, so the first unknown email is not slower than the rest.
pub async fn warm_up() {
    dummy_hash().await;
}

fn utc(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A counter's key as stored: its SHA-256, so no email or address is kept.
fn counter(kind: &str, parts: &[&str]) -> String {
    token_hash(&format!("{kind}\n{}", parts.join("\n")))
}

/// Check an email and password from `client` under [`SignInPolicy`].
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client: ClientIp,
) -> Result<Result<User, SignInRefused>> {
    let policy = &state.config.sign_in;
    let now = chrono::Utc::now();
    let window = chrono::Duration::minutes(policy.window_minutes);
    let (at, window_start) = (utc(now), utc(now - window));
    let minutes_left = |since: &str| {
        let since = chrono::DateTime::parse_from_rfc3339(since)
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or(now);
        ((since + window - now).num_seconds() + 59)
            .div_euclid(60)
            .max(1)
    };
    let email = email.trim().to_lowercase();
    let source = client.source();
    let source_key = counter("source", &[&source]);
    let pair_key = counter("pair", &[&email, &source]);
    let account_key = counter("account", &[&email]);
    let store = &state.store;

    let (n, since) = store
        .reserve_attempt(&source_key, &at, &window_start)
        .await?;
    if n > policy.source_limit {
        return Ok(Err(SignInRefused::Throttled {
            minutes: minutes_left(&since),
        }));
    }
    let (n_pair, since) = store.reserve_attempt(&pair_key, &at, &window_start).await?;
    if n_pair > policy.pair_limit {
        return Ok(Err(SignInRefused::Locked {
            minutes: minutes_left(&since),
        }));
    }
    let (n, _) = store
        .reserve_attempt(&account_key, &at, &window_start)
        .await?;
    if n > policy.account_slow_after {
        let over = (n - policy.account_slow_after) as u64;
        let ms = (over * policy.account_delay_ms).min(policy.account_delay_max_ms);
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }

    let record = store.sign_in_record(&email).await?;
    let hash = match &record {
        Some((_, Some(h), _)) => h.clone(),
        _ => dummy_hash().await.to_string(),
    };
    state.sign_in_checks.fetch_add(1, Ordering::Relaxed);
    let verified = verify_password(password.to_string(), hash).await;
    if verified
        && let Some((id, Some(_), true)) = record
        && let Some(user) = store.user(id).await?
    {
        store.clear_attempts(&pair_key, &window_start).await?;
        store.refund_attempt(&source_key).await?;
        store.refund_attempt(&account_key).await?;
        return Ok(Ok(user));
    }
    let ms = policy.failure_delay_ms * n_pair.clamp(0, 10) as u64;
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    Ok(Err(if n_pair >= policy.pair_limit {
        SignInRefused::Locked {
            minutes: minutes_left(&since),
        }
    } else {
        SignInRefused::Wrong
    }))
}

/// Start a session: returns the cookie to set.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<HeaderValue> {
    let token = random_token();
    let hours = state.config.session_hours;
    let expires = (chrono::Utc::now() + chrono::Duration::hours(hours))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    state
        .store
        .create_session(user_id, &token_hash(&token), &random_token(), &expires)
        .await?;
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
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret("ab", "abc"));
    }

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

    #[test]
    fn passwords_are_checked() {
        assert!(check_new_password("short", "short").is_err());
        assert!(check_new_password("long enough pw", "different pw!!").is_err());
        assert!(check_new_password("long enough pw", "long enough pw").is_ok());
        assert_eq!(random_password().len(), 19);
    }

    #[tokio::test]
    async fn hashes_verify() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), h.clone()).await);
        assert!(!verify_password("wrong".into(), h).await);
    }
}
