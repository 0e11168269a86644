//! Calls for evidence from the command line: opening and closing a call, listing them,
//! sending a submission as the public form does, the moderation queue and decisions,
//! and a call's report of what it received.

use anyhow::Result;
use clap::{ArgGroup, Args, Subcommand};
use observatory_service::library::{
    CallFields, Changes, Decision, Library, SubmissionFields, SubmissionInput,
};
use observatory_service::policy::Actor;
use std::path::PathBuf;

use super::{DescriptionArgs, TagArgs, json_out, opt, read_file, table};
use crate::output::Format;

#[derive(Subcommand)]
pub enum CallsCommand {
    /// Open a call for evidence; prints its public token (the link's secret part).
    Open {
        #[arg(long)]
        question: String,
        #[arg(long, default_value = "")]
        details: String,
        /// Last day submissions are taken (YYYY-MM-DD).
        #[arg(long)]
        deadline: String,
        #[command(flatten)]
        tags: TagArgs,
    },
    /// List the calls.
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Send a submission to a call, as the public form will (for testing and bulk entry).
    Submit(SubmitArgs),
    /// The moderation queue: submissions waiting for a decision.
    Queue {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Accept, merge or reject a submission.
    #[command(group(ArgGroup::new("decision").required(true).args(["accept", "merge_into", "reject"])))]
    Moderate(ModerateArgs),
    /// What a call received.
    Report {
        id: i64,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Close a call (no more submissions).
    Close { id: i64 },
}

#[derive(Args)]
pub struct SubmitArgs {
    /// The call's token.
    #[arg(long)]
    pub token: String,
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub about: DescriptionArgs,
    /// A PDF, DOCX or plain-text file.
    #[arg(long)]
    pub file: Option<PathBuf>,
}

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory evidence calls moderate 4 --accept --strength indicative --outcome stay_safe\n  observatory evidence calls moderate 5 --merge-into 12\n  observatory evidence calls moderate 6 --reject \"an advertisement, not evidence\""
)]
pub struct ModerateArgs {
    pub submission: i64,
    /// Make it a new item tagged to the call.
    #[arg(long)]
    pub accept: bool,
    /// Fold it into this existing item.
    #[arg(long)]
    pub merge_into: Option<i64>,
    /// Reject it, saying why.
    #[arg(long)]
    pub reject: Option<String>,
    /// With --accept: evidence strength.
    #[arg(long)]
    pub strength: Option<String>,
    /// With --accept: correct the evidence type.
    #[arg(long = "type")]
    pub item_type: Option<String>,
    /// With --accept: tags to add.
    #[command(flatten)]
    pub tags: TagArgs,
}

pub async fn run(lib: &Library, c: &CallsCommand) -> Result<i32> {
    let operator = Actor::Operator;
    match c {
        CallsCommand::Open {
            question,
            details,
            deadline,
            tags,
        } => {
            let call = lib
                .open_call(
                    &operator,
                    CallFields {
                        question: question.clone(),
                        details: details.clone(),
                        deadline: deadline.clone(),
                        tags: tags.tags(),
                    },
                )
                .await?;
            println!("Opened call {} (closes {}).", call.id, call.fields.deadline);
            println!("Public token: {}", call.token);
            println!(
                "Share the link /evidence/calls/respond/{} once the web pages are running.",
                call.token
            );
            Ok(0)
        }
        CallsCommand::List { format } => {
            let list = lib.calls().await?;
            if *format == Format::Json {
                return json_out(&list, None);
            }
            let rows = list
                .iter()
                .map(|c| {
                    vec![
                        c.id.to_string(),
                        c.fields.question.clone(),
                        c.fields.deadline.clone(),
                        c.status.clone(),
                        c.fields.tags.get("theme").join("; "),
                        c.token.clone(),
                    ]
                })
                .collect();
            table(
                "Calls for evidence",
                &["id", "question", "deadline", "status", "themes", "token"],
                rows,
                vec![],
            )
            .emit(*format, None)?;
            Ok(0)
        }
        CallsCommand::Submit(x) => {
            let file = match &x.file {
                Some(p) => Some((p.display().to_string(), read_file(p)?)),
                None => None,
            };
            let id = lib
                .submit(
                    &x.token,
                    SubmissionInput {
                        fields: SubmissionFields {
                            submitter_name: x.name.clone(),
                            submitter_email: x.email.clone(),
                            title: x.about.title.clone(),
                            authors: x.about.author.clone(),
                            organisation: x.about.organisation.clone(),
                            year: x.about.year,
                            item_type: x.about.item_type.clone(),
                            summary: x.about.summary.clone(),
                            link: x.about.link.clone(),
                            file: None,
                        },
                        file,
                    },
                    chrono::Utc::now().date_naive(),
                )
                .await?;
            println!("Received submission {id}; it waits for moderation.");
            Ok(0)
        }
        CallsCommand::Queue { format } => {
            let list = lib.pending_call_submissions(&operator).await?;
            if *format == Format::Json {
                return json_out(&list, None);
            }
            let rows = list
                .iter()
                .map(|s| {
                    vec![
                        s.id.to_string(),
                        s.call_id.to_string(),
                        s.title.clone(),
                        s.item_type.clone(),
                        format!("{} <{}>", s.submitter_name, s.submitter_email),
                        opt(&s.file_name),
                        s.submitted_at.clone(),
                    ]
                })
                .collect();
            table(
                "Submissions waiting for moderation",
                &["id", "call", "title", "type", "from", "file", "received"],
                rows,
                vec![],
            )
            .emit(*format, None)?;
            Ok(0)
        }
        CallsCommand::Moderate(x) => {
            let decision = if x.accept {
                Decision::Accept(Changes {
                    tags: x.tags.tags(),
                    strength: x.strength.clone(),
                    item_type: x.item_type.clone(),
                    title: None,
                })
            } else if let Some(i) = x.merge_into {
                Decision::Merge(i)
            } else {
                Decision::Reject(x.reject.clone().unwrap_or_default())
            };
            match lib.moderate(&operator, x.submission, decision).await? {
                Some(item) => println!(
                    "CallSubmission {} is now part of evidence item {item}.",
                    x.submission
                ),
                None => println!("CallSubmission {} was rejected.", x.submission),
            }
            Ok(0)
        }
        CallsCommand::Report { id, format } => {
            let r = lib.call_report(*id).await?;
            if *format == Format::Json {
                return json_out(&r, None);
            }
            println!("Call {}: {}", r.call.id, r.call.fields.question);
            println!(
                "Deadline {} ({}). Received {}.",
                r.call.fields.deadline, r.call.status, r.received
            );
            let status: Vec<String> = r
                .by_status
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            println!("{}", status.join(", "));
            let rows = r
                .submissions
                .iter()
                .map(|s| {
                    vec![
                        s.id.to_string(),
                        s.title.clone(),
                        s.item_type.clone(),
                        s.status.clone(),
                        opt(&s.item_id),
                        opt(&s.reason),
                    ]
                })
                .collect();
            table(
                "",
                &["submission", "title", "type", "status", "item", "reason"],
                rows,
                vec![],
            )
            .emit(*format, None)?;
            Ok(0)
        }
        CallsCommand::Close { id } => {
            lib.close_call(&operator, *id).await?;
            println!("Call {id} is closed.");
            Ok(0)
        }
    }
}
