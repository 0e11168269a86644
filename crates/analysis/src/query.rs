//! The query contract: check a query against the catalogue and the breakdown rules,
//! have the engine compute it per census date, then label and order the rows. Also
//! primary suppression.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::AnalysisError;
use crate::cube::Cube;
use crate::dims::{Dim, closest, value_list};
use crate::engine::{Figures, compute};
use crate::measures::{self, MeasureKind};

/// The smallest primary-suppression threshold allowed (spec: "never below 3").
pub const MIN_SUPPRESSION_THRESHOLD: u64 = 3;
/// The threshold used unless configured otherwise.
pub const DEFAULT_SUPPRESSION_THRESHOLD: u64 = 5;

/// A request for one measure, broken down and filtered: the same shape as the command
/// line's `--measure`, `--by` and `--where` (and the API's parameters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// A name from `measure_names()` (case and surrounding space ignored).
    pub measure: String,
    /// Breakdown names (see `breakdown_names()`); empty for a single total.
    pub by: Vec<String>,
    /// (breakdown, value) pairs. Different breakdowns must all match; several values for
    /// the same breakdown are alternatives (area=A and area=B gives both areas).
    pub filters: Vec<(String, String)>,
}

/// The answer to a query: one row per group present in the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryResult {
    /// The measure's catalogue name.
    pub measure: String,
    /// How to read the rows' value, numerator and denominator.
    pub kind: MeasureKind,
    /// The breakdowns the keys follow. `census_date` is put first when several census
    /// dates are answered and the query did not name it.
    pub by: Vec<String>,
    /// One row per group present in the data, sorted by keys.
    pub rows: Vec<ResultRow>,
}

/// One group's figure, with what it was worked from so it can always be explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    /// The group's value for each breakdown in `by`, as code texts.
    pub keys: Vec<String>,
    /// `None` when suppressed or undefined (a rate over zero, a pay gap with no men).
    pub value: Option<f64>,
    /// Counts: the count (or fte sum). Rates: what was counted. Pay gap: median male
    /// minus median female pay. Medians and quartiles: `None`.
    pub numerator: Option<f64>,
    /// Rates: what it was counted out of. Pay gap: median male pay. Else `None`.
    pub denominator: Option<f64>,
    /// How many people or posts the figure rests on: the count for counts, the
    /// denominator for rates, the number of values for pay statistics, the smaller of
    /// the male and female counts for the pay gap. It decides suppression and is kept
    /// after suppression (secondary suppression needs it), so it must never be
    /// exported for a suppressed row.
    pub basis: u64,
    /// Set by [`apply_primary_suppression`]; the figures are then `None`.
    pub suppressed: bool,
}

/// Hides every row whose basis is below `threshold` (raised to
/// [`MIN_SUPPRESSION_THRESHOLD`] if lower), as the spec's primary suppression requires:
/// value, numerator and denominator become `None` and `suppressed` is set.
pub fn apply_primary_suppression(result: &mut QueryResult, threshold: u64) {
    let threshold = threshold.max(MIN_SUPPRESSION_THRESHOLD);
    for row in &mut result.rows {
        if row.basis < threshold {
            row.value = None;
            row.numerator = None;
            row.denominator = None;
            row.suppressed = true;
        }
    }
}

/// Every breakdown name a query may use (some only with some measures).
pub fn breakdown_names() -> &'static [&'static str] {
    &crate::dims::DIM_NAMES
}

/// Answers `q` over one or more census dates. Each cube is computed on its own (the
/// same measure per census date); with several cubes `census_date` is a breakdown and
/// can be filtered on. Rows come sorted by their keys.
pub fn run_query(cubes: &[&Cube], q: &Query) -> Result<QueryResult, AnalysisError> {
    let checked = check(q)?;
    let (m, mut by) = (checked.measure, checked.by);

    if cubes.is_empty() {
        return Err(AnalysisError::NoCensus);
    }
    let mut all: Vec<&Cube> = cubes.to_vec();
    all.sort_by_key(|c| c.census_date());
    if let Some(w) = all
        .windows(2)
        .find(|w| w[0].census_date() == w[1].census_date())
    {
        return Err(AnalysisError::RepeatedCensus(w[0].census_date()));
    }

    // Filters grouped by dimension; census_date picks cubes instead.
    let mut filters: Vec<(Dim, Vec<String>)> = Vec::new();
    let mut dates: Vec<NaiveDate> = Vec::new();
    for (dim, value) in checked.filters {
        if dim == Dim::CensusDate {
            dates.push(check_date(&all, &value)?);
            continue;
        }
        if dim.is_dictionary() {
            check_dictionary_value(&all, dim, &value)?;
        }
        match filters.iter_mut().find(|(d, _)| *d == dim) {
            Some((_, vs)) => vs.push(value),
            None => filters.push((dim, vec![value])),
        }
    }
    let chosen: Vec<&Cube> = all
        .into_iter()
        .filter(|c| dates.is_empty() || dates.contains(&c.census_date()))
        .collect();
    if chosen.len() > 1 && !by.contains(&Dim::CensusDate) {
        by.insert(0, Dim::CensusDate);
    }
    let inner: Vec<Dim> = by
        .iter()
        .copied()
        .filter(|d| *d != Dim::CensusDate)
        .collect();
    let figures = chosen
        .iter()
        .map(|cube| compute(cube, m.kind, m.def, &inner, &filter_masks(cube, &filters)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(QueryResult {
        measure: m.name.clone(),
        kind: m.kind,
        by: by.iter().map(|d| d.name().to_string()).collect(),
        rows: assemble(&chosen, &by, &figures),
    })
}

/// Labels the figures of every cube and orders them by their keys: code-list order
/// where the breakdown has one, text order for area, employer and setting (across all
/// cubes), date order for census_date. Each key is first turned into a rank so the
/// sort compares integers, and labels are made only once the order is known.
fn assemble(cubes: &[&Cube], by: &[Dim], figures: &[Figures]) -> Vec<ResultRow> {
    // Per breakdown and cube: the label and the rank of every code.
    let tables: Vec<Labels> = by.iter().map(|&dim| Labels::new(cubes, dim)).collect();
    let radix: Vec<u128> = tables.iter().map(|t| t.ranks as u128).collect();
    // The code behind breakdown `d` of row `i` of cube `c` (census_date: the cube).
    let code = |c: usize, i: usize, d: usize, inner: usize| -> usize {
        if by[d] == Dim::CensusDate {
            0
        } else {
            figures[c].key(i)[inner] as usize
        }
    };
    // Every row's ranks, flat, and where each row came from.
    let mut ranks: Vec<u32> = Vec::new();
    let mut from: Vec<(u32, u32)> = Vec::new();
    for (c, f) in figures.iter().enumerate() {
        for i in 0..f.len() {
            let mut inner = 0;
            for (d, t) in tables.iter().enumerate() {
                ranks.push(t.rank[c][code(c, i, d, inner)]);
                if by[d] != Dim::CensusDate {
                    inner += 1;
                }
            }
            from.push((c as u32, i as u32));
        }
    }
    let positions = sort_order(&ranks, from.len(), by.len(), &radix)
        .into_iter()
        .map(|k| from[k]);
    positions
        .into_iter()
        .map(|(c, i)| {
            let (c, i) = (c as usize, i as usize);
            let mut inner = 0;
            let keys = tables
                .iter()
                .enumerate()
                .map(|(d, t)| {
                    let label = t.label[c][code(c, i, d, inner)].clone();
                    if by[d] != Dim::CensusDate {
                        inner += 1;
                    }
                    label
                })
                .collect();
            let cell = figures[c].cells[i];
            ResultRow {
                keys,
                value: cell.value,
                numerator: cell.numerator,
                denominator: cell.denominator,
                basis: cell.basis,
                suppressed: false,
            }
        })
        .collect()
}

/// The order of rows given their rank lists (`width` ranks per row, flat): by one
/// packed u128 per row when the ranks fit (the ranks as digits of a mixed-radix number,
/// radix = number of ranks), else by comparing the lists. Both give the same order.
fn sort_order(ranks: &[u32], n: usize, width: usize, radix: &[u128]) -> Vec<usize> {
    let fits = radix
        .iter()
        .try_fold(1u128, |p, &r| p.checked_mul(r))
        .is_some();
    if fits {
        let mut order: Vec<(u128, usize)> = (0..n)
            .map(|i| {
                let row = &ranks[i * width..(i + 1) * width];
                let k = row
                    .iter()
                    .zip(radix)
                    .fold(0u128, |k, (&r, &rad)| k * rad + r as u128);
                (k, i)
            })
            .collect();
        order.sort_unstable();
        order.into_iter().map(|(_, i)| i).collect()
    } else {
        sort_order_by_lists(ranks, n, width)
    }
}

fn sort_order_by_lists(ranks: &[u32], n: usize, width: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| {
        ranks[a * width..(a + 1) * width].cmp(&ranks[b * width..(b + 1) * width])
    });
    order
}

/// One breakdown's labels and sort ranks, per cube and code.
struct Labels {
    label: Vec<Vec<String>>,
    rank: Vec<Vec<u32>>,
    /// How many ranks there are.
    ranks: u32,
}

impl Labels {
    fn new(cubes: &[&Cube], dim: Dim) -> Labels {
        if dim == Dim::CensusDate {
            // Cubes come in date order: the cube's position is its rank.
            return Labels {
                label: cubes
                    .iter()
                    .map(|c| vec![c.census_date().to_string()])
                    .collect(),
                rank: (0..cubes.len() as u32).map(|i| vec![i]).collect(),
                ranks: cubes.len().max(1) as u32,
            };
        }
        if let Some(list) = value_list(dim) {
            // A code-list breakdown: the code is its rank, the same in every cube.
            let label: Vec<String> = list.to_vec();
            let rank: Vec<u32> = (0..list.len() as u32).collect();
            return Labels {
                label: vec![label; cubes.len()],
                rank: vec![rank; cubes.len()],
                ranks: list.len().max(1) as u32,
            };
        }
        // A dictionary: rank in the text order of every cube's labels together.
        let label: Vec<Vec<String>> = cubes
            .iter()
            .map(|c| {
                (0..c.dictionary_len(dim) as u32)
                    .map(|code| c.label(dim, code))
                    .collect()
            })
            .collect();
        let mut all: Vec<&str> = label.iter().flatten().map(String::as_str).collect();
        all.sort_unstable();
        all.dedup();
        let rank = label
            .iter()
            .map(|ls| {
                ls.iter()
                    .map(|l| all.binary_search(&l.as_str()).unwrap_or(0) as u32)
                    .collect()
            })
            .collect();
        let ranks = all.len().max(1) as u32;
        Labels { label, rank, ranks }
    }
}

/// A query checked against the catalogue, before any data is looked at.
struct Checked {
    measure: &'static measures::Measure,
    by: Vec<Dim>,
    filters: Vec<(Dim, String)>,
}

/// Checks everything about a query that needs no data: the measure, the breakdowns and
/// whether its records carry them, the filters' breakdowns, and filter values of
/// breakdowns with a code list. Values of area, employer, setting and census_date are
/// checked by [`run_query`] against the data. Lets a caller answer a typo before
/// loading (or building) any cube.
pub fn check_query(q: &Query) -> Result<(), AnalysisError> {
    check(q).map(|_| ())
}

fn check(q: &Query) -> Result<Checked, AnalysisError> {
    let m = measures::find(&q.measure).ok_or_else(|| AnalysisError::UnknownMeasure {
        name: q.measure.trim().to_string(),
        suggestion: closest(
            &q.measure,
            measures::measure_names().iter().map(String::as_str),
        ),
    })?;
    let tables = m.def.tables();
    let not_carried = |dim: Dim| tables.iter().find(|t| !t.carries(dim)).copied();

    let mut by: Vec<Dim> = Vec::new();
    for name in q.by.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let dim = parse_dim(name)?;
        if by.contains(&dim) {
            return Err(AnalysisError::RepeatedBreakdown(dim.name().to_string()));
        }
        if let Some(t) = not_carried(dim) {
            return Err(AnalysisError::NotBrokenDown {
                measure: m.name.clone(),
                breakdown: dim.name().to_string(),
                records: t.noun().to_string(),
            });
        }
        by.push(dim);
    }
    let mut filters = Vec::new();
    for (name, value) in &q.filters {
        let dim = parse_dim(name.trim())?;
        if let Some(t) = not_carried(dim) {
            return Err(AnalysisError::NotFiltered {
                measure: m.name.clone(),
                breakdown: dim.name().to_string(),
                records: t.noun().to_string(),
            });
        }
        let value = value.trim();
        if let Some(list) = value_list(dim)
            && !list.iter().any(|c| c.eq_ignore_ascii_case(value))
        {
            return Err(AnalysisError::UnknownValue {
                breakdown: dim.name().to_string(),
                value: value.to_string(),
                hint: closest(value, list.iter().map(String::as_str))
                    .map(|s| format!("; did you mean '{s}'?"))
                    .unwrap_or_default(),
            });
        }
        filters.push((dim, value.to_string()));
    }
    Ok(Checked {
        measure: m,
        by,
        filters,
    })
}

fn parse_dim(name: &str) -> Result<Dim, AnalysisError> {
    Dim::parse(name).ok_or_else(|| AnalysisError::UnknownBreakdown {
        name: name.to_string(),
        suggestion: closest(name, breakdown_names().iter().copied()),
    })
}

fn check_date(cubes: &[&Cube], value: &str) -> Result<NaiveDate, AnalysisError> {
    let loaded: Vec<String> = cubes.iter().map(|c| c.census_date().to_string()).collect();
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|d| cubes.iter().any(|c| c.census_date() == *d))
        .ok_or_else(|| AnalysisError::UnknownValue {
            breakdown: "census_date".into(),
            value: value.into(),
            hint: format!("; census dates loaded: {}", loaded.join(", ")),
        })
}

/// An area, employer or setting filter value must be present in at least one of the
/// census dates given.
fn check_dictionary_value(cubes: &[&Cube], dim: Dim, value: &str) -> Result<(), AnalysisError> {
    if cubes
        .iter()
        .any(|c| c.dictionary_code(dim, value).is_some())
    {
        Ok(())
    } else {
        Err(AnalysisError::UnknownValue {
            breakdown: dim.name().to_string(),
            value: value.to_string(),
            hint: String::new(),
        })
    }
}

/// Per filtered breakdown, which of this cube's codes pass.
fn filter_masks(cube: &Cube, filters: &[(Dim, Vec<String>)]) -> Vec<(Dim, Vec<bool>)> {
    filters
        .iter()
        .map(|(dim, values)| {
            let mut allowed;
            match value_list(*dim) {
                Some(list) => {
                    allowed = vec![false; list.len()];
                    for v in values {
                        if let Some(i) = list.iter().position(|c| c.eq_ignore_ascii_case(v)) {
                            allowed[i] = true;
                        }
                    }
                }
                None => {
                    allowed = vec![false; cube.dictionary_len(*dim)];
                    for v in values {
                        if let Some(i) = cube.dictionary_code(*dim, v) {
                            allowed[i as usize] = true;
                        }
                    }
                }
            }
            (*dim, allowed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_and_list_orders_agree() {
        // Three breakdowns with 3, 2 and 4 ranks; rows given out of order.
        let ranks = [2, 1, 3, 0, 0, 1, 2, 0, 0, 0, 1, 3, 1, 1, 0];
        let packed = sort_order(&ranks, 5, 3, &[3, 2, 4]);
        assert_eq!(packed, vec![1, 3, 4, 2, 0]);
        assert_eq!(sort_order_by_lists(&ranks, 5, 3), packed);
        // Radixes too large to pack fall back to comparing the lists.
        assert_eq!(sort_order(&ranks, 5, 3, &[u128::MAX, 2, 4]), packed);
        // No breakdown: one row per cube, in cube (date) order.
        assert_eq!(sort_order(&[], 2, 0, &[]), vec![0, 1]);
    }
}
