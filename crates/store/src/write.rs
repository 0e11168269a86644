//! Writing returns: each return replaces the employer's current return for its census
//! date in one transaction, keeps the replaced one in the audit history and drops stale
//! snapshots. A process killed part way leaves the database exactly as it was (the
//! transaction never commits).
//!
//! The SQL text, the mapping of records to columns and the order of the steps
//! ([`save_one`]) are written once here; SQLite runs them through [`crate::direct`]
//! (prepared statements reused row by row, many returns per transaction), PostgreSQL
//! through sqlx (multi-row INSERTs, one transaction a return).

use anyhow::{Context, Result};
use chrono::NaiveDate;
use observatory_domain::{Leaver, ReturnData, Setting, Vacancy, Worker, codes};
use sqlx::{PgConnection, QueryBuilder, Row};
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

/// Removing a replaced return's records from each record table (children of `returns`;
/// the replaced return itself stays in the history).
const DELETE_RECORDS: [&str; 4] = [
    "DELETE FROM settings WHERE return_id = $1",
    "DELETE FROM workers WHERE return_id = $1",
    "DELETE FROM leavers WHERE return_id = $1",
    "DELETE FROM vacancies WHERE return_id = $1",
];

/// A new employer is placed in the area most of its settings are in; an existing employer keeps its area whatever a
/// return says (only an administrator moves it: [`Store::register_employer`]), so no
/// employer can move itself out of its planner's tracker into another area's.
const UPSERT_EMPLOYER: &str =
    "INSERT INTO employers (id, name, area_code, registered_by_hand, created_at)
     VALUES ($1, $2, $3, 0, $4)
     ON CONFLICT (id) DO UPDATE SET
       name = COALESCE(excluded.name, employers.name),
       area_code = COALESCE(employers.area_code, excluded.area_code)";
const APPROVAL: &str = "SELECT approved_by, approved_at FROM return_approvals WHERE employer_id = $1 AND census_date = $2";
const CURRENT_ID: &str =
    "SELECT id FROM returns WHERE employer_id = $1 AND census_date = $2 AND status = 'current'";
/// The current return's id if its records are exactly these ($3: [`content_digest`]).
const CURRENT_SAME: &str = "SELECT id FROM returns WHERE employer_id = $1 AND census_date = $2 AND status = 'current' AND content_digest = $3";
const MARK_REPLACED: &str =
    "UPDATE returns SET status = 'replaced', replaced_at = $1 WHERE id = $2";
const INSERT_RETURN: &str =
    "INSERT INTO returns (employer_id, census_date, status, submitted_at, submitted_by,
       source, file_digest, settings, posts, leavers, vacancies, warnings, content_digest)
     VALUES ($1, $2, 'current', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
/// Snapshots of this date, and of later dates whose year-on-year figures look back at
/// it, are stale once a return of this date changes.
const DROP_SNAPSHOTS: &str = "DELETE FROM cube_snapshots WHERE census_date >= $1";

/// How one backend runs the statements of the save sequence, inside a transaction its
/// caller opened. The order of the statements is not the backend's to choose: it is
/// [`save_one`]'s. The methods are `async` for sqlx; SQLite's implementation never waits
/// ([`crate::direct`] runs it to completion in one poll).
pub(crate) trait SaveSteps {
    /// Serialise submissions for one employer until the transaction ends, before anything
    /// is read that a submission decides on: two of them never both read "no current
    /// return" and both insert one, and one that waited for another reads the approvals
    /// as they stand after it (the other's return may have been approved meanwhile).
    async fn lock_employer(&mut self, employer_id: &str) -> Result<()>;
    /// Run a statement for its effect.
    async fn execute(&mut self, sql: &'static str, args: &[Val<'_>]) -> Result<()>;
    /// The first row's first column as an integer (an id), if there is a row.
    async fn fetch_id(&mut self, sql: &'static str, args: &[Val<'_>]) -> Result<Option<i64>>;
    /// The first row's first two columns as text, if there is a row.
    async fn fetch_texts(
        &mut self,
        sql: &'static str,
        args: &[Val<'_>],
    ) -> Result<Option<(String, String)>>;
    /// Insert one table's records of a return: the bulk step, done the backend's fastest
    /// way (no per-row work beyond binding each value once).
    async fn insert<T>(&mut self, table: &Table<T>, id: i64, records: &[T]) -> Result<()>;
}

/// Saving one return, for both backends: the one order of the steps.
///
/// 1. Unchanged records (same [`content_digest`] as the current return): keep it, write
///    nothing, so the same return sent twice adds no version to the history.
/// 2. Lock the employer ([`SaveSteps::lock_employer`]).
/// 3. An approved return refuses the new one ([`ReturnLocked`]). Nothing has been written
///    yet, so SQLite can go on with the other returns of its batch in the same transaction.
/// 4. Record the employer (name, and area when new).
/// 5. Mark the current return replaced and remove its records.
/// 6. Insert the return and its records, table by table.
/// 7. Drop the snapshots the change makes stale.
pub(crate) async fn save_one(
    steps: &mut impl SaveSteps,
    info: &SaveInfo<'_>,
    data: &ReturnData,
    at: &str,
) -> Result<Result<Saved, ReturnLocked>> {
    let date = info.census_date.to_string();
    let digest = content_digest(data);
    let (employer, day) = (text(info.employer_id), text(&date));
    let current = [text(info.employer_id), text(&date)];
    if let Some(id) = steps
        .fetch_id(CURRENT_SAME, &[employer, day, text(&digest)])
        .await?
    {
        return Ok(Ok(Saved::kept(id)));
    }
    steps.lock_employer(info.employer_id).await?;
    if let Some((approved_by, approved_at)) = steps.fetch_texts(APPROVAL, &current).await? {
        return Ok(Err(ReturnLocked {
            employer_id: info.employer_id.to_string(),
            census_date: info.census_date,
            approved_by,
            approved_at,
        }));
    }
    let upsert = [
        text(info.employer_id),
        opt_text(info.employer_name),
        opt_text(data.main_area()),
        text(at),
    ];
    steps.execute(UPSERT_EMPLOYER, &upsert).await?;
    let old = steps.fetch_id(CURRENT_ID, &current).await?;
    if let Some(old) = old {
        steps.execute(MARK_REPLACED, &[text(at), int(old)]).await?;
        for sql in DELETE_RECORDS {
            steps.execute(sql, &[int(old)]).await?;
        }
    }
    let count = |n: usize| int(n as i64);
    let new_return = [
        text(info.employer_id),
        text(&date),
        text(at),
        text(info.submitted_by),
        text(info.source),
        text(info.digest),
        count(data.settings.len()),
        count(data.workers.len()),
        count(data.leavers.len()),
        count(data.vacancies.len()),
        count(info.warnings),
        text(&digest),
    ];
    let id = steps
        .fetch_id(INSERT_RETURN, &new_return)
        .await?
        .context("inserting a return gave no id")?;
    steps.insert(&SETTINGS, id, &data.settings).await?;
    steps.insert(&WORKERS, id, &data.workers).await?;
    steps.insert(&LEAVERS, id, &data.leavers).await?;
    steps.insert(&VACANCIES, id, &data.vacancies).await?;
    steps.execute(DROP_SNAPSHOTS, &[text(&date)]).await?;
    Ok(Ok(Saved {
        return_id: id,
        replaced: old,
        unchanged: false,
    }))
}

/// Rows per multi-row INSERT on PostgreSQL (well under its 65,535 bound parameters).
const CHUNK: usize = 1000;

/// The save steps on PostgreSQL, through sqlx on one transaction's connection.
struct PgSteps<'c>(&'c mut PgConnection);

/// Bind one value, typed even when NULL.
fn bind_pg<A: BindPg>(b: A, v: &Val<'_>) -> A {
    match v {
        Val::Int(x) => b.bind_val(*x),
        Val::Text(x) => b.bind_val(x.as_deref()),
        Val::Blob(x) => b.bind_val(*x),
    }
}

type Pg = sqlx::Postgres;

/// What [`bind_pg`] binds into: a statement, or a row of a multi-row INSERT.
trait BindPg {
    fn bind_val<'t, T: sqlx::Encode<'t, Pg> + sqlx::Type<Pg>>(self, v: T) -> Self;
}

impl BindPg for sqlx::query::Query<'_, Pg, sqlx::postgres::PgArguments> {
    fn bind_val<'t, T: sqlx::Encode<'t, Pg> + sqlx::Type<Pg>>(self, v: T) -> Self {
        self.bind(v)
    }
}

impl BindPg for &mut sqlx::query_builder::Separated<'_, Pg, &'static str> {
    fn bind_val<'t, T: sqlx::Encode<'t, Pg> + sqlx::Type<Pg>>(self, v: T) -> Self {
        self.push_bind(v)
    }
}

/// A statement with its values bound.
fn pg_query(
    sql: &'static str,
    args: &[Val<'_>],
) -> sqlx::query::Query<'static, Pg, sqlx::postgres::PgArguments> {
    args.iter().fold(sqlx::query(sql), bind_pg)
}

/// The employer's transaction-scoped advisory lock on PostgreSQL: storing a return and
/// approving or reopening it take it, so they never interleave.
pub(crate) async fn lock_employer_pg(
    conn: &mut sqlx::PgConnection,
    employer_id: &str,
) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(employer_id)
        .execute(conn)
        .await?;
    Ok(())
}

impl SaveSteps for PgSteps<'_> {
    /// A transaction-scoped advisory lock on the employer's id: it holds for employers
    /// not yet in the table too, and is released at commit or rollback.
    async fn lock_employer(&mut self, employer_id: &str) -> Result<()> {
        lock_employer_pg(self.0, employer_id).await
    }

    async fn execute(&mut self, sql: &'static str, args: &[Val<'_>]) -> Result<()> {
        pg_query(sql, args).execute(&mut *self.0).await?;
        Ok(())
    }

    async fn fetch_id(&mut self, sql: &'static str, args: &[Val<'_>]) -> Result<Option<i64>> {
        let row = pg_query(sql, args).fetch_optional(&mut *self.0).await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    async fn fetch_texts(
        &mut self,
        sql: &'static str,
        args: &[Val<'_>],
    ) -> Result<Option<(String, String)>> {
        let row = pg_query(sql, args).fetch_optional(&mut *self.0).await?;
        Ok(row
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
            .transpose()?)
    }

    /// Multi-row INSERTs of [`CHUNK`] rows.
    async fn insert<T>(&mut self, table: &Table<T>, id: i64, records: &[T]) -> Result<()> {
        for chunk in records.chunks(CHUNK) {
            let mut q =
                QueryBuilder::new(format!("INSERT INTO {} ({}) ", table.name, table.columns));
            q.push_values(chunk, |mut b, r| {
                for v in (table.values)(id, r) {
                    bind_pg(&mut b, &v);
                }
            });
            q.build().execute(&mut *self.0).await?;
        }
        Ok(())
    }
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

/// One return on PostgreSQL, in its own transaction (rolled back when it is refused).
async fn save_pg(pool: &sqlx::PgPool, info: &SaveInfo<'_>, data: &ReturnData) -> Result<Saved> {
    let mut tx = pool.begin().await.context("cannot start a transaction")?;
    let saved = save_one(&mut PgSteps(&mut tx), info, data, &now()).await??;
    tx.commit().await.context("cannot commit the return")?;
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers as a database holding an employer's current return (approved or not, its
    /// records `same` as the new ones or not) would, and notes each step asked for.
    struct Recorder {
        log: Vec<String>,
        same: bool,
        approved: bool,
    }

    impl SaveSteps for Recorder {
        async fn lock_employer(&mut self, employer_id: &str) -> Result<()> {
            self.log.push(format!("lock {employer_id}"));
            Ok(())
        }

        async fn execute(&mut self, sql: &'static str, _: &[Val<'_>]) -> Result<()> {
            self.log.push(sql.into());
            Ok(())
        }

        async fn fetch_id(&mut self, sql: &'static str, _: &[Val<'_>]) -> Result<Option<i64>> {
            self.log.push(sql.into());
            Ok(match sql {
                CURRENT_SAME => self.same.then_some(1),
                CURRENT_ID => Some(1),
                _ => Some(2),
            })
        }

        async fn fetch_texts(
            &mut self,
            sql: &'static str,
            _: &[Val<'_>],
        ) -> Result<Option<(String, String)>> {
            self.log.push(sql.into());
            Ok(self.approved.then(|| ("planner".into(), "today".into())))
        }

        async fn insert<T>(&mut self, table: &Table<T>, _: i64, _: &[T]) -> Result<()> {
            self.log.push(format!("insert {}", table.name));
            Ok(())
        }
    }

    fn save(same: bool, approved: bool) -> (Vec<String>, Result<Saved, ReturnLocked>) {
        let mut r = Recorder {
            log: Vec::new(),
            same,
            approved,
        };
        let info = SaveInfo {
            employer_id: "E1",
            employer_name: None,
            census_date: NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
            submitted_by: "t",
            source: "t.zip",
            digest: "d",
            warnings: 0,
        };
        let data = ReturnData::default();
        let out = crate::direct::run_ready(save_one(&mut r, &info, &data, "now")).unwrap();
        (r.log, out)
    }

    /// Both backends save through [`save_one`]; this pins its order: the unchanged check,
    /// the lock, the approval check before anything is written, then the replacement, the
    /// new return and its records, and the stale snapshots last.
    #[test]
    fn the_save_sequence_runs_its_steps_in_one_order() {
        let (log, out) = save(false, false);
        assert_eq!(
            out.unwrap(),
            Saved {
                return_id: 2,
                replaced: Some(1),
                unchanged: false
            }
        );
        let mut want: Vec<String> = [CURRENT_SAME, "lock E1", APPROVAL, UPSERT_EMPLOYER]
            .into_iter()
            .chain([CURRENT_ID, MARK_REPLACED])
            .chain(DELETE_RECORDS)
            .chain([INSERT_RETURN])
            .map(String::from)
            .collect();
        want.extend(RECORD_NAMES.map(|t| format!("insert {t}")));
        want.push(DROP_SNAPSHOTS.into());
        assert_eq!(log, want);

        let (log, out) = save(false, true);
        assert_eq!(out.unwrap_err().approved_by, "planner");
        assert_eq!(log, [CURRENT_SAME, "lock E1", APPROVAL], "nothing written");

        let (log, out) = save(true, true);
        assert_eq!(out.unwrap(), Saved::kept(1));
        assert_eq!(log, [CURRENT_SAME]);
    }

    const RECORD_NAMES: [&str; 4] = [SETTINGS.name, WORKERS.name, LEAVERS.name, VACANCIES.name];
}
