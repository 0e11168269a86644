//! Population profiles imported by users: stored as the checked CSV text under a name,
//! so `query --population NAME` reads back exactly what `population import` accepted.

use anyhow::Result;
use serde::Serialize;

use crate::{Store, now, on_pool};

/// A stored profile as listed (its body is read with [`Store::population`]).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PopulationInfo {
    pub name: String,
    pub areas: i64,
    pub rows: i64,
    pub source: String,
    pub imported_at: String,
}

/// A profile to store: its name, CSV body and what it describes.
pub struct NewPopulation<'a> {
    pub name: &'a str,
    pub body: &'a str,
    pub areas: usize,
    pub rows: usize,
    pub source: &'a str,
}

impl Store {
    /// Save (or replace) a population profile.
    pub async fn save_population(&self, p: &NewPopulation<'_>) -> Result<()> {
        let at = now();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO population_profiles (name, body, areas, rows, source, imported_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (name) DO UPDATE SET body = excluded.body, areas = excluded.areas,
                   rows = excluded.rows, source = excluded.source,
                   imported_at = excluded.imported_at",
            )
            .bind(p.name)
            .bind(p.body)
            .bind(p.areas as i64)
            .bind(p.rows as i64)
            .bind(p.source)
            .bind(&at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The stored profiles, by name.
    pub async fn populations(&self) -> Result<Vec<PopulationInfo>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT name, areas, rows, source, imported_at FROM population_profiles ORDER BY name",
        ).fetch_all(p).await?))
    }

    /// A stored profile's CSV text, if there is one by that name.
    pub async fn population(&self, name: &str) -> Result<Option<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT body FROM population_profiles WHERE name = $1",
        ).bind(name).fetch_optional(p).await?))
    }
}
