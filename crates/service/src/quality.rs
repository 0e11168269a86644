//! Data quality: how far to trust a census before reading it. Completeness of every field
//! by employer and area against the ASC-WDS goals, year-on-year continuity of each
//! employer, and outliers among employers' rates within their peer group. These reports
//! name employers: they are for the people who look after the data.

use chrono::NaiveDate;
use std::collections::HashSet;

use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};

pub use observatory_analysis::MeasureKind;
pub use observatory_analysis::quality::{
    CORE_TARGET, CompletenessReport, ContinuityReport, GroupLevel, OTHER_TARGET, OutlierConfig,
    OutlierRow, OutlierStatus, PeerGroup,
};
use observatory_analysis::quality::{CompletenessSink, ContinuityLimits, continuity, outliers};

/// Completeness of every field at `date` by employer, area and nationally; with `area`,
/// only the employers with settings there and the area itself.
pub async fn completeness(
    db: &Database,
    actor: Actor<'_>,
    date: NaiveDate,
    area: Option<&str>,
) -> Result<CompletenessReport, ServiceError> {
    policy::may_operate(actor)?;
    let store = &db.store;
    crate::cubes::check_dates(db, &[date]).await?;
    let mut sink = CompletenessSink::new();
    store.load_census(date, &mut sink).await?;
    let mut report = sink.finish();
    if let Some(area) = area {
        let area = area.trim().to_ascii_uppercase();
        let employers = employers_in(db, date, &area).await?;
        let keep = |level: GroupLevel, group: &str| match level {
            GroupLevel::Employer => employers.contains(group),
            GroupLevel::Area => group.eq_ignore_ascii_case(&area),
            GroupLevel::National => false,
        };
        report.rows.retain(|r| keep(r.level, &r.group));
        report.groups.retain(|g| keep(g.level, &g.group));
    }
    Ok(report)
}

/// Employers with a setting in `area` at `date`, for filtering.
async fn employers_in(
    db: &Database,
    date: NaiveDate,
    area: &str,
) -> anyhow::Result<HashSet<String>> {
    Ok(db
        .store
        .returns_status(date, Some(area))
        .await?
        .into_iter()
        .filter(|r| r.returned)
        .map(|r| r.employer_id)
        .collect())
}

/// The census date before `date` that has returns.
async fn previous(db: &Database, date: NaiveDate) -> Result<NaiveDate, ServiceError> {
    let dates = db.store.census_dates().await?;
    match dates.iter().copied().filter(|d| *d < date).max() {
        Some(d) => Ok(d),
        None => Err(ServiceError::Invalid(format!(
            "continuity compares {date} with the census before it, but there are no returns before {date}"
        ))),
    }
}

fn in_area(areas: &[String], area: Option<&str>) -> bool {
    area.is_none_or(|a| areas.iter().any(|x| x.eq_ignore_ascii_case(a.trim())))
}

/// Each employer at `date` against the census before (in `area`, if given): jumps in
/// posts, headcount or turnover, and employers that stopped returning.
pub async fn continuity_report<G>(
    db: &Database,
    actor: Actor<'_>,
    date: NaiveDate,
    area: Option<&str>,
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<ContinuityReport, ServiceError> {
    policy::may_operate(actor)?;
    crate::cubes::check_dates(db, &[date]).await?;
    let before = previous(db, date).await?;
    let cubes = crate::cubes::load(db, &[before, date], on_rebuild).await?;
    let mut report = continuity(&cubes[0], &cubes[1], &ContinuityLimits::default())
        .map_err(ServiceError::invalid)?;
    report.rows.retain(|r| in_area(&r.areas, area));
    report.employers_flagged = report.rows.iter().filter(|r| !r.flags.is_empty()).count();
    Ok(report)
}

/// Employers at `date` (in `area`, if given) scored against their peers, with the
/// configuration used.
pub async fn outlier_report<G>(
    db: &Database,
    actor: Actor<'_>,
    date: NaiveDate,
    area: Option<&str>,
    peer_group: PeerGroup,
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<(Vec<OutlierRow>, OutlierConfig), ServiceError> {
    policy::may_operate(actor)?;
    let cube = crate::cubes::load(db, &[date], on_rebuild).await?;
    let config = OutlierConfig {
        peer_group,
        ..OutlierConfig::default()
    };
    let mut rows = outliers(&cube[0], &config).map_err(ServiceError::invalid)?;
    rows.retain(|r| in_area(&r.areas, area));
    Ok((rows, config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_area_filter_matches_any_of_an_employers_areas_in_any_case() {
        let areas = vec!["E06000056".to_string(), "E06000001".to_string()];
        assert!(in_area(&areas, None));
        assert!(in_area(&areas, Some(" e06000001 ")));
        assert!(!in_area(&areas, Some("E06000002")));
        assert!(!in_area(&[], Some("E06000002")));
    }
}
