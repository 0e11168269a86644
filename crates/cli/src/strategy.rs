//! `observatory strategy`: import, export and list local workforce strategies, and show
//! each objective's status judged from the census (the contract in
//! `../shared/spec/strategy.md`).

use anyhow::Result;
use clap::{Args, Subcommand};
use observatory_domain::{DEFAULT_SUPPRESSION_THRESHOLD, codes};
use observatory_service::answers::Answers;
use observatory_service::{Actor, strategy};
use std::path::PathBuf;

use crate::Cli;
use crate::output::{OutputArgs, TableOut, write_out};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory strategy import data/examples/strategy.json\n  observatory strategy list\n  observatory strategy status --id central-beds-2026\n  observatory strategy status --id central-beds-2026 --format json\n  observatory strategy export --id central-beds-2026 > strategy.json\n\nA strategy file is JSON: id, title, areas and objectives, each objective with an owner,\nan indicator (a census measure and filters, or values recorded by hand), a baseline and\nmilestones; see data/examples/strategy.json. Status follows the rules of the strategy\ncontract: achieved, on track, at risk, off track (never while the figure's uncertainty\nstill reaches the trajectory), or not enough data when the figure is suppressed."
)]
pub struct StrategyArgs {
    #[command(subcommand)]
    pub command: StrategyCommand,
}

#[derive(Subcommand)]
pub enum StrategyCommand {
    /// Create a strategy from its JSON file, or replace the one with the same id (every
    /// version is kept).
    Import {
        file: PathBuf,
        /// Who is importing it, for the version history.
        #[arg(long, default_value = "command line")]
        by: String,
    },
    /// Print a strategy's file exactly as it was last imported.
    Export {
        #[arg(long)]
        id: String,
    },
    /// Each objective's status, value, trajectory and milestones.
    Status {
        #[arg(long)]
        id: String,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Every strategy, one a line, its id first.
    List,
}

pub async fn run(cli: &Cli, a: &StrategyArgs) -> Result<i32> {
    let db = cli.database().await?;
    match &a.command {
        StrategyCommand::Import { file, by } => {
            let json = observatory_domain::input::read_text_within(
                file,
                strategy::MAX_FILE_BYTES,
                "the strategy file",
            )
            .map_err(anyhow::Error::msg)?;
            let (s, version) = strategy::import(&db, Actor::Operator, &json, by).await?;
            println!(
                "Stored strategy {} ({}), version {version}: {} objectives for {}.",
                s.id,
                s.title,
                s.objectives.len(),
                s.areas
                    .iter()
                    .map(|a| codes().area_name(a))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        StrategyCommand::Export { id } => {
            let body = strategy::export(&db, Actor::Operator, id).await?;
            write_out(format!("{}\n", body.trim_end()).as_bytes(), None)?;
        }
        StrategyCommand::List => {
            for (s, areas) in strategy::list(&db, Actor::Operator).await? {
                println!("{}\t{}\t{}", s.id, s.title, areas.join(","));
            }
        }
        StrategyCommand::Status { id, out } => {
            let answers = Answers::new(DEFAULT_SUPPRESSION_THRESHOLD);
            let today = chrono::Local::now().date_naive();
            let (_, list) = strategy::status(&db, Actor::Operator, &answers, id, today).await?;
            out.write(&strategy::status_json(id, &list), || {
                status_table(id, &list)
            })?;
        }
    }
    Ok(0)
}

fn status_table(id: &str, list: &[strategy::ObjectiveStatus]) -> TableOut {
    let num = |v: Option<f64>| v.map(|v| format!("{v:.3}")).unwrap_or_default();
    TableOut {
        title: format!("Objectives of strategy {id}"),
        headers: [
            "objective", "status", "value", "observed", "trajectory", "target", "by",
        ]
        .map(String::from)
        .to_vec(),
        rows: list
            .iter()
            .map(|s| {
                let (o, j) = (&s.objective, &s.judgement);
                let mut status = j.status.label().to_string();
                if j.stale {
                    status.push_str(" (stale)");
                }
                vec![
                    o.title.clone(),
                    status,
                    num(j.value),
                    j.observed_at
                        .map(observatory_domain::long_date)
                        .unwrap_or_default(),
                    num(j.trajectory),
                    num(Some(o.target().value)),
                    observatory_domain::long_date(o.target().date),
                ]
            })
            .collect(),
        notes: vec![
            "On track: no further behind the trajectory than the tolerance. Off track: more than twice the tolerance behind, and the figure's uncertainty cannot reach it.".into(),
        ],
    }
}
