//! `observatory standards`: check every setting or area against the standards declared
//! in a TOML file (the shipped early years ones by default) and say who falls short and
//! by how much; `standards list` shows what is declared.

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use observatory_service::Actor;
use observatory_service::query::text;
use observatory_service::standards::{
    self, Amount, Condition, MeasureKind, Standard, StandardResult, Standards, Status, Unit,
};
use std::path::{Path, PathBuf};

use crate::Cli;
use crate::import::parse_date;
use crate::output::{OutputArgs, TableOut};

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory standards list\n  observatory standards check --census-date 2025-11-01\n  observatory standards check --census-date 2025-11-01 --area E06000056 --all\n  observatory standards check --census-date 2025-11-01 --file our-standards.toml --format csv\n\nA standards file is TOML: one [[standard]] table each, with id, title, unit (setting or\narea), the settings and staff it covers and a condition; see data/standards/early_years.toml."
)]
pub struct StandardsArgs {
    #[command(subcommand)]
    pub command: StandardsCommand,
}

#[derive(Subcommand)]
pub enum StandardsCommand {
    /// Check every setting or area a standard covers; list those that fall short.
    Check {
        #[arg(long, value_parser = parse_date)]
        census_date: NaiveDate,
        /// The standards file (default: the shipped data/standards/early_years.toml).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Only settings in this area (GSS code), or this area.
        #[arg(long)]
        area: Option<String>,
        /// Show every unit checked, not only those that fall short.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Show the standards a file declares (default: the shipped ones).
    List {
        #[arg(long)]
        file: Option<PathBuf>,
        #[command(flatten)]
        out: OutputArgs,
    },
}

/// The standards of `file`, or the shipped ones; a bad file is rejected input (exit 1).
fn read(file: Option<&Path>) -> std::result::Result<Standards, i32> {
    standards::read(file).map_err(|e| {
        eprintln!("{e}");
        1
    })
}

pub async fn run(cli: &Cli, a: &StandardsArgs) -> Result<i32> {
    match &a.command {
        StandardsCommand::List { file, out } => {
            let standards = match read(file.as_deref()) {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            out.write(standards.list(), || list_table(&standards))?;
            Ok(0)
        }
        StandardsCommand::Check {
            census_date,
            file,
            area,
            all,
            out,
        } => {
            let standards = match read(file.as_deref()) {
                Ok(s) => s,
                Err(code) => return Ok(code),
            };
            let db = cli.database().await?;
            let results = standards::check(
                &db,
                Actor::Operator,
                &standards,
                *census_date,
                area.as_deref(),
                crate::cubes::spinner,
            )
            .await?;
            out.write(&results, || check_table(&results, *census_date, *all))?;
            Ok(0)
        }
    }
}

fn amount(a: Amount) -> &'static str {
    match a {
        Amount::People => "people",
        Amount::Fte => "FTE",
    }
}

/// A condition in words, e.g. "at least 0.5 of people hold level 2 or above".
fn condition(c: &Condition) -> String {
    match c {
        Condition::QualifiedShare {
            level,
            at_least,
            measure,
        } => format!(
            "at least {at_least} of covered {} achieved level {level} or above",
            amount(*measure)
        ),
        Condition::StaffCount { at_least, measure } => {
            format!("at least {at_least} covered {}", amount(*measure))
        }
        Condition::StaffPerSettings {
            at_least,
            per_settings,
            measure,
        } => format!(
            "at least {at_least} covered {} per {per_settings} covered settings",
            amount(*measure)
        ),
    }
}

fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::Setting => "setting",
        Unit::Area => "area",
    }
}

fn list_table(s: &Standards) -> TableOut {
    let rows = s
        .list()
        .iter()
        .map(|st: &Standard| {
            vec![
                st.id.clone(),
                st.title.clone(),
                unit_name(st.unit).to_string(),
                condition(&st.condition),
            ]
        })
        .collect();
    TableOut {
        title: "Standards declared".into(),
        headers: ["id", "title", "checked per", "condition"]
            .map(String::from)
            .to_vec(),
        rows,
        notes: Vec::new(),
    }
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::NotApplicable => "not_applicable",
    }
}

fn check_table(results: &[StandardResult], date: NaiveDate, all: bool) -> TableOut {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for r in results {
        let kind = match r.condition {
            Condition::QualifiedShare { .. } => MeasureKind::Rate,
            _ => MeasureKind::Statistic,
        };
        notes.push(format!(
            "{}: {} {}(s) checked, {} fall short (short by {} in all), {} not applicable.",
            r.id,
            r.units_checked,
            unit_name(r.unit),
            r.units_failing,
            text(Some(r.total_shortfall), MeasureKind::Statistic),
            r.units_not_applicable
        ));
        for u in r.units.iter().filter(|u| all || u.status == Status::Fail) {
            rows.push(vec![
                r.id.clone(),
                u.unit.clone(),
                u.area.clone(),
                status(u.status).to_string(),
                text(u.value, kind),
                text(Some(u.required), kind),
                text(Some(u.shortfall), MeasureKind::Statistic),
                u.unknown_role_posts.to_string(),
            ]);
        }
    }
    if !all {
        notes.push("Only units that fall short are listed; add --all for every unit.".into());
    }
    notes.push("shortfall: people (or FTE) short of the standard; unknown_role: posts whose job title is not mapped to a role, left out.".into());
    TableOut {
        title: format!("Standards at {date}"),
        headers: [
            "standard",
            "unit",
            "area",
            "status",
            "value",
            "required",
            "shortfall",
            "unknown_role",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        notes,
    }
}
