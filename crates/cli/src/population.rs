//! `observatory population`: the population profiles representation_ratio compares the
//! workforce with. A national default (England, Census 2021) ships; an area's own shares
//! are imported from a CSV, checked line by line, and stored under a name that
//! `query --population NAME` uses.

use anyhow::Result;
use clap::{Args, Subcommand};
use observatory_service::populations::{self, PopulationProfile, SHIPPED};
use observatory_service::{Actor, Database};
use std::path::PathBuf;

use crate::Cli;
use crate::output::{OutputArgs, TableOut};

#[derive(Args)]
#[command(
    after_help = "A profile is a CSV with the columns area,dimension,group,share: area is a GSS code or\n'national'; dimension is gender, ethnic_group, ethnicity, disability or age_band; share is a\nfraction (0.177, not 17.7). The shares of each area and dimension sum to 1. Areas and\ndimensions a profile leaves out are taken from the shipped England 2021 profile.\n\nExamples:\n  observatory population import --name hartlepool-2021 hartlepool.csv\n  observatory population list\n  observatory population show hartlepool-2021 --format csv\n  observatory query --census-date 2025-11-01 --measure representation_ratio --by area,ethnic_group --population hartlepool-2021"
)]
pub struct PopulationArgs {
    #[command(subcommand)]
    pub command: PopulationCommand,
}

#[derive(Subcommand)]
pub enum PopulationCommand {
    /// Check a CSV of population shares and store it under a name (replacing one of that name).
    Import {
        /// The name queries use (letters, digits, - and _).
        #[arg(long)]
        name: String,
        /// The CSV file (area,dimension,group,share).
        file: PathBuf,
    },
    /// List the stored profiles and the shipped default.
    List {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Show a profile's shares (england_2021 is the shipped default).
    Show {
        name: String,
        #[command(flatten)]
        out: OutputArgs,
    },
}

pub async fn run(cli: &Cli, a: &PopulationArgs) -> Result<i32> {
    match &a.command {
        PopulationCommand::Import { name, file } => import(cli, name, file).await,
        PopulationCommand::List { out } => list(&cli.database().await?, out).await,
        PopulationCommand::Show { name, out } => {
            let db = cli.database().await?;
            let profile = populations::profile(&db, Actor::Operator, name).await?;
            let table = shares_table(&profile, name);
            out.write(&table.json_rows(), || table)?;
            Ok(0)
        }
    }
}

async fn import(cli: &Cli, name: &str, file: &std::path::Path) -> Result<i32> {
    populations::check_name(name)?;
    let text = populations::read_file(file)?;
    // A bad file is rejected whole, before the database is opened: nothing is stored.
    let profile = match populations::parse(&text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{}: {e}\nNothing was stored.", file.display());
            return Ok(1);
        }
    };
    let db = cli.database().await?;
    let stored = populations::save(
        &db,
        Actor::Operator,
        name,
        &profile,
        &file.display().to_string(),
    )
    .await?;
    let (rows, areas) = (stored.rows, stored.areas);
    println!(
        "Stored population profile '{name}': {rows} shares for {areas} area(s). Use it with: observatory query --measure representation_ratio --population {name} ..."
    );
    Ok(0)
}

async fn list(db: &Database, out: &OutputArgs) -> Result<i32> {
    let stored = populations::list(db, Actor::Operator).await?;
    let shipped = PopulationProfile::england_2021();
    let mut rows = vec![vec![
        SHIPPED.to_string(),
        shipped.areas().count().to_string(),
        (shipped.to_csv().lines().count() - 1).to_string(),
        "shipped with the product (England, Census 2021): the default".to_string(),
        String::new(),
    ]];
    rows.extend(stored.iter().map(|p| {
        vec![
            p.name.clone(),
            p.areas.to_string(),
            p.rows.to_string(),
            p.source.clone(),
            p.imported_at.clone(),
        ]
    }));
    let table = TableOut {
        title: "Population profiles".into(),
        headers: ["name", "areas", "shares", "source", "imported_at"]
            .map(String::from)
            .to_vec(),
        rows,
        notes: vec![
            "Use one with: observatory query --measure representation_ratio --population NAME"
                .into(),
        ],
    };
    out.write(&table.json_rows(), || table)?;
    Ok(0)
}

fn shares_table(profile: &PopulationProfile, name: &str) -> TableOut {
    let text = profile.to_csv();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows = rdr
        .records()
        .filter_map(|r| r.ok())
        .map(|r| r.iter().map(String::from).collect())
        .collect();
    TableOut {
        title: format!("Population profile {name}"),
        headers: ["area", "dimension", "group", "share"]
            .map(String::from)
            .to_vec(),
        rows,
        notes: Vec::new(),
    }
}
