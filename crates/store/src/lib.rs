//! Storage: the census returns (current and replaced, with their audit history),
//! confirmed job titles, mapping profiles, population profiles and query snapshots, in one schema that runs
//! on SQLite (the embedded default: one file, nothing to install) and PostgreSQL (real
//! deployments). The SQL text is shared; each method runs it on whichever pool is open.

pub mod accounts;
pub mod blocking;
mod census_rows;
mod direct;
pub mod evidence;
mod neighbours;
mod population;
pub mod projections;
mod read;
pub mod secret;
pub mod strategies;
#[doc(hidden)]
pub mod testing;
mod write;

pub use accounts::ReturnLocked;
pub use population::{NewPopulation, PopulationInfo};
pub use read::{AuditEntry, ReturnStatus, UnmappedTitle};
pub use write::{SaveInfo, SaveItem, Saved};

use anyhow::{Context, Result, bail};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Where the data lives, as given by `--db` or `OBSERVATORY_DB`.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// A plain path or `sqlite:` URL means SQLite; `postgres://` / `postgresql://` PostgreSQL.
    pub fn parse(s: &str) -> Location {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Location::Postgres(s.to_string())
        } else {
            let p = s
                .strip_prefix("sqlite://")
                .or_else(|| s.strip_prefix("sqlite:"))
                .unwrap_or(s);
            let p = p.split('?').next().unwrap_or(p);
            Location::Sqlite(PathBuf::from(p))
        }
    }

    /// Shown to users: never includes a password.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(p) => format!("SQLite file {}", p.display()),
            Location::Postgres(u) => match u.rfind('@') {
                Some(at) => format!("PostgreSQL at {}", &u[at + 1..]),
                None => format!("PostgreSQL at {}", u.trim_start_matches("postgres://")),
            },
        }
    }
}

/// The open pool of one backend.
#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Run the same body on whichever backend is open. The body is compiled once per
/// backend, so each keeps its own types while the SQL text is written once.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// A connection to the observatory's database.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    pub location: Location,
}

impl Store {
    /// Open (and migrate) the database. With `create` false, a missing SQLite file is an
    /// error telling the user how to make one, rather than a silently empty database.
    pub async fn open(location: &Location, create: bool) -> Result<Store> {
        let pool = match location {
            Location::Sqlite(path) => {
                if !create && !path.exists() {
                    bail!(
                        "there is no database at {}; create one with `observatory --db {} init` (or run `observatory demo`)",
                        path.display(),
                        path.display()
                    );
                }
                let opts = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(create)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(60))
                    .foreign_keys(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(opts)
                    .await
                    .with_context(|| {
                        format!("cannot open the SQLite database {}", path.display())
                    })?;
                sqlx::migrate!("./migrations/sqlite")
                    .run(&pool)
                    .await
                    .context("cannot bring the SQLite schema up to date")?;
                Pool::Sqlite(pool)
            }
            Location::Postgres(url) => {
                let opts = PgConnectOptions::from_str(url).with_context(|| {
                    format!("{} is not a valid PostgreSQL URL", location.describe())
                })?;
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await
                    .with_context(|| format!("cannot connect to {}", location.describe()))?;
                sqlx::migrate!("./migrations/postgres")
                    .run(&pool)
                    .await
                    .context("cannot bring the PostgreSQL schema up to date")?;
                Pool::Postgres(pool)
            }
        };
        Ok(Store {
            pool,
            location: location.clone(),
        })
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }

    /// Rows in a table, for reports and tests that prove nothing changed.
    pub async fn count(&self, table: &str) -> Result<i64> {
        const TABLES: [&str; 8] = [
            "employers",
            "returns",
            "settings",
            "workers",
            "leavers",
            "vacancies",
            "jobtitle_map",
            "cube_snapshots",
        ];
        if !TABLES.contains(&table) {
            bail!("unknown table {table}");
        }
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = on_pool!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(p).await?);
        Ok(n)
    }
}

pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod attempt_tests;
#[cfg(test)]
mod save_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        assert_eq!(Location::parse("a.db"), Location::Sqlite("a.db".into()));
        assert_eq!(
            Location::parse("sqlite:///tmp/a.db?mode=rwc"),
            Location::Sqlite("/tmp/a.db".into())
        );
        assert!(matches!(
            Location::parse("postgres://u:pw@h/db"),
            Location::Postgres(_)
        ));
        assert_eq!(
            Location::parse("postgres://u:pw@h:5432/db").describe(),
            "PostgreSQL at h:5432/db"
        );
    }
}
