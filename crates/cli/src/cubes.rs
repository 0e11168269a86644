//! Getting the columnar cube of each census date a query needs: from its stored snapshot
//! when the data has not changed since it was built, otherwise rebuilt from the rows (the
//! source of truth) and snapshotted for the next query.

use anyhow::{Result, bail};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use observatory_analysis::{Cube, CubeBuilder};
use observatory_store::Store;
use std::time::Duration;

pub async fn load(store: &Store, dates: &[NaiveDate]) -> Result<Vec<Cube>> {
    let known = store.census_dates().await?;
    let mut cubes = Vec::with_capacity(dates.len());
    for &d in dates {
        if !known.contains(&d) {
            let list: Vec<String> = known.iter().map(|d| d.to_string()).collect();
            bail!(
                "there are no returns for census date {d}; census dates with returns: {}",
                if list.is_empty() {
                    "none yet (import some with `observatory import`)".to_string()
                } else {
                    list.join(", ")
                }
            );
        }
        cubes.push(load_one(store, d).await?);
    }
    Ok(cubes)
}

pub async fn load_one(store: &Store, date: NaiveDate) -> Result<Cube> {
    let generation = store.generation().await?;
    if let Some(bytes) = store.snapshot(date, &generation).await?
        && let Ok(cube) = Cube::from_bytes(&bytes)
    {
        return Ok(cube);
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
    );
    spinner.set_message(format!(
        "Preparing census {date} for queries (once after each import)"
    ));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let mut builder = CubeBuilder::new(date);
    store.load_census(date, &mut builder).await?;
    let cube = builder.finish();
    store
        .put_snapshot(date, &generation, &cube.to_bytes())
        .await?;
    spinner.finish_and_clear();
    Ok(cube)
}
