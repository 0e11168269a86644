//! Throw-away databases for tests, of this crate and of the crates above it (the web
//! app's and the command line's end-to-end tests): a fresh PostgreSQL database on the
//! test server at 127.0.0.1:5432 (trust authentication, `.ci/run` starts it), and a
//! [`Store`] on either backend. Written once so that every test creates, names and
//! removes its databases the same way.

use crate::{Location, Store};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The test server; a database's URL is this, `/`, its name.
pub const PG_SERVER: &str = "postgres://root@127.0.0.1:5432";

/// Run SQL against the server's `test` database as an administrator.
fn psql(sql: &str) -> std::io::Result<std::process::Output> {
    psql_on("test", sql)
}

fn psql_on(database: &str, sql: &str) -> std::io::Result<std::process::Output> {
    Command::new("psql")
        .args(["-h", "127.0.0.1", "-d", database, "-v", "ON_ERROR_STOP=1"])
        .args(["-q", "-c", sql])
        .output()
}

/// `PREFIX_PID_N`: unique among the tests of one process, and among processes running
/// at once.
fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}_{}_{n}", std::process::id())
}

/// An empty PostgreSQL database of one test's own, dropped (connections and all) when
/// this is.
pub struct PgDb {
    name: String,
}

impl PgDb {
    /// A new database `PREFIX_PID_N`, replacing any that an earlier run with the same
    /// process id left behind. Panics when the server is not there: the tests need it.
    pub fn create(prefix: &str) -> PgDb {
        let name = unique(prefix);
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            let out = psql(&sql).expect("psql runs");
            assert!(
                out.status.success(),
                "psql {sql}: {} (PostgreSQL must be listening on 127.0.0.1:5432, see .ci/run)",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        PgDb { name }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL to open it with (`--db` on the command line).
    pub fn url(&self) -> String {
        format!("{PG_SERVER}/{}", self.name)
    }

    pub fn location(&self) -> Location {
        Location::Postgres(self.url())
    }

    /// Runs SQL in this database (a test breaking it on purpose, say).
    pub fn execute(&self, sql: &str) {
        let out = psql_on(&self.name, sql).expect("psql runs");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// A migrated [`Store`] on a throw-away database of either backend, removed when dropped.
pub struct TestDb {
    pub store: Store,
    /// "sqlite" or "postgres", for messages of tests run on both.
    pub name: &'static str,
    path: Option<PathBuf>,
    pg: Option<PgDb>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(unique("obs_sqlite"));
        std::fs::create_dir_all(&dir).unwrap();
        let loc = Location::Sqlite(dir.join("test.db"));
        TestDb {
            store: Store::open(&loc, true).await.unwrap(),
            name: "sqlite",
            path: Some(dir),
            pg: None,
        }
    }

    pub async fn postgres() -> TestDb {
        Self::postgres_named("obs_pg").await
    }

    /// As [`TestDb::postgres`], the database's name starting with `prefix`.
    pub async fn postgres_named(prefix: &str) -> TestDb {
        let pg = PgDb::create(prefix);
        TestDb {
            store: Store::open(&pg.location(), true).await.unwrap(),
            name: "postgres",
            path: None,
            pg: Some(pg),
        }
    }

    /// One of each backend, for a test body to run on both.
    pub async fn both() -> Vec<TestDb> {
        vec![TestDb::sqlite().await, TestDb::postgres().await]
    }

    /// A folder of this test's own (beside the SQLite file, or a temp one).
    pub fn dir(&self) -> PathBuf {
        let d = match (&self.path, &self.pg) {
            (Some(p), _) => p.join("work"),
            (None, Some(pg)) => std::env::temp_dir().join(format!("{}_work", pg.name())),
            (None, None) => unreachable!("a test database is a file or a PostgreSQL one"),
        };
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(p) = &self.path {
            let _ = std::fs::remove_dir_all(p);
        }
        if let Some(pg) = &self.pg {
            let _ =
                std::fs::remove_dir_all(std::env::temp_dir().join(format!("{}_work", pg.name())));
        }
    }
}
