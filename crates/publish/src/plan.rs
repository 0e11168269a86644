//! Which tables a publication holds, read from `data/publication/tables.csv` so that
//! statisticians change the publication by editing a list, not the program.

use observatory_analysis::{breakdown_names, measure_names};
use serde::Deserialize;
use std::sync::OnceLock;

const TABLES: &str = include_str!("../../../data/publication/tables.csv");

/// One table of the publication.
#[derive(Debug, Clone, Deserialize)]
pub struct PlannedTable {
    /// `national`, `area` or `sector`: the part of the publication it belongs to.
    pub section: String,
    /// A measure name from the analysis catalogue.
    pub measure: String,
    /// Breakdowns, comma separated.
    pub by: String,
    /// The title readers see.
    pub title: String,
}

impl PlannedTable {
    /// The breakdowns as a list.
    pub fn breakdowns(&self) -> Vec<String> {
        self.by
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }
}

/// The publication's tables, checked against the measure and breakdown catalogues once.
pub fn plan() -> &'static [PlannedTable] {
    static PLAN: OnceLock<Vec<PlannedTable>> = OnceLock::new();
    PLAN.get_or_init(|| {
        let mut r = csv::Reader::from_reader(TABLES.as_bytes());
        let tables: Vec<PlannedTable> = r
            .deserialize()
            .collect::<Result<_, _>>()
            .expect("data/publication/tables.csv is well formed");
        let measures = measure_names();
        for t in &tables {
            assert!(
                measures.contains(&t.measure),
                "data/publication/tables.csv names unknown measure {}",
                t.measure
            );
            for b in t.breakdowns() {
                assert!(
                    breakdown_names().contains(&b.as_str()),
                    "data/publication/tables.csv names unknown breakdown {b}"
                );
            }
        }
        tables
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_plan_names_real_measures_and_breakdowns() {
        let p = super::plan();
        assert!(p.len() >= 30);
        assert!(p.iter().any(|t| t.section == "national"));
        assert!(p.iter().any(|t| t.breakdowns() == ["area"]));
    }
}
