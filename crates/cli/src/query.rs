//! `observatory query`: the public query contract (measures.md): any measure over any
//! breakdowns and filters, as a table, CSV, JSON or XLSX, with disclosure control.

use anyhow::Context;
use anyhow::Result;
use clap::Args;
use observatory_service::query::{
    MAX_DATA_FILE_BYTES, Protection, breakdown_names, check_threshold, measure_names,
};
use observatory_service::{Actor, Answers, Ask};
use std::path::PathBuf;

use crate::Cli;
use crate::output::{Format, write_out};

/// Disclosure control as every command showing counts of people offers it.
#[derive(Args)]
pub struct Suppression {
    /// Show every figure unsuppressed (local administrators only: never publish such output).
    #[arg(long)]
    pub no_suppression: bool,
    /// The disclosure threshold: counts of people below it are suppressed (never below 3).
    #[arg(long, default_value_t = observatory_domain::DEFAULT_SUPPRESSION_THRESHOLD)]
    pub threshold: u64,
}

impl Suppression {
    /// The threshold to apply (`None`: unsuppressed), refusing one that could identify people.
    pub fn threshold(&self) -> Result<Option<u64>> {
        check_threshold(self.threshold)?;
        Ok((!self.no_suppression).then_some(self.threshold))
    }
}

/// `query`'s disclosure control: [`Suppression`], or the web app's cell key method.
#[derive(Args)]
pub struct QueryProtection {
    #[command(flatten)]
    pub suppression: Suppression,
    /// Perturb the figures exactly as the web app and API show them to anyone whose
    /// question crosses organisations (the cell key method, docs/disclosure.md).
    #[arg(long, conflicts_with = "no_suppression")]
    pub cell_key: bool,
}

impl QueryProtection {
    /// What protects the answer's figures.
    pub fn protection(&self) -> Result<Protection> {
        Ok(match self.suppression.threshold()? {
            None => Protection::Exact,
            Some(t) if self.cell_key => Protection::CellKey(t),
            Some(t) => Protection::Suppressed(t),
        })
    }
}

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory query --census-date 2025-11-01 --measure posts\n  observatory query --census-date 2025-11-01 --measure vacancy_rate --by sector,employing_sector --where area=E06000056 --format json\n  observatory query --census-date 2024-11-01,2025-11-01 --measure turnover_rate --by census_date,sector\n  observatory query --census-date 2025-11-01 --measure representation_ratio --by area,ethnic_group --population hartlepool-2021\n  observatory query --census-date 2025-11-01 --measure headcount --by area --estimates\n  observatory query --list\n\nFigures about fewer than --threshold people (default 5, never below 3) are suppressed and shown as c;\nrates and shares whose numerator or denominator is below it likewise. --cell-key shows\nthe figures perturbed as the web app and API show them across organisations. Over several census dates, rows where the\nseries breaks (a definition or code list changed) are marked and a footnote says why."
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
    #[command(flatten)]
    pub protection: QueryProtection,
    /// The population profile representation_ratio compares with (see `observatory
    /// population list`; default: the shipped england_2021).
    #[arg(long, value_name = "NAME")]
    pub population: Option<String>,
    /// Declared series breaks to use instead of the shipped data/series_breaks.csv (a CSV
    /// of measure,census_date,reason).
    #[arg(long, value_name = "FILE.csv")]
    pub series_breaks: Option<PathBuf>,
    /// Include estimates for non-response: an employer that returned at the census before
    /// but not at this one is carried forward (people aged one year); figures it touches
    /// are flagged (~ in tables, "estimated": true in JSON).
    #[arg(long)]
    pub estimates: bool,
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
    let protection = a.protection.protection()?;
    let series_breaks = match &a.series_breaks {
        Some(p) => Some(
            observatory_domain::input::read_text_within(p, MAX_DATA_FILE_BYTES, "--series-breaks")
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("--series-breaks {}", p.display()))?,
        ),
        None => None,
    };
    let ask = Ask {
        measure: a.measure.clone().expect("clap requires it"),
        by: a.by.clone(),
        filters: a.filters.clone(),
        dates: a.census_date.clone(),
        estimates: a.estimates,
        population: a.population.clone(),
        series_breaks,
        protection: Some(protection),
    };
    // Check the question before opening anything, so a typo answers at once.
    observatory_service::answers::question(&ask, "--where ")?;
    let db = cli.database().await?;
    let answers = Answers::with_progress(
        protection
            .threshold()
            .unwrap_or(a.protection.suppression.threshold),
        Box::new(|d| Box::new(crate::cubes::spinner(d)) as Box<dyn std::any::Any + Send>),
    );
    let answer = answers
        .answer(&db, Actor::Operator, &ask)
        .await
        .map_err(anyhow::Error::from)?;
    match a.format {
        Format::Json => write_out(
            format!("{}\n", serde_json::to_string_pretty(&answer.to_json())?).as_bytes(),
            a.output.as_deref(),
        )?,
        f => answer.to_table().emit(f, a.output.as_deref())?,
    }
    Ok(0)
}
