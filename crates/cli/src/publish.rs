//! `observatory publish`: the standard publication of a census date, every table protected
//! together, written as CSV files, one XLSX workbook and an HTML report with charts.

use anyhow::Result;
use chrono::NaiveDate;
use clap::Args;
use observatory_service::Actor;
use observatory_service::publication;
use std::path::PathBuf;

use crate::Cli;

#[derive(Args)]
#[command(
    after_help = "Writes into --out:\n  csv/        one CSV per table (codes and labels; fractions; c = suppressed) and notes.txt\n  census-DATE.xlsx   a workbook: Contents, Notes, then a sheet per table\n  census-DATE.html   a report with a chart beside every table (print it to PDF if you need one)\n\nThe table list is data/publication/tables.csv. Every table is protected together: small\ncounts are suppressed (primary) and further cells hidden wherever a total would give a\nsuppressed figure away (secondary).\n\nExample:\n  observatory publish --census-date 2025-11-01 --out publication/"
)]
pub struct PublishArgs {
    /// The census date to publish, YYYY-MM-DD.
    #[arg(long, value_parser = crate::import::parse_date)]
    pub census_date: NaiveDate,
    /// The folder to write into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// The disclosure threshold: figures about fewer people are suppressed (never below 3).
    #[arg(long, default_value_t = observatory_domain::DEFAULT_SUPPRESSION_THRESHOLD)]
    pub threshold: u64,
    /// How to protect figures: suppression (primary and secondary, proven by an audit) or
    /// rounding (counts to the nearest --round-base, totals to twice that).
    #[arg(long, value_enum, default_value = "suppression")]
    pub method: MethodArg,
    /// Base for rounding (with --method rounding).
    #[arg(long, default_value_t = 5)]
    pub round_base: u64,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum MethodArg {
    Suppression,
    Rounding,
}

pub async fn run(cli: &Cli, a: &PublishArgs) -> Result<i32> {
    let control = publication::control(
        a.threshold,
        match a.method {
            MethodArg::Suppression => None,
            MethodArg::Rounding => Some(a.round_base),
        },
    )?;
    let db = cli.database().await?;
    let published = publication::publish(
        &db,
        Actor::Operator,
        a.census_date,
        control,
        &a.out,
        crate::cubes::spinner,
    )
    .await?;
    let (p, files) = (&published.publication, &published.files);
    println!(
        "Published the census of {} in {:.1} s: {} tables ({} figures suppressed as small, {} more to protect them, {} rounded), {} files in {}",
        a.census_date,
        published.elapsed.as_secs_f64(),
        p.tables.len(),
        p.disclosure.primary,
        p.disclosure.secondary,
        p.disclosure.rounded,
        files.len(),
        a.out.display()
    );
    println!(
        "  tables computed and protected in {:.2} s",
        published.computed.as_secs_f64()
    );
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "xlsx" || e == "html"))
    {
        println!("  {}", f.display());
    }
    Ok(0)
}
