//! `observatory generate` and `observatory demo`: a synthetic census on disk, and a
//! ready database with a realistic demo area, for people trying the product.

use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use observatory_service::synthetic::{self, GenerateOptions, Summary};
use observatory_service::{Actor, Database, returns};
use std::path::{Path, PathBuf};

use crate::Cli;
use crate::import::ImportBar;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory generate --out synthetic/\n  observatory generate --national --out national/      (about 3 million posts a year)\n  observatory import --manifest synthetic/manifest.csv"
)]
pub struct GenerateArgs {
    /// Folder to write the returns and manifest.csv into.
    #[arg(long)]
    pub out: PathBuf,
    /// National scale: 150 areas, about 3 million filled posts a year.
    #[arg(long)]
    pub national: bool,
    /// The random seed: the same seed writes the same files.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Number of areas (default: 1 for the demo area, 150 nationally).
    #[arg(long)]
    pub areas: Option<usize>,
    /// Approximate filled posts per area per year.
    #[arg(long)]
    pub posts_per_area: Option<usize>,
    /// Census years, the last on 1 November 2025 (default 3; more give projections a
    /// longer history to be tested on).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub years: u32,
    /// Empty the output folder first if it already holds files (otherwise that is refused,
    /// so that files of an earlier run are never mixed with this one's).
    #[arg(long)]
    pub force: bool,
}

/// Generate into `out` (emptied first if `replace`) with a progress bar over the posts
/// written.
pub fn generate_with_progress(
    opts: &GenerateOptions,
    out: &Path,
    replace: bool,
) -> Result<Summary> {
    let bar = ProgressBar::new(synthetic::expected_posts(opts));
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} generating [{bar:40}] {human_pos}/{human_len} posts ({elapsed}, about {eta} left)",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let b = bar.clone();
    let summary = synthetic::generate(opts, out, replace, &move |n| b.inc(n));
    bar.finish_and_clear();
    Ok(summary?)
}

pub fn generate(a: &GenerateArgs) -> Result<i32> {
    let started = std::time::Instant::now();
    let mut opts = synthetic::options(a.national, a.seed, a.areas, a.posts_per_area);
    opts.census_dates = (0..a.years as i32)
        .rev()
        .filter_map(|k| chrono::NaiveDate::from_ymd_opt(2025 - k, 11, 1))
        .collect();
    let s = generate_with_progress(&opts, &a.out, a.force)?;
    println!(
        "Wrote {} returns from {} employers in {:.1} s; manifest: {}",
        s.returns,
        s.employers,
        started.elapsed().as_secs_f64(),
        s.manifest.display()
    );
    for (d, n) in &s.posts_by_date {
        println!("  census {d}: {n} filled posts");
    }
    println!(
        "Import them with: observatory import --manifest {}",
        s.manifest.display()
    );
    Ok(0)
}

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory demo\n  observatory demo --addr 127.0.0.1:9000\n  observatory demo --new-passwords     (the same data, new passwords for the demo accounts)\n  observatory demo --fresh             (load the demo area again, new passwords)\n\nRun again on the same database, the demo keeps its data and accounts and serves them."
)]
pub struct DemoArgs {
    /// Where to write the demo's return files.
    #[arg(long, default_value = "demo-data")]
    pub data_dir: PathBuf,
    /// The random seed of the demo area.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Address and port the web app listens on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Load the demo area again (its returns replace the stored ones) and give every
    /// demo account a new password, even when the database already holds the demo.
    #[arg(long)]
    pub fresh: bool,
    /// Give every demo account a new password (printed once).
    #[arg(long)]
    pub new_passwords: bool,
}

pub async fn demo(cli: &Cli, a: &DemoArgs) -> Result<i32> {
    let location = cli.location();
    let db = crate::init(&location, &cli.key_path()).await?;
    let opts = synthetic::options(false, a.seed, None, None);
    let area = &opts.areas[0];
    let reuse = !a.fresh && !returns::census_dates(&db).await?.is_empty();
    if reuse {
        println!(
            "Reusing the demo database {}: its returns and accounts are kept (`observatory demo --fresh` loads the demo area again).",
            location.describe()
        );
    } else {
        println!("Creating the database: {}", location.describe());
        if !load(cli, a, &db, &opts).await? {
            return Ok(1);
        }
    }
    let last = *opts.census_dates.last().expect("demo has dates");
    let db_arg = &cli.db;
    println!(
        "\nTry next:\n  observatory --db {db_arg} query --census-date {last} --measure posts --by sector\n  observatory --db {db_arg} query --census-date {last} --measure vacancy_rate --by sector,employing_sector --where area={area} --format json\n  observatory --db {db_arg} query --census-date {} --measure turnover_rate --by census_date,sector\n  observatory --db {db_arg} returns --census-date {last} --area {area}\n  observatory --db {db_arg} jobtitles\n  observatory --help",
        opts.census_dates
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    // The demo employer account returns for the area's first employer that returned.
    let status = returns::status(&db, Actor::Operator, last, area).await?;
    let employer = status
        .employers
        .iter()
        .find(|e| e.returned)
        .map(|e| (e.employer_id.clone(), e.employer_name.clone()))
        .unwrap_or_default();
    let renew = a.fresh || a.new_passwords;
    crate::serve::demo_accounts_and_serve(cli, db, &a.addr, area, employer, renew).await?;
    Ok(0)
}

/// The demo's workforce projections: a synthetic child population projection in the ONS
/// layout, and two saved scenarios (also the README's and docs' example files).
const DEMO_POPULATION: &[u8] = include_bytes!("../../../data/examples/population-projection.csv");
const DEMO_SCENARIOS: [&str; 2] = [
    include_str!("../../../data/examples/scenario.toml"),
    include_str!("../../../data/examples/scenario-early-years.toml"),
];

async fn load_projections(db: &Database) -> Result<()> {
    use observatory_service::projections;
    let by = "observatory demo";
    let said = projections::import_population(
        db,
        Actor::Operator,
        by,
        "snpp-demo",
        "Synthetic, in the layout of the ONS sub-national population projections",
        DEMO_POPULATION,
    )
    .await?;
    println!("{said}");
    let answers =
        observatory_service::Answers::new(observatory_domain::DEFAULT_SUPPRESSION_THRESHOLD);
    let saved = projections::list(db, Actor::Operator).await?;
    for text in DEMO_SCENARIOS {
        let name = projections::read(text)?.name.unwrap_or_default();
        if saved.iter().any(|s| s.name == name) {
            continue; // `demo --fresh` again: the saved scenario and its versions stay.
        }
        let (id, _) =
            projections::save(db, &answers, Actor::Operator, by, None, text, None).await?;
        println!("Saved the projection scenario {id}.");
    }
    Ok(())
}

/// Generate the demo area and load it; false when a demo return was rejected (a bug).
/// The demo area's local workforce strategy (also the README's example file).
const DEMO_STRATEGY: &str = include_str!("../../../data/examples/strategy.json");

async fn load(cli: &Cli, a: &DemoArgs, db: &Database, opts: &GenerateOptions) -> Result<bool> {
    println!(
        "Generating a synthetic demo area ({}) over {} census years into {}",
        opts.areas.join(", "),
        opts.census_dates.len(),
        a.data_dir.display()
    );
    let summary = generate_with_progress(opts, &a.data_dir, true)?;
    let bar = ImportBar::new(summary.returns, true);
    let done = synthetic::load(db, Actor::Operator, cli, &summary, bar.progress()).await;
    drop(bar);
    let done = done?;
    let rejected: Vec<_> = done.iter().filter(|d| !d.accepted()).collect();
    for d in &rejected {
        eprintln!("A demo return was rejected (this is a bug; please report it):");
        for p in d.outcome.report.errors().take(5) {
            eprintln!("  {p}");
        }
    }
    println!(
        "Loaded {} returns from {} employers:",
        done.len() - rejected.len(),
        summary.employers
    );
    for (d, n) in &summary.posts_by_date {
        println!("  census {d}: {n} filled posts");
    }
    synthetic::prepare_queries(
        db,
        Actor::Operator,
        &opts.census_dates,
        crate::cubes::spinner,
    )
    .await?;
    crate::evidence::load_demo(db).await?;
    // The demo area's strategy, modelled on the local strategy in the seed documents, with
    // objectives bound to the demo census so that their status is real.
    let (s, _) = observatory_service::strategy::import(
        db,
        Actor::Operator,
        DEMO_STRATEGY,
        "observatory demo",
    )
    .await?;
    println!(
        "Loaded the strategy \"{}\" ({} objectives, {} actions).",
        s.title,
        s.objectives.len(),
        s.actions.len()
    );
    load_projections(db).await?;
    Ok(rejected.is_empty())
}
