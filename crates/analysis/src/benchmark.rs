//! Benchmarking an employer or an area against a comparison group, as ASC-WDS does for
//! adult social care employers: the subject's figure beside the group's median and
//! quartiles and the subject's rank in it. Members whose own figure rests on too few
//! people are left out (and counted); a group too small to hide its members is
//! suppressed whole.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::AnalysisError;
use crate::cube::Cube;
use crate::dims::{Dim, NOT_KNOWN};
use crate::engine::quantile_f64;
use crate::measures::MeasureKind;
use crate::query::{MIN_SUPPRESSION_THRESHOLD, Query, QueryResult, run_query};

/// Who is benchmarked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Subject {
    /// An employer, by its id in the returns.
    Employer(String),
    /// An area, by its GSS code.
    Area(String),
}

/// Whom the subject is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "members")]
pub enum Group {
    /// Employers whose main setting type and area (those holding most of their posts)
    /// are the subject employer's. Employers only.
    SameSettingTypeInArea,
    /// Employers whose main sector (the sector holding most of their posts) is the
    /// subject's, anywhere in the country; for an area, every other area.
    SameSectorNationally,
    /// The members listed (statistical neighbours): employer ids or area codes.
    Neighbours(Vec<String>),
}

/// A subject's figure beside its comparison group's distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkResult {
    /// The measure's catalogue name.
    pub measure: String,
    /// How to read the figures.
    pub kind: MeasureKind,
    /// The census date compared.
    pub census_date: NaiveDate,
    /// Who is benchmarked.
    pub subject: Subject,
    /// The comparison group as asked.
    pub group: Group,
    /// The comparison group in words, e.g. "employers whose main setting type is
    /// full_daycare in area E06000056".
    pub group_description: String,
    /// The subject's figure; `None` when suppressed or undefined.
    pub subject_value: Option<f64>,
    /// The subject's figure is hidden: it rests on fewer people than the threshold (or
    /// there is none, e.g. a rate over nothing).
    pub subject_suppressed: bool,
    /// Members of the group, not counting the subject.
    pub members: u64,
    /// Members left out of the distribution: their figure rests on fewer people than
    /// the threshold, or they have none.
    pub members_left_out: u64,
    /// Members whose figures make the distribution.
    pub members_compared: u64,
    /// The members' median figure (type 7 quantiles, as the measures).
    pub median: Option<f64>,
    /// The members' lower quartile.
    pub lower_quartile: Option<f64>,
    /// The members' upper quartile.
    pub upper_quartile: Option<f64>,
    /// Fewer members than the threshold remain, so the group's figures are hidden.
    pub group_suppressed: bool,
    /// The subject's rank among the compared members and itself, 1 for the highest
    /// figure (ties share the better rank).
    pub rank: Option<u64>,
    /// How many figures the rank is among (compared members + the subject).
    pub ranked_among: Option<u64>,
    /// The share of compared members whose figure is below the subject's, ties counted
    /// half (0.5 = the middle of the group).
    pub percentile: Option<f64>,
    /// The disclosure threshold applied.
    pub threshold: u64,
}

/// One member's figure.
struct Figure {
    member: String,
    value: Option<f64>,
    basis: u64,
}

fn figures(r: &QueryResult) -> Vec<Figure> {
    r.rows
        .iter()
        .map(|row| Figure {
            member: row.keys[0].clone(),
            value: row.value,
            basis: row.basis,
        })
        .collect()
}

/// Each member's main value of breakdowns `by[1..]`: the one holding most of its posts
/// (ties: the first in the result's order).
fn main_values(
    cubes: &[&Cube],
    date: NaiveDate,
    by: &[&str],
) -> Result<Vec<(String, Vec<String>)>, AnalysisError> {
    let q = Query {
        measure: "posts".into(),
        by: by.iter().map(|s| s.to_string()).collect(),
        filters: vec![("census_date".into(), date.to_string())],
    };
    let r = run_query(cubes, &q)?;
    let mut best: Vec<(String, Vec<String>, f64)> = Vec::new();
    for row in &r.rows {
        let n = row.value.unwrap_or(0.0);
        match best.iter_mut().find(|b| b.0 == row.keys[0]) {
            Some(b) if n > b.2 => {
                b.1 = row.keys[1..].to_vec();
                b.2 = n;
            }
            Some(_) => {}
            None => best.push((row.keys[0].clone(), row.keys[1..].to_vec(), n)),
        }
    }
    Ok(best.into_iter().map(|(m, v, _)| (m, v)).collect())
}

/// Benchmarks `subject` on the measure and filters of `query` (whose `by` must be
/// empty) against `group`, at the census date the query's census_date filter names, or
/// else the latest of `cubes` (earlier cubes serve measures that compare with the census
/// before). Members whose figure rests on fewer than `threshold` people (raised to
/// [`MIN_SUPPRESSION_THRESHOLD`]) are left out of the distribution; with fewer than
/// `threshold` members left the group's figures are suppressed, and so is a subject's
/// figure resting on fewer people.
pub fn benchmark(
    cubes: &[&Cube],
    query: &Query,
    subject: &Subject,
    group: &Group,
    threshold: u64,
) -> Result<BenchmarkResult, AnalysisError> {
    let threshold = threshold.max(MIN_SUPPRESSION_THRESHOLD);
    if query.by.iter().any(|b| !b.trim().is_empty()) {
        return Err(AnalysisError::NeedsMore(
            "a benchmark compares one figure per employer or area; leave --by empty".into(),
        ));
    }
    let latest = cubes
        .iter()
        .map(|c| c.census_date())
        .max()
        .ok_or(AnalysisError::NoCensus)?;
    let date = match query
        .filters
        .iter()
        .find(|(d, _)| d.trim().eq_ignore_ascii_case("census_date"))
    {
        Some((_, v)) => crate::query::check_date(cubes, v.trim())?,
        None => latest,
    };
    let cube = *cubes
        .iter()
        .find(|c| c.census_date() == date)
        .expect("check_date found it");
    let (dim, id) = match subject {
        Subject::Employer(e) => (Dim::Employer, e),
        Subject::Area(a) => (Dim::Area, a),
    };
    let unknown = |value: &str, hint: &str| AnalysisError::UnknownValue {
        breakdown: dim.name().to_string(),
        value: value.to_string(),
        hint: format!("{hint} (census {date})"),
    };
    let subject_code = cube
        .dictionary_code(dim, id)
        .ok_or_else(|| unknown(id, ""))?;
    let subject_id = cube.label(dim, subject_code);

    // The members, by their labels in the cube, without the subject.
    let (members, description): (Vec<String>, String) = match (group, subject) {
        (Group::Neighbours(list), _) => {
            let mut members: Vec<String> = Vec::new();
            for m in list {
                let code = cube
                    .dictionary_code(dim, m)
                    .ok_or_else(|| unknown(m, " in the neighbours list"))?;
                let label = cube.label(dim, code);
                if label != subject_id && !members.contains(&label) {
                    members.push(label);
                }
            }
            let what = format!("the {} listed as neighbours", plural(dim));
            (members, what)
        }
        (Group::SameSettingTypeInArea, Subject::Employer(_)) => {
            let mains = main_values(cubes, date, &["employer", "setting_type", "area"])?;
            peers(mains, &subject_id, date, |v| {
                format!(
                    "employers whose main setting type is {} in area {}",
                    v[0], v[1]
                )
            })?
        }
        (Group::SameSectorNationally, Subject::Employer(_)) => {
            let mains = main_values(cubes, date, &["employer", "sector"])?;
            peers(mains, &subject_id, date, |v| {
                format!("employers whose main sector is {} nationally", v[0])
            })?
        }
        (Group::SameSectorNationally, Subject::Area(_)) => {
            let members = cube
                .areas
                .iter()
                .filter(|a| **a != subject_id && a.as_str() != NOT_KNOWN)
                .cloned()
                .collect();
            (members, "every other area in the country".to_string())
        }
        (Group::SameSettingTypeInArea, Subject::Area(_)) => {
            return Err(AnalysisError::NeedsMore(
                "an area cannot be compared with employers of its setting type; compare it with every other area (same sector nationally) or with its neighbours".into(),
            ));
        }
    };

    let mut q = query.clone();
    q.by = vec![dim.name().to_string()];
    if !q
        .filters
        .iter()
        .any(|(d, _)| d.trim().eq_ignore_ascii_case("census_date"))
    {
        q.filters.push(("census_date".into(), date.to_string()));
    }
    let r = run_query(cubes, &q)?;
    let all = figures(&r);
    let find = |m: &str| all.iter().find(|f| f.member == m);
    let usable = |f: &Figure| f.value.is_some() && f.basis >= threshold;

    let mut values: Vec<f64> = members
        .iter()
        .filter_map(|m| find(m).filter(|f| usable(f)).and_then(|f| f.value))
        .collect();
    let compared = values.len() as u64;
    let group_suppressed = compared < threshold;
    let subject_figure = find(&subject_id)
        .filter(|f| usable(f))
        .and_then(|f| f.value);
    let q = |p: f64, v: &mut Vec<f64>| (!group_suppressed).then(|| quantile_f64(v, p)).flatten();
    let (lower, median, upper) = (
        q(0.25, &mut values),
        q(0.5, &mut values),
        q(0.75, &mut values),
    );
    let standing = subject_figure.filter(|_| !group_suppressed).map(|s| {
        let above = values.iter().filter(|&&v| v > s).count() as u64;
        let below = values.iter().filter(|&&v| v < s).count() as f64;
        let equal = values.iter().filter(|&&v| v == s).count() as f64;
        (above + 1, (below + equal / 2.0) / compared as f64)
    });
    Ok(BenchmarkResult {
        measure: r.measure.clone(),
        kind: r.kind,
        census_date: date,
        subject: match subject {
            Subject::Employer(_) => Subject::Employer(subject_id),
            Subject::Area(_) => Subject::Area(subject_id),
        },
        group: group.clone(),
        group_description: description,
        subject_value: subject_figure,
        subject_suppressed: subject_figure.is_none(),
        members: members.len() as u64,
        members_left_out: members.len() as u64 - compared,
        members_compared: compared,
        median,
        lower_quartile: lower,
        upper_quartile: upper,
        group_suppressed,
        rank: standing.map(|s| s.0),
        ranked_among: standing.map(|_| compared + 1),
        percentile: standing.map(|s| s.1),
        threshold,
    })
}

fn plural(dim: Dim) -> &'static str {
    if dim == Dim::Area {
        "areas"
    } else {
        "employers"
    }
}

/// The members sharing the subject's main values, and the group in words.
fn peers(
    mains: Vec<(String, Vec<String>)>,
    subject: &str,
    date: NaiveDate,
    describe: impl Fn(&[String]) -> String,
) -> Result<(Vec<String>, String), AnalysisError> {
    let theirs = mains
        .iter()
        .find(|(m, _)| m == subject)
        .map(|(_, v)| v.clone())
        .ok_or_else(|| {
            AnalysisError::NeedsMore(format!(
                "employer {subject} has no filled posts at {date}, so it has no main setting type or sector to find its peers by; give its neighbours instead"
            ))
        })?;
    let members = mains
        .into_iter()
        .filter(|(m, v)| m != subject && *v == theirs)
        .map(|(m, _)| m)
        .collect();
    Ok((members, describe(&theirs)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CubeBuilder;
    use crate::tests::{date, key, place, post, q};
    use observatory_domain::CensusSink;

    /// Employers with a full_daycare setting in area X (E06000001) and their
    /// headcounts: B1 3, B2 4, B3 5, B4 6, B5 2; B6 10 in area Y (E06000002); B7 7
    /// teachers at a primary school in X.
    fn nurseries() -> Cube {
        let mut b = CubeBuilder::new(date(2025, 11, 1));
        let mut person = 0u8;
        for (employer, kind, area, role, people) in [
            (
                "B1",
                "full_daycare",
                "E06000001",
                "early_years_practitioner",
                3,
            ),
            (
                "B2",
                "full_daycare",
                "E06000001",
                "early_years_practitioner",
                4,
            ),
            (
                "B3",
                "full_daycare",
                "E06000001",
                "early_years_practitioner",
                5,
            ),
            (
                "B4",
                "full_daycare",
                "E06000001",
                "early_years_practitioner",
                6,
            ),
            (
                "B5",
                "full_daycare",
                "E06000001",
                "early_years_practitioner",
                2,
            ),
            (
                "B6",
                "full_daycare",
                "E06000002",
                "early_years_practitioner",
                10,
            ),
            ("B7", "school_primary", "E06000001", "teacher", 7),
        ] {
            place(&mut b, employer, "S1", kind, area);
            for _ in 0..people {
                person += 1;
                b.worker(employer, &post(key(person), "S1", role, 100));
            }
        }
        b.finish()
    }

    fn run(subject: Subject, group: Group, threshold: u64) -> BenchmarkResult {
        let c = nurseries();
        benchmark(
            &[&c],
            &q("headcount", &[], &[]),
            &subject,
            &group,
            threshold,
        )
        .unwrap()
    }

    #[test]
    fn same_setting_type_in_area() {
        let r = run(
            Subject::Employer("b3".into()),
            Group::SameSettingTypeInArea,
            3,
        );
        // Peers: B1, B2, B4, B5; B5 (2 people) is left out at threshold 3, leaving
        // 3, 4, 6: median 4, quartiles 3.5 and 5 (type 7). B3's 5: one peer above,
        // so rank 2 of 4; two of three below: percentile 2/3.
        assert_eq!(r.subject, Subject::Employer("B3".into()));
        assert_eq!(
            r.group_description,
            "employers whose main setting type is full_daycare in area E06000001"
        );
        assert_eq!(
            (r.members, r.members_left_out, r.members_compared),
            (4, 1, 3)
        );
        assert_eq!(
            (r.lower_quartile, r.median, r.upper_quartile),
            (Some(3.5), Some(4.0), Some(5.0))
        );
        assert_eq!((r.subject_value, r.subject_suppressed), (Some(5.0), false));
        assert_eq!((r.rank, r.ranked_among), (Some(2), Some(4)));
        assert!((r.percentile.unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert!(!r.group_suppressed);
        assert_eq!(r.census_date, date(2025, 11, 1));
    }

    #[test]
    fn same_sector_nationally_and_neighbours() {
        // Early years employers anywhere: B1, B2, B4, B5, B6 -> 3, 4, 6, 10 compared
        // (B5 left out): median (4 + 6) / 2 = 5, quartiles 3.75 and 7. B3's 5 has two
        // above (rank 3 of 5) and two below (percentile 0.5).
        let r = run(
            Subject::Employer("B3".into()),
            Group::SameSectorNationally,
            3,
        );
        assert_eq!(
            r.group_description,
            "employers whose main sector is early_years nationally"
        );
        assert_eq!((r.members, r.members_compared), (5, 4));
        assert_eq!(
            (r.lower_quartile, r.median, r.upper_quartile),
            (Some(3.75), Some(5.0), Some(7.0))
        );
        assert_eq!((r.rank, r.percentile), (Some(3), Some(0.5)));
        // At threshold 5, B1 (3) and B2 (4) are left out too: 6 and 10 remain, fewer
        // than 5 members, so the group's figures are suppressed, and the rank with them.
        let r = run(
            Subject::Employer("B3".into()),
            Group::SameSectorNationally,
            5,
        );
        assert_eq!((r.members_compared, r.members_left_out), (2, 3));
        assert!(r.group_suppressed);
        assert_eq!((r.median, r.rank, r.percentile), (None, None, None));
        assert_eq!(r.subject_value, Some(5.0));
        // Neighbours as listed (the subject itself is not its own neighbour): too few.
        let r = run(
            Subject::Employer("B1".into()),
            Group::Neighbours(vec!["B6".into(), "B7".into(), "B1".into()]),
            3,
        );
        assert_eq!((r.members, r.members_compared), (2, 2));
        assert!(r.group_suppressed);
        // B1's own 3 people: shown at 3, suppressed at 4.
        assert_eq!(r.subject_value, Some(3.0));
        let r = run(
            Subject::Employer("B1".into()),
            Group::Neighbours(vec!["B2".into(), "B3".into(), "B4".into(), "B6".into()]),
            4,
        );
        assert!(r.subject_suppressed && r.subject_value.is_none() && r.rank.is_none());
        assert_eq!((r.members_compared, r.median), (4, Some(5.5)));
    }

    #[test]
    fn areas_and_errors() {
        let c = nurseries();
        // Area X (27 people) against every other area: only Y (10), too few.
        let r = benchmark(
            &[&c],
            &q("headcount", &[], &[]),
            &Subject::Area("E06000001".into()),
            &Group::SameSectorNationally,
            3,
        )
        .unwrap();
        assert_eq!(r.subject_value, Some(27.0));
        assert_eq!((r.members, r.group_suppressed), (1, true));
        let err = |s: Subject, g: Group, q: Query| {
            benchmark(&[&c], &q, &s, &g, 3).unwrap_err().to_string()
        };
        let hc = || q("headcount", &[], &[]);
        assert!(
            err(
                Subject::Area("E06000001".into()),
                Group::SameSettingTypeInArea,
                hc()
            )
            .starts_with("an area cannot be compared with employers of its setting type")
        );
        assert_eq!(
            err(
                Subject::Employer("B9".into()),
                Group::SameSectorNationally,
                hc()
            ),
            "unknown value 'B9' for employer in --where (census 2025-11-01)"
        );
        assert_eq!(
            err(
                Subject::Employer("B1".into()),
                Group::Neighbours(vec!["B2".into(), "Q".into()]),
                hc()
            ),
            "unknown value 'Q' for employer in --where in the neighbours list (census 2025-11-01)"
        );
        assert!(
            err(
                Subject::Employer("B1".into()),
                Group::SameSectorNationally,
                q("headcount", &["sector"], &[])
            )
            .contains("leave --by empty")
        );
        // Results serialise with the subject and group tagged.
        let json = serde_json::to_string(&r).unwrap();
        assert!(
            json.contains("\"subject\":{\"kind\":\"area\",\"id\":\"E06000001\"}"),
            "{json}"
        );
        assert!(
            json.contains("\"group\":{\"kind\":\"same_sector_nationally\"}"),
            "{json}"
        );
    }
}
