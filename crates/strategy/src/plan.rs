//! The parts of a strategy around its objectives: scope, SWOT, the checklist, actions,
//! risks, resources and decisions. Each has an owner where the toolkit asks for one, so
//! that everything in the plan is somebody's; each is checked when the file is read.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::framework::framework;

/// Which partners and parts of the workforce the strategy covers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Scope {
    /// Keys of `data/strategy/scope.csv`.
    #[serde(default)]
    pub partners: Vec<String>,
    /// Sector codes of the census.
    #[serde(default)]
    pub sectors: Vec<String>,
}

/// Strengths, weaknesses, opportunities and threats, one point a line.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Swot {
    #[serde(default)]
    pub strengths: Vec<String>,
    #[serde(default)]
    pub weaknesses: Vec<String>,
    #[serde(default)]
    pub opportunities: Vec<String>,
    #[serde(default)]
    pub threats: Vec<String>,
}

/// How far a checklist question is answered.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    #[default]
    NotStarted,
    InProgress,
    Done,
    NotApplicable,
}

impl Answer {
    pub const ALL: [Answer; 4] = [
        Answer::NotStarted,
        Answer::InProgress,
        Answer::Done,
        Answer::NotApplicable,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::NotStarted => "not_started",
            Answer::InProgress => "in_progress",
            Answer::Done => "done",
            Answer::NotApplicable => "not_applicable",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Answer::NotStarted => "Not started",
            Answer::InProgress => "In progress",
            Answer::Done => "Done",
            Answer::NotApplicable => "Does not apply",
        }
    }
}

/// One checklist question's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChecklistAnswer {
    /// A key of `data/strategy/checklist.csv`.
    pub item: String,
    #[serde(default)]
    pub status: Answer,
    #[serde(default)]
    pub note: String,
}

/// Where an action stands.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    #[default]
    NotStarted,
    InProgress,
    Blocked,
    Done,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] = [
        ActionStatus::NotStarted,
        ActionStatus::InProgress,
        ActionStatus::Blocked,
        ActionStatus::Done,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "not_started",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Blocked => "blocked",
            ActionStatus::Done => "done",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "Not started",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Blocked => "Blocked",
            ActionStatus::Done => "Done",
        }
    }
    pub fn parse(s: &str) -> Option<ActionStatus> {
        ActionStatus::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Something to be done, by whom, with whom and by when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Action {
    pub id: String,
    pub title: String,
    pub owner: String,
    /// The owner's account email, so the action shows in their list and, for a partner,
    /// they may update it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
    #[serde(default)]
    pub partners: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    pub due: NaiveDate,
    #[serde(default)]
    pub status: ActionStatus,
    /// The objective it serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
    #[serde(default)]
    pub note: String,
}

impl Action {
    /// Past its due date and not done.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status != ActionStatus::Done && self.due < today
    }
}

/// A risk: how likely, how bad, what is done about it and when it is next looked at.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Risk {
    pub id: String,
    pub title: String,
    /// 1 (rare) to 5 (almost certain).
    pub likelihood: u8,
    /// 1 (negligible) to 5 (severe).
    pub impact: u8,
    #[serde(default)]
    pub mitigation: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<NaiveDate>,
}

impl Risk {
    /// Likelihood times impact, 1 to 25.
    pub fn score(&self) -> u8 {
        self.likelihood * self.impact
    }
    /// High (15 or more), medium (8 to 14) or low.
    pub fn rating(&self) -> &'static str {
        match self.score() {
            15.. => "High",
            8..=14 => "Medium",
            _ => "Low",
        }
    }
}

/// Money a partner brings to workforce development, and how much of it is pooled.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Funding {
    pub id: String,
    /// The funding stream or budget, e.g. "Early years training budget".
    pub stream: String,
    pub partner: String,
    /// Pounds a year.
    pub amount: f64,
    /// The part of `amount` put into the shared pool.
    #[serde(default)]
    pub pooled: f64,
    /// Whether it is a training budget.
    #[serde(default)]
    pub training: bool,
}

/// Money the plan needs, for a purpose.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Requirement {
    pub id: String,
    pub purpose: String,
    /// Pounds a year.
    pub amount: f64,
}

/// What a strategy's resources add up to.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    pub available: f64,
    pub pooled: f64,
    pub training: f64,
    pub required: f64,
    /// Required less available; positive is a shortfall.
    pub gap: f64,
    /// Each partner's total and pooled amount, in the order first named.
    pub by_partner: Vec<(String, f64, f64)>,
}

/// Funding and requirements.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Resources {
    #[serde(default)]
    pub funding: Vec<Funding>,
    #[serde(default)]
    pub required: Vec<Requirement>,
}

impl Resources {
    pub fn totals(&self) -> Totals {
        let mut by_partner: Vec<(String, f64, f64)> = Vec::new();
        for f in &self.funding {
            match by_partner.iter_mut().find(|p| p.0 == f.partner) {
                Some(p) => {
                    p.1 += f.amount;
                    p.2 += f.pooled;
                }
                None => by_partner.push((f.partner.clone(), f.amount, f.pooled)),
            }
        }
        let available = self.funding.iter().map(|f| f.amount).sum::<f64>();
        let required = self.required.iter().map(|r| r.amount).sum::<f64>();
        Totals {
            available,
            pooled: self.funding.iter().map(|f| f.pooled).sum(),
            training: self
                .funding
                .iter()
                .filter(|f| f.training)
                .map(|f| f.amount)
                .sum(),
            required,
            gap: required - available,
            by_partner,
        }
    }
}

/// A figure a decision rested on, with the date it describes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Figure {
    pub label: String,
    pub value: String,
    pub date: NaiveDate,
}

/// What was decided, when, by whom, and what it rested on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Decision {
    pub id: String,
    pub date: NaiveDate,
    pub title: String,
    /// Who decided (a person or a board).
    pub by: String,
    #[serde(default)]
    pub detail: String,
    /// Evidence library item numbers.
    #[serde(default)]
    pub evidence: Vec<i64>,
    /// Explorer queries, as the explorer's address (`/explorer?measure=...`).
    #[serde(default)]
    pub queries: Vec<String>,
    #[serde(default)]
    pub figures: Vec<Figure>,
}

/// Every problem with the parts of a strategy around its objectives.
pub(crate) fn problems(s: &crate::Strategy) -> Vec<String> {
    let f = framework();
    let mut p = Vec::new();
    for key in s.sections.keys() {
        if !f.has_text(key) {
            p.push(format!(
                "there is no section '{key}' to write in; the sections are {}",
                f.sections
                    .iter()
                    .filter(|s| f.has_text(&s.key))
                    .map(|s| s.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    for k in &s.scope.partners {
        if !f.partners.iter().any(|c| &c.key == k) {
            p.push(format!(
                "the scope names '{k}', which is not in the list of partners"
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for a in &s.checklist {
        if !f.checklist.iter().any(|c| c.key == a.item) {
            p.push(format!("the checklist has no question '{}'", a.item));
        }
        if !seen.insert(a.item.as_str()) {
            p.push(format!("the checklist answers '{}' twice", a.item));
        }
    }
    ids(&mut p, "action", s.actions.iter().map(|a| a.id.as_str()));
    ids(&mut p, "risk", s.risks.iter().map(|r| r.id.as_str()));
    ids(
        &mut p,
        "decision",
        s.decisions.iter().map(|d| d.id.as_str()),
    );
    ids(
        &mut p,
        "funding line",
        s.resources.funding.iter().map(|f| f.id.as_str()),
    );
    ids(
        &mut p,
        "requirement",
        s.resources.required.iter().map(|r| r.id.as_str()),
    );
    for a in &s.actions {
        let at = format!("action '{}'", a.id);
        blank(&mut p, &at, "its title", &a.title);
        blank(&mut p, &at, "its owner", &a.owner);
        if a.start.is_some_and(|d| d > a.due) {
            p.push(format!("{at}: it cannot start after it is due"));
        }
        if let Some(o) = &a.objective
            && !s.objectives.iter().any(|x| &x.id == o)
        {
            p.push(format!("{at}: there is no objective '{o}'"));
        }
    }
    for r in &s.risks {
        let at = format!("risk '{}'", r.id);
        blank(&mut p, &at, "its title", &r.title);
        blank(&mut p, &at, "its owner", &r.owner);
        if !(1..=5).contains(&r.likelihood) || !(1..=5).contains(&r.impact) {
            p.push(format!("{at}: likelihood and impact must each be 1 to 5"));
        }
    }
    for x in &s.resources.funding {
        let at = format!("funding line '{}'", x.id);
        blank(&mut p, &at, "its funding stream", &x.stream);
        blank(&mut p, &at, "its partner", &x.partner);
        if !(x.amount.is_finite() && x.amount >= 0.0) {
            p.push(format!("{at}: the amount must be 0 or more"));
        } else if !(x.pooled >= 0.0 && x.pooled <= x.amount) {
            p.push(format!(
                "{at}: the amount pooled must be between 0 and the amount"
            ));
        }
    }
    for x in &s.resources.required {
        let at = format!("requirement '{}'", x.id);
        blank(&mut p, &at, "its purpose", &x.purpose);
        if !(x.amount.is_finite() && x.amount >= 0.0) {
            p.push(format!("{at}: the amount must be 0 or more"));
        }
    }
    for d in &s.decisions {
        let at = format!("decision '{}'", d.id);
        blank(&mut p, &at, "what was decided", &d.title);
        blank(&mut p, &at, "who decided", &d.by);
        for q in &d.queries {
            if !q.starts_with("/explorer") {
                p.push(format!(
                    "{at}: the query '{q}' must be an explorer address starting /explorer"
                ));
            }
        }
    }
    p
}

fn blank(p: &mut Vec<String>, at: &str, what: &str, v: &str) {
    if v.trim().is_empty() {
        p.push(format!("{at}: enter {what}"));
    }
}

/// Ids of one kind must be well formed and unique.
fn ids<'a>(p: &mut Vec<String>, kind: &str, ids: impl Iterator<Item = &'a str>) {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !crate::model::id_ok(id) {
            p.push(format!(
                "{kind} '{id}': the id must be 1 to 100 letters, digits, '-', '_' or '.'"
            ));
        }
        if !seen.insert(id) {
            p.push(format!("{kind} '{id}': another {kind} has the same id"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_action_is_overdue_after_its_due_date_until_done() {
        let mut a = Action {
            id: "a".into(),
            title: "t".into(),
            owner: "o".into(),
            owner_email: None,
            partners: vec![],
            start: None,
            due: day("2026-01-31"),
            status: ActionStatus::InProgress,
            objective: None,
            note: String::new(),
        };
        assert!(!a.overdue(day("2026-01-31")));
        assert!(a.overdue(day("2026-02-01")));
        a.status = ActionStatus::Done;
        assert!(!a.overdue(day("2026-02-01")));
    }

    #[test]
    fn risks_are_rated_by_likelihood_times_impact() {
        let r = |l, i| Risk {
            id: "r".into(),
            title: "t".into(),
            likelihood: l,
            impact: i,
            mitigation: String::new(),
            owner: "o".into(),
            owner_email: None,
            review: None,
        };
        assert_eq!((r(5, 5).score(), r(5, 5).rating()), (25, "High"));
        assert_eq!(r(3, 5).rating(), "High");
        assert_eq!(r(2, 4).rating(), "Medium");
        assert_eq!(r(1, 7).rating(), "Low");
    }

    #[test]
    fn resources_total_by_partner_with_the_gap() {
        let f = |id: &str, partner: &str, amount, pooled, training| Funding {
            id: id.into(),
            stream: "s".into(),
            partner: partner.into(),
            amount,
            pooled,
            training,
        };
        let r = Resources {
            funding: vec![
                f("a", "Council", 100_000.0, 50_000.0, true),
                f("b", "NHS", 40_000.0, 2_000.0, false),
                f("c", "Council", 10_000.0, 0.0, false),
            ],
            required: vec![Requirement {
                id: "x".into(),
                purpose: "p".into(),
                amount: 200_000.0,
            }],
        };
        let t = r.totals();
        assert_eq!(
            (t.available, t.pooled, t.training),
            (150_000.0, 52_000.0, 100_000.0)
        );
        assert_eq!((t.required, t.gap), (200_000.0, 50_000.0));
        assert_eq!(
            t.by_partner,
            vec![
                ("Council".to_string(), 110_000.0, 50_000.0),
                ("NHS".to_string(), 40_000.0, 2_000.0)
            ]
        );
    }
}
