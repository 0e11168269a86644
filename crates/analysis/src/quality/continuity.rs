//! Year-on-year continuity: each employer's size and turnover at two census dates, with
//! the changes too large to be believed without a second look (a return that lost a
//! site, double counted agency staff, or changed how it records leavers).

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{by_employer, employer_areas};
use crate::cube::Cube;
use crate::{AnalysisError, ResultRow};

/// When a change is flagged. A size change is flagged when it is larger than both
/// limits (so small employers are not flagged for a change of two people).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContinuityLimits {
    /// Largest believable change of posts or headcount, as a fraction of the earlier
    /// figure (0.25 = 25 %).
    pub size_change_share: f64,
    /// Largest believable change of posts or headcount, in posts or people.
    pub size_change_min: u64,
    /// Largest believable change of the turnover rate, in points as a fraction (0.15 =
    /// 15 percentage points).
    pub turnover_change: f64,
}

impl Default for ContinuityLimits {
    fn default() -> Self {
        ContinuityLimits {
            size_change_share: 0.25,
            size_change_min: 10,
            turnover_change: 0.15,
        }
    }
}

/// Why an employer's continuity is in doubt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContinuityFlag {
    /// Filled posts changed beyond both size limits.
    PostsJump,
    /// Headcount changed beyond both size limits.
    HeadcountJump,
    /// The turnover rate changed by more than the limit.
    TurnoverJump,
    /// Returned at the earlier date but not at the later one.
    NoLaterReturn,
}

/// One employer's figures at both dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContinuityRow {
    /// The employer id.
    pub employer: String,
    /// The areas it has settings in, at either date.
    pub areas: Vec<String>,
    /// Filled posts at the earlier date (`None`: no return then).
    pub posts_before: Option<u64>,
    /// Filled posts at the later date.
    pub posts_after: Option<u64>,
    /// Later minus earlier posts, when both are known.
    pub posts_change: Option<i64>,
    /// `posts_change` / `posts_before` (a fraction), when the earlier figure is above 0.
    pub posts_change_share: Option<f64>,
    /// Distinct people at the earlier date.
    pub headcount_before: Option<u64>,
    /// Distinct people at the later date.
    pub headcount_after: Option<u64>,
    /// Later minus earlier headcount.
    pub headcount_change: Option<i64>,
    /// `headcount_change` / `headcount_before`.
    pub headcount_change_share: Option<f64>,
    /// Turnover rate (leavers / filled posts) at the earlier date.
    pub turnover_before: Option<f64>,
    /// Turnover rate at the later date.
    pub turnover_after: Option<f64>,
    /// Later minus earlier turnover rate, in points as a fraction.
    pub turnover_change: Option<f64>,
    /// What is in doubt; empty when nothing is.
    pub flags: Vec<ContinuityFlag>,
}

/// Every employer of either census date, compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContinuityReport {
    /// The earlier census date.
    pub earlier: NaiveDate,
    /// The later census date.
    pub later: NaiveDate,
    /// The limits applied.
    pub limits: ContinuityLimits,
    /// How many employers have at least one flag.
    pub employers_flagged: usize,
    /// One row per employer, in name order.
    pub rows: Vec<ContinuityRow>,
}

/// Tolerance for comparing rates with limits, so a change of exactly the limit is not
/// flagged by floating-point noise.
const EPS: f64 = 1e-9;

/// A count for an employer: the query's figure, 0 for an employer that returned but
/// has no such rows, `None` for one that did not return.
fn count(figures: &HashMap<String, ResultRow>, cube: &Cube, employer: &str) -> Option<u64> {
    match figures.get(employer).and_then(|r| r.value) {
        Some(v) => Some(v.round() as u64),
        None => cube.employers.iter().any(|e| e == employer).then_some(0),
    }
}

/// A count's change, change share, and whether it jumped beyond both limits.
fn size_change(
    before: Option<u64>,
    after: Option<u64>,
    limits: &ContinuityLimits,
) -> (Option<i64>, Option<f64>, bool) {
    let change = before.zip(after).map(|(b, a)| a as i64 - b as i64);
    let share = change
        .zip(before)
        .filter(|(_, b)| *b > 0)
        .map(|(c, b)| c as f64 / b as f64);
    let jump = change.is_some_and(|c| {
        c.unsigned_abs() > limits.size_change_min
            && share.is_none_or(|s| s.abs() > limits.size_change_share + EPS)
    });
    (change, share, jump)
}

/// Compares every employer between two census dates (given in either order). Employers
/// that returned only at the earlier date are flagged `no_later_return`; those that
/// returned only at the later one are listed without a flag (a new employer is news,
/// not doubt).
pub fn continuity(
    first: &Cube,
    second: &Cube,
    limits: &ContinuityLimits,
) -> Result<ContinuityReport, AnalysisError> {
    if first.census_date() == second.census_date() {
        return Err(AnalysisError::RepeatedCensus(first.census_date()));
    }
    let (earlier, later) = if first.census_date() < second.census_date() {
        (first, second)
    } else {
        (second, first)
    };
    let [posts, heads, turnover] = ["posts", "headcount", "turnover_rate"]
        .map(|m| Ok::<_, AnalysisError>((by_employer(earlier, m)?, by_employer(later, m)?)));
    let (posts, heads, turnover) = (posts?, heads?, turnover?);
    let (areas_before, areas_after) = (employer_areas(earlier), employer_areas(later));
    let employers: BTreeSet<&String> = earlier.employers.iter().chain(&later.employers).collect();

    let mut rows = Vec::new();
    for e in employers {
        let mut flags = Vec::new();
        let (posts_before, posts_after) = (count(&posts.0, earlier, e), count(&posts.1, later, e));
        let (posts_change, posts_change_share, jump) =
            size_change(posts_before, posts_after, limits);
        if jump {
            flags.push(ContinuityFlag::PostsJump);
        }
        let (headcount_before, headcount_after) =
            (count(&heads.0, earlier, e), count(&heads.1, later, e));
        let (headcount_change, headcount_change_share, jump) =
            size_change(headcount_before, headcount_after, limits);
        if jump {
            flags.push(ContinuityFlag::HeadcountJump);
        }
        let rate = |m: &HashMap<String, ResultRow>| m.get(e).and_then(|r| r.value);
        let (turnover_before, turnover_after) = (rate(&turnover.0), rate(&turnover.1));
        let turnover_change = turnover_before.zip(turnover_after).map(|(b, a)| a - b);
        if turnover_change.is_some_and(|c| c.abs() > limits.turnover_change + EPS) {
            flags.push(ContinuityFlag::TurnoverJump);
        }
        if posts_after.is_none() {
            flags.push(ContinuityFlag::NoLaterReturn);
        }
        let mut areas: Vec<String> = areas_before
            .get(e)
            .into_iter()
            .chain(areas_after.get(e))
            .flatten()
            .cloned()
            .collect();
        areas.sort();
        areas.dedup();
        rows.push(ContinuityRow {
            employer: e.clone(),
            areas,
            posts_before,
            posts_after,
            posts_change,
            posts_change_share,
            headcount_before,
            headcount_after,
            headcount_change,
            headcount_change_share,
            turnover_before,
            turnover_after,
            turnover_change,
            flags,
        });
    }
    Ok(ContinuityReport {
        earlier: earlier.census_date(),
        later: later.census_date(),
        limits: *limits,
        employers_flagged: rows.iter().filter(|r| !r.flags.is_empty()).count(),
        rows,
    })
}
