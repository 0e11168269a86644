//! Reading a census return the way employers really keep it (a folder or zip of CSV files,
//! or one XLSX/ODS workbook), applying the employer's mapping profile, and checking every
//! value against the return specification. The result is either the validated records or
//! a report of every problem with file, sheet, row, column and value; nothing is stored
//! here, so a rejected return can never leave half a trace.

mod limits;
pub mod mapping;
pub mod person;
pub mod report;
pub mod source;
pub mod validate;
mod workbook;

#[cfg(test)]
mod tests;

pub use limits::Limits;
pub use mapping::{MAX_PROFILE_BYTES, MappingProfile};
pub use person::PersonHasher;
pub use report::{Problem, Report, Severity};
pub use validate::headcount_check;

use chrono::NaiveDate;
use observatory_domain::ReturnData;
use std::path::Path;

/// Who the return is from and for which census date (given by the command or form).
#[derive(Debug, Clone)]
pub struct ReturnMeta {
    pub employer_id: String,
    pub employer_name: Option<String>,
    pub census_date: NaiveDate,
}

/// Everything the reader needs besides the files.
pub struct ReadOptions<'a> {
    pub limits: Limits,
    pub mapping: Option<&'a MappingProfile>,
    pub hasher: &'a PersonHasher,
    /// Job titles confirmed by people (normalised title -> role position), on top of the
    /// shipped synonyms.
    pub confirmed_titles: &'a std::collections::HashMap<String, usize>,
}

/// The outcome of reading one return.
pub struct ReadOutcome {
    /// The records, present only when there are no errors.
    pub data: Option<ReturnData>,
    pub report: Report,
    /// SHA-256 of the files as received, for the audit history.
    pub digest: String,
    /// Metadata found in a workbook's `return` sheet, if any.
    pub sheet_meta: Vec<(String, String)>,
}

/// Read, map and validate one return.
pub fn read_return(path: &Path, meta: &ReturnMeta, opts: &ReadOptions) -> ReadOutcome {
    let mut report = Report::default();
    let loaded = source::load(path, &opts.limits, &mut report);
    let Some(loaded) = loaded else {
        return ReadOutcome {
            data: None,
            report,
            digest: String::new(),
            sheet_meta: Vec::new(),
        };
    };
    if let Some(name) = loaded
        .meta
        .iter()
        .find(|(k, _)| k == "employer_id")
        .map(|(_, v)| v)
        && name != &meta.employer_id
    {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        report.error(
            Problem::at_file(&file, "return")
                .column("employer_id")
                .value(name)
                .says(format!(
                    "the workbook says it is the return of employer {name}, but it was submitted for employer {}",
                    meta.employer_id
                )),
        );
    }
    let data = validate::validate(&loaded.tables, meta, opts, &mut report);
    ReadOutcome {
        data: if report.has_errors() { None } else { data },
        report,
        digest: loaded.digest,
        sheet_meta: loaded.meta,
    }
}
