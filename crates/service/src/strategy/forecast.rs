//! An objective's model-based forecast: a saved projection scenario attached to the
//! objective gives the supply it projects at the objective's target date (with its 5-95 %
//! band), and the status that implies: on track when the forecast meets the target, at
//! risk when only the band reaches it, off track when even the band falls short. The
//! scenario's figures are those stored with its latest version, so the forecast is the
//! one anyone reading the scenario sees.

use chrono::NaiveDate;
use observatory_domain::long_date;
use observatory_strategy::{Indicator, Objective, Status};

use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::Actor;
use crate::projections::{self, figure};

/// What the model says about an objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub scenario_id: String,
    pub scenario_name: String,
    /// Supply, low and high at the target date, when the projection reaches it.
    pub at_target: Option<(f64, f64, f64)>,
    /// The status the forecast implies, when the objective measures what the scenario
    /// projects.
    pub status: Option<Status>,
    /// The forecast in a sentence.
    pub sentence: String,
}

/// Linear interpolation of the projection's (supply, low, high) at `date`.
fn at(years: &[projections::Year], date: NaiveDate) -> Option<(f64, f64, f64)> {
    let i = years.iter().position(|y| y.date >= date)?;
    let y = &years[i];
    if y.date == date || i == 0 {
        return (y.date == date).then_some((y.supply, y.supply_low, y.supply_high));
    }
    let x = &years[i - 1];
    let f = (date - x.date).num_days() as f64 / (y.date - x.date).num_days() as f64;
    let mix = |a: f64, b: f64| a + (b - a) * f;
    Some((
        mix(x.supply, y.supply),
        mix(x.supply_low, y.supply_low),
        mix(x.supply_high, y.supply_high),
    ))
}

/// The forecast of `objective`, when it names a scenario.
pub async fn forecast(
    db: &Database,
    actor: Actor<'_>,
    objective: &Objective,
) -> Result<Option<Forecast>, ServiceError> {
    let Some(id) = objective.scenario.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if crate::policy::may_project(actor).is_err() {
        return Ok(None);
    }
    let saved = match projections::saved(db, actor, id, None).await {
        Ok(s) => s,
        Err(ServiceError::NotFound(_)) => {
            return Ok(Some(Forecast {
                scenario_id: id.to_string(),
                scenario_name: id.to_string(),
                at_target: None,
                status: None,
                sentence: format!("The projection scenario '{id}' is not saved any more."),
            }));
        }
        Err(e) => return Err(e),
    };
    let target = objective.target();
    let projection = &saved.projected.projection;
    let measure = saved.projected.scenario.scope.measure.clone();
    let comparable =
        matches!(&objective.indicator, Indicator::Bound { measure: m, .. } if *m == measure);
    let at_target = at(&projection.years, target.date);
    let rising = target.value >= objective.baseline.value;
    let meets = |v: f64| {
        if rising {
            v >= target.value
        } else {
            v <= target.value
        }
    };
    let status = at_target.filter(|_| comparable).map(|(s, lo, hi)| {
        let best = if rising { hi } else { lo };
        if meets(s) {
            Status::OnTrack
        } else if meets(best) {
            Status::AtRisk
        } else {
            Status::OffTrack
        }
    });
    let sentence = match at_target {
        None => format!(
            "The projection ends on {}, before the target date, {}.",
            long_date(projection.years.last().map_or(target.date, |y| y.date)),
            long_date(target.date)
        ),
        Some((s, lo, hi)) => {
            let verdict = match status {
                Some(Status::OnTrack) => {
                    format!(", which meets the target of {}", figure(target.value))
                }
                Some(Status::AtRisk) => format!(
                    ", short of the target of {}, which is within the range the model gives",
                    figure(target.value)
                ),
                Some(_) => format!(
                    ", short of the target of {} even at the top of the range the model gives",
                    figure(target.value)
                ),
                None => format!(
                    " ({measure}); the objective measures something else, so no status is implied"
                ),
            };
            format!(
                "On the model's forecast: {} by {} (90% range {} to {}){verdict}.",
                figure(s),
                long_date(target.date),
                figure(lo),
                figure(hi)
            )
        }
    };
    Ok(Some(Forecast {
        scenario_id: id.to_string(),
        scenario_name: saved.name,
        at_target,
        status,
        sentence,
    }))
}
