//! An objective's status at its latest observation, by the rules of the strategy
//! contract, read in order: not enough data, achieved, on track, off track (only when the
//! value's uncertainty cannot reach the trajectory), at risk. Stale is a flag beside the
//! status for values recorded by hand, never a status.

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::{Indicator, Objective, STALE_AFTER_DAYS};

/// How an objective stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotEnoughData,
    Achieved,
    OnTrack,
    AtRisk,
    OffTrack,
}

impl Status {
    /// As the JSON contract writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::NotEnoughData => "not_enough_data",
            Status::Achieved => "achieved",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::OffTrack => "off_track",
        }
    }

    /// In words, for people.
    pub fn label(self) -> &'static str {
        match self {
            Status::NotEnoughData => "Not enough data",
            Status::Achieved => "Achieved",
            Status::OnTrack => "On track",
            Status::AtRisk => "At risk",
            Status::OffTrack => "Off track",
        }
    }
}

/// The indicator's latest value: at `date`, None when it is suppressed; with the counts
/// behind it when it is a share of people or posts (for its uncertainty interval).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub date: NaiveDate,
    pub value: Option<f64>,
    /// Numerator and denominator when both are counts of people or posts.
    pub counts: Option<(f64, f64)>,
}

/// An objective's status and what it rests on (the contract's JSON, less id and title).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    pub status: Status,
    pub stale: bool,
    pub value: Option<f64>,
    pub observed_at: Option<NaiveDate>,
    pub trajectory: Option<f64>,
    pub tolerance: f64,
    pub interval: Option<[f64; 2]>,
}

/// The Wilson 95 % interval of a share `v` of `n`.
pub fn wilson(v: f64, n: f64) -> [f64; 2] {
    const Z: f64 = 1.959_963_984_540_054;
    let z2 = Z * Z;
    let centre = (v + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z / (1.0 + z2 / n) * (v * (1.0 - v) / n + z2 / (4.0 * n * n)).sqrt();
    [(centre - half).max(0.0), (centre + half).min(1.0)]
}

/// The interval a value has: Wilson's, when it is a share in [0, 1] of whole counts.
pub fn interval(value: f64, counts: Option<(f64, f64)>) -> Option<[f64; 2]> {
    let (num, den) = counts?;
    let whole = |x: f64| x.fract() == 0.0 && x >= 0.0;
    (whole(num) && whole(den) && den > 0.0 && (0.0..=1.0).contains(&value))
        .then(|| wilson(value, den))
}

/// Judge an objective from its latest observation (None: no census date or recorded
/// value on or after the baseline), on `today` (for the stale flag).
pub fn judge(o: &Objective, seen: Option<Observation>, today: NaiveDate) -> Judgement {
    let tol = o.tolerance();
    let stale = match &o.indicator {
        Indicator::Recorded { .. } => seen.is_some_and(|s| {
            (today - s.date).num_days() > o.stale_after_days.unwrap_or(STALE_AFTER_DAYS)
        }),
        Indicator::Bound { .. } => false,
    };
    let mut j = Judgement {
        status: Status::NotEnoughData,
        stale,
        value: None,
        observed_at: seen.map(|s| s.date),
        trajectory: seen.map(|s| o.trajectory(s.date)),
        tolerance: tol,
        interval: None,
    };
    let (Some(s), Some(t)) = (seen, j.trajectory) else {
        return j;
    };
    let Some(v) = s.value else {
        return j;
    };
    j.value = Some(v);
    j.interval = interval(v, s.counts);
    let up = o.upward();
    let last = o.target().value;
    let ahead = if up { v - t } else { t - v };
    // The interval lies wholly on the far side of the trajectory's tolerance.
    let surely_behind = j
        .interval
        .is_none_or(|[lo, hi]| if up { hi < t - tol } else { lo > t + tol });
    j.status = if (up && v >= last) || (!up && v <= last) {
        Status::Achieved
    } else if ahead >= -tol {
        Status::OnTrack
    } else if ahead < -2.0 * tol && surely_behind {
        Status::OffTrack
    } else {
        Status::AtRisk
    };
    j
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Point, Recorded};

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// 35 % on 1 November 2024, 50 % by 1 November 2025, 70 % by 1 November 2027.
    fn objective(indicator: Indicator) -> Objective {
        Objective {
            id: "eyt".into(),
            title: "More early years teachers".into(),
            owner: "Head of early years".into(),
            owner_email: None,
            indicator,
            baseline: Point {
                date: date("2024-11-01"),
                value: 0.35,
            },
            milestones: vec![
                Point {
                    date: date("2025-11-01"),
                    value: 0.50,
                },
                Point {
                    date: date("2027-11-01"),
                    value: 0.70,
                },
            ],
            tolerance: None,
            stale_after_days: None,
            scenario: None,
        }
    }

    fn bound() -> Objective {
        objective(Indicator::Bound {
            measure: "qualified_share_l6".into(),
            filters: vec![],
        })
    }

    fn seen(d: &str, v: Option<f64>, counts: Option<(f64, f64)>) -> Option<Observation> {
        Some(Observation {
            date: date(d),
            value: v,
            counts,
        })
    }

    #[test]
    fn the_trajectory_is_linear_in_days_between_points() {
        let o = bound();
        assert_eq!(o.trajectory(date("2024-11-01")), 0.35);
        assert!((o.trajectory(date("2025-11-01")) - 0.50).abs() < 1e-12);
        // Halfway (in days) from 2025-11-01 to 2027-11-01 is 2026-11-01 (365 of 730).
        assert!((o.trajectory(date("2026-11-01")) - 0.60).abs() < 1e-12);
        assert_eq!(o.trajectory(date("2030-01-01")), 0.70);
        assert!((o.tolerance() - 0.035).abs() < 1e-12);
        assert!(o.upward());
    }

    #[test]
    fn each_rule_in_its_order() {
        let o = bound();
        let today = date("2026-01-01");
        let at = |v: Option<f64>, counts| judge(&o, seen("2025-11-01", v, counts), today);
        assert_eq!(judge(&o, None, today).status, Status::NotEnoughData);
        let suppressed = at(None, None);
        assert_eq!(suppressed.status, Status::NotEnoughData);
        assert_eq!(suppressed.trajectory, Some(0.5));
        assert_eq!(suppressed.observed_at, Some(date("2025-11-01")));
        assert_eq!(at(Some(0.71), None).status, Status::Achieved);
        assert_eq!(at(Some(0.47), None).status, Status::OnTrack); // 0.03 behind, tol 0.035
        assert_eq!(at(Some(0.45), None).status, Status::AtRisk); // 0.05 behind: under 2 tol
        assert_eq!(at(Some(0.40), None).status, Status::OffTrack); // 0.10 behind, no interval
        // 400 of 1,000: Wilson [0.370, 0.431] lies below T - tol = 0.465: off track.
        let j = at(Some(0.40), Some((400.0, 1000.0)));
        assert_eq!(j.status, Status::OffTrack, "{j:?}");
        // 40 of 100: Wilson [0.309, 0.498] reaches past 0.465: at risk, not off track.
        assert_eq!(at(Some(0.40), Some((40.0, 100.0))).status, Status::AtRisk);
        // 4 of 10: Wilson [0.168, 0.687] still reaches the trajectory: never off track.
        let j = at(Some(0.40), Some((4.0, 10.0)));
        assert_eq!(j.status, Status::AtRisk, "{j:?}");
        let [lo, hi] = j.interval.unwrap();
        assert!(
            (lo - 0.1682).abs() < 1e-3 && (hi - 0.6873).abs() < 1e-3,
            "{lo} {hi}"
        );
        // FTE-based (not whole counts) and ratios above 1 have no interval.
        assert_eq!(at(Some(0.40), Some((4.5, 10.0))).interval, None);
    }

    #[test]
    fn downward_objectives_mirror_upward_ones() {
        let mut o = bound();
        o.baseline.value = 0.20; // vacancy rate 20 % -> 15 % -> 10 %
        o.milestones[0].value = 0.15;
        o.milestones[1].value = 0.10;
        assert!(!o.upward());
        let today = date("2026-01-01");
        let at = |v| judge(&o, seen("2025-11-01", Some(v), None), today).status;
        assert_eq!(at(0.09), Status::Achieved);
        assert_eq!(at(0.155), Status::OnTrack);
        assert_eq!(at(0.165), Status::AtRisk);
        assert_eq!(at(0.19), Status::OffTrack);
    }

    #[test]
    fn recorded_values_go_stale_after_their_days() {
        let o = objective(Indicator::Recorded {
            recorded: vec![Recorded {
                date: date("2025-11-01"),
                value: 0.5,
                source: "HR".into(),
            }],
        });
        let s = seen("2025-11-01", Some(0.5), None);
        assert!(!judge(&o, s, date("2026-12-05")).stale); // 399 days
        assert!(judge(&o, s, date("2026-12-07")).stale); // 401 days
        assert!(!judge(&bound(), s, date("2030-01-01")).stale);
    }
}
