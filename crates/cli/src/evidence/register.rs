//! The research register from the command line: registering a study (with the most
//! similar items and studies, likely duplication of effort), listing the register and
//! changing an entry's status.

use anyhow::Result;
use clap::{Args, Subcommand};
use observatory_service::library::{Library, RegisterFields, Similar};
use observatory_service::policy::Actor;
use std::path::PathBuf;

use super::{TagArgs, json_out, opt, table};
use crate::output::{Format, TableOut};

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum RegisterCommand {
    /// Register a study; shows the most similar items and studies (likely duplication).
    #[command(
        after_help = "Example:\n  observatory evidence register add --title \"Retention of newly qualified social workers\" \\\n    --organisation CWDC --status commissioned --due 2010-03 --theme motivation --sector social_care"
    )]
    Add(RegisterAddArgs),
    /// List the register.
    List {
        /// Only entries with this status.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Change an entry's status (and, when it reports, the item holding its report).
    Status {
        id: i64,
        /// planned, commissioned, in_progress or reported.
        status: String,
        #[arg(long)]
        item: Option<i64>,
    },
}

#[derive(Args)]
pub struct RegisterAddArgs {
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub organisation: String,
    /// planned, commissioned, in_progress or reported.
    #[arg(long, default_value = "planned")]
    pub status: String,
    #[arg(long, default_value = "")]
    pub summary: String,
    /// Due date: YYYY-MM-DD or YYYY-MM.
    #[arg(long)]
    pub due: Option<String>,
    /// The due date in words ("summer 2010").
    #[arg(long)]
    pub due_note: Option<String>,
    #[command(flatten)]
    pub tags: TagArgs,
    /// Only show the similar items and studies; do not register.
    #[arg(long)]
    pub check_only: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

fn similar_table(found: &[Similar]) -> TableOut {
    let rows = found
        .iter()
        .map(|s| {
            vec![
                format!("{:.2}", s.score),
                if s.likely_duplicate {
                    "likely duplicate".into()
                } else {
                    String::new()
                },
                s.kind.clone(),
                s.id.to_string(),
                s.title.clone(),
                opt(&s.organisation),
                s.when.clone(),
            ]
        })
        .collect();
    table(
        "Most similar existing evidence and studies",
        &[
            "score",
            "flag",
            "kind",
            "id",
            "title",
            "organisation",
            "when",
        ],
        rows,
        vec![
            "Scores are tf-idf cosine similarity of title, summary and tags (1 = the same words)."
                .into(),
        ],
    )
}

pub async fn run(lib: &Library, c: &RegisterCommand) -> Result<i32> {
    match c {
        RegisterCommand::Add(x) => {
            let f = RegisterFields {
                title: x.title.clone(),
                organisation: x.organisation.clone(),
                status: x.status.clone(),
                summary: x.summary.clone(),
                due_date: x.due.clone(),
                due_note: x.due_note.clone(),
                item_id: None,
                tags: x.tags.tags(),
            };
            let (id, found) = if x.check_only {
                (None, lib.similar_to(f, 5).await?)
            } else {
                let (id, found) = lib.register(&Actor::Operator, f).await?;
                (Some(id), found)
            };
            if x.format == Format::Json {
                return json_out(&serde_json::json!({"id": id, "similar": found}), None);
            }
            if let Some(id) = id {
                println!("Registered study {id}.");
            }
            if found.is_empty() {
                println!("Nothing similar is in the library or the register.");
            } else {
                print!("{}", similar_table(&found).text());
            }
            Ok(0)
        }
        RegisterCommand::List {
            status,
            format,
            output,
        } => {
            let mut list = lib.register_entries().await?;
            if let Some(s) = status {
                list.retain(|e| &e.fields.status == s);
            }
            if *format == Format::Json {
                return json_out(&list, output.as_deref());
            }
            let rows = list
                .iter()
                .map(|e| {
                    let f = &e.fields;
                    vec![
                        e.id.to_string(),
                        f.organisation.clone(),
                        f.title.clone(),
                        f.status.replace('_', " "),
                        opt(&f.due_date),
                        opt(&f.due_note),
                        f.tags.get("theme").join("; "),
                        f.tags.get("sector").join("; "),
                    ]
                })
                .collect();
            table(
                "The research register",
                &[
                    "id",
                    "organisation",
                    "title",
                    "status",
                    "due",
                    "as given",
                    "themes",
                    "sectors",
                ],
                rows,
                vec![],
            )
            .emit(*format, output.as_deref())?;
            Ok(0)
        }
        RegisterCommand::Status { id, status, item } => {
            let s = lib
                .set_register_status(&Actor::Operator, *id, status, *item)
                .await?;
            println!("Register entry {id} is now {}.", s.replace('_', " "));
            Ok(0)
        }
    }
}
