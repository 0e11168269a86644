//! `observatory query`: the public query contract (measures.md): any measure over any
//! breakdowns and filters, as a table, CSV, JSON or XLSX, with disclosure control.

use anyhow::Context;
use anyhow::Result;
use clap::Args;
use observatory_analysis::{
    Query, QueryContext, SeriesBreaks, breakdown_names, check_query, flag_estimated, measure_names,
    run_query_with,
};
use observatory_service::query::{Protection, answer_protected, check_threshold, parse_filters};
use std::path::PathBuf;

use crate::Cli;
use crate::output::{Format, write_out};

// The contract's JSON and table forms are shared with the API.
pub use observatory_service::query::{to_json, to_table};

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
    let threshold = protection.threshold();
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
    let breaks = match &a.series_breaks {
        Some(p) => Some(
            SeriesBreaks::from_csv(
                &observatory_domain::input::read_text_within(
                    p,
                    observatory_analysis::MAX_DATA_FILE_BYTES,
                    "--series-breaks",
                )
                .map_err(anyhow::Error::msg)?,
            )
            .with_context(|| format!("--series-breaks {}", p.display()))?,
        ),
        None => None,
    };
    let store = cli.store().await?;
    let population = match &a.population {
        Some(name) => Some(
            crate::population::load(&store, name)
                .await?
                .over_national_default(),
        ),
        None => None,
    };
    let ctx = QueryContext {
        population: population.as_ref(),
        series_breaks: breaks.as_ref(),
    };
    let mut estimate_note = None;
    let mut estimated_from = None;
    let result = if a.estimates {
        let e = observatory_service::estimates::load(&store, &dates, crate::cubes::spinner).await?;
        let refs: Vec<_> = e.combined.iter().collect();
        let mut result = answer_protected(&refs, &q, protection, &ctx)?;
        let carried: Vec<_> = e.carried.iter().collect();
        // A filter naming something only reported data has leaves the carried records
        // out of every row: nothing to flag.
        if let Ok(c) = run_query_with(&carried, &q, &ctx) {
            flag_estimated(&mut result, &c);
        }
        estimate_note = observatory_service::estimates::note(&e.carried_from);
        estimated_from = Some(
            e.carried_from
                .iter()
                .map(|(d, b, who)| {
                    serde_json::json!({"census_date": d.to_string(), "carried_from": b.to_string(), "employers": who})
                })
                .collect::<Vec<_>>(),
        );
        result
    } else {
        let mut q = q.clone();
        let known = store.census_dates().await?;
        let load =
            observatory_service::query::dates_to_load(&q.measure, &dates, &known, &mut q.filters);
        let cubes = crate::cubes::load(&store, &load).await?;
        let refs: Vec<_> = cubes.iter().collect();
        answer_protected(&refs, &q, protection, &ctx)?
    };
    let completeness = observatory_service::completeness::of(
        &store,
        &dates,
        observatory_service::completeness::area_of(&q.filters),
    )
    .await?;
    match a.format {
        Format::Json => {
            let mut v = to_json(&result, &dates);
            observatory_service::completeness::add_to_json(&mut v, &completeness);
            if let Some(from) = estimated_from {
                v["estimates"] = serde_json::json!(from);
            }
            write_out(
                format!("{}\n", serde_json::to_string_pretty(&v)?).as_bytes(),
                a.output.as_deref(),
            )?;
        }
        f => {
            let mut table = to_table(&result, &dates, threshold);
            if let Some(name) = a
                .population
                .as_ref()
                .filter(|_| !result.population_profiles.is_empty())
            {
                table.notes.push(format!("Population profile: {name} (over the shipped england_2021 where it has no shares)."));
            }
            table.notes.extend(estimate_note);
            table
                .notes
                .extend(observatory_service::completeness::notes(&completeness));
            table.emit(f, a.output.as_deref())?
        }
    }
    Ok(0)
}
