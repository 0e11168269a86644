//! Mobility: where the people of one census are at the next (stayed, changed role,
//! employer or sector, left, joined) and the sector x sector flow matrix, with primary
//! suppression as the query contract has it.

use chrono::NaiveDate;
use observatory_analysis::mobility_by;

use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};

pub use observatory_analysis::{MobilityResult, QueryResult, ResultRow};

/// People's flows from `from` to `to`: counted when their main post at either date passes
/// every filter, with a table by `by` too if given; counts of fewer than `threshold`
/// people suppressed (`None`: exact, for the local operator only).
#[allow(clippy::too_many_arguments)]
pub async fn flows<G>(
    db: &Database,
    actor: Actor<'_>,
    from: NaiveDate,
    to: NaiveDate,
    filters: &[(String, String)],
    by: &[String],
    threshold: Option<u64>,
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<MobilityResult, ServiceError> {
    policy::may_operate(actor)?;
    let cubes = crate::cubes::load(db, &[from, to], on_rebuild).await?;
    let mut result =
        mobility_by(&cubes[0], &cubes[1], filters, by).map_err(ServiceError::invalid)?;
    if let Some(t) = threshold {
        result.apply_primary_suppression(t);
    }
    Ok(result)
}
