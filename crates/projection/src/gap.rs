//! What it would take to close the gap: the entrants needed each year for supply to
//! meet demand, or the cut in every band's leaving rate that would do the same by the
//! last year.

use crate::supply::{Rates, add_spread, path, survive};
use crate::{Bands, total};

/// Entrants needed in each projected year (year 1 first) for the stock to equal demand:
/// along the path where it does, the entrants that make up for the leavers and the
/// change in demand. Never below zero (a surplus is not "negative hiring").
pub fn entrants_needed(stock: &Bands, rates: &Rates, demand: &[f64]) -> Vec<f64> {
    let mut s = *stock;
    let mut out = Vec::with_capacity(demand.len().saturating_sub(1));
    for d in demand.iter().skip(1) {
        let mut next = survive(&s, &rates.leaving);
        add_spread(&mut next, rates.movements, &rates.entrant_shares);
        let needed = (d - total(&next)).max(0.0);
        add_spread(&mut next, needed, &rates.entrant_shares);
        out.push(needed);
        s = next;
    }
    out
}

/// The cut in every band's leaving rate, in rate points (0.034: 3.4 points), that would
/// make supply meet demand in the last year; 0 when it already does, `None` when no
/// cut could (supply falls short even with nobody leaving).
pub fn retention_needed(stock: &Bands, rates: &Rates, demand: &[f64]) -> Option<f64> {
    let years = demand.len().checked_sub(1)?;
    let target = *demand.last()?;
    let last = |cut: f64| {
        let r = Rates {
            leaving: std::array::from_fn(|a| (rates.leaving[a] - cut).max(0.0)),
            ..rates.clone()
        };
        total(&path(stock, &r, years)[years])
    };
    if last(0.0) >= target {
        return Some(0.0);
    }
    let most = rates.leaving.iter().cloned().fold(0.0, f64::max);
    if last(most) < target {
        return None;
    }
    let (mut lo, mut hi) = (0.0, most);
    for _ in 0..50 {
        let mid = (lo + hi) / 2.0;
        if last(mid) >= target {
            hi = mid
        } else {
            lo = mid
        }
    }
    Some(hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BANDS;

    fn one_band(w: f64, e: f64) -> Rates {
        let mut shares = [0.0; BANDS];
        shares[BANDS - 1] = 1.0;
        Rates {
            leaving: [w; BANDS],
            entrants: e,
            entrant_shares: shares,
            movements: 0.0,
        }
    }

    #[test]
    fn entrants_needed_solved_by_hand() {
        let mut s = [0.0; BANDS];
        s[BANDS - 1] = 100.0;
        // 10 % leave: to stay at 100 takes 10 a year; to reach 110 takes 20 first.
        let need = entrants_needed(&s, &one_band(0.1, 0.0), &[100.0, 110.0, 110.0]);
        assert!(
            (need[0] - 20.0).abs() < 1e-9 && (need[1] - 11.0).abs() < 1e-9,
            "{need:?}"
        );
        // Those entrants do close the gap.
        let mut r = one_band(0.1, need[0]);
        let after = path(&s, &r, 1);
        assert!((total(&after[1]) - 110.0).abs() < 1e-9);
        r.entrants = 0.0;
        assert_eq!(entrants_needed(&s, &r, &[100.0, 50.0]), vec![0.0]);
    }

    #[test]
    fn the_retention_that_closes_the_gap() {
        let mut s = [0.0; BANDS];
        s[BANDS - 1] = 100.0;
        // w = 0.2, E = 10: steady state 50. Demand 100 in year 1 needs w' with
        // 100 (1 - w') + 10 = 100, w' = 0.1: a cut of 10 points.
        let cut = retention_needed(&s, &one_band(0.2, 10.0), &[100.0, 100.0]).unwrap();
        assert!((cut - 0.1).abs() < 1e-9, "{cut}");
        assert_eq!(
            retention_needed(&s, &one_band(0.2, 10.0), &[100.0, 50.0]),
            Some(0.0)
        );
        assert_eq!(
            retention_needed(&s, &one_band(0.2, 0.0), &[100.0, 150.0]),
            None
        );
    }
}
