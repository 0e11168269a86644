//! One objective over time, for its page and chart: its judgement, its indicator at every
//! census date with returns (the area's figure, England's, the statistical neighbours'
//! pooled), the trajectory and where the current trend leads. Every figure is asked
//! through [`super::value_at`], so each has the disclosure control the caller gets.

use chrono::NaiveDate;
use observatory_domain::charts::{Dated, Look, Series};
use observatory_domain::{codes, long_date};
use observatory_strategy::status::interval;
pub use observatory_strategy::{Indicator, Judgement, Objective, Projection, Recorded};

use super::{observe, value_at};
use crate::answers::Answers;
use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};
use crate::query::{Unit, measure_units};
use observatory_strategy::judge;

/// A figure of a series at one date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesPoint {
    pub date: NaiveDate,
    /// None when suppressed (or, for a recorded value, never).
    pub value: Option<f64>,
    pub suppressed: bool,
    /// The Wilson 95 % interval where the figure is a share of counts.
    pub interval: Option<[f64; 2]>,
}

/// A comparison series, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    Shown(Vec<SeriesPoint>),
    /// Why the comparison is not given, in words for the page.
    Withheld(String),
}

impl Comparison {
    /// The figures, when shown.
    pub fn points(&self) -> Option<&[SeriesPoint]> {
        match self {
            Comparison::Shown(p) => Some(p),
            Comparison::Withheld(_) => None,
        }
    }
}

/// Everything an objective's page shows.
#[derive(Debug, Clone)]
pub struct ObjectiveView {
    pub strategy_id: String,
    pub strategy_title: String,
    pub areas: Vec<String>,
    pub objective: Objective,
    pub judgement: Judgement,
    /// How the indicator's figures are written.
    pub unit: Unit,
    /// The indicator is a share (its trend is kept within 0 to 100 %).
    pub share: bool,
    /// The indicator for the strategy's areas at every census date (bound), or the
    /// values recorded (recorded).
    pub series: Vec<SeriesPoint>,
    /// The recorded values with their sources (empty for a bound indicator).
    pub recorded: Vec<Recorded>,
    /// The same measure and filters for England.
    pub england: Comparison,
    /// The same for the area's statistical neighbours pooled, and their codes.
    pub neighbours: Comparison,
    pub neighbour_areas: Vec<String>,
    /// Where the current trend leads by the last milestone's date.
    pub trend: Option<Projection>,
    /// How many figures were asked of the answer path (each cached by the answers).
    pub answers_asked: usize,
}

/// What a recorded indicator is not compared with.
const RECORDED: &str = "This indicator is recorded by hand, so there is no census figure for England or comparable areas to set beside it.";

/// An objective of a strategy with its series, comparisons and trend, for an actor who
/// may see the strategy (as [`super::status`] decides), judged on `today`.
pub async fn objective(
    db: &Database,
    actor: Actor<'_>,
    answers: &Answers,
    strategy_id: &str,
    objective_id: &str,
    today: NaiveDate,
) -> Result<ObjectiveView, ServiceError> {
    let (s, super::StoredStrategy { areas, .. }) = super::read(db, actor, strategy_id).await?;
    let Some(o) = s.objectives.into_iter().find(|o| o.id == objective_id) else {
        return Err(ServiceError::NotFound(format!(
            "The strategy {strategy_id} has no objective {objective_id}."
        )));
    };
    let dates = crate::returns::census_dates(db).await?;
    let seen = observe(db, actor, None, answers, &o, &areas, &dates).await?;
    let judgement = judge(&o, seen, today);
    let mut asked = usize::from(matches!(o.indicator, Indicator::Bound { .. }) && seen.is_some());
    let mut view = ObjectiveView {
        strategy_id: s.id,
        strategy_title: s.title,
        areas: areas.clone(),
        unit: Unit::Percentage,
        share: true,
        series: Vec::new(),
        recorded: Vec::new(),
        england: Comparison::Withheld(RECORDED.into()),
        neighbours: Comparison::Withheld(RECORDED.into()),
        neighbour_areas: Vec::new(),
        trend: None,
        answers_asked: 0,
        judgement,
        objective: o.clone(),
    };
    match &o.indicator {
        Indicator::Recorded { recorded } => {
            let mut recorded = recorded.clone();
            recorded.sort_by_key(|r| r.date);
            view.share = std::iter::once(&o.baseline)
                .chain(&o.milestones)
                .map(|p| p.value)
                .chain(recorded.iter().map(|r| r.value))
                .all(|v| (0.0..=1.0).contains(&v));
            view.unit = if view.share {
                Unit::Percentage
            } else {
                Unit::Ratio
            };
            view.series = recorded
                .iter()
                .map(|r| SeriesPoint {
                    date: r.date,
                    value: Some(r.value),
                    suppressed: false,
                    interval: None,
                })
                .collect();
            view.recorded = recorded;
        }
        Indicator::Bound { measure, filters } => {
            let (unit, _) = measure_units(measure).unwrap_or((Unit::Ratio, Unit::Ratio));
            view.unit = unit;
            view.share = unit == Unit::Percentage;
            let ask = |filters: Vec<String>, areas: Vec<String>| Asking {
                db,
                actor,
                answers,
                measure,
                filters,
                areas,
                dates: &dates,
            };
            view.series = ask(filters.clone(), areas.clone()).series().await?;
            asked += dates.len();
            // The comparisons ask the same measure and filters without the area.
            let elsewhere: Vec<String> = filters
                .iter()
                .filter(|f| !f.trim().starts_with("area="))
                .cloned()
                .collect();
            view.england = if policy::may_see_national(actor).is_ok() {
                asked += dates.len();
                Comparison::Shown(ask(elsewhere.clone(), Vec::new()).series().await?)
            } else {
                Comparison::Withheld(
                    "England's figures are shown to national analysts; you see the areas you plan for.".into(),
                )
            };
            view.neighbours = match &areas[..] {
                [area] => {
                    // Only neighbours with returns can be asked about (the others are
                    // not values the census knows).
                    let set = crate::neighbours::of(db, area).await?;
                    let with_returns = db.store.areas().await?;
                    view.neighbour_areas = set
                        .iter()
                        .filter(|n| with_returns.contains(n))
                        .cloned()
                        .collect();
                    if set.is_empty() {
                        Comparison::Withheld(
                            "No statistical neighbours are set for this area yet; they are set on the dashboard.".into(),
                        )
                    } else if view.neighbour_areas.is_empty() {
                        Comparison::Withheld(
                            "None of this area's statistical neighbours has census returns here yet, so there is nothing to compare with.".into(),
                        )
                    } else {
                        asked += dates.len();
                        Comparison::Shown(
                            ask(elsewhere, view.neighbour_areas.clone())
                                .series()
                                .await?,
                        )
                    }
                }
                _ => Comparison::Withheld(
                    "The strategy covers more than one area, so there are no single area's statistical neighbours to compare with.".into(),
                ),
            };
        }
    }
    let observed: Vec<(NaiveDate, Option<f64>)> =
        view.series.iter().map(|p| (p.date, p.value)).collect();
    view.trend = observatory_strategy::project(&o, &observed, view.share);
    view.answers_asked = asked;
    Ok(view)
}

/// One bound indicator asked at every census date, for some areas (none: England).
struct Asking<'a> {
    db: &'a Database,
    actor: Actor<'a>,
    answers: &'a Answers,
    measure: &'a str,
    filters: Vec<String>,
    areas: Vec<String>,
    dates: &'a [NaiveDate],
}

impl Asking<'_> {
    async fn series(&self) -> Result<Vec<SeriesPoint>, ServiceError> {
        let mut out = Vec::with_capacity(self.dates.len());
        for &d in self.dates {
            let asked = value_at(
                self.db,
                self.actor,
                None,
                self.answers,
                self.measure,
                &self.filters,
                &self.areas,
                d,
            )
            .await;
            let seen = match asked {
                Ok(seen) => seen,
                // An area with no returns at this date is not a value the census knows
                // then: no figure (a gap), not a failed page.
                Err(ServiceError::Invalid(why)) if why.contains("unknown value") => {
                    out.push(SeriesPoint {
                        date: d,
                        value: None,
                        suppressed: false,
                        interval: None,
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            out.push(SeriesPoint {
                date: d,
                value: seen.value,
                suppressed: seen.value.is_none(),
                interval: seen.value.and_then(|v| interval(v, seen.counts)),
            });
        }
        Ok(out)
    }
}

/// A row of an objective's table: a date and each series' figure at it, as people read
/// them.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    pub date: String,
    pub area: String,
    pub england: String,
    pub neighbours: String,
    pub trajectory: String,
}

/// Where the current trend leads, in a sentence.
pub fn trend_sentence(v: &ObjectiveView) -> String {
    match &v.trend {
        Some(t) => format!(
            "On the current trend: {} by {}{}. This is a straight line through the {} figures observed so far, not a forecast.",
            v.unit.format(t.value),
            long_date(t.date),
            if t.reaches_target {
                ", reaching the target"
            } else {
                ", short of the target"
            },
            t.trend.points
        ),
        None => "There are not yet two figures to draw a trend through (suppressed figures do not count).".into(),
    }
}

/// A figure as the page writes it: "c" when suppressed, with its interval when it has one.
fn cell(p: Option<&SeriesPoint>, unit: Unit) -> String {
    match p {
        None => String::new(),
        Some(p) if p.suppressed => "c".into(),
        Some(SeriesPoint {
            value: Some(v),
            interval: Some([lo, hi]),
            ..
        }) => format!(
            "{} ({} to {})",
            unit.format(*v),
            unit.format(*lo),
            unit.format(*hi)
        ),
        Some(p) => p.value.map(|v| unit.format(v)).unwrap_or_default(),
    }
}

/// The indicator in words: the measure's label and its filters as names, not codes.
pub fn in_words(indicator: &Indicator) -> String {
    match indicator {
        Indicator::Recorded { .. } => "Recorded by hand, with its source".into(),
        Indicator::Bound { measure, filters } => {
            let mut s = codes().measure_label(measure);
            let named: Vec<String> = filters
                .iter()
                .filter_map(|f| f.split_once('='))
                .map(|(k, v)| {
                    let (k, v) = (k.trim(), v.trim());
                    format!(
                        "{}: {}",
                        observatory_domain::Codes::heading_of(k),
                        codes().label_of(k, v)
                    )
                })
                .collect();
            if !named.is_empty() {
                s.push_str(&format!(" ({})", named.join("; ")));
            }
            s
        }
    }
}

fn dated(points: &[SeriesPoint]) -> Vec<Dated> {
    points
        .iter()
        .map(|p| Dated {
            date: p.date,
            value: p.value,
            suppressed: p.suppressed,
        })
        .collect()
}

/// The chart's series: the area (or areas), England and neighbours where shown, the
/// trajectory and the trend's projection.
pub fn chart(v: &ObjectiveView, place: &str) -> String {
    let o = &v.objective;
    let mut series = vec![Series {
        label: place.to_string(),
        look: Look::Area,
        points: dated(&v.series),
    }];
    if let Comparison::Shown(p) = &v.england {
        series.push(Series {
            label: "England".into(),
            look: Look::England,
            points: dated(p),
        });
    }
    if let Comparison::Shown(p) = &v.neighbours {
        series.push(Series {
            label: "Statistical neighbours".into(),
            look: Look::Neighbours,
            points: dated(p),
        });
    }
    series.push(Series {
        label: "Trajectory: baseline and milestones".into(),
        look: Look::Trajectory,
        points: std::iter::once(&o.baseline)
            .chain(&o.milestones)
            .map(|p| Dated {
                date: p.date,
                value: Some(p.value),
                suppressed: false,
            })
            .collect(),
    });
    if let (Some(t), Some(last)) = (&v.trend, v.series.iter().rev().find(|p| p.value.is_some())) {
        series.push(Series {
            label: "On the current trend".into(),
            look: Look::Trend,
            points: vec![
                Dated {
                    date: last.date,
                    value: last.value,
                    suppressed: false,
                },
                Dated {
                    date: t.date,
                    value: Some(t.value),
                    suppressed: false,
                },
            ],
        });
    }
    observatory_domain::charts::lines("objective-chart", &o.title, &series, v.unit)
}

/// The table: every census date of the series and every trajectory date, in order.
pub fn rows(v: &ObjectiveView) -> Vec<SeriesRow> {
    let o = &v.objective;
    let mut dates: Vec<NaiveDate> = v
        .series
        .iter()
        .map(|p| p.date)
        .chain(std::iter::once(o.baseline.date))
        .chain(o.milestones.iter().map(|m| m.date))
        .collect();
    dates.sort();
    dates.dedup();
    let at = |points: Option<&[SeriesPoint]>, d: NaiveDate| {
        cell(points.and_then(|p| p.iter().find(|p| p.date == d)), v.unit)
    };
    dates
        .into_iter()
        .map(|d| SeriesRow {
            date: long_date(d),
            area: at(Some(&v.series), d),
            england: at(v.england.points(), d),
            neighbours: at(v.neighbours.points(), d),
            trajectory: if d >= o.baseline.date {
                v.unit.format(o.trajectory(d))
            } else {
                String::new()
            },
        })
        .collect()
}

/// The areas by name ("Central Bedfordshire, Luton").
pub fn place(areas: &[String]) -> String {
    areas
        .iter()
        .map(|a| codes().area_name(a))
        .collect::<Vec<_>>()
        .join(", ")
}
