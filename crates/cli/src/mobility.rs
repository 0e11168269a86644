//! `observatory mobility`: where the people of one census are at the next (stayed,
//! changed role, employer or sector, left, joined) and the sector x sector flow matrix,
//! with disclosure control as `query` has.

use anyhow::Result;
use chrono::NaiveDate;
use clap::Args;
use observatory_service::Actor;
use observatory_service::mobility::{self, MobilityResult, QueryResult, ResultRow};
use observatory_service::query::{parse_filters, suppression_note, to_json};
use serde_json::json;

use crate::Cli;
use crate::import::parse_date;
use crate::output::{Format, OutputArgs, TableOut, write_out};
use crate::query::Suppression;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory mobility --from 2024-11-01 --to 2025-11-01\n  observatory mobility --from 2024-11-01 --to 2025-11-01 --where area=E06000056 --format json\n  observatory mobility --from 2024-11-01 --to 2025-11-01 --by role\n  observatory mobility --from 2024-11-01 --to 2025-11-01 --format xlsx --output flows.xlsx\n\nPeople are followed by their person_id; each is placed by their main post (highest fte).\nA person is counted when their main post at either date passes every --where filter.\nCounts of fewer than --threshold people (default 5, never below 3) are suppressed and shown as c."
)]
pub struct MobilityArgs {
    /// The earlier census date (t).
    #[arg(long, value_parser = parse_date)]
    pub from: NaiveDate,
    /// The later census date (t+1).
    #[arg(long, value_parser = parse_date)]
    pub to: NaiveDate,
    /// Breakdowns of people's main post (at t; at t+1 for joiners), comma separated,
    /// e.g. role or area: adds a table of people by those and category.
    #[arg(long, value_delimiter = ',')]
    pub by: Vec<String>,
    /// A filter DIM=VALUE on people's main post, e.g. area=E06000056; repeat for more.
    #[arg(long = "where", value_name = "DIM=VALUE")]
    pub filters: Vec<String>,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub suppression: Suppression,
}

pub async fn run(cli: &Cli, a: &MobilityArgs) -> Result<i32> {
    let threshold = a.suppression.threshold()?;
    let filters = parse_filters(&a.filters, "--where ")?;
    let db = cli.database().await?;
    let by: Vec<String> =
        a.by.iter()
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
            .collect();
    let result = mobility::flows(
        &db,
        Actor::Operator,
        a.from,
        a.to,
        &filters,
        &by,
        threshold,
        crate::cubes::spinner,
    )
    .await?;
    match a.out.format {
        Format::Json => {
            let v = json!({
                "from": a.from.to_string(),
                "to": a.to.to_string(),
                "categories": to_json(&result.categories, &[a.to])["rows"],
                "by_sector": to_json(&result.by_sector, &[a.to])["rows"],
                "matrix": to_json(&result.matrix, &[a.to])["rows"],
                "by": by,
                "by_group": result.by_group.as_ref().map(|t| to_json(t, &[a.to])["rows"].clone()),
                "unlinked_from": result.unlinked_from,
                "unlinked_to": result.unlinked_to,
                "left_without_return": result.left_without_return,
            });
            write_out(
                format!("{}\n", serde_json::to_string_pretty(&v)?).as_bytes(),
                a.out.output.as_deref(),
            )?;
        }
        Format::Table => {
            let mut text = String::new();
            for (title, t) in tables(&result) {
                text.push_str(&people_table(t, format!("{title}, {} to {}", a.from, a.to)).text());
                text.push('\n');
            }
            for note in notes(&result, threshold) {
                text.push_str(&note);
                text.push('\n');
            }
            write_out(text.as_bytes(), a.out.output.as_deref())?;
        }
        f => combined(&result, threshold).emit(f, a.out.output.as_deref())?,
    }
    Ok(0)
}

fn tables(r: &MobilityResult) -> Vec<(&'static str, &QueryResult)> {
    let mut out = vec![
        ("People by what became of them", &r.categories),
        ("People by sector (at t; at t+1 for joiners)", &r.by_sector),
        ("People by sector at t (rows) and t+1 (columns)", &r.matrix),
    ];
    if let Some(t) = &r.by_group {
        out.push(("People by --by (at t; at t+1 for joiners)", t));
    }
    out
}

/// A table of counts of people: its breakdowns, then the people (c when suppressed).
fn people_table(t: &QueryResult, title: String) -> TableOut {
    let mut headers = t.by.clone();
    headers.push("people".into());
    TableOut {
        title,
        headers,
        rows: t
            .rows
            .iter()
            .map(|row| {
                let mut cells = row.keys.clone();
                cells.push(people(row));
                cells
            })
            .collect(),
        notes: Vec::new(),
    }
}

fn people(row: &ResultRow) -> String {
    if row.suppressed {
        "c".to_string()
    } else {
        row.value.map_or(String::new(), |v| format!("{v}"))
    }
}

/// The counts outside the tables, and the footnotes.
fn notes(r: &MobilityResult, threshold: Option<u64>) -> Vec<String> {
    let n = |v: Option<u64>| v.map_or("c".to_string(), |v| v.to_string());
    let mut out = vec![
        format!(
            "Without a person_id (cannot be followed, in no table): {} at {}, {} at {}.",
            n(r.unlinked_from),
            r.from_date,
            n(r.unlinked_to),
            r.to_date
        ),
        format!(
            "Of those who left, {} worked for an employer that made no return at {}: they may not have left.",
            n(r.left_without_return),
            r.to_date
        ),
    ];
    let any_suppressed = tables(r)
        .iter()
        .any(|(_, t)| t.rows.iter().any(|row| row.suppressed));
    match threshold {
        Some(t) if any_suppressed => out.push(suppression_note(t)),
        Some(_) => {}
        None => out
            .push("Unsuppressed figures: for the local administrator only; do not publish.".into()),
    }
    out
}

/// The three tables as one (CSV, XLSX): which table, its row and column, the people.
fn combined(r: &MobilityResult, threshold: Option<u64>) -> TableOut {
    let names = ["categories", "by_sector", "matrix", "by_group"];
    let mut rows = Vec::new();
    for (name, (_, t)) in names.iter().zip(tables(r)) {
        for row in &t.rows {
            // The last key is the category (or sector at t+1); the rest name the row.
            let (first, second) = match row.keys.as_slice() {
                [c] => ("all".to_string(), c.clone()),
                [rest @ .., last] => (rest.join("/"), last.clone()),
                [] => continue,
            };
            rows.push(vec![name.to_string(), first, second, people(row)]);
        }
    }
    TableOut {
        title: format!("Mobility, {} to {}", r.from_date, r.to_date),
        headers: ["table", "row", "column", "people"]
            .map(String::from)
            .to_vec(),
        rows,
        notes: notes(r, threshold),
    }
}
