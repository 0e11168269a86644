//! `observatory jobtitles` and `mapping`: the reference data people maintain so that
//! employers' own words and codes land on the standard ones.

use anyhow::Result;
use clap::{Args, Subcommand};
use observatory_service::Actor;
use observatory_service::reference;
use std::path::PathBuf;

use crate::Cli;
use crate::output::{Format, TableOut};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory jobtitles\n  observatory jobtitles confirm \"Snr Nursery Nurse (Baby Room)\" room_leader"
)]
pub struct JobtitlesArgs {
    #[command(subcommand)]
    pub command: Option<JobtitlesCommand>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum JobtitlesCommand {
    /// List job titles in stored returns that are not mapped to a role (the default).
    List,
    /// Confirm that a job title means a role; used for stored and future returns.
    Confirm {
        /// The job title as employers write it.
        title: String,
        /// The role code from the role catalogue (e.g. room_leader).
        role: String,
        /// Who confirms, for the record.
        #[arg(long, default_value = "command line")]
        by: String,
    },
}

pub async fn jobtitles(cli: &Cli, a: &JobtitlesArgs) -> Result<i32> {
    let db = cli.database().await?;
    match &a.command {
        Some(JobtitlesCommand::Confirm { title, role, by }) => {
            let role = reference::confirm_title(&db, Actor::Operator, title, role, by).await?;
            println!("'{title}' now means {role} in every stored and future return.");
        }
        None | Some(JobtitlesCommand::List) => {
            let list = reference::unmapped_titles(&db, Actor::Operator).await?;
            if a.format == Format::Json {
                let v: Vec<_> = list
                    .iter()
                    .map(|t| {
                        serde_json::json!({"title": t.title, "rows": t.rows,
                            "suggested_role": t.suggested_role, "similarity": (t.similarity * 100.0).round() / 100.0})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(0);
            }
            let rows = list
                .iter()
                .map(|t| {
                    vec![
                        t.title.clone(),
                        t.rows.to_string(),
                        t.suggested_role.unwrap_or("no close role").to_string(),
                        t.suggested_role
                            .map(|_| format!("{:.0}%", t.similarity * 100.0))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            TableOut {
                title:
                    "Job titles not yet mapped to a role (their posts count under role not_known)"
                        .into(),
                headers: ["job title", "rows", "suggested role", "confidence"]
                    .map(String::from)
                    .to_vec(),
                rows,
                notes: vec![
                    "Confirm one with: observatory jobtitles confirm \"TITLE\" ROLE".into(),
                ],
            }
            .emit(a.format, a.output.as_deref())?;
        }
    }
    Ok(0)
}

#[derive(Args)]
#[command(
    after_help = "A profile is JSON: {\"columns\": {\"Staff No\": \"worker_ref\"}, \"codes\": {\"contract\": {\"Perm\": \"permanent\"}}}\n\nExample:\n  observatory mapping save acme-hr acme.json\n  observatory import --employer N-204 --census-date 2025-11-01 --mapping acme-hr export.zip"
)]
pub struct MappingArgs {
    #[command(subcommand)]
    pub command: MappingCommand,
}

#[derive(Subcommand)]
pub enum MappingCommand {
    /// Check and save a mapping profile under a name.
    Save { name: String, file: PathBuf },
    /// Print a saved mapping profile.
    Show { name: String },
}

pub async fn mapping(cli: &Cli, a: &MappingArgs) -> Result<i32> {
    let db = cli.database().await?;
    match &a.command {
        MappingCommand::Save { name, file } => {
            reference::save_mapping(&db, Actor::Operator, name, file).await?;
            println!("Saved mapping profile '{name}'. Use it with --mapping {name}.");
        }
        MappingCommand::Show { name } => {
            println!("{}", reference::mapping(&db, Actor::Operator, name).await?);
        }
    }
    Ok(0)
}
