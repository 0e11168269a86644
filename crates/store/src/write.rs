//! Writing returns: each return replaces the employer's current return for its census
//! date in one transaction, keeps the replaced one in the audit history and drops stale
//! snapshots. A process killed part way leaves the database exactly as it was (the
//! transaction never commits).
//!
//! The SQL text and the mapping of records to columns are written once here; SQLite runs
//! them through [`crate::direct`] (prepared statements reused row by row, many returns per
//! transaction), PostgreSQL through sqlx (multi-row INSERTs, one transaction a return).

use anyhow::{Context, Result};
use chrono::NaiveDate;
use observatory_domain::{Leaver, ReturnData, Setting, Vacancy, Worker, codes};
use sqlx::{AssertSqlSafe, PgConnection, QueryBuilder};
use std::borrow::Cow;

use crate::{Pool, ReturnLocked, Store, now, on_pool};

/// Who submitted what, for the audit history.
#[derive(Clone, Copy)]
pub struct SaveInfo<'a> {
    pub employer_id: &'a str,
    pub employer_name: Option<&'a str>,
    pub census_date: NaiveDate,
    pub submitted_by: &'a str,
    pub source: &'a str,
    pub digest: &'a str,
    pub warnings: usize,
}

/// The stored return and the one it replaced, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Saved {
    pub return_id: i64,
    pub replaced: Option<i64>,
    /// The records are exactly those of the current return, which was kept as it is:
    /// sending the same return twice adds no version to the history.
    pub unchanged: bool,
}

impl Saved {
    pub(crate) fn kept(return_id: i64) -> Saved {
        Saved {
            return_id,
            replaced: None,
            unchanged: true,
        }
    }
}

/// SHA-256 of a return's records as they are stored (after mapping, job-title
/// confirmation and hashing of person identifiers), so a return is "unchanged" when its
/// records are, whatever file or layout they came in.
pub(crate) fn content_digest(data: &ReturnData) -> String {
    use sha2::{Digest, Sha256};
    let bytes = bincode::serde::encode_to_vec(data, bincode::config::standard())
        .expect("records always encode");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One return to store, with who sent it.
pub type SaveItem<'a> = (SaveInfo<'a>, &'a ReturnData);

/// One stored value, typed even when NULL (PostgreSQL wants a NULL's type).
pub(crate) enum Val<'a> {
    Int(Option<i64>),
    Text(Option<Cow<'a, str>>),
    Blob(Option<&'a [u8]>),
}

fn text(s: &str) -> Val<'_> {
    Val::Text(Some(Cow::Borrowed(s)))
}

fn opt_text(s: Option<&str>) -> Val<'_> {
    Val::Text(s.map(Cow::Borrowed))
}

fn int(v: impl Into<i64>) -> Val<'static> {
    Val::Int(Some(v.into()))
}

fn yes_no(v: Option<bool>) -> Val<'static> {
    opt_text(v.map(|b| if b { "yes" } else { "no" }))
}

fn title_norm(t: &Option<String>) -> Val<'static> {
    Val::Text(
        t.as_deref()
            .map(|t| Cow::Owned(observatory_domain::codes::normalise_title(t))),
    )
}

fn role_code(r: Option<u16>) -> Val<'static> {
    opt_text(r.map(|r| codes().roles.code(r as usize)))
}

/// A record table: its columns, and one record's values in that order.
pub(crate) struct Table<T> {
    pub name: &'static str,
    pub columns: &'static str,
    pub values: for<'a> fn(i64, &'a T) -> Vec<Val<'a>>,
}

pub(crate) const SETTINGS: Table<Setting> = Table {
    name: "settings",
    columns: "return_id, setting_id, name, setting_type, area_code, employing_sector, provision, multi_agency, places",
    values: |id, s| {
        let c = codes();
        vec![
            int(id),
            text(&s.setting_id),
            text(&s.name),
            text(c.setting_types.code(s.setting_type as usize)),
            text(&s.area_code),
            text(c.employing_sector.code(s.employing_sector as usize)),
            text(c.provision.code(s.provision as usize)),
            yes_no(s.multi_agency),
            Val::Int(s.places.map(i64::from)),
        ]
    },
};

pub(crate) const WORKERS: Table<Worker> = Table {
    name: "workers",
    columns: "return_id, worker_ref, person_key, setting_id, role, job_title, job_title_norm, contract, fte, \
              start_date, gender, ethnicity, disability, birth_year, qualification_level, qualification_status, annual_pay",
    values: |id, w| {
        let c = codes();
        vec![
            int(id),
            text(&w.worker_ref),
            Val::Blob(w.person.as_ref().map(|k| &k[..])),
            text(&w.setting_id),
            role_code(w.role),
            opt_text(w.job_title.as_deref()),
            title_norm(&w.job_title),
            text(c.contract.code(w.contract as usize)),
            int(w.fte),
            Val::Text(Some(Cow::Owned(w.start_date.to_string()))),
            text(c.gender.code(w.gender as usize)),
            text(c.ethnicity.code(w.ethnicity as usize)),
            text(c.disability.code(w.disability as usize)),
            int(w.birth_year),
            text(c.qualification_level.code(w.qualification_level as usize)),
            text(c.qualification_status.code(w.qualification_status as usize)),
            Val::Int(w.annual_pay.map(i64::from)),
        ]
    },
};

pub(crate) const LEAVERS: Table<Leaver> = Table {
    name: "leavers",
    columns: "return_id, worker_ref, person_key, setting_id, role, job_title, job_title_norm, contract, fte, \
              leave_date, reason, destination, gender, ethnicity, birth_year",
    values: |id, l| {
        let c = codes();
        vec![
            int(id),
            text(&l.worker_ref),
            Val::Blob(l.person.as_ref().map(|k| &k[..])),
            text(&l.setting_id),
            role_code(l.role),
            opt_text(l.job_title.as_deref()),
            title_norm(&l.job_title),
            text(c.contract.code(l.contract as usize)),
            int(l.fte),
            Val::Text(Some(Cow::Owned(l.leave_date.to_string()))),
            text(c.reason.code(l.reason as usize)),
            text(c.destination.code(l.destination as usize)),
            opt_text(l.gender.map(|g| c.gender.code(g as usize))),
            opt_text(l.ethnicity.map(|e| c.ethnicity.code(e as usize))),
            Val::Int(l.birth_year.map(i64::from)),
        ]
    },
};

pub(crate) const VACANCIES: Table<Vacancy> = Table {
    name: "vacancies",
    columns: "return_id, setting_id, role, job_title, job_title_norm, vacant_posts, vacant_fte, hard_to_fill, covered_by_agency",
    values: |id, v| {
        vec![
            int(id),
            text(&v.setting_id),
            role_code(v.role),
            opt_text(v.job_title.as_deref()),
            title_norm(&v.job_title),
            int(v.vacant_posts),
            int(v.vacant_fte),
            yes_no(v.hard_to_fill),
            yes_no(v.covered_by_agency),
        ]
    },
};

/// The record tables, children of `returns`, in the order they are written.
pub(crate) const RECORD_TABLES: [&str; 4] = ["settings", "workers", "leavers", "vacancies"];

/// Upserting the employer first locks its row (PostgreSQL), so two submissions for the
/// same employer run one after the other instead of racing. A new employer is placed in
/// the area most of its settings are in; an existing employer keeps its area whatever a
/// return says (only an administrator moves it: [`Store::register_employer`]), so no
/// employer can move itself out of its planner's tracker into another area's.
pub(crate) const UPSERT_EMPLOYER: &str =
    "INSERT INTO employers (id, name, area_code, registered_by_hand, created_at)
     VALUES ($1, $2, $3, 0, $4)
     ON CONFLICT (id) DO UPDATE SET
       name = COALESCE(excluded.name, employers.name),
       area_code = COALESCE(employers.area_code, excluded.area_code)";
pub(crate) const APPROVAL: &str = "SELECT approved_by, approved_at FROM return_approvals WHERE employer_id = $1 AND census_date = $2";
pub(crate) const CURRENT_ID: &str =
    "SELECT id FROM returns WHERE employer_id = $1 AND census_date = $2 AND status = 'current'";
/// The current return's id if its records are exactly these ($3: [`content_digest`]).
pub(crate) const CURRENT_SAME: &str = "SELECT id FROM returns WHERE employer_id = $1 AND census_date = $2 AND status = 'current' AND content_digest = $3";
pub(crate) const MARK_REPLACED: &str =
    "UPDATE returns SET status = 'replaced', replaced_at = $1 WHERE id = $2";
pub(crate) const INSERT_RETURN: &str =
    "INSERT INTO returns (employer_id, census_date, status, submitted_at, submitted_by,
       source, file_digest, settings, posts, leavers, vacancies, warnings, content_digest)
     VALUES ($1, $2, 'current', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
/// Snapshots of this date, and of later dates whose year-on-year figures look back at
/// it, are stale once a return of this date changes.
pub(crate) const DROP_SNAPSHOTS: &str = "DELETE FROM cube_snapshots WHERE census_date >= $1";

/// Rows per multi-row INSERT on PostgreSQL (well under its 65,535 bound parameters).
const CHUNK: usize = 1000;

/// Insert one table's records of a return with multi-row INSERTs.
async fn insert_pg<T>(
    tx: &mut PgConnection,
    table: &Table<T>,
    id: i64,
    records: &[T],
) -> Result<()> {
    for chunk in records.chunks(CHUNK) {
        let mut q = QueryBuilder::new(format!("INSERT INTO {} ({}) ", table.name, table.columns));
        q.push_values(chunk, |mut b, r| {
            for v in (table.values)(id, r) {
                match v {
                    Val::Int(x) => b.push_bind(x),
                    Val::Text(x) => b.push_bind(x.map(Cow::into_owned)),
                    Val::Blob(x) => b.push_bind(x.map(<[u8]>::to_vec)),
                };
            }
        });
        q.build().execute(&mut *tx).await?;
    }
    Ok(())
}

impl Store {
    /// Store a validated return, atomically replacing the current one for the same
    /// employer and census date. An approved return is refused with [`ReturnLocked`].
    pub async fn save_return(&self, info: &SaveInfo<'_>, data: &ReturnData) -> Result<Saved> {
        match &self.pool {
            Pool::Sqlite(_) => {
                let item = (*info, data);
                let mut out = self.save_returns(std::slice::from_ref(&item)).await?;
                Ok(out.remove(0)?)
            }
            Pool::Postgres(pool) => save_pg(pool, info, data).await,
        }
    }

    /// Store many validated returns; each is all or nothing. On SQLite they share one
    /// transaction (the bulk path of a manifest import); on PostgreSQL each has its own.
    /// A return whose current version is approved comes back as [`ReturnLocked`] and the
    /// others are stored; any other failure stores none of them.
    pub async fn save_returns(
        &self,
        items: &[SaveItem<'_>],
    ) -> Result<Vec<Result<Saved, ReturnLocked>>> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                crate::direct::with_connection(pool, |db| crate::direct::save_batch(db, items))
                    .await
            }
            Pool::Postgres(pool) => {
                let mut out = Vec::with_capacity(items.len());
                for (info, data) in items {
                    out.push(match save_pg(pool, info, data).await {
                        Ok(s) => Ok(s),
                        Err(e) => Err(e.downcast::<ReturnLocked>()?),
                    });
                }
                Ok(out)
            }
        }
    }

    /// Register an employer that is expected to return (besides last year's returners).
    pub async fn register_employer(&self, id: &str, name: &str, area: &str) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO employers (id, name, area_code, registered_by_hand, created_at)
                 VALUES ($1, $2, $3, 1, $4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                   area_code = excluded.area_code, registered_by_hand = 1",
            )
            .bind(id)
            .bind(name)
            .bind(area)
            .bind(&at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Record that a job title means a role; used for every stored and future row.
    pub async fn confirm_title(&self, title: &str, role: &str, by: &str) -> Result<()> {
        let norm = observatory_domain::codes::normalise_title(title);
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO jobtitle_map (title_norm, role, confirmed_by, confirmed_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (title_norm) DO UPDATE SET role = excluded.role,
                   confirmed_by = excluded.confirmed_by, confirmed_at = excluded.confirmed_at",
            )
            .bind(&norm)
            .bind(role)
            .bind(by)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM cube_snapshots").execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Save (or replace) a named mapping profile (JSON text, checked by the caller).
    pub async fn save_mapping(&self, name: &str, body: &str) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO mapping_profiles (name, body, saved_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at",
            )
            .bind(name)
            .bind(body)
            .bind(&at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Keep a query snapshot of a census date.
    /// `generation` is [`Store::generation`] read before the data was loaded, so a
    /// snapshot built while an import committed is never taken for current.
    pub async fn put_snapshot(
        &self,
        date: NaiveDate,
        generation: &str,
        bytes: &[u8],
    ) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO cube_snapshots (census_date, generation, data, built_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (census_date) DO UPDATE SET generation = excluded.generation,
                   data = excluded.data, built_at = excluded.built_at",
            )
            .bind(date.to_string())
            .bind(generation)
            .bind(bytes)
            .bind(&at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

/// One return on PostgreSQL, in its own transaction.
async fn save_pg(pool: &sqlx::PgPool, info: &SaveInfo<'_>, data: &ReturnData) -> Result<Saved> {
    let mut tx = pool.begin().await.context("cannot start a transaction")?;
    let saved = save_pg_in(&mut tx, info, data).await?;
    tx.commit().await.context("cannot commit the return")?;
    Ok(saved)
}

async fn save_pg_in(
    tx: &mut PgConnection,
    info: &SaveInfo<'_>,
    data: &ReturnData,
) -> Result<Saved> {
    let date = info.census_date.to_string();
    let at = now();
    let digest = content_digest(data);
    let same: Option<i64> = sqlx::query_scalar(CURRENT_SAME)
        .bind(info.employer_id)
        .bind(&date)
        .bind(&digest)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(id) = same {
        return Ok(Saved::kept(id));
    }
    sqlx::query(UPSERT_EMPLOYER)
        .bind(info.employer_id)
        .bind(info.employer_name)
        .bind(data.main_area())
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    let approved: Option<(String, String)> = sqlx::query_as(APPROVAL)
        .bind(info.employer_id)
        .bind(&date)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some((approved_by, approved_at)) = approved {
        return Err(ReturnLocked {
            employer_id: info.employer_id.to_string(),
            census_date: info.census_date,
            approved_by,
            approved_at,
        }
        .into());
    }
    let old: Option<i64> = sqlx::query_scalar(CURRENT_ID)
        .bind(info.employer_id)
        .bind(&date)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(old) = old {
        sqlx::query(MARK_REPLACED)
            .bind(&at)
            .bind(old)
            .execute(&mut *tx)
            .await?;
        for table in RECORD_TABLES {
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE return_id = $1"
            )))
            .bind(old)
            .execute(&mut *tx)
            .await?;
        }
    }
    let id: i64 = sqlx::query_scalar(INSERT_RETURN)
        .bind(info.employer_id)
        .bind(&date)
        .bind(&at)
        .bind(info.submitted_by)
        .bind(info.source)
        .bind(info.digest)
        .bind(data.settings.len() as i64)
        .bind(data.workers.len() as i64)
        .bind(data.leavers.len() as i64)
        .bind(data.vacancies.len() as i64)
        .bind(info.warnings as i64)
        .bind(&digest)
        .fetch_one(&mut *tx)
        .await?;
    insert_pg(tx, &SETTINGS, id, &data.settings).await?;
    insert_pg(tx, &WORKERS, id, &data.workers).await?;
    insert_pg(tx, &LEAVERS, id, &data.leavers).await?;
    insert_pg(tx, &VACANCIES, id, &data.vacancies).await?;
    sqlx::query(DROP_SNAPSHOTS)
        .bind(&date)
        .execute(&mut *tx)
        .await?;
    Ok(Saved {
        return_id: id,
        replaced: old,
        unchanged: false,
    })
}
