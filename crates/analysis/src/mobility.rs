//! Mobility flows between two census dates: who stayed, changed role, changed employer
//! within their sector, changed sector, left or joined, overall, by sector and as a
//! sector x sector matrix. People are followed by the link key the cube keeps from their
//! person_id; each person is placed by one main post per date, so that a person counts
//! once in every table.
//!
//! Main post: of a person's posts at a date, the one with the highest fte; on a tie the
//! one whose employer and setting id come first in text order; then the lowest role code.
//! The rule uses nothing that depends on the order rows were loaded in.

use std::cmp::Reverse;
use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::AnalysisError;
use crate::cellkey::{Records, Tally};
use crate::cube::{Cube, FxBuild, NO_LINK};
use crate::dims::{Dim, Table, value_list};
use crate::measures::MeasureKind;
use crate::query::{
    Query, QueryResult, ResultRow, add_filter, apply_primary_suppression, check, filter_masks,
};

/// The categories of a person's move, in the order tables show them.
pub const MOBILITY_CATEGORIES: [&str; 6] = [
    "stayed",
    "changed_role",
    "changed_employer",
    "changed_sector",
    "left",
    "joined",
];

const STAYED: usize = 0;
const CHANGED_ROLE: usize = 1;
const CHANGED_EMPLOYER: usize = 2;
const CHANGED_SECTOR: usize = 3;
const LEFT: usize = 4;
const JOINED: usize = 5;

/// The matrix's extra row (people who joined) and column (people who left).
const MATRIX_JOINED: &str = "joined";
const MATRIX_LEFT: &str = "left";

/// Flows of people between two census dates. Each table is a [`QueryResult`] of counts
/// of people (measure `mobility`), so it prints, exports and is suppressed like any
/// query result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MobilityResult {
    /// The earlier census date (t).
    pub from_date: NaiveDate,
    /// The later census date (t+1).
    pub to_date: NaiveDate,
    /// People per category (by `category`).
    pub categories: QueryResult,
    /// People per sector and category (by `sector`, `category`): the sector of the main
    /// post at t, or at t+1 for people who joined.
    pub by_sector: QueryResult,
    /// People per sector at t and sector at t+1 (by `from_sector`, `to_sector`): people
    /// who joined have `from_sector` = `joined`, people who left `to_sector` = `left`.
    pub matrix: QueryResult,
    /// People with no person_id among those selected at t, who cannot be followed and
    /// are in no table (`None` once suppressed).
    pub unlinked_from: Option<u64>,
    /// As `unlinked_from`, at t+1.
    pub unlinked_to: Option<u64>,
    /// Of the people counted as left: those whose main employer at t made no return at
    /// t+1, so they may not have left at all (`None` once suppressed).
    pub left_without_return: Option<u64>,
    /// People per group of the breakdowns asked for ([`mobility_by`]) and category: the
    /// group of the main post at t, or at t+1 for people who joined. `None` when no
    /// breakdown was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_group: Option<QueryResult>,
}

impl MobilityResult {
    /// Primary suppression on every count of people: table cells as
    /// [`apply_primary_suppression`] does, and the extra counts (set to `None`).
    pub fn apply_primary_suppression(&mut self, threshold: u64) {
        for t in [&mut self.categories, &mut self.by_sector, &mut self.matrix] {
            apply_primary_suppression(t, threshold);
        }
        if let Some(t) = &mut self.by_group {
            apply_primary_suppression(t, threshold);
        }
        let threshold = threshold.max(crate::query::MIN_SUPPRESSION_THRESHOLD);
        for n in [
            &mut self.unlinked_from,
            &mut self.unlinked_to,
            &mut self.left_without_return,
        ] {
            if n.is_some_and(|v| v < threshold) {
                *n = None;
            }
        }
    }

    /// For ad hoc tables: primary suppression, then the cell key method on every table
    /// cell; the counts of people who could not be followed (notes, not cells) are
    /// rounded to the nearest ten, so differencing them gives nothing exact either.
    pub fn apply_cell_key_method(&mut self, threshold: u64) {
        self.apply_primary_suppression(threshold);
        for t in [&mut self.categories, &mut self.by_sector, &mut self.matrix] {
            crate::cellkey::perturb(t, threshold);
            t.perturbed = true;
        }
        if let Some(t) = &mut self.by_group {
            crate::cellkey::perturb(t, threshold);
            t.perturbed = true;
        }
        for n in [
            &mut self.unlinked_from,
            &mut self.unlinked_to,
            &mut self.left_without_return,
        ] {
            *n = n.map(|v| (v + 5) / 10 * 10);
        }
    }
}

/// An employer of the earlier census that made no return at the later one.
const NOT_RETURNED: u32 = u32::MAX;

/// Where a person's main post is, as the flows compare it.
struct Place {
    /// Employer, numbered as in the later cube (or [`NOT_RETURNED`]).
    employer: u32,
    role: u16,
    sector: u8,
    /// The main post passes the filters.
    pass: bool,
    /// The main post's labels of the breakdowns asked for (empty when none are).
    keys: Vec<String>,
}

/// Per person of a cube: their main post's place (see the module's rule). Workers are
/// ordered by person, so this is one pass over the rows, and the flows then need one
/// lookup per person instead of several scattered over the columns.
fn places(cube: &Cube, selection: &Selection, employer_ids: &[u32], by: &[Dim]) -> Vec<Place> {
    let s = &cube.settings;
    let mut order: Vec<u32> = (0..s.id.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let key = |i: u32| {
            (
                &cube.employers[s.employer[i as usize] as usize],
                &s.id[i as usize],
            )
        };
        key(a).cmp(&key(b))
    });
    let mut rank = vec![0u32; order.len()];
    for (r, &setting) in order.iter().enumerate() {
        rank[setting as usize] = r as u32;
    }
    let w = &cube.workers;
    let key = |row: usize| {
        (
            w.fte[row],
            Reverse(rank[w.setting[row] as usize]),
            Reverse(w.role[row]),
        )
    };
    let sector = cube
        .col(Table::Workers, Dim::Sector)
        .expect("workers carry sector");
    let by_cols: Vec<(Dim, crate::cube::Col)> = by
        .iter()
        .map(|&d| {
            let col = cube
                .col(Table::Workers, d)
                .expect("checked: workers carry every breakdown");
            (d, col)
        })
        .collect();
    // A person without posts (only in a damaged snapshot) passes no filter.
    let mut out: Vec<Place> = (0..cube.people())
        .map(|_| Place {
            employer: NOT_RETURNED,
            role: 0,
            sector: 0,
            pass: false,
            keys: Vec::new(),
        })
        .collect();
    let mut start = 0;
    while start < w.person.len() {
        let p = w.person[start];
        let mut end = start + 1;
        let mut main = start;
        while end < w.person.len() && w.person[end] == p {
            if key(end) > key(main) {
                main = end;
            }
            end += 1;
        }
        out[p as usize] = Place {
            employer: employer_ids[s.employer[w.setting[main] as usize] as usize],
            role: w.role[main],
            sector: sector.code(main) as u8,
            pass: selection.pass(main as u32),
            keys: by_cols
                .iter()
                .map(|(d, col)| cube.label(*d, col.code(main)))
                .collect(),
        };
        start = end;
    }
    out
}

/// Whether a worker row passes every filter of a cube.
struct Selection<'a> {
    tests: Vec<(crate::cube::Col<'a>, Vec<bool>)>,
}

impl<'a> Selection<'a> {
    fn new(cube: &'a Cube, filters: &[(Dim, Vec<String>)]) -> Selection<'a> {
        let tests = filter_masks(cube, filters)
            .into_iter()
            .map(|(dim, allowed)| {
                let col = cube
                    .col(Table::Workers, dim)
                    .expect("checked: workers carry every filter");
                (col, allowed)
            })
            .collect();
        Selection { tests }
    }

    fn pass(&self, row: u32) -> bool {
        self.tests
            .iter()
            .all(|(col, allowed)| allowed[col.code(row as usize) as usize])
    }
}

/// Mobility flows from census `from` (t) to census `to` (t+1) of the people the filters
/// select (`--where` pairs, on anything filled posts record but census_date): a person
/// is included when their main post at either date passes every filter, so flows out
/// of and into an area both show. People without a person_id cannot be followed; they
/// are counted apart (`unlinked_from`, `unlinked_to`).
pub fn mobility(
    from: &Cube,
    to: &Cube,
    filters: &[(String, String)],
) -> Result<MobilityResult, AnalysisError> {
    mobility_by(from, to, filters, &[])
}

/// As [`mobility`], with a further table of people by `by` (breakdowns filled posts
/// record, e.g. role or area) and category in [`MobilityResult::by_group`].
pub fn mobility_by(
    from: &Cube,
    to: &Cube,
    filters: &[(String, String)],
    by: &[String],
) -> Result<MobilityResult, AnalysisError> {
    let question = check_question(from, to, filters, by)?;
    let (place_from, place_to) = both_places(from, to, &question.filters, &question.by);
    let mut flows = Flows::new(!question.by.is_empty());
    let followed = flows.follow_from(from, to, &place_from, &place_to);
    flows.count_joiners(to, &place_to, &followed);
    Ok(flows.into_result(from.census_date(), to.census_date(), &question.by))
}

/// A mobility question once checked.
struct Question {
    /// The breakdowns of `by_group`.
    by: Vec<Dim>,
    /// The filters, values grouped by dimension.
    filters: Vec<(Dim, Vec<String>)>,
}

/// The breakdowns and grouped filters of a mobility question, refusing census_date in
/// either (the two census dates are the question) and a `from` that is not before `to`.
fn check_question(
    from: &Cube,
    to: &Cube,
    filters: &[(String, String)],
    by: &[String],
) -> Result<Question, AnalysisError> {
    if from.census_date() >= to.census_date() {
        return Err(AnalysisError::NeedsMore(format!(
            "mobility runs from an earlier census to a later one, but {} is not before {}",
            from.census_date(),
            to.census_date()
        )));
    }
    let checked = check(&Query {
        measure: "posts".into(),
        by: by.to_vec(),
        filters: filters.to_vec(),
    })?;
    if checked.by.contains(&Dim::CensusDate) {
        return Err(AnalysisError::NeedsMore(
            "mobility is between the two census dates given; it cannot be broken down by census_date".into(),
        ));
    }
    let mut grouped: Vec<(Dim, Vec<String>)> = Vec::new();
    for (dim, value) in checked.filters {
        if dim == Dim::CensusDate {
            return Err(AnalysisError::NeedsMore(
                "mobility is between the two census dates given; it cannot be filtered by census_date".into(),
            ));
        }
        add_filter(&[from, to], &mut grouped, dim, value)?;
    }
    Ok(Question {
        by: checked.by,
        filters: grouped,
    })
}

/// Every person's main post in both cubes, employers numbered as in `to`: the same
/// employer has different numbers in the two cubes ([`NOT_RETURNED`]: absent in `to`).
fn both_places(
    from: &Cube,
    to: &Cube,
    grouped: &[(Dim, Vec<String>)],
    by_dims: &[Dim],
) -> (Vec<Place>, Vec<Place>) {
    let to_employer: HashMap<&str, u32> = to
        .employers
        .iter()
        .enumerate()
        .map(|(i, e)| (e.as_str(), i as u32))
        .collect();
    let employer_then: Vec<u32> = from
        .employers
        .iter()
        .map(|e| to_employer.get(e.as_str()).copied().unwrap_or(NOT_RETURNED))
        .collect();
    let employer_now: Vec<u32> = (0..to.employers.len() as u32).collect();
    let place_from = places(
        from,
        &Selection::new(from, grouped),
        &employer_then,
        by_dims,
    );
    let place_to = places(to, &Selection::new(to, grouped), &employer_now, by_dims);
    (place_from, place_to)
}

/// The category of a person followed from `pf` to `pt`.
fn category(pf: &Place, pt: &Place) -> usize {
    if pf.employer == pt.employer {
        if pf.role == pt.role {
            STAYED
        } else {
            CHANGED_ROLE
        }
    } else if pf.sector == pt.sector {
        CHANGED_EMPLOYER
    } else {
        CHANGED_SECTOR
    }
}

/// The tables being counted, each person with their record key (the cell key method).
struct Flows {
    /// Number of sectors.
    ns: usize,
    /// Whether breakdowns were asked for (`by_group`).
    grouped: bool,
    overall: [Tally; 6],
    by_sector: Vec<[Tally; 6]>,
    /// (ns + 1) x (ns + 1): the last row is `joined`, the last column `left`.
    matrix: Vec<Tally>,
    by_group: HashMap<(Vec<String>, usize), Tally>,
    unlinked_from: u64,
    unlinked_to: u64,
    left_without_return: u64,
}

impl Flows {
    fn new(grouped: bool) -> Flows {
        let ns = sectors().len();
        Flows {
            ns,
            grouped,
            overall: [Tally::default(); 6],
            by_sector: vec![[Tally::default(); 6]; ns],
            matrix: vec![Tally::default(); (ns + 1) * (ns + 1)],
            by_group: HashMap::new(),
            unlinked_from: 0,
            unlinked_to: 0,
            left_without_return: 0,
        }
    }

    /// Counts one person in category `cat` in every table: by `sector`, in matrix cell
    /// `cell` and, when breakdowns were asked for, under the group `keys`.
    fn count(
        &mut self,
        cat: usize,
        sector: usize,
        cell: (usize, usize),
        keys: &[String],
        one: Tally,
    ) {
        self.overall[cat].add(one);
        self.by_sector[sector][cat].add(one);
        self.matrix[cell.0 * (self.ns + 1) + cell.1].add(one);
        if self.grouped {
            self.by_group
                .entry((keys.to_vec(), cat))
                .or_default()
                .add(one);
        }
    }

    /// Follows every selected person of `from` to `to`: stayed, changed role, employer
    /// or sector, or left. Returns which people of `to` were followed, so the rest joined.
    fn follow_from(
        &mut self,
        from: &Cube,
        to: &Cube,
        place_from: &[Place],
        place_to: &[Place],
    ) -> Vec<bool> {
        let ns = self.ns;
        let person_to = people_by_link(to);
        let mut followed = vec![false; to.people()];
        for ((pf, &link), &rk) in place_from.iter().zip(&from.links).zip(&from.person_keys) {
            let one = Tally::one(rk);
            let then = (link != NO_LINK)
                .then(|| person_to.get(&link).copied())
                .flatten();
            if let Some(q) = then {
                followed[q as usize] = true;
            }
            let pt = then.map(|q| &place_to[q as usize]);
            if !pf.pass && !pt.is_some_and(|t| t.pass) {
                continue;
            }
            if link == NO_LINK {
                self.unlinked_from += 1;
                continue;
            }
            let sf = pf.sector as usize;
            match pt {
                None => {
                    self.count(LEFT, sf, (sf, ns), &pf.keys, one);
                    if pf.employer == NOT_RETURNED {
                        self.left_without_return += 1;
                    }
                }
                Some(pt) => {
                    let cell = (sf, pt.sector as usize);
                    self.count(category(pf, pt), sf, cell, &pf.keys, one);
                }
            }
        }
        followed
    }

    /// Counts the selected people of `to` nobody followed there as joined.
    fn count_joiners(&mut self, to: &Cube, place_to: &[Place], followed: &[bool]) {
        for (((pt, &link), &seen), &rk) in place_to
            .iter()
            .zip(&to.links)
            .zip(followed)
            .zip(&to.person_keys)
        {
            if seen || !pt.pass {
                continue;
            }
            if link == NO_LINK {
                self.unlinked_to += 1;
                continue;
            }
            let one = Tally::one(rk);
            let st = pt.sector as usize;
            self.count(JOINED, st, (self.ns, st), &pt.keys, one);
        }
    }

    /// The counts as tables of people: categories, sector by category, the sector matrix
    /// and, when asked for, group by category.
    fn into_result(
        self,
        from_date: NaiveDate,
        to_date: NaiveDate,
        by_dims: &[Dim],
    ) -> MobilityResult {
        let sectors = sectors();
        let ns = self.ns;
        let cat = |c: usize| MOBILITY_CATEGORIES[c].to_string();
        let label = |i: usize, extra: &str| sectors.get(i).cloned().unwrap_or(extra.to_string());
        // Groups in text order, categories in their own order within each.
        let mut grouped_rows: Vec<((Vec<String>, usize), Tally)> =
            self.by_group.into_iter().collect();
        grouped_rows.sort_by(|a, b| a.0.cmp(&b.0));
        MobilityResult {
            from_date,
            to_date,
            categories: people_table(
                &["category"],
                (0..6).map(|c| (vec![cat(c)], self.overall[c])).collect(),
            ),
            by_sector: people_table(
                &["sector", "category"],
                (0..ns)
                    .flat_map(|s| (0..6).map(move |c| (s, c)))
                    .map(|(s, c)| (vec![sectors[s].clone(), cat(c)], self.by_sector[s][c]))
                    .collect(),
            ),
            matrix: people_table(
                &["from_sector", "to_sector"],
                (0..=ns)
                    .flat_map(|a| (0..=ns).map(move |b| (a, b)))
                    .map(|(a, b)| {
                        (
                            vec![label(a, MATRIX_JOINED), label(b, MATRIX_LEFT)],
                            self.matrix[a * (ns + 1) + b],
                        )
                    })
                    .collect(),
            ),
            by_group: self.grouped.then(|| {
                let mut names: Vec<&str> = by_dims.iter().map(|d| d.name()).collect();
                names.push("category");
                people_table(
                    &names,
                    grouped_rows
                        .into_iter()
                        .map(|((mut keys, c), n)| {
                            keys.push(cat(c));
                            (keys, n)
                        })
                        .collect(),
                )
            }),
            unlinked_from: Some(self.unlinked_from),
            unlinked_to: Some(self.unlinked_to),
            left_without_return: Some(self.left_without_return),
        }
    }
}

/// The sector codes, in their list's order.
fn sectors() -> &'static [String] {
    value_list(Dim::Sector).unwrap_or(&[])
}

/// Person number in `to` of every link key, to follow people from the earlier cube.
fn people_by_link(to: &Cube) -> HashMap<u64, u32, FxBuild> {
    let mut person_to: HashMap<u64, u32, FxBuild> = HashMap::default();
    person_to.reserve(to.people());
    for (p, &link) in to.links.iter().enumerate() {
        if link != NO_LINK {
            person_to.insert(link, p as u32);
        }
    }
    person_to
}

/// A table of counts of people (measure `mobility`), rows with nobody left out.
fn people_table(by: &[&str], rows: Vec<(Vec<String>, Tally)>) -> QueryResult {
    QueryResult {
        measure: "mobility".into(),
        kind: MeasureKind::Count,
        by: by.iter().map(|s| s.to_string()).collect(),
        rows: rows
            .into_iter()
            .filter(|(_, t)| t.n > 0)
            .map(|(keys, t)| ResultRow {
                keys,
                value: Some(t.n as f64),
                numerator: Some(t.n as f64),
                denominator: None,
                basis: t.n,
                suppressed: false,
                estimated: false,
                records: Some(Records {
                    num: t,
                    ..Records::default()
                }),
            })
            .collect(),
        series_breaks: Vec::new(),
        population_profiles: Vec::new(),
        perturbed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{close, two_years};

    fn counts(r: &QueryResult) -> Vec<(String, Option<f64>)> {
        crate::tests::table(r)
    }

    fn expect(r: &QueryResult, rows: &[(&str, f64)]) {
        crate::tests::assert_table(r, rows);
    }

    #[test]
    fn flows_between_two_censuses() {
        let (t, t1) = two_years();
        let m = mobility(&t, &t1, &[]).unwrap();
        assert_eq!(
            (m.from_date.to_string(), m.to_date.to_string()),
            ("2024-11-01".into(), "2025-11-01".into())
        );
        // Stayed P1 and P7 (whose main post is E1/S1 by the tie-break, not the E1/S2
        // teaching assistant post, which would make it a change of role); changed role
        // P2; changed employer P4 (main post E2/S1, 0.80 fte, to E4, both social care);
        // changed sector P3; left P5 and P6; joined P8.
        expect(
            &m.categories,
            &[
                ("stayed", 2.0),
                ("changed_role", 1.0),
                ("changed_employer", 1.0),
                ("changed_sector", 1.0),
                ("left", 2.0),
                ("joined", 1.0),
            ],
        );
        expect(
            &m.by_sector,
            &[
                ("education|changed_sector", 1.0),
                ("education|joined", 1.0),
                ("early_years|stayed", 2.0),
                ("early_years|changed_role", 1.0),
                ("early_years|left", 1.0),
                ("social_care|changed_employer", 1.0),
                ("social_care|left", 1.0),
            ],
        );
        expect(
            &m.matrix,
            &[
                ("education|social_care", 1.0),
                ("early_years|early_years", 3.0),
                ("early_years|left", 1.0),
                ("social_care|social_care", 1.0),
                ("social_care|left", 1.0),
                ("joined|education", 1.0),
            ],
        );
        assert_eq!(m.matrix.by, vec!["from_sector", "to_sector"]);
        // K1 and K2 have no person_id; P6's employer E3 made no return in 2025.
        assert_eq!(
            (m.unlinked_from, m.unlinked_to, m.left_without_return),
            (Some(1), Some(1), Some(1))
        );
        // Every person once per table: the 8 people followed (P1 to P8).
        for t in [&m.categories, &m.by_sector, &m.matrix] {
            let sum: f64 = t.rows.iter().filter_map(|r| r.value).sum();
            assert!(close(Some(sum), 8.0), "{:?}", counts(t));
        }
    }

    #[test]
    fn filters_select_people_by_either_end() {
        let (t, t1) = two_years();
        // Area Y (E06000002) holds E1/S2 and E3/S1: P3 (2024 main post in Y) changed
        // sector, P6 left, P8 joined into Y. P7's main post is in X both years.
        let m = mobility(&t, &t1, &[("area".into(), "E06000002".into())]).unwrap();
        expect(
            &m.categories,
            &[("changed_sector", 1.0), ("left", 1.0), ("joined", 1.0)],
        );
        assert_eq!((m.unlinked_from, m.unlinked_to), (Some(0), Some(0)));
        // Social care at either end: P3 (to), P4, P5, and K2 (unlinked).
        let m = mobility(&t, &t1, &[("sector".into(), "social_care".into())]).unwrap();
        expect(
            &m.categories,
            &[
                ("changed_employer", 1.0),
                ("changed_sector", 1.0),
                ("left", 1.0),
            ],
        );
        assert_eq!(m.unlinked_to, Some(1));
        let e = mobility(&t, &t1, &[("census_date".into(), "2025-11-01".into())])
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be filtered by census_date"), "{e}");
        let e = mobility(&t, &t1, &[("area".into(), "E99".into())]).unwrap_err();
        assert_eq!(e.to_string(), "unknown value 'E99' for area in --where");
        let e = mobility(&t1, &t, &[]).unwrap_err().to_string();
        assert!(e.contains("is not before"), "{e}");
    }

    #[test]
    fn suppression_hides_small_counts_and_serialises() {
        let (t, t1) = two_years();
        let mut m = mobility(&t, &t1, &[]).unwrap();
        m.apply_primary_suppression(3);
        // Only the early_years -> early_years cell (3) survives a threshold of 3.
        let shown: Vec<_> = m
            .matrix
            .rows
            .iter()
            .filter(|r| !r.suppressed)
            .map(|r| r.keys.join("|"))
            .collect();
        assert_eq!(shown, vec!["early_years|early_years"]);
        assert!(m.categories.rows.iter().all(|r| r.suppressed));
        assert_eq!(m.unlinked_from, None);
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains("\"from_date\":\"2024-11-01\""), "{json}");
        assert!(!json.contains("\"value\":1.0"), "{json}");
        // Records (the cell keys) are never serialised; everything else comes back.
        let back: MobilityResult = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
}
