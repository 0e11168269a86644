//! Data quality figures, so that users know how far to trust the census before they read
//! it (issue 3, "Data quality"):
//! - completeness of every field of the return by employer, by area and nationally,
//!   against ASC-WDS style targets ([`CompletenessSink`], fed from stored records);
//! - year-on-year continuity of each employer between two census dates ([`continuity`]);
//! - outliers among employers' rates within their peer group, by modified z-score
//!   ([`outliers`]).
//!
//! Every result is a plain serialisable struct, one row per figure, so the command line
//! can print it as a table, CSV or JSON. The rows name employers: like the standards,
//! they are organisation-level figures whose audience the caller decides.

mod completeness;
mod continuity;
mod outliers;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use completeness::{
    CORE_TARGET, CompletenessReport, CompletenessRow, CompletenessSink, GroupLevel, GroupSummary,
    OTHER_TARGET,
};
pub use continuity::{
    ContinuityFlag, ContinuityLimits, ContinuityReport, ContinuityRow, continuity,
};
pub use outliers::{
    OutlierConfig, OutlierRow, OutlierStatus, PeerGroup, Scale, modified_z_scores, outliers,
};

use crate::cube::Cube;
use crate::{AnalysisError, Query, ResultRow, run_query};

/// One measure for every employer of a cube, through the query engine (so the figures
/// are exactly those `observatory query --by employer` gives), keyed by employer.
fn by_employer(cube: &Cube, measure: &str) -> Result<HashMap<String, ResultRow>, AnalysisError> {
    let q = Query {
        measure: measure.to_string(),
        by: vec!["employer".to_string()],
        ..Query::default()
    };
    Ok(run_query(&[cube], &q)?
        .rows
        .into_iter()
        .map(|row| (row.keys[0].clone(), row))
        .collect())
}

/// The areas each employer has settings in (sorted), by employer name, so per-employer
/// rows can be scoped to an area's users.
fn employer_areas(cube: &Cube) -> HashMap<String, Vec<String>> {
    let s = &cube.settings;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for i in 0..s.id.len() {
        let areas = out
            .entry(cube.employers[s.employer[i] as usize].clone())
            .or_default();
        let area = &cube.areas[s.area[i] as usize];
        if !areas.contains(area) {
            areas.push(area.clone());
        }
    }
    for areas in out.values_mut() {
        areas.sort();
    }
    out
}
