//! Local workforce strategies: import (create or replace by id, every version kept),
//! export (the file as imported, unknown fields included), list, and each objective's
//! status, its bound indicator answered through the one answer path at the latest census
//! date on or after its baseline, under the disclosure control the caller gets.

use chrono::NaiveDate;
use observatory_strategy::{Judgement, Objective, Observation, Point, judge};

pub mod document;
pub mod edit;
pub mod forecast;
use serde_json::{Value, json};

use crate::accounts::{known_areas, resolve};
use crate::answers::{Answers, Ask};
use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};
use crate::query::{Protection, Unit, measure_names, measure_units};
use observatory_store::strategies::NewStrategyVersion;
use observatory_strategy::changes;

pub mod series;
pub mod workforce;

pub use observatory_store::strategies::{StoredStrategy, StrategySummary, StrategyVersion};
pub use observatory_strategy::framework::{self, Kind, framework};
pub use observatory_strategy::model::MAX_FILE_BYTES;
pub use observatory_strategy::plan::{self, Totals};
pub use observatory_strategy::{
    Action, ActionStatus, Answer, Decision, Edit, Indicator, List, Recorded, Risk, Status, Strategy,
};

/// Check and store a strategy file (JSON), replacing any with the same id. Gives the
/// strategy and its version number. The new version's history says what the file
/// changed.
pub async fn import(
    db: &Database,
    actor: Actor<'_>,
    json: &str,
    by: &str,
) -> Result<(Strategy, i64), ServiceError> {
    let mut s = Strategy::parse(json, known_measure).map_err(ServiceError::invalid)?;
    let areas = known_areas(db).await?;
    s.areas = s
        .areas
        .iter()
        .map(|a| resolve(&areas, "area", a))
        .collect::<Result<_, _>>()
        .map_err(|e| ServiceError::Invalid(format!("The strategy cannot be stored. {e}")))?;
    policy::may_change_strategy(actor, &s.areas)?;
    let before = db.store.strategy(&s.id).await?;
    let summary = match &before {
        Some(b) => {
            policy::may_change_strategy(actor, &b.areas)?;
            let changed = changes::between(&parsed(&b.body), &parsed(json));
            if changed.is_empty() {
                "Imported the strategy file again; it changed nothing the product reads.".into()
            } else {
                format!("Imported the strategy file. {}", changed.join(" "))
            }
        }
        None => "Imported the strategy file.".to_string(),
    };
    let version = db
        .store
        .save_strategy(&NewStrategyVersion {
            id: &s.id,
            title: &s.title,
            areas: &s.areas,
            body: json,
            by,
            summary: &summary,
            expected: None,
        })
        .await?
        .expect("an import replaces whatever version is stored");
    Ok((s, version))
}

/// Whether a census measure exists.
fn known_measure(m: &str) -> bool {
    measure_names().iter().any(|n| n == m)
}

/// A stored file as JSON (stored files were checked when stored).
fn parsed(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

/// A strategy as stored, for an actor who may read it.
async fn stored(db: &Database, actor: Actor<'_>, id: &str) -> Result<StoredStrategy, ServiceError> {
    let Some(s) = db.store.strategy(id).await? else {
        return Err(ServiceError::NotFound(format!(
            "There is no strategy {id}; `observatory strategy list` shows them."
        )));
    };
    policy::may_read_strategy(actor, &s.areas)?;
    Ok(s)
}

/// A strategy, read whole, for an actor who may read it: the strategy, its areas and
/// its version.
pub async fn read(
    db: &Database,
    actor: Actor<'_>,
    id: &str,
) -> Result<(Strategy, StoredStrategy), ServiceError> {
    let s = stored(db, actor, id).await?;
    let strategy = Strategy::parse(&s.body, |_| true).map_err(ServiceError::invalid)?;
    Ok((strategy, s))
}

/// Every version of a strategy, newest first: who changed it, when and what changed.
pub async fn history(
    db: &Database,
    actor: Actor<'_>,
    id: &str,
) -> Result<Vec<StrategyVersion>, ServiceError> {
    stored(db, actor, id).await?;
    Ok(db.store.strategy_versions(id).await?)
}

/// The strategy file exactly as it was last imported.
pub async fn export(db: &Database, actor: Actor<'_>, id: &str) -> Result<String, ServiceError> {
    Ok(stored(db, actor, id).await?.body)
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
        .filter(|(_, areas)| policy::may_read_strategy(actor, areas).is_ok())
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
    let (s, stored) = read(db, actor, id).await?;
    let judged = judge_all(db, actor, answers, &s, &stored.areas, today).await?;
    Ok((s.title, judged))
}

/// Every objective of a strategy the actor has read, judged on `today`.
pub async fn judge_all(
    db: &Database,
    actor: Actor<'_>,
    answers: &Answers,
    s: &Strategy,
    areas: &[String],
    today: NaiveDate,
) -> Result<Vec<ObjectiveStatus>, ServiceError> {
    judged_with(db, actor, None, answers, s, areas, today).await
}

/// Every objective judged with its figures answered for `actor`, protected as
/// `protection` says where given (the public page's).
async fn judged_with(
    db: &Database,
    actor: Actor<'_>,
    protection: Option<Protection>,
    answers: &Answers,
    s: &Strategy,
    areas: &[String],
    today: NaiveDate,
) -> Result<Vec<ObjectiveStatus>, ServiceError> {
    let dates = crate::returns::census_dates(db).await?;
    let mut out = Vec::new();
    for o in &s.objectives {
        let seen = observe(db, actor, protection, answers, o, areas, &dates).await?;
        out.push(ObjectiveStatus {
            judgement: judge(o, seen, today),
            objective: o.clone(),
        });
    }
    Ok(out)
}

/// A public strategy (its `public` flag set) as anyone may read it, with its objectives
/// judged on figures protected as every ad hoc figure that crosses organisations is (the
/// cell key method and suppression at `threshold`); an objective filtered by employer or
/// setting has no public figure. A strategy that is not public does not exist here.
pub async fn public(
    db: &Database,
    answers: &Answers,
    threshold: u64,
    id: &str,
    today: NaiveDate,
) -> Result<(Strategy, Vec<String>, Vec<ObjectiveStatus>), ServiceError> {
    let not_found = || ServiceError::NotFound(format!("There is no public strategy {id}."));
    let stored = db.store.strategy(id).await?.ok_or_else(not_found)?;
    let mut s = Strategy::parse(&stored.body, |_| true).map_err(ServiceError::invalid)?;
    if !s.public {
        return Err(not_found());
    }
    // Nobody's account is published, and no figure narrower than an area.
    for o in &mut s.objectives {
        o.owner_email = None;
        if let Indicator::Bound { filters, .. } = &mut o.indicator
            && filters.iter().any(|f| {
                let d = f.split('=').next().unwrap_or("").trim();
                d == "employer" || d == "setting"
            })
        {
            o.indicator = Indicator::Recorded { recorded: vec![] };
        }
    }
    for a in &mut s.actions {
        a.owner_email = None;
    }
    for r in &mut s.risks {
        r.owner_email = None;
    }
    let protection = Some(Protection::CellKey(threshold));
    let judged = judged_with(
        db,
        Actor::Operator,
        protection,
        answers,
        &s,
        &stored.areas,
        today,
    )
    .await?;
    Ok((s, stored.areas, judged))
}

/// The decisions that cite an evidence item, in the strategies the reader may read and
/// the public ones (signed out: the public ones): the strategy's id and title, and the
/// decision.
pub async fn decisions_citing(
    db: &Database,
    reader: Option<Actor<'_>>,
    item: i64,
) -> Result<Vec<(String, String, Decision)>, ServiceError> {
    let mut out = Vec::new();
    for (_, body, areas) in db.store.strategy_files().await? {
        let Ok(s) = Strategy::parse(&body, |_| true) else {
            continue;
        };
        let readable = reader.is_some_and(|a| policy::may_read_strategy(a, &areas).is_ok());
        if !(readable || s.public) {
            continue;
        }
        for d in s.decisions {
            if d.evidence.contains(&item) {
                out.push((s.id.clone(), s.title.clone(), d));
            }
        }
    }
    Ok(out)
}

/// The indicator's latest observation on or after the baseline: the latest census date
/// with returns, answered as the actor gets it (no fallback to an earlier date when it
/// is suppressed), or the latest recorded value.
async fn observe(
    db: &Database,
    actor: Actor<'_>,
    protection: Option<Protection>,
    answers: &Answers,
    o: &Objective,
    areas: &[String],
    dates: &[NaiveDate],
) -> Result<Option<Observation>, ServiceError> {
    let Indicator::Bound { measure, filters } = &o.indicator else {
        return Ok(o.latest_recorded());
    };
    let Some(&d) = dates.iter().filter(|d| **d >= o.baseline.date).max() else {
        return Ok(None);
    };
    Ok(Some(
        value_at(db, actor, protection, answers, measure, filters, areas, d).await?,
    ))
}

/// A bound indicator's value at one census date, exactly as the query contract's JSON
/// gives it to the actor (rounded as it rounds, `None` when suppressed), with its counts
/// when the measure is a share of counts (for its uncertainty interval). Without an
/// `area` filter the indicator covers `areas` together.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn value_at(
    db: &Database,
    actor: Actor<'_>,
    protection: Option<Protection>,
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
        protection,
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
