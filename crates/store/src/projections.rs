//! Projection scenarios as stored: every version's scenario file and the census figures
//! it was projected from, and the population projections imported for demand. The store
//! reads neither; `observatory-projection` does.

use anyhow::Result;

use crate::{Store, now, on_pool};

/// A stored scenario, without its file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScenarioSummary {
    pub id: String,
    pub name: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// One version of a scenario: its file, its inputs, who saved it, when, and what it changed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScenarioVersion {
    pub version: i64,
    pub body: String,
    pub inputs: String,
    pub saved_at: String,
    pub saved_by: String,
    pub summary: String,
}

/// A version to store.
pub struct NewScenarioVersion<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub body: &'a str,
    pub inputs: &'a str,
    pub by: &'a str,
    pub summary: &'a str,
    /// The version the change was made on (`None`: a new scenario). When another has
    /// been stored since, or a new scenario's id is taken, nothing is stored.
    pub expected: Option<i64>,
}

/// An imported population projection, without its figures.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PopulationProjectionInfo {
    pub name: String,
    pub source: String,
    pub imported_at: String,
    pub imported_by: String,
}

impl Store {
    /// Stores a scenario version; gives its number, or `None` when `expected` is no
    /// longer the latest version (someone else changed it meanwhile).
    pub async fn save_scenario(&self, v: &NewScenarioVersion<'_>) -> Result<Option<i64>> {
        let at = now();
        Ok(on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let last: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(version) FROM projection_scenario_versions WHERE scenario_id = $1",
            ).bind(v.id).fetch_one(&mut *tx).await?;
            if v.expected != last {
                return Ok(None);
            }
            let version = last.unwrap_or(0) + 1;
            sqlx::query(
                "INSERT INTO projection_scenarios (id, name, updated_at, updated_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            ).bind(v.id).bind(v.name).bind(&at).bind(v.by).execute(&mut *tx).await?;
            // The primary key (scenario, version) refuses a second writer of one version.
            sqlx::query(
                "INSERT INTO projection_scenario_versions (scenario_id, version, body, inputs, saved_at, saved_by, summary)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            ).bind(v.id).bind(version).bind(v.body).bind(v.inputs).bind(&at).bind(v.by).bind(v.summary)
            .execute(&mut *tx).await?;
            tx.commit().await?;
            Some(version)
        }))
    }

    /// Every scenario, by name.
    pub async fn scenarios(&self) -> Result<Vec<ScenarioSummary>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, name, updated_at, updated_by FROM projection_scenarios ORDER BY name, id",
        ).fetch_all(p).await?))
    }

    /// A version of a scenario (`None`: the latest).
    pub async fn scenario(
        &self,
        id: &str,
        version: Option<i64>,
    ) -> Result<Option<ScenarioVersion>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT version, body, inputs, saved_at, saved_by, summary FROM projection_scenario_versions
             WHERE scenario_id = $1 AND ($2 IS NULL OR version = $2) ORDER BY version DESC LIMIT 1",
        ).bind(id).bind(version).fetch_optional(p).await?))
    }

    /// Every version of a scenario, newest first.
    pub async fn scenario_versions(&self, id: &str) -> Result<Vec<ScenarioVersion>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT version, body, inputs, saved_at, saved_by, summary FROM projection_scenario_versions
             WHERE scenario_id = $1 ORDER BY version DESC",
        ).bind(id).fetch_all(p).await?))
    }

    /// Stores a population projection under `name`, replacing any of that name.
    pub async fn save_population_projection(
        &self,
        name: &str,
        body: &str,
        source: &str,
        by: &str,
    ) -> Result<()> {
        let at = now();
        on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO population_projections (name, body, source, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (name) DO UPDATE SET body = excluded.body, source = excluded.source,
                   imported_at = excluded.imported_at, imported_by = excluded.imported_by",
            ).bind(name).bind(body).bind(source).bind(&at).bind(by).execute(p).await?;
        });
        Ok(())
    }

    /// A population projection's figures (JSON), by name.
    pub async fn population_projection(&self, name: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT body FROM population_projections WHERE name = $1",
        ).bind(name).fetch_optional(p).await?))
    }

    /// Every population projection imported.
    pub async fn population_projections(&self) -> Result<Vec<PopulationProjectionInfo>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT name, source, imported_at, imported_by FROM population_projections ORDER BY name",
        ).fetch_all(p).await?))
    }
}
