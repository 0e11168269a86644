//! Standards and targets (spec `measures.md`, "Standards and targets"): rules such as
//! "every daycare supervisor holds an achieved level 3" or "one FTE qualified teacher per
//! ten private or voluntary early years settings in an area", declared by users in TOML
//! rather than written into code, and checked against every setting or area of a cube,
//! saying who falls short and by how much.
//!
//! A standard has a `unit` (each `setting`, or each `area`), the `settings` it covers
//! (setting types, employing sectors, provision, areas), the `staff` its condition counts
//! (roles, workforce sectors, career levels, contracts, a minimum achieved qualification)
//! and a `condition` of one of three kinds:
//! - `qualified_share`: the share of covered staff (people or FTE) with an achieved
//!   qualification at `level` or above is at least `at_least` (a fraction, 0.5 = half);
//! - `staff_count`: at least `at_least` covered people (or FTE) per unit;
//! - `staff_per_settings`: per area, at least `at_least` covered FTE (or people) for every
//!   `per_settings` covered settings, pro rata (15 settings at 1 per 10 need 1.5).
//!
//! Choices the spec leaves open:
//! - A person with several covered posts in one unit counts once in people figures, and
//!   counts as qualified if any of those posts records the qualification (as the
//!   measures do). FTE figures add up the posts.
//! - Posts whose job title is not (yet) mapped to a role cannot be classed by a role,
//!   sector or career-level rule; they are left out and counted in
//!   `unknown_role_posts`, so a reader can see how far the verdict rests on them.
//! - A share over no covered staff (a daycare without supervisors) is
//!   `not_applicable`, neither passing nor failing; a count or ratio is always judged.
//! - Qualifications count only when achieved, never when worked towards.
//!
//! Results name each setting's employer and area so the caller can decide who may see
//! them (they are organisation-level figures).

mod check;
mod parse;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

pub use check::{StandardResult, Status, UnitResult, check};
pub use parse::{Standards, StandardsError};

use serde::{Deserialize, Serialize};

/// The standards shipped with the observatory: the spec's early years examples
/// (`data/standards/early_years.toml`).
pub const EARLY_YEARS_TOML: &str = include_str!("../../../../data/standards/early_years.toml");

/// What one standard is checked per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Each covered setting on its own.
    Setting,
    /// Each area (upper-tier local authority) with at least one covered setting.
    Area,
}

/// Whether a condition counts people or full-time equivalents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Amount {
    /// Distinct people (a person with several covered posts in a unit counts once).
    People,
    /// The sum of the covered posts' FTE.
    Fte,
}

/// What a standard requires of each unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// Covered staff with an achieved qualification at `level` or above, out of all
    /// covered staff, is at least `at_least` (a fraction).
    QualifiedShare {
        /// A code of the qualification_level list (`2`, `3`, ...).
        level: String,
        /// The lowest share that passes, 0 < at_least <= 1.
        at_least: f64,
        /// People or FTE.
        measure: Amount,
    },
    /// At least `at_least` covered people (or FTE) in the unit.
    StaffCount {
        /// The smallest amount that passes.
        at_least: f64,
        /// People or FTE.
        measure: Amount,
    },
    /// At least `at_least` covered FTE (or people) in the area for every
    /// `per_settings` covered settings there, pro rata.
    StaffPerSettings {
        /// Staff required per `per_settings` settings.
        at_least: f64,
        /// How many settings the `at_least` is for.
        per_settings: u32,
        /// People or FTE.
        measure: Amount,
    },
}

/// Which settings a standard covers (or whose staff it counts). An empty list places
/// no restriction; several lists must all match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SettingScope {
    /// Codes of the setting types list.
    pub setting_type: Vec<String>,
    /// `public`, `private`, `voluntary`.
    pub employing_sector: Vec<String>,
    /// `universal`, `targeted`, `specialist`.
    pub provision: Vec<String>,
    /// GSS area codes.
    pub area: Vec<String>,
}

/// Which posts a standard's condition counts. An empty list places no restriction;
/// several lists must all match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffScope {
    /// Role codes.
    pub role: Vec<String>,
    /// Workforce sectors of the role.
    pub sector: Vec<String>,
    /// Career levels of the role (`1` .. `6`).
    pub career_level: Vec<String>,
    /// Contract codes.
    pub contract: Vec<String>,
    /// Count only posts whose holder has achieved this qualification level or above.
    pub qualification_at_least: Option<String>,
}

/// One declared standard, checked and with its codes resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standard {
    /// Short identifier, unique within the file.
    pub id: String,
    /// What the standard says, in words.
    pub title: String,
    /// Where the standard comes from (a policy document), if given.
    pub source: Option<String>,
    /// Checked per setting or per area.
    pub unit: Unit,
    /// The settings covered (the units, or the settings counted per area).
    pub settings: SettingScope,
    /// The posts counted.
    pub staff: StaffScope,
    /// Per-area standards only: the settings whose staff count, when other than
    /// `settings` (e.g. teachers employed by the local authority's own services).
    pub staff_settings: Option<SettingScope>,
    /// What each unit must meet.
    pub condition: Condition,
}
