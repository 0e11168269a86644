//! `observatory`: the command line of the Children's Workforce Observatory. Every job
//! (importing returns, querying measures, tracking returns, mapping job titles,
//! generating synthetic data, the demo and the benchmark) is a subcommand here; the
//! work itself is a service operation (`observatory_service`), called as the local
//! operator (`Actor::Operator`): this crate parses arguments, shows progress and prints.

mod bench;
mod benchmark;
mod cubes;
mod demo;
mod evidence;
mod import;
mod mobility;
mod neighbours;
mod output;
mod population;
mod project;
mod publish;
mod quality;
mod query;
mod reference;
mod serve;
mod standards;
mod strategy;
mod tracker;

use anyhow::Result;
use clap::{Parser, Subcommand};
use observatory_service::{Actor, Database, Location};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "observatory",
    version,
    about = "The Children's Workforce Observatory: one census of everyone who works with children, and the figures planners need",
    long_about = "The Children's Workforce Observatory: one census of everyone who works with children, and the figures planners need.\n\nStart with `observatory demo`: it creates a database, loads a realistic demo area (three census years) and tells you what to try next.",
    after_help = "Examples:\n  observatory demo\n  observatory --db census.db init\n  observatory --db census.db import --employer LA-001 --census-date 2025-11-01 returns/la-001.xlsx\n  observatory --db census.db query --census-date 2025-11-01 --measure vacancy_rate --by sector --format json\n  observatory --db census.db returns --census-date 2025-11-01 --area E06000056"
)]
struct Cli {
    /// The database: a file path (SQLite, the default) or a postgres:// URL.
    #[arg(
        long,
        global = true,
        env = "OBSERVATORY_DB",
        default_value = "observatory.db"
    )]
    db: String,

    /// The secret key used to hash person identifiers (default: the database path + ".key",
    /// or observatory.key beside you for PostgreSQL). OBSERVATORY_PERSON_KEY (hex) overrides it.
    #[arg(long, global = true, env = "OBSERVATORY_KEY_FILE")]
    key_file: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Create the database (and the secret key for person identifiers) if they do not exist.
    Init,
    /// Check a census return and, if it has no errors, store it (replacing any earlier
    /// return of the same employer and census date).
    Import(import::ImportArgs),
    /// Compute a measure over any breakdowns, with disclosure control.
    Query(query::QueryArgs),
    /// Which employers have returned for a census date, and which expected ones have not.
    Returns(tracker::ReturnsArgs),
    /// The audit history of an employer's returns: every version, who sent it, when.
    History(tracker::HistoryArgs),
    /// Register an employer that is expected to make a return.
    Employers(tracker::EmployersArgs),
    /// Job titles that are not mapped to a role yet; confirm a mapping.
    Jobtitles(reference::JobtitlesArgs),
    /// Save or show a mapping profile (an employer's own column names and codes).
    Mapping(reference::MappingArgs),
    /// Write a synthetic census (several years, realistic) as return files and a manifest.
    Generate(demo::GenerateArgs),
    /// Create a database, load a realistic demo area (three census years) and show what to try.
    Demo(demo::DemoArgs),
    /// Measure import and query speed on a national-scale synthetic census.
    Bench(bench::BenchArgs),
    /// Serve the web app and the JSON API.
    Serve(serve::ServeArgs),
    /// Accounts of the web app: create the first administrator, list accounts.
    Users(serve::UsersArgs),
    /// The evidence library: search, research register, gap map, calls for evidence, citations.
    Evidence(evidence::EvidenceArgs),
    /// Write the standard publication of a census date (CSV, XLSX, HTML with charts).
    Publish(publish::PublishArgs),
    /// Population profiles that representation_ratio compares with: import, list, show.
    Population(population::PopulationArgs),
    /// Flows of people between two census dates: stayed, changed role, employer or sector, left, joined.
    Mobility(mobility::MobilityArgs),
    /// An employer's or area's figures beside a comparison group's median and quartiles.
    Benchmark(benchmark::BenchmarkArgs),
    /// Show or set an area's statistical neighbours, which the dashboard compares it with.
    Neighbours(neighbours::NeighboursArgs),
    /// Local workforce strategies: import, export, list, and each objective's status.
    Strategy(strategy::StrategyArgs),
    /// Workforce projections: supply, demand and the gap from a scenario file; saved scenarios.
    Project(project::ProjectArgs),
    /// Check settings and areas against declared standards; list the standards.
    Standards(standards::StandardsArgs),
    /// Data quality: completeness of every field, year-on-year continuity, outliers.
    Quality(quality::QualityArgs),
}

impl Cli {
    fn location(&self) -> Location {
        Location::parse(&self.db)
    }

    fn key_path(&self) -> PathBuf {
        if let Some(k) = &self.key_file {
            return k.clone();
        }
        match self.location() {
            Location::Sqlite(p) => {
                let mut s = p.into_os_string();
                s.push(".key");
                PathBuf::from(s)
            }
            Location::Postgres(_) => PathBuf::from("observatory.key"),
        }
    }

    /// The database, opened for service operations.
    async fn database(&self) -> Result<Database> {
        Database::open(&self.location(), false).await
    }
}

/// Create the database and key; shared by `init` and `demo`.
pub async fn init(location: &Location, key: &Path) -> Result<Database> {
    let (db, created) =
        observatory_service::installation::init(Actor::Operator, location, key).await?;
    say_new_key(created, key);
    Ok(db)
}

/// Tell the operator when a new secret key for person identifiers was made.
pub fn say_new_key(created: bool, key: &Path) {
    if created {
        eprintln!(
            "Created the secret key for person identifiers at {} (keep it safe and back it up: without it people cannot be linked across years).",
            key.display()
        );
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OBSERVATORY_LOG")
                // sqlx's slow-statement notes are for operators who ask (a busy disk
                // makes a PRAGMA "slow"); OBSERVATORY_LOG=sqlx=warn shows them.
                .unwrap_or_else(|_| "warn,sqlx::query=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let code = match run(&cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

async fn run(cli: &Cli) -> Result<i32> {
    match &cli.command {
        Command::Init => {
            init(&cli.location(), &cli.key_path()).await?;
            println!("The database is ready: {}", cli.location().describe());
            Ok(0)
        }
        Command::Import(a) => import::run(cli, a).await,
        Command::Query(a) => query::run(cli, a).await,
        Command::Returns(a) => tracker::returns(cli, a).await,
        Command::History(a) => tracker::history(cli, a).await,
        Command::Employers(a) => tracker::employers(cli, a).await,
        Command::Jobtitles(a) => reference::jobtitles(cli, a).await,
        Command::Mapping(a) => reference::mapping(cli, a).await,
        Command::Generate(a) => demo::generate(a),
        Command::Demo(a) => demo::demo(cli, a).await,
        Command::Bench(a) => bench::run(cli, a).await,
        Command::Serve(a) => serve::run(cli, a).await,
        Command::Users(a) => serve::users(cli, a).await,
        Command::Evidence(a) => evidence::run(cli, a).await,
        Command::Publish(a) => publish::run(cli, a).await,
        Command::Population(a) => population::run(cli, a).await,
        Command::Mobility(a) => mobility::run(cli, a).await,
        Command::Benchmark(a) => benchmark::run(cli, a).await,
        Command::Standards(a) => standards::run(cli, a).await,
        Command::Neighbours(a) => neighbours::run(cli, a).await,
        Command::Strategy(a) => strategy::run(cli, a).await,
        Command::Project(a) => project::run(cli, a).await,
        Command::Quality(a) => quality::run(cli, a).await,
    }
}
