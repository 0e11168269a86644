//! Reading whole returns through [`read_return`], on real files written into a temporary
//! folder: a small valid return (as a folder of CSV files, a zip, an XLSX and an ODS
//! workbook), the same return with one cell or column changed for every validation rule,
//! and the ugly files employers really send.

use super::*;
use chrono::Datelike;
use observatory_domain::codes;
use std::collections::HashMap;
use std::io::Write;

// ---------------------------------------------------------------------------------------
// The small valid return and ways to spoil it
// ---------------------------------------------------------------------------------------

const EMPLOYER: &str = "EMP001";

const SETTINGS: &str = "\
setting_id,setting_name,setting_type,area_code,employing_sector,provision,multi_agency,places
S1,Little Acorns Nursery,full_daycare,E06000056,private,universal,no,60
S2,Riverside Family Hub,childrens_centre,E10000015,public,targeted,yes,";

/// Rows 2 and 4 are two posts of one person (same person_id, two settings); row 3 gives
/// only a job title that the shipped synonyms know; row 6 is an unpaid volunteer.
const WORKERS: &str = "\
worker_ref,person_id,setting_id,role,job_title,contract,fte,start_date,gender,ethnicity,disability,birth_year,qualification_level,qualification_status,annual_pay
W1,AB123456C,S1,early_years_practitioner,,permanent,1.0,2019-09-01,female,WBRI,no,1990,3,achieved,24500
W2,,S1,,Nursery Nurse,fixed_term,0.6,01/03/2023,female,AIND,no,1998,3,working_towards,22000
W1,AB123456C,S2,family_support_worker,Family Support Worker,sessional,0.4,2021-01-15,female,WBRI,no,1990,4,achieved,28000
W4,CD654321A,S2,childrens_centre_leader,,permanent,1,2015-04-01,male,BCRB,yes,1975,6,achieved,52000
W5,,S1,early_years_assistant,,volunteer,0.2,2024-06-10,other,NOBT,not_known,2006,none,working_towards,";

const LEAVERS: &str = "\
worker_ref,person_id,setting_id,role,job_title,contract,fte,leave_date,reason,destination,gender,ethnicity,birth_year
L1,,S1,early_years_practitioner,,permanent,1,2025-03-31,resignation,same_sector,female,WBRI,1995
L2,EF111111B,S2,,Family Support Worker,fixed_term,0.5,15/08/2025,end_of_contract,outside_childrens_workforce,,,";

const VACANCIES: &str = "\
setting_id,role,job_title,vacant_posts,vacant_fte,hard_to_fill,covered_by_agency
S1,early_years_practitioner,,2,1.5,yes,no";

/// The required columns of each part, as the specification lists them.
const REQUIRED: &[(&str, &[&str])] = &[
    (
        "settings",
        &[
            "setting_id",
            "setting_name",
            "setting_type",
            "area_code",
            "employing_sector",
            "provision",
        ],
    ),
    (
        "workers",
        &[
            "worker_ref",
            "setting_id",
            "contract",
            "fte",
            "start_date",
            "gender",
            "ethnicity",
            "disability",
            "birth_year",
            "qualification_level",
            "qualification_status",
        ],
    ),
    (
        "leavers",
        &[
            "worker_ref",
            "setting_id",
            "contract",
            "fte",
            "leave_date",
            "reason",
            "destination",
        ],
    ),
    ("vacancies", &["setting_id", "vacant_posts", "vacant_fte"]),
];

/// Columns a workbook writer stores as numbers and as dates rather than text.
const NUMBER_COLUMNS: &[&str] = &[
    "fte",
    "birth_year",
    "annual_pay",
    "places",
    "vacant_posts",
    "vacant_fte",
];
const DATE_COLUMNS: &[&str] = &["start_date", "leave_date"];

#[derive(Clone)]
struct Sheet {
    name: &'static str,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Sheet {
    fn parse(name: &'static str, text: &str) -> Sheet {
        let mut lines = text
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
        Sheet {
            name,
            header: lines.next().expect("a header line"),
            rows: lines.collect(),
        }
    }

    fn col(&self, column: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("{} has no column {column}", self.name))
    }

    /// A data row by the number the user sees (header = row 1).
    fn row_mut(&mut self, row: usize) -> &mut Vec<String> {
        let name = self.name;
        self.rows
            .get_mut(row - 2)
            .unwrap_or_else(|| panic!("{name} has no row {row}"))
    }
}

/// A return held in memory, written out as CSV files, a zip, an XLSX or an ODS workbook.
/// Every change returns the changed return, so a test reads as one expression.
#[derive(Clone)]
struct Fixture {
    sheets: Vec<Sheet>,
    /// `field,value` pairs that workbooks carry in a `return` sheet.
    meta_sheet: Vec<(String, String)>,
}

impl Fixture {
    fn valid() -> Fixture {
        Fixture {
            sheets: vec![
                Sheet::parse("settings", SETTINGS),
                Sheet::parse("workers", WORKERS),
                Sheet::parse("leavers", LEAVERS),
                Sheet::parse("vacancies", VACANCIES),
            ],
            meta_sheet: Vec::new(),
        }
    }

    fn sheet(&self, name: &str) -> &Sheet {
        self.sheets
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no sheet {name}"))
    }

    fn sheet_mut(&mut self, name: &str) -> &mut Sheet {
        self.sheets
            .iter_mut()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no sheet {name}"))
    }

    fn edit(mut self, sheet: &str, f: impl FnOnce(&mut Sheet)) -> Self {
        f(self.sheet_mut(sheet));
        self
    }

    /// One cell changed; `row` as the user sees it (header = row 1).
    fn set(self, sheet: &str, row: usize, column: &str, value: &str) -> Self {
        self.edit(sheet, |s| {
            let c = s.col(column);
            s.row_mut(row)[c] = value.to_string();
        })
    }

    /// The same column changed on every row.
    fn set_all(self, sheet: &str, column: &str, value: impl Fn(&str) -> String) -> Self {
        self.edit(sheet, |s| {
            let c = s.col(column);
            for r in &mut s.rows {
                r[c] = value(&r[c]);
            }
        })
    }

    fn drop_column(self, sheet: &str, column: &str) -> Self {
        self.edit(sheet, |s| {
            let c = s.col(column);
            s.header.remove(c);
            for r in &mut s.rows {
                r.remove(c);
            }
        })
    }

    fn rename_column(self, sheet: &str, from: &str, to: &str) -> Self {
        self.edit(sheet, |s| {
            let c = s.col(from);
            s.header[c] = to.to_string();
        })
    }

    fn add_column(self, sheet: &str, column: &str, value: &str) -> Self {
        self.edit(sheet, |s| {
            s.header.push(column.to_string());
            for r in &mut s.rows {
                r.push(value.to_string());
            }
        })
    }

    fn reverse_columns(self, sheet: &str) -> Self {
        self.edit(sheet, |s| {
            s.header.reverse();
            for r in &mut s.rows {
                r.reverse();
            }
        })
    }

    /// A value past the last column of one row.
    fn extra_value(self, sheet: &str, row: usize, value: &str) -> Self {
        self.edit(sheet, |s| s.row_mut(row).push(value.to_string()))
    }

    /// A copy of a row added at the end, with some cells changed.
    fn copy_row(self, sheet: &str, row: usize, changes: &[(&str, &str)]) -> Self {
        self.edit(sheet, |s| {
            let mut new = s.row_mut(row).clone();
            for (column, value) in changes {
                new[s.col(column)] = value.to_string();
            }
            s.rows.push(new);
        })
    }

    /// The rows replaced by `n` copies of one row, each with its own `key_column` value.
    fn fill(self, sheet: &str, row: usize, n: usize, key_column: &str) -> Self {
        self.edit(sheet, |s| {
            let template = s.row_mut(row).clone();
            let c = s.col(key_column);
            s.rows = (0..n)
                .map(|i| {
                    let mut r = template.clone();
                    r[c] = format!("{}{i}", template[c]);
                    r
                })
                .collect();
        })
    }

    fn header_only(self, sheet: &str) -> Self {
        self.edit(sheet, |s| s.rows.clear())
    }

    /// The part present but with nothing in it (an empty file or sheet).
    fn blank(self, sheet: &str) -> Self {
        self.edit(sheet, |s| {
            s.header.clear();
            s.rows.clear();
        })
    }

    fn without(mut self, sheet: &str) -> Self {
        self.sheets.retain(|s| s.name != sheet);
        self
    }

    fn with_return_sheet(mut self, field: &str, value: &str) -> Self {
        self.meta_sheet.push((field.to_string(), value.to_string()));
        self
    }

    fn csv(&self, sheet: &str) -> Vec<u8> {
        let s = self.sheet(sheet);
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        if !s.header.is_empty() {
            w.write_record(&s.header).unwrap();
        }
        for r in &s.rows {
            w.write_record(r).unwrap();
        }
        w.into_inner().unwrap()
    }

    /// The four CSV files, each named `{prefix}{sheet}.csv`.
    fn csv_files(&self, prefix: &str) -> Vec<(String, Vec<u8>)> {
        self.sheets
            .iter()
            .map(|s| (format!("{prefix}{}.csv", s.name), self.csv(s.name)))
            .collect()
    }

    fn zip(&self, prefix: &str) -> Vec<u8> {
        zip_of(&self.csv_files(prefix))
    }

    /// The sheets in order, then the `return` sheet if there is one, as grids of text.
    fn grids(&self) -> Vec<(String, Vec<Vec<String>>)> {
        let mut out: Vec<_> = self
            .sheets
            .iter()
            .map(|s| {
                let mut grid = vec![s.header.clone()];
                grid.extend(s.rows.iter().cloned());
                grid.retain(|r| !r.is_empty());
                (s.name.to_string(), grid)
            })
            .collect();
        if !self.meta_sheet.is_empty() {
            let mut grid = vec![vec!["field".to_string(), "value".to_string()]];
            grid.extend(
                self.meta_sheet
                    .iter()
                    .map(|(k, v)| vec![k.clone(), v.clone()]),
            );
            out.push(("return".to_string(), grid));
        }
        out
    }

    /// An XLSX workbook: numbers as numbers, dates as real Excel dates shown day-first,
    /// and a cell starting with `=` as a formula.
    fn xlsx(&self) -> Vec<u8> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
        let date_format = Format::new().set_num_format("dd/mm/yyyy");
        let mut wb = Workbook::new();
        for (name, grid) in self.grids() {
            let ws = wb.add_worksheet();
            ws.set_name(&name).unwrap();
            let header = grid.first().cloned().unwrap_or_default();
            for (r, row) in grid.iter().enumerate() {
                for (c, value) in row.iter().enumerate() {
                    let (r, col) = (r as u32, c as u16);
                    let column = if r == 0 {
                        ""
                    } else {
                        header.get(c).map_or("", |h| h)
                    };
                    match typed(column, value) {
                        Typed::Empty => continue,
                        Typed::Text(t) => ws.write_string(r, col, t),
                        Typed::Number(n) => ws.write_number(r, col, n),
                        Typed::Date(d) => {
                            let dt = ExcelDateTime::from_ymd(
                                d.year() as u16,
                                d.month() as u8,
                                d.day() as u8,
                            )
                            .unwrap();
                            ws.write_datetime_with_format(r, col, dt, &date_format)
                        }
                        Typed::Formula(f) => {
                            ws.write_formula(r, col, Formula::new(f).set_result(&f[1..]))
                        }
                    }
                    .unwrap();
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }

    /// A minimal OpenDocument spreadsheet written by hand: `mimetype` stored first, a
    /// manifest, and `content.xml` with one `table:table` per sheet.
    fn ods(&self) -> Vec<u8> {
        self.ods_padded(false)
    }

    /// The ODS workbook, optionally padded the way LibreOffice saves every sheet: each row
    /// ends with a huge repeat of empty cells, and the sheet with a huge repeat of empty
    /// rows (to the last row and column a spreadsheet has).
    fn ods_padded(&self, libreoffice: bool) -> Vec<u8> {
        let mut content = String::from(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>"#,
        );
        for (name, grid) in self.grids() {
            content.push_str(&format!(
                r#"<table:table table:name="{}">"#,
                xml_escape(&name)
            ));
            let header = grid.first().cloned().unwrap_or_default();
            for (r, row) in grid.iter().enumerate() {
                content.push_str("<table:table-row>");
                for (c, value) in row.iter().enumerate() {
                    let column = if r == 0 {
                        ""
                    } else {
                        header.get(c).map_or("", |h| h)
                    };
                    content.push_str(&match typed(column, value) {
                        Typed::Empty => "<table:table-cell/>".to_string(),
                        Typed::Number(n) => format!(
                            r#"<table:table-cell office:value-type="float" office:value="{n}"><text:p>{n}</text:p></table:table-cell>"#
                        ),
                        Typed::Date(d) => format!(
                            r#"<table:table-cell office:value-type="date" office:date-value="{d}"><text:p>{}</text:p></table:table-cell>"#,
                            d.format("%d/%m/%Y")
                        ),
                        Typed::Text(t) | Typed::Formula(t) => format!(
                            r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
                            xml_escape(t)
                        ),
                    });
                }
                if libreoffice {
                    content.push_str(&format!(
                        r#"<table:table-cell table:number-columns-repeated="{}"/>"#,
                        1024 - row.len()
                    ));
                }
                content.push_str("</table:table-row>");
            }
            if libreoffice {
                content.push_str(&format!(
                    r#"<table:table-row table:style-name="ro1" table:number-rows-repeated="{}"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
                    1_048_576 - grid.len()
                ));
            }
            content.push_str("</table:table>");
        }
        content.push_str("</office:spreadsheet></office:body></office:document-content>");
        zip_of(&[
            (
                "mimetype".to_string(),
                b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
            ),
            (
                "META-INF/manifest.xml".to_string(),
                ODS_MANIFEST.as_bytes().to_vec(),
            ),
            ("content.xml".to_string(), content.into_bytes()),
        ])
    }
}

const ODS_MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;

/// How a workbook writer stores one cell.
enum Typed<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Date(NaiveDate),
    Formula(&'a str),
}

fn typed<'a>(column: &str, value: &'a str) -> Typed<'a> {
    if value.is_empty() {
        return Typed::Empty;
    }
    if value.starts_with('=') {
        return Typed::Formula(value);
    }
    if DATE_COLUMNS.contains(&column)
        && let Some(d) = validate::parse_date(value)
    {
        return Typed::Date(d);
    }
    match value.parse::<f64>() {
        Ok(n) if NUMBER_COLUMNS.contains(&column) => Typed::Number(n),
        _ => Typed::Text(value),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A zip of the given files; `mimetype` (for ODS) is stored uncompressed, the rest deflated.
fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        w.start_file(
            name.as_str(),
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

fn census_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 1).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// What a test may vary besides the files.
#[derive(Default)]
struct Opts {
    limits: Option<Limits>,
    mapping: Option<MappingProfile>,
    confirmed_titles: HashMap<String, usize>,
}

impl Opts {
    fn limit(bytes: u64) -> Opts {
        Opts {
            limits: Some(Limits {
                max_file_bytes: bytes,
                ..Limits::default()
            }),
            ..Opts::default()
        }
    }
}

fn hasher() -> PersonHasher {
    PersonHasher::new(b"installation secret for tests")
}

/// Write files (names may hold folders; a name ending in `/` is an empty folder) into a
/// fresh temporary folder and read `target`, a path inside it, as the return of
/// [`EMPLOYER`] on the census date.
fn read_written(files: &[(String, Vec<u8>)], target: &str, o: &Opts) -> ReadOutcome {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        if name.ends_with('/') {
            std::fs::create_dir_all(path).unwrap();
        } else {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }
    let meta = ReturnMeta {
        employer_id: EMPLOYER.to_string(),
        employer_name: Some("Test Employer".to_string()),
        census_date: census_date(),
    };
    let hasher = hasher();
    let opts = ReadOptions {
        limits: o.limits.unwrap_or_default(),
        mapping: o.mapping.as_ref(),
        hasher: &hasher,
        confirmed_titles: &o.confirmed_titles,
    };
    read_return(&dir.path().join(target), &meta, &opts)
}

fn read_folder_with(f: &Fixture, o: &Opts) -> ReadOutcome {
    read_written(&f.csv_files("return/"), "return", o)
}

fn read_folder(f: &Fixture) -> ReadOutcome {
    read_folder_with(f, &Opts::default())
}

/// The fixture as a folder, with some of its files replaced by (or added as) raw bytes.
fn read_folder_replacing(f: &Fixture, replaced: &[(&str, &[u8])]) -> ReadOutcome {
    let mut files = f.csv_files("return/");
    for (name, bytes) in replaced {
        let name = format!("return/{name}");
        files.retain(|(n, _)| *n != name);
        files.push((name, bytes.to_vec()));
    }
    read_written(&files, "return", &Opts::default())
}

fn read_file_with(name: &str, bytes: &[u8], o: &Opts) -> ReadOutcome {
    read_written(&[(name.to_string(), bytes.to_vec())], name, o)
}

fn read_file(name: &str, bytes: &[u8]) -> ReadOutcome {
    read_file_with(name, bytes, &Opts::default())
}

// ---------------------------------------------------------------------------------------
// Checking the outcome
// ---------------------------------------------------------------------------------------

fn show(report: &Report) -> String {
    report
        .problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where a problem should be reported.
struct At {
    file: String,
    sheet: Option<String>,
    row: Option<usize>,
    column: Option<String>,
}

/// A cell of one of the CSV files of a folder return.
fn cell(sheet: &str, row: usize, column: &str) -> At {
    At {
        file: format!("{sheet}.csv"),
        sheet: Some(sheet.to_string()),
        row: Some(row),
        column: Some(column.to_string()),
    }
}

/// A CSV file's header row, not a particular column.
fn header(sheet: &str) -> At {
    At {
        column: None,
        ..cell(sheet, 1, "")
    }
}

/// A whole row of a CSV file.
fn row(sheet: &str, row: usize) -> At {
    At {
        column: None,
        ..cell(sheet, row, "")
    }
}

/// A whole file (or a part of a workbook or zip, when `sheet` is given).
fn file(file: &str, sheet: Option<&str>) -> At {
    At {
        file: file.to_string(),
        sheet: sheet.map(str::to_string),
        row: None,
        column: None,
    }
}

impl At {
    fn matches(&self, p: &Problem) -> bool {
        p.file == self.file
            && (self.sheet.is_none() || p.sheet == self.sheet)
            && p.row == self.row
            && p.column == self.column
    }
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} / {:?} / row {:?} / column {:?}",
            self.file, self.sheet, self.row, self.column
        )
    }
}

/// A message a person can read: a sentence, not a debug dump.
fn assert_plain_sentence(p: &Problem) {
    let m = &p.message;
    assert!(
        m.len() >= 20 && m.contains(' ') && !m.starts_with(char::is_whitespace),
        "not a sentence: {p}"
    );
    for junk in [
        "Some(", "None", "Err(", "Ok(", "{", "}", "\\n", "panicked", "unwrap",
    ] {
        assert!(
            !m.contains(junk),
            "message shows program internals ({junk}): {p}"
        );
    }
}

/// The return is rejected and the one error is at `at`.
fn rejected_at(out: &ReadOutcome, at: &At) -> Problem {
    assert!(
        out.data.is_none(),
        "a return with errors must not give records:\n{}",
        show(&out.report)
    );
    let errors: Vec<&Problem> = out.report.errors().collect();
    assert_eq!(
        errors.len(),
        1,
        "expected exactly one error, at {at}; got:\n{}",
        show(&out.report)
    );
    assert!(
        at.matches(errors[0]),
        "expected the error at {at}; got:\n{}",
        show(&out.report)
    );
    assert_plain_sentence(errors[0]);
    errors[0].clone()
}

/// The return is rejected, among other errors with one at `at`.
fn rejected_among(out: &ReadOutcome, at: &At) -> Problem {
    assert!(
        out.data.is_none(),
        "rejected expected:\n{}",
        show(&out.report)
    );
    let p = out
        .report
        .errors()
        .find(|p| at.matches(p))
        .unwrap_or_else(|| panic!("no error at {at}; got:\n{}", show(&out.report)));
    assert_plain_sentence(p);
    p.clone()
}

/// The return is accepted; its records.
fn accepted(out: &ReadOutcome) -> &ReturnData {
    assert!(
        !out.report.has_errors(),
        "expected no errors; got:\n{}",
        show(&out.report)
    );
    out.data
        .as_ref()
        .expect("an accepted return gives its records")
}

/// The return is accepted without a single warning; its records.
fn clean(out: &ReadOutcome) -> &ReturnData {
    assert!(
        out.report.problems.is_empty(),
        "expected no problems at all; got:\n{}",
        show(&out.report)
    );
    accepted(out)
}

/// The return is accepted with exactly one warning, at `at`.
fn warned_at(out: &ReadOutcome, at: &At) -> Problem {
    accepted(out);
    let warnings: Vec<&Problem> = out.report.warnings().collect();
    assert_eq!(
        warnings.len(),
        1,
        "expected exactly one warning, at {at}; got:\n{}",
        show(&out.report)
    );
    assert!(
        at.matches(warnings[0]),
        "expected the warning at {at}; got:\n{}",
        show(&out.report)
    );
    assert_plain_sentence(warnings[0]);
    warnings[0].clone()
}

/// The valid return with one cell changed is rejected for that cell alone.
fn cell_rejected(sheet: &str, row: usize, column: &str, value: &str) -> Problem {
    let out = read_folder(&Fixture::valid().set(sheet, row, column, value));
    rejected_at(&out, &cell(sheet, row, column))
}

/// The valid return with one cell changed is accepted without any problem.
fn cell_clean(sheet: &str, row: usize, column: &str, value: &str) -> ReturnData {
    clean(&read_folder(
        &Fixture::valid().set(sheet, row, column, value),
    ))
    .clone()
}

/// The valid return with one cell changed is accepted with a warning on that cell.
fn cell_warned(sheet: &str, row: usize, column: &str, value: &str) -> (ReturnData, Problem) {
    let out = read_folder(&Fixture::valid().set(sheet, row, column, value));
    let p = warned_at(&out, &cell(sheet, row, column));
    (out.data.unwrap(), p)
}

fn role(code: &str) -> Option<u16> {
    Some(codes().roles.must(code) as u16)
}

fn valid_data() -> ReturnData {
    clean(&read_folder(&Fixture::valid())).clone()
}

// ---------------------------------------------------------------------------------------
// The valid return
// ---------------------------------------------------------------------------------------

#[test]
fn valid_folder_return_is_accepted_with_no_problems_and_every_record() {
    let out = read_folder(&Fixture::valid());
    let data = clean(&out);
    assert_eq!(data.settings.len(), 2);
    assert_eq!(data.workers.len(), 5);
    assert_eq!(data.leavers.len(), 2);
    assert_eq!(data.vacancies.len(), 1);
    let c = codes();
    let s2 = &data.settings[1];
    assert_eq!(s2.setting_id, "S2");
    assert_eq!(
        c.setting_types.code(s2.setting_type as usize),
        "childrens_centre"
    );
    assert_eq!((s2.multi_agency, s2.places), (Some(true), None));
    assert_eq!(data.settings[0].places, Some(60));
    let w = &data.workers[0];
    assert_eq!((w.fte, w.start_date), (100, date("2019-09-01")));
    assert_eq!(c.ethnicity.code(w.ethnicity as usize), "WBRI");
    assert_eq!(w.annual_pay, Some(24500));
    assert_eq!(data.workers[4].annual_pay, None);
    assert_eq!(data.leavers[1].leave_date, date("2025-08-15"));
    assert_eq!(data.leavers[1].gender, None);
    let v = &data.vacancies[0];
    assert_eq!(
        (v.vacant_posts, v.vacant_fte, v.hard_to_fill),
        (2, 150, Some(true))
    );
    assert_eq!(out.digest.len(), 64);
    assert!(out.sheet_meta.is_empty());
}

#[test]
fn one_person_with_two_posts_is_two_workers_with_the_same_person_key() {
    let data = valid_data();
    let (first, second) = (&data.workers[0], &data.workers[2]);
    assert_eq!(
        (first.setting_id.as_str(), second.setting_id.as_str()),
        ("S1", "S2")
    );
    assert!(first.person.is_some());
    assert_eq!(first.person, second.person);
    assert_ne!(first.person, data.workers[3].person);
}

#[test]
fn valid_return_as_a_zip_of_csv_files_reads_the_same_records() {
    let out = read_file("return.zip", &Fixture::valid().zip(""));
    assert_eq!(clean(&out), &valid_data());
}

#[test]
fn zip_with_the_csv_files_in_a_folder_and_macos_junk_is_accepted() {
    let mut files = Fixture::valid().csv_files("Census 2025/");
    files.push((
        "__MACOSX/Census 2025/._workers.csv".to_string(),
        vec![0, 5, 22, 7, 0, 2, 0, 0],
    ));
    files.push(("Census 2025/".to_string(), Vec::new()));
    let out = read_file("return.zip", &zip_of(&files));
    assert_eq!(clean(&out), &valid_data());
}

#[test]
fn valid_return_as_an_xlsx_with_numbers_and_real_dates_reads_the_same_records() {
    let out = read_file("return.xlsx", &Fixture::valid().xlsx());
    let data = clean(&out);
    assert_eq!(data, &valid_data());
    // Written as Excel date serials shown day-first, read back as the same dates.
    assert_eq!(data.workers[1].start_date, date("2023-03-01"));
    assert_eq!(data.leavers[1].leave_date, date("2025-08-15"));
}

#[test]
fn valid_return_as_an_ods_reads_the_same_records() {
    let out = read_file("return.ods", &Fixture::valid().ods());
    let data = clean(&out);
    assert_eq!(data, &valid_data());
    assert_eq!(data.workers[1].start_date, date("2023-03-01"));
}

#[test]
fn workbook_return_sheet_for_the_submitting_employer_is_accepted_and_passed_on() {
    let f = Fixture::valid()
        .with_return_sheet("employer_id", EMPLOYER)
        .with_return_sheet("Census_Date", "2025-11-01");
    for (name, bytes) in [("return.xlsx", f.xlsx()), ("return.ods", f.ods())] {
        let out = read_file(name, &bytes);
        clean(&out);
        assert_eq!(
            out.sheet_meta,
            vec![
                ("employer_id".to_string(), EMPLOYER.to_string()),
                ("census_date".to_string(), "2025-11-01".to_string()),
            ],
            "{name}"
        );
    }
}

#[test]
fn workbook_return_sheet_naming_another_employer_is_an_error() {
    let f = Fixture::valid().with_return_sheet("employer_id", "EMP999");
    let p = rejected_at(
        &read_file("return.xlsx", &f.xlsx()),
        &At {
            column: Some("employer_id".to_string()),
            ..file("return.xlsx", Some("return"))
        },
    );
    assert_eq!(p.value.as_deref(), Some("EMP999"));
    assert!(
        p.message.contains("EMP999") && p.message.contains(EMPLOYER),
        "{p}"
    );
}

#[test]
fn digest_is_the_same_for_the_same_files_and_changes_with_them() {
    let a = read_folder(&Fixture::valid());
    let b = read_folder(&Fixture::valid());
    let changed = read_folder(&Fixture::valid().set("workers", 2, "fte", "0.9"));
    assert!(a.digest.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(a.digest, b.digest);
    assert_ne!(a.digest, changed.digest);
}

// ---------------------------------------------------------------------------------------
// Header rows
// ---------------------------------------------------------------------------------------

#[test]
fn every_required_column_missing_is_one_error_on_the_header_row() {
    for (sheet, columns) in REQUIRED {
        for column in *columns {
            let out = read_folder(&Fixture::valid().drop_column(sheet, column));
            let p = rejected_at(&out, &header(sheet));
            assert!(p.message.contains(column), "{sheet}.{column}: {p}");
        }
    }
}

#[test]
fn header_without_role_or_job_title_is_an_error() {
    let f = Fixture::valid()
        .drop_column("vacancies", "role")
        .drop_column("vacancies", "job_title");
    let p = rejected_at(&read_folder(&f), &header("vacancies"));
    assert!(
        p.message.contains("role") && p.message.contains("job_title"),
        "{p}"
    );
}

#[test]
fn job_title_column_alone_is_enough() {
    let f = Fixture::valid()
        .set("vacancies", 2, "job_title", "Nursery Nurse")
        .drop_column("vacancies", "role");
    let out = read_folder(&f);
    assert_eq!(
        clean(&out).vacancies[0].role,
        role("early_years_practitioner")
    );
}

#[test]
fn headers_match_in_any_order_after_trimming_and_case_folding() {
    let f = Fixture::valid()
        .rename_column("workers", "worker_ref", " Worker_Ref ")
        .rename_column("workers", "fte", "FTE")
        .reverse_columns("workers")
        .reverse_columns("settings");
    assert_eq!(clean(&read_folder(&f)), &valid_data());
}

#[test]
fn unknown_column_is_a_warning_naming_it_and_the_return_is_accepted() {
    let f = Fixture::valid().add_column("workers", "Notes", "likes painting");
    let p = warned_at(&read_folder(&f), &cell("workers", 1, "Notes"));
    assert!(p.message.contains("unknown column"), "{p}");
}

#[test]
fn column_given_twice_is_an_error() {
    let f = Fixture::valid().add_column("workers", "FTE", "0.5");
    let p = rejected_at(&read_folder(&f), &cell("workers", 1, "FTE"));
    assert!(p.message.contains("twice"), "{p}");
}

#[test]
fn leading_utf8_bom_is_tolerated() {
    let f = Fixture::valid();
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), &f.csv("workers")].concat();
    let out = read_folder_replacing(&f, &[("workers.csv", &with_bom)]);
    assert_eq!(clean(&out), &valid_data());
}

// ---------------------------------------------------------------------------------------
// Blank cells and codes
// ---------------------------------------------------------------------------------------

#[test]
fn every_required_cell_left_blank_is_an_error_at_its_row_and_column() {
    for (sheet, columns) in REQUIRED {
        for column in *columns {
            let out = read_folder(&Fixture::valid().set(sheet, 2, column, ""));
            let p = rejected_among(&out, &cell(sheet, 2, column));
            assert!(p.message.contains("required"), "{sheet}.{column}: {p}");
            assert_eq!(p.value, None);
        }
    }
}

#[test]
fn optional_cells_may_be_blank() {
    let f = Fixture::valid()
        .set("workers", 2, "person_id", "")
        .set("workers", 2, "annual_pay", "")
        .set("settings", 2, "multi_agency", "")
        .set("settings", 2, "places", "")
        .set("leavers", 2, "birth_year", "")
        .set("vacancies", 2, "hard_to_fill", "")
        .set("vacancies", 2, "covered_by_agency", "");
    let out = read_folder(&f);
    let data = clean(&out);
    assert_eq!(data.workers[0].person, None);
    assert_eq!(data.settings[0].places, None);
    assert_eq!(data.vacancies[0].hard_to_fill, None);
}

/// (sheet, column, a wrong code, the closest allowed code).
const WRONG_CODES: &[(&str, &str, &str, &str)] = &[
    ("settings", "setting_type", "full_daycar", "full_daycare"),
    ("settings", "employing_sector", "privte", "private"),
    ("settings", "provision", "universel", "universal"),
    ("settings", "multi_agency", "nope", "no"),
    ("workers", "contract", "permanant", "permanent"),
    ("workers", "gender", "femail", "female"),
    ("workers", "ethnicity", "WBRT", "WBRI"),
    ("workers", "disability", "not_knwn", "not_known"),
    ("workers", "qualification_level", "entery", "entry"),
    ("workers", "qualification_status", "acheived", "achieved"),
    (
        "workers",
        "role",
        "early_years_practioner",
        "early_years_practitioner",
    ),
    ("leavers", "reason", "resignaton", "resignation"),
    ("leavers", "destination", "same_sectr", "same_sector"),
    ("leavers", "gender", "mail", "male"),
    ("vacancies", "hard_to_fill", "yess", "yes"),
    ("vacancies", "covered_by_agency", "noo", "no"),
];

#[test]
fn every_code_column_rejects_a_wrong_code_naming_the_closest_allowed_code() {
    for (sheet, column, wrong, closest) in WRONG_CODES {
        let p = cell_rejected(sheet, 2, column, wrong);
        assert_eq!(p.value.as_deref(), Some(*wrong), "{p}");
        assert!(
            p.message
                .contains(&format!("closest allowed code is '{closest}'")),
            "{sheet}.{column}: {p}"
        );
    }
}

#[test]
fn codes_match_ignoring_case() {
    let f = Fixture::valid()
        .set("workers", 2, "gender", "Female")
        .set("workers", 2, "ethnicity", "wbri")
        .set("workers", 2, "role", "Early_Years_Practitioner")
        .set("settings", 2, "provision", "UNIVERSAL");
    assert_eq!(clean(&read_folder(&f)), &valid_data());
}

#[test]
fn short_code_lists_are_spelled_out_in_the_message() {
    let p = cell_rejected("workers", 2, "contract", "zero_hours");
    assert!(
        p.message
            .contains("permanent, fixed_term, agency, sessional, self_employed or volunteer"),
        "{p}"
    );
}

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

#[test]
fn area_code_that_is_not_a_gss_code_is_rejected() {
    for bad in [
        "E0600005",
        "E060000567",
        "X06000056",
        "Sheffield",
        "E06-00056",
    ] {
        let p = cell_rejected("settings", 2, "area_code", bad);
        assert!(p.message.contains("E06000056"), "{bad}: {p}");
    }
}

#[test]
fn area_code_in_lower_case_is_accepted_and_stored_upper_case() {
    for good in ["e06000056", "W06000015", "S12000036", "N09000003"] {
        let data = cell_clean("settings", 2, "area_code", good);
        assert_eq!(data.settings[0].area_code, good.to_ascii_uppercase());
    }
}

#[test]
fn duplicate_setting_id_is_an_error_naming_the_first_row() {
    let f = Fixture::valid().copy_row("settings", 2, &[("setting_name", "Acorns Annexe")]);
    let p = rejected_at(&read_folder(&f), &cell("settings", 4, "setting_id"));
    assert!(p.message.contains("row 2"), "{p}");
}

#[test]
fn places_must_be_a_whole_number() {
    for bad in ["sixty", "-1", "12.5"] {
        cell_rejected("settings", 2, "places", bad);
    }
    assert_eq!(
        cell_clean("settings", 2, "places", "0").settings[0].places,
        Some(0)
    );
}

// ---------------------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------------------

#[test]
fn post_at_a_setting_not_in_settings_is_an_error() {
    for sheet in ["workers", "leavers", "vacancies"] {
        let p = cell_rejected(sheet, 2, "setting_id", "S9");
        assert!(
            p.message.contains("S9") && p.message.contains("not in settings"),
            "{p}"
        );
    }
}

#[test]
fn fte_of_zero_above_one_or_not_a_number_is_rejected() {
    for bad in ["0", "1.5", "abc", "-0.5", "1.01"] {
        let p = cell_rejected("workers", 3, "fte", bad);
        assert_eq!(p.value.as_deref(), Some(bad));
        assert!(p.message.contains("at most 1.0"), "{p}");
    }
}

#[test]
fn fte_of_a_half_is_accepted_as_fifty_hundredths() {
    assert_eq!(cell_clean("workers", 3, "fte", "0.5").workers[1].fte, 50);
}

#[test]
fn fte_below_five_hundredths_is_a_warning_not_an_error() {
    let (data, p) = cell_warned("workers", 3, "fte", "0.03");
    assert_eq!(data.workers[1].fte, 3);
    assert!(p.message.contains("0.05"), "{p}");
}

#[test]
fn start_date_after_the_census_date_is_an_error_and_on_it_is_fine() {
    let p = cell_rejected("workers", 2, "start_date", "2025-11-02");
    assert!(p.message.contains("2025-11-01"), "{p}");
    cell_clean("workers", 2, "start_date", "2025-11-01");
}

#[test]
fn dates_are_read_as_iso_or_day_first_and_other_text_is_rejected() {
    for good in ["2023-03-01", "01/03/2023"] {
        assert_eq!(
            cell_clean("workers", 2, "start_date", good).workers[0].start_date,
            date("2023-03-01")
        );
    }
    for bad in [
        "1st March 2023",
        "2023/03/01",
        "03-01-2023",
        "31/02/2023",
        "2023-13-01",
        "45000",
    ] {
        let p = cell_rejected("workers", 2, "start_date", bad);
        assert!(p.message.contains("YYYY-MM-DD"), "{bad}: {p}");
    }
}

#[test]
fn birth_year_making_the_person_13_or_91_is_rejected_and_14_or_90_accepted() {
    // The census date is in 2025: age = 2025 - birth year.
    for (year, age) in [("2012", "13"), ("1934", "91")] {
        let p = cell_rejected("workers", 2, "birth_year", year);
        assert!(p.message.contains(age), "{year}: {p}");
    }
    for year in ["2011", "1935"] {
        cell_clean("workers", 2, "birth_year", year);
    }
}

#[test]
fn birth_year_that_is_not_four_digits_is_rejected() {
    for bad in ["85", "19850", "nineteen", "1985.0"] {
        let p = cell_rejected("workers", 2, "birth_year", bad);
        assert!(p.message.contains("four-digit"), "{bad}: {p}");
    }
}

#[test]
fn malformed_person_id_is_rejected_without_echoing_it() {
    for bad in [
        "AB12345C",
        "AB123456E",
        "1B123456C",
        "AB1234567C",
        "QQ 12 34 56",
    ] {
        let p = cell_rejected("workers", 2, "person_id", bad);
        assert_eq!(p.value, None);
        let shown = p.to_string();
        assert!(!shown.contains(bad), "{shown}");
        assert!(p.message.contains("National Insurance"), "{p}");
    }
}

#[test]
fn person_id_is_hashed_so_the_same_number_links_and_is_never_readable() {
    // The same number written another way (spaces, lower case) is the same person.
    let f = Fixture::valid().set("workers", 4, "person_id", "ab 12 34 56 c");
    let out = read_folder(&f);
    let data = clean(&out);
    assert_eq!(data.workers[0].person, data.workers[2].person);
    assert_eq!(data.workers[0].person, Some(hasher().key_of("AB123456C")));
    let dumped = format!("{data:?} {:?} {:?}", out.report, out.sheet_meta);
    for raw in [
        "AB123456C",
        "ab 12 34 56 c",
        "123456",
        "CD654321A",
        "EF111111B",
    ] {
        assert!(!dumped.contains(raw), "{raw} readable in the records");
    }
    // A different installation key gives a different, unrelated key.
    assert_ne!(
        data.workers[0].person,
        Some(PersonHasher::new(b"another installation").key_of("AB123456C"))
    );
}

#[test]
fn same_person_id_on_rows_with_other_worker_refs_is_allowed() {
    let f = Fixture::valid().copy_row(
        "workers",
        2,
        &[("worker_ref", "W9"), ("role", "room_leader")],
    );
    let out = read_folder(&f);
    let data = clean(&out);
    assert_eq!(data.workers.len(), 6);
    assert_eq!(data.workers[5].person, data.workers[0].person);
}

#[test]
fn same_worker_ref_setting_and_role_twice_is_an_error_naming_the_first_row() {
    let f = Fixture::valid().copy_row("workers", 2, &[("fte", "0.5")]);
    let p = rejected_at(&read_folder(&f), &cell("workers", 7, "worker_ref"));
    assert!(p.message.contains("row 2"), "{p}");
}

#[test]
fn same_worker_ref_in_another_role_at_the_same_setting_is_allowed() {
    let f = Fixture::valid().copy_row("workers", 2, &[("role", "room_leader"), ("fte", "0.2")]);
    clean(&read_folder(&f));
}

#[test]
fn same_job_title_twice_for_one_worker_at_one_setting_is_a_duplicate() {
    let f = Fixture::valid().copy_row("workers", 3, &[("job_title", "nursery  nurse.")]);
    rejected_at(&read_folder(&f), &cell("workers", 7, "worker_ref"));
}

#[test]
fn row_with_neither_role_nor_job_title_is_an_error() {
    let f = Fixture::valid().set("workers", 2, "role", "");
    let p = rejected_at(&read_folder(&f), &cell("workers", 2, "role"));
    assert!(p.message.contains("job_title"), "{p}");
}

#[test]
fn known_job_title_maps_to_its_role_and_a_role_code_wins_over_the_title() {
    let data = valid_data();
    assert_eq!(data.workers[1].role, role("early_years_practitioner"));
    assert_eq!(data.workers[1].job_title.as_deref(), Some("Nursery Nurse"));
    assert_eq!(data.leavers[1].role, role("family_support_worker"));
    let f = Fixture::valid().set("workers", 4, "job_title", "Nursery Nurse");
    assert_eq!(
        clean(&read_folder(&f)).workers[2].role,
        role("family_support_worker")
    );
}

#[test]
fn unknown_job_title_is_accepted_with_a_warning_suggesting_a_role_and_no_role() {
    let (data, p) = cell_warned(
        "workers",
        3,
        "job_title",
        "Senior Nursery Nurse (Baby Room)",
    );
    assert_eq!(data.workers[1].role, None);
    assert_eq!(
        data.workers[1].job_title.as_deref(),
        Some("Senior Nursery Nurse (Baby Room)")
    );
    assert!(p.message.contains("'room_leader'"), "{p}");
    assert_eq!(p.value.as_deref(), Some("Senior Nursery Nurse (Baby Room)"));
}

#[test]
fn unknown_job_title_on_several_rows_is_warned_once_at_its_first_row() {
    let f = Fixture::valid()
        .set("workers", 3, "job_title", "Chief Dragon Tamer")
        .copy_row("workers", 3, &[("worker_ref", "W7")])
        .set("vacancies", 2, "role", "")
        .set("vacancies", 2, "job_title", "chief dragon tamer");
    let out = read_folder(&f);
    warned_at(&out, &cell("workers", 3, "job_title"));
    assert_eq!(out.data.unwrap().vacancies[0].role, None);
}

#[test]
fn job_title_confirmed_by_a_person_maps_to_the_confirmed_role() {
    let f = Fixture::valid().set("workers", 3, "job_title", "Chief Dragon Tamer");
    let o = Opts {
        confirmed_titles: HashMap::from([(
            "chief dragon tamer".to_string(),
            codes().roles.must("play_manager"),
        )]),
        ..Opts::default()
    };
    let out = read_folder_with(&f, &o);
    assert_eq!(clean(&out).workers[1].role, role("play_manager"));
}

#[test]
fn annual_pay_that_is_not_an_amount_is_rejected() {
    for bad in ["about 20k", "-100", "£", "NaN", "1e9"] {
        let p = cell_rejected("workers", 2, "annual_pay", bad);
        assert!(p.message.contains("pounds"), "{bad}: {p}");
    }
}

#[test]
fn annual_pay_with_a_pound_sign_and_thousands_separator_is_read() {
    let data = cell_clean("workers", 2, "annual_pay", "£24,500.40");
    assert_eq!(data.workers[0].annual_pay, Some(24500));
}

#[test]
fn annual_pay_outside_the_plausible_band_is_a_warning_only() {
    for implausible in ["5000", "300000"] {
        let (data, p) = cell_warned("workers", 2, "annual_pay", implausible);
        assert_eq!(
            data.workers[0].annual_pay,
            Some(implausible.parse().unwrap())
        );
        assert!(p.message.contains("unusual"), "{p}");
    }
    for plausible in ["8000", "250000"] {
        cell_clean("workers", 2, "annual_pay", plausible);
    }
}

#[test]
fn annual_pay_for_a_volunteer_is_a_warning() {
    let (_, p) = cell_warned("workers", 6, "annual_pay", "12000");
    assert!(p.message.contains("volunteer"), "{p}");
}

// ---------------------------------------------------------------------------------------
// Leavers and vacancies
// ---------------------------------------------------------------------------------------

#[test]
fn leave_date_outside_the_twelve_months_before_the_census_date_is_rejected() {
    for bad in ["2024-11-01", "2025-11-02", "2019-06-30"] {
        let p = cell_rejected("leavers", 2, "leave_date", bad);
        assert!(p.message.contains("12 months"), "{bad}: {p}");
    }
    for good in ["2024-11-02", "2025-11-01", "02/11/2024"] {
        cell_clean("leavers", 2, "leave_date", good);
    }
}

#[test]
fn leaver_optional_birth_year_is_still_checked_when_given() {
    cell_rejected("leavers", 2, "birth_year", "2015");
}

#[test]
fn vacant_posts_must_be_a_whole_number_of_at_least_one() {
    for bad in ["0", "1.5", "two", "-1"] {
        let p = cell_rejected("vacancies", 2, "vacant_posts", bad);
        assert!(p.message.contains("at least 1"), "{bad}: {p}");
    }
    assert_eq!(
        cell_clean("vacancies", 2, "vacant_posts", "1").vacancies[0].vacant_posts,
        1
    );
}

#[test]
fn vacant_fte_must_be_above_zero() {
    for bad in ["0", "none", "-1"] {
        cell_rejected("vacancies", 2, "vacant_fte", bad);
    }
    assert_eq!(
        cell_clean("vacancies", 2, "vacant_fte", "2.5").vacancies[0].vacant_fte,
        250
    );
}

#[test]
fn missing_leavers_or_vacancies_file_is_a_warning_and_reads_as_none() {
    for sheet in ["leavers", "vacancies"] {
        let out = read_folder(&Fixture::valid().without(sheet));
        let p = warned_at(&out, &file("return", Some(sheet)));
        assert!(p.message.contains("no "), "{p}");
        let data = out.data.unwrap();
        let n = if sheet == "leavers" {
            data.leavers.len()
        } else {
            data.vacancies.len()
        };
        assert_eq!(n, 0);
    }
}

#[test]
fn header_only_leavers_and_vacancies_mean_none_without_a_warning() {
    let f = Fixture::valid()
        .header_only("leavers")
        .header_only("vacancies");
    let out = read_folder(&f);
    let data = clean(&out);
    assert!(data.leavers.is_empty() && data.vacancies.is_empty());
}

#[test]
fn row_with_more_values_than_the_header_is_an_error() {
    let f = Fixture::valid().extra_value("workers", 3, "surprise");
    let p = rejected_at(&read_folder(&f), &row("workers", 3));
    assert!(
        p.message.contains("16 values") && p.message.contains("15 columns"),
        "{p}"
    );
}

#[test]
fn trailing_empty_values_past_the_header_are_ignored() {
    let f = Fixture::valid().extra_value("workers", 3, "");
    clean(&read_folder(&f));
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let f = Fixture::valid()
        .set("settings", 2, "provision", "everyone")
        .set("workers", 3, "fte", "2")
        .set("workers", 5, "gender", "f")
        .set("leavers", 3, "reason", "moved")
        .set("vacancies", 2, "vacant_posts", "0");
    let out = read_folder(&f);
    assert_eq!(out.report.error_count(), 5, "{}", show(&out.report));
    for at in [
        cell("settings", 2, "provision"),
        cell("workers", 3, "fte"),
        cell("workers", 5, "gender"),
        cell("leavers", 3, "reason"),
        cell("vacancies", 2, "vacant_posts"),
    ] {
        rejected_among(&out, &at);
    }
}

#[test]
fn blank_lines_and_multi_line_values_do_not_shift_row_numbers() {
    // A spreadsheet shows a blank line as an empty row and a quoted value spanning two
    // lines as one row; the reported row must be the one the user finds.
    let f = Fixture::valid()
        .set("settings", 2, "setting_name", "Little Acorns\nNursery")
        .set("settings", 3, "provision", "everyone");
    let text = String::from_utf8(f.csv("settings")).unwrap();
    let with_blank = text.replacen("\nS2,", "\n\nS2,", 1);
    let out = read_folder_replacing(&f, &[("settings.csv", with_blank.as_bytes())]);
    rejected_at(&out, &cell("settings", 4, "provision"));
}

#[test]
fn headcount_check_warns_only_above_a_fifty_percent_change() {
    let warned = |previous: Option<usize>, now: usize| {
        let mut r = Report::default();
        headcount_check(&mut r, previous, now);
        assert!(!r.has_errors());
        r.warning_count() == 1
    };
    assert!(warned(Some(100), 151));
    assert!(warned(Some(100), 49));
    assert!(warned(Some(10), 0));
    assert!(!warned(Some(100), 150));
    assert!(!warned(Some(100), 50));
    assert!(!warned(Some(100), 120));
    assert!(!warned(None, 500));
    assert!(!warned(Some(0), 500));
    let mut r = Report::default();
    headcount_check(&mut r, Some(100), 200);
    let p = &r.problems[0];
    assert_plain_sentence(p);
    assert!(
        p.message.contains("100") && p.message.contains("200") && p.message.contains("+100%"),
        "{p}"
    );
}

// ---------------------------------------------------------------------------------------
// Files that are not what they claim
// ---------------------------------------------------------------------------------------

/// Bytes that are no kind of text or spreadsheet.
fn junk(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7919 % 251) as u8).collect()
}

#[test]
fn empty_files_are_rejected() {
    let p = rejected_at(
        &read_folder(&Fixture::valid().blank("workers")),
        &file("workers.csv", Some("workers")),
    );
    assert!(p.message.contains("empty"), "{p}");
    for name in ["return.xlsx", "return.zip", "return.ods"] {
        let p = rejected_at(&read_file(name, b""), &file(name, None));
        assert!(p.message.contains("empty"), "{name}: {p}");
    }
}

#[test]
fn workbook_with_an_empty_workers_sheet_is_rejected() {
    let f = Fixture::valid().blank("workers");
    let p = rejected_at(
        &read_file("return.xlsx", &f.xlsx()),
        &file("return.xlsx", Some("workers")),
    );
    assert!(p.message.contains("empty"), "{p}");
}

#[test]
fn folder_without_settings_csv_is_rejected() {
    let p = rejected_at(
        &read_folder(&Fixture::valid().without("settings")),
        &file("return", Some("settings")),
    );
    assert!(p.message.contains("settings.csv"), "{p}");
}

#[test]
fn empty_folder_is_rejected_for_both_required_parts() {
    let out = read_written(
        &[("return/".to_string(), Vec::new())],
        "return",
        &Opts::default(),
    );
    assert!(out.data.is_none());
    assert_eq!(out.report.error_count(), 2, "{}", show(&out.report));
}

#[test]
fn binary_junk_renamed_csv_in_the_folder_is_rejected() {
    let zipped = Fixture::valid().zip("");
    for bytes in [junk(3000), zipped] {
        let out = read_folder_replacing(&Fixture::valid(), &[("workers.csv", &bytes)]);
        let p = rejected_at(&out, &file("workers.csv", Some("workers")));
        assert!(p.message.contains("binary"), "{p}");
    }
}

#[test]
fn random_bytes_with_a_workbook_or_zip_name_are_rejected() {
    for name in [
        "return.xlsx",
        "return.ods",
        "return.xls",
        "return.zip",
        "return",
    ] {
        let p = rejected_at(&read_file(name, &junk(5000)), &file(name, None));
        assert!(p.message.contains("renamed"), "{name}: {p}");
    }
}

#[test]
fn truncated_zip_and_truncated_workbook_are_rejected() {
    let zip = Fixture::valid().zip("");
    let xlsx = Fixture::valid().xlsx();
    for (name, bytes) in [("return.zip", zip), ("return.xlsx", xlsx)] {
        let half = &bytes[..bytes.len() / 2];
        let p = rejected_at(&read_file(name, half), &file(name, None));
        assert!(p.message.contains("damaged"), "{name}: {p}");
    }
}

#[test]
fn workbook_with_a_zip_name_is_rejected_with_a_hint_to_rename_it() {
    let p = rejected_at(
        &read_file("return.zip", &Fixture::valid().xlsx()),
        &file("return.zip", None),
    );
    assert!(p.message.contains(".xlsx"), "{p}");
}

#[test]
fn xlsx_renamed_ods_is_rejected_as_unreadable() {
    let p = rejected_at(
        &read_file("return.ods", &Fixture::valid().xlsx()),
        &file("return.ods", None),
    );
    assert!(p.message.contains("damaged"), "{p}");
}

#[test]
fn zip_entry_unpacking_past_the_limit_is_refused_without_unpacking_it() {
    // 65 KB of the same row squeezes into a few hundred bytes of zip.
    let f = Fixture::valid();
    let text = String::from_utf8(f.csv("workers")).unwrap();
    let (header, first_row) = text.split_once('\n').unwrap();
    let first_row = first_row.lines().next().unwrap();
    let bomb = format!("{header}\n{}", format!("{first_row}\n").repeat(500));
    let zipped = zip_of(&[
        ("settings.csv".to_string(), f.csv("settings")),
        ("workers.csv".to_string(), bomb.into_bytes()),
    ]);
    assert!(
        zipped.len() < 1024,
        "the zip itself must fit the limit: {}",
        zipped.len()
    );
    let out = read_file_with("return.zip", &zipped, &Opts::limit(1024));
    let p = rejected_at(&out, &file("return.zip: workers.csv", None));
    assert!(p.message.contains("1 KB"), "{p}");
    assert!(
        !p.message.contains("is 2 KB"),
        "the real size is not known: {p}"
    );
}

#[test]
fn file_over_the_size_limit_is_rejected_naming_the_limit() {
    let big = Fixture::valid().fill("workers", 2, 40, "worker_ref");
    let p = rejected_at(
        &read_folder_with(&big, &Opts::limit(1024)),
        &file("workers.csv", None),
    );
    assert!(p.message.contains("limit is 1 KB"), "{p}");
    let p = rejected_at(
        &read_file_with("return.xlsx", &big.xlsx(), &Opts::limit(1024)),
        &file("return.xlsx", None),
    );
    assert!(p.message.contains("limit is 1 KB"), "{p}");
}

#[test]
fn utf16_csv_is_rejected_asking_for_utf8() {
    let f = Fixture::valid();
    let text = String::from_utf8(f.csv("workers")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let p = rejected_at(
        &read_folder_replacing(&f, &[("workers.csv", &utf16)]),
        &file("workers.csv", Some("workers")),
    );
    assert!(
        p.message.contains("UTF-16") && p.message.contains("UTF-8"),
        "{p}"
    );
}

#[test]
fn windows_1252_csv_is_rejected_at_the_line_with_the_first_bad_byte() {
    let f = Fixture::valid().set("settings", 3, "setting_name", "Caf~ Hub");
    let bytes: Vec<u8> = f
        .csv("settings")
        .into_iter()
        .map(|b| if b == b'~' { 0xE9 } else { b })
        .collect();
    let p = rejected_at(
        &read_folder_replacing(&f, &[("settings.csv", &bytes)]),
        &At {
            column: None,
            ..cell("settings", 3, "")
        },
    );
    assert_eq!(p.value.as_deref(), Some("byte 0xE9"));
    assert!(p.message.contains("UTF-8"), "{p}");
}

#[test]
fn xlsx_formula_cell_is_rejected_with_its_row_and_column_name() {
    let f = Fixture::valid().set("workers", 3, "fte", "=0.6");
    let p = rejected_at(
        &read_file("return.xlsx", &f.xlsx()),
        &At {
            file: "return.xlsx".to_string(),
            sheet: Some("workers".to_string()),
            row: Some(3),
            column: Some("fte".to_string()),
        },
    );
    assert_eq!(p.value.as_deref(), Some("=0.6"));
    assert!(p.message.contains("formula"), "{p}");
}

#[test]
fn xlsx_without_a_workers_sheet_is_rejected() {
    let f = Fixture::valid().without("workers");
    let p = rejected_at(
        &read_file("return.xlsx", &f.xlsx()),
        &file("return.xlsx", Some("workers")),
    );
    assert!(p.message.contains("workers"), "{p}");
}

#[test]
fn xlsx_problems_name_the_sheet_and_the_row_the_user_sees() {
    let f = Fixture::valid().set("workers", 5, "gender", "f");
    let p = rejected_at(
        &read_file("return.xlsx", &f.xlsx()),
        &At {
            file: "return.xlsx".to_string(),
            sheet: Some("workers".to_string()),
            row: Some(5),
            column: Some("gender".to_string()),
        },
    );
    assert!(
        p.location().contains("sheet workers, row 5"),
        "{}",
        p.location()
    );
}

#[test]
fn lone_csv_file_is_rejected_asking_for_the_folder() {
    let p = rejected_at(
        &read_file("workers.csv", &Fixture::valid().csv("workers")),
        &file("workers.csv", None),
    );
    assert!(p.message.contains("folder"), "{p}");
}

#[test]
fn path_that_does_not_exist_is_rejected() {
    let out = read_written(&[], "no-such-return.xlsx", &Opts::default());
    let p = rejected_at(&out, &file("no-such-return.xlsx", None));
    assert!(p.message.contains("no file or folder"), "{p}");
    assert!(out.digest.is_empty());
}

// ---------------------------------------------------------------------------------------
// Mapping profiles
// ---------------------------------------------------------------------------------------

#[test]
fn employer_column_names_and_codes_need_their_mapping_profile() {
    let own_codes = [
        ("permanent", "Perm"),
        ("fixed_term", "FTC"),
        ("sessional", "Sess"),
        ("volunteer", "Vol"),
    ];
    let f = Fixture::valid()
        .set_all("workers", "contract", |v| {
            own_codes
                .iter()
                .find(|(standard, _)| *standard == v)
                .map_or(v, |(_, own)| own)
                .to_string()
        })
        .rename_column("workers", "worker_ref", "Staff No")
        .rename_column("workers", "contract", "Contract Type");

    let without = read_folder(&f);
    assert!(without.data.is_none());
    assert_eq!(without.report.error_count(), 2, "{}", show(&without.report));
    for column in ["worker_ref", "contract"] {
        assert!(
            without
                .report
                .errors()
                .any(|p| header("workers").matches(p) && p.message.contains(column)),
            "no error for the missing {column}:\n{}",
            show(&without.report)
        );
    }

    let profile = MappingProfile::from_json(
        r#"{"columns": {"Staff No": "worker_ref", "Contract Type": "contract"},
            "codes": {"contract": {"Perm": "permanent", "FTC": "fixed_term", "Sess": "sessional", "Vol": "volunteer"}}}"#,
    )
    .unwrap();
    let with = read_folder_with(
        &f,
        &Opts {
            mapping: Some(profile),
            ..Opts::default()
        },
    );
    assert_eq!(clean(&with), &valid_data());
}

#[test]
fn error_in_a_mapped_column_names_the_employers_own_column_and_value() {
    let f = Fixture::valid()
        .rename_column("workers", "contract", "Contract Type")
        .set("workers", 2, "Contract Type", "Zero hours");
    let profile =
        MappingProfile::from_json(r#"{"columns": {"Contract Type": "contract"}}"#).unwrap();
    let out = read_folder_with(
        &f,
        &Opts {
            mapping: Some(profile),
            ..Opts::default()
        },
    );
    let p = rejected_at(&out, &cell("workers", 2, "Contract Type"));
    assert_eq!(p.value.as_deref(), Some("Zero hours"));
}

// ---------------------------------------------------------------------------------------
// Size
// ---------------------------------------------------------------------------------------

#[test]
fn fifty_thousand_worker_rows_are_accepted() {
    // Every row a post of the same person: allowed, and every row's person_id is hashed.
    let f = Fixture::valid().fill("workers", 2, 50_000, "worker_ref");
    let started = std::time::Instant::now();
    let out = read_folder(&f);
    assert_eq!(clean(&out).workers.len(), 50_000);
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn wholly_wrong_file_lists_the_first_thousand_errors_and_counts_the_rest() {
    let f = Fixture::valid()
        .fill("workers", 2, 5_000, "worker_ref")
        .set_all("workers", "fte", |_| "full".to_string());
    let out = read_folder(&f);
    assert!(out.data.is_none());
    assert_eq!(out.report.problems.len(), report::MAX_LISTED);
    assert_eq!(out.report.error_count(), 5_000);
}

// ---------------------------------------------------------------------------------------
// Limits on untrusted files (docs/security.md)
// ---------------------------------------------------------------------------------------

/// A row (and column) of a sheet of a workbook.
fn in_sheet(file: &str, sheet: &str, row: usize, column: Option<&str>) -> At {
    At {
        file: file.to_string(),
        sheet: Some(sheet.to_string()),
        row: Some(row),
        column: column.map(str::to_string),
    }
}

fn with_limits(limits: Limits) -> Opts {
    Opts {
        limits: Some(limits),
        ..Opts::default()
    }
}

/// A minimal XLSX written by hand, so cells can sit anywhere and hold anything: each
/// sheet is (name, the XML inside `<sheetData>`); `shared` is the shared-strings part.
fn xlsx_by_hand(sheets: &[(&str, &str)], shared: Option<&str>) -> Vec<u8> {
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    );
    let mut book = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    let mut files = Vec::new();
    for (i, (name, data)) in sheets.iter().enumerate() {
        let n = i + 1;
        types.push_str(&format!(
            r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        ));
        book.push_str(&format!(
            r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#,
            xml_escape(name)
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
        files.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
            )
            .into_bytes(),
        ));
    }
    if let Some(sst) = shared {
        types.push_str(r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#);
        rels.push_str(r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
        files.push(("xl/sharedStrings.xml".to_string(), sst.as_bytes().to_vec()));
    }
    types.push_str("</Types>");
    book.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    let root = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let mut all = vec![
        ("[Content_Types].xml".to_string(), types.into_bytes()),
        ("_rels/.rels".to_string(), root.as_bytes().to_vec()),
        ("xl/workbook.xml".to_string(), book.into_bytes()),
        ("xl/_rels/workbook.xml.rels".to_string(), rels.into_bytes()),
    ];
    all.extend(files);
    zip_of(&all)
}

/// A workers sheet of a header cell at A1 and one more cell at `far`.
fn header_and_far_cell(far: &str) -> Vec<u8> {
    let sheet = format!("{}{}", text_cell("A1", "worker_ref"), text_cell(far, "x"));
    xlsx_by_hand(&[("workers", &sheet)], None)
}

/// An inline-string cell at `r`.
fn text_cell(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A hand-written ODS with one sheet whose body is `rows` (the XML inside `table:table`).
fn ods_by_hand(sheet: &str, rows: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="{sheet}">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip_of(&[
        (
            "mimetype".to_string(),
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
        ),
        (
            "META-INF/manifest.xml".to_string(),
            ODS_MANIFEST.as_bytes().to_vec(),
        ),
        ("content.xml".to_string(), content.into_bytes()),
    ])
}

/// The ODS repeat bomb: one short row of text cells repeated across and down.
fn ods_repeat_bomb(columns: u64, rows: u64) -> Vec<u8> {
    ods_by_hand(
        "workers",
        &format!(
            r#"<table:table-row table:number-rows-repeated="{rows}"><table:table-cell office:value-type="string" table:number-columns-repeated="{columns}"><text:p>bomb</text:p></table:table-cell></table:table-row>"#
        ),
    )
}

#[test]
fn xlsx_with_a_cell_at_xfd1048576_is_refused_naming_the_column_limit() {
    let bytes = header_and_far_cell("XFD1048576");
    assert!(bytes.len() < 5_000, "{}", bytes.len());
    let p = rejected_at(
        &read_file("return.xlsx", &bytes),
        &in_sheet("return.xlsx", "workers", 1_048_576, Some("XFD")),
    );
    assert!(
        p.message.contains("column XFD (16,384th column)")
            && p.message.contains("at most 200 columns"),
        "{p}"
    );
}

#[test]
fn xlsx_cell_far_down_is_refused_naming_the_row_limit() {
    let bytes = header_and_far_cell("A900000");
    let p = rejected_among(
        &read_file("return.xlsx", &bytes),
        &in_sheet("return.xlsx", "workers", 900_000, Some("A")),
    );
    assert!(
        p.message.contains("row 900,000") && p.message.contains("200,000 rows"),
        "{p}"
    );
}

#[test]
fn xlsx_area_past_the_cell_limit_is_refused_as_it_is_read() {
    // Within columns and rows, but the sheet's area (A1:T1000 = 20,000 cells) is past a
    // limit of 10,000 cells per return.
    let bytes = header_and_far_cell("T1000");
    let limits = Limits {
        max_cells: 10_000,
        ..Limits::default()
    };
    let p = rejected_among(
        &read_file_with("return.xlsx", &bytes, &with_limits(limits)),
        &in_sheet("return.xlsx", "workers", 1000, Some("T")),
    );
    assert!(
        p.message.contains("20,000 cells") && p.message.contains("cells per return"),
        "{p}"
    );
}

#[test]
fn xlsx_shared_string_table_declaring_billions_is_refused_before_calamine_reserves_it() {
    let sst = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>worker_ref</t></si></sst>"#;
    let sheet = r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#;
    let bytes = xlsx_by_hand(&[("workers", sheet)], Some(sst));
    let p = rejected_at(
        &read_file("return.xlsx", &bytes),
        &file("return.xlsx", None),
    );
    assert!(
        p.message.contains("4,000,000,000") && p.message.contains("cells per return"),
        "{p}"
    );
}

#[test]
fn xlsx_formulas_shared_formulas_and_error_cells_are_still_reported_where_they_are() {
    // A shared formula (anchor B2, derived B3) with a huge shared index, which calamine's
    // expanding reader would size a vector by; an error cell at C3; a blank row 4.
    let sheet = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>worker_ref</t></is></c><c r="B1" t="inlineStr"><is><t>fte</t></is></c><c r="C1" t="inlineStr"><is><t>setting_id</t></is></c></row><row r="2"><c r="A2"><v>1</v></c><c r="B2"><f t="shared" ref="B2:B3" si="4000000000">A2*2</f><v>2</v></c></row><row r="3"><c r="A3"><v>2</v></c><c r="B3"><f t="shared" si="4000000000"/><v>4</v></c><c r="C3" t="e"><v>#REF!</v></c></row><row r="4"><c r="A4" s="1"/></row><row r="5"><c r="A5"><v>3</v></c></row>"#;
    let bytes = xlsx_by_hand(&[("workers", sheet)], None);
    let out = read_file("return.xlsx", &bytes);
    let at = |row, column| in_sheet("return.xlsx", "workers", row, Some(column));
    let p = rejected_among(&out, &at(2, "fte"));
    assert_eq!(p.value.as_deref(), Some("=A2*2"), "{p}");
    let p = rejected_among(&out, &at(3, "fte"));
    assert_eq!(p.value.as_deref(), Some("=A3*2"), "{p}");
    let p = rejected_among(&out, &at(3, "C"));
    assert!(p.message.contains("#REF!"), "{p}");
}

#[test]
fn xlsx_read_sparsely_keeps_row_numbers_headers_and_the_return_sheet() {
    // The valid return through the streaming reader, with a `return` sheet: the same
    // records, and the meta read.
    let f = Fixture::valid().with_return_sheet("employer_id", EMPLOYER);
    let out = read_file("return.xlsx", &f.xlsx());
    assert_eq!(accepted(&out), &valid_data());
    assert!(
        out.sheet_meta
            .contains(&("employer_id".to_string(), EMPLOYER.to_string())),
        "{:?}",
        out.sheet_meta
    );
    // A data row beyond the header's last column is ignored in a workbook, as before.
    let sheet = format!(
        "{}{}{}",
        text_cell("A1", "setting_id"),
        text_cell("A3", "S1"),
        text_cell("D3", "x")
    );
    let bytes = xlsx_by_hand(&[("settings", &sheet)], None);
    let out = read_file("return.xlsx", &bytes);
    assert!(
        out.report
            .errors()
            .all(|p| !p.message.contains("values but")),
        "{}",
        show(&out.report)
    );
}

#[test]
fn ods_repeat_bomb_is_refused_before_calamine_expands_it() {
    // 16,384 columns by 6,000 rows of text (98 million cells, under the 100 million
    // calamine itself refuses) from an 800-byte file.
    let bytes = ods_repeat_bomb(16_384, 6_000);
    assert!(bytes.len() < 1_500, "{}", bytes.len());
    let started = std::time::Instant::now();
    let p = rejected_at(
        &read_file("return.ods", &bytes),
        &in_sheet("return.ods", "workers", 1, Some("XFD")),
    );
    assert!(p.message.contains("at most 200 columns"), "{p}");
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    // Within the columns: the rows, then the cells.
    let p = rejected_among(
        &read_file("return.ods", &ods_repeat_bomb(10, 1_048_576)),
        &in_sheet("return.ods", "workers", 1, None),
    );
    assert!(p.message.contains("rows per sheet"), "{p}");
    let p = rejected_among(
        &read_file("return.ods", &ods_repeat_bomb(150, 100_000)),
        &in_sheet("return.ods", "workers", 1, None),
    );
    assert!(p.message.contains("cells per return"), "{p}");
}

#[test]
fn ods_repeated_long_text_is_refused_by_the_unpacked_limit() {
    // <text:s text:c=".."/> makes calamine write that many spaces into the cell.
    let rows = r#"<table:table-row table:number-rows-repeated="100"><table:table-cell office:value-type="string" table:number-columns-repeated="10"><text:p>a<text:s text:c="100000000"/></text:p></table:table-cell></table:table-row>"#;
    let p = rejected_among(
        &read_file("return.ods", &ods_by_hand("workers", rows)),
        &in_sheet("return.ods", "workers", 1, None),
    );
    assert!(p.message.contains("bytes unpacked per return"), "{p}");
}

#[test]
fn libreoffice_ods_with_huge_trailing_empty_repeats_is_accepted() {
    let bytes = Fixture::valid().ods_padded(true);
    let out = read_file("return.ods", &bytes);
    assert_eq!(clean(&out), &valid_data());
}

#[test]
fn csv_row_with_too_many_columns_is_refused_at_that_row() {
    let mut workers = String::from_utf8(Fixture::valid().csv("workers")).unwrap();
    workers.push_str(&"a,".repeat(300));
    workers.push('\n');
    let p = rejected_at(
        &read_folder_replacing(&Fixture::valid(), &[("workers.csv", workers.as_bytes())]),
        &row("workers", 7),
    );
    assert!(
        p.message.contains("301 columns, 101 more than the 200"),
        "{p}"
    );
}

#[test]
fn csv_rows_and_cells_past_their_limits_are_refused() {
    let f = Fixture::valid().fill("workers", 2, 50, "worker_ref");
    let limits = Limits {
        max_rows: 20,
        ..Limits::default()
    };
    let p = rejected_at(
        &read_folder_with(&f, &with_limits(limits)),
        &row("workers", 21),
    );
    assert!(p.message.contains("rows per sheet"), "{p}");
    let limits = Limits {
        max_cells: 300,
        ..Limits::default()
    };
    let out = read_folder_with(&f, &with_limits(limits));
    assert!(out.data.is_none());
    let p = out.report.errors().next().expect("refused");
    assert_eq!(p.file, "workers.csv");
    assert!(
        p.row.is_some() && p.message.contains("cells per return"),
        "{p}"
    );
}

#[test]
fn zip_past_the_unpacked_or_entries_limit_is_refused() {
    let f = Fixture::valid().fill("workers", 2, 200, "worker_ref");
    let limits = Limits {
        max_unpacked_bytes: 10 * 1024,
        ..Limits::default()
    };
    let out = read_file_with("return.zip", &f.zip(""), &with_limits(limits));
    assert!(out.data.is_none());
    let p = out.report.errors().next().unwrap();
    assert!(p.message.contains("bytes unpacked per return"), "{p}");
    let mut files = Fixture::valid().csv_files("");
    for i in 0..10 {
        files.push((format!("notes{i}.txt"), b"x".to_vec()));
    }
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let p = rejected_at(
        &read_file_with("return.zip", &zip_of(&files), &with_limits(limits)),
        &file("return.zip", None),
    );
    assert!(
        p.message.contains("14 entries") && p.message.contains("entries per zip"),
        "{p}"
    );
    // Workbooks too: a package of more parts than allowed.
    let limits = Limits {
        max_entries: 3,
        ..Limits::default()
    };
    let p = rejected_at(
        &read_file_with(
            "return.xlsx",
            &Fixture::valid().xlsx(),
            &with_limits(limits),
        ),
        &file("return.xlsx", None),
    );
    assert!(p.message.contains("entries per zip"), "{p}");
}

#[test]
fn folder_past_the_unpacked_limit_is_refused() {
    let f = Fixture::valid().fill("workers", 2, 200, "worker_ref");
    let limits = Limits {
        max_unpacked_bytes: 10 * 1024,
        ..Limits::default()
    };
    let out = read_folder_with(&f, &with_limits(limits));
    let p = out.report.errors().next().expect("refused");
    assert!(p.message.contains("bytes unpacked per return"), "{p}");
}

#[test]
fn a_part_given_twice_is_refused_naming_both() {
    let f = Fixture::valid();
    // Zip: at the top and in a folder.
    let mut files = f.csv_files("");
    files.push((
        "old/workers.csv".to_string(),
        f.clone().header_only("workers").csv("workers"),
    ));
    let p = rejected_at(
        &read_file("return.zip", &zip_of(&files)),
        &file("return.zip", None),
    );
    assert!(
        p.message.contains("'workers.csv' and 'old/workers.csv'"),
        "{p}"
    );
    // Folder: two names differing only in case.
    let out = read_folder_replacing(&f, &[("Workers.csv", &f.csv("workers"))]);
    assert!(out.data.is_none());
    let p = out.report.errors().next().unwrap();
    assert!(
        p.message.contains("workers part twice")
            && p.message.contains("Workers.csv")
            && p.message.contains("'workers.csv'"),
        "{p}"
    );
    // Workbook: two sheets for one part.
    let header = text_cell("A1", "worker_ref");
    let bytes = xlsx_by_hand(&[("workers", &header), ("WORKERS ", &header)], None);
    let p = rejected_at(
        &read_file("return.xlsx", &bytes),
        &file("return.xlsx", None),
    );
    assert!(p.message.contains("sheets 'workers' and 'WORKERS '"), "{p}");
}

#[test]
fn old_xls_workbooks_are_refused_asking_for_xlsx() {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend(std::iter::repeat_n(0u8, 2000));
    let p = rejected_at(&read_file("return.xls", &bytes), &file("return.xls", None));
    assert!(
        p.message.contains(".xlsx") && p.message.contains("97-2003"),
        "{p}"
    );
}

#[test]
fn a_county_council_sized_return_fits_the_default_limits() {
    // 20,000 posts of 35 columns: well inside every default.
    let mut f = Fixture::valid().fill("workers", 2, 20_000, "worker_ref");
    for i in 0..20 {
        f = f.add_column("workers", &format!("local_{i}"), "x");
    }
    assert!(f.sheet("workers").header.len() >= 35);
    assert_eq!(accepted(&read_folder(&f)).workers.len(), 20_000);
}
