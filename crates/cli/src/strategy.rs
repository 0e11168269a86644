//! `observatory strategy`: import, export and list local workforce strategies, and show
//! each objective's status judged from the census (the contract in
//! `../shared/spec/strategy.md`).

use anyhow::Result;
use clap::{Args, Subcommand};
use observatory_domain::{DEFAULT_SUPPRESSION_THRESHOLD, codes, uk_today};
use observatory_service::answers::Answers;
use observatory_service::strategy::document;
use observatory_service::{Actor, strategy};
use std::path::PathBuf;

use crate::Cli;
use crate::output::{OutputArgs, TableOut, write_out};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory strategy import data/examples/strategy.json\n  observatory strategy list\n  observatory strategy status --id central-beds-2026\n  observatory strategy status --id central-beds-2026 --format json\n  observatory strategy export --id central-beds-2026 > strategy.json\n  observatory strategy render --id central-beds-2026 --format docx --output strategy.docx\n  observatory strategy report --id central-beds-2026 --format pdf --output board-report.pdf\n\nA strategy file is JSON: id, title, areas and objectives, each objective with an owner,\nan indicator (a census measure and filters, or values recorded by hand), a baseline and\nmilestones; see data/examples/strategy.json. Status follows the rules of the strategy\ncontract: achieved, on track, at risk, off track (never while the figure's uncertainty\nstill reaches the trajectory), or not enough data when the figure is suppressed."
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
    /// The strategy as a readable document, in the framework's order: HTML, PDF (printed
    /// by Chromium) or Word (to edit in the council's own template).
    Render(DocumentArgs),
    /// The board progress report: every objective's status, overdue actions, the top
    /// risks, decisions, and what changed since the last report. Making it records it, so
    /// the next report says what changed since this one (not with --draft).
    Report {
        #[command(flatten)]
        doc: DocumentArgs,
        /// Do not record the report (a draft to look at before the board's).
        #[arg(long)]
        draft: bool,
        /// Who makes it, for the record.
        #[arg(long, default_value = "command line")]
        by: String,
    },
}

/// Which strategy, in which format, to where.
#[derive(Args)]
pub struct DocumentArgs {
    #[arg(long)]
    id: String,
    /// html, pdf or docx.
    #[arg(long, default_value = "html")]
    format: String,
    /// Where to write it (default: standard output).
    #[arg(long)]
    output: Option<PathBuf>,
}

impl DocumentArgs {
    /// The document in the format asked for, where asked.
    async fn write(&self, doc: document::Document) -> Result<()> {
        let format = document::Format::parse(&self.format).ok_or_else(|| {
            anyhow::anyhow!(
                "'{}' is not a format: choose html, pdf or docx",
                self.format
            )
        })?;
        write_out(
            &document::render(doc, format).await?,
            self.output.as_deref(),
        )
    }
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
        StrategyCommand::Render(d) => {
            let answers = Answers::new(DEFAULT_SUPPRESSION_THRESHOLD);
            let doc = document::document(&db, Actor::Operator, &answers, &d.id, uk_today());
            d.write(doc.await?).await?;
        }
        StrategyCommand::Report { doc: d, draft, by } => {
            let answers = Answers::new(DEFAULT_SUPPRESSION_THRESHOLD);
            let record = (!draft).then_some(by.as_str());
            let doc =
                document::board_report(&db, Actor::Operator, &answers, &d.id, uk_today(), record);
            d.write(doc.await?).await?;
        }
        StrategyCommand::Status { id, out } => {
            let answers = Answers::new(DEFAULT_SUPPRESSION_THRESHOLD);
            let (_, list) =
                strategy::status(&db, Actor::Operator, &answers, id, uk_today()).await?;
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
