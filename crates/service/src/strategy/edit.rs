//! Changing a strategy from the pages: each change is made on the stored file (every
//! field kept), checked whole, and stored as a new version saying who changed what, so
//! the history is complete. A change made on a version someone else has since changed
//! is refused rather than silently undoing theirs. Planners of the strategy's areas
//! change anything; an action's owner may update its status and note.

use chrono::NaiveDate;
use observatory_store::strategies::NewStrategyVersion;
use observatory_strategy::{Edit, List, Strategy, edit};
use serde_json::Value;

use super::{known_measure, read, stored};
use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor, User};

/// The fields of an action its owner may update.
const OWNER_FIELDS: [&str; 3] = ["id", "status", "note"];

/// Make one change to a strategy, on the version the change was made on (`expected`).
/// Gives the new version and what changed, in words.
pub async fn change(
    db: &Database,
    actor: Actor<'_>,
    id: &str,
    expected: i64,
    change: &Edit,
    by: &str,
) -> Result<(i64, String), ServiceError> {
    let (s, now) = read(db, actor, id).await?;
    match change {
        Edit::Upsert {
            list: List::Actions,
            item,
        } if item.keys().all(|k| OWNER_FIELDS.contains(&k.as_str())) => {
            let owner = item
                .get("id")
                .and_then(Value::as_str)
                .and_then(|a| s.actions.iter().find(|x| x.id == a))
                .and_then(|a| a.owner_email.as_deref());
            policy::may_update_owned(actor, &now.areas, owner)?;
        }
        _ => policy::may_change_strategy(actor, &now.areas)?,
    }
    if let Edit::Upsert {
        list: List::Objectives,
        item,
    } = change
        && let Some(scenario) = item
            .get("scenario")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        && db.store.scenario(scenario, None).await?.is_none()
    {
        return Err(ServiceError::Fields {
            what: "The objective cannot be saved".into(),
            problems: vec![(
                "scenario",
                format!(
                    "There is no saved projection '{scenario}': copy the id from the end of its address (/projections/ID)"
                ),
            )],
        });
    }
    save(db, id, now, expected, change, by, None).await
}

/// Record a value of an objective measured by hand (its date, value and source), as its
/// owner or a planner of the strategy's areas. Gives the new version and what changed.
#[allow(clippy::too_many_arguments)]
pub async fn record_value(
    db: &Database,
    actor: Actor<'_>,
    id: &str,
    expected: i64,
    objective: &str,
    value: observatory_strategy::Recorded,
    by: &str,
) -> Result<(i64, String), ServiceError> {
    let (s, now) = read(db, actor, id).await?;
    let Some(o) = s.objectives.iter().find(|o| o.id == objective) else {
        return Err(ServiceError::NotFound(format!(
            "There is no objective {objective}."
        )));
    };
    policy::may_update_owned(actor, &now.areas, o.owner_email.as_deref())?;
    let observatory_strategy::Indicator::Recorded { recorded } = &o.indicator else {
        return Err(ServiceError::Invalid(format!(
            "\u{2018}{}\u{2019} is measured from the census: its values come with the returns.",
            o.title
        )));
    };
    if value.source.trim().is_empty() {
        return Err(ServiceError::Fields {
            what: "The value".into(),
            problems: vec![("source", "Enter where the value comes from".into())],
        });
    }
    let shown = if (0.0..=1.0).contains(&value.value) {
        observatory_domain::Unit::Percentage
    } else {
        observatory_domain::Unit::Ratio
    };
    let (value_text, date_text, source_text) = (
        shown.format(value.value),
        observatory_domain::long_date(value.date),
        value.source.clone(),
    );
    let mut recorded = recorded.clone();
    recorded.retain(|r| r.date != value.date);
    recorded.push(value);
    recorded.sort_by_key(|r| r.date);
    let mut item = serde_json::Map::new();
    item.insert("id".into(), Value::String(objective.to_string()));
    item.insert(
        "indicator".into(),
        serde_json::json!({ "recorded": recorded }),
    );
    let change = Edit::Upsert {
        list: List::Objectives,
        item,
    };
    let said = format!(
        "Recorded a value for the objective \u{2018}{}\u{2019}: {} on {} ({}).",
        o.title, value_text, date_text, source_text
    );
    save(db, id, now, expected, &change, by, Some(said)).await
}

/// Store a change the actor may make, on the version it was made on.
async fn save(
    db: &Database,
    id: &str,
    now: observatory_store::strategies::StoredStrategy,
    expected: i64,
    change: &Edit,
    by: &str,
    summary: Option<String>,
) -> Result<(i64, String), ServiceError> {
    if now.version != expected {
        return Err(stale_version());
    }
    let (body, said) =
        edit::apply(&now.body, change, known_measure).map_err(ServiceError::invalid)?;
    let said = summary.unwrap_or(said);
    let title = Strategy::parse(&body, |_| true)
        .map_err(ServiceError::invalid)?
        .title;
    let version = db
        .store
        .save_strategy(&NewStrategyVersion {
            id,
            title: &title,
            areas: &now.areas,
            body: &body,
            by,
            summary: &said,
            expected: Some(expected),
        })
        .await?
        .ok_or_else(stale_version)?;
    Ok((version, said))
}

fn stale_version() -> ServiceError {
    ServiceError::Locked(
        "Someone else changed this strategy while you were editing it, so your change was not saved. Look at the strategy as it is now and make your change again.".into(),
    )
}

/// Something a person owns in a strategy that needs them.
#[derive(Debug, Clone, PartialEq)]
pub struct Owned {
    pub strategy_id: String,
    pub strategy: String,
    /// "action", "risk" or "objective".
    pub kind: &'static str,
    pub id: String,
    pub title: String,
    /// The date it is due (an action), to be reviewed (a risk) or last recorded (an
    /// objective recorded by hand).
    pub date: Option<NaiveDate>,
    pub state: OwnedState,
}

/// Why an owned thing is listed (most urgent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OwnedState {
    Overdue,
    /// Due within [`DUE_SOON_DAYS`].
    DueSoon,
    /// A value recorded by hand that is too old.
    Stale,
}

impl OwnedState {
    pub fn label(self) -> &'static str {
        match self {
            OwnedState::Overdue => "Overdue",
            OwnedState::DueSoon => "Due soon",
            OwnedState::Stale => "Needs a new value",
        }
    }
}

/// Things due within this many days are listed as due soon.
pub const DUE_SOON_DAYS: i64 = 30;

/// What the user owns (by their account's email) in the strategies they may read that is
/// overdue, due within 30 days, or stale, most urgent first.
pub async fn owned_by(
    db: &Database,
    user: &User,
    today: NaiveDate,
) -> Result<Vec<Owned>, ServiceError> {
    let actor = Actor::User(user);
    let mine = |e: &Option<String>| {
        e.as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(&user.email))
    };
    let when = |d: NaiveDate| {
        if d < today {
            Some(OwnedState::Overdue)
        } else if (d - today).num_days() <= DUE_SOON_DAYS {
            Some(OwnedState::DueSoon)
        } else {
            None
        }
    };
    let mut out = Vec::new();
    for (summary, _) in super::list(db, actor).await? {
        let s = Strategy::parse(&stored(db, actor, &summary.id).await?.body, |_| true)
            .map_err(ServiceError::invalid)?;
        let mut push = |kind, id: &str, title: &str, date, state| {
            out.push(Owned {
                strategy_id: s.id.clone(),
                strategy: s.title.clone(),
                kind,
                id: id.to_string(),
                title: title.to_string(),
                date,
                state,
            })
        };
        for a in s.actions.iter().filter(|a| mine(&a.owner_email)) {
            if a.status != observatory_strategy::ActionStatus::Done
                && let Some(state) = when(a.due)
            {
                push("action", &a.id, &a.title, Some(a.due), state);
            }
        }
        for r in s.risks.iter().filter(|r| mine(&r.owner_email)) {
            if let Some(state) = r.review.and_then(when) {
                push("risk", &r.id, &r.title, r.review, state);
            }
        }
        for o in s.objectives.iter().filter(|o| mine(&o.owner_email)) {
            let judged = observatory_strategy::judge(o, o.latest_recorded(), today);
            if judged.stale {
                push(
                    "objective",
                    &o.id,
                    &o.title,
                    judged.observed_at,
                    OwnedState::Stale,
                );
            }
        }
    }
    out.sort_by_key(|o| (o.state, o.date));
    Ok(out)
}
