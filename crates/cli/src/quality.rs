//! `observatory quality`: how far to trust a census before reading it: completeness of
//! every field by employer and area against the ASC-WDS goals (100 % core, 90 % the
//! rest), year-on-year continuity of each employer, and outliers among employers' rates
//! within their peer group (modified z-score).

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use observatory_service::quality::{
    self, CORE_TARGET, CompletenessReport, ContinuityReport, GroupLevel, MeasureKind, OTHER_TARGET,
    OutlierConfig, OutlierRow, OutlierStatus, PeerGroup,
};
use observatory_service::query::text;
use observatory_service::{Actor, Database};

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
    let db = cli.database().await?;
    match &a.command {
        QualityCommand::Completeness(c) => completeness(&db, c).await,
        QualityCommand::Continuity(c) => continuity_report(&db, c).await,
        QualityCommand::Outliers { common, peer_group } => {
            outlier_report(&db, common, *peer_group).await
        }
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{:.1}%", v * 100.0))
}

async fn completeness(db: &Database, c: &Common) -> Result<i32> {
    let report =
        quality::completeness(db, Actor::Operator, c.census_date, c.area.as_deref()).await?;
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
        CORE_TARGET * 100.0,
        OTHER_TARGET * 100.0
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

async fn continuity_report(db: &Database, c: &Common) -> Result<i32> {
    let report = quality::continuity_report(
        db,
        Actor::Operator,
        c.census_date,
        c.area.as_deref(),
        crate::cubes::spinner,
    )
    .await?;
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

async fn outlier_report(db: &Database, c: &Common, peer: PeerArg) -> Result<i32> {
    let peer_group = match peer {
        PeerArg::SettingType => PeerGroup::SettingType,
        PeerArg::EmployingSector => PeerGroup::EmployingSector,
    };
    let (rows, config) = quality::outlier_report(
        db,
        Actor::Operator,
        c.census_date,
        c.area.as_deref(),
        peer_group,
        crate::cubes::spinner,
    )
    .await?;
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
