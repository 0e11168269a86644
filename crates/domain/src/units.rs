//! How figures and dates are written for people, defined once for the pages, the
//! downloads and the publication. Dates read "1 November 2025" ([`long_date`]); the
//! unit each figure is shown in: a count with thousands separators, full-time equivalents to one decimal,
//! a percentage, a ratio where 1 means "the same as", or money in pounds. A measure's
//! units come from its definition (`observatory_analysis::measure_units`), never from
//! how its value happens to look.

use crate::charts::thousands;

/// A date as GOV.UK writes it: "1 November 2025".
pub fn long_date(date: chrono::NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// A stored time (UTC, "2025-11-03T10:12:00Z") as people in the UK read it, in UK
/// time and GOV.UK style: "3 November 2025 at 10:12am". Anything else is shown as given.
pub fn uk_time(stored: &str) -> String {
    use chrono::Timelike;
    let Ok(utc) = chrono::NaiveDateTime::parse_from_str(stored.trim(), "%Y-%m-%dT%H:%M:%SZ") else {
        return stored.to_string();
    };
    let local = utc + chrono::Duration::hours(i64::from(british_summer_time(utc)));
    let (pm, hour) = local.hour12();
    let time = match (local.hour(), local.minute()) {
        (0, 0) => "midnight".to_string(),
        (12, 0) => "midday".to_string(),
        (_, m) => format!("{hour}:{m:02}{}", if pm { "pm" } else { "am" }),
    };
    format!("{} at {time}", long_date(local.date()))
}

/// Today's date in the UK (what "due today" and "overdue" mean to people here).
pub fn uk_today() -> chrono::NaiveDate {
    let utc = chrono::Utc::now().naive_utc();
    (utc + chrono::Duration::hours(i64::from(british_summer_time(utc)))).date()
}

/// Whether a UTC time falls in British Summer Time: from 1am UTC on the last Sunday of
/// March to 1am UTC on the last Sunday of October.
fn british_summer_time(utc: chrono::NaiveDateTime) -> bool {
    use chrono::Datelike;
    let last_sunday = |month: u32| {
        let next = chrono::NaiveDate::from_ymd_opt(utc.year(), month + 1, 1).expect("a month");
        let last = next.pred_opt().expect("a day");
        let back = last.weekday().num_days_from_sunday();
        (last - chrono::Duration::days(i64::from(back)))
            .and_hms_opt(1, 0, 0)
            .expect("1am")
    };
    utc >= last_sunday(3) && utc < last_sunday(10)
}

/// How a figure is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// People, posts, vacancies: whole numbers, "1,234".
    Count,
    /// Full-time equivalents: one decimal, "1,234.5".
    Fte,
    /// A fraction shown as a percentage: 0.125 is "12.5%".
    Percentage,
    /// A ratio where 1 is "the same as": "1.12".
    Ratio,
    /// Pounds a year: "£24,500".
    Money,
}

impl Unit {
    /// `v` as people read it in this unit.
    pub fn format(self, v: f64) -> String {
        let sign = if v < 0.0 { "-" } else { "" };
        match self {
            Unit::Count if v.fract() == 0.0 => thousands(v),
            // A count that is not whole (a mean, an estimate): one decimal.
            Unit::Count | Unit::Fte => {
                let tenths = (v.abs() * 10.0).round();
                format!(
                    "{sign}{}.{}",
                    thousands((tenths / 10.0).trunc()),
                    (tenths % 10.0) as u8
                )
            }
            Unit::Percentage => format!("{:.1}%", v * 100.0),
            Unit::Ratio => format!("{v:.2}"),
            Unit::Money => format!("{sign}£{}", thousands(v.abs().round())),
        }
    }

    /// The heading of a column of values in this unit.
    pub fn heading(self) -> &'static str {
        match self {
            Unit::Count => "Number",
            Unit::Fte => "Full-time equivalent",
            Unit::Percentage => "Per cent",
            Unit::Ratio => "Ratio (1 = the same)",
            Unit::Money => "Pounds a year",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_uk_time() {
        assert_eq!(
            uk_time("2025-11-03T10:12:00Z"),
            "3 November 2025 at 10:12am"
        );
        assert_eq!(uk_time("2025-07-01T11:00:00Z"), "1 July 2025 at midday");
        assert_eq!(uk_time("2025-07-01T23:30:00Z"), "2 July 2025 at 12:30am");
        // BST ends at 1am UTC on the last Sunday of October (26 October 2025).
        assert_eq!(uk_time("2025-10-26T00:59:00Z"), "26 October 2025 at 1:59am");
        assert_eq!(uk_time("2025-10-26T01:00:00Z"), "26 October 2025 at 1:00am");
        assert_eq!(uk_time("2025-03-30T01:00:00Z"), "30 March 2025 at 2:00am");
        assert_eq!(uk_time("yesterday"), "yesterday");
    }

    #[test]
    fn each_unit_is_written_its_own_way() {
        assert_eq!(Unit::Count.format(1234567.0), "1,234,567");
        assert_eq!(Unit::Count.format(12.25), "12.3");
        assert_eq!(Unit::Fte.format(1234.56), "1,234.6");
        assert_eq!(Unit::Fte.format(3.0), "3.0");
        assert_eq!(Unit::Fte.format(-0.25), "-0.3");
        assert_eq!(Unit::Percentage.format(0.0841), "8.4%");
        assert_eq!(Unit::Ratio.format(1.1234), "1.12");
        assert_eq!(Unit::Money.format(24499.6), "£24,500");
        assert_eq!(Unit::Money.format(-1200.0), "-£1,200");
    }
}
