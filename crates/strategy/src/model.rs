//! A strategy as its JSON file holds it: id, title, areas and objectives, each objective
//! with an owner, an indicator (bound to a census measure, or recorded by hand), a
//! baseline and milestones. The file is checked whole and every problem reported at
//! once; fields the product does not know are kept by whoever stores the original JSON.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::plan::{Action, ChecklistAnswer, Decision, Resources, Risk, Scope, Swot};

/// A strategy (the fields the product reads; the stored JSON keeps the rest).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Strategy {
    pub id: String,
    pub title: String,
    pub areas: Vec<String>,
    #[serde(default)]
    pub vision: String,
    /// The text of each section of the framework that holds text, by its key
    /// (`data/strategy/framework.csv`).
    #[serde(default)]
    pub sections: BTreeMap<String, String>,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub swot: Swot,
    #[serde(default)]
    pub checklist: Vec<ChecklistAnswer>,
    #[serde(default)]
    pub objectives: Vec<Objective>,
    #[serde(default)]
    pub actions: Vec<Action>,
    #[serde(default)]
    pub risks: Vec<Risk>,
    #[serde(default)]
    pub resources: Resources,
    #[serde(default)]
    pub decisions: Vec<Decision>,
    /// Whether anyone may read the strategy, its figures under the publication's
    /// disclosure control, on its public page.
    #[serde(default)]
    pub public: bool,
}

/// One objective: SMART by construction (an owner, an indicator, dated milestones).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Objective {
    pub id: String,
    pub title: String,
    pub owner: String,
    /// The owner's account email, so the objective shows in their list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
    pub indicator: Indicator,
    pub baseline: Point,
    pub milestones: Vec<Point>,
    /// How far behind the trajectory still counts as on track, in the indicator's units
    /// (default: a tenth of the distance from the baseline to the last milestone).
    #[serde(default)]
    pub tolerance: Option<f64>,
    /// A recorded value older than this many days is stale (default 400).
    #[serde(default)]
    pub stale_after_days: Option<i64>,
    /// A saved projection scenario whose forecast the objective shows beside its status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
}

/// What an objective is measured by.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Indicator {
    /// A census measure, with filters written as in the query contract
    /// (`area=E06000056`, `role=social_worker`).
    Bound {
        measure: String,
        #[serde(default, rename = "where")]
        filters: Vec<String>,
    },
    /// Values typed in with their date and source.
    Recorded { recorded: Vec<Recorded> },
}

/// A dated value: the baseline or a milestone.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Point {
    pub date: NaiveDate,
    pub value: f64,
}

/// A value recorded by hand, with where it came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Recorded {
    pub date: NaiveDate,
    pub value: f64,
    pub source: String,
}

/// The largest strategy file read: a strategy is a page of JSON, so a file this big is
/// the wrong file (serde_json also bounds how deep it nests).
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// Default days after which a recorded value is stale.
pub const STALE_AFTER_DAYS: i64 = 400;

impl Objective {
    /// Up when the last milestone is above the baseline, else down.
    pub fn upward(&self) -> bool {
        self.milestones
            .last()
            .is_some_and(|m| m.value > self.baseline.value)
    }

    /// The last milestone (every checked objective has one).
    pub fn target(&self) -> Point {
        *self.milestones.last().unwrap_or(&self.baseline)
    }

    /// The latest value recorded by hand on or after the baseline (none for a bound
    /// indicator, whose values come from the census).
    pub fn latest_recorded(&self) -> Option<crate::Observation> {
        let Indicator::Recorded { recorded } = &self.indicator else {
            return None;
        };
        recorded
            .iter()
            .filter(|r| r.date >= self.baseline.date)
            .max_by_key(|r| r.date)
            .map(|r| crate::Observation {
                date: r.date,
                value: Some(r.value),
                counts: None,
            })
    }

    /// The tolerance in the indicator's units.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
            .unwrap_or_else(|| (self.target().value - self.baseline.value).abs() / 10.0)
    }

    /// The trajectory at `d`: linear in calendar days between consecutive points of
    /// (baseline, milestones...), the baseline before it and the last milestone after.
    pub fn trajectory(&self, d: NaiveDate) -> f64 {
        let mut prev = self.baseline;
        if d <= prev.date {
            return prev.value;
        }
        for m in &self.milestones {
            if d <= m.date {
                let span = (m.date - prev.date).num_days() as f64;
                let done = (d - prev.date).num_days() as f64;
                return prev.value + (m.value - prev.value) * done / span;
            }
            prev = *m;
        }
        prev.value
    }
}

/// Why a strategy file cannot be stored: every problem, each a plain sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid(pub Vec<String>);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.len() == 1 {
            write!(f, "The strategy cannot be stored: {}", self.0[0])
        } else {
            write!(
                f,
                "The strategy cannot be stored; it has {} problems:",
                self.0.len()
            )?;
            for p in &self.0 {
                write!(f, "\n  - {p}")?;
            }
            Ok(())
        }
    }
}

impl std::error::Error for Invalid {}

impl Strategy {
    /// The text written in a section of the framework (the vision is a field of its own).
    pub fn section_text(&self, key: &str) -> &str {
        if key == "vision" {
            &self.vision
        } else {
            self.sections.get(key).map_or("", String::as_str)
        }
    }

    /// Reads a strategy from its JSON, checking everything the product relies on;
    /// `known_measure` says whether a census measure exists.
    pub fn parse(json: &str, known_measure: impl Fn(&str) -> bool) -> Result<Strategy, Invalid> {
        let s: Strategy = serde_json::from_str(json).map_err(|e| {
            Invalid(vec![format!(
                "it is not a strategy file ({e}); it needs id, title, areas and objectives"
            )])
        })?;
        let problems = s.problems(&known_measure);
        if problems.is_empty() {
            Ok(s)
        } else {
            Err(Invalid(problems))
        }
    }

    fn problems(&self, known_measure: &impl Fn(&str) -> bool) -> Vec<String> {
        let mut p = Vec::new();
        if !id_ok(&self.id) {
            p.push(format!(
                "the id '{}' must be 1 to 100 letters, digits, '-', '_' or '.'",
                self.id
            ));
        }
        if self.title.trim().is_empty() {
            p.push("enter the strategy's title".into());
        }
        if self.areas.iter().all(|a| a.trim().is_empty()) {
            p.push("name at least one area the strategy covers, by its code".into());
        }
        let mut seen = std::collections::HashSet::new();
        for o in &self.objectives {
            let at = format!("objective '{}'", o.id);
            if !id_ok(&o.id) {
                p.push(format!(
                    "{at}: the id must be 1 to 100 letters, digits, '-', '_' or '.'"
                ));
            }
            if !seen.insert(o.id.as_str()) {
                p.push(format!("{at}: another objective has the same id"));
            }
            if o.title.trim().is_empty() {
                p.push(format!("{at}: enter its title"));
            }
            if o.owner.trim().is_empty() {
                p.push(format!("{at}: name its owner"));
            }
            p.extend(o.point_problems().into_iter().map(|e| format!("{at}: {e}")));
            match &o.indicator {
                Indicator::Bound { measure, filters } => {
                    if !known_measure(measure) {
                        p.push(format!(
                            "{at}: '{measure}' is not a census measure (observatory query --list shows them)"
                        ));
                    }
                    for f in filters {
                        if !f.contains('=') {
                            p.push(format!(
                                "{at}: the filter '{f}' must be written DIMENSION=VALUE, like area=E06000056"
                            ));
                        }
                    }
                }
                Indicator::Recorded { recorded } => {
                    for r in recorded {
                        if r.source.trim().is_empty() || !r.value.is_finite() {
                            p.push(format!(
                                "{at}: the value recorded for {} needs a number and its source",
                                r.date
                            ));
                        }
                    }
                }
            }
        }
        p.extend(crate::plan::problems(self));
        p
    }
}

/// Whether an id is 1 to 100 letters, digits, '-', '_' or '.' (safe in addresses).
pub(crate) fn id_ok(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

impl Objective {
    /// The baseline and milestones: at least one milestone, finite values, dates strictly
    /// increasing, and a tolerance that is not negative.
    fn point_problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.milestones.is_empty() {
            p.push("give at least one milestone (date and value)".into());
        }
        let mut prev = self.baseline.date;
        for m in &self.milestones {
            if m.date <= prev {
                p.push(format!(
                    "milestone dates must come after the baseline and each other ({} does not)",
                    m.date
                ));
            }
            prev = m.date;
        }
        if std::iter::once(&self.baseline)
            .chain(&self.milestones)
            .any(|m| !m.value.is_finite())
        {
            p.push("every baseline and milestone value must be a number".into());
        }
        if self.tolerance.is_some_and(|t| !(t >= 0.0 && t.is_finite())) {
            p.push("the tolerance must be a number of 0 or more".into());
        }
        if self.stale_after_days.is_some_and(|d| d < 1) {
            p.push("stale_after_days must be 1 or more".into());
        }
        p
    }
}
