//! SQLite's bulk paths, run with rusqlite on sqlx's own connection handle: storing returns
//! with prepared statements reused row by row (many returns in one transaction), and
//! streaming a census date's records back for the analysis cube. Through sqlx every value
//! is bound or decoded through an allocation and a channel to its worker thread; at
//! national scale (3 million posts) that cost more than reading and checking the files.

use anyhow::{Context, Result};
use observatory_domain::CensusSink;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, params};
use sqlx::SqlitePool;

use crate::ReturnLocked;
use crate::census_rows::{CENSUS_SQL, feed};
use crate::write::{
    APPROVAL, CURRENT_ID, CURRENT_SAME, DROP_SNAPSHOTS, INSERT_RETURN, LEAVERS, MARK_REPLACED,
    RECORD_TABLES, SETTINGS, SaveItem, Saved, Table, UPSERT_EMPLOYER, VACANCIES, Val, WORKERS,
    content_digest,
};

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

fn save_in_transaction(
    db: &Connection,
    items: &[SaveItem<'_>],
) -> Result<Vec<Result<Saved, ReturnLocked>>> {
    let at = crate::now();
    let mut out = Vec::with_capacity(items.len());
    let mut earliest: Option<String> = None;
    for (info, data) in items {
        let date = info.census_date.to_string();
        let digest = content_digest(data);
        let same: Option<i64> = db
            .prepare_cached(CURRENT_SAME)?
            .query_row(params![info.employer_id, date, digest], |r| r.get(0))
            .optional()?;
        if let Some(id) = same {
            out.push(Ok(Saved::kept(id)));
            continue;
        }
        let approved: Option<(String, String)> = db
            .prepare_cached(APPROVAL)?
            .query_row(params![info.employer_id, date], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((approved_by, approved_at)) = approved {
            out.push(Err(ReturnLocked {
                employer_id: info.employer_id.to_string(),
                census_date: info.census_date,
                approved_by,
                approved_at,
            }));
            continue;
        }
        db.prepare_cached(UPSERT_EMPLOYER)?.execute(params![
            info.employer_id,
            info.employer_name,
            data.main_area(),
            at
        ])?;
        let old: Option<i64> = db
            .prepare_cached(CURRENT_ID)?
            .query_row(params![info.employer_id, date], |r| r.get(0))
            .optional()?;
        if let Some(old) = old {
            db.prepare_cached(MARK_REPLACED)?
                .execute(params![at, old])?;
            for table in RECORD_TABLES {
                db.prepare_cached(&format!("DELETE FROM {table} WHERE return_id = $1"))?
                    .execute([old])?;
            }
        }
        let id: i64 = db.prepare_cached(INSERT_RETURN)?.query_row(
            params![
                info.employer_id,
                date,
                at,
                info.submitted_by,
                info.source,
                info.digest,
                data.settings.len() as i64,
                data.workers.len() as i64,
                data.leavers.len() as i64,
                data.vacancies.len() as i64,
                info.warnings as i64,
                digest,
            ],
            |r| r.get(0),
        )?;
        insert(db, &SETTINGS, id, &data.settings)?;
        insert(db, &WORKERS, id, &data.workers)?;
        insert(db, &LEAVERS, id, &data.leavers)?;
        insert(db, &VACANCIES, id, &data.vacancies)?;
        if earliest.as_ref().is_none_or(|e| date < *e) {
            earliest = Some(date);
        }
        out.push(Ok(Saved {
            return_id: id,
            replaced: old,
            unchanged: false,
        }));
    }
    if let Some(earliest) = earliest {
        db.prepare_cached(DROP_SNAPSHOTS)?.execute([earliest])?;
    }
    Ok(out)
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
        stmt.execute(rusqlite::params_from_iter((table.values)(id, r)))?;
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
