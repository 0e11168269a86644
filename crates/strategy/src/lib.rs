//! Local workforce strategies: a plan whose progress is measured, not asserted. This
//! crate holds what a strategy is ([`model`]) and how an objective's status is judged
//! from its indicator's latest value ([`status`]), by the rules of
//! `../shared/spec/strategy.md`, so that a status means the same in every area and every
//! year. It knows nothing of databases or census answers: the service layer finds the
//! observation and asks [`status::judge`].

pub mod changes;
pub mod edit;
pub mod framework;
pub mod model;
pub mod plan;
pub mod status;
pub mod trend;

pub use edit::{Edit, List};
pub use framework::framework;
pub use model::{Indicator, Objective, Point, Recorded, Strategy};
pub use plan::{Action, ActionStatus, Answer, Decision, Funding, Requirement, Risk};
pub use status::{Judgement, Observation, Status, judge};
pub use trend::{Projection, Trend, project};
