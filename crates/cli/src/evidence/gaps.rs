//! The evidence gap map from the command line: themes against sectors or outcomes, as
//! a table, CSV, JSON or HTML.

use anyhow::Result;
use chrono::Datelike;
use clap::{Args, ValueEnum};
use observatory_service::library::{Columns, GapOptions, Library};
use std::path::PathBuf;

use super::json_out;
use crate::output::{TableOut, write_out};

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum GapFormat {
    Table,
    Csv,
    Json,
    Html,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum GapColumns {
    Sector,
    Outcome,
}

#[derive(Args)]
#[command(
    after_help = "A cell is 'nothing' when it holds no completed item and no ongoing study; 'no recent\nsynthesis' when it has studies but no evidence review published in the last --recent-years\nyears up to --as-of; 'synthesised' otherwise.\n\nExamples:\n  observatory evidence gaps --as-of 2009\n  observatory evidence gaps --by outcome --format html --output gaps.html"
)]
pub struct GapArgs {
    #[arg(long, value_enum, default_value = "sector")]
    pub by: GapColumns,
    /// The year the map is drawn for (default: this year); later items are left out.
    #[arg(long)]
    pub as_of: Option<i32>,
    /// How many years (up to --as-of) a synthesis counts as recent.
    #[arg(long, default_value_t = 5)]
    pub recent_years: i32,
    #[arg(long, value_enum, default_value = "table")]
    pub format: GapFormat,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub async fn run(lib: &Library, x: &GapArgs) -> Result<i32> {
    let opts = GapOptions {
        columns: match x.by {
            GapColumns::Sector => Columns::Sector,
            GapColumns::Outcome => Columns::Outcome,
        },
        as_of: x.as_of.unwrap_or_else(|| chrono::Utc::now().year()),
        recent_years: x.recent_years.max(1),
        ..Default::default()
    };
    let map = lib.gap_map(&opts).await?;
    let out = x.output.as_deref();
    match x.format {
        GapFormat::Json => json_out(&map, out),
        GapFormat::Csv => {
            write_out(map.to_csv().as_bytes(), out)?;
            Ok(0)
        }
        GapFormat::Html => {
            write_out(map.to_html().as_bytes(), out)?;
            Ok(0)
        }
        GapFormat::Table => {
            let mut headers = vec!["theme".to_string()];
            headers.extend(map.columns.iter().map(|c| c.code.clone()));
            let rows = map
                .cells
                .iter()
                .zip(&map.themes)
                .map(|(row, th)| {
                    let mut r = vec![th.code.clone()];
                    r.extend(row.iter().map(|c| {
                        let mark = match c.status.as_str() {
                            "nothing" => " -",
                            "synthesised" => " S",
                            _ => "",
                        };
                        format!("{}+{}{mark}", c.completed, c.ongoing)
                    }));
                    r
                })
                .collect();
            let t = TableOut {
                title: format!("Evidence gap map as of {} (completed+ongoing)", map.as_of),
                headers,
                rows,
                notes: vec![format!(
                    "- nothing at all; S synthesised (an evidence review in {}-{}); otherwise studies but no recent synthesis.",
                    map.as_of - map.recent_years + 1,
                    map.as_of
                )],
            };
            print!("{}", t.text());
            Ok(0)
        }
    }
}
