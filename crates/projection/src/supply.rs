//! The deterministic core of the supply model, exactly as `shared/spec/projections.md`
//! fixes it, so that a model solved by hand gives the same numbers here: each year,
//! leavers, then ageing (a fifth of each band moves up; `65_plus` keeps its own), then
//! entrants spread by their age distribution, then net movements.

use crate::{BANDS, Bands};

/// The rates of one projected year.
#[derive(Debug, Clone, PartialEq)]
pub struct Rates {
    /// Annual leaving rate of each band (wastage including retirement), 0 to 1.
    pub leaving: Bands,
    /// People (or FTE) joining each year.
    pub entrants: f64,
    /// How entrants spread over bands (sums to 1).
    pub entrant_shares: Bands,
    /// Net transfers in (positive) or out a year, spread like entrants.
    pub movements: f64,
}

/// Stayers after leavers and ageing: step 1 and 2 of the core.
pub fn survive(stock: &Bands, leaving: &Bands) -> Bands {
    let mut next = [0.0; BANDS];
    for a in 0..BANDS {
        let stay = stock[a] * (1.0 - leaving[a]);
        if a + 1 < BANDS {
            let up = stay / 5.0;
            next[a] += stay - up;
            next[a + 1] += up;
        } else {
            next[a] += stay;
        }
    }
    next
}

/// Adds `people` spread by `shares` (steps 3 and 4).
pub fn add_spread(stock: &mut Bands, people: f64, shares: &Bands) {
    for a in 0..BANDS {
        stock[a] += people * shares[a];
    }
}

/// One year t -> t+1. A negative result (movements out of an empty band) is held at 0.
pub fn step(stock: &Bands, rates: &Rates) -> Bands {
    let mut next = survive(stock, &rates.leaving);
    add_spread(&mut next, rates.entrants, &rates.entrant_shares);
    add_spread(&mut next, rates.movements, &rates.entrant_shares);
    for v in &mut next {
        *v = v.max(0.0);
    }
    next
}

/// The stock in bands at years 0..=years.
pub fn path(stock: &Bands, rates: &Rates, years: usize) -> Vec<Bands> {
    let mut out = Vec::with_capacity(years + 1);
    out.push(*stock);
    for t in 0..years {
        let next = step(&out[t], rates);
        out.push(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::total;

    fn one_band(s0: f64) -> Bands {
        let mut b = [0.0; BANDS];
        b[BANDS - 1] = s0;
        b
    }

    #[test]
    fn one_band_with_constant_rates_follows_the_closed_form() {
        let (s0, w, e) = (420.0, 0.12, 30.0);
        let mut shares = [0.0; BANDS];
        shares[BANDS - 1] = 1.0;
        let rates = Rates {
            leaving: [w; BANDS],
            entrants: e,
            entrant_shares: shares,
            movements: 0.0,
        };
        let p = path(&one_band(s0), &rates, 15);
        for (t, bands) in p.iter().enumerate() {
            let k = (1.0 - w).powi(t as i32);
            let closed = s0 * k + e * (1.0 - k) / w;
            assert!(
                (total(bands) - closed).abs() < 1e-9,
                "year {t}: {} vs {closed}",
                total(bands)
            );
        }
    }

    #[test]
    fn ageing_moves_a_fifth_of_the_stayers_up_a_band() {
        let mut s = [0.0; BANDS];
        s[9] = 100.0; // 60_64
        let rates = Rates {
            leaving: [0.5; BANDS],
            entrants: 0.0,
            entrant_shares: [0.0; BANDS],
            movements: 0.0,
        };
        let next = step(&s, &rates);
        assert_eq!(next[9], 40.0);
        assert_eq!(next[10], 10.0);
        // Solved by hand for two years: 65_plus keeps its own.
        let after = step(&next, &rates);
        assert_eq!(after[9], 16.0);
        assert_eq!(after[10], 5.0 + 4.0);
    }

    #[test]
    fn movements_come_after_entrants_and_never_leave_a_band_below_zero() {
        let mut shares = [0.0; BANDS];
        shares[2] = 1.0;
        let rates = Rates {
            leaving: [0.0; BANDS],
            entrants: 5.0,
            entrant_shares: shares,
            movements: -12.0,
        };
        let next = step(&[0.0; BANDS], &rates);
        assert_eq!(next[2], 0.0);
    }
}
