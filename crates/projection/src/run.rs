//! A scenario and its inputs in, the published figures out: the deterministic supply at
//! the point rates, the simulation bands, demand, the gap, what would close it, the cost,
//! and the backtest, with every assumption the figures rest on, so that any figure can be
//! reproduced from the stored scenario, its inputs and its seed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::backtest::{self, Backtest};
use crate::estimate::{Estimate, History, shares};
use crate::gap;
use crate::population::PopulationProjection;
use crate::scenario::{Scenario, ScenarioError};
use crate::simulate::{Band, simulate};
use crate::supply::{Rates, path};
use crate::{Bands, band_codes, total};

/// What a projection is computed from, besides its scenario.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Inputs {
    /// The census history of the scope and of the wider workforce (every census date
    /// known: the fit uses those up to the base, the backtest all of them).
    pub history: History,
    /// The scope's areas (empty: all of England), for population-based demand.
    pub areas: Vec<String>,
    /// Population projections named in the scenario's demand.
    #[serde(default)]
    pub populations: BTreeMap<String, PopulationProjection>,
    /// What one unit of the stock costs a year (median FTE pay x FTE per unit), from
    /// the census; `None` when pay is not known.
    #[serde(default)]
    pub cost_per_unit: Option<f64>,
    /// The posts each standard named by a demand minimum requires in the scope's areas
    /// at the base date (settings covered x staff required), by standard id.
    #[serde(default)]
    pub standards: BTreeMap<String, f64>,
}

/// One projected year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Year {
    pub year: u32,
    pub date: NaiveDate,
    pub supply: f64,
    pub supply_low: f64,
    pub supply_high: f64,
    pub demand: Option<f64>,
    pub gap: Option<f64>,
    /// Entrants needed in the year to this date for supply to meet demand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrants_needed: Option<f64>,
    /// The supply's pay bill a year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
}

/// The rates the figures rest on, as used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assumptions {
    /// Leaving rate by age band, after any change.
    pub leaving: BTreeMap<String, f64>,
    /// Entrants a year, after any change.
    pub entrants: f64,
    pub entrant_shares: BTreeMap<String, f64>,
    pub movements: f64,
    /// "estimated" or "given", for leaving and entrants.
    pub leaving_source: String,
    pub entrants_source: String,
    /// How much the scope's own history counts in its estimated leaving level (0 to 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_weight: Option<f64>,
    /// The census dates the rates were estimated from.
    pub census_dates: Vec<NaiveDate>,
    pub runs: u32,
    pub seed: u64,
}

/// What would close the gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closing {
    /// The largest gap in the projection and its year.
    pub largest_gap: f64,
    pub largest_gap_year: u32,
    /// Entrants needed a year on average over the projection, and now.
    pub entrants_needed_average: f64,
    pub entrants_now: f64,
    /// The cut in every leaving rate that would close the last year's gap (rate points);
    /// `None` when retention alone cannot.
    pub retention_cut: Option<f64>,
    /// The pay bill of the last year's gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_of_gap: Option<f64>,
}

/// A projection: the command line's JSON (`shared/spec/projections.md`) with the
/// product's additions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    pub scope: serde_json::Value,
    pub years: Vec<Year>,
    pub backtest: Backtest,
    pub assumptions: Assumptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing: Option<Closing>,
}

/// The model of one scenario on one history: point rates and how to draw them.
pub(crate) struct Model {
    pub rates: Rates,
    pub stock: Bands,
    /// The average stock over the history: estimated entrants are the history's joiners
    /// a year (its entry rate times this), not a rate on the last year's stock, which
    /// would carry one year's chance into every year projected.
    typical: f64,
    estimate: Option<Estimate>,
    leaving_given: bool,
    entrants_given: bool,
    change: Bands,
    extra: f64,
}

impl Model {
    /// Fits `scenario`'s model on `history` (already cut at the origin), starting from
    /// the scope's stock at its last census date.
    pub fn fit(scenario: &Scenario, history: &History) -> Result<Model, ScenarioError> {
        let last = history.area.last().ok_or_else(|| {
            ScenarioError::Invalid(
                "There are no census figures for this scope at or before the base date.".into(),
            )
        })?;
        let stock = last.stock;
        let typical =
            history.area.iter().map(|c| total(&c.stock)).sum::<f64>() / history.area.len() as f64;
        let estimate = Estimate::from_history(history);
        let leaving_given = scenario.leaving_given()?;
        let entrants_given = scenario.entrants_given()?;
        let est = estimate.as_ref();
        let change = scenario.leaving_change();
        let extra = scenario.rates.change.entrants;
        let base_leaving = leaving_given.or(est.map(|e| e.leaving)).unwrap_or_default();
        let base_entrants = entrants_given
            .or(est.map(|e| e.entry_rate * typical))
            .unwrap_or(0.0);
        let rates = Rates {
            leaving: std::array::from_fn(|a| (base_leaving[a] + change[a]).clamp(0.0, 1.0)),
            entrants: (base_entrants + extra).max(0.0),
            entrant_shares: est
                .map(|e| e.entrant_shares)
                .unwrap_or_else(|| shares(&[0.0; crate::BANDS])),
            movements: scenario.rates.movements,
        };
        Ok(Model {
            rates,
            stock,
            typical,
            estimate,
            leaving_given: leaving_given.is_some(),
            entrants_given: entrants_given.is_some(),
            change,
            extra,
        })
    }

    /// One simulation run's rates: the estimated ones drawn from their uncertainty.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> Rates {
        let Some(est) = &self.estimate else {
            return self.rates.clone();
        };
        if self.leaving_given && self.entrants_given {
            return self.rates.clone();
        }
        let (w, e) = est.draw(rng);
        let mut r = self.rates.clone();
        if !self.leaving_given {
            r.leaving = std::array::from_fn(|a| (w[a] + self.change[a]).clamp(0.0, 1.0));
        }
        if !self.entrants_given {
            r.entrants = (e * self.typical + self.extra).max(0.0);
        }
        r
    }
}

fn by_band(b: &Bands) -> BTreeMap<String, f64> {
    band_codes()
        .iter()
        .zip(b)
        .map(|(k, v)| (k.to_string(), *v))
        .collect()
}

/// Projects `scenario` on `inputs`.
pub fn project(scenario: &Scenario, inputs: &Inputs) -> Result<Projection, ScenarioError> {
    scenario.check()?;
    let base = scenario.scope.base;
    let fitted = inputs.history.until(base);
    match fitted.area.last() {
        Some(c) if c.date == base => {}
        _ => {
            let known: Vec<String> = inputs
                .history
                .area
                .iter()
                .map(|c| c.date.to_string())
                .collect();
            return Err(ScenarioError::Invalid(format!(
                "scope.base {base} is not a census date with figures for this scope; the census dates are {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    let model = Model::fit(scenario, &fitted)?;
    let years = scenario.scope.years as usize;
    let det = path(&model.stock, &model.rates, years);
    // With no runs the bands are the point projection (the spec), not the stock.
    let sim = if scenario.simulation.runs == 0 {
        det.iter()
            .map(|s| Band {
                low: total(s),
                high: total(s),
                mean: total(s),
            })
            .collect()
    } else {
        simulate(
            &model.stock,
            years,
            scenario.simulation.runs as usize,
            scenario.simulation.seed,
            |rng| model.draw(rng),
        )
    };
    let dates: Vec<NaiveDate> = (0..=years as u32).map(|t| scenario.date_of(t)).collect();
    let supply0 = total(&model.stock);
    let demand = scenario.demand.compute(
        &dates,
        supply0,
        &inputs.areas,
        &inputs.populations,
        &inputs.standards,
    )?;
    let needed = demand
        .as_ref()
        .map(|d| gap::entrants_needed(&model.stock, &model.rates, d));
    let out_years: Vec<Year> = (0..=years)
        .map(|t| {
            let supply = total(&det[t]);
            let d = demand.as_ref().map(|d| d[t]);
            Year {
                year: t as u32,
                date: dates[t],
                supply,
                supply_low: sim[t].low,
                supply_high: sim[t].high,
                demand: d,
                gap: d.map(|d| d - supply),
                entrants_needed: needed.as_ref().and_then(|n| t.checked_sub(1).map(|i| n[i])),
                cost: inputs.cost_per_unit.map(|c| c * supply),
            }
        })
        .collect();
    let closing = demand.as_ref().map(|d| {
        let (largest_gap_year, largest_gap) = out_years
            .iter()
            .map(|y| (y.year, y.gap.unwrap_or(0.0)))
            .fold((0, f64::MIN), |best, g| if g.1 > best.1 { g } else { best });
        let n = needed.as_deref().unwrap_or(&[]);
        Closing {
            largest_gap,
            largest_gap_year,
            entrants_needed_average: n.iter().sum::<f64>() / n.len().max(1) as f64,
            entrants_now: model.rates.entrants,
            retention_cut: gap::retention_needed(&model.stock, &model.rates, d),
            cost_of_gap: inputs
                .cost_per_unit
                .zip(out_years.last().and_then(|y| y.gap))
                .map(|(c, g)| c * g.max(0.0)),
        }
    });
    let est = model.estimate.as_ref();
    Ok(Projection {
        scope: serde_json::json!({
            "where": scenario.scope.r#where,
            "base": base,
            "years": scenario.scope.years,
            "measure": scenario.scope.measure,
        }),
        years: out_years,
        backtest: backtest::run(scenario, &inputs.history),
        assumptions: Assumptions {
            leaving: by_band(&model.rates.leaving),
            entrants: model.rates.entrants,
            entrant_shares: by_band(&model.rates.entrant_shares),
            movements: model.rates.movements,
            leaving_source: if model.leaving_given {
                "given"
            } else {
                "estimated"
            }
            .into(),
            entrants_source: if model.entrants_given {
                "given"
            } else {
                "estimated"
            }
            .into(),
            own_weight: est.filter(|_| !model.leaving_given).map(|e| e.own_weight),
            census_dates: fitted.area.iter().map(|c| c.date).collect(),
            runs: scenario.simulation.runs,
            seed: scenario.simulation.seed,
        },
        closing,
    })
}
