//! Getting the columnar cube of each census date a query needs (shared with the web app
//! in `observatory_service::cubes`); on the terminal a spinner shows while a cube is
//! rebuilt after an import.

use anyhow::Result;
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use observatory_analysis::Cube;
use observatory_store::Store;
use std::time::Duration;

/// Clears its spinner when dropped, i.e. when the rebuild is over.
pub struct Spinner(ProgressBar);

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

pub fn spinner(date: NaiveDate) -> Spinner {
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
    );
    spinner.set_message(format!(
        "Preparing census {date} for queries (once after each import)"
    ));
    spinner.enable_steady_tick(Duration::from_millis(120));
    Spinner(spinner)
}

pub async fn load(store: &Store, dates: &[NaiveDate]) -> Result<Vec<Cube>> {
    observatory_service::cubes::load(&store.clone().into(), dates, spinner).await
}

pub async fn load_one(store: &Store, date: NaiveDate) -> Result<Cube> {
    observatory_service::cubes::load_one(&store.clone().into(), date, spinner).await
}
