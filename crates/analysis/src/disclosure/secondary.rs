//! Secondary suppression on a [`LinkedTable`]: after primary suppression, hide more
//! cells until the auditor proves that no suppressed figure can be worked out or
//! narrowed below its protection interval from what is published.
//!
//! Three steps, each cheap before the next:
//! 1. every primary cell gets the cheapest hypercube of suppressed cells that can
//!    shift by the threshold ([`super::moves`]), where the table is a lattice;
//! 2. wherever a relation still holds exactly one unknown cell and it is suppressed,
//!    the smallest published cell of that relation is suppressed too, to a fixed
//!    point (the spec's rule: nothing may be worked out by subtraction);
//! 3. the auditor runs; each cell it finds under-protected gets a box that widens it
//!    or, failing that, the smallest published cell near it; repeat until it finds
//!    nothing.
//!
//! Smallest means smallest cost (the people behind the figure), ties by position, so
//! the result is deterministic.

use std::collections::{BTreeSet, VecDeque};

use crate::audit::{Auditor, Finding};
use crate::disclosure::linked::{LinkedTable, Status};
use crate::disclosure::moves::{Move, Search, Use, find_move, shift_limits};

/// The true figures, as the table holds them.
fn truth(table: &LinkedTable) -> impl Fn(usize, usize) -> Option<f64> + '_ {
    |c, col| table.cells[c].values[col]
}

/// What protecting a linked table did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProtectStats {
    /// Cells suppressed because they rest on too few people.
    pub primary: usize,
    /// Cells suppressed to protect them.
    pub secondary: usize,
    /// Audit rounds run.
    pub rounds: usize,
    /// Linear programmes solved by the auditor.
    pub lp_solves: usize,
    /// Findings nothing more could be suppressed for (empty unless the figures
    /// contradict their own totals or the solver failed).
    pub unresolved: Vec<Finding>,
}

/// Protects `table` in place (see the module documentation) and says what it did.
pub fn protect_linked_table(table: &mut LinkedTable) -> ProtectStats {
    let member = table.memberships();
    let mut auditor = Auditor::default();
    let primaries: Vec<usize> = (0..table.cells.len())
        .filter(|&c| table.cells[c].status == Status::Primary)
        .collect();
    let widths: Vec<usize> = (0..table.columns.len())
        .filter(|&col| table.columns[col].width)
        .collect();
    for &p in &primaries {
        let needs: Vec<(usize, f64)> = widths.iter().map(|&c| (c, table.threshold)).collect();
        let found = box_for(table, &member, p, &needs, Use::Protect);
        if let Some(m) = found {
            apply_move(table, &mut auditor, &m);
        }
    }
    complete_relations(table, &member);

    let mut stats = ProtectStats::default();
    loop {
        stats.rounds += 1;
        let findings = auditor.run(table, &member);
        if findings.is_empty() {
            break;
        }
        let mut added = 0;
        let mut done = BTreeSet::new();
        for f in &findings {
            if !done.insert(f.cell) {
                continue;
            }
            let need = [(f.column_index, f.required)];
            let found = box_for(table, &member, f.cell, &need, Use::Widen);
            if let Some(m) = found {
                added += apply_move(table, &mut auditor, &m);
            } else if let Some(c) = nearest_smallest(table, &member, f.cell) {
                table.cells[c].status = Status::Secondary;
                added += 1;
            }
        }
        added += complete_relations(table, &member);
        if added == 0 {
            stats.unresolved = findings;
            break;
        }
    }
    stats.primary = table.count(Status::Primary);
    stats.secondary = table.count(Status::Secondary);
    stats.lp_solves = auditor.lp_solves;
    stats
}

/// The cheapest box around `p` by the true figures (see [`find_move`]).
fn box_for(
    table: &LinkedTable,
    member: &[Vec<u32>],
    p: usize,
    needs: &[(usize, f64)],
    mode: Use,
) -> Option<Move> {
    let search = Search {
        table,
        member,
        mode,
        value: &truth(table),
    };
    find_move(&search, p, needs)
}

/// Suppresses a box's published corners and gives the auditor the two tables it
/// proves possible (shifted fully up and fully down), per column. Returns how many
/// cells it newly suppressed.
fn apply_move(table: &mut LinkedTable, auditor: &mut Auditor, m: &Move) -> usize {
    let mut added = 0;
    for &(c, _) in &m.corners {
        if table.cells[c].status == Status::Published {
            table.cells[c].status = Status::Secondary;
            added += 1;
        }
    }
    for col in 0..table.columns.len() {
        let Some((up, down)) = shift_limits(&m.corners, col, &truth(table)) else {
            continue;
        };
        // A box with no corner moving down can rise without limit; any rise past
        // the threshold proves as much as an infinite one.
        let up = if up.is_finite() {
            up
        } else {
            table.threshold + down
        };
        for t in [up, -down] {
            if t != 0.0 {
                let values = m
                    .corners
                    .iter()
                    .filter_map(|&(c, s)| table.cells[c].values[col].map(|v| (c, v + t * s as f64)))
                    .collect();
                auditor.remember(col, values);
            }
        }
    }
    added
}

/// The spec's rule, to a fixed point: a relation whose only unknown cell is a
/// suppressed one gives it away by subtraction, so its smallest published cell is
/// suppressed too. Returns how many cells it suppressed.
pub(crate) fn complete_relations(table: &mut LinkedTable, member: &[Vec<u32>]) -> usize {
    let mut added = 0;
    let mut queue: VecDeque<usize> = (0..table.relations.len()).collect();
    let mut queued = vec![true; table.relations.len()];
    while let Some(r) = queue.pop_front() {
        queued[r] = false;
        let rel = &table.relations[r];
        let mut unknown = rel
            .cells()
            .filter(|&c| table.cells[c].status != Status::Published);
        let (Some(only), None) = (unknown.next(), unknown.next()) else {
            continue;
        };
        if !table.cells[only].status.is_suppressed() {
            continue;
        }
        let Some(c) = smallest(table, rel.cells()) else {
            continue;
        };
        table.cells[c].status = Status::Secondary;
        added += 1;
        for &s in &member[c] {
            let s = s as usize;
            if !queued[s] {
                queued[s] = true;
                queue.push_back(s);
            }
        }
    }
    added
}

/// The published cell of least cost (then least index) among `cells`.
fn smallest(table: &LinkedTable, cells: impl Iterator<Item = usize>) -> Option<usize> {
    cells
        .filter(|&c| table.cells[c].status == Status::Published)
        .min_by(|&a, &b| {
            table.cells[a]
                .cost
                .total_cmp(&table.cells[b].cost)
                .then(a.cmp(&b))
        })
}

/// The smallest published cell in a relation with `cell`; if there is none, in a
/// relation with an unknown cell of those relations, and so on outwards.
fn nearest_smallest(table: &LinkedTable, member: &[Vec<u32>], cell: usize) -> Option<usize> {
    let mut seen = vec![false; table.cells.len()];
    seen[cell] = true;
    let mut layer = vec![cell];
    while !layer.is_empty() {
        let around: Vec<usize> = layer
            .iter()
            .flat_map(|&c| member[c].iter())
            .flat_map(|&r| table.relations[r as usize].cells())
            .collect();
        if let Some(c) = smallest(table, around.iter().copied()) {
            return Some(c);
        }
        layer = around
            .into_iter()
            .filter(|&c| !std::mem::replace(&mut seen[c], true))
            .collect();
    }
    None
}
