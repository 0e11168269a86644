//! Signing in and staying signed in: argon2 password hashes (computed off the async
//! threads), random session and API tokens stored only as their SHA-256, cookies that
//! are HttpOnly, SameSite and Secure, a CSRF token per session checked on every form,
//! and a lock after repeated failed sign-ins.

use anyhow::Result;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use observatory_store::accounts::User;
use rand::RngExt;
use sha2::{Digest, Sha256};
use std::sync::Arc;

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

/// Why a sign-in failed, as shown to the person.
#[derive(Debug, PartialEq)]
pub enum SignInRefused {
    /// Wrong email or password (never says which).
    Wrong,
    /// Locked after too many failures.
    Locked,
}

/// Check an email and password, counting failures and locking the account after
/// `lock_after` in a row. Each failure also waits a little longer, so guessing is slow.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
) -> Result<Result<User, SignInRefused>> {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let Some(c) = state.store.user_by_email(email).await? else {
        // Spend the time a real check would, so unknown emails are not told apart.
        let _ = hash_password(password.to_string()).await;
        return Ok(Err(SignInRefused::Wrong));
    };
    if c.locked_until.as_deref().is_some_and(|t| t > now.as_str()) {
        return Ok(Err(SignInRefused::Locked));
    }
    let ok = match (&c.password_hash, c.user.active) {
        (Some(h), true) => verify_password(password.to_string(), h.clone()).await,
        _ => false,
    };
    if ok {
        state.store.login_succeeded(c.user.id).await?;
        return Ok(Ok(c.user));
    }
    let until = (chrono::Utc::now() + chrono::Duration::minutes(state.config.lock_minutes))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let n = state
        .store
        .login_failed(c.user.id, state.config.lock_after, &until)
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(100 * n.min(10) as u64)).await;
    Ok(Err(if n >= state.config.lock_after {
        SignInRefused::Locked
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
