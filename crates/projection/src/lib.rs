//! Workforce projections: will there be enough people, and what would close the gap?
//!
//! Supply is projected as stock and flow by age band ([`supply`], the deterministic core
//! fixed by `shared/spec/projections.md`), from rates estimated on the census history
//! with small areas shrunk towards the wider rate ([`estimate`]), with uncertainty bands
//! from repeated simulation ([`simulate`]). Demand comes from a fixed number of posts, a
//! growth rate, children per worker times a population projection, or caseloads
//! ([`demand`]); the gap and what would close it are in [`gap`]. A scenario file in TOML
//! says all of it ([`scenario`]); [`run`] turns a scenario and its inputs into the
//! published figures, and [`backtest`] says how wrong the model was on the past.
//!
//! The crate knows nothing of the database or of who may see what: the service layer
//! gathers the (protected) census figures into [`History`] and calls [`run`].

pub mod backtest;
pub mod bench;
pub mod demand;
pub mod estimate;
pub mod gap;
pub mod population;
pub mod run;
pub mod scenario;
pub mod simulate;
pub mod supply;

#[cfg(test)]
mod tests;

pub use backtest::{Backtest, Horizon};
pub use estimate::{Counts, Estimate, History};
pub use run::{Inputs, Projection, Year, project};
pub use scenario::{Scenario, ScenarioError};

/// The number of age bands (`observatory_domain::rules::AGE_BANDS`).
pub const BANDS: usize = observatory_domain::rules::AGE_BANDS.len();

/// A figure for each age band, youngest first.
pub type Bands = [f64; BANDS];

/// The age band codes, youngest first.
pub fn band_codes() -> &'static [&'static str; BANDS] {
    &observatory_domain::rules::AGE_BANDS
}

/// Sum of a band vector.
pub fn total(b: &Bands) -> f64 {
    b.iter().sum()
}
