//! Turning what the employer handed over (a folder or zip of CSV files, or an XLSX/ODS
//! workbook) into plain tables of text cells, refusing anything that is not what it
//! claims to be: binary junk, broken zips, wrong encodings, formula cells, oversized files.

use calamine::{Data, Ods, Reader, Xls, Xlsx};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

use crate::report::{Problem, Report};

/// The four parts of a return, in the order they are checked.
pub const SHEETS: [&str; 4] = ["settings", "workers", "leavers", "vacancies"];

/// Size limits, so a huge or hostile file is refused instead of exhausting memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest single file (or zip entry, uncompressed) accepted.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        // The largest real employer (a big county council) returns a few MB; 200 MB
        // leaves ample room while keeping memory bounded.
        Limits {
            max_file_bytes: 200 * 1024 * 1024,
        }
    }
}

/// One sheet or CSV file as rows of trimmed text cells.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file name the user gave (e.g. `workers.csv` or `return.xlsx`).
    pub file: String,
    /// The sheet (`workers`), equal to the file stem for CSV files.
    pub sheet: String,
    pub headers: Vec<String>,
    /// (row number as the user sees it, header = 1; cells). Blank rows are skipped.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// The tables of one return, keyed by standard sheet name.
pub struct Loaded {
    pub tables: BTreeMap<String, Table>,
    pub meta: Vec<(String, String)>,
    pub digest: String,
}

fn human_size(b: u64) -> String {
    if b >= 1024 * 1024 {
        format!("{:.1} MB", b as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", b.div_ceil(1024))
    }
}

fn too_big(file: &str, size: u64, limits: &Limits) -> Option<Problem> {
    (size > limits.max_file_bytes).then(|| {
        Problem::at_file(file, "").says(format!(
            "the file is {} but the limit is {}; split the return or ask the administrator to raise the limit",
            human_size(size),
            human_size(limits.max_file_bytes)
        ))
    })
}

fn read_limited(path: &Path, limits: &Limits, report: &mut Report) -> Option<Vec<u8>> {
    let name = display_name(path);
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            report.error(Problem::at_file(&name, "").says(format!("cannot read the file: {e}")));
            return None;
        }
    };
    if let Some(p) = too_big(&name, meta.len(), limits) {
        report.error(p);
        return None;
    }
    match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) => {
            report.error(Problem::at_file(&name, "").says(format!("cannot read the file: {e}")));
            None
        }
    }
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];

/// Load a return from a folder, a zip of CSV files, or a workbook.
pub fn load(path: &Path, limits: &Limits, report: &mut Report) -> Option<Loaded> {
    let name = display_name(path);
    if path.is_dir() {
        return load_dir(path, limits, report);
    }
    if !path.exists() {
        report.error(
            Problem::at_file(&name, "")
                .says(format!("there is no file or folder at {}", path.display())),
        );
        return None;
    }
    let bytes = read_limited(path, limits, report)?;
    if bytes.is_empty() {
        report.error(Problem::at_file(&name, "").says(
            "the file is empty; a return is a workbook, or a folder or zip of four CSV files",
        ));
        return None;
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let digest = hex_digest(&[&bytes]);
    let kind = match ext.as_str() {
        "xlsx" | "xlsm" => "an XLSX workbook",
        "ods" => "an ODS spreadsheet",
        "xls" => "an XLS workbook",
        "zip" => "a zip file",
        "csv" => {
            report.error(Problem::at_file(&name, "").says(
                "a single CSV file is not a whole return: give the folder (or a zip) holding settings.csv, workers.csv, leavers.csv and vacancies.csv",
            ));
            return None;
        }
        _ => "",
    };
    let magic_ok = if ext == "xls" {
        bytes.starts_with(CFB_MAGIC)
    } else {
        bytes.starts_with(ZIP_MAGIC)
    };
    if !magic_ok {
        let what = if kind.is_empty() {
            "a return".to_string()
        } else {
            kind.to_string()
        };
        report.error(Problem::at_file(&name, "").says(format!(
            "this is not {what}: its contents do not start the way such a file does (was another kind of file renamed?). Give an .xlsx or .ods workbook, or a folder or .zip of CSV files"
        )));
        return None;
    }
    let tables = match ext.as_str() {
        "xlsx" | "xlsm" => Xlsx::new(Cursor::new(&bytes))
            .map_err(|e| e.to_string())
            .map(|mut wb| workbook_tables(&mut wb, &name, report)),
        "ods" => Ods::new(Cursor::new(&bytes))
            .map_err(|e| e.to_string())
            .map(|mut wb| workbook_tables(&mut wb, &name, report)),
        "xls" => Xls::new(Cursor::new(&bytes))
            .map_err(|e| e.to_string())
            .map(|mut wb| workbook_tables(&mut wb, &name, report)),
        _ => return load_zip(&bytes, &name, digest, limits, report),
    };
    match tables {
        Ok((tables, meta)) => finish(tables, meta, digest, &name, report),
        Err(e) => {
            report.error(Problem::at_file(&name, "").says(format!(
                "the workbook is damaged or not a spreadsheet that can be read ({e})"
            )));
            None
        }
    }
}

fn hex_digest(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Which standard sheet a file or sheet name stands for ("Workers.CSV" -> workers).
fn sheet_for(name: &str) -> Option<&'static str> {
    let stem = name
        .rsplit('/')
        .next()
        .unwrap_or(name)
        .trim()
        .to_ascii_lowercase();
    let stem = stem.strip_suffix(".csv").unwrap_or(&stem);
    SHEETS.iter().copied().find(|s| *s == stem)
}

fn load_dir(path: &Path, limits: &Limits, report: &mut Report) -> Option<Loaded> {
    let mut found: BTreeMap<&'static str, std::path::PathBuf> = BTreeMap::new();
    let entries = match std::fs::read_dir(path) {
        Ok(e) => e,
        Err(e) => {
            report.error(
                Problem::at_file(&display_name(path), "")
                    .says(format!("cannot read the folder: {e}")),
            );
            return None;
        }
    };
    for entry in entries.flatten() {
        let n = entry.file_name().to_string_lossy().into_owned();
        if let Some(s) = sheet_for(&n).filter(|_| n.to_ascii_lowercase().ends_with(".csv")) {
            found.insert(s, entry.path());
        }
    }
    let mut tables = BTreeMap::new();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for (sheet, p) in &found {
        let Some(bytes) = read_limited(p, limits, report) else {
            continue;
        };
        if let Some(t) = csv_table(&bytes, &display_name(p), sheet, report) {
            tables.insert(sheet.to_string(), t);
        }
        parts.push(bytes);
    }
    let digest = hex_digest(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    finish(tables, Vec::new(), digest, &display_name(path), report)
}

fn load_zip(
    bytes: &[u8],
    name: &str,
    digest: String,
    limits: &Limits,
    report: &mut Report,
) -> Option<Loaded> {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            report.error(Problem::at_file(name, "").says(format!(
                "the zip file is damaged or incomplete and cannot be opened ({e})"
            )));
            return None;
        }
    };
    let names: Vec<String> = (0..archive.len())
        .filter_map(|i| archive.name_for_index(i)?.ok().map(|n| n.into_owned()))
        .collect();
    if names.iter().any(|n| n == "xl/workbook.xml") || names.iter().any(|n| n == "content.xml") {
        report.error(Problem::at_file(name, "").says(
            "this is a spreadsheet workbook saved with a .zip name; rename it to .xlsx or .ods",
        ));
        return None;
    }
    let mut tables = BTreeMap::new();
    for entry_name in names {
        if entry_name.ends_with('/') || entry_name.contains("__MACOSX") {
            continue;
        }
        let Some(sheet) =
            sheet_for(&entry_name).filter(|_| entry_name.to_ascii_lowercase().ends_with(".csv"))
        else {
            continue;
        };
        let shown = format!("{name}: {entry_name}");
        let mut file = match archive.by_name(&entry_name) {
            Ok(f) => f,
            Err(e) => {
                report.error(Problem::at_file(&shown, "").says(format!(
                    "this file in the zip is damaged and cannot be read ({e})"
                )));
                continue;
            }
        };
        // Read at most one byte past the limit: a zip bomb stops here, whatever its
        // header claims.
        let mut buf = Vec::new();
        let read = (&mut file)
            .take(limits.max_file_bytes + 1)
            .read_to_end(&mut buf);
        if let Err(e) = read {
            report.error(Problem::at_file(&shown, "").says(format!(
                "this file in the zip is damaged or incomplete and cannot be read ({e})"
            )));
            continue;
        }
        // Only the first bytes past the limit were read, so the real size is unknown.
        if buf.len() as u64 > limits.max_file_bytes {
            report.error(Problem::at_file(&shown, "").says(format!(
                "this file in the zip unpacks to more than the limit of {}; split the return or ask the administrator to raise the limit",
                human_size(limits.max_file_bytes)
            )));
            continue;
        }
        if let Some(t) = csv_table(&buf, &shown, sheet, report) {
            tables.insert(sheet.to_string(), t);
        }
    }
    finish(tables, Vec::new(), digest, name, report)
}

fn finish(
    tables: BTreeMap<String, Table>,
    meta: Vec<(String, String)>,
    digest: String,
    name: &str,
    report: &mut Report,
) -> Option<Loaded> {
    if report.has_errors() {
        return None;
    }
    for sheet in ["settings", "workers"] {
        if !tables.contains_key(sheet) {
            report.error(Problem::at_file(name, sheet).says(format!(
                "the return has no {sheet} part: it needs a {sheet} sheet (or {sheet}.csv), one of the four parts settings, workers, leavers and vacancies"
            )));
        }
    }
    for sheet in ["leavers", "vacancies"] {
        if !tables.contains_key(sheet) {
            report.warning(Problem::at_file(name, sheet).says(format!(
                "the return has no {sheet} part; read as no {sheet}. If there were none, a {sheet} part with just its header row says so"
            )));
        }
    }
    if report.has_errors() {
        return None;
    }
    Some(Loaded {
        tables,
        meta,
        digest,
    })
}

/// Parse one CSV file, refusing binary data and encodings other than UTF-8.
pub fn csv_table(bytes: &[u8], file: &str, sheet: &str, report: &mut Report) -> Option<Table> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let problem = || Problem::at_file(file, sheet);
    if bytes.is_empty() {
        report.error(problem().says("the file is empty; it needs at least its header row"));
        return None;
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        report
            .error(problem().says(
                "the file is in UTF-16 (\"Unicode text\"); save it as \"CSV UTF-8\" instead",
            ));
        return None;
    }
    if bytes.iter().take(64 * 1024).any(|&b| b == 0) || bytes.starts_with(ZIP_MAGIC) {
        report.error(problem().says(
            "this is not a CSV file: it holds binary data (was another kind of file renamed .csv?)",
        ));
        return None;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            report.error(problem().row(line).value(&format!("byte 0x{:02X}", bytes[at])).says(
                "the file is not UTF-8 text (it looks like an older Windows or Excel encoding); save it as \"CSV UTF-8\" and submit again",
            ));
            return None;
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers = None;
    let mut rows = Vec::new();
    // Row numbers as a spreadsheet shows the file: the CSV reader skips blank lines, which
    // a spreadsheet shows as empty rows, while a quoted value spanning lines is one row.
    let mut row_no = 0;
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                report.error(
                    problem()
                        .row(row_no + 1)
                        .says(format!("this row cannot be read as CSV ({e})")),
                );
                return None;
            }
        };
        row_no += 1 + rec.position().map_or(0, |p| {
            blank_lines_before(text.as_bytes(), p.byte() as usize)
        });
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_string()).collect();
        if headers.is_none() {
            headers = Some(cells);
        } else if cells.iter().any(|c| !c.is_empty()) {
            rows.push((row_no, cells));
        }
    }
    let Some(headers) = headers else {
        report.error(problem().says("the file is empty; it needs at least its header row"));
        return None;
    };
    Some(Table {
        file: file.to_string(),
        sheet: sheet.to_string(),
        headers,
        rows,
    })
}

/// How many blank lines the CSV reader skipped before a record that it says starts at
/// byte `start` (its position covers the skipped lines, and begins inside the previous
/// row's CRLF when there is one).
fn blank_lines_before(text: &[u8], start: usize) -> usize {
    let mut i = start;
    if i > 0 && text[i - 1] == b'\r' && text.get(i) == Some(&b'\n') {
        i += 1;
    }
    let mut blanks = 0;
    while let Some(&b) = text.get(i) {
        match b {
            b'\n' => blanks += 1,
            b'\r' if text.get(i + 1) != Some(&b'\n') => blanks += 1,
            b'\r' => {}
            _ => break,
        }
        i += 1;
    }
    blanks
}

type WorkbookTables = (BTreeMap<String, Table>, Vec<(String, String)>);

fn workbook_tables<RS, R>(wb: &mut R, file: &str, report: &mut Report) -> WorkbookTables
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let mut tables = BTreeMap::new();
    let mut meta = Vec::new();
    for sheet_name in wb.sheet_names().to_vec() {
        let folded = sheet_name.trim().to_ascii_lowercase();
        let standard = sheet_for(&folded);
        if standard.is_none() && folded != "return" {
            continue;
        }
        let range = match wb.worksheet_range(&sheet_name) {
            Ok(r) => r,
            Err(e) => {
                report.error(
                    Problem::at_file(file, &sheet_name)
                        .says(format!("the sheet cannot be read ({e})")),
                );
                continue;
            }
        };
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut grid: Vec<(usize, Vec<String>)> = Vec::new();
        for (r, row) in range.rows().enumerate() {
            let row_no = row0 as usize + r + 1;
            let mut cells = Vec::with_capacity(row.len());
            for (c, cell) in row.iter().enumerate() {
                cells.push(cell_text(cell).unwrap_or_else(|err| {
                    report.error(
                        Problem::at_file(file, &sheet_name)
                            .row(row_no)
                            .column(&column_letter(col0 as usize + c))
                            .says(format!(
                                "the cell shows a spreadsheet error ({err}); put the value itself in the cell"
                            )),
                    );
                    String::new()
                }));
            }
            grid.push((row_no, cells));
        }
        // Formulas are refused: the stored value is whatever the spreadsheet last computed,
        // which may be stale, and the return must hold values the employer can see.
        if let Ok(formulas) = wb.worksheet_formula(&sheet_name) {
            let (f0, fc0) = formulas.start().unwrap_or((0, 0));
            let header = grid.first().map(|(_, h)| h.clone()).unwrap_or_default();
            for (r, c, f) in formulas.used_cells() {
                if f.is_empty() {
                    continue;
                }
                let abs_c = fc0 as usize + c;
                let col_name = abs_c
                    .checked_sub(col0 as usize)
                    .and_then(|i| header.get(i))
                    .filter(|h| !h.is_empty())
                    .cloned()
                    .unwrap_or_else(|| column_letter(abs_c));
                report.error(
                    Problem::at_file(file, &sheet_name)
                        .row(f0 as usize + r + 1)
                        .column(&col_name)
                        .value(&format!("={f}"))
                        .says("the cell holds a formula; copy the sheet and paste values only, then submit again"),
                );
            }
        }
        if folded == "return" {
            for (_, cells) in grid.iter().skip(1) {
                if let (Some(k), Some(v)) = (cells.first(), cells.get(1)) {
                    meta.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            continue;
        }
        let mut it = grid.into_iter();
        let headers = it.next().map(|(_, h)| h).unwrap_or_default();
        if headers.iter().all(String::is_empty) {
            report.error(
                Problem::at_file(file, &sheet_name)
                    .says("the sheet is empty; it needs at least its header row"),
            );
            continue;
        }
        let rows = it
            .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
            .collect();
        let sheet = standard.expect("checked above").to_string();
        tables.insert(
            sheet.clone(),
            Table {
                file: file.to_string(),
                sheet: sheet_name.clone(),
                headers,
                rows,
            },
        );
    }
    (tables, meta)
}

/// Spreadsheet column letters (0 -> A, 27 -> AB) for cells outside the header.
fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII letters")
}

/// A cell as the text the checks read; Err with the error shown for error cells.
fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        Data::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) => dt.date().format("%Y-%m-%d").to_string(),
            None => d.as_f64().to_string(),
        },
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_encodings_and_junk() {
        let mut r = Report::default();
        assert!(csv_table(b"\xEF\xBB\xBFa,b\n1,2\n", "x.csv", "x", &mut r).is_some());
        assert!(!r.has_errors());
        for bad in [
            &b""[..],
            b"\xFF\xFEa\x00,\x00",
            b"a,b\n\x00\x01\x02",
            b"a,b\ncaf\xE9,1\n",
        ] {
            let mut r = Report::default();
            assert!(csv_table(bad, "x.csv", "x", &mut r).is_none(), "{bad:?}");
            assert!(r.has_errors());
        }
        let mut r = Report::default();
        csv_table(b"a,b\n1,2\ncaf\xE9,1\n", "x.csv", "x", &mut r);
        assert_eq!(r.problems[0].row, Some(3));
    }

    #[test]
    fn sheet_names_and_letters() {
        assert_eq!(sheet_for("Workers.CSV"), Some("workers"));
        assert_eq!(sheet_for("return/settings.csv"), Some("settings"));
        assert_eq!(sheet_for("notes.csv"), None);
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(27), "AB");
    }
}
