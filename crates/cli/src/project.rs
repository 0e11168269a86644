//! `observatory project`: workforce projections from a scenario file (TOML), as
//! `shared/spec/projections.md` fixes the file and its JSON; saved scenarios and their
//! versions; population projections imported for demand.

use anyhow::Result;
use clap::{Args, Subcommand};
use observatory_domain::DEFAULT_SUPPRESSION_THRESHOLD;
use observatory_service::answers::Answers;
use observatory_service::{Actor, projections};
use std::path::{Path, PathBuf};

use crate::Cli;
use crate::output::OutputArgs;

#[derive(Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples (after observatory demo):\n  observatory project --scenario data/examples/scenario.toml\n  observatory project --scenario data/examples/scenario.toml --format json\n  observatory project save --scenario data/examples/scenario.toml\n  observatory project list\n  observatory project show social-workers-in-central-bedfordshire --format csv --output projection.csv\n  observatory project population import --name snpp-demo data/examples/population-projection.csv\n\nA scenario file says which stock (filters of the query contract), from which census\ndate, for how many years, with leaving rates and entrants by hand or \"estimate\"d from\nthe census history, and where demand comes from: see data/examples/scenario.toml and\ndocs/projections.md. Supply is the deterministic stock and flow model; its band is the\n5th to 95th percentile of the simulation runs; the backtest says how wrong the model\nwas on the censuses already known. The same file and seed give the same figures."
)]
pub struct ProjectArgs {
    #[command(subcommand)]
    pub command: Option<ProjectCommand>,
    /// The scenario file (TOML) to project.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Subcommand)]
pub enum ProjectCommand {
    /// Save a scenario file as a new scenario, or as a new version of one (--id), with the
    /// census figures it is projected from, so it can be reproduced exactly later.
    Save {
        #[arg(long)]
        scenario: PathBuf,
        /// The scenario to change (default: a new one, named by the file's name).
        #[arg(long)]
        id: Option<String>,
        /// The version you changed (refused if someone has saved another since).
        #[arg(long, requires = "id")]
        version: Option<i64>,
        #[arg(long, default_value = "command line")]
        by: String,
    },
    /// Every saved scenario, one a line, its id first.
    List,
    /// A saved scenario's projection, from the figures stored with it.
    Show {
        id: String,
        #[arg(long)]
        version: Option<i64>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Every version of a saved scenario: who saved it, when, and what it changed.
    History { id: String },
    /// Print a saved scenario's file (TOML).
    Export {
        id: String,
        #[arg(long)]
        version: Option<i64>,
    },
    /// Child population projections for demand (the ONS SNPP layout).
    Population {
        #[command(subcommand)]
        command: PopulationCommand,
    },
    /// The staffing ratios a scenario's demand can name (data/projection/ratios.csv).
    Ratios,
}

#[derive(Subcommand)]
pub enum PopulationCommand {
    /// Import an SNPP-layout CSV (AREA_CODE, AREA_NAME, COMPONENT, SEX, AGE_GROUP, one
    /// column per year) under a name scenarios use.
    Import {
        file: PathBuf,
        #[arg(long)]
        name: String,
        /// Where the figures come from, for people reading the projection.
        #[arg(long, default_value = "")]
        source: String,
    },
    /// The population projections imported.
    List,
}

fn read_scenario(path: &Path) -> Result<String> {
    observatory_domain::input::read_text_within(path, projections::MAX_BYTES, "the scenario file")
        .map_err(anyhow::Error::msg)
}

pub async fn run(cli: &Cli, a: &ProjectArgs) -> Result<i32> {
    let db = cli.database().await?;
    let answers = Answers::new(DEFAULT_SUPPRESSION_THRESHOLD);
    let op = Actor::Operator;
    let Some(command) = &a.command else {
        let Some(path) = &a.scenario else {
            anyhow::bail!(
                "Give a scenario file: observatory project --scenario scenario.toml (see observatory project --help)"
            );
        };
        let scenario = projections::read(&read_scenario(path)?)?;
        let p = projections::project(&db, &answers, op, &scenario).await?;
        let title = scenario.name.clone().unwrap_or_else(|| "Projection".into());
        a.out
            .write(&p.projection, || projections::table(&p, &title))?;
        return Ok(0);
    };
    match command {
        ProjectCommand::Save {
            scenario,
            id,
            version,
            by,
        } => {
            let text = read_scenario(scenario)?;
            let (id, v) =
                projections::save(&db, &answers, op, by, id.as_deref(), &text, *version).await?;
            println!("Saved scenario {id}, version {v}.");
        }
        ProjectCommand::List => {
            for s in projections::list(&db, op).await? {
                println!("{}\t{}\t{}\t{}", s.id, s.name, s.updated_at, s.updated_by);
            }
        }
        ProjectCommand::Show { id, version, out } => {
            let s = projections::saved(&db, op, id, *version).await?;
            let title = format!("{} (version {})", s.name, s.version.version);
            out.write(&s.projected.projection, || {
                projections::table(&s.projected, &title)
            })?;
        }
        ProjectCommand::History { id } => {
            for v in projections::history(&db, op, id).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    v.version, v.saved_at, v.saved_by, v.summary
                );
            }
        }
        ProjectCommand::Export { id, version } => {
            let s = projections::saved(&db, op, id, *version).await?;
            print!("{}", s.version.body);
        }
        ProjectCommand::Population { command } => match command {
            PopulationCommand::Import { file, name, source } => {
                let bytes = observatory_domain::input::read_within(
                    file,
                    projections::POPULATION_MAX_BYTES,
                    "the population projection file",
                )
                .map_err(anyhow::Error::msg)?;
                let said =
                    projections::import_population(&db, op, "command line", name, source, &bytes)
                        .await?;
                println!("{said}");
            }
            PopulationCommand::List => {
                for p in projections::populations(&db, op).await? {
                    println!(
                        "{}\t{}\t{}\t{}",
                        p.name, p.imported_at, p.imported_by, p.source
                    );
                }
            }
        },
        ProjectCommand::Ratios => {
            for r in projections::ratios() {
                println!(
                    "{}\t{}\t{} children per worker, ages {}\t{}",
                    r.key, r.name, r.children_per_worker, r.ages, r.source
                );
            }
        }
    }
    Ok(0)
}
