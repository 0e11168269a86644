//! How complete a census date is: returns stored against returns expected. Every answer
//! that depends on a census date carries it, so a figure read after an interrupted
//! manifest import, or before the last employers have returned, says it is partial
//! instead of passing for the whole census.

use anyhow::Result;
use chrono::NaiveDate;

use crate::database::Database;
use serde::Serialize;
use serde_json::{Value, json};

/// Returns stored and expected for one census date, in one area or everywhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Completeness {
    pub census_date: NaiveDate,
    /// The area counted (`None`: every area).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Employers whose return for the date is stored.
    pub returns_stored: usize,
    /// Employers expected to return (those that returned at the census before, those
    /// registered by hand) and any others that have returned.
    pub returns_expected: usize,
}

impl Completeness {
    pub fn complete(&self) -> bool {
        self.returns_stored >= self.returns_expected
    }

    /// One sentence for a table's notes or a page.
    pub fn sentence(&self) -> String {
        let date = observatory_domain::long_date(self.census_date);
        let place = self
            .area
            .as_deref()
            .map(|a| format!(" in {}", observatory_domain::codes().area_name(a)))
            .unwrap_or_default();
        if self.complete() {
            format!(
                "Returns for {date}{place}: all {} expected employers have returned.",
                self.returns_expected
            )
        } else {
            format!(
                "Returns for {date}{place}: {} of {} expected employers have returned ({}%), so these figures are partial and will change as the rest arrive.",
                self.returns_stored,
                self.returns_expected,
                self.returns_stored * 100 / self.returns_expected.max(1)
            )
        }
    }
}

/// The area a query is about, when its filters name exactly one.
pub fn area_of(filters: &[(String, String)]) -> Option<&str> {
    let mut areas = filters.iter().filter(|(k, _)| k == "area");
    match (areas.next(), areas.next()) {
        (Some((_, a)), None) => Some(a.as_str()),
        _ => None,
    }
}

/// How complete each census date is, in `area` or everywhere.
pub async fn of(
    db: &Database,
    dates: &[NaiveDate],
    area: Option<&str>,
) -> Result<Vec<Completeness>> {
    let mut out = Vec::with_capacity(dates.len());
    for &d in dates {
        let (stored, expected) = db.store.returns_counts(d, area).await?;
        out.push(Completeness {
            census_date: d,
            area: area.map(str::to_string),
            returns_stored: stored as usize,
            returns_expected: expected as usize,
        });
    }
    Ok(out)
}

/// The query contract's JSON with how complete its census dates are (`completeness`).
pub fn add_to_json(answer: &mut Value, completeness: &[Completeness]) {
    answer["completeness"] = json!(completeness);
}

/// The sentences for a table's notes.
pub fn notes(completeness: &[Completeness]) -> Vec<String> {
    completeness.iter().map(Completeness::sentence).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_and_whole_census_dates_say_so() {
        let date = NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
        let mut c = Completeness {
            census_date: date,
            area: Some("E06000056".into()),
            returns_stored: 30,
            returns_expected: 40,
        };
        assert!(!c.complete());
        assert_eq!(
            c.sentence(),
            "Returns for 1 November 2025 in Central Bedfordshire: 30 of 40 expected employers have returned (75%), so these figures are partial and will change as the rest arrive."
        );
        c.returns_stored = 40;
        assert!(c.sentence().contains("all 40 expected employers"));
        let f = vec![("area".to_string(), "E1".to_string())];
        assert_eq!(area_of(&f), Some("E1"));
        let two = vec![f[0].clone(), ("area".into(), "E2".into())];
        assert_eq!(area_of(&two), None);
        let mut v = json!({"measure": "posts"});
        add_to_json(&mut v, &[c]);
        assert_eq!(v["completeness"][0]["returns_stored"], 40);
        assert_eq!(v["completeness"][0]["census_date"], "2025-11-01");
    }
}
