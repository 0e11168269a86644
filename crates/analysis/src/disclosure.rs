//! Disclosure control done properly (spec: measures.md, "Disclosure control"): tables
//! with totals, primary and secondary suppression across every linked table a
//! publication shows, proven safe by the auditor ([`crate::audit`]), and rounding as
//! the alternative method.
//!
//! Every number a table prints is a cell of one [`LinkedTable`]: counts, and the
//! numerators and denominators of rates and shares, are cells of the quantity they
//! count ([`quantities`]: posts, fte, leavers, vacancies, headcount, wastage leavers,
//! agency fte...), so turnover's numerator is the leavers table's cell and its
//! denominator the posts table's, and vacancy_rate's denominator (posts plus
//! vacancies) shows the posts cell beside its numerator's vacancies. A cell is
//! identified by its quantity, the census date and the breakdown values it is not a
//! total of, so a margin shown in two tables is one cell, and every margin equals the
//! sum of its parts (also across an area [`Hierarchy`]). A row is hidden whole when any
//! of its cells is, and a cell that only hidden rows showed is protected in turn.
//! Figures that are not sums of people (pay statistics) are linked per measure. Tables
//! given together must answer the same filters: a result does not record its filters,
//! so a filtered table would be taken for the whole population; give the filtered
//! breakdown as a `by` instead.
//!
//! Headcount-like quantities (distinct people) are not strictly additive: a person with
//! posts in two groups counts once in the total. Protection never relies on a margin
//! being the exact sum; the auditor tries every relation as an equality first (the
//! attacker's best case) and relaxes it only where the published figures contradict it.
//! Inequalities between quantities (wastage leavers are at most the leavers) are not
//! modelled: they bound a figure but cannot give it away exactly.

pub(crate) mod linked;
pub(crate) mod lp;
pub(crate) mod moves;
pub(crate) mod quantities;
mod rounding;
mod secondary;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub(crate) use linked::link;
pub use linked::{Cell, Column, LinkedTable, Relation, Status};
pub use secondary::{ProtectStats, protect_linked_table};

use crate::audit::Finding;
use crate::cube::Cube;
use crate::dims::{Dim, value_list};
use crate::query::{MIN_SUPPRESSION_THRESHOLD, Query, QueryResult, ResultRow, run_query};
use crate::{AnalysisError, DEFAULT_SUPPRESSION_THRESHOLD};

/// The key a margin row carries for each breakdown it totals over.
pub const TOTAL_KEY: &str = "total";

/// How to protect published figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    /// Primary threshold: figures resting on fewer people (or posts) than this are
    /// protected. Raised to [`MIN_SUPPRESSION_THRESHOLD`] if lower.
    pub threshold: u64,
    /// Suppression or rounding.
    pub method: Method,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            threshold: DEFAULT_SUPPRESSION_THRESHOLD,
            method: Method::Suppression,
        }
    }
}

/// The protection method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Primary and secondary suppression, proven by the auditor.
    Suppression,
    /// Counts rounded to `base`, margins to `total_base`; rates recomputed from the
    /// rounded parts, and still suppressed where their denominator is below the
    /// threshold.
    Rounding {
        /// Base for cells, e.g. 5.
        base: u64,
        /// Base for margins, e.g. 10.
        total_base: u64,
    },
}

/// What disclosure control did: cells counted once however many tables show them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DisclosureSummary {
    /// Suppressed because they rest on fewer people than the threshold.
    pub primary: usize,
    /// Suppressed to protect primary cells.
    pub secondary: usize,
    /// Rounded (rounding method).
    pub rounded: usize,
    /// Audit rounds (suppression method).
    pub rounds: usize,
    /// Linear programmes the auditor solved.
    pub lp_solves: usize,
    /// Anything that could not be protected (empty unless the figures contradict
    /// their own totals or the solver failed): say so beside the table.
    pub unresolved: Vec<Finding>,
}

/// A level of a geography (or any breakdown's) hierarchy: `parent` is the sum of
/// `children`, all codes of `breakdown`. Rows whose key is the parent code are then
/// linked to its children's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    /// The breakdown, e.g. `area`.
    pub breakdown: String,
    /// The parent code, e.g. a region.
    pub parent: String,
    /// Its children's codes.
    pub children: Vec<String>,
}

/// Answers `q` with every margin: a row for every combination of the `by` values plus,
/// for each subset of the breakdowns, the rows with those breakdowns replaced by
/// [`TOTAL_KEY`], down to the grand total. `census_date` is never totalled. Rows are
/// ordered as [`run_query`] orders them, with each total after the values it adds up.
pub fn run_query_with_totals(cubes: &[&Cube], q: &Query) -> Result<QueryResult, AnalysisError> {
    let mut result = run_query(cubes, q)?;
    let by = result.by.clone();
    let free: Vec<usize> = (0..by.len()).filter(|&i| by[i] != "census_date").collect();
    for mask in 1u64..(1u64 << free.len()) {
        let totalled = |i: usize| {
            free.iter()
                .position(|&f| f == i)
                .is_some_and(|bit| mask & (1 << bit) != 0)
        };
        let kept: Vec<String> = (0..by.len())
            .filter(|&i| !totalled(i))
            .map(|i| by[i].clone())
            .collect();
        let sub = run_query(
            cubes,
            &Query {
                measure: q.measure.clone(),
                by: kept,
                filters: q.filters.clone(),
            },
        )?;
        let place: Vec<Option<usize>> = by
            .iter()
            .map(|d| sub.by.iter().position(|s| s == d))
            .collect();
        for mut row in sub.rows {
            row.keys = place
                .iter()
                .map(|p| p.map_or_else(|| TOTAL_KEY.to_string(), |j| row.keys[j].clone()))
                .collect();
            result.rows.push(row);
        }
    }
    sort_rows(&mut result);
    Ok(result)
}

/// Orders rows by their keys as [`run_query`] does (code-list order, else text),
/// each breakdown's total after its values.
fn sort_rows(result: &mut QueryResult) {
    let ranks: Vec<HashMap<String, usize>> = result
        .by
        .iter()
        .enumerate()
        .map(|(d, name)| {
            let mut values: Vec<String> = result
                .rows
                .iter()
                .map(|r| r.keys[d].clone())
                .filter(|k| k != TOTAL_KEY)
                .collect();
            values.sort_unstable();
            values.dedup();
            if let Some(list) = Dim::parse(name).and_then(value_list) {
                let pos = |v: &String| list.iter().position(|c| c == v).unwrap_or(usize::MAX);
                values.sort_by(|a, b| pos(a).cmp(&pos(b)).then_with(|| a.cmp(b)));
            }
            values
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v, i))
                .collect()
        })
        .collect();
    let mut keyed: Vec<(Vec<usize>, ResultRow)> = result
        .rows
        .drain(..)
        .map(|r| {
            let k = r
                .keys
                .iter()
                .enumerate()
                .map(|(d, v)| ranks[d].get(v).copied().unwrap_or(usize::MAX))
                .collect();
            (k, r)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    result.rows = keyed.into_iter().map(|(_, r)| r).collect();
}

/// Protects one result (with or without totals) as `control` says; see
/// [`protect_tables`].
pub fn apply_disclosure_control(result: &mut QueryResult, control: &Control) -> DisclosureSummary {
    protect_linked(std::slice::from_mut(result), &[], control)
}

/// Protects a set of tables that a reader sees together (a publication: e.g. area by
/// sector and area by role of one measure), linking identical cells across them and
/// protecting them jointly. A suppressed row has value, numerator and denominator all
/// `None`.
pub fn protect_tables(tables: &mut [QueryResult], control: &Control) -> DisclosureSummary {
    protect_linked(tables, &[], control)
}

/// As [`protect_tables`], with hierarchies (e.g. areas within regions) that link rows
/// of a breakdown's parent codes to its children's.
pub fn protect_linked(
    tables: &mut [QueryResult],
    hierarchies: &[Hierarchy],
    control: &Control,
) -> DisclosureSummary {
    let threshold = control.threshold.max(MIN_SUPPRESSION_THRESHOLD);
    let mut summary = DisclosureSummary::default();
    for mut linked in link(tables, hierarchies, threshold) {
        match control.method {
            Method::Suppression => {
                let stats = protect_rows(&mut linked);
                for &(t, i, cell) in &linked.rows {
                    if linked.table.cells[cell].status.is_suppressed() {
                        rounding::hide(&mut tables[t].rows[i]);
                    }
                }
                summary.primary += stats.primary;
                summary.secondary += stats.secondary;
                summary.rounds += stats.rounds;
                summary.lp_solves += stats.lp_solves;
                summary.unresolved.extend(stats.unresolved);
            }
            Method::Rounding { base, total_base } => {
                let (rounded, suppressed) =
                    rounding::round_tables(tables, &linked, base, total_base);
                summary.rounded += rounded;
                summary.primary += suppressed;
            }
        }
    }
    summary
}

/// Protects the cells of `linked`, then the rows: a row showing a suppressed cell is
/// hidden whole, so a cell that only such rows show (a rate's denominator beside a
/// suppressed numerator) is hidden too, and becomes a secondary cell that must not be
/// derivable in turn. Repeats until no row hides a cell that protection did not see.
fn protect_rows(linked: &mut linked::Linked) -> ProtectStats {
    let mut all = ProtectStats::default();
    loop {
        let stats = protect_linked_table(&mut linked.table);
        all.rounds += stats.rounds;
        all.lp_solves += stats.lp_solves;
        let orphans = linked.orphans();
        if orphans.is_empty() || !stats.unresolved.is_empty() {
            return ProtectStats {
                primary: stats.primary,
                secondary: stats.secondary,
                unresolved: stats.unresolved,
                ..all
            };
        }
        for c in orphans {
            linked.table.set_status(c, Status::Secondary);
        }
    }
}
