//! Arithmetic rules shared by validation and analysis: age on the census date, age
//! bands, working pattern, FTE text.

use chrono::{Datelike, NaiveDate};

/// The smallest primary-suppression threshold allowed (spec: "never below 3").
pub const MIN_SUPPRESSION_THRESHOLD: u64 = 3;
/// The disclosure threshold used unless configured otherwise: figures about fewer people
/// are suppressed or perturbed. One constant, here at the bottom of the workspace, so the
/// command line's defaults, the web app, the publication and the analysis crate cannot
/// drift apart.
pub const DEFAULT_SUPPRESSION_THRESHOLD: u64 = 5;

/// Age as the measures define it: census year minus birth year.
pub fn age(census_date: NaiveDate, birth_year: u16) -> i32 {
    census_date.year() - birth_year as i32
}

/// Age bands `under_20`, `20_24` ... `60_64`, `65_plus`.
pub const AGE_BANDS: [&str; 11] = [
    "under_20", "20_24", "25_29", "30_34", "35_39", "40_44", "45_49", "50_54", "55_59", "60_64",
    "65_plus",
];

pub fn age_band(age: i32) -> usize {
    if age < 20 {
        0
    } else if age >= 65 {
        10
    } else {
        ((age - 20) / 5 + 1) as usize
    }
}

/// `full_time` when fte >= 0.9, else `part_time`.
pub const WORKING_PATTERNS: [&str; 2] = ["full_time", "part_time"];

pub fn working_pattern(fte_hundredths: u32) -> usize {
    if fte_hundredths >= 90 { 0 } else { 1 }
}

/// Parse an FTE or other decimal into hundredths, rounding half up ("0.333" -> 33).
pub fn parse_hundredths(text: &str) -> Option<u32> {
    let v: f64 = text.trim().parse().ok()?;
    if !v.is_finite() || !(0.0..=4.0e7).contains(&v) {
        return None;
    }
    Some((v * 100.0 + 0.5 + 1e-9).floor() as u32)
}

/// Hundredths back to a decimal string ("33" -> "0.33").
pub fn format_hundredths(h: u32) -> String {
    format!("{}.{:02}", h / 100, h % 100)
}

/// The date 12 months before a census date (leave dates must fall after it).
pub fn year_before(census_date: NaiveDate) -> NaiveDate {
    census_date
        .checked_sub_months(chrono::Months::new(12))
        .expect("census dates are ordinary dates")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_patterns_and_fte() {
        assert_eq!(AGE_BANDS[age_band(19)], "under_20");
        assert_eq!(AGE_BANDS[age_band(20)], "20_24");
        assert_eq!(AGE_BANDS[age_band(54)], "50_54");
        assert_eq!(AGE_BANDS[age_band(55)], "55_59");
        assert_eq!(AGE_BANDS[age_band(64)], "60_64");
        assert_eq!(AGE_BANDS[age_band(65)], "65_plus");
        assert_eq!(WORKING_PATTERNS[working_pattern(90)], "full_time");
        assert_eq!(WORKING_PATTERNS[working_pattern(89)], "part_time");
        assert_eq!(parse_hundredths("0.333"), Some(33));
        assert_eq!(parse_hundredths("0.335"), Some(34));
        assert_eq!(parse_hundredths("1"), Some(100));
        assert_eq!(parse_hundredths("abc"), None);
        assert_eq!(format_hundredths(5), "0.05");
        let d = NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
        assert_eq!(age(d, 1970), 55);
        assert_eq!(
            year_before(d),
            NaiveDate::from_ymd_opt(2024, 11, 1).unwrap()
        );
    }
}
