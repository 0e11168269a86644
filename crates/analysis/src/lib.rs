//! Answers every measure of the observatory over any breakdown, fast, from an in-memory
//! columnar cube per census date. SQL group-bys over millions of rows take seconds; the
//! same over small-integer code columns takes milliseconds. Rows in SQL stay the source
//! of truth: the store streams them into a [`CubeBuilder`] (a
//! [`observatory_domain::CensusSink`]), and a built [`Cube`] can be saved as a snapshot.
//!
//! Measures and breakdowns are those of `shared/spec/measures.md`; see
//! [`measure_names`] and [`breakdown_names`]. Choices the spec leaves open:
//! - People-based measures (headcount, the shares, qualified/working-towards shares,
//!   age_55_plus_share) count distinct people per group. A person with several posts in
//!   a group counts once, and counts in a numerator (or a "known value" denominator) if
//!   ANY of their posts in the group qualifies. A row without a person_id is a person.
//! - Medians and quartiles interpolate linearly between closest ranks (Hyndman-Fan type
//!   7, as Excel QUARTILE.INC and R's default): an even count's median is the mean of
//!   the two middle values. Pay covers filled posts with annual_pay, not volunteers.
//! - Unknowns are their own group, shown as `not_known`: an unmapped job title (role,
//!   sector, career_level, leader), a blank multi_agency, a leaver without a birth year
//!   (age_band). A leaver without an ethnicity is `NOBT` (not obtained).
//! - A blank hard_to_fill counts as not hard to fill.
//! - Rates over nothing (a group with leavers but no posts) have no value; their basis
//!   is 0, so any suppression hides them.
//!
//! Disclosure control starts here with [`apply_primary_suppression`].

#![warn(missing_docs)]

pub mod audit;
mod benchmark;
pub mod cellkey;
mod cube;
mod dims;
mod disclosure;
mod engine;
mod estimates;
mod measures;
mod mobility;
mod population;
pub mod quality;
mod query;
mod series;
pub mod standards;

#[cfg(test)]
mod tests;

pub use benchmark::{BenchmarkResult, Group, Subject, benchmark};
pub use cube::{Cube, CubeBuilder, FORMAT_VERSION};
pub use disclosure::{
    Cell, Column, Control, DisclosureSummary, Hierarchy, LinkedTable, Method, ProtectStats,
    Relation, Status, TOTAL_KEY, apply_disclosure_control, protect_linked, protect_linked_table,
    protect_tables, run_query_with_totals,
};
pub use estimates::{CarryForward, flag_estimated, non_responders};
pub use measures::{MeasureKind, measure_names, measure_units};
pub use mobility::{MOBILITY_CATEGORIES, MobilityResult, mobility, mobility_by};
pub use population::{
    DataFileError, DataProblem, MAX_DATA_FILE_BYTES, NATIONAL, PopulationProfile, ProfileUse,
    SHARE_SUM_TOLERANCE, Shares,
};
pub use query::{
    DEFAULT_SUPPRESSION_THRESHOLD, MIN_SUPPRESSION_THRESHOLD, Query, QueryResult, ResultRow,
    apply_cell_key_method, apply_primary_suppression, breakdown_names, check_query,
    needs_census_before, run_query,
};
pub use query::{QueryContext, run_query_with};
pub use series::{SeriesBreak, SeriesBreaks};

/// Why a query or a snapshot could not be answered, in words a user can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// The measure is not in the catalogue ([`measure_names`]).
    #[error("unknown measure '{name}'{}", did_you_mean(.suggestion))]
    UnknownMeasure {
        /// As given.
        name: String,
        /// The closest measure name, if any is close.
        suggestion: Option<String>,
    },
    /// The breakdown is not one of [`breakdown_names`].
    #[error("unknown breakdown '{name}'{}", did_you_mean(.suggestion))]
    UnknownBreakdown {
        /// As given.
        name: String,
        /// The closest breakdown name, if any is close.
        suggestion: Option<String>,
    },
    /// The measure counts records that do not carry the breakdown.
    #[error("{measure} cannot be broken down by {breakdown}: {records} do not record it")]
    NotBrokenDown {
        /// The measure asked for.
        measure: String,
        /// The breakdown its records lack.
        breakdown: String,
        /// Which records lack it ("leavers", "vacancies", "filled posts").
        records: String,
    },
    /// As [`AnalysisError::NotBrokenDown`], for a `--where` filter.
    #[error("{measure} cannot be filtered by {breakdown}: {records} do not record it")]
    NotFiltered {
        /// The measure asked for.
        measure: String,
        /// The breakdown its records lack.
        breakdown: String,
        /// Which records lack it.
        records: String,
    },
    /// A filter value that is not a code of the breakdown (or, for area, employer,
    /// setting and census_date, not in the data).
    #[error("unknown value '{value}' for {breakdown} in --where{hint}")]
    UnknownValue {
        /// The breakdown filtered on.
        breakdown: String,
        /// The value as given.
        value: String,
        /// "; did you mean ...?", the census dates loaded, or empty.
        hint: String,
    },
    /// The same breakdown twice in `by`.
    #[error("{0} is given twice in --by")]
    RepeatedBreakdown(String),
    /// `run_query` was given no cube.
    #[error("no census data to query")]
    NoCensus,
    /// Two cubes of the same census date were given.
    #[error("two cubes were given for census date {0}")]
    RepeatedCensus(chrono::NaiveDate),
    /// A snapshot that is not one, is damaged, or is of another format or code lists.
    #[error("the cube snapshot cannot be read: {0}")]
    Snapshot(String),
    /// A well-formed question this measure cannot answer without more (a group to
    /// compare, the census before, a comparison group), said in full.
    #[error("{0}")]
    NeedsMore(String),
}

fn did_you_mean(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!("; did you mean '{s}'?"))
        .unwrap_or_default()
}
