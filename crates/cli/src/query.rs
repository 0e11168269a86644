//! `observatory query`: the public query contract (measures.md): any measure over any
//! breakdowns and filters, as a table, CSV, JSON or XLSX, with disclosure control.

use anyhow::Result;
use clap::Args;
use observatory_analysis::{Query, breakdown_names, check_query, measure_names};
use observatory_service::query::{answer, check_threshold, parse_filters};
use std::path::PathBuf;

use crate::Cli;
use crate::output::{Format, write_out};

// The contract's JSON and table forms are shared with the API.
pub use observatory_service::query::{to_json, to_table};

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

pub async fn run(cli: &Cli, a: &QueryArgs) -> Result<i32> {
    if a.list {
        println!("Measures:\n  {}", measure_names().join("\n  "));
        println!(
            "\nBreakdowns (--by, --where):\n  {}",
            breakdown_names().join("\n  ")
        );
        return Ok(0);
    }
    check_threshold(a.threshold)?;
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
        filters: parse_filters(&a.filters, "--where ")?,
    };
    // Check the question before opening anything, so a typo answers at once.
    check_query(&q)?;
    let store = cli.store().await?;
    let cubes = crate::cubes::load(&store, &dates).await?;
    let refs: Vec<_> = cubes.iter().collect();
    let threshold = (!a.no_suppression).then_some(a.threshold);
    let result = answer(&refs, &q, threshold)?;
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
