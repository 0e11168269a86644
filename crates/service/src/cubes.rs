//! Getting the columnar cube of each census date a query needs: from its stored snapshot
//! when the data has not changed since it was built, otherwise rebuilt from the rows (the
//! source of truth) and snapshotted for the next query. A long-running server also keeps
//! decoded cubes in memory ([`CubeCache`]) and only asks the database whether the data
//! changed. Building and decoding are CPU work and run in the bounded
//! [`observatory_store::blocking::CPU`] pool, so a rebuild after an import (15 s at
//! national scale) leaves the async threads free to answer other requests.

use anyhow::{Result, bail};
use chrono::NaiveDate;
use observatory_analysis::{Cube, CubeBuilder};
use observatory_store::Store;

use crate::database::Database;
use observatory_store::blocking::{self, CPU};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Check that every date has returns, with a message listing those that do.
pub async fn check_dates(db: &Database, dates: &[NaiveDate]) -> Result<()> {
    check_stored(&db.store, dates).await
}

async fn check_stored(store: &Store, dates: &[NaiveDate]) -> Result<()> {
    let known = store.census_dates().await?;
    match dates.iter().find(|d| !known.contains(d)) {
        Some(d) => bail!("{}", crate::answers::no_returns_for(*d, &known)),
        None => Ok(()),
    }
}

/// The cubes of `dates`, in order. `on_rebuild` is called before a cube has to be
/// rebuilt from the rows (slow: once after each import); what it returns is dropped
/// when the rebuild is done (a spinner, say).
pub async fn load<G>(
    db: &Database,
    dates: &[NaiveDate],
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<Vec<Cube>> {
    check_dates(db, dates).await?;
    let mut cubes = Vec::with_capacity(dates.len());
    for &d in dates {
        cubes.push(load_one(db, d, &on_rebuild).await?);
    }
    Ok(cubes)
}

/// One census date's cube (see [`load`]).
pub async fn load_one<G>(
    db: &Database,
    date: NaiveDate,
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<Cube> {
    let generation = db.store.generation().await?;
    load_at(&db.store, date, &generation, on_rebuild).await
}

async fn load_at<G>(
    store: &Store,
    date: NaiveDate,
    generation: &str,
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<Cube> {
    if let Some(bytes) = store.snapshot(date, generation).await?
        && let Ok(cube) = CPU.run(move || Cube::from_bytes(&bytes)).await?
    {
        return Ok(cube);
    }
    let guard = on_rebuild(date);
    let (cube, bytes) = build(store, date).await?;
    store.put_snapshot(date, generation, &bytes).await?;
    drop(guard);
    Ok(cube)
}

/// Build a census date's cube from its rows, with its snapshot bytes, as one job in the
/// [`CPU`] pool: the rows stream from the database straight into the builder on the
/// pool's thread (the database is awaited there, between rows), so no row's work and
/// neither `finish` nor the encoding runs on an async thread, and the rows are never
/// all held at once beside the cube (collecting them first would about double the peak
/// memory of a national build).
async fn build(store: &Store, date: NaiveDate) -> Result<(Cube, Vec<u8>)> {
    let secret = store.disclosure_secret().await?;
    let store = store.clone();
    CPU.run(move || {
        let mut builder = CubeBuilder::new(date).keyed(&secret);
        blocking::wait_for(store.load_census(date, &mut builder))?;
        let cube = builder.finish();
        let bytes = cube.to_bytes();
        Ok((cube, bytes))
    })
    .await?
}

/// Decoded cubes kept in memory by a server, each with the data generation it was built
/// from. Whether the data changed is asked of the database at most once per
/// [`CubeCache::RECHECK`] (a dashboard asks for cubes twenty times per page), so figures
/// follow an import by another process within that time; the server's own imports call
/// [`CubeCache::forget`].
#[derive(Default)]
pub struct CubeCache {
    cubes: Mutex<HashMap<NaiveDate, (String, Arc<Cube>)>>,
    checked: Mutex<Option<(std::time::Instant, String)>>,
    /// One rebuild at a time, so fifty requests after an import build the cube once.
    building: tokio::sync::Mutex<()>,
    on_rebuild: Option<OnRebuild>,
}

/// Called before a census date's cube is rebuilt from its rows; what it returns is
/// dropped when the rebuild is over (the command line's spinner).
pub type OnRebuild = Box<dyn Fn(NaiveDate) -> Box<dyn std::any::Any + Send> + Send + Sync>;

impl CubeCache {
    /// How long a generation read from the database is trusted.
    pub const RECHECK: std::time::Duration = std::time::Duration::from_millis(500);

    /// A cache that calls `on_rebuild` before each rebuild (see [`OnRebuild`]).
    pub fn with_progress(on_rebuild: OnRebuild) -> CubeCache {
        CubeCache {
            on_rebuild: Some(on_rebuild),
            ..CubeCache::default()
        }
    }

    /// What to hold while `date`'s cube is rebuilt (see [`OnRebuild`]).
    pub fn rebuilding(&self, date: NaiveDate) -> Option<Box<dyn std::any::Any + Send>> {
        self.on_rebuild.as_ref().map(|f| f(date))
    }

    /// Ask the database again on the next request (after this process changed the data).
    pub fn forget(&self) {
        *self.checked.lock().expect("cube cache lock") = None;
    }

    /// The data generation (see [`Store::generation`]), read at most once per
    /// [`CubeCache::RECHECK`].
    pub(crate) async fn generation(&self, store: &Store) -> Result<String> {
        if let Some((at, g)) = self.checked.lock().expect("cube cache lock").as_ref()
            && at.elapsed() < Self::RECHECK
        {
            return Ok(g.clone());
        }
        let g = store.generation().await?;
        *self.checked.lock().expect("cube cache lock") =
            Some((std::time::Instant::now(), g.clone()));
        Ok(g)
    }

    /// The cubes of `dates`, in order, current with the stored data.
    pub(crate) async fn get(&self, store: &Store, dates: &[NaiveDate]) -> Result<Vec<Arc<Cube>>> {
        let generation = self.generation(store).await?;
        let mut out = Vec::with_capacity(dates.len());
        let mut checked = false;
        for &d in dates {
            if let Some(c) = self.cached(d, &generation) {
                out.push(c);
                continue;
            }
            if !checked {
                check_stored(store, dates).await?;
                checked = true;
            }
            let _one = self.building.lock().await;
            // Another request may have built it while this one waited.
            if let Some(c) = self.cached(d, &generation) {
                out.push(c);
                continue;
            }
            let cube = Arc::new(load_at(store, d, &generation, |d| self.rebuilding(d)).await?);
            self.cubes
                .lock()
                .expect("cube cache lock")
                .insert(d, (generation.clone(), cube.clone()));
            out.push(cube);
        }
        Ok(out)
    }

    fn cached(&self, date: NaiveDate, generation: &str) -> Option<Arc<Cube>> {
        let map = self.cubes.lock().expect("cube cache lock");
        map.get(&date)
            .filter(|(g, _)| g == generation)
            .map(|(_, c)| c.clone())
    }
}
