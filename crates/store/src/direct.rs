//! SQLite's bulk paths, run with rusqlite on sqlx's own connection handle: storing returns
//! with prepared statements reused row by row (many returns in one transaction), and
//! streaming a census date's records back for the analysis cube. Through sqlx every value
//! is bound or decoded through an allocation and a channel to its worker thread; at
//! national scale (3 million posts) that cost more than reading and checking the files.

use anyhow::{Context, Result};
use observatory_domain::CensusSink;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use sqlx::SqlitePool;

use crate::ReturnLocked;
use crate::census_rows::{CENSUS_SQL, feed};
use crate::write::{SaveItem, SaveSteps, Saved, Table, Val, save_one};

impl rusqlite::ToSql for Val<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Int(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Val::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Blob(Some(b)) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Val::Int(None) | Val::Text(None) | Val::Blob(None) => {
                ToSqlOutput::Borrowed(ValueRef::Null)
            }
        })
    }
}

/// Run `f` on one of the pool's connections, with sqlx's handle locked for the duration
/// (sqlx's worker leaves it alone). The work is synchronous; on a multi-threaded runtime
/// the thread is handed over to blocking work so other tasks keep running.
pub(crate) async fn with_connection<R>(
    pool: &SqlitePool,
    f: impl FnOnce(&Connection) -> Result<R>,
) -> Result<R> {
    let mut conn = pool.acquire().await.context("cannot open a connection")?;
    let mut handle = conn.lock_handle().await?;
    let raw = handle.as_raw_handle().as_ptr();
    // SAFETY: the handle is sqlx's open connection, locked (not used by sqlx) while
    // `handle` lives, which is longer than `db`; `from_handle` never closes it.
    let db = unsafe { Connection::from_handle(raw) }?;
    let run = || f(&db);
    let out = match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(run),
        _ => run(),
    };
    drop(db);
    drop(handle);
    out
}

/// Store returns in one transaction (see [`crate::Store::save_returns`]).
pub(crate) fn save_batch(
    db: &Connection,
    items: &[SaveItem<'_>],
) -> Result<Vec<Result<Saved, ReturnLocked>>> {
    db.execute_batch("BEGIN IMMEDIATE")
        .context("cannot start a transaction")?;
    let out = save_in_transaction(db, items).and_then(|out| {
        db.execute_batch("COMMIT")
            .context("cannot commit the returns")?;
        Ok(out)
    });
    if out.is_err() && !db.is_autocommit() {
        let _ = db.execute_batch("ROLLBACK");
    }
    out
}

/// Each return through the one save sequence ([`save_one`]), all in the caller's
/// transaction and at one time stamp.
fn save_in_transaction(
    db: &Connection,
    items: &[SaveItem<'_>],
) -> Result<Vec<Result<Saved, ReturnLocked>>> {
    let at = crate::now();
    let mut steps = SqliteSteps(db);
    run_ready(async {
        let mut out = Vec::with_capacity(items.len());
        for (info, data) in items {
            out.push(save_one(&mut steps, info, data, &at).await?);
        }
        Ok(out)
    })
}

/// Run a future that never waits (the SQLite steps are synchronous calls) to its end.
pub(crate) fn run_ready<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => unreachable!("the SQLite save steps never wait"),
    }
}

/// The save steps on SQLite: statements prepared once per connection and reused.
struct SqliteSteps<'c>(&'c Connection);

impl SaveSteps for SqliteSteps<'_> {
    /// Nothing to do: `BEGIN IMMEDIATE` holds the database's write lock for the whole
    /// transaction, so no other submission runs beside this one.
    async fn lock_employer(&mut self, _employer_id: &str) -> Result<()> {
        Ok(())
    }

    async fn execute(&mut self, sql: &'static str, args: &[Val<'_>]) -> Result<()> {
        self.0
            .prepare_cached(sql)?
            .execute(params_from_iter(args))?;
        Ok(())
    }

    async fn fetch_id(&mut self, sql: &'static str, args: &[Val<'_>]) -> Result<Option<i64>> {
        Ok(self
            .0
            .prepare_cached(sql)?
            .query_row(params_from_iter(args), |r| r.get(0))
            .optional()?)
    }

    async fn fetch_texts(
        &mut self,
        sql: &'static str,
        args: &[Val<'_>],
    ) -> Result<Option<(String, String)>> {
        Ok(self
            .0
            .prepare_cached(sql)?
            .query_row(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    async fn insert<T>(&mut self, table: &Table<T>, id: i64, records: &[T]) -> Result<()> {
        insert(self.0, table, id, records)
    }
}

/// Insert one table's records of a return, one prepared statement reused for every row.
fn insert<T>(db: &Connection, table: &Table<T>, id: i64, records: &[T]) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let width = table.columns.split(',').count();
    let marks = (1..=width)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = db.prepare_cached(&format!(
        "INSERT INTO {} ({}) VALUES ({marks})",
        table.name, table.columns
    ))?;
    for r in records {
        stmt.execute(params_from_iter((table.values)(id, r)))?;
    }
    Ok(())
}

/// The census date's current records (see [`crate::Store::load_census`]).
pub(crate) fn load_census(
    db: &Connection,
    census_date: &str,
    sink: &mut (dyn CensusSink + Send),
) -> Result<()> {
    for (kind, sql) in CENSUS_SQL.iter().enumerate() {
        let mut stmt = db.prepare(sql)?;
        let mut rows = stmt.query([census_date])?;
        while let Some(r) = rows.next()? {
            feed(kind, r, sink)?;
        }
    }
    Ok(())
}
