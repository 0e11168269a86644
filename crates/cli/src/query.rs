//! `observatory query`: the public query contract (measures.md): any measure over any
//! breakdowns and filters, as a table, CSV, JSON or XLSX, with disclosure control.

use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::Args;
use observatory_analysis::{
    MeasureKind, Query, QueryResult, apply_primary_suppression, breakdown_names, check_query,
    measure_names, run_query,
};
use serde_json::{Map, Value, json};
use std::path::PathBuf;

use crate::Cli;
use crate::output::{Format, TableOut, write_out};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory query --census-date 2025-11-01 --measure posts\n  observatory query --census-date 2025-11-01 --measure vacancy_rate --by sector,employing_sector --where area=E06000056 --format json\n  observatory query --census-date 2024-11-01,2025-11-01 --measure turnover_rate --by census_date,sector\n  observatory query --list\n\nFigures about fewer than --threshold people (default 5) are suppressed and shown as c;\nrates whose denominator is below it likewise."
)]
pub struct QueryArgs {
    /// The census date, or several separated by commas for a series (then break down by census_date).
    #[arg(long, value_delimiter = ',', required_unless_present = "list")]
    pub census_date: Vec<String>,
    /// The measure, e.g. posts, headcount, fte, vacancy_rate, turnover_rate, median_pay.
    #[arg(long, required_unless_present = "list")]
    pub measure: Option<String>,
    /// Breakdowns, comma separated, e.g. sector,employing_sector (none for a single total).
    #[arg(long, value_delimiter = ',')]
    pub by: Vec<String>,
    /// A filter DIM=VALUE, e.g. area=E06000056; repeat it for more (the same DIM twice means either value).
    #[arg(long = "where", value_name = "DIM=VALUE")]
    pub filters: Vec<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file instead of the screen (required for xlsx).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Show every figure unsuppressed (local administrators only: never publish such output).
    #[arg(long)]
    pub no_suppression: bool,
    /// The disclosure threshold: counts of people below it are suppressed (never below 3).
    #[arg(long, default_value_t = 5)]
    pub threshold: u64,
    /// List the measures and breakdowns.
    #[arg(long)]
    pub list: bool,
}

fn parse_filters(raw: &[String]) -> Result<Vec<(String, String)>> {
    raw.iter()
        .map(|f| match f.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => bail!("--where {f}: write a filter as DIM=VALUE, e.g. --where area=E06000056"),
        })
        .collect()
}

/// Numbers as the contract wants them: counts whole, rates and shares as fractions.
fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        json!(v as i64)
    } else {
        json!((v * 1e6).round() / 1e6)
    }
}

fn text(v: Option<f64>, kind: MeasureKind) -> String {
    match v {
        None => String::new(),
        Some(v) if v.fract() == 0.0 => format!("{}", v as i64),
        Some(v) => match kind {
            MeasureKind::Rate => format!("{v:.4}"),
            _ => format!("{v:.2}"),
        },
    }
}

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
            Value::Object(m)
        })
        .collect();
    let census_date = if dates.len() == 1 {
        json!(dates[0].to_string())
    } else {
        json!(dates.iter().map(|d| d.to_string()).collect::<Vec<_>>())
    };
    json!({"measure": r.measure, "census_date": census_date, "by": r.by, "rows": rows})
}

pub fn to_table(r: &QueryResult, dates: &[NaiveDate], threshold: Option<u64>) -> TableOut {
    let mut headers = r.by.clone();
    headers.extend(["value", "numerator", "denominator"].map(String::from));
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let mut cells = row.keys.clone();
            if row.suppressed {
                cells.extend(["c", "c", "c"].map(String::from));
            } else {
                cells.push(text(row.value, r.kind));
                cells.push(text(row.numerator, MeasureKind::Statistic));
                cells.push(text(row.denominator, MeasureKind::Statistic));
            }
            cells
        })
        .collect();
    let mut notes = Vec::new();
    match threshold {
        Some(t) if r.rows.iter().any(|row| row.suppressed) => notes.push(format!(
            "c = suppressed to protect individuals: fewer than {t} people behind the figure (or its denominator)."
        )),
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

pub async fn run(cli: &Cli, a: &QueryArgs) -> Result<i32> {
    if a.list {
        println!("Measures:\n  {}", measure_names().join("\n  "));
        println!(
            "\nBreakdowns (--by, --where):\n  {}",
            breakdown_names().join("\n  ")
        );
        return Ok(0);
    }
    if a.threshold < 3 {
        bail!("--threshold must be at least 3: smaller cells could identify people");
    }
    let dates = a
        .census_date
        .iter()
        .map(|d| crate::import::parse_date(d.trim()).map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    let measure = a.measure.clone().expect("clap requires it");
    let q = Query {
        measure,
        by: a
            .by
            .iter()
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
            .collect(),
        filters: parse_filters(&a.filters)?,
    };
    // Check the question before opening anything, so a typo answers at once.
    check_query(&q)?;
    let store = cli.store().await?;
    let cubes = crate::cubes::load(&store, &dates).await?;
    let refs: Vec<_> = cubes.iter().collect();
    let mut result = run_query(&refs, &q)?;
    let threshold = (!a.no_suppression).then_some(a.threshold);
    if let Some(t) = threshold {
        apply_primary_suppression(&mut result, t);
    }
    match a.format {
        Format::Json => {
            let v = to_json(&result, &dates);
            write_out(
                format!("{}\n", serde_json::to_string_pretty(&v)?).as_bytes(),
                a.output.as_deref(),
            )?;
        }
        f => to_table(&result, &dates, threshold).emit(f, a.output.as_deref())?,
    }
    Ok(0)
}
