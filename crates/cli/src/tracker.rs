//! `observatory returns`, `history` and `employers`: who has returned, who is missing,
//! and the audit trail of every version of a return.

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use observatory_service::Actor;
use observatory_service::returns;
use std::path::PathBuf;

use crate::Cli;
use crate::import::parse_date;
use crate::output::{Format, TableOut, write_out};

#[derive(Args)]
#[command(
    after_help = "Expected employers are those that returned for the previous census date, plus any\nregistered with `observatory employers add`.\n\nExample:\n  observatory returns --census-date 2025-11-01 --area E06000056 --missing"
)]
pub struct ReturnsArgs {
    #[arg(long, value_parser = parse_date)]
    pub census_date: NaiveDate,
    /// Only employers in this local area (GSS code).
    #[arg(long)]
    pub area: Option<String>,
    /// Only expected employers that have not returned.
    #[arg(long)]
    pub missing: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub async fn returns(cli: &Cli, a: &ReturnsArgs) -> Result<i32> {
    let db = cli.database().await?;
    let mut status =
        returns::status_in(&db, Actor::Operator, a.census_date, a.area.as_deref()).await?;
    let (expected, returned, returned_expected) = (
        status.expected(),
        status.returned(),
        status.returned_expected(),
    );
    if a.missing {
        status.employers.retain(|r| !r.returned);
    }
    let list = &status.employers;
    if a.format == Format::Json {
        let v = serde_json::json!({
            "census_date": a.census_date.to_string(), "area": a.area,
            "expected": expected, "returned": returned, "returned_of_expected": returned_expected,
            "response_rate": status.response_rate(),
            "employers": list,
        });
        write_out(
            format!("{}\n", serde_json::to_string_pretty(&v)?).as_bytes(),
            a.output.as_deref(),
        )?;
        return Ok(0);
    }
    let rows = list
        .iter()
        .map(|r| {
            vec![
                r.employer_id.clone(),
                r.employer_name.clone().unwrap_or_default(),
                r.area_code.clone().unwrap_or_default(),
                if r.returned {
                    "returned"
                } else {
                    "not returned"
                }
                .to_string(),
                r.submitted_at.clone().unwrap_or_default(),
                r.posts.map(|p| p.to_string()).unwrap_or_default(),
                r.warnings.map(|p| p.to_string()).unwrap_or_default(),
                if r.expected { "yes" } else { "new" }.to_string(),
            ]
        })
        .collect();
    let rate = if expected > 0 {
        format!("{:.1}%", 100.0 * returned_expected as f64 / expected as f64)
    } else {
        "n/a".to_string()
    };
    TableOut {
        title: format!(
            "Returns for census {}{}: {returned} returned; {returned_expected} of {expected} expected employers ({rate})",
            a.census_date,
            a.area.as_deref().map(|x| format!(" in {x}")).unwrap_or_default()
        ),
        headers: ["employer", "name", "area", "status", "submitted", "posts", "warnings", "expected"]
            .map(String::from)
            .to_vec(),
        rows,
        notes: vec![],
    }
    .emit(a.format, a.output.as_deref())?;
    Ok(0)
}

#[derive(Args)]
pub struct HistoryArgs {
    /// The employer whose returns to list.
    #[arg(long)]
    pub employer: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub async fn history(cli: &Cli, a: &HistoryArgs) -> Result<i32> {
    let db = cli.database().await?;
    let h = returns::history(&db, Actor::Operator, &a.employer).await?;
    if h.is_empty() {
        eprintln!("No returns from employer {} yet.", a.employer);
    }
    if a.format == Format::Json {
        write_out(
            format!("{}\n", serde_json::to_string_pretty(&h)?).as_bytes(),
            a.output.as_deref(),
        )?;
        return Ok(0);
    }
    let rows = h
        .iter()
        .map(|e| {
            vec![
                e.return_id.to_string(),
                e.census_date.clone(),
                e.status.clone(),
                e.submitted_at.clone(),
                e.submitted_by.clone(),
                e.source.clone(),
                e.posts.to_string(),
                e.warnings.to_string(),
                e.file_digest.chars().take(12).collect(),
            ]
        })
        .collect();
    TableOut {
        title: format!("Returns from employer {}, newest first", a.employer),
        headers: [
            "return",
            "census",
            "status",
            "submitted",
            "by",
            "file",
            "posts",
            "warnings",
            "sha256",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        notes: vec![],
    }
    .emit(a.format, a.output.as_deref())?;
    Ok(0)
}

#[derive(Args)]
pub struct EmployersArgs {
    #[command(subcommand)]
    pub command: EmployersCommand,
}

#[derive(Subcommand)]
pub enum EmployersCommand {
    /// Expect a return from this employer (for example a new provider), or move an
    /// employer to another area: a return never moves its employer, only this does.
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// The local area (GSS code) the employer is tracked under.
        #[arg(long)]
        area: String,
    },
}

pub async fn employers(cli: &Cli, a: &EmployersArgs) -> Result<i32> {
    let db = cli.database().await?;
    match &a.command {
        EmployersCommand::Add { id, name, area } => {
            returns::register_employer(&db, Actor::Operator, id, name, area).await?;
            println!(
                "Employer {id} ({name}) is now expected to return, tracked under area {area}."
            );
        }
    }
    Ok(0)
}
