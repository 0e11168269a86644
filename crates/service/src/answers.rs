//! One answer path for everyone who asks for figures: the command line's `query`, the
//! pages, the downloads and the API. The question is checked, the policy decides how its
//! figures are protected for the actor, the census dates are chosen (with the census
//! before, for measures that follow people), the cubes answer (with non-response
//! estimates, a population profile, declared series breaks, or mobility as asked), how
//! complete the returns are is counted, and the answer is kept until the data changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::NaiveDate;
use observatory_analysis::{
    Cube, PopulationProfile, Query, QueryContext, QueryResult, SeriesBreaks, check_query,
    flag_estimated, mobility_by, run_query_with,
};
use serde_json::{Value, json};

use crate::completeness::{self, Completeness};
use crate::cubes::CubeCache;
use crate::database::Database;
use crate::error::ServiceError;
use crate::output::TableOut;
use crate::policy::{self, Actor};
use crate::query::{Protection, answer_protected, dates_to_load, parse_filters};

/// The pseudo-measure of people's flows between the census before and the chosen one.
pub const MOBILITY: &str = "mobility";

/// The population profile shipped with the observatory (the 2021 census for England).
pub const SHIPPED_POPULATION: &str = "england_2021";

/// A question as a person asks it: a measure, breakdowns, `DIM=VALUE` filters and census
/// dates (none: the latest with returns), with what the answer should include.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Ask {
    pub measure: String,
    pub by: Vec<String>,
    pub filters: Vec<String>,
    pub dates: Vec<String>,
    /// Include estimates for non-response: employers that returned at the census before
    /// but not at this one are carried forward, and the figures they touch are flagged.
    pub estimates: bool,
    /// The population profile representation_ratio compares with (None: the shipped
    /// england_2021).
    pub population: Option<String>,
    /// Declared series breaks instead of the shipped ones (the text of a CSV of
    /// measure,census_date,reason).
    pub series_breaks: Option<String>,
    /// How the operator wants the figures protected (None: the query contract's primary
    /// suppression). Users get what the policy gives their role, whatever they ask.
    pub protection: Option<Protection>,
}

/// Who was carried forward into a census date's estimates: (census date, the census
/// before it, employers).
pub type Carried = Vec<(NaiveDate, NaiveDate, Vec<String>)>;

/// An answer: the figures (protected), the census dates they are for, how they were
/// protected, how complete the returns are, and who was estimated.
#[derive(Debug, Clone)]
pub struct Answer {
    pub result: Arc<QueryResult>,
    pub dates: Vec<NaiveDate>,
    pub protection: Protection,
    /// Returns stored against expected, per census date, in the area asked about.
    pub completeness: Vec<Completeness>,
    /// With estimates: who was carried forward from which census.
    pub carried: Option<Carried>,
    /// The population profile asked for by name, when the answer compared with one.
    pub population: Option<String>,
}

impl Answer {
    /// The threshold applied (`None`: exact figures, the asker's own records).
    pub fn threshold(&self) -> Option<u64> {
        self.protection.threshold()
    }

    /// The query contract's JSON (measures.md) with how complete the returns are and,
    /// with estimates, who was carried forward.
    pub fn to_json(&self) -> Value {
        let mut v = crate::query::to_json(&self.result, &self.dates);
        completeness::add_to_json(&mut v, &self.completeness);
        if let Some(carried) = &self.carried {
            v["estimates"] = json!(
                carried
                    .iter()
                    .map(|(d, b, who)| json!({"census_date": d.to_string(), "carried_from": b.to_string(), "employers": who}))
                    .collect::<Vec<_>>()
            );
        }
        v
    }

    /// The answer as a table with every footnote it needs.
    pub fn to_table(&self) -> TableOut {
        let mut table = crate::query::to_table(&self.result, &self.dates, self.threshold());
        if let Some(name) = self
            .population
            .as_ref()
            .filter(|_| !self.result.population_profiles.is_empty())
        {
            table.notes.push(format!(
                "Population profile: {name} (over the shipped {SHIPPED_POPULATION} where it has no shares)."
            ));
        }
        if let Some(carried) = &self.carried {
            table.notes.extend(crate::estimates::note(carried));
        }
        table.notes.extend(completeness::notes(&self.completeness));
        table
    }
}

/// What a computation leaves for the cache: the figures and who was estimated.
#[derive(Debug)]
struct Computed {
    result: Arc<QueryResult>,
    carried: Option<Carried>,
}

/// Figures already answered from the current data. Everyone who may see a figure sees the
/// same one (the key holds the question, the dates and the protection), a dashboard asks
/// about twenty-five, and the data changes only when a return is stored: a new data
/// generation empties the cache.
#[derive(Default)]
struct AnswerCache {
    inner: Mutex<(String, HashMap<String, Arc<Computed>>)>,
}

impl AnswerCache {
    /// Answers kept at most; past it the cache starts again (a bound on memory, not a
    /// policy: a server sees far fewer distinct questions between two imports).
    const MAX: usize = 4096;

    fn get(&self, generation: &str, key: &str) -> Option<Arc<Computed>> {
        let inner = self.inner.lock().expect("answer cache lock");
        (inner.0 == generation)
            .then(|| inner.1.get(key).cloned())
            .flatten()
    }

    fn put(&self, generation: &str, key: String, answer: Arc<Computed>) {
        let mut inner = self.inner.lock().expect("answer cache lock");
        if inner.0 != generation || inner.1.len() >= Self::MAX {
            inner.0 = generation.to_string();
            inner.1.clear();
        }
        inner.1.insert(key, answer);
    }
}

/// The cubes, the answers kept, and the threshold of one running service (or of one
/// command).
pub struct Answers {
    /// The cubes of each census date, current with the stored data.
    pub cubes: CubeCache,
    cache: AnswerCache,
    /// How complete the returns are, per census dates and area, read at most once per
    /// [`CubeCache::RECHECK`] (a dashboard's forty-five answers share one count; an
    /// employer registered by hand changes it without changing the data generation).
    completeness: Mutex<HashMap<String, (std::time::Instant, Vec<Completeness>)>>,
    /// The primary suppression threshold for everything that crosses organisations.
    pub threshold: u64,
}

impl Answers {
    pub fn new(threshold: u64) -> Answers {
        Answers {
            cubes: CubeCache::default(),
            cache: AnswerCache::default(),
            completeness: Mutex::default(),
            threshold,
        }
    }

    /// As [`Answers::new`], calling `on_rebuild` before a census date's cube has to be
    /// rebuilt from the rows (slow: once after each import) and dropping what it returns
    /// when the rebuild is done (the command line's spinner).
    pub fn with_progress(threshold: u64, on_rebuild: crate::cubes::OnRebuild) -> Answers {
        Answers {
            cubes: CubeCache::with_progress(on_rebuild),
            ..Answers::new(threshold)
        }
    }

    /// The census date asked for (else the latest with returns), and every census date
    /// with returns.
    pub async fn chosen_date(
        &self,
        db: &Database,
        asked: Option<&str>,
    ) -> Result<(NaiveDate, Vec<NaiveDate>), ServiceError> {
        let dates = db.store.census_dates().await?;
        let date = match asked.filter(|s| !s.is_empty()) {
            Some(s) => crate::parse_date(s).map_err(ServiceError::Invalid)?,
            None => *dates
                .last()
                .ok_or_else(|| ServiceError::Invalid("There are no returns yet.".into()))?,
        };
        Ok((date, dates))
    }

    /// Answers `ask` for `actor`: a user is refused outside their scope, sees their own
    /// records exactly and everything else suppressed and perturbed
    /// (docs/disclosure.md); the operator gets the protection they ask for.
    pub async fn answer<'a>(
        &self,
        db: &Database,
        actor: impl Into<Actor<'a>>,
        ask: &Ask,
    ) -> Result<Answer, ServiceError> {
        let actor = actor.into();
        let q = question(ask, "where=")?;
        // The census dates with returns are read once per answer.
        let (dates, known) = if ask.measure == MOBILITY || ask.dates.is_empty() {
            let (date, known) = self
                .chosen_date(db, ask.dates.last().map(String::as_str))
                .await?;
            (vec![date], known)
        } else {
            let dates = ask
                .dates
                .iter()
                .map(|d| crate::parse_date(d.trim()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(ServiceError::Invalid)?;
            (dates, db.store.census_dates().await?)
        };
        let protection = policy::protection_for(actor, &q, self.threshold, ask.protection)?;
        let computed = self
            .remembered(db, ask, &dates, protection, async {
                if ask.measure == MOBILITY {
                    return self.mobility(db, &q, dates[0], &known, protection).await;
                }
                self.figures(db, ask, q.clone(), &dates, &known, protection)
                    .await
            })
            .await?;
        let completeness = self
            .completeness(db, &dates, completeness::area_of(&q.filters))
            .await?;
        Ok(Answer {
            result: computed.result.clone(),
            carried: computed.carried.clone(),
            dates,
            protection,
            completeness,
            population: ask.population.clone(),
        })
    }

    /// Ask the database again on the next question (after this process stored a return).
    pub fn forget(&self) {
        self.cubes.forget();
        self.completeness.lock().expect("completeness lock").clear();
    }

    /// How complete the returns at `dates` in `area` are, counted again at most once per
    /// [`CubeCache::RECHECK`].
    async fn completeness(
        &self,
        db: &Database,
        dates: &[NaiveDate],
        area: Option<&str>,
    ) -> Result<Vec<Completeness>, ServiceError> {
        let key = format!("{dates:?}|{area:?}");
        if let Some((at, c)) = self
            .completeness
            .lock()
            .expect("completeness lock")
            .get(&key)
            && at.elapsed() < CubeCache::RECHECK
        {
            return Ok(c.clone());
        }
        let counted = completeness::of(db, dates, area).await?;
        let mut kept = self.completeness.lock().expect("completeness lock");
        if kept.len() >= AnswerCache::MAX {
            kept.clear();
        }
        kept.insert(key, (std::time::Instant::now(), counted.clone()));
        Ok(counted)
    }

    /// A measure at `dates`, from the cubes (or, with estimates, from cubes with the
    /// non-responders carried forward).
    async fn figures(
        &self,
        db: &Database,
        ask: &Ask,
        mut q: Query,
        dates: &[NaiveDate],
        known: &[NaiveDate],
        protection: Protection,
    ) -> Result<Computed, ServiceError> {
        let breaks = match &ask.series_breaks {
            Some(text) => Some(
                SeriesBreaks::from_csv(text)
                    .context("the declared series breaks")
                    .map_err(ServiceError::invalid)?,
            ),
            None => None,
        };
        let population = match &ask.population {
            Some(name) => Some(population(db, name).await?.over_national_default()),
            None => None,
        };
        let ctx = QueryContext {
            population: population.as_ref(),
            series_breaks: breaks.as_ref(),
        };
        let load = dates_to_load(&q.measure, dates, known, &mut q.filters);
        let no_returns = |d: &NaiveDate| no_returns_for(*d, known);
        if let Some(d) = load.iter().find(|d| !known.contains(d)) {
            return Err(no_returns(d));
        }
        if !ask.estimates {
            let cubes = self.cubes.get(&db.store, &load).await?;
            let refs: Vec<_> = cubes.iter().map(|c| c.as_ref()).collect();
            let result =
                answer_protected(&refs, &q, protection, &ctx).map_err(ServiceError::invalid)?;
            return Ok(Computed {
                result: Arc::new(result),
                carried: None,
            });
        }
        let e = crate::estimates::load(db, &load, |d| self.cubes.rebuilding(d)).await?;
        let refs: Vec<_> = e.combined.iter().collect();
        let mut result =
            answer_protected(&refs, &q, protection, &ctx).map_err(ServiceError::invalid)?;
        let carried: Vec<_> = e.carried.iter().collect();
        // A filter naming something only reported data has leaves the carried records out
        // of every row: nothing to flag.
        if let Ok(c) = run_query_with(&carried, &q, &ctx) {
            flag_estimated(&mut result, &c);
        }
        Ok(Computed {
            result: Arc::new(result),
            carried: Some(e.carried_from),
        })
    }

    /// Mobility: people between the census before `to` and `to`, by `category` (what
    /// became of them), `sector,category`, `from_sector,to_sector` (the flow matrix) or
    /// any breakdown of their main post. Always perturbed: it follows people across
    /// organisations.
    async fn mobility(
        &self,
        db: &Database,
        q: &Query,
        to: NaiveDate,
        known: &[NaiveDate],
        protection: Protection,
    ) -> Result<Computed, ServiceError> {
        let threshold = protection.threshold().unwrap_or(self.threshold);
        let from = known
            .iter()
            .rev()
            .find(|d| **d < to)
            .copied()
            .ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "Mobility compares two census dates, and there is none before {}.",
                    observatory_domain::long_date(to)
                ))
            })?;
        if !known.contains(&to) {
            return Err(no_returns_for(to, known));
        }
        let cubes = self.cubes.get(&db.store, &[from, to]).await?;
        Ok(Computed {
            result: Arc::new(flows(&cubes, &q.by, &q.filters, threshold)?),
            carried: None,
        })
    }

    /// The answer to `ask` at `dates` with `protection`, from the cache when the data has
    /// not changed since it was computed, else computed and kept.
    async fn remembered(
        &self,
        db: &Database,
        ask: &Ask,
        dates: &[NaiveDate],
        protection: Protection,
        compute: impl std::future::Future<Output = Result<Computed, ServiceError>>,
    ) -> Result<Arc<Computed>, ServiceError> {
        let generation = self.cubes.generation(&db.store).await?;
        let key = format!("{ask:?}|{dates:?}|{protection:?}");
        if let Some(hit) = self.cache.get(&generation, &key) {
            return Ok(hit);
        }
        let computed = Arc::new(compute.await?);
        self.cache.put(&generation, key, computed.clone());
        Ok(computed)
    }
}

/// The query `ask` puts, checked (the measure and breakdowns exist, the filters are
/// `DIM=VALUE`). `flag` names where filters came from in messages (`--where ` on the
/// command line, `where=` in the API).
pub fn question(ask: &Ask, flag: &str) -> Result<Query, ServiceError> {
    let q = Query {
        measure: ask.measure.trim().to_string(),
        by: ask
            .by
            .iter()
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
            .collect(),
        filters: parse_filters(&ask.filters, flag).map_err(ServiceError::invalid)?,
    };
    if q.measure != MOBILITY {
        check_query(&q).map_err(ServiceError::invalid)?;
    }
    Ok(q)
}

/// A census date without returns: the asker's mistake, said plainly with the dates that
/// have returns.
pub fn no_returns_for(date: NaiveDate, known: &[NaiveDate]) -> ServiceError {
    let list: Vec<String> = known.iter().map(|d| d.to_string()).collect();
    ServiceError::Invalid(format!(
        "There are no returns for census date {date}. Census dates with returns: {}.",
        if list.is_empty() {
            "none yet (import some with `observatory import`)".to_string()
        } else {
            list.join(", ")
        }
    ))
}

/// A population profile by name: the shipped england_2021 or one imported with
/// `observatory population import`.
pub async fn population(db: &Database, name: &str) -> Result<PopulationProfile, ServiceError> {
    let store = &db.store;
    if name.eq_ignore_ascii_case(SHIPPED_POPULATION) {
        return Ok(PopulationProfile::england_2021().clone());
    }
    let Some(body) = store.population(name).await? else {
        let names: Vec<String> = std::iter::once(SHIPPED_POPULATION.to_string())
            .chain(store.populations().await?.into_iter().map(|p| p.name))
            .collect();
        return Err(ServiceError::Invalid(format!(
            "there is no population profile called '{name}'; profiles: {} (import one with `observatory population import --name NAME FILE.csv`)",
            names.join(", ")
        )));
    };
    PopulationProfile::from_csv(&body)
        .with_context(|| format!("the stored population profile '{name}' is damaged"))
        .map_err(ServiceError::Internal)
}

/// The mobility table `by` asks for, protected.
fn flows(
    cubes: &[Arc<Cube>],
    by: &[String],
    filters: &[(String, String)],
    threshold: u64,
) -> Result<QueryResult, ServiceError> {
    let names: Vec<&str> = by.iter().map(String::as_str).collect();
    let further: Vec<String> = match names.as_slice() {
        [] | ["category"] | ["sector", "category"] | ["from_sector", "to_sector"] => vec![],
        _ => by.iter().filter(|b| *b != "category").cloned().collect(),
    };
    let mut m =
        mobility_by(&cubes[0], &cubes[1], filters, &further).map_err(ServiceError::invalid)?;
    m.apply_cell_key_method(threshold);
    Ok(match names.as_slice() {
        [] | ["category"] => m.categories,
        ["sector", "category"] => m.by_sector,
        ["from_sector", "to_sector"] => m.matrix,
        _ => m.by_group.unwrap_or(m.categories),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(measure: &str) -> Arc<Computed> {
        Arc::new(Computed {
            carried: None,
            result: Arc::new(QueryResult {
                measure: measure.into(),
                kind: observatory_analysis::MeasureKind::Count,
                by: vec![],
                rows: vec![],
                series_breaks: vec![],
                population_profiles: vec![],
                perturbed: false,
            }),
        })
    }

    #[test]
    fn answers_last_until_the_data_changes() {
        let cache = AnswerCache::default();
        cache.put("g1", "posts".into(), answer("posts"));
        assert_eq!(cache.get("g1", "posts").unwrap().result.measure, "posts");
        assert!(cache.get("g1", "fte").is_none());
        // A return stored since: the old answer is never served again.
        assert!(cache.get("g2", "posts").is_none());
        cache.put("g2", "fte".into(), answer("fte"));
        assert!(cache.get("g1", "posts").is_none());
        assert!(cache.get("g2", "posts").is_none());
        assert!(cache.get("g2", "fte").is_some());
    }
}
