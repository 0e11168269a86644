//! Benchmarks: an employer's or an area's figures beside those of a comparison group
//! (median and quartiles, and where the subject ranks), as ASC-WDS does for adult social
//! care employers. Members whose figure rests on too few people are left out, and small
//! groups are suppressed.

use chrono::NaiveDate;
use observatory_analysis::{Query, benchmark};

use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};

pub use observatory_analysis::{BenchmarkResult, Group, MeasureKind, Subject};

/// The figures compared unless the asker names others.
pub const DEFAULT_MEASURES: [&str; 8] = [
    "headcount",
    "fte",
    "vacancy_rate",
    "turnover_rate",
    "stability_rate",
    "agency_share",
    "qualified_share_l3",
    "median_pay",
];

/// Whom a subject is compared with, as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    /// Employers of the same main setting type in the same area (employers only).
    SameSettingArea,
    /// The same main sector nationally (for an area: every other area).
    SectorNational,
    /// The employers or areas listed as neighbours.
    Neighbours,
}

/// A benchmark question: who, against whom, which measures, under which filters.
pub struct Ask {
    pub census_date: NaiveDate,
    pub subject: Subject,
    pub group: GroupKind,
    /// The statistical neighbours (with [`GroupKind::Neighbours`] only).
    pub neighbours: Vec<String>,
    /// The measures (none: [`DEFAULT_MEASURES`]).
    pub measures: Vec<String>,
    /// `DIM=VALUE` filters applied to the subject and every member, as typed.
    pub filters: Vec<String>,
    pub threshold: u64,
}

/// A benchmark question checked: the comparison group and one query per measure.
pub struct Checked {
    ask: Ask,
    group: Group,
    queries: Vec<Query>,
}

impl Checked {
    /// Who is benchmarked.
    pub fn subject(&self) -> &Subject {
        &self.ask.subject
    }
}

impl Ask {
    /// Check the question (before anything is opened, so a typo answers at once).
    pub fn check(self) -> Result<Checked, ServiceError> {
        crate::query::check_threshold(self.threshold)?;
        let neighbours: Vec<String> = self
            .neighbours
            .iter()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        let group = match self.group {
            GroupKind::SameSettingArea => Group::SameSettingTypeInArea,
            GroupKind::SectorNational => Group::SameSectorNationally,
            GroupKind::Neighbours if neighbours.is_empty() => {
                return Err(ServiceError::Invalid(
                    "--group neighbours needs the list: add --neighbours A,B,C".into(),
                ));
            }
            GroupKind::Neighbours => Group::Neighbours(neighbours.clone()),
        };
        if !neighbours.is_empty() && !matches!(group, Group::Neighbours(_)) {
            return Err(ServiceError::Invalid(
                "--neighbours is only for --group neighbours".into(),
            ));
        }
        let filters = crate::query::parse_filters(&self.filters, "--where ")?;
        let measures: Vec<String> = if self.measures.is_empty() {
            DEFAULT_MEASURES.map(String::from).to_vec()
        } else {
            self.measures.iter().map(|m| m.trim().to_string()).collect()
        };
        let queries: Vec<Query> = measures
            .iter()
            .map(|m| Query {
                measure: m.clone(),
                by: Vec::new(),
                filters: filters.clone(),
            })
            .collect();
        for q in &queries {
            observatory_analysis::check_query(q).map_err(ServiceError::invalid)?;
        }
        Ok(Checked {
            ask: self,
            group,
            queries,
        })
    }
}

/// The subject's figures beside its group's, one result per measure.
pub async fn compare<G>(
    db: &Database,
    actor: Actor<'_>,
    checked: &Checked,
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<Vec<BenchmarkResult>, ServiceError> {
    policy::may_operate(actor)?;
    let Checked {
        ask,
        group,
        queries,
    } = checked;
    let cube = crate::cubes::load(db, &[ask.census_date], on_rebuild).await?;
    let cubes: Vec<_> = cube.iter().collect();
    queries
        .iter()
        .map(|q| benchmark(&cubes, q, &ask.subject, group, ask.threshold))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ServiceError::invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(group: GroupKind, neighbours: &[&str], measures: &[&str]) -> Ask {
        Ask {
            census_date: NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
            subject: Subject::Area("E06000056".into()),
            group,
            neighbours: neighbours.iter().map(|s| s.to_string()).collect(),
            measures: measures.iter().map(|s| s.to_string()).collect(),
            filters: vec![],
            threshold: 5,
        }
    }

    #[test]
    fn neighbours_go_with_their_group_and_measures_default() {
        let c = ask(GroupKind::Neighbours, &[" E1", "", "E2 "], &[])
            .check()
            .unwrap();
        assert!(matches!(&c.group, Group::Neighbours(n) if n == &["E1", "E2"]));
        assert_eq!(c.queries.len(), DEFAULT_MEASURES.len());
        assert!(ask(GroupKind::Neighbours, &[" "], &[]).check().is_err());
        assert!(
            ask(GroupKind::SectorNational, &["E1"], &[])
                .check()
                .is_err()
        );
        let c = ask(GroupKind::SectorNational, &[], &[" fte "])
            .check()
            .unwrap();
        assert_eq!(c.queries[0].measure, "fte");
        assert!(
            ask(GroupKind::SectorNational, &[], &["no_such"])
                .check()
                .is_err()
        );
    }
}
