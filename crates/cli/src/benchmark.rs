//! `observatory benchmark`: an employer's or an area's figures beside those of a
//! comparison group (median and quartiles, and where the subject ranks), as ASC-WDS
//! does for adult social care employers.

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use observatory_service::Actor;
use observatory_service::benchmarks::{self, BenchmarkResult, GroupKind, MeasureKind, Subject};
use observatory_service::query::{number, text};
use serde_json::json;

use crate::Cli;
use crate::import::parse_date;
use crate::output::{OutputArgs, TableOut};

#[derive(Clone, Copy, ValueEnum)]
pub enum GroupArg {
    /// Employers of the same main setting type in the same area (employers only).
    SameSettingArea,
    /// The same main sector nationally (for an area: every other area).
    SectorNational,
    /// The employers or areas listed with --neighbours.
    Neighbours,
}

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory benchmark --census-date 2025-11-01 --employer LA-001 --group same-setting-area\n  observatory benchmark --census-date 2025-11-01 --area E06000056 --group sector-national --measure turnover_rate,vacancy_rate\n  observatory benchmark --census-date 2025-11-01 --area E06000056 --group neighbours --neighbours E06000001,E06000002,E06000003 --format json\n\nMembers whose figure rests on fewer than --threshold people are left out of the group;\na group with fewer members left than that is suppressed (c), and so is a subject's figure\nresting on fewer people."
)]
pub struct BenchmarkArgs {
    #[arg(long, value_parser = parse_date)]
    pub census_date: NaiveDate,
    /// The employer benchmarked (its id in the returns).
    #[arg(long, conflicts_with = "area", required_unless_present = "area")]
    pub employer: Option<String>,
    /// The area benchmarked (GSS code).
    #[arg(long)]
    pub area: Option<String>,
    /// Whom to compare with.
    #[arg(long, value_enum)]
    pub group: GroupArg,
    /// The statistical neighbours (employer ids or area codes), comma separated.
    #[arg(long, value_delimiter = ',')]
    pub neighbours: Vec<String>,
    /// Measures, comma separated (default: headcount, fte, vacancy_rate, turnover_rate,
    /// stability_rate, agency_share, qualified_share_l3, median_pay).
    #[arg(long, value_delimiter = ',')]
    pub measure: Vec<String>,
    /// A filter DIM=VALUE applied to the subject and every member, e.g. sector=early_years.
    #[arg(long = "where", value_name = "DIM=VALUE")]
    pub filters: Vec<String>,
    #[command(flatten)]
    pub out: OutputArgs,
    /// The disclosure threshold (never below 3).
    #[arg(long, default_value_t = observatory_domain::DEFAULT_SUPPRESSION_THRESHOLD)]
    pub threshold: u64,
}

pub async fn run(cli: &Cli, a: &BenchmarkArgs) -> Result<i32> {
    let subject = match (&a.employer, &a.area) {
        (Some(e), _) => Subject::Employer(e.trim().to_string()),
        (None, Some(area)) => Subject::Area(area.trim().to_string()),
        (None, None) => unreachable!("clap requires --employer or --area"),
    };
    let ask = benchmarks::Ask {
        census_date: a.census_date,
        subject,
        group: match a.group {
            GroupArg::SameSettingArea => GroupKind::SameSettingArea,
            GroupArg::SectorNational => GroupKind::SectorNational,
            GroupArg::Neighbours => GroupKind::Neighbours,
        },
        neighbours: a.neighbours.clone(),
        measures: a.measure.clone(),
        filters: a.filters.clone(),
        threshold: a.threshold,
    };
    // Check the question before opening anything, so a typo answers at once.
    let checked = ask.check()?;
    let db = cli.database().await?;
    let results =
        benchmarks::compare(&db, Actor::Operator, &checked, crate::cubes::spinner).await?;
    let json: Vec<_> = results.iter().map(to_json).collect();
    a.out
        .write(&json, || to_table(&results, checked.subject()))?;
    Ok(0)
}

fn opt(v: Option<f64>) -> serde_json::Value {
    v.map_or(serde_json::Value::Null, number)
}

fn to_json(r: &BenchmarkResult) -> serde_json::Value {
    json!({
        "measure": r.measure,
        "census_date": r.census_date.to_string(),
        "subject": r.subject,
        "group": r.group_description,
        "value": opt(r.subject_value),
        "suppressed": r.subject_suppressed,
        "median": opt(r.median),
        "lower_quartile": opt(r.lower_quartile),
        "upper_quartile": opt(r.upper_quartile),
        "group_suppressed": r.group_suppressed,
        "members": r.members,
        "members_compared": r.members_compared,
        "members_left_out": r.members_left_out,
        "rank": r.rank,
        "ranked_among": r.ranked_among,
        "percentile": opt(r.percentile),
        "threshold": r.threshold,
    })
}

fn to_table(results: &[BenchmarkResult], subject: &Subject) -> TableOut {
    let cell = |v: Option<f64>, hidden: bool, kind: MeasureKind| {
        if hidden {
            "c".to_string()
        } else {
            text(v, kind)
        }
    };
    let rows = results
        .iter()
        .map(|r| {
            let g = r.group_suppressed;
            vec![
                r.measure.clone(),
                cell(r.subject_value, r.subject_suppressed, r.kind),
                cell(r.lower_quartile, g, r.kind),
                cell(r.median, g, r.kind),
                cell(r.upper_quartile, g, r.kind),
                match (r.rank, r.ranked_among) {
                    (Some(k), Some(n)) if !g => format!("{k} of {n}"),
                    _ => String::new(),
                },
                r.members_compared.to_string(),
                r.members_left_out.to_string(),
            ]
        })
        .collect();
    let who = match subject {
        Subject::Employer(e) => format!("employer {e}"),
        Subject::Area(a) => format!("area {a}"),
    };
    let mut notes = Vec::new();
    if let Some(r) = results.first() {
        notes.push(format!("Compared with {}.", r.group_description));
        notes.push(format!(
            "c = suppressed: the figure rests on fewer than {} people, or fewer members than that remain. Left out: members whose own figure rests on too few people.",
            r.threshold
        ));
    }
    TableOut {
        title: format!(
            "Benchmark of {who} at {}",
            results
                .first()
                .map(|r| r.census_date.to_string())
                .unwrap_or_default()
        ),
        headers: [
            "measure",
            "value",
            "lower_quartile",
            "median",
            "upper_quartile",
            "rank",
            "members",
            "left_out",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        notes,
    }
}
