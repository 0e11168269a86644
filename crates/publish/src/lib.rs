//! The standard publication of a census date: national, area and sector tables of every
//! headline measure, protected together by disclosure control, written as CSV files, one
//! XLSX workbook (a sheet a table, with contents and notes) and an HTML report with SVG
//! charts. The table list is a data file (`data/publication/tables.csv`), not code.
//!
//! Presentation lives here, not in the analysis crate, so that the command line and the
//! web app publish exactly the same files.

mod assemble;
/// Any document (the strategy, its board report) as HTML, Word and PDF: a plain model
/// that other crates fill and renderers that escape it, so every format carries the same
/// words and no caller writes markup.
pub mod document;
mod html;
mod plan;
pub mod svg;
mod write;

pub use assemble::{Publication, Table, assemble};
pub use observatory_analysis::{Control, Method};
pub use plan::{PlannedTable, plan};

use anyhow::Result;
use std::path::{Path, PathBuf};

/// Write every file of a publication into `dir`: `csv/` (one file a table and notes),
/// `census-<date>.xlsx` and `census-<date>.html`. Returns the files written.
pub fn write_all(p: &Publication, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = write::write_csvs(p, &dir.join("csv"))?;
    let xlsx = dir.join(format!("census-{}.xlsx", p.census_date));
    write::write_xlsx(p, &xlsx)?;
    files.push(xlsx);
    let html = dir.join(format!("census-{}.html", p.census_date));
    std::fs::write(&html, html::report(p))?;
    files.push(html);
    Ok(files)
}

#[cfg(test)]
mod tests;
