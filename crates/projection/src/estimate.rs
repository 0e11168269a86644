//! Leaving and joining rates estimated from the census history, with their uncertainty.
//!
//! A small area's own rates are noisy (40 social workers give a handful of leavers a
//! year), so they borrow strength from the wider workforce (the same roles nationally):
//! - the area's overall leaving level relative to the wider rates is a Gamma posterior
//!   with a prior of [`PRIOR_LEAVERS`] expected leavers at the wider level, so an area
//!   with little data stays near the wider rate and one with much data follows its own;
//! - each band's rate is then shrunk towards the wider band rate scaled by that level,
//!   with [`PRIOR_POSTS`] posts of prior weight (a Beta posterior);
//! - joining works the same way on entrants per unit of stock (see [`entrants`]).
//!
//! Leaving rates are per filled post over the 12 months to each census date (the
//! census's turnover: every post ended), so moves between employers within the projected
//! group count as leaving and joining alike and cancel out.

use chrono::NaiveDate;
use rand::Rng;
use rand_distr::{Beta, Distribution, Gamma};
use serde::{Deserialize, Serialize};

use crate::{BANDS, Bands, total};

/// Prior weight of the wider rate in the area's overall level, as expected leavers (or
/// starters): an area whose history expects this many has its own level half-weighted.
pub const PRIOR_LEAVERS: f64 = 10.0;
/// Prior weight, in filled posts, of the level-scaled wider rate in each band's rate.
pub const PRIOR_POSTS: f64 = 20.0;

/// One census date's figures for a scope, by age band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub date: NaiveDate,
    /// The stock in the projected unit (people or FTE).
    pub stock: Bands,
    /// Filled posts (the denominator of the rates).
    pub posts: Bands,
    /// Posts ended in the 12 months to the census date.
    pub leavers: Bands,
    /// Posts started in the 12 months to the census date.
    pub starters: Bands,
}

/// The census history of the projected scope and of the wider workforce it borrows
/// strength from, oldest first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct History {
    pub area: Vec<Counts>,
    pub parent: Vec<Counts>,
}

impl History {
    /// The history up to and including `date`.
    pub fn until(&self, date: NaiveDate) -> History {
        let cut = |v: &[Counts]| v.iter().filter(|c| c.date <= date).cloned().collect();
        History {
            area: cut(&self.area),
            parent: cut(&self.parent),
        }
    }
}

/// Rates estimated from a [`History`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Point estimate (posterior mean) of each band's leaving rate.
    pub leaving: Bands,
    /// Entrants a year per unit of stock (posterior mean).
    pub entry_rate: f64,
    /// How entrants spread over bands.
    pub entrant_shares: Bands,
    /// How much the area's own data counts in its leaving level (0: all borrowed).
    pub own_weight: f64,
    /// The wider leaving rate of each band.
    pub parent_leaving: Bands,
    /// Years of history the estimate rests on.
    pub years: usize,
    // The posterior's parts, for simulation.
    level: (f64, f64),
    entry_level: (f64, f64),
    parent_entry: f64,
    leavers: Bands,
    posts: Bands,
}

fn sums(v: &[Counts], f: impl Fn(&Counts) -> &Bands) -> Bands {
    let mut out = [0.0; BANDS];
    for c in v {
        for (o, x) in out.iter_mut().zip(f(c)) {
            *o += x;
        }
    }
    out
}

fn ratio(n: f64, d: f64) -> f64 {
    if d > 0.0 { n / d } else { 0.0 }
}

impl Estimate {
    /// Estimates rates from `history`; `None` when there is no census at all.
    pub fn from_history(history: &History) -> Option<Estimate> {
        if history.area.is_empty() {
            return None;
        }
        let parent = if history.parent.is_empty() {
            &history.area
        } else {
            &history.parent
        };
        let (pl, pp, ps) = (
            sums(parent, |c| &c.leavers),
            sums(parent, |c| &c.posts),
            sums(parent, |c| &c.starters),
        );
        let overall = ratio(total(&pl), total(&pp));
        let parent_leaving: Bands =
            std::array::from_fn(|a| if pp[a] > 0.0 { pl[a] / pp[a] } else { overall }.min(0.95));
        let (l, n, s) = (
            sums(&history.area, |c| &c.leavers),
            sums(&history.area, |c| &c.posts),
            sums(&history.area, |c| &c.starters),
        );
        let expected: f64 = (0..BANDS).map(|a| n[a] * parent_leaving[a]).sum();
        let level = (total(&l) + PRIOR_LEAVERS, expected + PRIOR_LEAVERS);
        let r = level.0 / level.1;
        let leaving = std::array::from_fn(|a| band_rate(l[a], n[a], r * parent_leaving[a]));
        let (pe, px) = entrants(parent);
        let parent_entry = ratio(pe, px);
        let (e, x) = entrants(&history.area);
        let entry_level = (e + PRIOR_LEAVERS, x * parent_entry + PRIOR_LEAVERS);
        let parent_shares = shares(&ps);
        let entrant_shares = {
            let st = total(&s);
            let mixed: Bands = std::array::from_fn(|a| s[a] + PRIOR_POSTS * parent_shares[a]);
            let sum = st + PRIOR_POSTS;
            std::array::from_fn(|a| mixed[a] / sum)
        };
        Some(Estimate {
            leaving,
            entry_rate: parent_entry * entry_level.0 / entry_level.1,
            entrant_shares: normalised(entrant_shares),
            own_weight: expected / (expected + PRIOR_LEAVERS),
            parent_leaving,
            years: history.area.len(),
            level,
            entry_level,
            parent_entry,
            leavers: l,
            posts: n,
        })
    }

    /// One draw of the leaving rates and entry rate from their posterior.
    pub fn draw(&self, rng: &mut impl Rng) -> (Bands, f64) {
        let r = gamma(self.level.0, self.level.1, rng);
        let leaving = std::array::from_fn(|a| {
            let prior = (r * self.parent_leaving[a]).clamp(1e-6, 0.95);
            let alpha = self.leavers[a] + PRIOR_POSTS * prior;
            let beta = (self.posts[a] - self.leavers[a]).max(0.0) + PRIOR_POSTS * (1.0 - prior);
            Beta::new(alpha, beta).map_or(prior, |d| d.sample(rng))
        });
        let q = gamma(self.entry_level.0, self.entry_level.1, rng);
        (leaving, self.parent_entry * q)
    }
}

/// Entrants and the stock they are a rate on, summed over the history. Where two
/// censuses a year apart are known, the entrants are those the stock's change implies
/// after its leavers (the stock at the later census less the earlier stock's stayers):
/// employers' starters and leavers files do not always balance (a move between roles
/// within an employer can show as a start without an end), and entrants that make the
/// model reproduce the stocks the census found are the ones the projection needs. With
/// one census, as many as leave.
fn entrants(v: &[Counts]) -> (f64, f64) {
    let mut sum = (0.0, 0.0);
    for w in v.windows(2) {
        let days = (w[1].date - w[0].date).num_days();
        if !(300..=430).contains(&days) {
            continue;
        }
        let left = ratio(total(&w[1].leavers), total(&w[1].posts));
        let before = total(&w[0].stock);
        sum.0 += (total(&w[1].stock) - before * (1.0 - left)).max(0.0);
        sum.1 += before;
    }
    if sum.1 > 0.0 {
        return sum;
    }
    // One census: no change in size to go on, so entrants replace the leavers (the
    // starters file alone over-counts moves within an employer as joining).
    let leavers: f64 = v.iter().map(|c| total(&c.leavers)).sum();
    let posts: f64 = v.iter().map(|c| total(&c.posts)).sum();
    let stock: f64 = v.iter().map(|c| total(&c.stock)).sum();
    (ratio(leavers, posts) * stock, stock)
}

/// A draw from Gamma(shape, rate), the posterior of a Poisson level.
fn gamma(shape: f64, rate: f64, rng: &mut impl Rng) -> f64 {
    Gamma::new(shape, 1.0 / rate).map_or(shape / rate, |d| d.sample(rng))
}

/// The posterior mean of a band's rate: its own leavers over posts, with
/// [`PRIOR_POSTS`] posts at the prior rate.
fn band_rate(leavers: f64, posts: f64, prior: f64) -> f64 {
    let prior = prior.clamp(0.0, 0.95);
    (leavers + PRIOR_POSTS * prior) / (posts + PRIOR_POSTS)
}

/// Shares of a total; an empty vector gives equal shares over the working ages.
pub fn shares(b: &Bands) -> Bands {
    let t = total(b);
    if t > 0.0 {
        std::array::from_fn(|a| b[a] / t)
    } else {
        let working = 1..BANDS - 1;
        let n = working.len() as f64;
        std::array::from_fn(|a| if working.contains(&a) { 1.0 / n } else { 0.0 })
    }
}

fn normalised(b: Bands) -> Bands {
    shares(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(posts: f64, leavers: f64, starters: f64) -> Counts {
        let spread = |x: f64| [x / BANDS as f64; BANDS];
        Counts {
            date: NaiveDate::from_ymd_opt(2024, 11, 1).unwrap(),
            stock: spread(posts),
            posts: spread(posts),
            leavers: spread(leavers),
            starters: spread(starters),
        }
    }

    #[test]
    fn a_small_area_stays_near_the_wider_rate_and_a_large_one_follows_its_own() {
        let parent = vec![counts(100_000.0, 15_000.0, 15_000.0)];
        // 40 posts with 12 leavers (30 %): pulled most of the way to 15 %.
        let small = Estimate::from_history(&History {
            area: vec![counts(40.0, 12.0, 12.0)],
            parent: parent.clone(),
        })
        .unwrap();
        let w = total(&small.leaving) / BANDS as f64;
        assert!(w > 0.15 && w < 0.24, "{w}");
        // 4,000 posts with 1,200 leavers: close to its own 30 %.
        let large = Estimate::from_history(&History {
            area: vec![counts(4_000.0, 1_200.0, 1_200.0)],
            parent,
        })
        .unwrap();
        let w = total(&large.leaving) / BANDS as f64;
        assert!(w > 0.28 && w < 0.31, "{w}");
        assert!(large.own_weight > small.own_weight);
    }

    #[test]
    fn draws_centre_on_the_point_estimate() {
        let est = Estimate::from_history(&History {
            area: vec![counts(400.0, 60.0, 50.0); 3],
            parent: vec![counts(100_000.0, 15_000.0, 12_000.0)],
        })
        .unwrap();
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(7);
        let n = 20_000;
        let mut mean = 0.0;
        let mut entry = 0.0;
        for _ in 0..n {
            let (w, e) = est.draw(&mut rng);
            mean += w[3] / n as f64;
            entry += e / n as f64;
        }
        assert!(
            (mean - est.leaving[3]).abs() < 0.005,
            "{mean} {}",
            est.leaving[3]
        );
        assert!(
            (entry - est.entry_rate).abs() < 0.005,
            "{entry} {}",
            est.entry_rate
        );
    }
}
