//! `observatory quality`: how far to trust a census before reading it: completeness of
//! every field by employer and area against the ASC-WDS goals (100 % core, 90 % the
//! rest), year-on-year continuity of each employer, and outliers among employers' rates
//! within their peer group (modified z-score).

use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use observatory_analysis::MeasureKind;
use observatory_analysis::quality::{
    CompletenessReport, CompletenessSink, ContinuityLimits, ContinuityReport, GroupLevel,
    OutlierConfig, OutlierRow, OutlierStatus, PeerGroup, continuity, outliers,
};
use observatory_service::query::text;
use std::collections::HashSet;

use crate::Cli;
use crate::import::parse_date;
use crate::output::{OutputArgs, TableOut};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory quality completeness --census-date 2025-11-01\n  observatory quality completeness --census-date 2025-11-01 --area E06000056 --all --format csv\n  observatory quality continuity --census-date 2025-11-01\n  observatory quality outliers --census-date 2025-11-01 --peer-group employing-sector --format json\n\nThese figures name employers: they are for the people who look after the data, not for\npublication."
)]
pub struct QualityArgs {
    #[command(subcommand)]
    pub command: QualityCommand,
}

/// What every quality report is asked with.
#[derive(Args)]
pub struct Common {
    #[arg(long, value_parser = parse_date)]
    pub census_date: NaiveDate,
    /// Only employers with settings in this area (GSS code), and the area itself.
    #[arg(long)]
    pub area: Option<String>,
    /// List every row, not only those that miss a goal or are flagged.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PeerArg {
    /// Employers of the same main setting type.
    SettingType,
    /// Employers of the same main employing sector.
    EmployingSector,
}

#[derive(Subcommand)]
pub enum QualityCommand {
    /// Completeness of every field by employer, area and nationally, against its goal.
    Completeness(Common),
    /// Each employer against the census before: jumps in posts, headcount or turnover,
    /// and employers that stopped returning.
    Continuity(Common),
    /// Employers whose rates stand far from their peers' (|modified z| > 3.5).
    Outliers {
        #[command(flatten)]
        common: Common,
        /// Who each employer is compared with.
        #[arg(long, value_enum, default_value = "setting-type")]
        peer_group: PeerArg,
    },
}

pub async fn run(cli: &Cli, a: &QualityArgs) -> Result<i32> {
    let store = cli.store().await?;
    match &a.command {
        QualityCommand::Completeness(c) => completeness(&store, c).await,
        QualityCommand::Continuity(c) => continuity_report(&store, c).await,
        QualityCommand::Outliers { common, peer_group } => {
            outlier_report(&store, common, *peer_group).await
        }
    }
}

/// Employers with a setting in `area` at `date`, for filtering.
async fn employers_in(
    store: &observatory_store::Store,
    date: NaiveDate,
    area: &str,
) -> Result<HashSet<String>> {
    Ok(store
        .returns_status(date, Some(area))
        .await?
        .into_iter()
        .filter(|r| r.returned)
        .map(|r| r.employer_id)
        .collect())
}

fn pct(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{:.1}%", v * 100.0))
}

async fn completeness(store: &observatory_store::Store, c: &Common) -> Result<i32> {
    observatory_service::cubes::check_dates(&store.clone().into(), &[c.census_date]).await?;
    let mut sink = CompletenessSink::new();
    store.load_census(c.census_date, &mut sink).await?;
    let mut report = sink.finish();
    if let Some(area) = &c.area {
        let area = area.trim().to_ascii_uppercase();
        let employers = employers_in(store, c.census_date, &area).await?;
        let keep = |level: GroupLevel, group: &str| match level {
            GroupLevel::Employer => employers.contains(group),
            GroupLevel::Area => group.eq_ignore_ascii_case(&area),
            GroupLevel::National => false,
        };
        report.rows.retain(|r| keep(r.level, &r.group));
        report.groups.retain(|g| keep(g.level, &g.group));
    }
    c.out.write(&report, || completeness_table(&report, c))?;
    Ok(0)
}

fn completeness_table(report: &CompletenessReport, c: &Common) -> TableOut {
    let all = c.all;
    let level = |l: GroupLevel| match l {
        GroupLevel::Employer => "employer",
        GroupLevel::Area => "area",
        GroupLevel::National => "national",
    };
    let rows = report
        .rows
        .iter()
        .filter(|r| all || r.meets_target == Some(false))
        .map(|r| {
            vec![
                level(r.level).to_string(),
                r.group.clone(),
                r.records.clone(),
                r.field.clone(),
                if r.core { "core" } else { "other" }.to_string(),
                pct(r.target),
                pct(r.completeness),
                r.complete.to_string(),
                r.rows.to_string(),
                r.not_known.to_string(),
                match r.meets_target {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "",
                }
                .to_string(),
            ]
        })
        .collect();
    let below: Vec<String> = report
        .groups
        .iter()
        .filter(|g| g.fields_below_target > 0)
        .map(|g| {
            format!(
                "{} {}: {} of {} fields below goal ({} core)",
                level(g.level),
                g.group,
                g.fields_below_target,
                g.fields_checked,
                g.core_fields_below_target
            )
        })
        .collect();
    let mut notes = vec![format!(
        "Goals: {:.0}% for core fields, {:.0}% for the rest. not_known and NOBT count as missing.",
        observatory_analysis::quality::CORE_TARGET * 100.0,
        observatory_analysis::quality::OTHER_TARGET * 100.0
    )];
    if below.is_empty() {
        notes.push("Every field meets its goal.".into());
    } else {
        notes.extend(below);
    }
    if !all {
        notes.push("Only fields below their goal are listed; add --all for every field.".into());
    }
    TableOut {
        title: format!("Completeness at {}", c.census_date),
        headers: [
            "level",
            "group",
            "records",
            "field",
            "class",
            "goal",
            "complete",
            "given",
            "rows",
            "not_known",
            "meets_goal",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        notes,
    }
}

/// The census date before `date` that has returns.
async fn previous(store: &observatory_store::Store, date: NaiveDate) -> Result<NaiveDate> {
    let dates = store.census_dates().await?;
    match dates.iter().copied().filter(|d| *d < date).max() {
        Some(d) => Ok(d),
        None => bail!(
            "continuity compares {date} with the census before it, but there are no returns before {date}"
        ),
    }
}

fn in_area(areas: &[String], area: Option<&str>) -> bool {
    area.is_none_or(|a| areas.iter().any(|x| x.eq_ignore_ascii_case(a.trim())))
}

async fn continuity_report(store: &observatory_store::Store, c: &Common) -> Result<i32> {
    observatory_service::cubes::check_dates(&store.clone().into(), &[c.census_date]).await?;
    let before = previous(store, c.census_date).await?;
    let cubes = crate::cubes::load(store, &[before, c.census_date]).await?;
    let mut report = continuity(&cubes[0], &cubes[1], &ContinuityLimits::default())?;
    report.rows.retain(|r| in_area(&r.areas, c.area.as_deref()));
    report.employers_flagged = report.rows.iter().filter(|r| !r.flags.is_empty()).count();
    c.out.write(&report, || continuity_table(&report, c.all))?;
    Ok(0)
}

fn continuity_table(report: &ContinuityReport, all: bool) -> TableOut {
    let n = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    let rows = report
        .rows
        .iter()
        .filter(|r| all || !r.flags.is_empty())
        .map(|r| {
            vec![
                r.employer.clone(),
                r.areas.join(" "),
                n(r.posts_before),
                n(r.posts_after),
                n(r.headcount_before),
                n(r.headcount_after),
                text(r.turnover_before, MeasureKind::Rate),
                text(r.turnover_after, MeasureKind::Rate),
                r.flags
                    .iter()
                    .map(|f| {
                        serde_json::to_value(f)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default()
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ]
        })
        .collect();
    let l = report.limits;
    let mut notes = vec![
        format!(
            "{} employer(s) flagged of {}.",
            report.employers_flagged,
            report.rows.len()
        ),
        format!(
            "Flagged: posts or headcount changing by more than {:.0}% and more than {}; turnover moving more than {:.0} points; no return at {}.",
            l.size_change_share * 100.0,
            l.size_change_min,
            l.turnover_change * 100.0,
            report.later
        ),
    ];
    if !all {
        notes.push("Only flagged employers are listed; add --all for every employer.".into());
    }
    TableOut {
        title: format!("Continuity from {} to {}", report.earlier, report.later),
        headers: [
            "employer",
            "areas",
            "posts_before",
            "posts_after",
            "headcount_before",
            "headcount_after",
            "turnover_before",
            "turnover_after",
            "flags",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        notes,
    }
}

async fn outlier_report(
    store: &observatory_store::Store,
    c: &Common,
    peer: PeerArg,
) -> Result<i32> {
    let cube = crate::cubes::load(store, &[c.census_date]).await?;
    let config = OutlierConfig {
        peer_group: match peer {
            PeerArg::SettingType => PeerGroup::SettingType,
            PeerArg::EmployingSector => PeerGroup::EmployingSector,
        },
        ..OutlierConfig::default()
    };
    let mut rows = outliers(&cube[0], &config)?;
    rows.retain(|r| in_area(&r.areas, c.area.as_deref()));
    c.out.write(&rows, || outlier_table(&rows, &config, c))?;
    Ok(0)
}

fn outlier_table(rows: &[OutlierRow], config: &OutlierConfig, c: &Common) -> TableOut {
    let status = |s: OutlierStatus| {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    };
    let found = rows
        .iter()
        .filter(|r| r.status == OutlierStatus::Outlier)
        .count();
    let table = rows
        .iter()
        .filter(|r| c.all || r.status == OutlierStatus::Outlier)
        .map(|r| {
            vec![
                r.measure.clone(),
                r.peer.clone(),
                r.employer.clone(),
                text(r.value, MeasureKind::Rate),
                text(r.median, MeasureKind::Rate),
                r.z.map_or(String::new(), |z| format!("{z:.2}")),
                r.peers.to_string(),
                status(r.status),
            ]
        })
        .collect();
    let mut notes = vec![format!(
        "{found} outlier(s): |modified z| above {} among at least {} peers; employers with fewer than {} posts or people behind a figure are not scored.",
        config.threshold, config.min_peers, config.min_basis
    )];
    if !c.all {
        notes.push("Only outliers are listed; add --all for every employer and measure.".into());
    }
    TableOut {
        title: format!("Outliers at {}", c.census_date),
        headers: [
            "measure", "peer", "employer", "value", "median", "z", "peers", "status",
        ]
        .map(String::from)
        .to_vec(),
        rows: table,
        notes,
    }
}
