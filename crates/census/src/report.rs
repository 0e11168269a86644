//! The validation report: every problem found, each pinned to where the user can find it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, located as the user sees it: file, sheet, row (header = row 1), column.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    pub sheet: Option<String>,
    pub row: Option<usize>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl Problem {
    /// A problem with a whole file or sheet.
    pub fn at_file(file: &str, sheet: &str) -> Problem {
        Problem {
            severity: Severity::Error,
            file: file.to_string(),
            sheet: Some(sheet.to_string()).filter(|s| !s.is_empty()),
            row: None,
            column: None,
            value: None,
            message: String::new(),
        }
    }

    pub fn row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }

    pub fn column(mut self, column: &str) -> Self {
        self.column = Some(column.to_string());
        self
    }

    pub fn value(mut self, value: &str) -> Self {
        // Long junk values are cut so a report stays readable.
        let v: String = value.chars().take(80).collect();
        self.value = Some(v);
        self
    }

    pub fn says(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// "workers.csv, row 7, column fte (value '1.5'): ..." for terminals and logs.
    pub fn location(&self) -> String {
        let mut s = self.file.clone();
        if let Some(sheet) = &self.sheet
            && sheet != &self.file
        {
            s.push_str(&format!(", sheet {sheet}"));
        }
        if let Some(r) = self.row {
            s.push_str(&format!(", row {r}"));
        }
        if let Some(c) = &self.column {
            s.push_str(&format!(", column {c}"));
        }
        if let Some(v) = &self.value {
            s.push_str(&format!(" (value '{v}')"));
        }
        s
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tag = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{tag}: {}: {}", self.location(), self.message)
    }
}

/// Every problem of one return, errors and warnings together, in the order found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub problems: Vec<Problem>,
    /// Errors found after [`MAX_LISTED`] problems were listed: counted, not kept.
    pub omitted_errors: usize,
}

/// Past this many errors the rest are counted, not listed: a wholly wrong file
/// would otherwise produce millions of lines.
pub const MAX_LISTED: usize = 1000;

impl Report {
    pub fn error(&mut self, mut p: Problem) {
        if self.problems.len() >= MAX_LISTED {
            self.omitted_errors += 1;
            return;
        }
        p.severity = Severity::Error;
        self.problems.push(p);
    }

    pub fn warning(&mut self, mut p: Problem) {
        if self.problems.len() >= MAX_LISTED {
            return;
        }
        p.severity = Severity::Warning;
        self.problems.push(p);
    }

    pub fn has_errors(&self) -> bool {
        self.omitted_errors > 0 || self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
    }

    pub fn error_count(&self) -> usize {
        self.errors().count() + self.omitted_errors
    }

    pub fn warning_count(&self) -> usize {
        self.warnings().count()
    }
}
