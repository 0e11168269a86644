//! The scenario file (TOML), as `shared/spec/projections.md` fixes it, with the
//! product's additions: named scenarios, changes to the estimated rates ("turnover down
//! 2 points", "50 more entrants"), entrants from training places, and demand from
//! several sources. Every field is checked, and an unknown one is an error naming it, so
//! a typing slip never silently changes a projection.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::demand::DemandSpec;
use crate::{BANDS, Bands, band_codes};

/// The longest projection, in years.
pub const MAX_YEARS: u32 = 15;
/// The most simulation runs one projection may ask for.
pub const MAX_RUNS: u32 = 20_000;
/// The largest scenario file read.
pub const MAX_BYTES: usize = 64 * 1024;

/// What is wrong with a scenario or its inputs, in words a planner can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    #[error("The scenario file is not valid: {0}")]
    Syntax(String),
    #[error("{0}")]
    Invalid(String),
}

fn invalid(s: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid(s.into())
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A name for people (optional in a file run from the command line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub scope: Scope,
    #[serde(default)]
    pub rates: RatesSpec,
    #[serde(default)]
    pub demand: DemandSpec,
    #[serde(default)]
    pub simulation: Simulation,
}

/// Which stock is projected, from when and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Filters of the query contract (`area=E06000056`, `role=social_worker`, ...).
    #[serde(default)]
    pub r#where: Vec<String>,
    /// The census date of year 0.
    pub base: NaiveDate,
    /// Years projected (1 to 15).
    pub years: u32,
    /// `headcount` or `fte`.
    #[serde(default = "headcount")]
    pub measure: String,
}

fn headcount() -> String {
    "headcount".into()
}

/// A rate given by hand for every band, by band, or estimated from the census.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Leaving {
    Every(f64),
    ByBand(BTreeMap<String, f64>),
    Word(String),
}

/// Entrants a year by hand, from training places, or estimated from the census.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Entrants {
    Number(f64),
    Training(Training),
    Word(String),
}

/// Entrants from a training pipeline: places x completion x take-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    pub places: f64,
    pub completion: f64,
    pub take_up: f64,
}

/// The rates of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatesSpec {
    #[serde(default = "estimate_leaving")]
    pub leaving: Leaving,
    #[serde(default = "estimate_entrants")]
    pub entrants: Entrants,
    /// Net transfers into the projected stock a year (out if negative).
    #[serde(default)]
    pub movements: f64,
    /// Changes on top of the rates, for "what if" scenarios.
    #[serde(default)]
    pub change: Change,
}

fn estimate_leaving() -> Leaving {
    Leaving::Word("estimate".into())
}
fn estimate_entrants() -> Entrants {
    Entrants::Word("estimate".into())
}

impl Default for RatesSpec {
    fn default() -> Self {
        RatesSpec {
            leaving: estimate_leaving(),
            entrants: estimate_entrants(),
            movements: 0.0,
            change: Change::default(),
        }
    }
}

/// Changes applied to the rates, whether estimated or given.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// Added to every band's leaving rate (-0.02: turnover down 2 points).
    #[serde(default)]
    pub leaving: f64,
    /// Added to named bands' leaving rates (retirement later: `"60_64" = -0.05`).
    #[serde(default)]
    pub leaving_by_band: BTreeMap<String, f64>,
    /// Extra entrants a year (50 more training places that fill).
    #[serde(default)]
    pub entrants: f64,
}

/// How many simulation runs, from which seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    #[serde(default = "default_runs")]
    pub runs: u32,
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_runs() -> u32 {
    1000
}
fn default_seed() -> u64 {
    1
}

impl Default for Simulation {
    fn default() -> Self {
        Simulation {
            runs: default_runs(),
            seed: default_seed(),
        }
    }
}

fn band_index(code: &str, what: &str) -> Result<usize, ScenarioError> {
    band_codes().iter().position(|b| *b == code).ok_or_else(|| {
        invalid(format!(
            "{what}: '{code}' is not an age band; the bands are {}",
            band_codes().join(", ")
        ))
    })
}

fn rate(v: f64, what: &str) -> Result<f64, ScenarioError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(invalid(format!(
            "{what} must be a rate between 0 and 1 (0.12 for 12%), not {v}"
        )))
    }
}

fn non_negative(v: f64, what: &str) -> Result<f64, ScenarioError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(invalid(format!(
            "{what} must be a number of 0 or more, not {v}"
        )))
    }
}

fn is_estimate(word: &str, what: &str) -> Result<(), ScenarioError> {
    if word == "estimate" {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} must be a number or \"estimate\", not \"{word}\""
        )))
    }
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn from_toml(text: &str) -> Result<Scenario, ScenarioError> {
        if text.len() > MAX_BYTES {
            return Err(invalid(format!(
                "The scenario file is {} KB; the most read is {} KB.",
                text.len() / 1024,
                MAX_BYTES / 1024
            )));
        }
        let s: Scenario = toml::from_str(text).map_err(|e| {
            ScenarioError::Syntax(e.to_string().trim().replace('\n', " ").replace("  ", " "))
        })?;
        s.check()?;
        Ok(s)
    }

    /// The scenario as TOML (what is stored and downloaded).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a scenario always serialises")
    }

    /// Checks every value, naming the first that is wrong.
    pub fn check(&self) -> Result<(), ScenarioError> {
        let s = &self.scope;
        if !(1..=MAX_YEARS).contains(&s.years) {
            return Err(invalid(format!(
                "scope.years must be from 1 to {MAX_YEARS}, not {}",
                s.years
            )));
        }
        if !matches!(s.measure.as_str(), "headcount" | "fte") {
            return Err(invalid(format!(
                "scope.measure must be \"headcount\" or \"fte\", not \"{}\"",
                s.measure
            )));
        }
        for f in &s.r#where {
            if !f.contains('=') {
                return Err(invalid(format!(
                    "scope.where: '{f}' must be DIMENSION=VALUE, like \"area=E06000056\""
                )));
            }
        }
        self.leaving_given()?;
        self.entrants_given()?;
        let c = &self.rates.change;
        if !c.leaving.is_finite() || c.leaving.abs() > 1.0 {
            return Err(invalid("rates.change.leaving must be between -1 and 1"));
        }
        for (band, v) in &c.leaving_by_band {
            band_index(band, "rates.change.leaving_by_band")?;
            if !v.is_finite() || v.abs() > 1.0 {
                return Err(invalid(format!(
                    "rates.change.leaving_by_band.{band} must be between -1 and 1"
                )));
            }
        }
        if !c.entrants.is_finite() || !self.rates.movements.is_finite() {
            return Err(invalid(
                "rates.change.entrants and rates.movements must be numbers",
            ));
        }
        if self.simulation.runs > MAX_RUNS {
            return Err(invalid(format!(
                "simulation.runs must be at most {MAX_RUNS}, not {}",
                self.simulation.runs
            )));
        }
        self.demand.check()?;
        Ok(())
    }

    /// The leaving rates given by hand, or `None` when they are to be estimated.
    pub fn leaving_given(&self) -> Result<Option<Bands>, ScenarioError> {
        match &self.rates.leaving {
            Leaving::Every(v) => Ok(Some([rate(*v, "rates.leaving")?; BANDS])),
            Leaving::ByBand(table) => {
                let mut out = [f64::NAN; BANDS];
                for (band, v) in table {
                    out[band_index(band, "rates.leaving")?] =
                        rate(*v, &format!("rates.leaving.{band}"))?;
                }
                if let Some(a) = out.iter().position(|v| v.is_nan()) {
                    return Err(invalid(format!(
                        "rates.leaving gives rates by band but not for '{}': give every band",
                        band_codes()[a]
                    )));
                }
                Ok(Some(out))
            }
            Leaving::Word(w) => is_estimate(w, "rates.leaving").map(|_| None),
        }
    }

    /// Entrants a year given by hand (or from training places), or `None` to estimate.
    pub fn entrants_given(&self) -> Result<Option<f64>, ScenarioError> {
        match &self.rates.entrants {
            Entrants::Number(n) => non_negative(*n, "rates.entrants").map(Some),
            Entrants::Training(t) => Ok(Some(
                non_negative(t.places, "rates.entrants.places")?
                    * rate(t.completion, "rates.entrants.completion")?
                    * rate(t.take_up, "rates.entrants.take_up")?,
            )),
            Entrants::Word(w) => is_estimate(w, "rates.entrants").map(|_| None),
        }
    }

    /// The date of year `t`: t years after the base census date.
    pub fn date_of(&self, t: u32) -> NaiveDate {
        self.scope
            .base
            .checked_add_months(chrono::Months::new(12 * t))
            .unwrap_or(self.scope.base)
    }

    /// The band leaving-rate changes, as a vector.
    pub fn leaving_change(&self) -> Bands {
        let c = &self.rates.change;
        let mut out = [c.leaving; BANDS];
        for (band, v) in &c.leaving_by_band {
            if let Ok(a) = band_index(band, "") {
                out[a] += v;
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The spec's example scenario file, as shared/spec/projections.md gives it.
    pub(crate) const SPEC: &str = r#"
[scope]
where = ["area=E06000056", "role=social_worker"]
base = "2025-11-01"
years = 10
measure = "headcount"
[rates]
leaving = 0.12
entrants = 30
[demand]
fixed = 420
[simulation]
runs = 1000
seed = 1
"#;

    #[test]
    fn the_spec_s_example_reads() {
        let s = Scenario::from_toml(SPEC).unwrap();
        assert_eq!(s.scope.years, 10);
        assert_eq!(s.leaving_given().unwrap(), Some([0.12; BANDS]));
        assert_eq!(s.entrants_given().unwrap(), Some(30.0));
        assert_eq!(s.demand.fixed, Some(420.0));
        assert_eq!(s.date_of(2).to_string(), "2027-11-01");
        // Round trip through what is stored.
        assert_eq!(Scenario::from_toml(&s.to_toml()).unwrap(), s);
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (
                SPEC.replace("years = 10", "years = 40"),
                "scope.years must be from 1 to 15",
            ),
            (
                SPEC.replace("leaving = 0.12", "leaving = 12"),
                "rates.leaving must be a rate",
            ),
            (
                SPEC.replace("leaving = 0.12", "leaving = \"guess\""),
                "number or \"estimate\"",
            ),
            (
                SPEC.replace("leaving = 0.12", "leaving = { \"60_64\" = 0.3 }"),
                "not for 'under_20'",
            ),
            (
                SPEC.replace("leaving = 0.12", "leaving = { \"60-64\" = 0.3 }"),
                "'60-64' is not an age band",
            ),
            (
                SPEC.replace("fixed = 420", "fixd = 420"),
                "unknown field `fixd`",
            ),
            (
                SPEC.replace("base = \"2025-11-01\"", "base = \"1 Nov\""),
                "base",
            ),
            (
                SPEC.replace("measure = \"headcount\"", "measure = \"posts\""),
                "\"headcount\" or \"fte\"",
            ),
            ("\u{0}\u{1}junk".to_string(), "not valid"),
        ];
        for (text, want) in cases {
            let err = Scenario::from_toml(&text).unwrap_err().to_string();
            assert!(err.contains(want), "{want:?} not in {err:?}");
        }
        assert!(Scenario::from_toml(&"#".repeat(MAX_BYTES + 1)).is_err());
    }

    #[test]
    fn entrants_from_training_places() {
        let s = Scenario::from_toml(&SPEC.replace(
            "entrants = 30",
            "entrants = { places = 100, completion = 0.8, take_up = 0.5 }",
        ))
        .unwrap();
        assert_eq!(s.entrants_given().unwrap(), Some(40.0));
    }
}
