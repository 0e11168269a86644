//! Uncertainty bands by repeated simulation: each run draws the rates from their
//! estimated uncertainty, then walks the years with chance in who leaves and how many
//! join (leavers binomial, entrants Poisson, both by their normal approximation, which
//! is what makes 1,000 runs of a national projection take a second), and the bands are
//! the 5th and 95th percentiles of the runs at each year.
//!
//! The same seed gives the same bands: the generator is ChaCha8, seeded from the
//! scenario's seed, whose stream is fixed across platforms and versions.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

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
        let mut s = *stock;
        totals[r] = start;
        for t in 1..=years {
            s = noisy_step(&s, &rates, &mut rng);
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

/// One year of the core with chance: leavers binomial, entrants Poisson.
fn noisy_step(stock: &Bands, rates: &Rates, rng: &mut ChaCha8Rng) -> Bands {
    let mut leaving = [0.0; BANDS];
    for a in 0..BANDS {
        let (n, w) = (stock[a], rates.leaving[a]);
        if n <= 0.0 {
            continue;
        }
        let z: f64 = StandardNormal.sample(rng);
        let left = (n * w + z * (n * w * (1.0 - w)).sqrt()).clamp(0.0, n);
        leaving[a] = left / n;
    }
    let mut next = survive(stock, &leaving);
    let e = rates.entrants.max(0.0);
    let z: f64 = StandardNormal.sample(rng);
    let joined = (e + z * e.sqrt()).max(0.0);
    add_spread(&mut next, joined, &rates.entrant_shares);
    add_spread(&mut next, rates.movements, &rates.entrant_shares);
    for v in &mut next {
        *v = v.max(0.0);
    }
    next
}

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
