//! The strategy's "workforce data and data issues" section, made from the census for
//! the strategy's areas: headline figures at the latest census date (the list is data,
//! `data/strategy/workforce_measures.csv`), each asked through the one answer path under
//! the caller's disclosure control, and the data issues: how complete the returns were
//! at each census date and which figures are suppressed.

use std::sync::OnceLock;

use chrono::NaiveDate;
use observatory_domain::codes;

use crate::answers::{Answers, Ask};
use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::Actor;
use crate::query::{Unit, measure_units};

/// The figures the section gives: measure, optional breakdown, filters (`;` between
/// them) and what each tells a planner.
const MEASURES: &str = include_str!("../../../../data/strategy/workforce_measures.csv");

/// One figure of the section as listed in the data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub measure: String,
    /// A breakdown (`sector`, `ethnic_group`), or empty for one figure.
    pub by: String,
    pub filters: Vec<String>,
    pub why: String,
}

/// The figures the section gives, in order.
pub fn wanted() -> &'static [Wanted] {
    static LIST: OnceLock<Vec<Wanted>> = OnceLock::new();
    LIST.get_or_init(|| {
        csv::Reader::from_reader(MEASURES.as_bytes())
            .records()
            .map(|r| {
                let r = r.expect("workforce_measures.csv is valid CSV");
                Wanted {
                    measure: r[0].to_string(),
                    by: r[1].trim().to_string(),
                    filters: r[2]
                        .split(';')
                        .map(str::trim)
                        .filter(|f| !f.is_empty())
                        .map(String::from)
                        .collect(),
                    why: r[3].to_string(),
                }
            })
            .collect()
    })
}

/// One figure: a value, or suppressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// What it is: the measure's label, or the breakdown's value ("Early years").
    pub label: String,
    pub value: Option<f64>,
    pub suppressed: bool,
    /// For representation_ratio: the workforce's share and the population's.
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
}

/// A figure or a breakdown of one measure, as asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub measure: String,
    /// The measure's label ("Vacancy rate").
    pub label: String,
    pub why: String,
    pub unit: Unit,
    /// The breakdown (empty: one figure) and the filters asked (the areas included), as
    /// the explorer and the downloads take them.
    pub by: String,
    pub filters: Vec<String>,
    /// One figure, or one a row of the breakdown.
    pub figures: Vec<Figure>,
}

/// How complete the returns were at one census date, over the strategy's areas.
#[derive(Debug, Clone, PartialEq)]
pub struct Returned {
    pub date: NaiveDate,
    pub expected: usize,
    /// Expected employers that have returned.
    pub returned_expected: usize,
    /// Every employer that returned, expected or not.
    pub returned: usize,
    /// The share of expected employers that returned (None: none expected).
    pub response_rate: Option<f64>,
}

/// The section.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkforceData {
    pub strategy_id: String,
    pub strategy_title: String,
    pub areas: Vec<String>,
    /// The latest census date with returns (None: no returns yet).
    pub date: Option<NaiveDate>,
    /// Headline figures (one figure each), then breakdowns.
    pub headlines: Vec<Block>,
    pub breakdowns: Vec<Block>,
    /// Returns per census date, oldest first.
    pub returns: Vec<Returned>,
    /// The figures suppressed at the latest date, in words ("Vacancy rate: Youth
    /// justice").
    pub suppressed: Vec<String>,
}

/// The workforce data section of a strategy, for an actor who may see the strategy.
pub async fn section(
    db: &Database,
    actor: Actor<'_>,
    answers: &Answers,
    strategy_id: &str,
) -> Result<WorkforceData, ServiceError> {
    let (s, super::StoredStrategy { areas, .. }) = super::read(db, actor, strategy_id).await?;
    let dates = crate::returns::census_dates(db).await?;
    let mut out = WorkforceData {
        strategy_id: s.id,
        strategy_title: s.title,
        areas: areas.clone(),
        date: dates.last().copied(),
        headlines: Vec::new(),
        breakdowns: Vec::new(),
        returns: Vec::new(),
        suppressed: Vec::new(),
    };
    let Some(date) = out.date else {
        return Ok(out);
    };
    for w in wanted() {
        let mut filters = w.filters.clone();
        filters.extend(areas.iter().map(|a| format!("area={a}")));
        let ask = Ask {
            measure: w.measure.clone(),
            by: if w.by.is_empty() {
                vec![]
            } else {
                vec![w.by.clone()]
            },
            filters,
            dates: vec![date.to_string()],
            ..Default::default()
        };
        let answer = answers.answer(db, actor, &ask).await?.to_json();
        let label = codes().measure_label(&w.measure);
        let figures: Vec<Figure> = answer["rows"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|row| {
                let suppressed = row["suppressed"] == true;
                Figure {
                    label: if w.by.is_empty() {
                        label.clone()
                    } else {
                        codes().label_of(&w.by, row[w.by.as_str()].as_str().unwrap_or(""))
                    },
                    value: row["value"].as_f64().filter(|_| !suppressed),
                    suppressed,
                    numerator: row["numerator"].as_f64().filter(|_| !suppressed),
                    denominator: row["denominator"].as_f64().filter(|_| !suppressed),
                }
            })
            .collect();
        out.suppressed
            .extend(figures.iter().filter(|f| f.suppressed).map(|f| {
                if w.by.is_empty() {
                    label.clone()
                } else {
                    format!("{label}: {}", f.label)
                }
            }));
        let block = Block {
            unit: measure_units(&w.measure).map_or(Unit::Ratio, |(u, _)| u),
            measure: w.measure.clone(),
            label,
            why: w.why.clone(),
            by: w.by.clone(),
            filters: ask.filters,
            figures,
        };
        if w.by.is_empty() {
            out.headlines.push(block);
        } else {
            out.breakdowns.push(block);
        }
    }
    for &d in &dates {
        let mut r = Returned {
            date: d,
            expected: 0,
            returned_expected: 0,
            returned: 0,
            response_rate: None,
        };
        for a in &areas {
            // Only the counts are given (no employer is named), and whoever reads the
            // strategy may read its data issues, partners included: the strategy's read
            // rule, checked above, is the rule here rather than the returns tracker's.
            let st = crate::returns::Status {
                census_date: d,
                area: a.clone(),
                employers: db.store.returns_status(d, Some(a)).await?,
                approvals: db.store.approvals(d).await?,
            };
            r.expected += st.expected();
            r.returned_expected += st.returned_expected();
            r.returned += st.returned();
        }
        r.response_rate = (r.expected > 0).then(|| r.returned_expected as f64 / r.expected as f64);
        out.returns.push(r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listed_figures_are_census_measures_with_known_breakdowns() {
        let names = crate::query::measure_names();
        assert!(wanted().len() > 10);
        for w in wanted() {
            assert!(names.contains(&w.measure), "{} is not a measure", w.measure);
            assert!(!w.why.is_empty());
            if !w.by.is_empty() {
                assert!(codes().list_for(&w.by).is_some(), "{}", w.by);
            }
        }
    }
}
