//! What an evidence item, register entry, call and submission must look like before it
//! is stored: values are tidied (trimmed, DOIs normalised, tags turned into their codes)
//! and every problem is reported at once, in plain language.

use chrono::{Datelike, NaiveDate};
use observatory_store::evidence::{CallFields, ItemFields, RegisterFields, Tags};
use std::fmt;

use crate::taxonomy::{TAG_FACETS, taxonomy};

/// Every problem found in one record, each a plain sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub what: String,
    pub problems: Vec<String>,
    /// The field each problem is in, as the forms name them ("title", "email"); empty
    /// for a problem of the whole record. Empty when the checker does not say.
    pub fields: Vec<&'static str>,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.len() == 1 {
            write!(f, "{}: {}", self.what, self.problems[0])
        } else {
            write!(f, "{} has {} problems:", self.what, self.problems.len())?;
            for p in &self.problems {
                write!(f, "\n  - {p}")?;
            }
            Ok(())
        }
    }
}

impl std::error::Error for Invalid {}

/// Collects problems while a record is checked.
struct Check {
    problems: Vec<String>,
    fields: Vec<&'static str>,
}

impl Check {
    fn new() -> Check {
        Check {
            problems: Vec::new(),
            fields: Vec::new(),
        }
    }

    /// A problem in `field` (as the forms name it).
    fn fail(&mut self, field: &'static str, p: String) {
        self.problems.push(p);
        self.fields.push(field);
    }

    fn required(&mut self, name: &'static str, v: &mut String, max: usize) {
        *v = v.trim().to_string();
        // Written as GOV.UK writes errors: "Enter your name", "Title must be 1000
        // characters or fewer".
        if v.is_empty() {
            let the = if name.starts_with("your ") {
                ""
            } else {
                "the "
            };
            self.fail(field_of(name), format!("Enter {the}{name}"));
        } else if v.chars().count() > max {
            self.too_long(name, max);
        }
    }

    fn too_long(&mut self, name: &'static str, max: usize) {
        let mut named = name.to_string();
        if let Some(f) = named.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        self.fail(
            field_of(name),
            format!("{named} must be {max} characters or fewer"),
        );
    }

    fn optional(&mut self, name: &'static str, v: &mut Option<String>, max: usize) {
        if let Some(s) = v {
            let t = s.trim().to_string();
            if t.is_empty() {
                *v = None;
            } else if t.chars().count() > max {
                self.too_long(name, max);
            } else {
                *s = t;
            }
        }
    }

    fn code(&mut self, facet: &'static str, v: &mut String) {
        match taxonomy().check(facet, v) {
            Ok(c) => *v = c,
            Err(e) => self.fail(facet, e),
        }
    }

    fn tags(&mut self, tags: &mut Tags) {
        let mut clean = Tags::default();
        for (facet, value) in tags.pairs() {
            if !TAG_FACETS.contains(&facet) {
                self.fail(
                    "tags",
                    format!(
                        "'{facet}' is not a tag facet; use one of: {}",
                        TAG_FACETS.join(", ")
                    ),
                );
                continue;
            }
            match taxonomy().check(facet, value) {
                Ok(c) => clean.add(facet, &c),
                Err(e) => self.fail("tags", e),
            }
        }
        *tags = clean;
    }

    fn link(&mut self, v: &mut Option<String>) {
        self.optional("link", v, 2000);
        if let Some(l) = v
            && !(l.starts_with("http://") || l.starts_with("https://"))
        {
            self.fail(
                "link",
                format!(
                    "the link '{l}' is not a web address (it must start with http:// or https://)"
                ),
            );
        }
    }

    fn year(&mut self, y: Option<i32>) {
        let max = chrono::Utc::now().year() + 5;
        if let Some(y) = y
            && !(1900..=max).contains(&y)
        {
            self.fail(
                "year",
                format!("The year must be between 1900 and {max} ({y} is not)"),
            );
        }
    }

    fn authors(&mut self, authors: &mut Vec<String>) {
        *authors = authors
            .iter()
            .map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|a| !a.is_empty())
            .collect();
        if authors.iter().any(|a| a.chars().count() > 300) {
            self.fail(
                "authors",
                "an author's name is longer than 300 characters".into(),
            );
        }
    }

    fn finish(self, what: String) -> Result<(), Invalid> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Invalid {
                what,
                problems: self.problems,
                fields: self.fields,
            })
        }
    }
}

/// The form field a named value is in ("your name" is the field `name`).
fn field_of(name: &'static str) -> &'static str {
    match name {
        "your name" => "name",
        "due note" => "due_note",
        n => n,
    }
}

/// A DOI in its usual stored form: lower case, without a resolver prefix or `doi:`.
pub fn normalise_doi(s: &str) -> String {
    let mut d = s.trim();
    for p in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
        "DOI:",
    ] {
        if let Some(rest) = d.strip_prefix(p) {
            d = rest.trim();
        }
    }
    d.to_lowercase()
}

/// Tidy and check an item; on success `f` holds the stored form of every value.
pub fn check_item(f: &mut ItemFields) -> Result<(), Invalid> {
    let mut c = Check::new();
    c.required("title", &mut f.title, 1000);
    c.authors(&mut f.authors);
    c.optional("organisation", &mut f.organisation, 300);
    c.year(f.year);
    c.code("type", &mut f.item_type);
    f.summary = f.summary.trim().to_string();
    if f.summary.chars().count() > 20_000 {
        c.fail(
            "summary",
            "the summary is longer than 20,000 characters".into(),
        );
    }
    c.link(&mut f.link);
    if let Some(d) = &f.doi {
        let d = normalise_doi(d);
        if d.is_empty() {
            f.doi = None;
        } else if !(d.starts_with("10.") && d.contains('/')) {
            c.fail(
                "doi",
                format!("the DOI '{d}' is not a DOI (one looks like 10.1177/1836939106031001)"),
            );
        } else {
            f.doi = Some(d);
        }
    }
    if let Some(s) = &mut f.strength {
        if s.trim().is_empty() {
            f.strength = None;
        } else {
            c.code("strength", s);
        }
    }
    for (name, v) in [
        ("journal or series", &mut f.container),
        ("volume", &mut f.volume),
        ("issue", &mut f.issue),
        ("pages", &mut f.pages),
        ("publisher", &mut f.publisher),
        ("place", &mut f.place),
        ("report number", &mut f.report_number),
    ] {
        c.optional(name, v, 500);
    }
    // A publisher alone is the organisation: citation formats carry one of them only.
    if f.organisation.is_none() {
        f.organisation = f.publisher.take();
    }
    if f.authors.is_empty() && f.organisation.is_none() {
        c.fail(
            "authors",
            "give at least one author or the organisation that published it".into(),
        );
    }
    c.tags(&mut f.tags);
    let what = if f.title.is_empty() {
        "the evidence item".to_string()
    } else {
        format!("the evidence item '{}'", short(&f.title))
    };
    c.finish(what)
}

/// Register statuses, in the order a study moves through them.
pub const REGISTER_STATUSES: [&str; 4] = ["planned", "commissioned", "in_progress", "reported"];

/// Tidy and check a register entry.
pub fn check_register(f: &mut RegisterFields) -> Result<(), Invalid> {
    let mut c = Check::new();
    c.required("title", &mut f.title, 1000);
    c.required("organisation", &mut f.organisation, 300);
    f.status = f.status.trim().to_lowercase().replace([' ', '-'], "_");
    if !REGISTER_STATUSES.contains(&f.status.as_str()) {
        c.fail(
            "status",
            format!(
                "the status '{}' is not one of {}",
                f.status,
                REGISTER_STATUSES.join(", ")
            ),
        );
    }
    f.summary = f.summary.trim().to_string();
    if let Some(d) = &f.due_date {
        match parse_due(d) {
            Some(d) => f.due_date = Some(d.to_string()),
            None => c.fail(
                "due_date",
                format!(
                    "the due date '{d}' is not a date (write 2009-01-31, or 2009-01 for a month)"
                ),
            ),
        }
    }
    c.optional("due note", &mut f.due_note, 200);
    c.tags(&mut f.tags);
    c.finish(format!("the register entry '{}'", short(&f.title)))
}

/// A due date given as YYYY-MM-DD or YYYY-MM (taken as the first of the month).
pub fn parse_due(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok())
}

/// Tidy and check a call for evidence. Calls must name at least one theme.
pub fn check_call(f: &mut CallFields) -> Result<(), Invalid> {
    let mut c = Check::new();
    c.required("question", &mut f.question, 1000);
    f.details = f.details.trim().to_string();
    match NaiveDate::parse_from_str(f.deadline.trim(), "%Y-%m-%d") {
        Ok(d) => f.deadline = d.to_string(),
        Err(_) => c.fail(
            "deadline",
            format!(
                "the deadline '{}' is not a date (write it as 2026-03-31)",
                f.deadline
            ),
        ),
    }
    c.tags(&mut f.tags);
    if f.tags.get("theme").is_empty() {
        c.fail("themes", "name at least one theme the call is about".into());
    }
    c.finish(format!("the call '{}'", short(&f.question)))
}

/// Check what a member of the public sends (name, email and a description of the
/// evidence); the file is checked by [`crate::extract`].
pub fn check_submission(
    s: &mut observatory_store::evidence::SubmissionFields,
) -> Result<(), Invalid> {
    let mut c = Check::new();
    c.required("your name", &mut s.submitter_name, 200);
    s.submitter_email = s.submitter_email.trim().to_string();
    if !plausible_email(&s.submitter_email) {
        c.fail(
            "email",
            format!(
                "'{}' is not an email address (one looks like name@example.org)",
                s.submitter_email
            ),
        );
    }
    c.required("title", &mut s.title, 1000);
    c.authors(&mut s.authors);
    c.optional("organisation", &mut s.organisation, 300);
    c.year(s.year);
    c.code("type", &mut s.item_type);
    c.required("summary", &mut s.summary, 20_000);
    c.link(&mut s.link);
    c.finish("your submission".into())
}

fn plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
}

/// The first 80 characters of a text, for messages.
pub fn short(s: &str) -> String {
    short_to(s, 80)
}

/// A text cut to at most `n` characters, marked with "..." when cut.
pub fn short_to(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!(
            "{}...",
            s.chars().take(n.saturating_sub(3)).collect::<String>()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> ItemFields {
        let mut tags = Tags::default();
        tags.add("theme", "Qualifications");
        tags.add("sector", "Early years and childcare");
        ItemFields {
            title: "  Mapping Qualifications and Training  ".into(),
            authors: vec!["Johnson,  S.".into(), " ".into()],
            organisation: Some("Sheffield Hallam University".into()),
            year: Some(2005),
            item_type: "Research report".into(),
            doi: Some("https://doi.org/10.1177/ABC".into()),
            strength: Some("Indicative".into()),
            tags,
            ..Default::default()
        }
    }

    #[test]
    fn a_good_item_is_tidied_into_codes() {
        let mut f = item();
        check_item(&mut f).unwrap();
        assert_eq!(f.title, "Mapping Qualifications and Training");
        assert_eq!(f.authors, vec!["Johnson, S."]);
        assert_eq!(f.item_type, "research_report");
        assert_eq!(f.doi.as_deref(), Some("10.1177/abc"));
        assert_eq!(f.strength.as_deref(), Some("indicative"));
        assert!(f.tags.has("sector", "early_years"));
        assert!(f.tags.has("theme", "qualifications"));
    }

    #[test]
    fn every_problem_is_reported_in_plain_language() {
        let mut f = item();
        f.title = " ".into();
        f.year = Some(3008);
        f.item_type = "report".into();
        f.link = Some("www.example.org".into());
        f.doi = Some("12345".into());
        f.tags.add("outcome", "be happy");
        let e = check_item(&mut f).unwrap_err();
        let text = e.to_string();
        assert_eq!(e.problems.len(), 6, "{text}");
        for needle in [
            "Enter the title",
            "The year must be between 1900 and",
            "'report' is not an evidence type",
            "must start with http",
            "the DOI '12345' is not a DOI",
            "'be happy' is not an outcome for children; use one of: be_healthy",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in {text}");
        }
    }

    #[test]
    fn register_calls_and_submissions_are_checked() {
        let mut r = RegisterFields {
            title: "State of the Children's Social Care Workforce".into(),
            organisation: "CWDC".into(),
            status: "In progress".into(),
            due_date: Some("2009-01".into()),
            ..Default::default()
        };
        check_register(&mut r).unwrap();
        assert_eq!(r.status, "in_progress");
        assert_eq!(r.due_date.as_deref(), Some("2009-01-01"));
        r.status = "finished".into();
        r.due_date = Some("soon".into());
        let e = check_register(&mut r).unwrap_err().to_string();
        assert!(
            e.contains("'finished' is not one of planned") && e.contains("'soon' is not a date"),
            "{e}"
        );

        let mut call = CallFields {
            question: "What helps new social workers stay?".into(),
            deadline: "31/03/2026".into(),
            ..Default::default()
        };
        let e = check_call(&mut call).unwrap_err().to_string();
        assert!(
            e.contains("not a date") && e.contains("at least one theme"),
            "{e}"
        );

        let mut s = observatory_store::evidence::SubmissionFields {
            submitter_name: "Ann".into(),
            submitter_email: "ann at example".into(),
            title: "Induction".into(),
            item_type: "case study".into(),
            summary: "".into(),
            ..Default::default()
        };
        let e = check_submission(&mut s).unwrap_err().to_string();
        assert!(
            e.contains("not an email address") && e.contains("Enter the summary"),
            "{e}"
        );
        assert_eq!(s.item_type, "case_study");
    }
}
