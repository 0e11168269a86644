//! Accounts and workflow of the web service: users with a role and the areas or
//! employers they may see, sessions, one-time invitations and API tokens (tokens are
//! only ever stored as a SHA-256 hex digest, so a copy of the database cannot be used to
//! sign in), the web submissions with their validation reports, and the area's approval
//! of returns. An approved return is locked: [`Store::save_return`] refuses to replace
//! it with [`ReturnLocked`] until the area reopens it.

use anyhow::{Result, bail};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

use crate::{Store, now, on_pool};

/// A transaction that holds the same lock on an employer as storing its return does
/// (`write::save_one`), so approving or reopening a return and replacing it never
/// interleave: an approval always covers the return the planner saw.
trait BeginForEmployer {
    type Db: sqlx::Database;
    async fn begin_for_employer(
        &self,
        employer: &str,
    ) -> Result<sqlx::Transaction<'static, Self::Db>>;
}

impl BeginForEmployer for sqlx::SqlitePool {
    type Db = sqlx::Sqlite;
    /// SQLite: the database's write lock, taken at BEGIN (as the save takes it).
    async fn begin_for_employer(
        &self,
        _: &str,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl BeginForEmployer for sqlx::PgPool {
    type Db = sqlx::Postgres;
    /// PostgreSQL: the employer's transaction-scoped advisory lock.
    async fn begin_for_employer(
        &self,
        employer: &str,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut tx = self.begin().await?;
        crate::write::lock_employer_pg(&mut tx, employer).await?;
        Ok(tx)
    }
}

/// What a user may do; scoping to areas and employers comes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages accounts; sees national figures (suppressed).
    Admin,
    /// A national analyst: every area, suppressed.
    Analyst,
    /// An area workforce planner: their areas' tracker and figures (suppressed).
    Planner,
    /// An employer user: submits their employers' returns, sees their own records.
    Employer,
    /// A strategy partner (health, schools, the voluntary sector): reads the strategies
    /// of their areas and updates the actions they own, nothing more.
    Partner,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Analyst,
        Role::Planner,
        Role::Employer,
        Role::Partner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Planner => "planner",
            Role::Employer => "employer",
            Role::Partner => "partner",
        }
    }

    /// How the role is called on pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Analyst => "National analyst",
            Role::Planner => "Area planner",
            Role::Employer => "Employer user",
            Role::Partner => "Strategy partner",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" | "administrator" => Ok(Role::Admin),
            "analyst" | "national_analyst" => Ok(Role::Analyst),
            "planner" | "area_planner" => Ok(Role::Planner),
            "employer" | "employer_user" => Ok(Role::Employer),
            "partner" | "strategy_partner" => Ok(Role::Partner),
            other => {
                bail!(
                    "'{other}' is not a role; the roles are admin, analyst, planner, employer and partner"
                )
            }
        }
    }
}

/// A user and what they may see.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    /// Area codes a planner plans for.
    pub areas: Vec<String>,
    /// Employer identifiers an employer user returns for.
    pub employers: Vec<String>,
    /// Whether a password is set (false until an invitation is accepted).
    pub has_password: bool,
}

/// A user with their password hash.
pub struct Credentials {
    pub user: User,
    pub password_hash: Option<String>,
}

/// A new account.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub areas: &'a [String],
    pub employers: &'a [String],
}

/// One attempt to submit a return through the web, with its report.
#[derive(Debug, Clone, Serialize)]
pub struct Submission {
    pub id: i64,
    pub employer_id: String,
    pub census_date: String,
    pub submitted_by: String,
    pub submitted_at: String,
    pub source: String,
    pub accepted: bool,
    pub return_id: Option<i64>,
    pub errors: i64,
    pub warnings: i64,
    /// The validation report as JSON text.
    #[serde(skip)]
    pub report: String,
}

/// A new submission record.
pub struct NewSubmission<'a> {
    pub employer_id: &'a str,
    pub census_date: NaiveDate,
    pub submitted_by: &'a str,
    pub source: &'a str,
    pub accepted: bool,
    pub return_id: Option<i64>,
    pub errors: usize,
    pub warnings: usize,
    pub report: &'a str,
}

/// Who approved a return and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    pub approved_by: String,
    pub approved_at: String,
}

/// Refusal to replace an approved return.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnLocked {
    pub employer_id: String,
    pub census_date: NaiveDate,
    pub approved_by: String,
    pub approved_at: String,
}

impl std::fmt::Display for ReturnLocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the return of employer {} for census {} was approved by {} at {} and is locked; ask the area to reopen it before submitting a replacement",
            self.employer_id, self.census_date, self.approved_by, self.approved_at
        )
    }
}

impl std::error::Error for ReturnLocked {}

fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

type UserRow = (i64, String, String, String, i64, Option<String>);
/// A user row followed by the session's CSRF token.
type SessionRow = (i64, String, String, String, i64, Option<String>, String);

const USER_COLUMNS: &str = "u.id, u.email, u.name, u.role, u.active, u.password_hash";

impl Store {
    async fn scopes(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<(String, String)>>> {
        let mut out: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let rows: Vec<(i64, String, String)> = on_pool!(self, p => {
            let mut q = sqlx::QueryBuilder::new("SELECT user_id, kind, code FROM user_scopes WHERE user_id IN (");
            let mut list = q.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            q.push(") ORDER BY kind, code");
            q.build_query_as().fetch_all(p).await?
        });
        for (id, kind, code) in rows {
            out.entry(id).or_default().push((kind, code));
        }
        Ok(out)
    }

    async fn users_from(&self, rows: Vec<UserRow>) -> Result<Vec<(User, Option<String>)>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let mut scopes = self.scopes(&ids).await?;
        rows.into_iter()
            .map(|(id, email, name, role, active, hash)| {
                let s = scopes.remove(&id).unwrap_or_default();
                let pick = |k: &str| {
                    s.iter()
                        .filter(|(kind, _)| kind == k)
                        .map(|(_, c)| c.clone())
                        .collect()
                };
                Ok((
                    User {
                        id,
                        email,
                        name,
                        role: Role::parse(&role)?,
                        active: active == 1,
                        areas: pick("area"),
                        employers: pick("employer"),
                        has_password: hash.is_some(),
                    },
                    hash,
                ))
            })
            .collect()
    }

    /// Create an account; the email must not be taken.
    pub async fn create_user(&self, u: &NewUser<'_>) -> Result<i64> {
        let email = normalise_email(u.email);
        if !email.contains('@') {
            bail!("'{}' is not an email address", u.email);
        }
        if self.user_by_email(&email).await?.is_some() {
            bail!("there is already an account for {email}");
        }
        let at = now();
        let id: i64 = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, name, role, password_hash, active, failed_logins, created_at)
                 VALUES ($1, $2, $3, $4, 1, 0, $5) RETURNING id",
            )
            .bind(&email)
            .bind(u.name.trim())
            .bind(u.role.as_str())
            .bind(u.password_hash)
            .bind(&at)
            .fetch_one(&mut *tx)
            .await?;
            for (kind, codes) in [("area", u.areas), ("employer", u.employers)] {
                for code in codes {
                    sqlx::query("INSERT INTO user_scopes (user_id, kind, code) VALUES ($1, $2, $3)")
                        .bind(id).bind(kind).bind(code.trim())
                        .execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Change a user's role and scopes (replacing the scopes).
    pub async fn set_role(
        &self,
        user_id: i64,
        role: Role,
        areas: &[String],
        employers: &[String],
    ) -> Result<()> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                .bind(role.as_str()).bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM user_scopes WHERE user_id = $1")
                .bind(user_id).execute(&mut *tx).await?;
            for (kind, codes) in [("area", areas), ("employer", employers)] {
                for code in codes {
                    sqlx::query("INSERT INTO user_scopes (user_id, kind, code) VALUES ($1, $2, $3)")
                        .bind(user_id).bind(kind).bind(code.trim())
                        .execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every account, by email.
    pub async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.email");
        let rows: Vec<UserRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(p).await?);
        Ok(self
            .users_from(rows)
            .await?
            .into_iter()
            .map(|(u, _)| u)
            .collect())
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        let rows: Vec<UserRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_all(p).await?);
        Ok(self.users_from(rows).await?.pop().map(|(u, _)| u))
    }

    /// The account of an email address, with its password hash.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<Credentials>> {
        let email = normalise_email(email);
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1");
        let rows: Vec<UserRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(&email).fetch_all(p).await?);
        Ok(self
            .users_from(rows)
            .await?
            .pop()
            .map(|(user, password_hash)| Credentials {
                user,
                password_hash,
            }))
    }

    /// What checking a password needs, in one query: the user's id, password hash (None
    /// until an invitation is accepted) and whether the account is active.
    pub async fn sign_in_record(&self, email: &str) -> Result<Option<(i64, Option<String>, bool)>> {
        let email = normalise_email(email);
        let row: Option<(i64, Option<String>, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, password_hash, active FROM users WHERE email = $1",
        ).bind(&email).fetch_optional(p).await?);
        Ok(row.map(|(id, hash, active)| (id, hash, active == 1)))
    }

    /// Count one sign-in attempt under `key` before its password is checked, in one
    /// statement (so attempts at the same moment each get their own number): the count
    /// starts again at 1 when its window began at or before `window_start`. Returns the
    /// count including this attempt and when its window began.
    pub async fn reserve_attempt(
        &self,
        key: &str,
        at: &str,
        window_start: &str,
    ) -> Result<(i64, String)> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "INSERT INTO sign_in_attempts (counter_key, n, since) VALUES ($1, 1, $2)
             ON CONFLICT (counter_key) DO UPDATE SET
               n = CASE WHEN sign_in_attempts.since <= $3 THEN 1 ELSE sign_in_attempts.n + 1 END,
               since = CASE WHEN sign_in_attempts.since <= $3 THEN $2 ELSE sign_in_attempts.since END
             RETURNING n, since",
        ).bind(key).bind(at).bind(window_start).fetch_one(p).await?))
    }

    /// Give back an attempt counted by [`Store::reserve_attempt`] (it succeeded).
    pub async fn refund_attempt(&self, key: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query(
            "UPDATE sign_in_attempts SET n = n - 1 WHERE counter_key = $1 AND n > 0",
        ).bind(key).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Forget the attempts under `key` (a successful sign-in), and every count whose
    /// window began at or before `window_start`, so the table stays small.
    pub async fn clear_attempts(&self, key: &str, window_start: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query(
            "DELETE FROM sign_in_attempts WHERE counter_key = $1 OR since <= $2",
        ).bind(key).bind(window_start).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn set_password(&self, user_id: i64, hash: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash).bind(user_id).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn set_active(&self, user_id: i64, active: bool) -> Result<()> {
        on_pool!(self, p => {
            sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                .bind(i64::from(active)).bind(user_id).execute(p).await?;
            if !active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(p).await?;
            }
        });
        Ok(())
    }

    pub async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<()> {
        let at = now();
        on_pool!(self, p => {
            // Expired sessions are cleared as new ones start, so the table stays small.
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(&at).execute(p).await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
            ).bind(token_hash).bind(user_id).bind(csrf).bind(&at).bind(expires_at).execute(p).await?;
        });
        Ok(())
    }

    /// The active user and CSRF token of an unexpired session.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(User, String)>> {
        let at = now();
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1"
        );
        let row: Option<SessionRow> = on_pool!(self, p =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(token_hash).bind(&at).fetch_optional(p).await?);
        let Some((id, email, name, role, active, hash, csrf)) = row else {
            return Ok(None);
        };
        let user = self
            .users_from(vec![(id, email, name, role, active, hash)])
            .await?
            .pop()
            .map(|(u, _)| u);
        Ok(user.map(|u| (u, csrf)))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash).execute(p).await?.rows_affected());
        Ok(())
    }

    /// End every session of a user but one (after a password change).
    pub async fn delete_other_sessions(&self, user_id: i64, keep: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id).bind(keep).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn create_invitation(
        &self,
        user_id: i64,
        token_hash: &str,
        created_by: &str,
        expires_at: &str,
    ) -> Result<()> {
        let at = now();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO invitations (token_hash, user_id, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        ).bind(token_hash).bind(user_id).bind(created_by).bind(&at).bind(expires_at).execute(p).await?.rows_affected());
        Ok(())
    }

    /// The user an unused, unexpired invitation is for (without using it up).
    pub async fn invitation(&self, token_hash: &str) -> Result<Option<i64>> {
        let at = now();
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT user_id FROM invitations WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        ).bind(token_hash).bind(&at).fetch_optional(p).await?))
    }

    /// Use up an invitation by setting the user's password; false if it was already
    /// used or has expired (so a link works once, even when clicked twice at once).
    pub async fn accept_invitation(&self, token_hash: &str, password_hash: &str) -> Result<bool> {
        let at = now();
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let user: Option<i64> = sqlx::query_scalar(
                "UPDATE invitations SET used_at = $1
                 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
            ).bind(&at).bind(token_hash).fetch_optional(&mut *tx).await?;
            let Some(user) = user else {
                return Ok(false);
            };
            sqlx::query("UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL WHERE id = $2")
                .bind(password_hash).bind(user).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(true)
    }

    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> Result<i64> {
        let at = now();
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        ).bind(token_hash).bind(user_id).bind(name).bind(&at).fetch_one(p).await?))
    }

    /// The active user of an API token that has not been revoked.
    pub async fn user_by_api_token(&self, token_hash: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = 1"
        );
        let rows: Vec<UserRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(token_hash).fetch_all(p).await?);
        Ok(self.users_from(rows).await?.pop().map(|(u, _)| u))
    }

    /// API tokens of a user: id, name, created, revoked.
    pub async fn api_tokens(
        &self,
        user_id: i64,
    ) -> Result<Vec<(i64, String, String, Option<String>)>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, name, created_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
        ).bind(user_id).fetch_all(p).await?))
    }

    pub async fn revoke_api_token(&self, user_id: i64, token_id: i64) -> Result<bool> {
        let at = now();
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        ).bind(&at).bind(token_id).bind(user_id).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    pub async fn record_submission(&self, s: &NewSubmission<'_>) -> Result<i64> {
        let at = now();
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO submissions (employer_id, census_date, submitted_by, submitted_at, source,
               accepted, return_id, errors, warnings, report)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(s.employer_id).bind(s.census_date.to_string()).bind(s.submitted_by).bind(&at)
        .bind(s.source).bind(i64::from(s.accepted)).bind(s.return_id)
        .bind(s.errors as i64).bind(s.warnings as i64).bind(s.report)
        .fetch_one(p).await?))
    }

    pub async fn submission(&self, id: i64) -> Result<Option<Submission>> {
        Ok(self
            .submissions_where("id = $1", SubKey::Id(id))
            .await?
            .pop())
    }

    /// An employer's web submissions, newest first.
    pub async fn submissions(&self, employer_id: &str) -> Result<Vec<Submission>> {
        self.submissions_where("employer_id = $1", SubKey::Employer(employer_id))
            .await
    }

    async fn submissions_where(&self, cond: &str, key: SubKey<'_>) -> Result<Vec<Submission>> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            i64,
            Option<i64>,
            i64,
            i64,
            String,
        );
        let sql = format!(
            "SELECT id, employer_id, census_date, submitted_by, submitted_at, source, accepted, return_id,
                    errors, warnings, report FROM submissions WHERE {cond} ORDER BY id DESC"
        );
        let rows: Vec<Row> = on_pool!(self, p => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            match key {
                SubKey::Id(id) => q.bind(id).fetch_all(p).await?,
                SubKey::Employer(e) => q.bind(e).fetch_all(p).await?,
            }
        });
        Ok(rows
            .into_iter()
            .map(|r| Submission {
                id: r.0,
                employer_id: r.1,
                census_date: r.2,
                submitted_by: r.3,
                submitted_at: r.4,
                source: r.5,
                accepted: r.6 == 1,
                return_id: r.7,
                errors: r.8,
                warnings: r.9,
                report: r.10,
            })
            .collect())
    }

    /// Approve the current return of an employer for a census date, locking it.
    /// False if there is no current return to approve.
    pub async fn approve_return(&self, employer: &str, date: NaiveDate, by: &str) -> Result<bool> {
        let (d, at) = (date.to_string(), now());
        on_pool!(self, p => {
            let mut tx = p.begin_for_employer(employer).await?;
            let current: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM returns WHERE employer_id = $1 AND census_date = $2 AND status = 'current'",
            ).bind(employer).bind(&d).fetch_optional(&mut *tx).await?;
            if current.is_none() {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO return_approvals (employer_id, census_date, approved_by, approved_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (employer_id, census_date) DO NOTHING",
            ).bind(employer).bind(&d).bind(by).bind(&at).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO approval_log (employer_id, census_date, action, done_by, done_at)
                 VALUES ($1, $2, 'approved', $3, $4)",
            ).bind(employer).bind(&d).bind(by).bind(&at).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(true)
    }

    /// Reopen an approved return so it can be replaced. False if it was not approved.
    pub async fn reopen_return(&self, employer: &str, date: NaiveDate, by: &str) -> Result<bool> {
        let (d, at) = (date.to_string(), now());
        on_pool!(self, p => {
            let mut tx = p.begin_for_employer(employer).await?;
            let n = sqlx::query("DELETE FROM return_approvals WHERE employer_id = $1 AND census_date = $2")
                .bind(employer).bind(&d).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO approval_log (employer_id, census_date, action, done_by, done_at)
                 VALUES ($1, $2, 'reopened', $3, $4)",
            ).bind(employer).bind(&d).bind(by).bind(&at).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(true)
    }

    /// Approved returns of a census date, by employer.
    pub async fn approvals(&self, date: NaiveDate) -> Result<HashMap<String, Approval>> {
        let rows: Vec<(String, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT employer_id, approved_by, approved_at FROM return_approvals WHERE census_date = $1",
        ).bind(date.to_string()).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(e, approved_by, approved_at)| {
                (
                    e,
                    Approval {
                        approved_by,
                        approved_at,
                    },
                )
            })
            .collect())
    }

    /// The approval of one return, if it is approved.
    pub async fn approval(&self, employer: &str, date: NaiveDate) -> Result<Option<Approval>> {
        let row: Option<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT approved_by, approved_at FROM return_approvals WHERE employer_id = $1 AND census_date = $2",
        ).bind(employer).bind(date.to_string()).fetch_optional(p).await?);
        Ok(row.map(|(approved_by, approved_at)| Approval {
            approved_by,
            approved_at,
        }))
    }

    /// Every area that has employers, by code.
    pub async fn areas(&self) -> Result<Vec<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT DISTINCT area_code FROM employers WHERE area_code IS NOT NULL ORDER BY area_code",
        ).fetch_all(p).await?))
    }

    /// Every registered employer: its id and name (its id where it has none).
    pub async fn employer_names(&self) -> Result<Vec<(String, String)>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, COALESCE(name, id) FROM employers ORDER BY id",
        ).fetch_all(p).await?))
    }

    /// The registered names of these employers (those that have one).
    pub async fn names_of(&self, employers: &[&str]) -> Result<HashMap<String, String>> {
        self.employer_column("name", employers).await
    }

    /// One column of these employers' rows, by id, where it is not empty.
    async fn employer_column(
        &self,
        column: &'static str,
        employers: &[&str],
    ) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        for chunk in employers.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, {column} FROM employers WHERE {column} IS NOT NULL AND {column} <> '' AND id IN ({})",
                marks.join(", ")
            );
            let rows: Vec<(String, String)> = on_pool!(self, p => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for e in chunk {
                    q = q.bind(*e);
                }
                q.fetch_all(p).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    /// The area an employer is tracked under, if it is known.
    pub async fn employer_area(&self, employer: &str) -> Result<Option<String>> {
        let a: Option<Option<String>> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT area_code FROM employers WHERE id = $1",
        ).bind(employer).fetch_optional(p).await?);
        Ok(a.flatten())
    }

    /// The registered areas of these employers (those that have one).
    pub async fn employer_areas(&self, employers: &[&str]) -> Result<HashMap<String, String>> {
        self.employer_column("area_code", employers).await
    }
}

enum SubKey<'a> {
    Id(i64),
    Employer(&'a str),
}
