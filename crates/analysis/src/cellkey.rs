//! The cell key method: disclosure control for ad hoc tables (explorer, dashboard, API),
//! where any number of queries can be differenced against each other and against the
//! caller's own records, so suppressing table by table cannot hold (docs/disclosure.md).
//!
//! Every record (a post, a person, a vacant post, a leaver) carries a secret random
//! record key, fixed when the cube is built from a keyed hash of its identity. A figure's
//! cell key is the sum of its records' keys (mod 2^32), so the same set of records always
//! gets the same key however it was asked for, and any other set an independent one. The
//! cell key picks a perturbation from [`PTABLE`]; counts get it added, sums of FTE are
//! scaled with their count, rates recompute from their perturbed numerator and
//! denominator, and pay statistics move by a small keyed fraction. Asking again, or the
//! same records another way, gives the same answer, so averaging repeated queries gains
//! nothing; differencing two figures leaves the sum of their perturbations, which the
//! attacker cannot know.
//!
//! Primary suppression stays beside it: a figure resting on fewer people than the
//! threshold (or a rate whose numerator or denominator does) is not shown at all.

use sha2::{Digest, Sha256};

use crate::measures::{self, Def, MeasureKind};
use crate::query::{MIN_SUPPRESSION_THRESHOLD, QueryResult, ResultRow};

/// How many people or posts a figure counts, and their cell key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// How many records.
    pub n: u64,
    /// The sum of their record keys, mod 2^32.
    pub key: u32,
}

impl Tally {
    /// One record.
    pub fn one(key: u32) -> Tally {
        Tally { n: 1, key }
    }

    /// Adds a record (or a tally of them).
    pub fn add(&mut self, other: Tally) {
        self.n += other.n;
        self.key = self.key.wrapping_add(other.key);
    }

    /// From summed lanes: a count and a key sum that may have grown past 2^32.
    pub(crate) fn of(n: u64, key_sum: u64) -> Tally {
        Tally {
            n,
            key: key_sum as u32,
        }
    }
}

/// The records behind one figure. Counts: `num` is what is counted. Rates and shares:
/// what the numerator and the denominator count. Pay statistics: `num` is the posts
/// whose pay is summarised. Pay gap: `num` the men's posts, `den` the women's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Records {
    /// The numerator's (or the count's) records.
    pub num: Tally,
    /// The denominator's records.
    pub den: Tally,
    /// leadership_gap: the whole workforce's group and base, whose share the leaders'
    /// share is compared with.
    pub versus: Option<(Tally, Tally)>,
}

/// The perturbation table: `PTABLE[i]` is (perturbation, its probability in thousandths).
/// Symmetric about zero (unbiased), variance 3.6, at most 5 either way; no perturbation
/// at all for 24 % of cells, so a figure cannot be read as exact.
pub const PTABLE: [(i64, u64); 11] = [
    (-5, 10),
    (-4, 25),
    (-3, 60),
    (-2, 110),
    (-1, 175),
    (0, 240),
    (1, 175),
    (2, 110),
    (3, 60),
    (4, 25),
    (5, 10),
];

/// The largest perturbation [`PTABLE`] gives.
pub const MAX_PERTURBATION: i64 = 5;

/// How far one step of the table moves a pay statistic: 0.5 % (so at most 2.5 %).
pub const PAY_STEP: f64 = 0.005;

/// The perturbation a cell key picks: the key read as a fraction of 2^32, through the
/// table's cumulative probabilities.
pub fn perturbation(key: u32) -> i64 {
    let t = (key as u64 * 1000) >> 32;
    let mut cumulative = 0;
    for (d, p) in PTABLE {
        cumulative += p;
        if t < cumulative {
            return d;
        }
    }
    0
}

/// A record key: the first four bytes of SHA-256 over the installation's secret, what
/// kind of record it is and its identity. Unknowable without the secret.
pub fn record_key(secret: &[u8], kind: &str, identity: &[&[u8]]) -> u32 {
    let mut h = Sha256::new();
    h.update(secret);
    h.update(kind.as_bytes());
    for part in identity {
        h.update((part.len() as u32).to_le_bytes());
        h.update(part);
    }
    let d = h.finalize();
    u32::from_le_bytes([d[0], d[1], d[2], d[3]])
}

/// A count after perturbation: never below the threshold (a shown figure never looks
/// like a small count), zero stays zero.
fn count(t: Tally, threshold: u64) -> f64 {
    if t.n == 0 {
        return 0.0;
    }
    (t.n as i64 + perturbation(t.key)).max(threshold as i64) as f64
}

/// A sum over records (FTE) scaled with its count's perturbation.
fn scaled(sum: f64, t: Tally, threshold: u64) -> f64 {
    if t.n == 0 {
        return sum;
    }
    let x = sum * count(t, threshold) / t.n as f64;
    (x * 100.0).round() / 100.0
}

/// A pay figure moved by its records' keyed fraction, to the whole pound.
fn pay(x: f64, t: Tally) -> f64 {
    (x * (1.0 + PAY_STEP * perturbation(t.key) as f64)).round()
}

/// How a measure's figures are made from their records.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Count,
    FteSum,
    Rate { fte: bool, subset: bool },
    Pay,
    PayGap,
    GroupRatio,
}

fn shape(measure: &str) -> Shape {
    let Some(m) = measures::find(measure) else {
        return Shape::Count;
    };
    match m.def {
        Def::Fte => Shape::FteSum,
        Def::PostRate { fte, .. } => Shape::Rate { fte, subset: true },
        Def::LeaverRate { fte, .. } => Shape::Rate { fte, subset: false },
        Def::People { .. } if m.kind == MeasureKind::Count => Shape::Count,
        Def::People { .. } | Def::HardToFillShare | Def::VacancyRate => Shape::Rate {
            fte: false,
            subset: true,
        },
        Def::ObservedWastage => Shape::Rate {
            fte: false,
            subset: true,
        },
        Def::Pay(_) => Shape::Pay,
        Def::GenderPayGap => Shape::PayGap,
        Def::GroupRatio(_) => Shape::GroupRatio,
        Def::Posts | Def::Vacancies | Def::Leavers | Def::Starters => Shape::Count,
    }
}

/// Whether a row must be hidden: it rests on fewer people than the threshold, or (a rate
/// or share) its numerator counts between one and the threshold (spec: "2 of 26"
/// discloses the 2).
pub fn below_threshold(row: &ResultRow, kind: MeasureKind, threshold: u64) -> bool {
    let threshold = threshold.max(MIN_SUPPRESSION_THRESHOLD);
    if row.basis < threshold {
        return true;
    }
    match (kind, row.records) {
        (MeasureKind::Rate, Some(r)) => r.num.n > 0 && r.num.n < threshold,
        _ => false,
    }
}

/// Applies the cell key method to every shown row of `result` (after primary
/// suppression). Rows without records (built elsewhere) are left as they are.
pub fn perturb(result: &mut QueryResult, threshold: u64) {
    let threshold = threshold.max(MIN_SUPPRESSION_THRESHOLD);
    let shape = shape(&result.measure);
    for row in result.rows.iter_mut().filter(|r| !r.suppressed) {
        let Some(r) = row.records else { continue };
        match shape {
            Shape::Count => {
                let v = count(r.num, threshold);
                row.value = Some(v);
                row.numerator = Some(v);
            }
            Shape::FteSum => {
                let v = row.value.map(|x| scaled(x, r.num, threshold));
                row.value = v;
                row.numerator = v;
            }
            Shape::Rate { fte, subset } => {
                let (Some(num), Some(den)) = (row.numerator, row.denominator) else {
                    continue;
                };
                let (num, den) = if fte {
                    (scaled(num, r.num, threshold), scaled(den, r.den, threshold))
                } else {
                    (count(r.num, threshold), count(r.den, threshold))
                };
                let num = if subset { num.min(den) } else { num };
                row.numerator = Some(num);
                row.denominator = Some(den);
                row.value = (den > 0.0).then(|| num / den);
            }
            Shape::Pay => row.value = row.value.map(|x| pay(x, r.num)),
            Shape::PayGap => {
                let (Some(gap), Some(men)) = (row.numerator, row.denominator) else {
                    continue;
                };
                let (men, women) = (pay(men, r.num), pay(men - gap, r.den));
                row.numerator = Some(men - women);
                row.denominator = Some(men);
                row.value = (men > 0.0).then(|| (men - women) / men);
            }
            Shape::GroupRatio => {
                // The workforce share is the caller's figure; the population share (or
                // the whole workforce's, for leadership_gap) is what it is compared with.
                let (Some(share), Some(against)) = (row.numerator, row.denominator) else {
                    continue;
                };
                let share_of = |x: Tally, y: Tally| {
                    let (x, y) = (count(x, threshold), count(y, threshold));
                    (y > 0.0).then(|| x.min(y) / y)
                };
                let shown = share_of(r.num, r.den).unwrap_or(share);
                let against = match r.versus {
                    Some((x, y)) => share_of(x, y).unwrap_or(against),
                    None => against,
                };
                row.numerator = Some(shown);
                row.denominator = Some(against);
                row.value = (against > 0.0).then(|| shown / against);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_a_distribution_centred_on_zero() {
        let total: u64 = PTABLE.iter().map(|p| p.1).sum();
        assert_eq!(total, 1000);
        let mean: i64 = PTABLE.iter().map(|(d, p)| d * *p as i64).sum();
        assert_eq!(mean, 0);
        // Keys spread evenly pick each perturbation as often as the table says.
        let mut seen = [0u64; 11];
        let steps = 100_000u64;
        for i in 0..steps {
            let key = ((i << 32) / steps) as u32;
            seen[(perturbation(key) + MAX_PERTURBATION) as usize] += 1;
        }
        for (i, (_, p)) in PTABLE.iter().enumerate() {
            assert!(
                (seen[i] as i64 - (*p * steps / 1000) as i64).abs() <= 2,
                "{i}"
            );
        }
    }

    #[test]
    fn record_keys_need_the_secret_and_sum_to_the_same_cell_key_in_any_order() {
        let a = record_key(b"secret-one", "post", &[b"EMP", b"W1"]);
        assert_eq!(a, record_key(b"secret-one", "post", &[b"EMP", b"W1"]));
        assert_ne!(a, record_key(b"secret-two", "post", &[b"EMP", b"W1"]));
        assert_ne!(
            record_key(b"s", "post", &[b"EM", b"PW1"]),
            record_key(b"s", "post", &[b"EMP", b"W1"])
        );
        let keys = [a, u32::MAX, 7, 1 << 31];
        let mut x = Tally::default();
        let mut y = Tally::default();
        for k in keys {
            x.add(Tally::one(k));
        }
        for k in keys.iter().rev() {
            y.add(Tally::one(*k));
        }
        assert_eq!(x, y);
        assert_eq!(x.n, 4);
    }

    use crate::query::apply_cell_key_method;
    use crate::tests::{census_2025, run};

    fn perturbed(measure: &str, by: &[&str], filters: &[(&str, &str)]) -> QueryResult {
        let mut r = run(&census_2025(), measure, by, filters);
        apply_cell_key_method(&mut r, 3);
        r
    }

    #[test]
    fn figures_carry_the_records_they_count() {
        let c = census_2025();
        let posts = &run(&c, "posts", &[], &[]).rows[0];
        let r = posts.records.unwrap();
        assert_eq!(r.num.n as f64, posts.value.unwrap());
        let expected = c.workers.key.iter().fold(0u32, |a, k| a.wrapping_add(*k));
        assert_eq!(r.num.key, expected);
        let turnover = &run(&c, "turnover_rate", &[], &[]).rows[0];
        let t = turnover.records.unwrap();
        assert_eq!(t.num.n as f64, turnover.numerator.unwrap());
        assert_eq!(t.den, r.num, "turnover's denominator is the filled posts");
        let leavers = &run(&c, "leavers", &[], &[]).rows[0];
        assert_eq!(leavers.records.unwrap().num, t.num);
    }

    #[test]
    fn the_same_records_get_the_same_figure_however_asked() {
        let by_both = perturbed("posts", &["employer", "role"], &[]);
        for row in by_both.rows.iter().filter(|r| !r.suppressed) {
            let (e, role) = (row.keys[0].as_str(), row.keys[1].as_str());
            let one = perturbed("posts", &[], &[("role", role), ("employer", e)]);
            assert_eq!(one.rows[0].value, row.value, "{e} {role}");
            let by_role = perturbed("posts", &["role"], &[("employer", e)]);
            let same = by_role.rows.iter().find(|r| r.keys[0] == role).unwrap();
            assert_eq!(same.value, row.value, "{e} {role}");
        }
        // Asking twice changes nothing.
        assert_eq!(
            perturbed("headcount", &["sector"], &[]),
            perturbed("headcount", &["sector"], &[])
        );
    }

    #[test]
    fn rates_recompute_from_perturbed_parts_and_small_numerators_are_hidden() {
        for measure in [
            "turnover_rate",
            "vacancy_rate",
            "share_male",
            "stability_rate",
        ] {
            let exact = run(&census_2025(), measure, &["employer"], &[]);
            let r = perturbed(measure, &["employer"], &[]);
            assert!(r.perturbed);
            for (row, truth) in r.rows.iter().zip(&exact.rows) {
                let n = truth.records.unwrap().num.n;
                if truth.basis < 3 || (1..3).contains(&n) {
                    assert!(row.suppressed, "{measure} {:?}", row.keys);
                    continue;
                }
                let (num, den) = (row.numerator.unwrap(), row.denominator.unwrap());
                assert_eq!(row.value, (den > 0.0).then(|| num / den), "{measure}");
                assert!(num <= den, "{measure}: a share's part exceeds its whole");
            }
        }
    }

    #[test]
    fn counts_never_show_below_the_threshold_and_zero_stays_zero() {
        for key in (0..u32::MAX).step_by(9_999_991) {
            let v = count(Tally { n: 6, key }, 5);
            assert!((5.0..=11.0).contains(&v), "{v}");
        }
        assert_eq!(count(Tally { n: 0, key: 77 }, 5), 0.0);
    }
}
