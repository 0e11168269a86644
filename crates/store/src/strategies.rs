//! Local workforce strategies as stored: the imported file whole, its areas, and every
//! version imported. The store does not read the file; `observatory-strategy` does.

use anyhow::Result;

use crate::{Store, now, on_pool};

/// A stored strategy, without its file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StrategySummary {
    pub id: String,
    pub title: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// A version of a strategy: who made it, when, and what it changed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StrategyVersion {
    pub version: i64,
    pub imported_at: String,
    pub imported_by: String,
    pub summary: String,
}

/// A strategy as stored now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStrategy {
    pub body: String,
    pub areas: Vec<String>,
    pub version: i64,
}

/// A version to store.
pub struct NewStrategyVersion<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub areas: &'a [String],
    pub body: &'a str,
    pub by: &'a str,
    /// What it changed, in words.
    pub summary: &'a str,
    /// The version the change was made on: when another has been stored since, nothing
    /// is stored (someone else changed the strategy meanwhile). `None` replaces whatever
    /// is there (an import).
    pub expected: Option<i64>,
}

impl Store {
    /// Store a strategy's file (replacing any with the same id) as a new version. Gives
    /// the version number, or `None` when `expected` is no longer the latest version.
    pub async fn save_strategy(&self, v: &NewStrategyVersion<'_>) -> Result<Option<i64>> {
        let at = now();
        let version = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let last: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(version) FROM strategy_versions WHERE strategy_id = $1",
            ).bind(v.id).fetch_one(&mut *tx).await?;
            if v.expected.is_some_and(|e| Some(e) != last) {
                return Ok(None);
            }
            let version = last.unwrap_or(0) + 1;
            sqlx::query(
                "INSERT INTO strategies (id, title, body, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body,
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            ).bind(v.id).bind(v.title).bind(v.body).bind(&at).bind(v.by).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM strategy_areas WHERE strategy_id = $1")
                .bind(v.id).execute(&mut *tx).await?;
            for a in v.areas {
                sqlx::query("INSERT INTO strategy_areas (strategy_id, area_code) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(v.id).bind(a).execute(&mut *tx).await?;
            }
            // The primary key (strategy, version) refuses a second writer of the same
            // version, so two concurrent changes cannot both land on one version.
            sqlx::query(
                "INSERT INTO strategy_versions (strategy_id, version, body, imported_at, imported_by, summary) VALUES ($1, $2, $3, $4, $5, $6)",
            ).bind(v.id).bind(version).bind(v.body).bind(&at).bind(v.by).bind(v.summary).execute(&mut *tx).await?;
            tx.commit().await?;
            version
        });
        Ok(Some(version))
    }

    /// A strategy's file as stored now, its areas and its version.
    pub async fn strategy(&self, id: &str) -> Result<Option<StoredStrategy>> {
        let row: Option<(String, Option<i64>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT body, (SELECT MAX(version) FROM strategy_versions WHERE strategy_id = $1)
             FROM strategies WHERE id = $1",
        ).bind(id).fetch_optional(p).await?);
        let Some((body, version)) = row else {
            return Ok(None);
        };
        Ok(Some(StoredStrategy {
            body,
            areas: self.strategy_areas(id).await?,
            version: version.unwrap_or(0),
        }))
    }

    /// The areas a strategy covers.
    pub async fn strategy_areas(&self, id: &str) -> Result<Vec<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT area_code FROM strategy_areas WHERE strategy_id = $1 ORDER BY area_code",
        ).bind(id).fetch_all(p).await?))
    }

    /// Every strategy, by id, with its areas.
    pub async fn strategies(&self) -> Result<Vec<(StrategySummary, Vec<String>)>> {
        let list: Vec<StrategySummary> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, title, updated_at, updated_by FROM strategies ORDER BY id",
        ).fetch_all(p).await?);
        let mut out = Vec::with_capacity(list.len());
        for s in list {
            let areas = self.strategy_areas(&s.id).await?;
            out.push((s, areas));
        }
        Ok(out)
    }

    /// Every strategy's file with its areas, in two queries (for reading across all
    /// strategies, as an evidence item's page does for the decisions citing it).
    pub async fn strategy_files(&self) -> Result<Vec<(String, String, Vec<String>)>> {
        let files: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, body FROM strategies ORDER BY id",
        ).fetch_all(p).await?);
        let areas: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT strategy_id, area_code FROM strategy_areas ORDER BY strategy_id, area_code",
        ).fetch_all(p).await?);
        Ok(files
            .into_iter()
            .map(|(id, body)| {
                let of: Vec<String> = areas
                    .iter()
                    .filter(|(s, _)| *s == id)
                    .map(|(_, a)| a.clone())
                    .collect();
                (id, body, of)
            })
            .collect())
    }

    /// Every version of a strategy, newest first.
    pub async fn strategy_versions(&self, id: &str) -> Result<Vec<StrategyVersion>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT version, imported_at, imported_by, summary FROM strategy_versions
             WHERE strategy_id = $1 ORDER BY version DESC",
        ).bind(id).fetch_all(p).await?))
    }

    /// The file of one version of a strategy.
    pub async fn strategy_version_body(&self, id: &str, version: i64) -> Result<Option<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT body FROM strategy_versions WHERE strategy_id = $1 AND version = $2",
        ).bind(id).bind(version).fetch_optional(p).await?))
    }

    /// Record that a board report was made on a version of a strategy.
    pub async fn record_strategy_report(&self, id: &str, version: i64, by: &str) -> Result<()> {
        let at = now();
        on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO strategy_reports (strategy_id, version, made_at, made_by) VALUES ($1, $2, $3, $4)",
            ).bind(id).bind(version).bind(&at).bind(by).execute(p).await?;
        });
        Ok(())
    }

    /// The last board report made on a strategy: the version it was made on and when.
    pub async fn last_strategy_report(&self, id: &str) -> Result<Option<(i64, String)>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT version, made_at FROM strategy_reports WHERE strategy_id = $1
             ORDER BY made_at DESC, version DESC LIMIT 1",
        ).bind(id).fetch_optional(p).await?))
    }
}
