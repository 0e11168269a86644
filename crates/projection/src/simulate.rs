//! Uncertainty bands by repeated simulation: each run draws the rates from their
//! estimated uncertainty, then walks the years with chance in who leaves and how many
//! join (leavers binomial, entrants Poisson, both by their normal approximation where
//! the expected count is large, which is what makes 1,000 runs of a national projection
//! take a second, and drawn exactly where it is small, since a normal draw cut at zero
//! would make a band of 3 people lose more than its rate says), and the bands are the
//! 5th and 95th percentiles of the runs at each year.
//!
//! The same seed gives the same bands: the generator is ChaCha8, seeded from the
//! scenario's seed, whose stream is fixed across platforms and versions.

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson, StandardNormal};

use crate::supply::{Rates, add_spread, survive};
use crate::{BANDS, Bands, total};

/// A year's band: the 5th and 95th percentiles and the mean of the runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub low: f64,
    pub high: f64,
    pub mean: f64,
}

/// The lower and upper percentiles the bands report.
pub const LOW: f64 = 0.05;
pub const HIGH: f64 = 0.95;

/// Runs `runs` simulations of `years` years from `stock`; `draw` gives each run's rates.
/// Returns the band at years 0..=years (year 0 is the stock itself).
pub fn simulate(
    stock: &Bands,
    years: usize,
    runs: usize,
    seed: u64,
    mut draw: impl FnMut(&mut ChaCha8Rng) -> Rates,
) -> Vec<Band> {
    let start = total(stock);
    if runs == 0 {
        return vec![
            Band {
                low: start,
                high: start,
                mean: start
            };
            years + 1
        ];
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // totals[t * runs + r]
    let mut totals = vec![0.0; (years + 1) * runs];
    for r in 0..runs {
        let rates = draw(&mut rng);
        // ln(max(w, 1 - w)) of each band, for the exact draws' first term, once a run.
        let log_q: Bands = std::array::from_fn(|a| {
            let w = rates.leaving[a].clamp(0.0, 1.0);
            w.max(1.0 - w).ln()
        });
        let mut s = *stock;
        totals[r] = start;
        for t in 1..=years {
            s = noisy_step(&s, &rates, &log_q, &mut rng);
            totals[t * runs + r] = total(&s);
        }
    }
    totals
        .chunks_mut(runs)
        .map(|year| {
            let mean = year.iter().sum::<f64>() / runs as f64;
            Band {
                low: percentile(year, LOW),
                high: percentile(year, HIGH),
                mean,
            }
        })
        .collect()
}

/// Below this expected count (of leavers in a band, or of entrants) the draw is exact:
/// the normal approximation, cut at zero, overstates small counts (3 people at a 10 %
/// rate would lose 0.39 a year on average instead of 0.3). From 5 up the excess is under
/// 0.2 % of the count.
const EXACT_BELOW: f64 = 5.0;

/// One year of the core with chance: leavers binomial, entrants Poisson. `log_q` is
/// ln(max(w, 1 - w)) of each band's leaving rate w.
fn noisy_step(stock: &Bands, rates: &Rates, log_q: &Bands, rng: &mut ChaCha8Rng) -> Bands {
    let mut leaving = [0.0; BANDS];
    for a in 0..BANDS {
        let (n, w) = (stock[a], rates.leaving[a]);
        if n <= 0.0 || w <= 0.0 {
            continue;
        }
        leaving[a] = if n * w.min(1.0 - w) < EXACT_BELOW {
            // The share of max(1, round(n)) people who leave: its mean is exactly w.
            let m = n.round().max(1.0);
            small_binomial(m as u64, w.min(1.0), log_q[a], rng) as f64 / m
        } else {
            let z: f64 = StandardNormal.sample(rng);
            (n * w + z * (n * w * (1.0 - w)).sqrt()).clamp(0.0, n) / n
        };
    }
    let mut next = survive(stock, &leaving);
    let e = rates.entrants.max(0.0);
    let joined = if e <= 0.0 {
        0.0
    } else if e < EXACT_BELOW {
        Poisson::new(e).map_or(e, |d| d.sample(rng))
    } else {
        let z: f64 = StandardNormal.sample(rng);
        (e + z * e.sqrt()).max(0.0)
    };
    add_spread(&mut next, joined, &rates.entrant_shares);
    add_spread(&mut next, rates.movements, &rates.entrant_shares);
    for v in &mut next {
        *v = v.max(0.0);
    }
    next
}

/// A Binomial(n, p) draw by inversion (the BINV algorithm of Kachitvichyanukul and
/// Schmeiser, 1988), quick when `n min(p, 1 - p)` is small: about that many steps, and no
/// set-up beyond one `exp`, where `rand_distr::Binomial::new` costs a `powf` a draw.
/// `log_q` is ln(max(p, 1 - p)).
fn small_binomial(n: u64, p: f64, log_q: f64, rng: &mut ChaCha8Rng) -> u64 {
    if p <= 0.0 || n == 0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        return n - small_binomial(n, 1.0 - p, log_q, rng);
    }
    let q = 1.0 - p;
    let s = p / q;
    let a = (n as f64 + 1.0) * s;
    // q^n, the chance that nobody leaves.
    let start = (n as f64 * log_q).exp();
    let mut u: f64 = rng.random();
    let mut r = start;
    let mut x = 0;
    while u > r && x < n {
        u -= r;
        x += 1;
        let inv = INVERSES.get(x as usize).copied().unwrap_or(1.0 / x as f64);
        r *= a * inv - s;
    }
    x
}

/// 1/x for small x (a multiplication is much quicker than a division).
const INVERSES: [f64; 64] = {
    let mut t = [0.0; 64];
    let mut i = 1;
    while i < 64 {
        t[i] = 1.0 / i as f64;
        i += 1;
    }
    t
};

/// The `p` quantile by nearest rank (reorders `v`).
pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    let k = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    let (_, x, _) = v.select_nth_unstable_by(k, f64::total_cmp);
    *x
}

/// A rate drawn around `mean` with the given standard deviation, kept in 0..=1.
pub fn jitter(mean: f64, sd: f64, rng: &mut impl Rng) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    (mean + sd * z).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supply::path;

    fn rates() -> Rates {
        let mut shares = [0.0; BANDS];
        shares[1] = 0.5;
        shares[2] = 0.5;
        Rates {
            leaving: std::array::from_fn(|a| 0.08 + 0.01 * a as f64),
            entrants: 40.0,
            entrant_shares: shares,
            movements: 0.0,
        }
    }

    #[test]
    fn the_mean_of_many_runs_converges_to_the_deterministic_projection() {
        let stock: Bands = std::array::from_fn(|a| 30.0 + 5.0 * a as f64);
        let r = rates();
        let det = path(&stock, &r, 15);
        let bands = simulate(&stock, 15, 4_000, 1, |_| r.clone());
        for t in 0..=15 {
            let d = total(&det[t]);
            let m = bands[t].mean;
            assert!((m - d).abs() / d < 0.005, "year {t}: mean {m} vs {d}");
            assert!(bands[t].low <= d && d <= bands[t].high);
        }
    }

    #[test]
    fn no_runs_gives_bands_equal_to_the_stock_and_a_seed_repeats_exactly() {
        let stock = [10.0; BANDS];
        let b = simulate(&stock, 3, 0, 1, |_| rates());
        assert!(b.iter().all(|b| b.low == 110.0 && b.high == 110.0));
        let one = simulate(&stock, 5, 200, 42, |_| rates());
        let two = simulate(&stock, 5, 200, 42, |_| rates());
        assert_eq!(one, two);
        let other = simulate(&stock, 5, 200, 43, |_| rates());
        assert_ne!(one, other);
    }
}
