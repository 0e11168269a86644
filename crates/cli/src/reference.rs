//! `observatory jobtitles` and `mapping`: the reference data people maintain so that
//! employers' own words and codes land on the standard ones.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use observatory_census::MappingProfile;
use observatory_domain::codes;
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
    let store = cli.store().await?;
    let c = codes();
    match &a.command {
        Some(JobtitlesCommand::Confirm { title, role, by }) => {
            if c.roles.find(role).is_none() {
                bail!(
                    "'{role}' is not a role code; the closest is '{}'. See the role catalogue in data/codes/roles.csv",
                    c.roles.closest(role)
                );
            }
            let role = c.roles.code(c.roles.must(role));
            store.confirm_title(title, role, by).await?;
            println!("'{title}' now means {role} in every stored and future return.");
        }
        None | Some(JobtitlesCommand::List) => {
            let list = store.unmapped_titles().await?;
            if a.format == Format::Json {
                let v: Vec<_> = list
                    .iter()
                    .map(|t| {
                        let (r, s) = c.suggest_role(&t.example);
                        serde_json::json!({"title": t.example, "rows": t.rows,
                            "suggested_role": c.roles.code(r), "similarity": (s * 100.0).round() / 100.0})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(0);
            }
            let rows = list
                .iter()
                .map(|t| {
                    let (r, s) = c.suggest_role(&t.example);
                    vec![
                        t.example.clone(),
                        t.rows.to_string(),
                        c.roles.code(r).to_string(),
                        format!("{:.0}%", s * 100.0),
                    ]
                })
                .collect();
            TableOut {
                title:
                    "Job titles not yet mapped to a role (their posts count under role not_known)"
                        .into(),
                headers: ["job title", "rows", "suggested role", "similarity"]
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
    let store = cli.store().await?;
    match &a.command {
        MappingCommand::Save { name, file } => {
            let text = observatory_domain::input::read_text_within(
                file,
                observatory_census::MAX_PROFILE_BYTES,
                "the mapping profile",
            )
            .map_err(anyhow::Error::msg)?;
            MappingProfile::from_json(&text).map_err(anyhow::Error::msg)?;
            store.save_mapping(name, &text).await?;
            println!("Saved mapping profile '{name}'. Use it with --mapping {name}.");
        }
        MappingCommand::Show { name } => match store.mapping(name).await? {
            Some(t) => println!("{t}"),
            None => bail!("there is no mapping profile named '{name}'"),
        },
    }
    Ok(0)
}
