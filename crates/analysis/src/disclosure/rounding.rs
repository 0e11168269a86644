//! Rounding, the alternative to suppression: every count is rounded to a base (e.g. 5)
//! and every margin to a larger one (e.g. 10), so no small count is shown exactly and
//! a margin minus its shown parts no longer gives a part back. A cell is a margin if it
//! is the total of any relation in any linked table, so a figure shown in two tables is
//! rounded the same way in both (two roundings of one figure would narrow it). Rates
//! are recomputed from their rounded parts; a rate over fewer than the threshold is
//! still suppressed, and so is a statistic (median, quartile, pay gap) whose basis is
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
/// suppressed), a cell shown in several tables counted once.
pub(crate) fn round_tables(
    tables: &mut [QueryResult],
    linked: &Linked,
    base: u64,
    total_base: u64,
) -> (usize, usize) {
    let mut is_total = vec![false; linked.table.cells.len()];
    for rel in &linked.table.relations {
        is_total[rel.total] = true;
    }
    let mut fate = vec![0u8; linked.table.cells.len()];
    for &(t, i, cell) in &linked.rows {
        let kind = tables[t].kind;
        let row = &mut tables[t].rows[i];
        if row.suppressed {
            continue;
        }
        let b = if is_total[cell] { total_base } else { base };
        let primary = linked.table.cells[cell].status == Status::Primary;
        match kind {
            MeasureKind::Count => {
                let n = row.numerator.map(|v| round_to(v, b));
                row.numerator = n;
                row.value = n;
                fate[cell] = ROUNDED;
            }
            MeasureKind::Rate => {
                let num = row.numerator.map(|v| round_to(v, b));
                let den = row.denominator.map(|v| round_to(v, b));
                match (num, den) {
                    (Some(n), Some(d)) if !primary && d > 0.0 => {
                        row.numerator = Some(n);
                        row.denominator = Some(d);
                        row.value = Some(n / d);
                        fate[cell] = ROUNDED;
                    }
                    _ => {
                        hide(row);
                        fate[cell] = SUPPRESSED;
                    }
                }
            }
            MeasureKind::Statistic => {
                if primary {
                    hide(row);
                    fate[cell] = SUPPRESSED;
                }
            }
        }
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
