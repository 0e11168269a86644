//! Accounts and signing in, decided once: argon2 password hashes (computed off the async
//! threads), random session and API tokens stored only as their SHA-256, sign-in
//! attempts counted and throttled per source and account ([`SignInPolicy`]), sessions,
//! and managing accounts (administrators only, see [`crate::policy`]). The web app adds
//! only what is HTTP's: cookies, the CSRF check, the client's address.

use anyhow::Result;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::RngExt;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};

use observatory_domain::CodeList;
pub use observatory_store::accounts::{NewUser, Role, User};

use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};

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

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

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

/// The sign-in policy: the one place it is decided ("Accounts and sign-in" in
/// docs/security.md says the same in words).
///
/// Every attempt is counted *before* its password is checked, each count in one
/// statement (so attempts sent at the same moment each get their own number), under up
/// to three keys, each counted over `window_minutes` from its first attempt:
///
/// 1. the source (the client's address, as the interface tells it): past `source_limit` attempts
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

/// Check an email and password from `source` (an address, or an IPv6 /64) under
/// `policy`. `checks` counts the passwords checked (real or dummy).
pub async fn sign_in(
    db: &Database,
    policy: &SignInPolicy,
    email: &str,
    password: &str,
    source: &str,
    checks: &AtomicU64,
) -> Result<Result<User, SignInRefused>> {
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
    let source_key = counter("source", &[source]);
    let pair_key = counter("pair", &[&email, source]);
    let account_key = counter("account", &[&email]);
    let store = &db.store;

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
    checks.fetch_add(1, Ordering::Relaxed);
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

/// Start a session for `user_id` lasting `hours`: gives the token to hand to the browser
/// (only its hash is stored).
pub async fn start_session(db: &Database, user_id: i64, hours: i64) -> Result<String> {
    let token = random_token();
    let expires = utc(chrono::Utc::now() + chrono::Duration::hours(hours));
    db.store
        .create_session(user_id, &token_hash(&token), &random_token(), &expires)
        .await?;
    Ok(token)
}

/// The user of a live session and its CSRF token, from the session token's hash.
pub async fn session(db: &Database, hash: &str) -> Result<Option<(User, String)>> {
    db.store.session(hash).await
}

/// End a session (signing out).
pub async fn end_session(db: &Database, hash: &str) -> Result<()> {
    db.store.delete_session(hash).await
}

/// The user of an API token, if it is live.
pub async fn api_user(db: &Database, token: &str) -> Result<Option<User>> {
    db.store.user_by_api_token(&token_hash(token)).await
}

/// A problem with a field of a form: the field's name and what to do.
pub type FieldProblem = (&'static str, String);

/// Change the signed-in user's password, after checking their current one, and sign
/// them out of every other session (`keep`: this session's hash). Problems come back by
/// field, all at once.
pub async fn change_password(
    db: &Database,
    user: &User,
    keep: &str,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<Vec<FieldProblem>> {
    let mut problems = vec![];
    let creds = db.store.user_by_email(&user.email).await?;
    let current_ok = match creds.and_then(|c| c.password_hash) {
        Some(h) => verify_password(current.to_string(), h).await,
        None => false,
    };
    if !current_ok {
        problems.push(("current", "Your current password is not right".to_string()));
    }
    if let Err(e) = check_new_password(new, confirm) {
        problems.push(("password", e));
    }
    if problems.is_empty() {
        let hash = hash_password(new.to_string()).await?;
        db.store.set_password(user.id, &hash).await?;
        db.store.delete_other_sessions(user.id, keep).await?;
    }
    Ok(problems)
}

/// One API token of a user: id, name, when created, when revoked.
pub type ApiToken = (i64, String, String, Option<String>);

/// The user's own API tokens.
pub async fn api_tokens(db: &Database, user: &User) -> Result<Vec<ApiToken>> {
    db.store.api_tokens(user.id).await
}

/// A new API token for the user: gives the token, shown once (only its hash is kept).
pub async fn create_api_token(db: &Database, user: &User, name: &str) -> Result<String> {
    let token = random_token();
    db.store
        .create_api_token(user.id, name, &token_hash(&token))
        .await?;
    Ok(token)
}

/// Revoke one of the user's own API tokens.
pub async fn revoke_api_token(db: &Database, user: &User, token_id: i64) -> Result<()> {
    db.store.revoke_api_token(user.id, token_id).await?;
    Ok(())
}

/// A new account: who, their role and its scope.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub areas: &'a [String],
    pub employers: &'a [String],
}

/// What is wrong with an account's scope, and in which field ("areas" or "employers").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeProblem {
    pub field: &'static str,
    pub message: String,
}

/// The areas and employers an account may see, checked against what the service knows:
/// every local authority in the code list or with employers, and every registered
/// employer. A name stands for its code ("Central Bedfordshire" for E06000056); anything
/// else is refused with the nearest real one, so a typed code never scopes an account to
/// nothing. Gives the codes to store.
pub async fn checked_scope(
    db: &Database,
    areas: &[String],
    employers: &[String],
) -> Result<Result<(Vec<String>, Vec<String>), ScopeProblem>, ServiceError> {
    let area_list = known_areas(db).await?;
    let employer_list = CodeList::new("employer", db.store.employer_names().await?);
    let check = |field: &'static str, what: &str, list: &CodeList, given: &[String]| {
        given
            .iter()
            .map(|g| resolve(list, what, g).map_err(|message| ScopeProblem { field, message }))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(check("areas", "area", &area_list, areas).and_then(|a| {
        Ok((
            a,
            check("employers", "employer", &employer_list, employers)?,
        ))
    }))
}

/// The code `given` names in `list` (a code or a label, whatever its case), or why it
/// names none, with the nearest real one: "There is no area E06000099. Did you mean
/// E06000009 (Blackpool)?".
pub(crate) fn resolve(list: &CodeList, what: &str, given: &str) -> Result<String, String> {
    match list.find_code_or_label(given) {
        Some(i) => Ok(list.code(i).to_string()),
        None if list.is_empty() => Err(format!(
            "There is no {what} {given}: no {what}s are registered yet"
        )),
        None => {
            let near = list.closest(given);
            let name = list.label(list.must(near));
            Err(format!(
                "There is no {what} {given}. Did you mean {near} ({name})?"
            ))
        }
    }
}

/// Every area the service knows: the local authorities of the code list and any other
/// area with employers, by code with its name.
pub(crate) async fn known_areas(db: &Database) -> Result<CodeList> {
    let c = observatory_domain::codes();
    let mut known: Vec<(String, String)> = c
        .area_names
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for a in db.store.areas().await? {
        if !c.area_names.contains_key(&a) {
            known.push((a.clone(), a));
        }
    }
    known.sort();
    Ok(CodeList::new("area", known))
}

/// [`checked_scope`] for callers that need no field: a problem is the asker's mistake.
async fn scope_or_invalid(
    db: &Database,
    areas: &[String],
    employers: &[String],
) -> Result<(Vec<String>, Vec<String>), ServiceError> {
    checked_scope(db, areas, employers)
        .await?
        .map_err(|p| ServiceError::Invalid(p.message))
}

/// Add an account (administrators, or the operator), with a password hash or none until
/// an invitation is accepted. Gives its id; an email already taken is the asker's
/// mistake.
pub async fn add_account(
    db: &Database,
    actor: Actor<'_>,
    account: &NewAccount<'_>,
    password_hash: Option<&str>,
) -> Result<i64, ServiceError> {
    if let Actor::User(admin) = actor {
        policy::may_administer(admin)?;
    }
    let (areas, employers) = scope_or_invalid(db, account.areas, account.employers).await?;
    db.store
        .create_user(&NewUser {
            email: account.email,
            name: account.name,
            role: account.role,
            password_hash,
            areas: &areas,
            employers: &employers,
        })
        .await
        .map_err(|e| ServiceError::Invalid(format!("{e}")))
}

/// The account with this email, if any (the operator's lookup).
pub async fn account_by_email(db: &Database, email: &str) -> Result<Option<User>> {
    Ok(db.store.user_by_email(email).await?.map(|c| c.user))
}

/// Set an account's password (the operator's, e.g. the demo's accounts run again).
pub async fn set_password(db: &Database, user_id: i64, password: &str) -> Result<()> {
    let hash = hash_password(password.to_string()).await?;
    db.store.set_password(user_id, &hash).await
}

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

/// A one-time invitation for account `user_id` (valid [`INVITATION_DAYS`]), created by
/// an administrator: gives the token for the link.
pub async fn invite(db: &Database, admin: &User, user_id: i64) -> Result<String, ServiceError> {
    policy::may_administer(admin)?;
    let token = random_token();
    let expires = utc(chrono::Utc::now() + chrono::Duration::days(INVITATION_DAYS));
    db.store
        .create_invitation(user_id, &token_hash(&token), &admin.email, &expires)
        .await?;
    Ok(token)
}

/// The sentence for an invitation link that has been used or has expired.
pub const INVITATION_GONE: &str = "This invitation link has been used or has expired. Ask the service administrator for a new one.";

/// Whether an invitation link still works.
pub async fn invitation_is_live(db: &Database, token: &str) -> Result<bool> {
    Ok(db.store.invitation(&token_hash(token)).await?.is_some())
}

/// Set the invited account's password from its invitation link (which then stops
/// working).
pub async fn accept_invitation(
    db: &Database,
    token: &str,
    password: &str,
    confirm: &str,
) -> Result<(), ServiceError> {
    check_new_password(password, confirm).map_err(ServiceError::Invalid)?;
    let hash = hash_password(password.to_string()).await?;
    if db
        .store
        .accept_invitation(&token_hash(token), &hash)
        .await?
    {
        Ok(())
    } else {
        Err(ServiceError::NotFound(INVITATION_GONE.into()))
    }
}

/// Every account (administrators only).
pub async fn users(db: &Database, admin: &User) -> Result<Vec<User>, ServiceError> {
    policy::may_administer(admin)?;
    Ok(db.store.users().await?)
}

/// One account (administrators only).
pub async fn user(db: &Database, admin: &User, id: i64) -> Result<User, ServiceError> {
    policy::may_administer(admin)?;
    db.store
        .user(id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("There is no such user.".into()))
}

/// Give account `id` a role, its scope and whether it is active (administrators only,
/// never their own administrator role away).
pub async fn set_account(
    db: &Database,
    admin: &User,
    id: i64,
    role: Role,
    areas: &[String],
    employers: &[String],
    active: bool,
) -> Result<(), ServiceError> {
    policy::may_set_account(admin, id, role, active)?;
    let (areas, employers) = scope_or_invalid(db, areas, employers).await?;
    db.store.set_role(id, role, &areas, &employers).await?;
    db.store.set_active(id, active).await?;
    Ok(())
}

/// Create an account with a random password (the command line's first administrator,
/// the demo's accounts): gives the password, to show once. An area planner needs an area
/// and an employer user an employer.
pub async fn add_with_password(
    db: &Database,
    actor: Actor<'_>,
    account: &NewAccount<'_>,
) -> Result<String, ServiceError> {
    match account.role {
        Role::Planner | Role::Partner if account.areas.is_empty() => {
            let who = if account.role == Role::Planner {
                "an area planner"
            } else {
                "a strategy partner"
            };
            return Err(ServiceError::Invalid(format!("{who} needs --area CODE")));
        }
        Role::Employer if account.employers.is_empty() => {
            return Err(ServiceError::Invalid(
                "an employer user needs --employer ID".into(),
            ));
        }
        _ => {}
    }
    let password = random_password();
    let hash = hash_password(password.clone()).await?;
    let named = NewAccount {
        name: if account.name.is_empty() {
            account.email
        } else {
            account.name
        },
        ..*account
    };
    add_account(db, actor, &named, Some(&hash)).await?;
    Ok(password)
}

/// Create the account of this email with a random password, or keep it as it is, or
/// (with `renew`) give it a new random password: gives the password when there is a new
/// one, to show once (None: the account kept the password it had).
pub async fn add_or_renew(
    db: &Database,
    actor: Actor<'_>,
    account: &NewAccount<'_>,
    renew: bool,
) -> Result<Option<String>, ServiceError> {
    policy::may_operate(actor)?;
    match account_by_email(db, account.email).await? {
        Some(user) if renew => {
            let password = random_password();
            set_password(db, user.id, &password).await?;
            Ok(Some(password))
        }
        Some(_) => Ok(None),
        None => Ok(Some(add_with_password(db, actor, account).await?)),
    }
}

/// Every account, for the operator or an administrator.
pub async fn all(db: &Database, actor: Actor<'_>) -> Result<Vec<User>, ServiceError> {
    match actor {
        Actor::User(admin) => users(db, admin).await,
        Actor::Operator => Ok(db.store.users().await?),
    }
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
