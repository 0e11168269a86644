//! Demand: how many people (or FTE) the area needs each year. One or the sum of: a fixed
//! number of posts, a growth rate, children per worker times an imported child
//! population projection (statutory ratios are data: `data/projection/ratios.csv`), and
//! caseloads (one worker per N cases). Policy targets are minimums from a date (an early
//! years teacher in every full daycare setting by 2028 is a minimum of that many posts).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::population::{PopulationProjection, parse_ages};
use crate::scenario::ScenarioError;

/// A statutory or common staffing ratio (`data/projection/ratios.csv`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Ratio {
    pub key: String,
    pub name: String,
    pub ages: String,
    pub children_per_worker: f64,
    pub source: String,
}

/// The ratios shipped with the observatory.
pub fn ratios() -> &'static [Ratio] {
    static RATIOS: OnceLock<Vec<Ratio>> = OnceLock::new();
    RATIOS.get_or_init(|| {
        csv::Reader::from_reader(include_str!("../../../data/projection/ratios.csv").as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .expect("data/projection/ratios.csv is valid")
    })
}

/// Where demand comes from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandSpec {
    /// A fixed number of posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<f64>,
    /// Growth a year (0.02 for 2 %), from `from` (default: the supply at year 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    /// Children per worker times a population projection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub population: Vec<PopulationDemand>,
    /// One worker per N cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caseload: Option<Caseload>,
    /// Policy targets: at least this many from a date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub minimum: Vec<Minimum>,
}

/// Demand from a child population: children aged `ages` (or the ratio's ages) in the
/// scope's areas, times `share` (those who use the service), over children per worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationDemand {
    /// The population projection, by the name it was imported under.
    pub projection: String,
    /// A ratio of `data/projection/ratios.csv` (gives ages and children per worker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ages: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children_per_worker: Option<f64>,
    /// The share of those children the workforce serves (default 1).
    #[serde(default = "one")]
    pub share: f64,
}

fn one() -> f64 {
    1.0
}

/// Caseload-based need (WISN-style): cases, growing by `growth` a year, over cases per worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caseload {
    pub cases: f64,
    pub per_worker: f64,
    #[serde(default)]
    pub growth: f64,
}

/// A policy target: at least `posts` from `from`, or as many as a staff-count standard of
/// the standards file requires in the scope's areas (an early years teacher in every full
/// daycare setting: `standard = "daycare_early_years_teacher"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Minimum {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posts: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
    pub from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn invalid(s: String) -> ScenarioError {
    ScenarioError::Invalid(s)
}

fn positive(v: f64, what: &str) -> Result<f64, ScenarioError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(invalid(format!("{what} must be more than 0, not {v}")))
    }
}

impl PopulationDemand {
    /// The ages and children per worker, from the ratio or as given.
    pub fn resolved(&self) -> Result<((u8, u8), f64), ScenarioError> {
        let ratio = match &self.ratio {
            Some(key) => Some(ratios().iter().find(|r| &r.key == key).ok_or_else(|| {
                let keys: Vec<_> = ratios().iter().map(|r| r.key.as_str()).collect();
                invalid(format!(
                    "demand.population: '{key}' is not a known ratio; the ratios are {}",
                    keys.join(", ")
                ))
            })?),
            None => None,
        };
        let ages_text = self
            .ages
            .as_deref()
            .or(ratio.map(|r| r.ages.as_str()))
            .ok_or_else(|| invalid("demand.population needs ages (\"0-4\") or a ratio".into()))?;
        let ages = parse_ages(ages_text).ok_or_else(|| {
            invalid(format!(
                "demand.population.ages '{ages_text}' must be an age range from 0 to 25, like \"0-4\""
            ))
        })?;
        let per = self
            .children_per_worker
            .or(ratio.map(|r| r.children_per_worker))
            .ok_or_else(|| {
                invalid("demand.population needs children_per_worker or a ratio".into())
            })?;
        Ok((
            ages,
            positive(per, "demand.population.children_per_worker")?,
        ))
    }
}

impl DemandSpec {
    /// Whether any demand is given.
    pub fn is_given(&self) -> bool {
        self.fixed.is_some()
            || self.growth.is_some()
            || !self.population.is_empty()
            || self.caseload.is_some()
            || !self.minimum.is_empty()
    }

    /// Checks every value.
    pub fn check(&self) -> Result<(), ScenarioError> {
        if let Some(f) = self.fixed
            && !(f.is_finite() && f >= 0.0)
        {
            return Err(invalid(format!("demand.fixed must be 0 or more, not {f}")));
        }
        if let Some(g) = self.growth
            && !(g.is_finite() && g.abs() < 1.0)
        {
            return Err(invalid(format!(
                "demand.growth is a rate a year (0.02 for 2 %), not {g}"
            )));
        }
        if self.from.is_some() && self.growth.is_none() {
            return Err(invalid(
                "demand.from is the start of demand.growth: give growth too".into(),
            ));
        }
        for p in &self.population {
            p.resolved()?;
            if !(0.0..=1.0).contains(&p.share) {
                return Err(invalid(format!(
                    "demand.population.share must be between 0 and 1, not {}",
                    p.share
                )));
            }
        }
        if let Some(c) = &self.caseload {
            positive(c.per_worker, "demand.caseload.per_worker")?;
            if !(c.cases.is_finite() && c.cases >= 0.0) {
                return Err(invalid("demand.caseload.cases must be 0 or more".into()));
            }
        }
        for m in &self.minimum {
            match (m.posts, &m.standard) {
                (Some(p), None) if p.is_finite() && p >= 0.0 => {}
                (Some(_), None) => {
                    return Err(invalid("demand.minimum.posts must be 0 or more".into()));
                }
                _ => {
                    if m.posts.is_some() == m.standard.is_some() {
                        return Err(invalid(
                            "demand.minimum needs either posts = N or standard = \"id\" (of the standards file), not both".into(),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Demand at each of `dates` (year 0 first), or `None` when none is given.
    /// `supply0` is the stock at year 0 (the start of growth unless `from` is given);
    /// `areas` are the scope's areas (empty: all of England); `standards` the posts each
    /// standard named by a minimum requires there.
    pub fn compute(
        &self,
        dates: &[NaiveDate],
        supply0: f64,
        areas: &[String],
        populations: &BTreeMap<String, PopulationProjection>,
        standards: &BTreeMap<String, f64>,
    ) -> Result<Option<Vec<f64>>, ScenarioError> {
        if !self.is_given() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(dates.len());
        for (t, date) in dates.iter().enumerate() {
            let mut d = self.fixed.unwrap_or(0.0);
            if let Some(g) = self.growth {
                d += self.from.unwrap_or(supply0) * (1.0 + g).powi(t as i32);
            }
            for p in &self.population {
                let (ages, per) = p.resolved()?;
                let projection = populations.get(&p.projection).ok_or_else(|| {
                    invalid(format!(
                        "There is no population projection called '{}': import it first",
                        p.projection
                    ))
                })?;
                let children = projection.children(areas, ages, date.year()).ok_or_else(|| {
                    let (lo, hi) = projection.years();
                    invalid(format!(
                        "The population projection '{}' has no figures for {} in these areas (it covers {lo} to {hi})",
                        p.projection,
                        date.year()
                    ))
                })?;
                d += children * p.share / per;
            }
            if let Some(c) = &self.caseload {
                d += c.cases * (1.0 + c.growth).powi(t as i32) / c.per_worker;
            }
            for m in &self.minimum {
                let posts = match (&m.standard, m.posts) {
                    (Some(id), _) => *standards.get(id).ok_or_else(|| {
                        invalid(format!(
                            "demand.minimum: the posts standard '{id}' requires are not known"
                        ))
                    })?,
                    (None, p) => p.unwrap_or(0.0),
                };
                if *date >= m.from {
                    d = d.max(posts);
                }
            }
            out.push(d);
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(n: usize) -> Vec<NaiveDate> {
        (0..n)
            .map(|t| NaiveDate::from_ymd_opt(2025 + t as i32, 11, 1).unwrap())
            .collect()
    }

    #[test]
    fn sources_add_up_and_minimums_start_on_their_date() {
        let spec = DemandSpec {
            growth: Some(0.1),
            from: Some(100.0),
            caseload: Some(Caseload {
                cases: 170.0,
                per_worker: 17.0,
                growth: 0.0,
            }),
            minimum: vec![Minimum {
                posts: Some(200.0),
                standard: None,
                from: NaiveDate::from_ymd_opt(2027, 9, 1).unwrap(),
                reason: None,
            }],
            ..Default::default()
        };
        let d = spec
            .compute(&dates(3), 50.0, &[], &BTreeMap::new(), &BTreeMap::new())
            .unwrap()
            .unwrap();
        assert!((d[0] - 110.0).abs() < 1e-9);
        assert!((d[1] - 120.0).abs() < 1e-9);
        assert_eq!(d[2], 200.0);
    }

    #[test]
    fn statutory_ratios_times_the_population() {
        let mut pop = PopulationProjection::default();
        let area = pop.areas.entry("E06000056".into()).or_default();
        area.entry(2).or_default().insert(2025, 1000.0);
        area.entry(2).or_default().insert(2026, 900.0);
        let spec = DemandSpec {
            population: vec![PopulationDemand {
                projection: "snpp".into(),
                ratio: Some("eyfs_2".into()),
                ages: None,
                children_per_worker: None,
                share: 0.5,
            }],
            ..Default::default()
        };
        let pops = BTreeMap::from([("snpp".to_string(), pop)]);
        let d = spec
            .compute(
                &dates(2),
                0.0,
                &["E06000056".into()],
                &pops,
                &BTreeMap::new(),
            )
            .unwrap()
            .unwrap();
        assert_eq!(d, vec![100.0, 90.0]);
        let err = spec
            .compute(&dates(3), 0.0, &[], &pops, &BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no figures for 2027"), "{err}");
        assert!(
            ratios()
                .iter()
                .any(|r| r.key == "eyfs_under_2" && r.children_per_worker == 3.0)
        );
    }
}
