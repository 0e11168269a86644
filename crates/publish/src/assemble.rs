//! Computing the publication's tables and protecting them together: a cell shown in
//! two tables (the national total of posts, say) is one cell, so disclosure control
//! must see every table at once.

use crate::plan::{PlannedTable, plan};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use observatory_analysis::{
    Control, Cube, DisclosureSummary, MeasureKind, Query, QueryResult, protect_tables,
    run_query_with_totals,
};

/// One published table.
#[derive(Debug, Clone)]
pub struct Table {
    /// `T01`, `T02`, ...: stable within a publication, used for sheet and file names.
    pub id: String,
    /// `national`, `area` or `sector`.
    pub section: String,
    /// The title readers see.
    pub title: String,
    /// The protected figures, margins (keys `total`) included.
    pub result: QueryResult,
}

impl Table {
    /// A file-name stem: `T01_posts_by_sector`.
    pub fn stem(&self) -> String {
        let by = if self.result.by.is_empty() {
            "total".to_string()
        } else {
            self.result.by.join("_")
        };
        format!("{}_{}_by_{}", self.id, self.result.measure, by)
    }

    /// Whether the measure's value is a fraction (shown as a percentage to people).
    pub fn is_rate(&self) -> bool {
        self.result.kind == MeasureKind::Rate
    }
}

/// A whole publication: its tables and how they were protected.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The census date it describes.
    pub census_date: NaiveDate,
    /// How the figures were protected (threshold and method).
    pub control: Control,
    /// The tables, in publication order.
    pub tables: Vec<Table>,
    /// What disclosure control did, over all tables at once.
    pub disclosure: DisclosureSummary,
}

/// Compute and protect every planned table from one census date's cube. All tables of
/// one measure are protected together, so a margin shown twice is protected once.
pub fn assemble(cube: &Cube, control: Control) -> Result<Publication> {
    let mut tables = Vec::new();
    for (i, t) in plan().iter().enumerate() {
        let result =
            with_totals(cube, t).with_context(|| format!("cannot compute table '{}'", t.title))?;
        tables.push(Table {
            id: format!("T{:02}", i + 1),
            section: t.section.clone(),
            title: t.title.clone(),
            result,
        });
    }
    let mut results: Vec<QueryResult> = tables.iter().map(|t| t.result.clone()).collect();
    let disclosure = protect_tables(&mut results, &control);
    for (t, r) in tables.iter_mut().zip(results) {
        t.result = r;
    }
    Ok(Publication {
        census_date: cube.census_date(),
        control,
        tables,
        disclosure,
    })
}

/// The table's rows with every margin (keys `total`).
fn with_totals(cube: &Cube, t: &PlannedTable) -> Result<QueryResult> {
    let q = Query {
        measure: t.measure.clone(),
        by: t.breakdowns(),
        filters: Vec::new(),
    };
    Ok(run_query_with_totals(&[cube], &q)?)
}
