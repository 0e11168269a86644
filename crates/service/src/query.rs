//! The query contract's shared half (measures.md): parsing filters, answering a query
//! with disclosure control, and the contract's JSON and table forms. The command line
//! and the API both answer through here, so their JSON is the same byte for byte.

use anyhow::{Result, bail};
use chrono::NaiveDate;
use observatory_analysis::{
    Cube, MIN_SUPPRESSION_THRESHOLD, QueryContext, apply_cell_key_method,
    apply_primary_suppression, run_query_with,
};
use serde_json::{Map, Value, json};

use crate::output::TableOut;

// The query's vocabulary, as the interfaces name it.
pub use observatory_analysis::{
    MAX_DATA_FILE_BYTES, MeasureKind, Query, QueryResult, ResultRow, breakdown_names,
    measure_names, measure_units,
};
pub use observatory_domain::Unit;

/// Filters written as `DIM=VALUE`. `flag` names where they came from in messages
/// (`--where ` on the command line, `where=` in the API).
pub fn parse_filters(raw: &[String], flag: &str) -> Result<Vec<(String, String)>> {
    raw.iter()
        .map(|f| match f.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => bail!("{flag}{f}: write a filter as DIM=VALUE, e.g. {flag}area=E06000056"),
        })
        .collect()
}

/// The census dates whose cubes answer `measure` at `dates`, and the query's filters:
/// for a measure that follows people from the census before (observed_wastage_rate),
/// the census before each date asked is loaded too (found among `known`, the dates with
/// returns), and the dates asked become `census_date` filters, so the measure is asked
/// at the later date alone, as the contract says.
pub fn dates_to_load(
    measure: &str,
    dates: &[NaiveDate],
    known: &[NaiveDate],
    filters: &mut Vec<(String, String)>,
) -> Vec<NaiveDate> {
    if !observatory_analysis::needs_census_before(measure) {
        return dates.to_vec();
    }
    let mut load: Vec<NaiveDate> = dates.to_vec();
    for d in dates {
        if let Some(before) = known.iter().filter(|k| *k < d).max() {
            load.push(*before);
        }
    }
    // Only when the caller named no census date among the filters themselves.
    if !filters
        .iter()
        .any(|(k, _)| k.trim().eq_ignore_ascii_case("census_date"))
    {
        filters.extend(dates.iter().map(|d| ("census_date".into(), d.to_string())));
    }
    load.sort();
    load.dedup();
    load
}

/// Refuse a threshold that could identify people.
pub fn check_threshold(threshold: u64) -> Result<()> {
    if threshold < MIN_SUPPRESSION_THRESHOLD {
        bail!(
            "--threshold must be at least {MIN_SUPPRESSION_THRESHOLD}: smaller cells could identify people"
        );
    }
    Ok(())
}

/// Answer `q` over `cubes`; with `threshold`, figures about fewer people are suppressed
/// (`None` only for record-level rights: the local administrator, an employer's own data).
pub fn answer(cubes: &[&Cube], q: &Query, threshold: Option<u64>) -> Result<QueryResult> {
    answer_with(cubes, q, threshold, &QueryContext::default())
}

/// As [`answer`], with the caller's population profile and series breaks.
pub fn answer_with(
    cubes: &[&Cube],
    q: &Query,
    threshold: Option<u64>,
    ctx: &QueryContext,
) -> Result<QueryResult> {
    let protection = threshold.map_or(Protection::Exact, Protection::Suppressed);
    answer_protected(cubes, q, protection, ctx)
}

/// How an answer's figures are protected (docs/disclosure.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protection {
    /// Exact figures: record-level rights only (the local administrator, an employer's
    /// own records).
    Exact,
    /// Primary suppression at this threshold: the command line's `query` (its contract).
    Suppressed(u64),
    /// Primary suppression and the cell key method: every ad hoc figure that crosses
    /// organisations (explorer, dashboard, downloads, API), so that no number of
    /// queries can be differenced into a hidden figure.
    CellKey(u64),
}

impl Protection {
    /// The threshold applied, if any.
    pub fn threshold(self) -> Option<u64> {
        match self {
            Protection::Exact => None,
            Protection::Suppressed(t) | Protection::CellKey(t) => Some(t),
        }
    }
}

/// Answer `q` over `cubes` with its figures protected as `protection` says.
pub fn answer_protected(
    cubes: &[&Cube],
    q: &Query,
    protection: Protection,
    ctx: &QueryContext,
) -> Result<QueryResult> {
    let mut result = run_query_with(cubes, q, ctx)?;
    match protection {
        Protection::Exact => {}
        Protection::Suppressed(t) => apply_primary_suppression(&mut result, t),
        Protection::CellKey(t) => apply_cell_key_method(&mut result, t),
    }
    Ok(result)
}

/// Numbers as the contract wants them: counts whole, rates and shares as fractions.
pub fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        json!((v * 1e6).round() / 1e6)
    }
}

/// A figure as table text: whole numbers plain, rates to 4 places, others to 2.
pub fn text(v: Option<f64>, kind: MeasureKind) -> String {
    match v {
        None => String::new(),
        Some(v) if v.fract() == 0.0 => format!("{}", v as i64),
        Some(v) => match kind {
            MeasureKind::Rate => format!("{v:.4}"),
            _ => format!("{v:.2}"),
        },
    }
}

/// The contract's JSON object.
pub fn to_json(r: &QueryResult, dates: &[NaiveDate]) -> Value {
    let rows: Vec<Value> = r
        .rows
        .iter()
        .map(|row| {
            let mut m = Map::new();
            for (k, v) in r.by.iter().zip(&row.keys) {
                m.insert(k.clone(), json!(v));
            }
            m.insert("value".into(), row.value.map_or(Value::Null, number));
            m.insert(
                "numerator".into(),
                row.numerator.map_or(Value::Null, number),
            );
            m.insert(
                "denominator".into(),
                row.denominator.map_or(Value::Null, number),
            );
            m.insert("suppressed".into(), json!(row.suppressed));
            if row.estimated {
                m.insert("estimated".into(), json!(true));
            }
            Value::Object(m)
        })
        .collect();
    let census_date = if dates.len() == 1 {
        json!(dates[0].to_string())
    } else {
        json!(dates.iter().map(|d| d.to_string()).collect::<Vec<_>>())
    };
    let mut out =
        json!({"measure": r.measure, "census_date": census_date, "by": r.by, "rows": rows});
    // Present only when they say something, so other answers keep the contract's shape.
    if !r.series_breaks.is_empty() {
        out["series_breaks"] = json!(r.series_breaks);
    }
    if !r.population_profiles.is_empty() {
        out["population_profiles"] = json!(r.population_profiles);
    }
    if r.perturbed {
        out["perturbed"] = json!(true);
    }
    out
}

/// Where the series breaks, per row: the rows of a census date at which a break is
/// declared or detected (their figures do not compare with the dates before).
fn break_marks(r: &QueryResult) -> Option<Vec<bool>> {
    if r.series_breaks.is_empty() {
        return None;
    }
    let at = r.by.iter().position(|b| b == "census_date")?;
    Some(
        r.rows
            .iter()
            .map(|row| {
                NaiveDate::parse_from_str(&row.keys[at], "%Y-%m-%d")
                    .is_ok_and(|d| r.series_break(d).is_some())
            })
            .collect(),
    )
}

/// The footnotes of a representation_ratio answer: which profile answered for each area.
fn profile_notes(r: &QueryResult) -> Vec<String> {
    r.population_profiles
        .iter()
        .map(|u| {
            let area = u.area.as_deref().unwrap_or("all areas");
            match &u.profile {
                Some(p) if Some(p.as_str()) == u.area.as_deref() => {
                    format!(
                        "Population of {area} ({}): the area's own profile.",
                        u.dimension
                    )
                }
                Some(p) => format!(
                    "Population of {area} ({}): the {p} profile (the area has none of its own).",
                    u.dimension
                ),
                None => format!(
                    "Population of {area} ({}): no profile describes it, so there is no ratio.",
                    u.dimension
                ),
            }
        })
        .collect()
}

/// The result as a table with `c` for suppressed figures and a footnote saying why.
pub fn to_table(r: &QueryResult, dates: &[NaiveDate], threshold: Option<u64>) -> TableOut {
    let mut headers = r.by.clone();
    headers.extend(["value", "numerator", "denominator"].map(String::from));
    let marks = break_marks(r);
    if marks.is_some() {
        headers.push("series".into());
    }
    let rows = r
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = row.keys.clone();
            if row.suppressed {
                cells.extend(["c", "c", "c"].map(String::from));
            } else if row.estimated {
                cells.push(format!("~{}", text(row.value, r.kind)));
                cells.push(text(row.numerator, MeasureKind::Statistic));
                cells.push(text(row.denominator, MeasureKind::Statistic));
            } else {
                cells.push(text(row.value, r.kind));
                cells.push(text(row.numerator, MeasureKind::Statistic));
                cells.push(text(row.denominator, MeasureKind::Statistic));
            }
            if let Some(m) = &marks {
                cells.push(if m[i] { "break" } else { "" }.to_string());
            }
            cells
        })
        .collect();
    let mut notes = Vec::new();
    for b in &r.series_breaks {
        notes.push(format!(
            "break: the series breaks at {}: {}. Do not compare its figures with earlier dates.",
            b.census_date, b.reason
        ));
    }
    notes.extend(profile_notes(r));
    if r.rows.iter().any(|row| row.estimated && !row.suppressed) {
        notes.push(ESTIMATE_NOTE.to_string());
    }
    if r.perturbed {
        notes.push(PERTURBED_NOTE.to_string());
    }
    match threshold {
        Some(t) if r.rows.iter().any(|row| row.suppressed) => notes.push(suppression_note(t)),
        Some(_) => {}
        None => notes.push(
            "Unsuppressed figures: for the local administrator only; do not publish.".to_string(),
        ),
    }
    TableOut {
        title: format!(
            "{} at {}",
            r.measure,
            dates
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        headers,
        rows,
        notes,
    }
}

/// The footnote under any table with estimated figures.
pub const ESTIMATE_NOTE: &str = "~ = includes estimates: employers that returned at the census before but not at this one are carried forward from their previous return (people aged one year).";

/// The footnote under any table whose figures the cell key method perturbed.
pub const PERTURBED_NOTE: &str = "Figures are changed slightly to protect individuals, so totals may not add up exactly; the same figure is always shown the same way.";

/// The footnote under any table with suppressed cells.
pub fn suppression_note(threshold: u64) -> String {
    format!(
        "c = suppressed to protect individuals: fewer than {threshold} people behind the figure (or its numerator or denominator)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_or_explain() {
        let f = parse_filters(&["area = E06000056".into()], "--where ").unwrap();
        assert_eq!(f, vec![("area".into(), "E06000056".into())]);
        let e = parse_filters(&["area".into()], "where=").unwrap_err();
        assert!(
            e.to_string().starts_with("where=area: write a filter"),
            "{e}"
        );
    }

    #[test]
    fn numbers_follow_the_contract() {
        assert_eq!(number(12.0), json!(12));
        assert_eq!(number(0.08412345678), json!(0.084123));
        assert_eq!(text(Some(0.5), MeasureKind::Rate), "0.5000");
        assert!(check_threshold(2).is_err());
        assert!(check_threshold(3).is_ok());
    }
}

#[cfg(test)]
mod census_before_tests {
    use super::*;

    #[test]
    fn observed_wastage_loads_the_census_before_and_answers_the_date_asked() {
        let d = |y| NaiveDate::from_ymd_opt(y, 11, 1).unwrap();
        let known = [d(2023), d(2024), d(2025)];
        let mut filters = vec![];
        let load = dates_to_load("observed_wastage_rate", &[d(2025)], &known, &mut filters);
        assert_eq!(load, vec![d(2024), d(2025)]);
        assert_eq!(filters, vec![("census_date".into(), "2025-11-01".into())]);
        let mut filters = vec![];
        assert_eq!(
            dates_to_load("posts", &[d(2025)], &known, &mut filters),
            vec![d(2025)]
        );
        assert!(filters.is_empty());
    }
}
