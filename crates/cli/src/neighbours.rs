//! `observatory neighbours`: show or set an area's statistical neighbours, which the
//! dashboard shows its headline figures beside.

use anyhow::Result;
use clap::Args;
use observatory_domain::codes;
use observatory_service::{Actor, neighbours};

use crate::Cli;
use crate::output::{OutputArgs, TableOut};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory neighbours E06000056\n  observatory neighbours E06000056 --set E06000055,E06000042,E10000015\n  observatory neighbours \"Central Bedfordshire\" --set \"Bedford, Milton Keynes\"\n  observatory neighbours E06000056 --clear\n\nStatistical neighbours are the areas most like an area, nearest first, as the DfE's\nchildren's services statistical neighbour benchmarking tool lists them. The dashboard\nshows each headline figure beside theirs (pooled, with the same disclosure control)."
)]
pub struct NeighboursArgs {
    /// The area, by code (E06000056) or name.
    pub area: String,
    /// Set the neighbours, nearest first: codes or names separated by commas.
    #[arg(long, value_delimiter = ',', conflicts_with = "clear")]
    pub set: Option<Vec<String>>,
    /// Remove the area's neighbours.
    #[arg(long)]
    pub clear: bool,
    #[command(flatten)]
    pub out: OutputArgs,
}

pub async fn run(cli: &Cli, a: &NeighboursArgs) -> Result<i32> {
    let db = cli.database().await?;
    let list = match (&a.set, a.clear) {
        (Some(list), _) => neighbours::set(&db, Actor::Operator, &a.area, list).await?,
        (None, true) => neighbours::set(&db, Actor::Operator, &a.area, &[]).await?,
        (None, false) => neighbours::of(&db, &a.area).await?,
    };
    let c = codes();
    let named: Vec<serde_json::Value> = list
        .iter()
        .map(|n| serde_json::json!({"area": n, "name": c.area_name(n)}))
        .collect();
    a.out.write(&named, || TableOut {
        title: format!("Statistical neighbours of {}", c.area_name(a.area.trim())),
        headers: ["rank", "area", "name"].map(String::from).to_vec(),
        rows: list
            .iter()
            .enumerate()
            .map(|(i, n)| vec![(i + 1).to_string(), n.clone(), c.area_name(n)])
            .collect(),
        notes: if list.is_empty() {
            vec!["None are set: set them with --set CODE,CODE,...".into()]
        } else {
            vec![]
        },
    })?;
    Ok(0)
}
