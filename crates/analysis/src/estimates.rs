//! Estimates for non-response: an employer that returned at the previous census date
//! but not at this one still employs people, and leaving it out would make area and
//! national totals fall for no reason. Its previous return is carried forward into this
//! census (the people aged one year, which the cube does by itself: age bands come from
//! the birth year and the census date the records are loaded under), and every figure
//! it touches is flagged as estimated, never mixed silently with reported figures.
//!
//! How it is used (the store streams records, so this module only decides what is
//! carried and what is flagged):
//! 1. [`non_responders`] of the previous and the current cube;
//! 2. load the current census into a [`crate::CubeBuilder`] of the current date, then the
//!    previous census through [`CarryForward`] into the same builder (the combined cube),
//!    and through another [`CarryForward`] into a builder of its own (the carried cube);
//! 3. answer the query on the combined cubes, answer it on the carried ones, and
//!    [`flag_estimated`]: a row is estimated when any carried record falls in it.
//!
//! Leavers and vacancies are carried with the posts: they are the employer's last known
//! figures, and a rate mixing this year's posts with last year's leavers would be worse.

use std::collections::{BTreeSet, HashSet};

use observatory_domain::{CensusSink, Leaver, Setting, Vacancy, Worker};

use crate::cube::Cube;
use crate::query::QueryResult;

/// Employers with records in `previous` but none in `current`, in text order.
pub fn non_responders(previous: &Cube, current: &Cube) -> Vec<String> {
    let now: HashSet<&str> = current.employers.iter().map(String::as_str).collect();
    previous
        .employers
        .iter()
        .filter(|e| !now.contains(e.as_str()))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Passes on the records of the chosen employers only (the store streams every
/// employer of a census date).
pub struct CarryForward<'a, S: CensusSink> {
    inner: &'a mut S,
    employers: HashSet<String>,
}

impl<'a, S: CensusSink> CarryForward<'a, S> {
    /// Records of `employers` go to `inner`; the rest are dropped.
    pub fn new(inner: &'a mut S, employers: &[String]) -> Self {
        CarryForward {
            inner,
            employers: employers.iter().cloned().collect(),
        }
    }

    fn carried(&self, employer: &str) -> bool {
        self.employers.contains(employer)
    }
}

impl<S: CensusSink> CensusSink for CarryForward<'_, S> {
    fn setting(&mut self, employer: &str, setting: &Setting) {
        if self.carried(employer) {
            self.inner.setting(employer, setting);
        }
    }

    fn worker(&mut self, employer: &str, worker: &Worker) {
        if self.carried(employer) {
            self.inner.worker(employer, worker);
        }
    }

    fn leaver(&mut self, employer: &str, leaver: &Leaver) {
        if self.carried(employer) {
            self.inner.leaver(employer, leaver);
        }
    }

    fn vacancy(&mut self, employer: &str, vacancy: &Vacancy) {
        if self.carried(employer) {
            self.inner.vacancy(employer, vacancy);
        }
    }
}

/// Marks the rows of `combined` (the answer with carried records) whose keys have a row
/// in `carried` (the same query over the carried records alone), i.e. every figure an
/// estimate went into. Both must answer the same query. Returns how many were marked.
pub fn flag_estimated(combined: &mut QueryResult, carried: &QueryResult) -> usize {
    let touched: HashSet<&[String]> = carried
        .rows
        .iter()
        .filter(|r| r.basis > 0 || r.value.is_some())
        .map(|r| r.keys.as_slice())
        .collect();
    let mut n = 0;
    for row in &mut combined.rows {
        if touched.contains(row.keys.as_slice()) {
            row.estimated = true;
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standards::fixtures::{date, post, setting};
    use crate::{CubeBuilder, Query, run_query};

    /// Two employers at 2024, one of them (A) at 2025; B's one post carried forward.
    #[test]
    fn carried_records_age_and_flag_the_rows_they_touch() {
        let (before, now) = (date(2024, 11, 1), date(2025, 11, 1));
        let feed = |sink: &mut dyn CensusSink, at_2025: bool| {
            sink.setting("A", &setting("S1", "full_daycare", "E06000001", "private"));
            sink.worker("A", &post("S1", 1, Some("room_leader"), 100, "3"));
            if !at_2025 {
                sink.setting("B", &setting("S2", "full_daycare", "E06000002", "private"));
                // Born 1985: 39 at 2024 (35_39), 40 once carried into 2025 (40_44).
                sink.worker("B", &post("S2", 2, Some("room_leader"), 100, "3"));
            }
        };
        let mut b = CubeBuilder::new(before);
        feed(&mut b, false);
        let previous = b.finish();
        let mut b = CubeBuilder::new(now);
        feed(&mut b, true);
        let current = b.finish();
        let missing = non_responders(&previous, &current);
        assert_eq!(missing, ["B"]);

        let mut combined = CubeBuilder::new(now);
        feed(&mut combined, true);
        feed(&mut CarryForward::new(&mut combined, &missing), false);
        let combined = combined.finish();
        let mut carried = CubeBuilder::new(now);
        feed(&mut CarryForward::new(&mut carried, &missing), false);
        let carried = carried.finish();

        let q = Query {
            measure: "posts".into(),
            by: vec!["area".into(), "age_band".into()],
            filters: Vec::new(),
        };
        let mut r = run_query(&[&combined], &q).unwrap();
        let flagged = flag_estimated(&mut r, &run_query(&[&carried], &q).unwrap());
        assert_eq!(flagged, 1);
        let got: Vec<(Vec<String>, f64, bool)> = r
            .rows
            .iter()
            .map(|row| (row.keys.clone(), row.value.unwrap(), row.estimated))
            .collect();
        assert_eq!(
            got,
            vec![
                (vec!["E06000001".into(), "40_44".into()], 1.0, false),
                (vec!["E06000002".into(), "40_44".into()], 1.0, true),
            ]
        );
    }
}
