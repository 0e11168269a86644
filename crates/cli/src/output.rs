//! Writing tables the ways people use them (aligned text, CSV, XLSX): shared with the
//! web app, so its downloads are the files the command line writes. Also the
//! `--format`/`--output` pair the reporting commands share.

pub use observatory_service::output::{Format, TableOut, write_out};

use anyhow::Result;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;

/// How and where a command writes its answer.
#[derive(Args)]
pub struct OutputArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file instead of the screen (required for xlsx).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

impl OutputArgs {
    /// `json` as pretty JSON when asked for, else the table `table` makes.
    pub fn write<T: Serialize + ?Sized>(
        &self,
        json: &T,
        table: impl FnOnce() -> TableOut,
    ) -> Result<()> {
        if self.format == Format::Json {
            let text = serde_json::to_string_pretty(json)?;
            write_out(format!("{text}\n").as_bytes(), self.output.as_deref())
        } else {
            table().emit(self.format, self.output.as_deref())
        }
    }
}
