//! Hypercube moves, the idea behind tau-argus' GHMITER: a primary cell stays protected
//! if it is a corner of a box of suppressed cells (one other code per breakdown, or the
//! margin) whose corners can all shift together, alternately up and down, without
//! changing any published figure. Such a shift is a proof: the true figures plus the
//! shift are another table that publishes exactly the same, so the cell's range covers
//! both. Choosing, for each primary cell, the cheapest box that can shift at least the
//! threshold protects most cells without any linear programming; the auditor then only
//! has to check what the boxes do not already prove.

use crate::disclosure::linked::{LinkedTable, Status, TOTAL};

/// A shift that keeps every relation: each corner moves by `sign * t`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Move {
    pub corners: Vec<(usize, i8)>,
}

/// Which boxes may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// Any box; published corners become secondary suppressions (cost: their size).
    Protect,
    /// As Protect, but the box must hide at least one published cell.
    Widen,
    /// Only boxes of cells already unknown: a proof, hiding nothing more.
    Prove,
}

/// A cell's figure in a column, as the caller knows it (the true one, or a feasible
/// point's).
pub(crate) type Values<'a> = &'a dyn Fn(usize, usize) -> Option<f64>;

/// Most box candidates looked at for one cell.
const MAX_CANDIDATES: usize = 4096;
/// More breakdowns than this and boxes get too many corners to be worth it.
const MAX_DIMS: usize = 5;

/// One breakdown's alternatives to the cell's own code: (code, sign, cell on the line).
struct Axis {
    dim: usize,
    alts: Vec<(u32, i8)>,
}

/// Where and how to look for boxes.
pub(crate) struct Search<'a> {
    pub table: &'a LinkedTable,
    /// The relations of each cell ([`LinkedTable::memberships`]).
    pub member: &'a [Vec<u32>],
    pub mode: Use,
    pub value: Values<'a>,
}

/// The cheapest valid box around `p` that can shift by at least `req` in each given
/// column (`needs`: column and required width; 0 means "at all").
pub(crate) fn find_move(s: &Search, p: usize, needs: &[(usize, f64)]) -> Option<Move> {
    let (table, member, mode, value) = (s.table, s.member, s.mode, s.value);
    let coords = table.cells[p].coords.as_ref()?;
    let axes = axes(s, p, needs)?;
    let k = axes.len();
    let per_axis = (MAX_CANDIDATES as f64)
        .powf(1.0 / k as f64)
        .floor()
        .max(2.0) as usize;
    let lens: Vec<usize> = axes.iter().map(|a| a.alts.len().min(per_axis)).collect();
    let combos: usize = lens.iter().product();

    let mut key: Vec<u32> = Vec::with_capacity(coords.len() + 1);
    // (cost, combination, corners) of every box that can shift far enough.
    let mut candidates: Vec<(f64, usize, Move)> = Vec::new();
    'combo: for combo in 0..combos {
        // Mixed-radix digits: the alternative chosen on each axis.
        let mut pick = [0usize; MAX_DIMS];
        let mut rest = combo;
        for (a, &len) in lens.iter().enumerate() {
            pick[a] = rest % len;
            rest /= len;
        }
        let mut corners: Vec<(usize, i8)> = Vec::with_capacity(1 << k);
        let mut cost = 0.0;
        let mut new = 0;
        for mask in 0..(1usize << k) {
            key.clear();
            key.push(table.cells[p].page);
            key.extend_from_slice(coords);
            let mut sign = 1i8;
            for (a, axis) in axes.iter().enumerate() {
                if mask & (1 << a) != 0 {
                    let (code, s) = axis.alts[pick[a]];
                    key[axis.dim + 1] = code;
                    sign *= s;
                }
            }
            let Some(c) = table.cell_at(&key) else {
                continue 'combo;
            };
            if table.cells[c].status == Status::Published {
                if mode == Use::Prove {
                    continue 'combo;
                }
                cost += table.cells[c].cost;
                new += 1;
            }
            corners.push((c, sign));
        }
        if mode == Use::Widen && new == 0 {
            continue;
        }
        if needs.iter().all(|&(col, req)| {
            shift_limits(&corners, col, value).is_some_and(|(up, down)| up + down >= req.max(1e-9))
        }) {
            candidates.push((cost, combo, Move { corners }));
        }
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    candidates
        .into_iter()
        .map(|(_, _, m)| m)
        .find(|m| balanced(table, member, m))
}

/// The breakdowns `p` has relations along, each with the codes a box may use instead
/// of `p`'s own: siblings (shifting against `p`) and the margin (shifting with it).
/// Alternatives come cheapest first; those too small to absorb the shift are dropped.
fn axes(s: &Search, p: usize, needs: &[(usize, f64)]) -> Option<Vec<Axis>> {
    let (table, member, mode, value) = (s.table, s.member, s.mode, s.value);
    let mut axes: Vec<(Axis, Vec<(f64, usize)>)> = Vec::new();
    for &r in &member[p] {
        let rel = &table.relations[r as usize];
        if rel.dim == TOTAL {
            return None;
        }
        let dim = rel.dim as usize;
        let at = match axes.iter().position(|(a, _)| a.dim == dim) {
            Some(i) => i,
            None => {
                axes.push((
                    Axis {
                        dim,
                        alts: Vec::new(),
                    },
                    Vec::new(),
                ));
                axes.len() - 1
            }
        };
        for q in rel.cells().filter(|&q| q != p) {
            let sign: i8 = if rel.total == p || q == rel.total {
                1
            } else {
                -1
            };
            let code = table.cells[q].coords.as_ref()?[dim];
            // A sibling shifts against p: it must hold what p is to gain.
            let too_small = sign < 0
                && needs.iter().any(|&(col, req)| {
                    let own = value(p, col).unwrap_or(0.0);
                    value(q, col).is_none_or(|v| v + own < req)
                });
            let shown = mode == Use::Prove && table.cells[q].status == Status::Published;
            let (axis, ranks) = &mut axes[at];
            if too_small || shown || axis.alts.iter().any(|&(c, _)| c == code) {
                continue;
            }
            axis.alts.push((code, sign));
            let cost = if table.cells[q].status == Status::Published {
                table.cells[q].cost
            } else {
                0.0
            };
            ranks.push((cost, axis.alts.len() - 1));
        }
    }
    if axes.is_empty() || axes.len() > MAX_DIMS {
        return None;
    }
    Some(
        axes.into_iter()
            .map(|(mut axis, mut ranks)| {
                ranks.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                axis.alts = ranks.iter().map(|&(_, i)| axis.alts[i]).collect();
                axis
            })
            .collect(),
    )
}

/// (how far up, how far down) the box can shift in a column: the smallest corner
/// moving down limits the shift up and vice versa. `None` if a corner's figure is
/// unknown.
pub(crate) fn shift_limits(
    corners: &[(usize, i8)],
    col: usize,
    value: Values,
) -> Option<(f64, f64)> {
    let mut up = f64::INFINITY;
    let mut down = f64::INFINITY;
    for &(c, sign) in corners {
        let v = value(c, col)?.max(0.0);
        if sign > 0 {
            down = down.min(v);
        } else {
            up = up.min(v);
        }
    }
    Some((up, down))
}

/// Whether the shift keeps every relation that any corner is in.
fn balanced(table: &LinkedTable, member: &[Vec<u32>], m: &Move) -> bool {
    let sign_of = |c: usize| {
        m.corners
            .iter()
            .find(|&&(x, _)| x == c)
            .map(|&(_, s)| s as i32)
            .unwrap_or(0)
    };
    m.corners.iter().all(|&(c, _)| {
        member[c].iter().all(|&r| {
            let rel = &table.relations[r as usize];
            let total = sign_of(rel.total);
            let parts: i32 = rel.parts.iter().map(|&q| sign_of(q)).sum();
            total == parts
        })
    })
}
