//! One answer path for everyone who asks for figures through the web app (pages,
//! downloads, the API): the question is checked, the policy decides how its figures are
//! protected for this user, the census dates are chosen, the cubes answer (mobility
//! included), and the answer is kept until the data changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use observatory_analysis::{Cube, Query, QueryResult, check_query, mobility_by};
use observatory_store::Store;

use crate::cubes::CubeCache;
use crate::error::ServiceError;
use crate::policy::{self, User};
use crate::query::{Protection, answer_protected, dates_to_load, parse_filters};

/// The pseudo-measure of people's flows between the census before and the chosen one.
pub const MOBILITY: &str = "mobility";

/// A question as a person asks it: a measure, breakdowns, `DIM=VALUE` filters and census
/// dates (none: the latest with returns).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Ask {
    pub measure: String,
    pub by: Vec<String>,
    pub filters: Vec<String>,
    pub dates: Vec<String>,
}

/// An answer: the figures (protected), the census dates they are for, and how they were
/// protected.
#[derive(Debug, Clone)]
pub struct Answer {
    pub result: Arc<QueryResult>,
    pub dates: Vec<NaiveDate>,
    pub protection: Protection,
}

impl Answer {
    /// The threshold applied (`None`: exact figures, the asker's own records).
    pub fn threshold(&self) -> Option<u64> {
        self.protection.threshold()
    }
}

/// Figures already answered from the current data. Everyone who may see a figure sees the
/// same one (the key holds the question, the dates and the protection), a dashboard asks
/// about twenty-five, and the data changes only when a return is stored: a new data
/// generation empties the cache.
#[derive(Default)]
struct AnswerCache {
    inner: Mutex<(String, HashMap<String, Arc<QueryResult>>)>,
}

impl AnswerCache {
    /// Answers kept at most; past it the cache starts again (a bound on memory, not a
    /// policy: a server sees far fewer distinct questions between two imports).
    const MAX: usize = 4096;

    fn get(&self, generation: &str, key: &str) -> Option<Arc<QueryResult>> {
        let inner = self.inner.lock().expect("answer cache lock");
        (inner.0 == generation)
            .then(|| inner.1.get(key).cloned())
            .flatten()
    }

    fn put(&self, generation: &str, key: String, answer: Arc<QueryResult>) {
        let mut inner = self.inner.lock().expect("answer cache lock");
        if inner.0 != generation || inner.1.len() >= Self::MAX {
            inner.0 = generation.to_string();
            inner.1.clear();
        }
        inner.1.insert(key, answer);
    }
}

/// The cubes, the answers kept, and the threshold of one running service.
pub struct Answers {
    /// The cubes of each census date, current with the stored data.
    pub cubes: CubeCache,
    cache: AnswerCache,
    /// The primary suppression threshold for everything that crosses organisations.
    pub threshold: u64,
}

impl Answers {
    pub fn new(threshold: u64) -> Answers {
        Answers {
            cubes: CubeCache::default(),
            cache: AnswerCache::default(),
            threshold,
        }
    }

    /// The census date asked for (else the latest with returns), and every census date
    /// with returns.
    pub async fn chosen_date(
        &self,
        store: &Store,
        asked: Option<&str>,
    ) -> Result<(NaiveDate, Vec<NaiveDate>), ServiceError> {
        let dates = store.census_dates().await?;
        let date = match asked.filter(|s| !s.is_empty()) {
            Some(s) => crate::parse_date(s).map_err(ServiceError::Invalid)?,
            None => *dates
                .last()
                .ok_or_else(|| ServiceError::Invalid("There are no returns yet.".into()))?,
        };
        Ok((date, dates))
    }

    /// Answers `ask` for `user`: refused outside their scope, exact for their own
    /// records, else suppressed and perturbed (docs/disclosure.md).
    pub async fn answer(
        &self,
        store: &Store,
        user: &User,
        ask: &Ask,
    ) -> Result<Answer, ServiceError> {
        let filters = parse_filters(&ask.filters, "where=").map_err(ServiceError::invalid)?;
        let q = Query {
            measure: ask.measure.clone(),
            by: ask.by.clone(),
            filters,
        };
        if ask.measure == MOBILITY {
            return self.mobility(store, user, ask, q).await;
        }
        check_query(&q).map_err(ServiceError::invalid)?;
        let protection = policy::protection_for(user, &q, self.threshold)?;
        let dates = if ask.dates.is_empty() {
            vec![self.chosen_date(store, None).await?.0]
        } else {
            ask.dates
                .iter()
                .map(|d| crate::parse_date(d))
                .collect::<Result<Vec<_>, _>>()
                .map_err(ServiceError::Invalid)?
        };
        let result = self
            .remembered(store, ask, &dates, protection, async {
                let mut q = q;
                let known = store.census_dates().await?;
                let load = dates_to_load(&q.measure, &dates, &known, &mut q.filters);
                let cubes = self.census(store, &load, &known).await?;
                let refs: Vec<_> = cubes.iter().map(|c| c.as_ref()).collect();
                answer_protected(&refs, &q, protection, &Default::default())
                    .map_err(ServiceError::invalid)
            })
            .await?;
        Ok(Answer {
            result,
            dates,
            protection,
        })
    }

    /// Mobility: people between the census before the chosen date and that date, by
    /// `category` (what became of them), `sector,category`, `from_sector,to_sector` (the
    /// flow matrix) or any breakdown of their main post. Always protected: it follows
    /// people across organisations.
    async fn mobility(
        &self,
        store: &Store,
        user: &User,
        ask: &Ask,
        q: Query,
    ) -> Result<Answer, ServiceError> {
        let threshold = policy::protection_for(user, &q, self.threshold)?
            .threshold()
            .unwrap_or(self.threshold);
        let protection = Protection::CellKey(threshold);
        let (to, all) = self
            .chosen_date(store, ask.dates.last().map(String::as_str))
            .await?;
        let from = all
            .iter()
            .rev()
            .find(|d| **d < to)
            .copied()
            .ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "Mobility compares two census dates, and there is none before {to}."
                ))
            })?;
        let result = self
            .remembered(store, ask, &[from, to], protection, async {
                let cubes = self.census(store, &[from, to], &all).await?;
                flows(&cubes, &ask.by, &q.filters, threshold)
            })
            .await?;
        Ok(Answer {
            result,
            dates: vec![to],
            protection,
        })
    }

    /// The cubes of `dates`, given `known`, the census dates with returns (the caller
    /// has just read them). A date without returns is the asker's mistake (said
    /// plainly); anything else that fails is the service's.
    async fn census(
        &self,
        store: &Store,
        dates: &[NaiveDate],
        known: &[NaiveDate],
    ) -> Result<Vec<Arc<Cube>>, ServiceError> {
        if let Some(d) = dates.iter().find(|d| !known.contains(d)) {
            let list: Vec<String> = known.iter().map(|d| d.to_string()).collect();
            return Err(ServiceError::Invalid(format!(
                "There are no returns for census date {d}. Census dates with returns: {}.",
                if list.is_empty() {
                    "none yet".to_string()
                } else {
                    list.join(", ")
                }
            )));
        }
        Ok(self.cubes.get(store, dates).await?)
    }

    /// The answer to `ask` at `dates` with `protection`, from the cache when the data has
    /// not changed since it was computed, else computed and kept.
    async fn remembered(
        &self,
        store: &Store,
        ask: &Ask,
        dates: &[NaiveDate],
        protection: Protection,
        compute: impl std::future::Future<Output = Result<QueryResult, ServiceError>>,
    ) -> Result<Arc<QueryResult>, ServiceError> {
        let generation = self.cubes.generation(store).await?;
        let key = format!("{ask:?}|{dates:?}|{protection:?}");
        if let Some(hit) = self.cache.get(&generation, &key) {
            return Ok(hit);
        }
        let result = Arc::new(compute.await?);
        self.cache.put(&generation, key, result.clone());
        Ok(result)
    }
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

    fn answer(measure: &str) -> Arc<QueryResult> {
        Arc::new(QueryResult {
            measure: measure.into(),
            kind: observatory_analysis::MeasureKind::Count,
            by: vec![],
            rows: vec![],
            series_breaks: vec![],
            population_profiles: vec![],
            perturbed: false,
        })
    }

    #[test]
    fn answers_last_until_the_data_changes() {
        let cache = AnswerCache::default();
        cache.put("g1", "posts".into(), answer("posts"));
        assert_eq!(cache.get("g1", "posts").unwrap().measure, "posts");
        assert!(cache.get("g1", "fte").is_none());
        // A return stored since: the old answer is never served again.
        assert!(cache.get("g2", "posts").is_none());
        cache.put("g2", "fte".into(), answer("fte"));
        assert!(cache.get("g1", "posts").is_none());
        assert!(cache.get("g2", "posts").is_none());
        assert!(cache.get("g2", "fte").is_some());
    }
}
