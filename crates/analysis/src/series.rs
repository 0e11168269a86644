//! Series breaks: when a measure's definition or a code list changes between census
//! dates, the figures either side are not comparable and a chart must not join them.
//! Breaks are declared in `data/series_breaks.csv` (what the data cannot show) and
//! detected from the cubes themselves when they were built from different code lists.

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::cube::Cube;
use crate::population::{DataFileError, DataProblem, read_rows};

const SHIPPED: &str = include_str!("../../../data/series_breaks.csv");

/// A break in a series: the figure at `census_date` is not comparable with the one at
/// the census date before it in the same result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesBreak {
    /// The later census date of the two the break lies between.
    pub census_date: NaiveDate,
    /// Why, in a plain sentence (several reasons are joined with "; ").
    pub reason: String,
}

/// Declared breaks: (measure name or `*`, first census date under the new definition,
/// reason).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesBreaks {
    entries: Vec<(String, NaiveDate, String)>,
}

impl SeriesBreaks {
    /// Reads breaks from CSV text with the columns `measure` (a measure name, or `*` for
    /// every measure), `census_date` (YYYY-MM-DD) and `reason`.
    pub fn from_csv(text: &str) -> Result<SeriesBreaks, DataFileError> {
        const WHAT: &str = "the series breaks file";
        let (rows, mut problems) = read_rows(text, WHAT, &["measure", "census_date", "reason"])?;
        let names = crate::measures::measure_names();
        let mut entries = Vec::new();
        for (line, v) in rows {
            let problem = |column: &str, value: &str, message: &str| DataProblem {
                line,
                column: column.to_string(),
                value: value.to_string(),
                message: message.to_string(),
            };
            let measure = v[0].to_ascii_lowercase();
            if measure != "*" && !names.contains(&measure) {
                problems.push(problem(
                    "measure",
                    &v[0],
                    "not a measure name; give a measure from the catalogue or * for all",
                ));
                continue;
            }
            let Ok(date) = NaiveDate::parse_from_str(&v[1], "%Y-%m-%d") else {
                problems.push(problem(
                    "census_date",
                    &v[1],
                    "not a date; write it as YYYY-MM-DD",
                ));
                continue;
            };
            if v[2].is_empty() {
                problems.push(problem(
                    "reason",
                    "",
                    "say why the series breaks; users see this",
                ));
                continue;
            }
            entries.push((measure, date, v[2].clone()));
        }
        problems.sort_by_key(|p| p.line);
        if problems.is_empty() {
            Ok(SeriesBreaks { entries })
        } else {
            Err(DataFileError {
                what: WHAT.to_string(),
                problems,
            })
        }
    }

    /// The breaks shipped in `data/series_breaks.csv`.
    pub fn shipped() -> &'static SeriesBreaks {
        static SHIPPED_BREAKS: OnceLock<SeriesBreaks> = OnceLock::new();
        SHIPPED_BREAKS.get_or_init(|| {
            SeriesBreaks::from_csv(SHIPPED).expect("the shipped data/series_breaks.csv is valid")
        })
    }
}

/// The breaks in a series of `measure` over `dates` (ascending), each date's figures
/// having been computed from `cubes[i]`: a declared break dated after one date and up to
/// the next applies to the next; a change of code lists between two cubes is a break too.
pub(crate) fn breaks_for(
    measure: &str,
    dates: &[NaiveDate],
    cubes: &[&Cube],
    declared: &SeriesBreaks,
) -> Vec<SeriesBreak> {
    let mut out = Vec::new();
    for i in 1..dates.len() {
        let (before, at) = (dates[i - 1], dates[i]);
        let mut reasons: Vec<String> = declared
            .entries
            .iter()
            .filter(|(m, d, _)| (m == "*" || m == measure) && before < *d && *d <= at)
            .map(|(_, _, r)| r.clone())
            .collect();
        if cubes[i - 1].codes_fingerprint != cubes[i].codes_fingerprint {
            reasons.push(format!(
                "the code lists changed between {before} and {at}, so groups may not match"
            ));
        }
        if !reasons.is_empty() {
            out.push(SeriesBreak {
                census_date: at,
                reason: reasons.join("; "),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_breaks_parse_with_clear_problems() {
        // The shipped file parses (it declares no break yet: only its header).
        assert_eq!(SeriesBreaks::shipped(), &SeriesBreaks::default());
        let b = SeriesBreaks::from_csv(
            "measure,census_date,reason\nturnover_rate,2025-11-01,Leavers now include agency staff\n*,2024-06-01,New role list\n",
        )
        .unwrap();
        assert_eq!(b.entries.len(), 2);
        let e = SeriesBreaks::from_csv(
            "measure,census_date,reason\nturnover,2025-11-01,x\nposts,1/11/2025,x\nposts,2025-11-01,\n",
        )
        .unwrap_err();
        let got: Vec<String> = e.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "line 2, column measure ('turnover'): not a measure name; give a measure from the catalogue or * for all",
                "line 3, column census_date ('1/11/2025'): not a date; write it as YYYY-MM-DD",
                "line 4, column reason: say why the series breaks; users see this",
            ]
        );
    }
}
