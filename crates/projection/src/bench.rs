//! The national projection benchmark: every role group x 150 areas x 15 years x 1,000
//! simulations, from histories generated with known rates. It times the model, fit and
//! simulation (the census figures it starts from are read once, by the cube, in
//! milliseconds), and is run by `cargo bench -p observatory-projection --bench national`.
//!
//! The histories come from [`synthetic_history`], which walks the spec's core with
//! chance (leavers binomial, entrants Poisson) from rates chosen by hand, and also gives
//! the path the stock really took after the last census, so that tests can check that
//! the estimated rates and the simulation bands cover the truth as often as they say.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::NaiveDate;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Poisson};

use crate::demand::DemandSpec;
use crate::estimate::{Counts, History};
use crate::run::{Inputs, project};
use crate::scenario::{RatesSpec, Scenario, Scope, Simulation};
use crate::supply::{Rates, path};
use crate::{BANDS, Bands, total};

/// The rates a synthetic history is generated from.
#[derive(Debug, Clone, PartialEq)]
pub struct TrueRates {
    /// Annual leaving rate of each band.
    pub leaving: Bands,
    /// Entrants a year per unit of the stock at the start of the walk (a year before the
    /// first census), so that the entrants a year are constant in expectation, as the
    /// spec's core has them.
    pub entry_rate: f64,
    /// How entrants spread over bands (sums to 1).
    pub entrant_shares: Bands,
}

impl TrueRates {
    /// The core's rates for a walk starting from `initial`.
    pub fn rates(&self, initial: &Bands) -> Rates {
        Rates {
            leaving: self.leaving,
            entrants: self.entry_rate * total(initial),
            entrant_shares: self.entrant_shares,
            movements: 0.0,
        }
    }

    /// The stock by band the deterministic core settles at with these rates and
    /// `entrants` a year (the stock a population has after many years of them).
    pub fn steady_state(&self, entrants: f64) -> Bands {
        let rates = Rates {
            leaving: self.leaving,
            entrants,
            entrant_shares: self.entrant_shares,
            movements: 0.0,
        };
        let mut s = [0.0; BANDS];
        for _ in 0..400 {
            s = crate::supply::step(&s, &rates);
        }
        s
    }
}

/// A generated history and what happened after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    /// One census a year, oldest first: stock = posts, and the leavers and starters of
    /// the 12 months to each date, by band.
    pub history: Vec<Counts>,
    /// The realised continuation: the stock by band 1, 2, ... years after the last
    /// census (the truth a projection from the last census is judged against).
    pub future: Vec<Bands>,
}

/// Walks the core with chance from `initial` (the stock a year before the first census,
/// dated `first`): each year `Binomial(round(S[a]), w[a])` leave each band, a fifth of the
/// stayers age up (the spec's step 2), `Poisson(entry_rate x total(initial))` join,
/// spread over bands by a multinomial draw with the entrant shares. Records `censuses`
/// censuses, then walks `future` more years. The same seed gives the same history.
pub fn synthetic_history(
    truth: &TrueRates,
    initial: &Bands,
    censuses: usize,
    future: usize,
    first: NaiveDate,
    seed: u64,
) -> Synthetic {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    walk(truth, initial, censuses, future, first, Some(&mut rng))
}

/// The history with no chance: leavers and entrants at their expectations, so that
/// projecting it with the true rates by hand reproduces it exactly.
pub fn expected_history(
    truth: &TrueRates,
    initial: &Bands,
    censuses: usize,
    future: usize,
    first: NaiveDate,
) -> Synthetic {
    walk(truth, initial, censuses, future, first, None)
}

fn walk(
    truth: &TrueRates,
    initial: &Bands,
    censuses: usize,
    future: usize,
    first: NaiveDate,
    mut rng: Option<&mut ChaCha8Rng>,
) -> Synthetic {
    let entrants = truth.entry_rate * total(initial);
    let mut stock = *initial;
    let mut history = Vec::with_capacity(censuses);
    let mut after = Vec::with_capacity(future);
    for year in 0..censuses + future {
        let mut leavers = [0.0; BANDS];
        let mut next = [0.0; BANDS];
        for a in 0..BANDS {
            let (n, w) = (stock[a].max(0.0), truth.leaving[a].clamp(0.0, 1.0));
            leavers[a] = match rng.as_deref_mut() {
                Some(rng) => binomial(n.round() as u64, w, rng).min(n),
                None => n * w,
            };
            let stay = n - leavers[a];
            if a + 1 < BANDS {
                next[a] += stay - stay / 5.0;
                next[a + 1] += stay / 5.0;
            } else {
                next[a] += stay;
            }
        }
        let starters: Bands = match rng.as_deref_mut() {
            Some(rng) => {
                let joined = if entrants > 0.0 {
                    Poisson::new(entrants).map_or(entrants, |d| d.sample(rng))
                } else {
                    0.0
                };
                multinomial(joined as u64, &truth.entrant_shares, rng)
            }
            None => std::array::from_fn(|a| entrants * truth.entrant_shares[a]),
        };
        for a in 0..BANDS {
            next[a] += starters[a];
        }
        stock = next;
        if year < censuses {
            history.push(Counts {
                date: first
                    .checked_add_months(chrono::Months::new(12 * year as u32))
                    .unwrap_or(first),
                stock,
                posts: stock,
                leavers,
                starters,
            });
        } else {
            after.push(stock);
        }
    }
    Synthetic {
        history,
        future: after,
    }
}

fn binomial(n: u64, p: f64, rng: &mut ChaCha8Rng) -> f64 {
    if n == 0 || p <= 0.0 {
        return 0.0;
    }
    Binomial::new(n, p.min(1.0)).map_or(n as f64 * p, |d| d.sample(rng) as f64)
}

/// `n` spread over bands at random with probabilities `shares` (sequential binomials).
fn multinomial(n: u64, shares: &Bands, rng: &mut ChaCha8Rng) -> Bands {
    let mut out = [0.0; BANDS];
    let mut left = n;
    let mut rest: f64 = shares.iter().sum();
    for a in 0..BANDS {
        if left == 0 || rest <= 0.0 {
            break;
        }
        let p = (shares[a] / rest).clamp(0.0, 1.0);
        let k = if a + 1 == BANDS {
            left
        } else {
            binomial(left, p, rng) as u64
        };
        out[a] = k as f64;
        left -= k;
        rest -= shares[a];
    }
    out
}

/// Adds up histories census by census (a group's national figures from its areas). The
/// histories must share their dates.
pub fn sum_histories<'a>(histories: impl IntoIterator<Item = &'a [Counts]>) -> Vec<Counts> {
    let mut out: Vec<Counts> = Vec::new();
    for h in histories {
        if out.is_empty() {
            out = h.to_vec();
            continue;
        }
        for (o, c) in out.iter_mut().zip(h) {
            debug_assert_eq!(o.date, c.date);
            for a in 0..BANDS {
                o.stock[a] += c.stock[a];
                o.posts[a] += c.posts[a];
                o.leavers[a] += c.leavers[a];
                o.starters[a] += c.starters[a];
            }
        }
    }
    out
}

/// The size of the national benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct NationalConfig {
    /// Role groups (the workforce sectors), each with its own rates and parent.
    pub groups: usize,
    /// Areas per group.
    pub areas: usize,
    /// Years projected.
    pub years: u32,
    /// Simulation runs per projection.
    pub runs: u32,
    /// Census years of history per area.
    pub censuses: usize,
    /// Threads (`None`: every core).
    pub threads: Option<usize>,
    pub seed: u64,
}

impl Default for NationalConfig {
    fn default() -> Self {
        NationalConfig {
            groups: 8,
            areas: 150,
            years: 15,
            runs: 1000,
            censuses: 5,
            threads: None,
            seed: 16,
        }
    }
}

/// What the national benchmark did and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct NationalReport {
    pub groups: usize,
    pub areas: usize,
    pub projections: usize,
    pub years: u32,
    pub runs: u32,
    pub censuses: usize,
    pub threads: usize,
    /// Staff in all areas at the base census.
    pub staff: f64,
    /// Smallest and largest area at the base census.
    pub smallest: f64,
    pub largest: f64,
    pub generate_seconds: f64,
    /// Fitting and projecting every area (estimate, simulation, demand, gap, backtest).
    pub project_seconds: f64,
    pub projections_per_second: f64,
    /// Sum over projections of the last year's supply and band ends (a check that the
    /// work was done, and that the same seed gives the same figures).
    pub checksum: f64,
}

/// The first census date of the benchmark's histories; the base is `censuses - 1` years
/// later.
pub fn first_census() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 11, 1).expect("a date")
}

/// The workforce sectors, the benchmark's role groups.
pub const GROUPS: [&str; 8] = [
    "education",
    "early_years",
    "social_care",
    "youth",
    "health",
    "justice",
    "sport_culture",
    "leadership",
];

/// A group's rates: a U-shaped leaving curve by age (high for the youngest and at
/// retirement), entrants mostly young, varied by group.
fn group_rates(g: usize) -> TrueRates {
    let base = 0.08 + 0.01 * (g % 5) as f64;
    let leaving = std::array::from_fn(|a| match a {
        0 => base + 0.12,
        1 => base + 0.06,
        2 => base + 0.02,
        9 => base + 0.08,
        10 => (base + 0.25).min(0.6),
        _ => base,
    });
    let mut entrant_shares: Bands = std::array::from_fn(|a| {
        [
            0.04, 0.22, 0.2, 0.15, 0.11, 0.09, 0.07, 0.05, 0.04, 0.02, 0.01,
        ][a]
    });
    let sum = total(&entrant_shares);
    for v in &mut entrant_shares {
        *v /= sum;
    }
    TrueRates {
        leaving,
        entry_rate: 0.0,
        entrant_shares,
    }
}

/// One area's inputs: rates near its group's, a stock near the steady state of `size`.
fn area_inputs(
    group: &TrueRates,
    size: f64,
    censuses: usize,
    seed: u64,
    rng: &mut ChaCha8Rng,
) -> Synthetic {
    // The area's leaving level, within about 25 % of its group's.
    let level = 0.75 + 0.5 * rng.random::<f64>();
    let mut truth = group.clone();
    for w in &mut truth.leaving {
        *w = (*w * level).min(0.9);
    }
    // Entrants near what keeps the stock steady, give or take 3 % of it a year.
    let steady = truth.steady_state(1.0);
    let per_entrant = total(&steady);
    let drift = 0.06 * (rng.random::<f64>() - 0.5);
    truth.entry_rate = (1.0 / per_entrant + drift).max(0.0);
    let initial: Bands = std::array::from_fn(|a| steady[a] * size / per_entrant);
    synthetic_history(&truth, &initial, censuses, 0, first_census(), seed)
}

/// The scenario every benchmark projection runs: estimated rates, a fixed demand (so
/// the gap code runs), `years` years and `runs` runs from `base`.
pub fn bench_scenario(base: NaiveDate, years: u32, runs: u32, demand: f64) -> Scenario {
    Scenario {
        name: Some("national benchmark".into()),
        description: None,
        scope: Scope {
            r#where: vec![],
            base,
            years,
            measure: "headcount".into(),
        },
        rates: RatesSpec::default(),
        demand: DemandSpec {
            fixed: Some(demand),
            ..Default::default()
        },
        simulation: Simulation { runs, seed: 1 },
    }
}

/// Generates every group's areas and projects them all, on every core.
pub fn national(config: &NationalConfig) -> NationalReport {
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut jobs: Vec<(Scenario, Inputs)> = Vec::with_capacity(config.groups * config.areas);
    let (mut staff, mut smallest, mut largest) = (0.0, f64::MAX, 0.0f64);
    let base = first_census()
        .checked_add_months(chrono::Months::new(
            12 * (config.censuses.max(1) as u32 - 1),
        ))
        .expect("a date");
    for g in 0..config.groups {
        let rates = group_rates(g);
        let areas: Vec<Synthetic> = (0..config.areas)
            .map(|i| {
                // Sizes from 20 to 3,000, most areas small (log-uniform).
                let size = 20.0 * (150.0f64).powf(rng.random::<f64>());
                let seed = config.seed ^ ((g as u64) << 32 | i as u64);
                area_inputs(&rates, size, config.censuses, seed, &mut rng)
            })
            .collect();
        let parent = sum_histories(areas.iter().map(|a| a.history.as_slice()));
        for area in areas {
            let Some(last) = area.history.last() else {
                continue;
            };
            let now = total(&last.stock);
            staff += now;
            smallest = smallest.min(now);
            largest = largest.max(now);
            jobs.push((
                bench_scenario(base, config.years, config.runs, (now * 1.1).round()),
                Inputs {
                    history: History {
                        area: area.history,
                        parent: parent.clone(),
                    },
                    ..Default::default()
                },
            ));
        }
    }
    let generate_seconds = started.elapsed().as_secs_f64();

    let threads = config
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    // Each thread takes the next projection not yet taken, so that large and small
    // areas balance; a projection's figures do not depend on the thread that ran it.
    let mut ends = vec![0.0; jobs.len()];
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((scenario, inputs)) = jobs.get(i) else {
                            break;
                        };
                        let p = project(scenario, inputs).expect("a benchmark projection runs");
                        let end = p
                            .years
                            .last()
                            .map_or(0.0, |y| y.supply + y.supply_low + y.supply_high);
                        out.push((i, end));
                    }
                    out
                })
            })
            .collect();
        for w in workers {
            for (i, end) in w.join().expect("a benchmark thread finishes") {
                ends[i] = end;
            }
        }
    });
    let project_seconds = started.elapsed().as_secs_f64();
    let projections = jobs.len();
    NationalReport {
        groups: config.groups,
        areas: config.areas,
        projections,
        years: config.years,
        runs: config.runs,
        censuses: config.censuses,
        threads,
        staff,
        smallest: if projections > 0 { smallest } else { 0.0 },
        largest,
        generate_seconds,
        project_seconds,
        projections_per_second: projections as f64 / project_seconds.max(1e-9),
        checksum: ends.iter().sum(),
    }
}

/// The deterministic path of `truth` from `initial`, for checking a walk by hand.
pub fn expected_path(truth: &TrueRates, initial: &Bands, years: usize) -> Vec<Bands> {
    path(initial, &truth.rates(initial), years)
}
