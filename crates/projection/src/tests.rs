//! The "done means" through the public entry point: a model solved by hand, the
//! bands' coverage of the truth on histories generated from known rates, the backtest,
//! and the national benchmark at toy size.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::bench::{
    NationalConfig, Synthetic, TrueRates, expected_history, expected_path, national, sum_histories,
    synthetic_history,
};
use crate::estimate::{Counts, History};
use crate::run::{Inputs, Projection, project};
use crate::scenario::{Entrants, Leaving, Scenario};
use crate::{BANDS, Bands, band_codes, total};

fn date(y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, 11, 1).unwrap()
}

/// The spec's example file: one leaving rate and 30 entrants a year, by hand.
const HAND: &str = crate::scenario::tests::SPEC;

fn in_65_plus(x: f64) -> Bands {
    let mut b = [0.0; BANDS];
    b[BANDS - 1] = x;
    b
}

/// One census, everybody in `65_plus` (so ageing does nothing).
fn one_band_inputs(s0: f64) -> Inputs {
    Inputs {
        history: History {
            area: vec![Counts {
                date: date(2025),
                stock: in_65_plus(s0),
                posts: in_65_plus(s0),
                leavers: in_65_plus(0.12 * s0),
                starters: in_65_plus(30.0),
            }],
            parent: vec![],
        },
        ..Default::default()
    }
}

#[test]
fn a_model_solved_by_hand_gives_the_closed_form_through_project() {
    let scenario = Scenario::from_toml(HAND).unwrap();
    let s0 = 420.0;
    let p = project(&scenario, &one_band_inputs(s0)).unwrap();
    let (w, e) = (0.12, 30.0);
    assert_eq!(p.years.len(), 11);
    for (t, y) in p.years.iter().enumerate() {
        let k = (1.0f64 - w).powi(t as i32);
        let closed = s0 * k + e * (1.0 - k) / w;
        assert!(
            (y.supply - closed).abs() < 1e-9,
            "year {t}: {} vs {closed}",
            y.supply
        );
        assert_eq!(y.year, t as u32);
        assert_eq!(y.date, date(2025 + t as i32));
        assert!((y.gap.unwrap() - (420.0 - closed)).abs() < 1e-9);
        // Given rates leave only the chance in who leaves and joins: the point is
        // inside its band.
        assert!(y.supply_low <= y.supply + 1e-9 && y.supply <= y.supply_high + 1e-9);
    }
    assert_eq!(p.assumptions.leaving_source, "given");
    assert_eq!(p.assumptions.entrants, 30.0);
}

#[test]
fn no_runs_gives_bands_equal_to_the_supply() {
    let scenario = Scenario::from_toml(&HAND.replace("runs = 1000", "runs = 0")).unwrap();
    let p = project(&scenario, &one_band_inputs(420.0)).unwrap();
    for y in &p.years {
        assert_eq!(y.supply_low, y.supply, "year {}", y.year);
        assert_eq!(y.supply_high, y.supply, "year {}", y.year);
    }
    // Also with estimated rates.
    let scenario = Scenario::from_toml(
        &HAND
            .replace("runs = 1000", "runs = 0")
            .replace("leaving = 0.12", "leaving = \"estimate\"")
            .replace("entrants = 30", "entrants = \"estimate\""),
    )
    .unwrap();
    let p = project(&scenario, &one_band_inputs(420.0)).unwrap();
    for y in &p.years {
        assert_eq!((y.supply_low, y.supply_high), (y.supply, y.supply));
    }
}

#[test]
fn the_same_file_and_seed_give_identical_json() {
    let inputs = {
        let truth = truth();
        let initial = steady(&truth, 300.0);
        let parent = synthetic_history(&truth, &steady(&truth, 50_000.0), 4, 0, date(2022), 9);
        Inputs {
            history: History {
                area: synthetic_history(&truth, &initial, 4, 0, date(2022), 3).history,
                parent: parent.history,
            },
            ..Default::default()
        }
    };
    let text = HAND
        .replace("leaving = 0.12", "leaving = \"estimate\"")
        .replace("entrants = 30", "entrants = \"estimate\"");
    let json = |text: &str| {
        let s = Scenario::from_toml(text).unwrap();
        serde_json::to_string(&project(&s, &inputs).unwrap()).unwrap()
    };
    let one = json(&text);
    assert_eq!(one, json(&text));
    // Read back from what is stored: still the same.
    let stored = Scenario::from_toml(&text).unwrap().to_toml();
    assert_eq!(one, json(&stored));
    // Another seed moves the bands, not the point projection.
    let other = json(&text.replace("seed = 1", "seed = 2"));
    assert_ne!(one, other);
    let (a, b): (Projection, Projection) = (
        serde_json::from_str(&one).unwrap(),
        serde_json::from_str(&other).unwrap(),
    );
    for (x, y) in a.years.iter().zip(&b.years) {
        assert_eq!(x.supply, y.supply);
    }
}

/// Rates like a real workforce's: high leaving among the youngest and near retirement,
/// entrants mostly young.
fn truth() -> TrueRates {
    let leaving = [
        0.30, 0.22, 0.16, 0.13, 0.11, 0.10, 0.10, 0.10, 0.12, 0.18, 0.35,
    ];
    let shares = [
        0.03, 0.20, 0.20, 0.15, 0.12, 0.10, 0.08, 0.06, 0.04, 0.015, 0.005,
    ];
    let sum: f64 = shares.iter().sum();
    TrueRates {
        leaving,
        entry_rate: 0.0,
        entrant_shares: shares.map(|s| s / sum),
    }
}

/// The steady state of `truth` with `size` staff, setting its entry rate to keep it.
fn steady(truth: &TrueRates, size: f64) -> Bands {
    let s = truth.steady_state(1.0);
    let per = total(&s);
    s.map(|x| x * size / per)
}

fn with_steady_entry(mut truth: TrueRates) -> TrueRates {
    truth.entry_rate = 1.0 / total(&truth.steady_state(1.0));
    truth
}

#[test]
fn synthetic_histories_follow_their_rates() {
    let truth = with_steady_entry(truth());
    let initial = steady(&truth, 500.0);
    let a = synthetic_history(&truth, &initial, 3, 4, date(2022), 5);
    assert_eq!(a, synthetic_history(&truth, &initial, 3, 4, date(2022), 5));
    assert_ne!(a, synthetic_history(&truth, &initial, 3, 4, date(2022), 6));
    assert_eq!(a.history.len(), 3);
    assert_eq!(a.future.len(), 4);
    assert_eq!(a.history[2].date, date(2024));
    // Counts are whole people and add up: stock = last stock - leavers + starters.
    let mut before = initial;
    for c in &a.history {
        assert_eq!(c.stock, c.posts);
        let change = total(&c.stock) - total(&before) + total(&c.leavers) - total(&c.starters);
        assert!(change.abs() < 1e-6, "{change}");
        assert!(
            c.leavers
                .iter()
                .chain(&c.starters)
                .all(|x| x.fract() == 0.0)
        );
        before = c.stock;
    }
    // Without chance the walk is the core's path; with chance it averages to it.
    let det = expected_history(&truth, &initial, 3, 4, date(2022));
    let core = expected_path(&truth, &initial, 7);
    for t in 0..7 {
        let walked = if t < 3 {
            det.history[t].stock
        } else {
            det.future[t - 3]
        };
        for b in 0..BANDS {
            assert!((walked[b] - core[t + 1][b]).abs() < 1e-9);
        }
    }
    let n = 400;
    let mut mean = 0.0;
    let mut leavers = 0.0;
    for seed in 0..n {
        let s = synthetic_history(&truth, &initial, 1, 4, date(2022), seed);
        mean += total(&s.future[3]) / n as f64;
        leavers += total(&s.history[0].leavers) / n as f64;
    }
    let want = total(&core[5]);
    assert!((mean - want).abs() / want < 0.01, "{mean} vs {want}");
    let want: f64 = (0..BANDS).map(|a| initial[a] * truth.leaving[a]).sum();
    assert!((leavers - want).abs() / want < 0.02, "{leavers} vs {want}");
}

fn estimating(base: NaiveDate, years: u32, runs: u32, seed: u64) -> Scenario {
    let mut s = Scenario::from_toml(
        &HAND
            .replace("leaving = 0.12", "leaving = \"estimate\"")
            .replace("entrants = 30", "entrants = \"estimate\"")
            .replace("base = \"2025-11-01\"", &format!("base = \"{base}\""))
            .replace("years = 10", &format!("years = {years}"))
            .replace("[demand]\nfixed = 420\n", ""),
    )
    .unwrap();
    s.simulation.runs = runs;
    s.simulation.seed = seed;
    s
}

/// How often the realised stock fell inside the 90 % band, by horizon, over many areas
/// generated from known rates (sizes 30 to 3,000, 3 to 5 census years, the parent the
/// same rates at 200,000 staff).
/// With `given`, the scenario gives the true rates by hand, so that only the chance in
/// who leaves and joins is simulated.
fn coverage(replications: usize, horizon: usize, runs: u32, given: bool) -> Vec<(usize, usize)> {
    let truth = with_steady_entry(truth());
    let first = date(2021);
    let parents: Vec<Vec<Counts>> = (3..=5)
        .map(|n| synthetic_history(&truth, &steady(&truth, 200_000.0), n, 0, first, 77).history)
        .collect();
    let sizes = [30.0, 80.0, 200.0, 600.0, 3_000.0];
    let mut hits = vec![(0, 0); horizon];
    for r in 0..replications {
        let censuses = 3 + r % 3;
        let size = sizes[(r / 3) % sizes.len()];
        let seed = 1_000 + r as u64;
        let initial = steady(&truth, size);
        let Synthetic { history, future } =
            synthetic_history(&truth, &initial, censuses, horizon, first, seed);
        let base = history.last().unwrap().date;
        let inputs = Inputs {
            history: History {
                area: history,
                parent: parents[censuses - 3].clone(),
            },
            ..Default::default()
        };
        let mut scenario = estimating(base, horizon as u32, runs, seed);
        if given {
            let hand = by_hand(&truth, &initial, base, horizon as u32);
            scenario.rates = hand.rates;
        }
        let p = project(&scenario, &inputs).unwrap();
        for h in 1..=horizon {
            let (y, real) = (&p.years[h], total(&future[h - 1]));
            hits[h - 1].1 += 1;
            if y.supply_low <= real && real <= y.supply_high {
                hits[h - 1].0 += 1;
            }
        }
    }
    hits
}

fn rates(hits: &[(usize, usize)]) -> (f64, Vec<f64>) {
    let rate = |(k, n): (usize, usize)| k as f64 / n as f64;
    let pooled = rate(hits.iter().fold((0, 0), |a, h| (a.0 + h.0, a.1 + h.1)));
    (pooled, hits.iter().map(|h| rate(*h)).collect())
}

#[test]
fn the_bands_cover_the_truth_about_nine_times_in_ten() {
    let (pooled, by_horizon) = rates(&coverage(300, 5, 400, false));
    println!(
        "coverage of the 90 % band, estimated rates: pooled {pooled:.3}, by horizon 1..5 {by_horizon:.3?}"
    );
    // Measured 0.851 (0.867, 0.850, 0.843, 0.860, 0.833): a little under the stated
    // 90 %, mostly because estimated entrants are the entry rate times the stock at the
    // base, which carries the last years' chance into every later year, where these
    // histories have a steady number of entrants (see the next test).
    assert!((0.82..=0.96).contains(&pooled), "pooled coverage {pooled}");
    for (h, r) in by_horizon.iter().enumerate() {
        assert!((0.82..=0.98).contains(r), "horizon {}: {r}", h + 1);
    }
}

#[test]
fn with_the_true_rates_the_bands_cover_the_chance_nine_times_in_ten() {
    let (pooled, by_horizon) = rates(&coverage(300, 5, 400, true));
    println!(
        "coverage of the 90 % band, true rates given: pooled {pooled:.3}, by horizon 1..5 {by_horizon:.3?}"
    );
    assert!((0.85..=0.95).contains(&pooled), "pooled coverage {pooled}");
    for (h, r) in by_horizon.iter().enumerate() {
        assert!((0.82..=0.98).contains(r), "horizon {}: {r}", h + 1);
    }
}

/// The scenario with the true rates given by hand.
fn by_hand(truth: &TrueRates, initial: &Bands, base: NaiveDate, years: u32) -> Scenario {
    let mut s = estimating(base, years, 0, 1);
    s.rates.leaving = Leaving::ByBand(
        band_codes()
            .iter()
            .zip(truth.leaving)
            .map(|(b, w)| (b.to_string(), w))
            .collect::<BTreeMap<_, _>>(),
    );
    s.rates.entrants = Entrants::Number(truth.entry_rate * total(initial));
    s
}

#[test]
fn the_backtest_of_the_true_rates_on_a_history_without_chance_is_exact() {
    let mut truth = truth();
    truth.entry_rate = 0.3;
    // Far from steady: everybody in 30_34 a year before the first census.
    let mut initial = [0.0; BANDS];
    initial[3] = 500.0;
    let h = expected_history(&truth, &initial, 6, 0, date(2020)).history;
    let base = h.last().unwrap().date;
    let inputs = Inputs {
        history: History {
            area: h.clone(),
            parent: vec![],
        },
        ..Default::default()
    };
    let p = project(&by_hand(&truth, &initial, base, 5), &inputs).unwrap();
    let horizons = &p.backtest.horizons;
    assert_eq!(
        horizons.iter().map(|h| h.years).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    for h in horizons {
        assert!(h.mape < 1e-9, "horizon {}: {}", h.years, h.mape);
        assert_eq!(h.origins, 6 - h.years as usize);
    }
    // The stock changes a lot over the history, so an exact backtest is no accident.
    assert!((total(&h[5].stock) - total(&h[0].stock)).abs() > 50.0);
    // With one census there is nothing to test against.
    let one = Inputs {
        history: History {
            area: h[..1].to_vec(),
            parent: vec![],
        },
        ..Default::default()
    };
    let p = project(&by_hand(&truth, &initial, h[0].date, 5), &one).unwrap();
    assert!(p.backtest.horizons.is_empty());
}

#[test]
fn estimated_rates_err_more_the_further_ahead() {
    let truth = with_steady_entry(truth());
    let first = date(2019);
    let areas: Vec<Vec<Counts>> = (0..60)
        .map(|i| {
            let size = [40.0, 150.0, 500.0][i % 3];
            synthetic_history(&truth, &steady(&truth, size), 7, 0, first, 500 + i as u64).history
        })
        .collect();
    let parent = sum_histories(areas.iter().map(|a| a.as_slice()));
    let mut mape = [0.0; 6];
    for area in &areas {
        let base = area.last().unwrap().date;
        let inputs = Inputs {
            history: History {
                area: area.clone(),
                parent: parent.clone(),
            },
            ..Default::default()
        };
        let p = project(&estimating(base, 6, 0, 1), &inputs).unwrap();
        let horizons = &p.backtest.horizons;
        assert_eq!(horizons.len(), 6);
        for h in horizons {
            mape[h.years as usize - 1] += h.mape / areas.len() as f64;
        }
    }
    println!("backtest MAPE (%) by horizon 1..6, mean of 60 areas: {mape:.2?}");
    assert!(mape.iter().all(|m| m.is_finite() && *m > 0.0));
    let later = (mape[3] + mape[4] + mape[5]) / 3.0;
    assert!(mape[0] < mape[1] && mape[0] < later, "{mape:?}");
}

#[test]
fn the_national_benchmark_runs_at_toy_size() {
    let config = NationalConfig {
        groups: 2,
        areas: 3,
        years: 3,
        runs: 20,
        censuses: 3,
        threads: Some(2),
        seed: 4,
    };
    let r = national(&config);
    assert_eq!(r.projections, 6);
    assert_eq!(r.threads, 2);
    assert!(r.staff > 0.0 && r.smallest > 0.0 && r.largest < 5_000.0);
    assert!(r.checksum.is_finite() && r.checksum > 0.0);
    assert!(r.projections_per_second > 0.0);
    // The figures do not depend on the threads that ran them.
    let again = national(&NationalConfig {
        threads: Some(1),
        ..config
    });
    assert_eq!(again.checksum, r.checksum);
}
