//! "On the current trend": a straight line fitted by least squares through an
//! indicator's observed values (x in calendar days), carried forward to a date (the last
//! milestone's), and whether the target would be reached there. A projection from the
//! series alone, said as such; a model-based forecast is a later issue's.

use chrono::NaiveDate;

use crate::model::Objective;

/// A fitted line: `value = at_origin + per_day * (date - origin)` in days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    pub origin: NaiveDate,
    pub at_origin: f64,
    pub per_day: f64,
    /// How many observed points it rests on (at least 2).
    pub points: usize,
}

/// Where the trend leads by a date, and whether the objective's target is reached there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub date: NaiveDate,
    pub value: f64,
    /// The last milestone is reached or passed (in the objective's direction) by `date`.
    pub reaches_target: bool,
    pub trend: Trend,
}

impl Trend {
    /// The least-squares line through the observed values (`None` values, the
    /// suppressed ones, are left out). None with fewer than two observed points or when
    /// they all fall on one date.
    pub fn fit(points: &[(NaiveDate, Option<f64>)]) -> Option<Trend> {
        let seen: Vec<(NaiveDate, f64)> = points
            .iter()
            .filter_map(|(d, v)| v.filter(|v| v.is_finite()).map(|v| (*d, v)))
            .collect();
        let origin = seen.iter().map(|(d, _)| *d).min()?;
        let n = seen.len() as f64;
        let xs: Vec<f64> = seen
            .iter()
            .map(|(d, _)| (*d - origin).num_days() as f64)
            .collect();
        let mean_x = xs.iter().sum::<f64>() / n;
        let mean_y = seen.iter().map(|(_, v)| v).sum::<f64>() / n;
        let sxx: f64 = xs.iter().map(|x| (x - mean_x).powi(2)).sum();
        if seen.len() < 2 || sxx == 0.0 {
            return None;
        }
        let sxy: f64 = xs
            .iter()
            .zip(&seen)
            .map(|(x, (_, y))| (x - mean_x) * (y - mean_y))
            .sum();
        let per_day = sxy / sxx;
        Some(Trend {
            origin,
            at_origin: mean_y - per_day * mean_x,
            per_day,
            points: seen.len(),
        })
    }

    /// The line's value at `d`, kept within [0, 1] when the measure is a share.
    pub fn at(&self, d: NaiveDate, share: bool) -> f64 {
        let v = self.at_origin + self.per_day * (d - self.origin).num_days() as f64;
        if share { v.clamp(0.0, 1.0) } else { v }
    }
}

/// The objective's indicator on the current trend at its last milestone's date, from
/// its observed series; None with fewer than two observed points.
pub fn project(
    o: &Objective,
    observed: &[(NaiveDate, Option<f64>)],
    share: bool,
) -> Option<Projection> {
    let trend = Trend::fit(observed)?;
    let target = o.target();
    let value = trend.at(target.date, share);
    Some(Projection {
        date: target.date,
        value,
        reaches_target: if o.upward() {
            value >= target.value
        } else {
            value <= target.value
        },
        trend,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Indicator, Point};

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn two_points_give_the_exact_line_through_them() {
        // 0.40 on 1 November 2024 to 0.50 on 1 November 2025 (365 days).
        let t = Trend::fit(&[
            (date("2024-11-01"), Some(0.40)),
            (date("2025-11-01"), Some(0.50)),
        ])
        .unwrap();
        assert!(close(t.at(date("2024-11-01"), true), 0.40));
        assert!(close(t.at(date("2025-11-01"), true), 0.50));
        assert!(close(t.per_day, 0.10 / 365.0));
        // Two more years (730 days) at 0.1 / 365 a day.
        let by = date("2027-11-01");
        assert!(close(t.at(by, true), 0.50 + 0.10 * 730.0 / 365.0));
        // A share never passes 1, nor falls below 0; other measures may.
        assert_eq!(t.at(date("2040-01-01"), true), 1.0);
        assert!(t.at(date("2040-01-01"), false) > 1.0);
        assert_eq!(t.at(date("2000-01-01"), true), 0.0);
    }

    #[test]
    fn three_points_hand_computed() {
        // x = 0, 10, 20 days; y = 1, 3, 2. Means 10 and 2; Sxx = 200, Sxy = 10:
        // slope 0.05 a day, intercept 2 - 0.05 * 10 = 1.5.
        let d0 = date("2025-01-01");
        let t = Trend::fit(&[
            (d0, Some(1.0)),
            (date("2025-01-11"), Some(3.0)),
            (date("2025-01-21"), Some(2.0)),
        ])
        .unwrap();
        assert!(close(t.per_day, 0.05), "{t:?}");
        assert!(close(t.at_origin, 1.5), "{t:?}");
        assert_eq!(t.points, 3);
        assert!(close(t.at(date("2025-02-10"), false), 1.5 + 0.05 * 40.0));
    }

    #[test]
    fn suppressed_points_are_left_out_and_one_point_is_no_trend() {
        let a = (date("2023-11-01"), Some(0.2));
        let b = (date("2025-11-01"), Some(0.4));
        let hidden = (date("2024-11-01"), None);
        let with = Trend::fit(&[a, hidden, b]).unwrap();
        assert_eq!(with, Trend::fit(&[a, b]).unwrap());
        assert_eq!(with.points, 2);
        assert_eq!(Trend::fit(&[a, hidden]), None);
        assert_eq!(Trend::fit(&[a]), None);
        assert_eq!(Trend::fit(&[]), None);
        // Two values on one date give no slope.
        assert_eq!(Trend::fit(&[a, (a.0, Some(0.3))]), None);
    }

    #[test]
    fn the_projection_says_whether_the_target_is_reached() {
        let mut o = Objective {
            id: "l3".into(),
            title: "More staff qualified".into(),
            owner: "Lead".into(),
            owner_email: None,
            indicator: Indicator::Bound {
                measure: "qualified_share_l3".into(),
                filters: vec![],
            },
            baseline: Point {
                date: date("2024-11-01"),
                value: 0.40,
            },
            milestones: vec![Point {
                date: date("2027-11-01"),
                value: 0.70,
            }],
            tolerance: None,
            stale_after_days: None,
            scenario: None,
        };
        let series = [
            (date("2024-11-01"), Some(0.40)),
            (date("2025-11-01"), Some(0.50)),
        ];
        let p = project(&o, &series, true).unwrap();
        assert_eq!(p.date, date("2027-11-01"));
        // 0.50 + 0.1 * 730 / 365 = 0.70: reached, just.
        assert!(close(p.value, 0.70) && p.reaches_target, "{p:?}");
        o.milestones[0].value = 0.75;
        assert!(!project(&o, &series, true).unwrap().reaches_target);
        // Downward: a vacancy rate falling from 0.20 towards 0.10 while it rises.
        o.baseline.value = 0.20;
        o.milestones[0].value = 0.10;
        assert!(!project(&o, &series, true).unwrap().reaches_target);
        assert_eq!(project(&o, &series[..1], true), None);
    }
}
