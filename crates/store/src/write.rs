//! Writing a return: one transaction that replaces the employer's current return for the
//! census date, keeps the replaced one in the audit history and drops stale snapshots.
//! A process killed part way leaves the database exactly as it was (the transaction
//! never commits).

use anyhow::{Context, Result};
use chrono::NaiveDate;
use observatory_domain::{ReturnData, codes};
use sqlx::{AssertSqlSafe, QueryBuilder};

use crate::{Store, now, on_pool};

/// Who submitted what, for the audit history.
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
}

/// Rows per INSERT statement: under SQLite's 32,766 bound parameters for the widest table.
const CHUNK: usize = 1000;

fn yes_no(v: Option<bool>) -> Option<&'static str> {
    v.map(|b| if b { "yes" } else { "no" })
}

fn title_norm(t: &Option<String>) -> Option<String> {
    t.as_deref().map(observatory_domain::codes::normalise_title)
}

/// The area most of an employer's settings are in, used to place it in the tracker.
fn main_area(data: &ReturnData) -> Option<&str> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for s in &data.settings {
        *counts.entry(s.area_code.as_str()).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(a, _)| a)
}

impl Store {
    /// Store a validated return, atomically replacing the current one for the same
    /// employer and census date.
    pub async fn save_return(&self, info: &SaveInfo<'_>, data: &ReturnData) -> Result<Saved> {
        let c = codes();
        let date = info.census_date.to_string();
        let at = now();
        let area = main_area(data);
        let role_code = |r: Option<u16>| r.map(|r| c.roles.code(r as usize));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await.context("cannot start a transaction")?;
            // Upserting the employer first locks its row, so two submissions for the same
            // employer run one after the other instead of racing.
            sqlx::query(
                "INSERT INTO employers (id, name, area_code, registered_by_hand, created_at)
                 VALUES ($1, $2, $3, 0, $4)
                 ON CONFLICT (id) DO UPDATE SET
                   name = COALESCE(excluded.name, employers.name),
                   area_code = COALESCE(excluded.area_code, employers.area_code)",
            )
            .bind(info.employer_id)
            .bind(info.employer_name)
            .bind(area)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
            // An approved return is locked until its area reopens it.
            let approved: Option<(String, String)> = sqlx::query_as(
                "SELECT approved_by, approved_at FROM return_approvals WHERE employer_id = $1 AND census_date = $2",
            )
            .bind(info.employer_id)
            .bind(&date)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((approved_by, approved_at)) = approved {
                return Err(crate::ReturnLocked {
                    employer_id: info.employer_id.to_string(),
                    census_date: info.census_date,
                    approved_by,
                    approved_at,
                }
                .into());
            }
            let old: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM returns WHERE employer_id = $1 AND census_date = $2 AND status = 'current'",
            )
            .bind(info.employer_id)
            .bind(&date)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(old) = old {
                sqlx::query("UPDATE returns SET status = 'replaced', replaced_at = $1 WHERE id = $2")
                    .bind(&at)
                    .bind(old)
                    .execute(&mut *tx)
                    .await?;
                for table in ["workers", "leavers", "vacancies", "settings"] {
                    sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE return_id = $1")))
                        .bind(old)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO returns (employer_id, census_date, status, submitted_at, submitted_by,
                   source, file_digest, settings, posts, leavers, vacancies, warnings)
                 VALUES ($1, $2, 'current', $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
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
            .fetch_one(&mut *tx)
            .await?;

            for chunk in data.settings.chunks(CHUNK) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO settings (return_id, setting_id, name, setting_type, area_code,
                       employing_sector, provision, multi_agency, places) ",
                );
                q.push_values(chunk, |mut b, s| {
                    b.push_bind(id)
                        .push_bind(s.setting_id.as_str())
                        .push_bind(s.name.as_str())
                        .push_bind(c.setting_types.code(s.setting_type as usize))
                        .push_bind(s.area_code.as_str())
                        .push_bind(c.employing_sector.code(s.employing_sector as usize))
                        .push_bind(c.provision.code(s.provision as usize))
                        .push_bind(yes_no(s.multi_agency))
                        .push_bind(s.places.map(i64::from));
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.workers.chunks(CHUNK) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO workers (return_id, worker_ref, person_key, setting_id, role, job_title,
                       job_title_norm, contract, fte, start_date, gender, ethnicity, disability, birth_year,
                       qualification_level, qualification_status, annual_pay) ",
                );
                q.push_values(chunk, |mut b, w| {
                    b.push_bind(id)
                        .push_bind(w.worker_ref.as_str())
                        .push_bind(w.person.map(|k| k.to_vec()))
                        .push_bind(w.setting_id.as_str())
                        .push_bind(role_code(w.role))
                        .push_bind(w.job_title.as_deref())
                        .push_bind(title_norm(&w.job_title))
                        .push_bind(c.contract.code(w.contract as usize))
                        .push_bind(i64::from(w.fte))
                        .push_bind(w.start_date.to_string())
                        .push_bind(c.gender.code(w.gender as usize))
                        .push_bind(c.ethnicity.code(w.ethnicity as usize))
                        .push_bind(c.disability.code(w.disability as usize))
                        .push_bind(i64::from(w.birth_year))
                        .push_bind(c.qualification_level.code(w.qualification_level as usize))
                        .push_bind(c.qualification_status.code(w.qualification_status as usize))
                        .push_bind(w.annual_pay.map(i64::from));
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.leavers.chunks(CHUNK) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO leavers (return_id, worker_ref, person_key, setting_id, role, job_title,
                       job_title_norm, contract, fte, leave_date, reason, destination, gender, ethnicity,
                       birth_year) ",
                );
                q.push_values(chunk, |mut b, l| {
                    b.push_bind(id)
                        .push_bind(l.worker_ref.as_str())
                        .push_bind(l.person.map(|k| k.to_vec()))
                        .push_bind(l.setting_id.as_str())
                        .push_bind(role_code(l.role))
                        .push_bind(l.job_title.as_deref())
                        .push_bind(title_norm(&l.job_title))
                        .push_bind(c.contract.code(l.contract as usize))
                        .push_bind(i64::from(l.fte))
                        .push_bind(l.leave_date.to_string())
                        .push_bind(c.reason.code(l.reason as usize))
                        .push_bind(c.destination.code(l.destination as usize))
                        .push_bind(l.gender.map(|g| c.gender.code(g as usize)))
                        .push_bind(l.ethnicity.map(|e| c.ethnicity.code(e as usize)))
                        .push_bind(l.birth_year.map(i64::from));
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in data.vacancies.chunks(CHUNK) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO vacancies (return_id, setting_id, role, job_title, job_title_norm,
                       vacant_posts, vacant_fte, hard_to_fill, covered_by_agency) ",
                );
                q.push_values(chunk, |mut b, v| {
                    b.push_bind(id)
                        .push_bind(v.setting_id.as_str())
                        .push_bind(role_code(v.role))
                        .push_bind(v.job_title.as_deref())
                        .push_bind(title_norm(&v.job_title))
                        .push_bind(i64::from(v.vacant_posts))
                        .push_bind(i64::from(v.vacant_fte))
                        .push_bind(yes_no(v.hard_to_fill))
                        .push_bind(yes_no(v.covered_by_agency));
                });
                q.build().execute(&mut *tx).await?;
            }
            // Snapshots of this date, and of later dates whose year-on-year figures
            // look back at it, are now stale.
            sqlx::query("DELETE FROM cube_snapshots WHERE census_date >= $1")
                .bind(&date)
                .execute(&mut *tx)
                .await?;
            tx.commit().await.context("cannot commit the return")?;
            Ok(Saved { return_id: id, replaced: old })
        })
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
