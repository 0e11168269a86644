//! The rolling-origin backtest: for each census date t but the last, fit the scenario's
//! model on the censuses up to t, project to each later census, and compare with what
//! the census found. The error by horizon (mean absolute percentage error) is shown
//! beside every projection, so that users know how far to trust it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::estimate::History;
use crate::run::Model;
use crate::scenario::Scenario;
use crate::supply::path;
use crate::total;

/// The error at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Horizon {
    /// Years ahead.
    pub years: u32,
    /// Mean absolute percentage error, in percent (4.2 means 4.2 %).
    pub mape: f64,
    /// How many projections it averages.
    pub origins: usize,
    /// The same error for "no change" (the stock at the origin carried forward): the
    /// model earns its keep where it does better.
    pub no_change_mape: f64,
}

/// The backtest of a scenario's model on a history.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Backtest {
    pub horizons: Vec<Horizon>,
}

/// Whole years between two census dates (annual censuses on the same day give 1, 2, ...).
fn years_between(a: chrono::NaiveDate, b: chrono::NaiveDate) -> u32 {
    ((b - a).num_days() as f64 / 365.25).round().max(0.0) as u32
}

/// Runs the backtest; horizons are empty when the history has fewer than two censuses.
pub fn run(scenario: &Scenario, history: &History) -> Backtest {
    // Per horizon: the model's and no change's absolute percentage errors.
    let mut errors: BTreeMap<u32, Vec<(f64, f64)>> = BTreeMap::new();
    for (i, origin) in history.area.iter().enumerate() {
        let Ok(model) = Model::fit(scenario, &history.until(origin.date)) else {
            continue;
        };
        let later = &history.area[i + 1..];
        let Some(furthest) = later.last() else {
            continue;
        };
        let steps = years_between(origin.date, furthest.date) as usize;
        let projected = path(&model.stock, &model.rates, steps);
        for actual in later {
            let h = years_between(origin.date, actual.date);
            let truth = total(&actual.stock);
            if h == 0 || truth <= 0.0 {
                continue;
            }
            let p = total(&projected[h as usize]);
            let still = total(&origin.stock);
            errors
                .entry(h)
                .or_default()
                .push(((p - truth).abs() / truth, (still - truth).abs() / truth));
        }
    }
    Backtest {
        horizons: errors
            .into_iter()
            .map(|(years, e)| {
                let mean = |f: fn(&(f64, f64)) -> f64| {
                    100.0 * e.iter().map(f).sum::<f64>() / e.len() as f64
                };
                Horizon {
                    years,
                    mape: mean(|x| x.0),
                    origins: e.len(),
                    no_change_mape: mean(|x| x.1),
                }
            })
            .collect(),
    }
}
