//! The spinner shown on the terminal while the service rebuilds a census date's cube
//! (once after each import): commands hand [`spinner`] to the service operations that
//! load cubes.

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
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
