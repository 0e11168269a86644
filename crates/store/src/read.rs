//! Reading back: streaming a census date's records into an analysis sink, the returns
//! tracker, audit history, job titles waiting for a person, mapping profiles, snapshots.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use futures_util::TryStreamExt;
use observatory_domain::{CensusSink, codes};
use serde::Serialize;

use std::collections::HashMap;

use crate::census_rows::{CENSUS_SQL, feed};
use crate::{Pool, Store, on_pool};
use sqlx::AssertSqlSafe;

/// One employer in the returns tracker for a census date.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnStatus {
    pub employer_id: String,
    pub employer_name: Option<String>,
    pub area_code: Option<String>,
    /// Expected: returned the previous census, or registered by hand.
    pub expected: bool,
    pub returned: bool,
    pub submitted_at: Option<String>,
    pub posts: Option<i64>,
    pub warnings: Option<i64>,
}

/// One version of a return in the audit history.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub return_id: i64,
    pub employer_id: String,
    pub census_date: String,
    pub status: String,
    pub submitted_at: String,
    pub submitted_by: String,
    pub source: String,
    pub file_digest: String,
    pub settings: i64,
    pub posts: i64,
    pub leavers: i64,
    pub vacancies: i64,
    pub warnings: i64,
    pub replaced_at: Option<String>,
}

/// A job title seen in current returns that no map resolves yet.
#[derive(Debug, Clone, Serialize)]
pub struct UnmappedTitle {
    pub title_norm: String,
    pub example: String,
    pub rows: i64,
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .with_context(|| format!("stored date '{s}' is damaged"))
}

/// Every employer (in area $2, or all) with whether it is expected to return for census
/// date $1 (registered by hand, or returned at the census before) and its current return
/// for that date, if any.
const RETURNS_STATUS: &str = "SELECT e.id, e.name, e.area_code,
    CAST(CASE WHEN e.registered_by_hand = 1 OR EXISTS (
        SELECT 1 FROM returns pr WHERE pr.employer_id = e.id AND pr.status = 'current'
          AND pr.census_date = (SELECT MAX(census_date) FROM returns WHERE census_date < $1))
      THEN 1 ELSE 0 END AS BIGINT) AS expected,
    r.submitted_at, r.posts, r.warnings
 FROM employers e
 LEFT JOIN returns r ON r.employer_id = e.id AND r.census_date = $1 AND r.status = 'current'
 WHERE ($2 IS NULL OR e.area_code = $2)";

impl Store {
    /// Census dates that have at least one current return, oldest first.
    pub async fn census_dates(&self) -> Result<Vec<NaiveDate>> {
        let rows: Vec<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT DISTINCT census_date FROM returns WHERE status = 'current' ORDER BY census_date",
        ).fetch_all(p).await?);
        rows.iter().map(|s| date(s)).collect()
    }

    /// A token that changes whenever anything a snapshot depends on changes.
    pub async fn generation(&self) -> Result<String> {
        let (a, b, c): (Option<i64>, i64, Option<String>) = on_pool!(self, p => sqlx::query_as(
            "SELECT (SELECT MAX(id) FROM returns), (SELECT COUNT(*) FROM jobtitle_map),
                    (SELECT MAX(confirmed_at) FROM jobtitle_map)",
        ).fetch_one(p).await?);
        Ok(format!(
            "{}:{}:{}",
            a.unwrap_or(0),
            b,
            c.unwrap_or_default()
        ))
    }

    /// The stored snapshot of a census date if it was built from the current data.
    pub async fn snapshot(&self, date: NaiveDate, generation: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(String, Vec<u8>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT generation, data FROM cube_snapshots WHERE census_date = $1",
        ).bind(date.to_string()).fetch_optional(p).await?);
        Ok(row.filter(|(g, _)| g == generation).map(|(_, d)| d))
    }

    /// Filled posts in the employer's latest current return before this census date.
    pub async fn previous_posts(&self, employer: &str, date: NaiveDate) -> Result<Option<usize>> {
        let n: Option<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT posts FROM returns WHERE employer_id = $1 AND census_date < $2 AND status = 'current'
             ORDER BY census_date DESC LIMIT 1",
        ).bind(employer).bind(date.to_string()).fetch_optional(p).await?);
        Ok(n.map(|n| n as usize))
    }

    /// Filled posts in every employer's latest current return before this census date.
    pub async fn previous_posts_before(&self, date: NaiveDate) -> Result<HashMap<String, usize>> {
        let rows: Vec<(String, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT employer_id, posts FROM returns WHERE census_date < $1 AND status = 'current'
             ORDER BY census_date",
        ).bind(date.to_string()).fetch_all(p).await?);
        // Later dates come last and overwrite earlier ones.
        Ok(rows.into_iter().map(|(e, n)| (e, n as usize)).collect())
    }

    /// Stream every current record of a census date into `sink`: all settings first,
    /// then workers, leavers and vacancies. Job titles resolve through confirmed mappings.
    pub async fn load_census(
        &self,
        census_date: NaiveDate,
        sink: &mut (dyn CensusSink + Send),
    ) -> Result<()> {
        let d = census_date.to_string();
        match &self.pool {
            Pool::Sqlite(pool) => {
                crate::direct::with_connection(pool, |db| crate::direct::load_census(db, &d, sink))
                    .await
            }
            Pool::Postgres(pool) => {
                for (kind, sql) in CENSUS_SQL.iter().enumerate() {
                    let mut rows = sqlx::query(*sql).bind(&d).fetch(pool);
                    while let Some(r) = rows.try_next().await? {
                        feed(kind, &r, sink)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// How many employers have returned for a census date (in an area, or everywhere)
    /// and how many are expected to (as [`Store::returns_status`] counts them), counted
    /// in the database: every answer carries these, so no rows are fetched for them.
    pub async fn returns_counts(&self, date: NaiveDate, area: Option<&str>) -> Result<(i64, i64)> {
        let d = date.to_string();
        let (stored, expected): (i64, i64) = on_pool!(self, p => sqlx::query_as(
                AssertSqlSafe(format!(
                    "SELECT CAST(COUNT(submitted_at) AS BIGINT), CAST(COUNT(*) AS BIGINT)
                     FROM ({RETURNS_STATUS}) s WHERE expected = 1 OR submitted_at IS NOT NULL"
                )),
            ).bind(&d).bind(area).fetch_one(p).await?);
        Ok((stored, expected))
    }

    /// Who has returned for a census date and who is expected but has not.
    pub async fn returns_status(
        &self,
        date: NaiveDate,
        area: Option<&str>,
    ) -> Result<Vec<ReturnStatus>> {
        let d = date.to_string();
        type Row = (
            String,
            Option<String>,
            Option<String>,
            i64,
            Option<String>,
            Option<i64>,
            Option<i64>,
        );
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(
                AssertSqlSafe(format!("{RETURNS_STATUS} ORDER BY e.id")),
            ).bind(&d).bind(area).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .filter(|r| r.3 == 1 || r.4.is_some())
            .map(
                |(id, name, area, expected, at, posts, warnings)| ReturnStatus {
                    employer_id: id,
                    employer_name: name,
                    area_code: area,
                    expected: expected == 1,
                    returned: at.is_some(),
                    submitted_at: at,
                    posts,
                    warnings,
                },
            )
            .collect())
    }

    /// Every version of an employer's returns, newest first.
    pub async fn history(&self, employer: &str) -> Result<Vec<AuditEntry>> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            i64,
            i64,
            i64,
            i64,
            i64,
            Option<String>,
        );
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, employer_id, census_date, status, submitted_at, submitted_by, source, file_digest,
                    settings, posts, leavers, vacancies, warnings, replaced_at
             FROM returns WHERE employer_id = $1 ORDER BY id DESC",
        ).bind(employer).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                return_id: r.0,
                employer_id: r.1,
                census_date: r.2,
                status: r.3,
                submitted_at: r.4,
                submitted_by: r.5,
                source: r.6,
                file_digest: r.7,
                settings: r.8,
                posts: r.9,
                leavers: r.10,
                vacancies: r.11,
                warnings: r.12,
                replaced_at: r.13,
            })
            .collect())
    }

    /// Job titles in current returns that neither the shipped synonyms nor a confirmed
    /// mapping resolve, most frequent first.
    pub async fn unmapped_titles(&self) -> Result<Vec<UnmappedTitle>> {
        let rows: Vec<(String, String, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT t.job_title_norm, MIN(t.job_title), COUNT(*) FROM (
                 SELECT return_id, job_title, job_title_norm, role FROM workers
                 UNION ALL SELECT return_id, job_title, job_title_norm, role FROM leavers
                 UNION ALL SELECT return_id, job_title, job_title_norm, role FROM vacancies) t
             JOIN returns r ON r.id = t.return_id AND r.status = 'current'
             WHERE t.role IS NULL AND t.job_title_norm IS NOT NULL
               AND t.job_title_norm NOT IN (SELECT title_norm FROM jobtitle_map)
             GROUP BY t.job_title_norm ORDER BY COUNT(*) DESC, t.job_title_norm",
        ).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(title_norm, example, rows)| UnmappedTitle {
                title_norm,
                example,
                rows,
            })
            .collect())
    }

    /// Confirmed job-title mappings (normalised title -> role position).
    pub async fn confirmed_titles(&self) -> Result<HashMap<String, usize>> {
        let rows: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT title_norm, role FROM jobtitle_map",
        ).fetch_all(p).await?);
        let c = codes();
        Ok(rows
            .into_iter()
            .filter_map(|(t, r)| c.roles.find(&r).map(|i| (t, i)))
            .collect())
    }

    /// A saved mapping profile's JSON, if there is one by that name.
    pub async fn mapping(&self, name: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT body FROM mapping_profiles WHERE name = $1",
        ).bind(name).fetch_optional(p).await?))
    }
}
