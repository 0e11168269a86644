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
