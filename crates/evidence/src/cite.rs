//! Citations in and out: RIS and BibTeX, the formats reference managers such as Zotero
//! read and write, so a library round-trips. Taxonomy tags travel as keywords written
//! `facet:code` (`theme:qualifications`, `strength:moderate`); the evidence type as
//! RIS `M3` / BibTeX `type` (its label). On import, duplicates (the same DOI, or a
//! near-identical title with the same year) of stored items or of earlier records in
//! the same file are reported and not stored: nothing is merged silently.

use observatory_store::evidence::{Item, ItemFields, Tags};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt::Write;

use crate::model::{Invalid, check_item};
use crate::taxonomy::{TAG_FACETS, taxonomy};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    Ris,
    Bibtex,
}

impl Format {
    /// Guess from the text: BibTeX starts its records with `@`, RIS with `TY  - `.
    pub fn detect(text: &str) -> Option<Format> {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('@') || t.contains("\n@") {
            Some(Format::Bibtex)
        } else if t.starts_with("TY  -") || t.contains("\nTY  -") {
            Some(Format::Ris)
        } else {
            None
        }
    }

    pub fn parse_name(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "ris" => Some(Format::Ris),
            "bibtex" | "bib" => Some(Format::Bibtex),
            _ => None,
        }
    }
}

/// How to import: what to add to every record (a type when the file gives none, tags),
/// and whether to store duplicates as well (they are reported either way; a
/// presentation and a report of the same title and year are two works).
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub item_type: Option<String>,
    pub tags: Tags,
    pub keep_duplicates: bool,
}

/// One record of a citation file, read and checked.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// 1 for the first record of the file.
    pub record: usize,
    pub fields: Result<ItemFields, Invalid>,
}

/// A record not imported because it duplicates something.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Duplicate {
    pub record: usize,
    pub title: String,
    pub year: Option<i32>,
    /// "the same DOI 10.x/y" or "a near-identical title (98% alike) and the same year".
    pub reason: String,
    pub existing_item: Option<i64>,
    pub earlier_record: Option<usize>,
    pub existing_title: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportReport {
    pub records: usize,
    /// Items stored (id, title); empty on a dry run.
    pub added: Vec<(i64, String)>,
    pub duplicates: Vec<Duplicate>,
    /// Records that could not be read, each with what is wrong.
    pub problems: Vec<String>,
    /// The records that will be (or were) stored.
    #[serde(skip)]
    pub to_add: Vec<ItemFields>,
}

/// Largest citation file read (about 20,000 typical records).
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;
/// Most records read from one file (each is compared with every stored item).
pub const MAX_RECORDS: usize = 5_000;
/// Longest value of one field, in characters (abstracts are rarely over 5,000).
pub const MAX_FIELD_CHARS: usize = 20_000;
/// Most fields in one record.
pub const MAX_FIELDS: usize = 500;

/// Parse a whole file; each record is checked like an item typed in by hand. A file
/// over [`MAX_IMPORT_BYTES`] or [`MAX_RECORDS`] is refused whole; a record with more
/// than [`MAX_FIELDS`] fields or a field over [`MAX_FIELD_CHARS`] is a problem of
/// that record.
pub fn parse(text: &str, format: Format, defaults: &ImportOptions) -> Result<Vec<Parsed>, Invalid> {
    let refuse = |problem: String| Invalid {
        what: "the citation file".into(),
        problems: vec![problem],
        fields: Vec::new(),
    };
    if text.len() > MAX_IMPORT_BYTES {
        return Err(refuse(format!(
            "it is {:.1} MB; files of at most {} MB are read, so split it into smaller files",
            text.len() as f64 / 1_048_576.0,
            MAX_IMPORT_BYTES / 1_048_576
        )));
    }
    let raw = match format {
        Format::Ris => ris::read(text),
        Format::Bibtex => bibtex::read(text),
    };
    if raw.len() > MAX_RECORDS {
        return Err(refuse(format!(
            "it holds more than {MAX_RECORDS} records; at most {MAX_RECORDS} are read at a time, so split it into smaller files"
        )));
    }
    Ok(raw
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let fields = r.and_then(|mut f| {
                if f.item_type.is_empty() {
                    f.item_type = defaults
                        .item_type
                        .clone()
                        .unwrap_or_else(|| "research_report".into());
                }
                f.tags.extend(&defaults.tags);
                check_item(&mut f).map(|_| f)
            });
            Parsed {
                record: i + 1,
                fields,
            }
        })
        .collect())
}

/// The record's fields within [`MAX_FIELDS`] and [`MAX_FIELD_CHARS`]; `what` names
/// the record in the problem.
fn check_fields(what: String, fields: &[(String, String)]) -> Result<(), Invalid> {
    let mut problems = Vec::new();
    if fields.len() > MAX_FIELDS {
        problems.push(format!(
            "it has {} fields; at most {MAX_FIELDS} are read",
            fields.len()
        ));
    }
    for (name, value) in fields {
        let n = value.chars().count();
        if n > MAX_FIELD_CHARS {
            problems.push(format!(
                "its field {name} is {n} characters long; at most {MAX_FIELD_CHARS} are read"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Invalid {
            what,
            problems,
            fields: Vec::new(),
        })
    }
}

/// A title for comparison: lower case letters and digits, single spaces.
pub fn normalise_title(t: &str) -> String {
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How alike two normalised titles must be to count as the same work (with the same year).
pub const TITLE_ALIKE: f64 = 0.9;

/// Why `f` duplicates `other`, if it does.
pub fn duplicate_reason(f: &ItemFields, other: &ItemFields) -> Option<String> {
    if let (Some(a), Some(b)) = (&f.doi, &other.doi)
        && a == b
    {
        return Some(format!("the same DOI {a}"));
    }
    if f.year == other.year {
        let sim = strsim::normalized_levenshtein(
            &normalise_title(&f.title),
            &normalise_title(&other.title),
        );
        if sim >= TITLE_ALIKE {
            return Some(format!(
                "a near-identical title ({:.0}% alike) and the same year",
                (sim * 100.0).floor()
            ));
        }
    }
    None
}

/// Sort parsed records into those to add, duplicates and problems. With
/// `keep_duplicates`, duplicates are reported and added too.
pub fn plan_import(parsed: Vec<Parsed>, existing: &[Item], keep_duplicates: bool) -> ImportReport {
    let mut report = ImportReport {
        records: parsed.len(),
        ..Default::default()
    };
    let mut accepted: Vec<(usize, ItemFields)> = Vec::new();
    for p in parsed {
        let f = match p.fields {
            Ok(f) => f,
            Err(e) => {
                report.problems.push(format!("record {}: {e}", p.record));
                continue;
            }
        };
        let dup = existing
            .iter()
            .find_map(|i| {
                duplicate_reason(&f, &i.fields)
                    .map(|r| (r, Some(i.id), None, i.fields.title.clone()))
            })
            .or_else(|| {
                accepted.iter().find_map(|(n, o)| {
                    duplicate_reason(&f, o).map(|r| (r, None, Some(*n), o.title.clone()))
                })
            });
        match dup {
            Some((reason, existing_item, earlier_record, existing_title)) => {
                report.duplicates.push(Duplicate {
                    record: p.record,
                    title: f.title.clone(),
                    year: f.year,
                    reason,
                    existing_item,
                    earlier_record,
                    existing_title,
                });
                if keep_duplicates {
                    accepted.push((p.record, f));
                }
            }
            None => accepted.push((p.record, f)),
        }
    }
    report.to_add = accepted.into_iter().map(|(_, f)| f).collect();
    report
}

/// Keywords to write for an item: its tags as `facet:code` (keywords as they are) and
/// its strength.
fn keywords(f: &ItemFields) -> Vec<String> {
    let mut k: Vec<String> = f
        .tags
        .pairs()
        .map(|(facet, v)| {
            if facet == "keyword" {
                v.to_string()
            } else {
                format!("{facet}:{v}")
            }
        })
        .collect();
    if let Some(s) = &f.strength {
        k.push(format!("strength:{s}"));
    }
    k
}

/// Read a keyword back: `facet:code` becomes a tag (or the strength), a bare theme,
/// sector or outcome name becomes that tag, anything else stays a keyword.
fn take_keyword(f: &mut ItemFields, kw: &str) {
    let kw = kw.trim();
    if kw.is_empty() {
        return;
    }
    let tax = taxonomy();
    if let Some((facet, v)) = kw.split_once(':') {
        let facet = facet.trim().to_lowercase();
        if facet == "strength" {
            f.strength = Some(v.trim().to_string());
            return;
        }
        if TAG_FACETS.contains(&facet.as_str()) && facet != "keyword" {
            // Checked with the rest of the record, so a wrong value is reported.
            f.tags.add(&facet, v.trim());
            return;
        }
    }
    for facet in ["theme", "sector", "outcome"] {
        if let Ok(code) = tax.check(facet, kw) {
            f.tags.add(facet, &code);
            return;
        }
    }
    f.tags.add("keyword", kw);
}

/// Both a publisher and an organisation: keep both; only one of them: it is the
/// organisation (citation files usually carry one, and the writers put the
/// organisation there when there is no separate publisher).
fn set_publisher_and_organisation(
    f: &mut ItemFields,
    publisher: Option<String>,
    organisation: Option<String>,
) {
    match (publisher, organisation) {
        (Some(p), Some(o)) => {
            f.publisher = Some(p);
            f.organisation = Some(o);
        }
        (p, o) => f.organisation = o.or(p),
    }
}

/// Type from a label or code given by the file (RIS M3, BibTeX `type`), if it is one.
fn known_type(s: &str) -> Option<String> {
    taxonomy().check("type", s).ok()
}

fn split_pages(p: &str) -> (String, Option<String>) {
    match p.split_once(['-', '\u{2013}']) {
        Some((a, b)) => (
            a.trim().to_string(),
            Some(b.trim_start_matches('-').trim().to_string()),
        ),
        None => (p.trim().to_string(), None),
    }
}

fn first_year(s: &str) -> Option<i32> {
    let digits: String = s
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take(4)
        .collect();
    if digits.len() == 4 {
        digits.parse().ok()
    } else {
        None
    }
}

pub mod ris {
    //! RIS (the tagged format of Zotero, EndNote and Mendeley exports).
    use super::*;

    fn ty_of(t: &str) -> &'static str {
        match t {
            "journal_article" => "JOUR",
            "conference_paper" => "CPAPER",
            "data_release" => "DATA",
            "case_study" | "emerging_practice" => "GEN",
            _ => "RPRT",
        }
    }

    fn type_of_ty(ty: &str) -> Option<&'static str> {
        Some(match ty {
            "JOUR" | "JFULL" | "EJOUR" | "MGZN" | "NEWS" => "journal_article",
            "CONF" | "CPAPER" => "conference_paper",
            "RPRT" => "research_report",
            "DATA" | "DBASE" | "AGGR" => "data_release",
            _ => return None,
        })
    }

    /// Write items as RIS.
    pub fn write(items: &[&ItemFields]) -> String {
        let tax = taxonomy();
        let mut o = String::new();
        let mut line = |tag: &str, v: &str| {
            let v = v.replace(['\r', '\n'], " ");
            let _ = writeln!(o, "{tag}  - {v}");
        };
        for f in items {
            let ty = ty_of(&f.item_type);
            line("TY", ty);
            line("TI", &f.title);
            for a in &f.authors {
                line("AU", a);
            }
            if let Some(y) = f.year {
                line("PY", &y.to_string());
            }
            if let Some(c) = &f.container {
                line(if ty == "JOUR" { "T2" } else { "T3" }, c);
            }
            for (tag, v) in [("VL", &f.volume), ("IS", &f.issue)] {
                if let Some(v) = v {
                    line(tag, v);
                }
            }
            if let Some(p) = &f.pages {
                let (sp, ep) = split_pages(p);
                line("SP", &sp);
                if let Some(ep) = ep {
                    line("EP", &ep);
                }
            }
            match (&f.publisher, &f.organisation) {
                (Some(p), Some(o)) => {
                    line("PB", p);
                    line("AD", o);
                }
                (Some(p), None) | (None, Some(p)) => line("PB", p),
                (None, None) => {}
            }
            for (tag, v) in [("CY", &f.place), ("SN", &f.report_number)] {
                if let Some(v) = v {
                    line(tag, v);
                }
            }
            line("M3", &tax.types.label(&f.item_type));
            for (tag, v) in [("DO", &f.doi), ("UR", &f.link)] {
                if let Some(v) = v {
                    line(tag, v);
                }
            }
            if !f.summary.is_empty() {
                line("AB", &f.summary);
            }
            for k in keywords(f) {
                line("KW", &k);
            }
            line("ER", "");
        }
        o
    }

    /// Read RIS records. Lines are `XX  - value`; a line without a tag continues the
    /// previous value (long abstracts are wrapped that way by some exporters).
    pub fn read(text: &str) -> Vec<Result<ItemFields, Invalid>> {
        let mut out = Vec::new();
        let mut cur: Option<Vec<(String, String)>> = None;
        for raw in text.trim_start_matches('\u{feff}').lines() {
            if out.len() > MAX_RECORDS {
                break;
            }
            let l = raw.trim_end();
            let tagged = l.len() >= 5
                && l.as_bytes()[0].is_ascii_uppercase()
                && l.as_bytes()[1].is_ascii_alphanumeric()
                && l[2..].starts_with("  -");
            if !tagged {
                if let Some(Some(last)) = cur.as_mut().map(|c| c.last_mut())
                    && !l.trim().is_empty()
                {
                    last.1.push(' ');
                    last.1.push_str(l.trim());
                }
                continue;
            }
            let tag = &l[..2];
            let value = l[5..].trim().to_string();
            match tag {
                "TY" => cur = Some(vec![("TY".into(), value)]),
                "ER" => {
                    if let Some(rec) = cur.take() {
                        out.push(checked(rec));
                    }
                }
                _ => {
                    if let Some(c) = cur.as_mut() {
                        c.push((tag.to_string(), value));
                    }
                }
            }
        }
        if let Some(rec) = cur.take() {
            out.push(checked(rec));
        }
        out
    }

    fn checked(rec: Vec<(String, String)>) -> Result<ItemFields, Invalid> {
        check_fields("the RIS record".into(), &rec)?;
        record(rec)
    }

    fn record(rec: Vec<(String, String)>) -> Result<ItemFields, Invalid> {
        let mut f = ItemFields::default();
        let mut ty = String::new();
        let (mut sp, mut ep) = (None, None);
        let mut pb = None;
        let mut ad = None;
        let mut container_rank = 0;
        for (tag, v) in rec {
            if v.is_empty() {
                continue;
            }
            match tag.as_str() {
                "TY" => ty = v,
                "TI" | "T1" if f.title.is_empty() => f.title = v,
                "AU" | "A1" => f.authors.push(v),
                "PY" | "Y1" | "DA" if f.year.is_none() => f.year = first_year(&v),
                // The fullest name of the journal or series wins.
                "JF" | "T2" | "JO" | "JA" | "T3" | "BT" => {
                    let rank = match tag.as_str() {
                        "JF" => 4,
                        "T2" => 3,
                        "JO" => 2,
                        _ => 1,
                    };
                    if rank > container_rank {
                        container_rank = rank;
                        f.container = Some(v);
                    }
                }
                "VL" => f.volume = Some(v),
                "IS" => f.issue = Some(v),
                "SP" => sp = Some(v),
                "EP" => ep = Some(v),
                "PB" => pb = Some(v),
                "AD" => ad = Some(v),
                "CY" => f.place = Some(v),
                // SN is an ISSN or ISBN for journals, books and proceedings, and the
                // report number for everything else.
                "SN" if !matches!(
                    ty.as_str(),
                    "JOUR"
                        | "JFULL"
                        | "EJOUR"
                        | "MGZN"
                        | "NEWS"
                        | "BOOK"
                        | "EBOOK"
                        | "CHAP"
                        | "ECHAP"
                        | "CONF"
                        | "CPAPER"
                ) =>
                {
                    f.report_number = Some(v)
                }
                "M3" => {
                    if let Some(t) = known_type(&v) {
                        f.item_type = t;
                    }
                }
                "DO" => f.doi = Some(v),
                "UR" if f.link.is_none() => f.link = Some(v),
                "AB" | "N2" if f.summary.is_empty() => f.summary = v,
                "KW" => {
                    for k in v.split(';') {
                        take_keyword(&mut f, k);
                    }
                }
                _ => {}
            }
        }
        f.pages = match (sp, ep) {
            (Some(s), Some(e)) => Some(format!("{s}-{e}")),
            (Some(s), None) => Some(s),
            (None, Some(e)) => Some(e),
            (None, None) => None,
        };
        set_publisher_and_organisation(&mut f, pb, ad);
        if f.item_type.is_empty()
            && let Some(t) = type_of_ty(&ty)
        {
            f.item_type = t.into();
        }
        Ok(f)
    }
}

pub mod bibtex {
    //! BibTeX (as Zotero and BibLaTeX tools write it): `@type{key, field = {value}, ...}`,
    //! values in braces, quotes or bare (numbers, month macros), joined with `#`.
    use super::*;

    fn entry_type(t: &str) -> &'static str {
        match t {
            "journal_article" => "article",
            "conference_paper" => "inproceedings",
            "data_release" | "case_study" | "emerging_practice" => "misc",
            _ => "techreport",
        }
    }

    /// Escape text for a braced BibTeX value.
    pub fn escape(s: &str) -> String {
        let mut o = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '\\' => o.push_str("\\textbackslash{}"),
                '{' | '}' | '&' | '%' | '$' | '#' | '_' => {
                    o.push('\\');
                    o.push(c);
                }
                '\n' | '\r' => o.push(' '),
                c => o.push(c),
            }
        }
        o
    }

    fn key(f: &ItemFields, used: &mut HashSet<String>) -> String {
        let who = f
            .authors
            .first()
            .map(|a| a.split(',').next().unwrap_or(a).to_string())
            .or_else(|| f.organisation.clone())
            .unwrap_or_else(|| "anon".into());
        let who: String = who
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        let word = crate::similar::words(&f.title).next().unwrap_or_default();
        let word: String = word.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        let base = format!(
            "{who}{}{word}",
            f.year.map(|y| y.to_string()).unwrap_or_default()
        );
        let mut k = base.clone();
        let mut n = 0u8;
        while !used.insert(k.clone()) {
            k = format!("{base}{}", (b'a' + n) as char);
            n = n.saturating_add(1);
        }
        k
    }

    /// Write items as BibTeX.
    pub fn write(items: &[&ItemFields]) -> String {
        let tax = taxonomy();
        let mut used = HashSet::new();
        let mut o = String::new();
        for f in items {
            let et = entry_type(&f.item_type);
            let _ = writeln!(o, "@{et}{{{},", key(f, &mut used));
            let mut field = |name: &str, v: &str| {
                let _ = writeln!(o, "  {name} = {{{}}},", escape(v));
            };
            field("title", &f.title);
            if !f.authors.is_empty() {
                field("author", &f.authors.join(" and "));
            }
            if let Some(y) = f.year {
                field("year", &y.to_string());
            }
            if let Some(org) = &f.organisation {
                field(
                    if et == "techreport" {
                        "institution"
                    } else {
                        "organization"
                    },
                    org,
                );
            }
            if let Some(p) = &f.publisher {
                field("publisher", p);
            }
            if let Some(c) = &f.container {
                field(
                    match et {
                        "article" => "journal",
                        "inproceedings" => "booktitle",
                        _ => "series",
                    },
                    c,
                );
            }
            if let Some(v) = &f.volume {
                field("volume", v);
            }
            match et {
                "article" => {
                    if let Some(i) = &f.issue {
                        field("number", i);
                    }
                }
                _ => {
                    if let Some(n) = &f.report_number {
                        field("number", n);
                    }
                    if let Some(i) = &f.issue {
                        field("issue", i);
                    }
                }
            }
            if let Some(p) = &f.pages {
                field("pages", &p.replacen('-', "--", 1));
            }
            if let Some(a) = &f.place {
                field("address", a);
            }
            field("type", &tax.types.label(&f.item_type));
            for (name, v) in [("doi", &f.doi), ("url", &f.link)] {
                if let Some(v) = v {
                    field(name, v);
                }
            }
            if !f.summary.is_empty() {
                field("abstract", &f.summary);
            }
            let k = keywords(f);
            if !k.is_empty() {
                field("keywords", &k.join(", "));
            }
            o.push_str("}\n\n");
        }
        o
    }

    /// A reader over the bytes of a BibTeX file.
    struct P<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl P<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn peek(&self) -> Option<u8> {
            self.s.get(self.i).copied()
        }
        fn ident(&mut self) -> String {
            let st = self.i;
            while self.i < self.s.len()
                && (self.s[self.i].is_ascii_alphanumeric() || b"_-:.+/'".contains(&self.s[self.i]))
            {
                self.i += 1;
            }
            String::from_utf8_lossy(&self.s[st..self.i]).to_string()
        }
        /// A braced value (nested braces kept), after the opening brace.
        fn braced(&mut self) -> Option<String> {
            let st = self.i;
            let mut depth = 1;
            while self.i < self.s.len() {
                match self.s[self.i] {
                    b'\\' => self.i += 1,
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            let v = String::from_utf8_lossy(&self.s[st..self.i]).to_string();
                            self.i += 1;
                            return Some(v);
                        }
                    }
                    _ => {}
                }
                self.i += 1;
            }
            // Unterminated (perhaps on a trailing backslash, which steps past the end):
            // the rest of the text is used up.
            self.i = self.s.len();
            None
        }
        fn quoted(&mut self) -> Option<String> {
            let st = self.i;
            let mut depth = 0;
            while self.i < self.s.len() {
                match self.s[self.i] {
                    b'\\' => self.i += 1,
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    b'"' if depth == 0 => {
                        let v = String::from_utf8_lossy(&self.s[st..self.i]).to_string();
                        self.i += 1;
                        return Some(v);
                    }
                    _ => {}
                }
                self.i += 1;
            }
            // Unterminated (perhaps on a trailing backslash, which steps past the end):
            // the rest of the text is used up.
            self.i = self.s.len();
            None
        }
        /// A field value: parts joined by `#`.
        fn value(&mut self) -> Option<String> {
            let mut out = String::new();
            loop {
                self.ws();
                match self.peek()? {
                    b'{' => {
                        self.i += 1;
                        out.push_str(&self.braced()?);
                    }
                    b'"' => {
                        self.i += 1;
                        out.push_str(&self.quoted()?);
                    }
                    _ => {
                        let word = self.ident();
                        if word.is_empty() {
                            return None;
                        }
                        out.push_str(&month(&word).map(String::from).unwrap_or(word));
                    }
                }
                self.ws();
                if self.peek() == Some(b'#') {
                    self.i += 1;
                } else {
                    return Some(out);
                }
            }
        }
    }

    fn month(m: &str) -> Option<&'static str> {
        const M: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        M.iter().position(|x| *x == m.to_lowercase()).map(|i| {
            [
                "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
            ][i]
        })
    }

    /// Turn a BibTeX value into plain text: LaTeX escapes and common accents resolved,
    /// protective braces dropped, spaces collapsed.
    pub fn plain(v: &str) -> String {
        let accents: &[(&str, &str, &str)] = &[
            ("'", "aeiouAEIOUcn", "áéíóúÁÉÍÓÚćń"),
            ("`", "aeiouAEIOU", "àèìòùÀÈÌÒÙ"),
            ("\"", "aeiouAEIOUy", "äëïöüÄËÏÖÜÿ"),
            ("^", "aeiouAEIOU", "âêîôûÂÊÎÔÛ"),
            ("~", "anoANO", "ãñõÃÑÕ"),
            ("c", "cC", "çÇ"),
        ];
        let chars: Vec<char> = v.chars().collect();
        let mut o = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' && i + 1 < chars.len() {
                let n = chars[i + 1];
                // Command word (\textbackslash, \&, \'e, \c{c}).
                if n.is_ascii_alphabetic() {
                    let mut j = i + 1;
                    while j < chars.len() && chars[j].is_ascii_alphabetic() {
                        j += 1;
                    }
                    let word: String = chars[i + 1..j].iter().collect();
                    if word == "textbackslash" {
                        o.push('\\');
                        i = j;
                        if chars.get(i) == Some(&'{') && chars.get(i + 1) == Some(&'}') {
                            i += 2;
                        }
                        continue;
                    }
                    if word == "c" {
                        let mut k = j;
                        while k < chars.len() && (chars[k] == '{' || chars[k] == ' ') {
                            k += 1;
                        }
                        if let Some(&letter) = chars.get(k)
                            && let Some(p) = "cC".find(letter)
                        {
                            o.push(['ç', 'Ç'][p]);
                            i = k + 1;
                            continue;
                        }
                    }
                    // Unknown command: keep its argument text only.
                    i = j;
                    continue;
                }
                if let Some((_, from, to)) = accents.iter().find(|(a, _, _)| a.starts_with(n)) {
                    let mut k = i + 2;
                    while k < chars.len() && chars[k] == '{' {
                        k += 1;
                    }
                    if let Some(&letter) = chars.get(k)
                        && let Some(p) = from.chars().position(|x| x == letter)
                    {
                        o.push(to.chars().nth(p).unwrap_or(letter));
                        i = k + 1;
                        continue;
                    }
                }
                o.push(n);
                i += 2;
                continue;
            }
            if c != '{' && c != '}' {
                o.push(c);
            }
            i += 1;
        }
        o.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Split an author list on top-level " and ".
    fn authors(v: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut depth = 0;
        let mut cur = String::new();
        let words: Vec<&str> = v.split_whitespace().collect();
        for w in words {
            if depth == 0 && w == "and" {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            depth += w.matches('{').count() as i32 - w.matches('}').count() as i32;
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(w);
        }
        out.push(cur);
        out.iter()
            .map(|a| plain(a))
            .filter(|a| !a.is_empty())
            .collect()
    }

    /// Read BibTeX entries (`@comment`, `@string` and `@preamble` are skipped).
    pub fn read(text: &str) -> Vec<Result<ItemFields, Invalid>> {
        let mut p = P {
            s: text.as_bytes(),
            i: 0,
        };
        let mut out = Vec::new();
        while let Some(at) = p.s[p.i..].iter().position(|b| *b == b'@') {
            if out.len() > MAX_RECORDS {
                break;
            }
            p.i += at + 1;
            let kind = p.ident().to_lowercase();
            p.ws();
            let close = match p.peek() {
                Some(b'{') => b'}',
                Some(b'(') => b')',
                _ => continue,
            };
            p.i += 1;
            if matches!(kind.as_str(), "comment" | "string" | "preamble") {
                let _ = p.braced();
                continue;
            }
            p.ws();
            let key = p.ident();
            let mut fields: Vec<(String, String)> = Vec::new();
            let mut broken = None;
            loop {
                p.ws();
                match p.peek() {
                    Some(b',') => {
                        p.i += 1;
                        continue;
                    }
                    Some(c) if c == close => {
                        p.i += 1;
                        break;
                    }
                    None => {
                        broken = Some(
                            "the file ends inside this entry (a closing brace is missing)"
                                .to_string(),
                        );
                        break;
                    }
                    _ => {}
                }
                let name = p.ident().to_lowercase();
                p.ws();
                if name.is_empty() || p.peek() != Some(b'=') {
                    broken = Some(format!("after field '{name}' an '=' was expected"));
                    // Skip to the next entry.
                    break;
                }
                p.i += 1;
                match p.value() {
                    Some(v) => fields.push((name, v)),
                    None => {
                        broken = Some(format!("the value of field '{name}' is not closed"));
                        break;
                    }
                }
            }
            out.push(match broken {
                Some(b) => Err(Invalid {
                    what: format!("the BibTeX entry '{key}'"),
                    problems: vec![b],
                    fields: Vec::new(),
                }),
                None => check_fields(format!("the BibTeX entry '{key}'"), &fields)
                    .map(|_| record(&kind, fields)),
            });
        }
        out
    }

    fn record(kind: &str, fields: Vec<(String, String)>) -> ItemFields {
        let mut f = ItemFields::default();
        let mut number = None;
        let mut issue = None;
        let mut org = None;
        for (name, raw) in fields {
            let v = plain(&raw);
            if v.is_empty() {
                continue;
            }
            match name.as_str() {
                "title" => f.title = v,
                "author" => f.authors = authors(&raw),
                "year" => f.year = first_year(&v),
                "date" if f.year.is_none() => f.year = first_year(&v),
                "institution" | "organization" | "school" => org = Some(v),
                "publisher" => f.publisher = Some(v),
                "journal" | "journaltitle" | "booktitle" | "series"
                    if f.container.is_none() || name == "journal" || name == "journaltitle" =>
                {
                    f.container = Some(v);
                }
                "volume" => f.volume = Some(v),
                "number" => number = Some(v),
                "issue" => issue = Some(v),
                "pages" => f.pages = Some(v.replace("--", "-").replace('\u{2013}', "-")),
                "address" | "location" => f.place = Some(v),
                "type" => {
                    if let Some(t) = known_type(&v) {
                        f.item_type = t;
                    }
                }
                "doi" => f.doi = Some(v),
                "url" => f.link = Some(v),
                "abstract" => f.summary = v,
                "keywords" => {
                    for k in v.split([',', ';']) {
                        take_keyword(&mut f, k);
                    }
                }
                _ => {}
            }
        }
        if kind == "article" {
            f.issue = number.or(issue);
        } else {
            f.report_number = number;
            f.issue = issue;
        }
        let publisher = f.publisher.take();
        set_publisher_and_organisation(&mut f, publisher, org);
        if f.item_type.is_empty() {
            f.item_type = match kind {
                "article" => "journal_article",
                "inproceedings" | "conference" => "conference_paper",
                "dataset" => "data_release",
                "techreport" | "report" => "research_report",
                _ => "",
            }
            .into();
        }
        f
    }
}

/// Write items in a format.
pub fn export(items: &[&ItemFields], format: Format) -> String {
    match format {
        Format::Ris => ris::write(items),
        Format::Bibtex => bibtex::write(items),
    }
}

#[cfg(test)]
mod tests;
