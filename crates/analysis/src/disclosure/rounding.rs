//! Rounding, the alternative to suppression: every count is rounded to a base (e.g. 5)
//! and every margin to a larger one (e.g. 10), so no small count is shown exactly and
//! a margin minus its shown parts no longer gives a part back. A cell is a margin if it
//! is the total of any relation in any linked table, so a figure shown in two tables is
//! rounded the same way in both (two roundings of one figure would narrow it). Rates
//! are recomputed from their rounded parts; a rate over fewer than the threshold, or
//! whose numerator counts 1 to threshold - 1 people before or after rounding, is still
//! suppressed ("2 of 26" discloses the 2 however the 26 is rounded), and so is a statistic (median, quartile, pay gap) whose basis is
//! below the threshold, since those cannot be rounded meaningfully.

use crate::disclosure::linked::{Linked, Status};
use crate::measures::MeasureKind;
use crate::query::{QueryResult, ResultRow};

/// Rounds `v` to the nearest multiple of `base` (halves away from zero); a base of 0
/// or 1 leaves whole numbers as they are.
pub(crate) fn round_to(v: f64, base: u64) -> f64 {
    if base <= 1 {
        return v.round();
    }
    let b = base as f64;
    (v / b).round() * b
}

/// Rounds the rows of `tables` that `linked` covers. Returns (cells rounded, cells
/// suppressed), a cell shown in several tables counted once (a row counts as its main
/// figure's cell, a rate's numerator's).
pub(crate) fn round_tables(
    tables: &mut [QueryResult],
    linked: &Linked,
    base: u64,
    total_base: u64,
) -> (usize, usize) {
    let cells = &linked.table.cells;
    let mut is_total = vec![false; cells.len()];
    for rel in &linked.table.relations {
        is_total[rel.total] = true;
    }
    let threshold = linked.table.threshold;
    let mut fate = vec![0u8; cells.len()];
    for entries in linked.rows.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (t, i, cell) = entries[0];
        let kind = tables[t].kind;
        let row = &mut tables[t].rows[i];
        if row.suppressed {
            continue;
        }
        let b = if is_total[cell] { total_base } else { base };
        let primary = entries
            .iter()
            .any(|&(_, _, c)| cells[c].status == Status::Primary);
        fate[cell] = match kind {
            MeasureKind::Count => {
                let n = row.numerator.map(|v| round_to(v, b));
                row.numerator = n;
                row.value = n;
                ROUNDED
            }
            MeasureKind::Rate => {
                let num = row.numerator.map(|v| round_to(v, b));
                let den = row.denominator.map(|v| round_to(v, b));
                match (num, den) {
                    // A rounded numerator below the threshold (a base smaller than it)
                    // would print a small count as surely as the true one.
                    (Some(n), Some(d)) if !primary && d > 0.0 && !(n > 0.0 && n < threshold) => {
                        row.numerator = Some(n);
                        row.denominator = Some(d);
                        row.value = Some(n / d);
                        ROUNDED
                    }
                    _ => {
                        hide(row);
                        SUPPRESSED
                    }
                }
            }
            MeasureKind::Statistic if primary => {
                hide(row);
                SUPPRESSED
            }
            MeasureKind::Statistic => fate[cell],
        };
    }
    let count = |f: u8| fate.iter().filter(|&&x| x == f).count();
    (count(ROUNDED), count(SUPPRESSED))
}

const ROUNDED: u8 = 1;
const SUPPRESSED: u8 = 2;

/// Withholds every figure of a row.
pub(crate) fn hide(row: &mut ResultRow) {
    row.value = None;
    row.numerator = None;
    row.denominator = None;
    row.suppressed = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_the_nearest_multiple() {
        assert_eq!(round_to(0.0, 5), 0.0);
        assert_eq!(round_to(2.0, 5), 0.0);
        assert_eq!(round_to(3.0, 5), 5.0);
        assert_eq!(round_to(7.0, 5), 5.0);
        assert_eq!(round_to(8.0, 5), 10.0);
        assert_eq!(round_to(15.0, 10), 20.0);
        assert_eq!(round_to(14.0, 10), 10.0);
        assert_eq!(round_to(12.34, 1), 12.0);
    }
}
