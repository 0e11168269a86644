//! The query contract: check a query against the catalogue and the breakdown rules,
//! have the engine compute it per census date, then label and order the rows. Also
//! primary suppression.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::AnalysisError;
use crate::cellkey::Records;
use crate::cube::Cube;
use crate::dims::{Dim, closest, value_list};
use crate::engine::{Comparison, Figures, compute, compute_comparison, compute_observed_wastage};
use crate::measures::{self, Def, MeasureKind, Versus};
use crate::population::{GROUP_DIMS, PopulationProfile, ProfileUse};
use crate::series::{SeriesBreak, SeriesBreaks, breaks_for};

pub use observatory_domain::rules::{DEFAULT_SUPPRESSION_THRESHOLD, MIN_SUPPRESSION_THRESHOLD};

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
    /// Breaks in the series: at each census date listed, the figures are not comparable
    /// with those of the census date before (a chart must not join them). Empty for a
    /// single census date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series_breaks: Vec<SeriesBreak>,
    /// representation_ratio: which population profile answered for each area (its own
    /// or the national one). Empty for other measures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub population_profiles: Vec<ProfileUse>,
    /// Whether the figures were perturbed by the cell key method (ad hoc tables of
    /// figures that cross organisations): say so beside them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub perturbed: bool,
}

impl QueryResult {
    /// The series break reason at a census date, if the series breaks there.
    pub fn series_break(&self, census_date: NaiveDate) -> Option<&str> {
        self.series_breaks
            .iter()
            .find(|b| b.census_date == census_date)
            .map(|b| b.reason.as_str())
    }
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
    /// Set by [`crate::flag_estimated`]: the figure includes records carried forward
    /// for an employer that did not return (an estimate), so it must be shown as such.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
    /// The records behind the figure (how many, and their cell key), for disclosure
    /// control only: never serialised, never shown.
    #[serde(skip)]
    pub records: Option<Records>,
}

/// Hides every row whose basis is below `threshold` (raised to
/// [`MIN_SUPPRESSION_THRESHOLD`] if lower), as the spec's primary suppression requires:
/// value, numerator and denominator become `None` and `suppressed` is set.
/// A rate or share is hidden too when its numerator counts between one and the
/// threshold people ("2 of 26" discloses the 2).
pub fn apply_primary_suppression(result: &mut QueryResult, threshold: u64) {
    let kind = result.kind;
    for row in &mut result.rows {
        if crate::cellkey::below_threshold(row, kind, threshold) {
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

/// What a query may be given besides the cubes. `Default` gives the shipped national
/// population profile and the shipped series breaks.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryContext<'a> {
    /// The population profile representation_ratio compares with (`None`: the national
    /// default, [`PopulationProfile::england_2021`]).
    pub population: Option<&'a PopulationProfile>,
    /// Declared series breaks (`None`: those in `data/series_breaks.csv`).
    pub series_breaks: Option<&'a SeriesBreaks>,
}

/// Answers `q` over one or more census dates. Each cube is computed on its own (the
/// same measure per census date); with several cubes `census_date` is a breakdown and
/// can be filtered on. Rows come sorted by their keys. Uses the shipped population
/// profile and series breaks; see [`run_query_with`].
pub fn run_query(cubes: &[&Cube], q: &Query) -> Result<QueryResult, AnalysisError> {
    run_query_with(cubes, q, &QueryContext::default())
}

/// As [`run_query`], with a population profile and series breaks of the caller's.
///
/// - `representation_ratio` and `leadership_gap` compare one group's share: the group
///   breakdown (gender, ethnic_group, ethnicity, disability or age_band) is named by
///   `--by` (a row per group) or `--where` (that group only; several values give a row
///   each). Filters on it pick groups, not people: the shares are always out of everyone
///   in the row's other breakdowns with a known value. Rows carry the workforce share as
///   numerator and the population share (representation) or, for leadership_gap, the
///   leaders' share as numerator and the whole workforce's as denominator. The
///   population profile of each row's area is used when it has one, else the national
///   one; `population_profiles` in the result says which answered.
/// - `observed_wastage_rate` is answered at each census date that has an earlier one
///   among the cubes given, from the people and places of that earlier census.
pub fn run_query_with(
    cubes: &[&Cube],
    q: &Query,
    ctx: &QueryContext,
) -> Result<QueryResult, AnalysisError> {
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

    // Filters grouped by dimension; census_date picks cubes, and the compared group's
    // breakdown picks groups, instead.
    let group_dim = checked.group;
    let mut filters: Vec<(Dim, Vec<String>)> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    let mut dates: Vec<NaiveDate> = Vec::new();
    for (dim, value) in checked.filters {
        if dim == Dim::CensusDate {
            dates.push(check_date(&all, &value)?);
            continue;
        }
        if Some(dim) == group_dim {
            if !groups.iter().any(|g| g.eq_ignore_ascii_case(&value)) {
                groups.push(value);
            }
            continue;
        }
        add_filter(&all, &mut filters, dim, value)?;
    }
    let chosen: Vec<&Cube> = all
        .iter()
        .copied()
        .filter(|c| dates.is_empty() || dates.contains(&c.census_date()))
        .collect();
    // Each answered date, and the cube whose rows answer it.
    let answers: Vec<(&Cube, &Cube)> = match m.def {
        Def::ObservedWastage => previous_census(&all, &chosen, &m.name)?,
        _ => chosen.iter().map(|&c| (c, c)).collect(),
    };
    if answers.len() > 1 && !by.contains(&Dim::CensusDate) {
        by.insert(0, Dim::CensusDate);
    }
    // A group given by several filter values gets a row each.
    if let Some(g) = group_dim
        && !by.contains(&g)
        && groups.len() > 1
    {
        by.push(g);
    }
    let inner: Vec<Dim> = by
        .iter()
        .copied()
        .filter(|d| *d != Dim::CensusDate)
        .collect();

    let mut uses = BTreeSet::new();
    let mut figures = Vec::with_capacity(answers.len());
    for &(at, source) in &answers {
        let masks = filter_masks(source, &filters);
        figures.push(match (m.def, group_dim) {
            (Def::ObservedWastage, _) => compute_observed_wastage(source, at, &inner, &masks)?,
            (Def::GroupRatio(versus), Some(g)) => {
                let mut dims = inner.clone();
                let drop_group = !dims.contains(&g);
                if drop_group {
                    dims.push(g);
                }
                let allowed = (!groups.is_empty()).then(|| group_mask(g, &groups));
                let single_area = filters
                    .iter()
                    .find(|(d, vs)| *d == Dim::Area && vs.len() == 1)
                    .map(|(_, vs)| vs[0].as_str());
                let comparison = Comparison {
                    versus,
                    gpos: dims.iter().position(|&d| d == g).expect("group in dims"),
                    dims: &dims,
                    masks: &masks,
                    groups: allowed.as_deref(),
                    drop_group,
                    profile: ctx
                        .population
                        .unwrap_or_else(|| PopulationProfile::england_2021()),
                    area: single_area,
                };
                compute_comparison(source, &comparison, &mut uses)?
            }
            _ => compute(source, m.kind, m.def, &inner, &masks)?,
        });
    }
    let answered_dates: Vec<NaiveDate> = answers.iter().map(|a| a.0.census_date()).collect();
    let answered_cubes: Vec<&Cube> = answers.iter().map(|a| a.0).collect();
    let label_cubes: Vec<&Cube> = answers.iter().map(|a| a.1).collect();
    Ok(QueryResult {
        measure: m.name.clone(),
        kind: m.kind,
        by: by.iter().map(|d| d.name().to_string()).collect(),
        rows: assemble(&label_cubes, &answered_dates, &by, &figures),
        series_breaks: breaks_for(
            &m.name,
            &answered_dates,
            &answered_cubes,
            ctx.series_breaks.unwrap_or_else(|| SeriesBreaks::shipped()),
        ),
        population_profiles: uses.into_iter().collect(),
        perturbed: false,
    })
}

/// For a measure comparing each census with the one before: each chosen census that has
/// an earlier one among `all`, paired with it. An error names the census date missing.
fn previous_census<'a>(
    all: &[&'a Cube],
    chosen: &[&'a Cube],
    measure: &str,
) -> Result<Vec<(&'a Cube, &'a Cube)>, AnalysisError> {
    let mut out = Vec::new();
    for &c in chosen {
        match all.iter().rposition(|p| p.census_date() < c.census_date()) {
            Some(i) => out.push((c, all[i])),
            // The earliest of several dates answers nothing; alone it is an error.
            None if chosen.len() > 1 => {}
            None => {
                let d = c.census_date();
                let before = d - chrono::Months::new(12);
                return Err(AnalysisError::NeedsMore(format!(
                    "{measure} at {d} follows the people of the census before it, which was not given: pass both census dates (e.g. --census-date {before},{d})"
                )));
            }
        }
    }
    Ok(out)
}

/// Adds a filter value to its breakdown's list, checking an area, employer or setting
/// against the data first.
pub(crate) fn add_filter(
    cubes: &[&Cube],
    filters: &mut Vec<(Dim, Vec<String>)>,
    dim: Dim,
    value: String,
) -> Result<(), AnalysisError> {
    if dim.is_dictionary() {
        check_dictionary_value(cubes, dim, &value)?;
    }
    match filters.iter_mut().find(|(d, _)| *d == dim) {
        Some((_, vs)) => vs.push(value),
        None => filters.push((dim, vec![value])),
    }
    Ok(())
}

/// Which codes of a group breakdown the filter values name.
fn group_mask(dim: Dim, values: &[String]) -> Vec<bool> {
    let list = value_list(dim).unwrap_or(&[]);
    list.iter()
        .map(|c| values.iter().any(|v| c.eq_ignore_ascii_case(v)))
        .collect()
}

/// Labels the figures of every cube and orders them by their keys: code-list order
/// where the breakdown has one, text order for area, employer and setting (across all
/// cubes), date order for census_date. Each key is first turned into a rank so the
/// sort compares integers, and labels are made only once the order is known.
/// `cubes[i]` labels `figures[i]`, answered at `dates[i]` (ascending).
fn assemble(
    cubes: &[&Cube],
    dates: &[NaiveDate],
    by: &[Dim],
    figures: &[Figures],
) -> Vec<ResultRow> {
    // Per breakdown and cube: the label and the rank of every code.
    let tables: Vec<Labels> = by
        .iter()
        .map(|&dim| Labels::new(cubes, dates, dim))
        .collect();
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
                estimated: false,
                records: Some(cell.records),
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
    fn new(cubes: &[&Cube], dates: &[NaiveDate], dim: Dim) -> Labels {
        if dim == Dim::CensusDate {
            // Dates come in order: the position is the rank.
            return Labels {
                label: dates.iter().map(|d| vec![d.to_string()]).collect(),
                rank: (0..dates.len() as u32).map(|i| vec![i]).collect(),
                ranks: dates.len().max(1) as u32,
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
pub(crate) struct Checked {
    pub measure: &'static measures::Measure,
    pub by: Vec<Dim>,
    pub filters: Vec<(Dim, String)>,
    /// The person-group breakdown a group comparison compares.
    pub group: Option<Dim>,
}

/// Whether a measure follows people from the census before the one asked about
/// (observed_wastage_rate): its answer needs that census's cube as well.
pub fn needs_census_before(measure: &str) -> bool {
    measures::find(measure).is_some_and(|m| m.def == Def::ObservedWastage)
}

/// Checks everything about a query that needs no data: the measure, the breakdowns and
/// whether its records carry them, the filters' breakdowns, and filter values of
/// breakdowns with a code list. Values of area, employer, setting and census_date are
/// checked by [`run_query`] against the data. Lets a caller answer a typo before
/// loading (or building) any cube.
pub fn check_query(q: &Query) -> Result<(), AnalysisError> {
    check(q).map(|_| ())
}

pub(crate) fn check(q: &Query) -> Result<Checked, AnalysisError> {
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
    let group = match m.def {
        Def::GroupRatio(versus) => Some(compared_group(&m.name, versus, &by, &filters)?),
        _ => None,
    };
    Ok(Checked {
        measure: m,
        by,
        filters,
        group,
    })
}

/// The one person-group breakdown that representation_ratio or leadership_gap compares,
/// from the breakdowns and filters.
fn compared_group(
    measure: &str,
    versus: Versus,
    by: &[Dim],
    filters: &[(Dim, String)],
) -> Result<Dim, AnalysisError> {
    let named: Vec<Dim> = by
        .iter()
        .chain(filters.iter().map(|(d, _)| d))
        .copied()
        .collect();
    if versus == Versus::Leaders && named.contains(&Dim::Leader) {
        return Err(AnalysisError::NeedsMore(format!(
            "{measure} compares leaders with the whole workforce, so it cannot be broken down or filtered by leader"
        )));
    }
    let mut groups: Vec<Dim> = Vec::new();
    for d in named {
        if GROUP_DIMS.contains(&d) && !groups.contains(&d) {
            groups.push(d);
        }
    }
    match groups[..] {
        [g] => Ok(g),
        [] => Err(AnalysisError::NeedsMore(format!(
            "{measure} compares the share of a group: name it with --by or --where on one of {} (e.g. --by ethnic_group, or --where gender=female)",
            GROUP_DIMS.map(Dim::name).join(", ")
        ))),
        [a, b, ..] => Err(AnalysisError::NeedsMore(format!(
            "{measure} compares one group breakdown at a time, but both {} and {} were given",
            a.name(),
            b.name()
        ))),
    }
}

fn parse_dim(name: &str) -> Result<Dim, AnalysisError> {
    Dim::parse(name).ok_or_else(|| AnalysisError::UnknownBreakdown {
        name: name.to_string(),
        suggestion: closest(name, breakdown_names().iter().copied()),
    })
}

pub(crate) fn check_date(cubes: &[&Cube], value: &str) -> Result<NaiveDate, AnalysisError> {
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
pub(crate) fn check_dictionary_value(
    cubes: &[&Cube],
    dim: Dim,
    value: &str,
) -> Result<(), AnalysisError> {
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
pub(crate) fn filter_masks(cube: &Cube, filters: &[(Dim, Vec<String>)]) -> Vec<(Dim, Vec<bool>)> {
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

/// Disclosure control for ad hoc tables (explorer, dashboard, API): primary suppression,
/// then the cell key method on every figure shown ([`crate::cellkey`]).
pub fn apply_cell_key_method(result: &mut QueryResult, threshold: u64) {
    apply_primary_suppression(result, threshold);
    crate::cellkey::perturb(result, threshold);
    result.perturbed = true;
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
