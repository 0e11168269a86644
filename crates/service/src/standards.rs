//! Standards: check every setting or area a declared standard covers (the shipped early
//! years ones, or a TOML file of one's own) and say who falls short and by how much.

use chrono::NaiveDate;
use std::path::Path;

use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};

pub use observatory_analysis::MeasureKind;
pub use observatory_analysis::standards::{
    Amount, Condition, Standard, StandardResult, Standards, Status, Unit,
};

/// The standards declared in `file`, or the shipped ones.
pub fn read(file: Option<&Path>) -> Result<Standards, ServiceError> {
    match file {
        None => Ok(Standards::early_years()),
        Some(p) => Standards::from_file(p).map_err(ServiceError::invalid),
    }
}

/// Every standard checked against the census of `date`, only units in `area` if given.
/// `on_rebuild` is called before the census's cube has to be rebuilt (see
/// [`crate::cubes::load`]).
pub async fn check<G>(
    db: &Database,
    actor: Actor<'_>,
    standards: &Standards,
    date: NaiveDate,
    area: Option<&str>,
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<Vec<StandardResult>, ServiceError> {
    policy::may_operate(actor)?;
    let cube = crate::cubes::load(db, &[date], on_rebuild).await?;
    let mut results = observatory_analysis::standards::check(standards, &cube[0]);
    if let Some(area) = area {
        for r in &mut results {
            r.units.retain(|u| u.area.eq_ignore_ascii_case(area.trim()));
            recount(r);
        }
    }
    Ok(results)
}

/// The totals of a result after some units were filtered away.
fn recount(r: &mut StandardResult) {
    r.units_checked = r.units.len();
    r.units_failing = r.units.iter().filter(|u| u.status == Status::Fail).count();
    r.units_not_applicable = r
        .units
        .iter()
        .filter(|u| u.status == Status::NotApplicable)
        .count();
    r.total_shortfall = r.units.iter().map(|u| u.shortfall).sum();
}

#[cfg(test)]
mod tests {
    use super::*;
    use observatory_analysis::standards::UnitResult;

    fn unit(area: &str, status: Status, shortfall: f64) -> UnitResult {
        UnitResult {
            unit: area.into(),
            employer: None,
            setting_id: None,
            area: area.into(),
            status,
            numerator: 0.0,
            denominator: None,
            value: None,
            required: 1.0,
            shortfall,
            shortfall_share: None,
            unknown_role_posts: 0,
        }
    }

    #[test]
    fn totals_follow_the_units_left() {
        let mut r = StandardResult {
            id: "s".into(),
            title: "S".into(),
            census_date: NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
            unit: Unit::Area,
            condition: Condition::StaffCount {
                at_least: 1.0,
                measure: Amount::People,
            },
            units_checked: 0,
            units_failing: 0,
            units_not_applicable: 0,
            total_shortfall: 0.0,
            units: vec![
                unit("E1", Status::Fail, 2.0),
                unit("E2", Status::Pass, 0.0),
                unit("E3", Status::Fail, 1.5),
                unit("E4", Status::NotApplicable, 0.0),
            ],
        };
        recount(&mut r);
        assert_eq!(
            (r.units_checked, r.units_failing, r.units_not_applicable),
            (4, 2, 1)
        );
        assert_eq!(r.total_shortfall, 3.5);
    }
}
