//! Local workforce strategies: import (create or replace by id, every version kept),
//! export (the file as imported, unknown fields included), list, and each objective's
//! status, its bound indicator answered through the one answer path at the latest census
//! date on or after its baseline, under the disclosure control the caller gets.

use chrono::NaiveDate;
use observatory_strategy::{Indicator, Judgement, Objective, Observation, Point, Strategy, judge};
use serde_json::{Value, json};

use crate::accounts::{known_areas, resolve};
use crate::answers::{Answers, Ask};
use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};
use crate::query::{Unit, measure_names, measure_units};

pub mod series;
pub mod workforce;

pub use observatory_store::strategies::StrategySummary;
pub use observatory_strategy::Status;
pub use observatory_strategy::model::MAX_FILE_BYTES;

/// Whether the actor may see or change a strategy covering these areas: the operator,
/// administrators and analysts everywhere, planners where they plan every area.
fn may_plan(actor: Actor<'_>, areas: &[String]) -> Result<(), ServiceError> {
    if areas.iter().all(|a| policy::may_track(actor, a)) {
        Ok(())
    } else {
        Err(ServiceError::Denied(
            "You can only see and change strategies of the areas you plan for.".into(),
        ))
    }
}

/// Check and store a strategy file (JSON), replacing any with the same id. Gives the
/// strategy and its version number.
pub async fn import(
    db: &Database,
    actor: Actor<'_>,
    json: &str,
    by: &str,
) -> Result<(Strategy, i64), ServiceError> {
    let names = measure_names();
    let mut s =
        Strategy::parse(json, |m| names.iter().any(|n| n == m)).map_err(ServiceError::invalid)?;
    let areas = known_areas(db).await?;
    s.areas = s
        .areas
        .iter()
        .map(|a| resolve(&areas, "area", a))
        .collect::<Result<_, _>>()
        .map_err(|e| ServiceError::Invalid(format!("The strategy cannot be stored. {e}")))?;
    may_plan(actor, &s.areas)?;
    if let Some((_, before)) = db.store.strategy(&s.id).await? {
        may_plan(actor, &before)?;
    }
    let version = db
        .store
        .save_strategy(&s.id, &s.title, &s.areas, json, by)
        .await?;
    Ok((s, version))
}

/// A strategy's file as imported, and its areas, for an actor who may see them.
async fn stored(
    db: &Database,
    actor: Actor<'_>,
    id: &str,
) -> Result<(String, Vec<String>), ServiceError> {
    let Some((body, areas)) = db.store.strategy(id).await? else {
        return Err(ServiceError::NotFound(format!(
            "There is no strategy {id}; `observatory strategy list` shows them."
        )));
    };
    may_plan(actor, &areas)?;
    Ok((body, areas))
}

/// The strategy file exactly as it was last imported.
pub async fn export(db: &Database, actor: Actor<'_>, id: &str) -> Result<String, ServiceError> {
    Ok(stored(db, actor, id).await?.0)
}

/// The strategies the actor may see, by id, with their areas.
pub async fn list(
    db: &Database,
    actor: Actor<'_>,
) -> Result<Vec<(StrategySummary, Vec<String>)>, ServiceError> {
    Ok(db
        .store
        .strategies()
        .await?
        .into_iter()
        .filter(|(_, areas)| may_plan(actor, areas).is_ok())
        .collect())
}

/// One objective's status and what it rests on.
#[derive(Debug, Clone)]
pub struct ObjectiveStatus {
    pub objective: Objective,
    pub judgement: Judgement,
}

/// A strategy's title and every objective's status, judged on `today`.
pub async fn status(
    db: &Database,
    actor: Actor<'_>,
    answers: &Answers,
    id: &str,
    today: NaiveDate,
) -> Result<(String, Vec<ObjectiveStatus>), ServiceError> {
    let (body, areas) = stored(db, actor, id).await?;
    let s = Strategy::parse(&body, |_| true).map_err(ServiceError::invalid)?;
    let dates = crate::returns::census_dates(db).await?;
    let mut out = Vec::new();
    for o in s.objectives {
        let seen = observe(db, actor, answers, &o, &areas, &dates).await?;
        out.push(ObjectiveStatus {
            judgement: judge(&o, seen, today),
            objective: o,
        });
    }
    Ok((s.title, out))
}

/// The indicator's latest observation on or after the baseline: the latest census date
/// with returns, answered as the actor gets it (no fallback to an earlier date when it
/// is suppressed), or the latest recorded value.
async fn observe(
    db: &Database,
    actor: Actor<'_>,
    answers: &Answers,
    o: &Objective,
    areas: &[String],
    dates: &[NaiveDate],
) -> Result<Option<Observation>, ServiceError> {
    let (measure, filters) = match &o.indicator {
        Indicator::Recorded { recorded } => {
            return Ok(recorded
                .iter()
                .filter(|r| r.date >= o.baseline.date)
                .max_by_key(|r| r.date)
                .map(|r| Observation {
                    date: r.date,
                    value: Some(r.value),
                    counts: None,
                }));
        }
        Indicator::Bound { measure, filters } => (measure, filters),
    };
    let Some(&d) = dates.iter().filter(|d| **d >= o.baseline.date).max() else {
        return Ok(None);
    };
    Ok(Some(
        value_at(db, actor, answers, measure, filters, areas, d).await?,
    ))
}

/// A bound indicator's value at one census date, exactly as the query contract's JSON
/// gives it to the actor (rounded as it rounds, `None` when suppressed), with its counts
/// when the measure is a share of counts (for its uncertainty interval). Without an
/// `area` filter the indicator covers `areas` together.
pub(crate) async fn value_at(
    db: &Database,
    actor: Actor<'_>,
    answers: &Answers,
    measure: &str,
    filters: &[String],
    areas: &[String],
    d: NaiveDate,
) -> Result<Observation, ServiceError> {
    let mut filters = filters.to_vec();
    if !filters.iter().any(|f| f.trim().starts_with("area=")) {
        filters.extend(areas.iter().map(|a| format!("area={a}")));
    }
    let ask = Ask {
        measure: measure.to_string(),
        filters,
        dates: vec![d.to_string()],
        ..Default::default()
    };
    let answer = answers.answer(db, actor, &ask).await?.to_json();
    let row = &answer["rows"][0];
    let counted = measure_units(measure).is_some_and(|(_, parts)| parts == Unit::Count);
    let value = row["value"].as_f64().filter(|_| row["suppressed"] != true);
    Ok(Observation {
        date: d,
        value,
        counts: value
            .filter(|_| counted)
            .and_then(|_| Some((row["numerator"].as_f64()?, row["denominator"].as_f64()?))),
    })
}

fn point(p: &Point) -> Value {
    json!({"date": p.date.to_string(), "value": p.value})
}

/// The status as the command-line contract prints it.
pub fn status_json(id: &str, list: &[ObjectiveStatus]) -> Value {
    let objectives: Vec<Value> = list
        .iter()
        .map(|s| {
            let (o, j) = (&s.objective, &s.judgement);
            json!({
                "id": o.id,
                "title": o.title,
                "status": j.status.as_str(),
                "stale": j.stale,
                "value": j.value,
                "observed_at": j.observed_at.map(|d| d.to_string()),
                "trajectory": j.trajectory,
                "tolerance": j.tolerance,
                "interval": j.interval,
                "baseline": point(&o.baseline),
                "milestones": o.milestones.iter().map(point).collect::<Vec<_>>(),
                "owner": o.owner,
            })
        })
        .collect();
    json!({"strategy": id, "objectives": objectives})
}
