//! Turning what the employer handed over (a folder or zip of CSV files, or an XLSX/ODS
//! workbook) into plain tables of text cells, refusing anything that is not what it
//! claims to be: binary junk, broken zips, wrong encodings, formula cells, oversized files,
//! and anything past the [`Limits`] on untrusted files (checked as the file is read, so a
//! hostile file is refused before it takes the memory).

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

pub use crate::limits::Limits;
use crate::limits::{self, Budget, human_size};
use crate::report::{Problem, Report};
use crate::workbook;

/// The four parts of a return, in the order they are checked.
pub const SHEETS: [&str; 4] = ["settings", "workers", "leavers", "vacancies"];

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
    // Read at most one byte past the limit, in case the file grows after the check.
    let mut buf = Vec::new();
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(limits.max_file_bytes + 1).read_to_end(&mut buf));
    match read {
        Ok(_) if buf.len() as u64 > limits.max_file_bytes => {
            report.error(too_big(&name, buf.len() as u64, limits).expect("over the limit"));
            None
        }
        Ok(_) => Some(buf),
        Err(e) => {
            report.error(Problem::at_file(&name, "").says(format!("cannot read the file: {e}")));
            None
        }
    }
}

pub(crate) fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];

/// Load a return from a folder, a zip of CSV files, or a workbook.
pub fn load(path: &Path, limits: &Limits, report: &mut Report) -> Option<Loaded> {
    let name = display_name(path);
    let mut budget = Budget::new(limits);
    if path.is_dir() {
        return load_dir(path, &mut budget, report);
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
        "xlsx" | "xlsm" => workbook::xlsx_tables(&bytes, &name, &mut budget, report),
        "ods" => workbook::ods_tables(&bytes, &name, &mut budget, report),
        "xls" => {
            // calamine reads every sheet of an XLS file into a dense grid as it opens it,
            // so a tiny file can ask for gigabytes; it cannot be read within the limits.
            report.error(Problem::at_file(&name, "").says(
                "workbooks in the old Excel 97-2003 format (.xls) are not accepted, as they cannot be read safely within the limits on untrusted files; open it in Excel or LibreOffice, save it as an Excel Workbook (.xlsx) and submit that",
            ));
            return None;
        }
        _ => return load_zip(&bytes, &name, digest, &mut budget, report),
    };
    let (tables, meta) = tables?;
    finish(tables, meta, digest, &name, report)
}

fn hex_digest(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Which standard sheet a file or sheet name stands for ("Workers.CSV" -> workers).
pub(crate) fn sheet_for(name: &str) -> Option<&'static str> {
    let stem = name
        .rsplit('/')
        .next()
        .unwrap_or(name)
        .trim()
        .to_ascii_lowercase();
    let stem = stem.strip_suffix(".csv").unwrap_or(&stem);
    SHEETS.iter().copied().find(|s| *s == stem)
}

/// The part a file of a folder or zip holds, if it is one of the four CSV files.
fn csv_part(name: &str) -> Option<&'static str> {
    sheet_for(name).filter(|_| name.to_ascii_lowercase().ends_with(".csv"))
}

/// Remember which file or sheet holds each part, refusing a second one for the same part
/// (the later would silently replace the earlier).
pub(crate) fn claim_part(
    seen: &mut BTreeMap<&'static str, String>,
    part: &'static str,
    name: &str,
    file: &str,
    kind: &str,
    report: &mut Report,
) -> bool {
    if let Some(first) = seen.get(part) {
        report.error(Problem::at_file(file, "").says(format!(
            "the return holds the {part} part twice: {kind} '{first}' and '{name}'; keep one and submit again"
        )));
        return false;
    }
    seen.insert(part, name.to_string());
    true
}

fn load_dir(path: &Path, budget: &mut Budget, report: &mut Report) -> Option<Loaded> {
    let limits = budget.limits;
    let folder = display_name(path);
    let entries = match std::fs::read_dir(path) {
        Ok(e) => e,
        Err(e) => {
            report
                .error(Problem::at_file(&folder, "").says(format!("cannot read the folder: {e}")));
            return None;
        }
    };
    let mut seen: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut found: BTreeMap<&'static str, std::path::PathBuf> = BTreeMap::new();
    let mut count = 0u64;
    for entry in entries.flatten() {
        count += 1;
        if count > limits.max_entries as u64 {
            report.error(
                Problem::at_file(&folder, "").says(
                    limits::too_many_entries("the folder", count, limits)
                        .replace("holds ", "holds at least "),
                ),
            );
            return None;
        }
        let n = entry.file_name().to_string_lossy().into_owned();
        if let Some(s) = csv_part(&n)
            && claim_part(&mut seen, s, &n, &folder, "files", report)
        {
            found.insert(s, entry.path());
        }
    }
    if report.has_errors() {
        return None;
    }
    let mut tables = BTreeMap::new();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for (sheet, p) in &found {
        let shown = display_name(p);
        let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        if let Err(msg) = budget.unpack(size.min(limits.max_file_bytes), "the folder's CSV files") {
            report.error(Problem::at_file(&shown, sheet).says(msg));
            return None;
        }
        let Some(bytes) = read_limited(p, limits, report) else {
            continue;
        };
        if let Some(t) = csv_table(&bytes, &shown, sheet, budget, report) {
            tables.insert(sheet.to_string(), t);
        }
        parts.push(bytes);
    }
    let digest = hex_digest(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>());
    finish(tables, Vec::new(), digest, &folder, report)
}

/// The number of entries a zip's end record declares, read before the archive is opened
/// (opening it reads the whole central directory into memory). None when it cannot be
/// found, in which case the archive's own count is checked once it is open.
fn declared_entries(bytes: &[u8]) -> Option<u64> {
    const EOCD: [u8; 4] = [0x50, 0x4B, 0x05, 0x06];
    let last = bytes.len().checked_sub(22)?;
    let first = last.saturating_sub(65_535);
    let pos = (first..=last).rev().find(|&i| bytes[i..i + 4] == EOCD)?;
    let total = u16::from_le_bytes([bytes[pos + 10], bytes[pos + 11]]);
    if total != 0xFFFF {
        return Some(total.into());
    }
    // ZIP64: the locator just before the end record points at the ZIP64 end record.
    let loc = bytes.get(pos.checked_sub(20)?..pos)?;
    if loc[..4] != [0x50, 0x4B, 0x06, 0x07] {
        return None;
    }
    let at = usize::try_from(u64::from_le_bytes(loc[8..16].try_into().ok()?)).ok()?;
    let rec = bytes.get(at..at.checked_add(40)?)?;
    if rec[..4] != [0x50, 0x4B, 0x06, 0x06] {
        return None;
    }
    Some(u64::from_le_bytes(rec[32..40].try_into().ok()?))
}

/// Open a zip (of CSV files, or a workbook package) within the limit on entries.
pub(crate) fn open_zip<'b>(
    bytes: &'b [u8],
    name: &str,
    what: &str,
    limits: &Limits,
    report: &mut Report,
) -> Option<zip::ZipArchive<Cursor<&'b [u8]>>> {
    let over = |n: u64| Problem::at_file(name, "").says(limits::too_many_entries(what, n, limits));
    if let Some(n) = declared_entries(bytes)
        && n > limits.max_entries as u64
    {
        report.error(over(n));
        return None;
    }
    let archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            report.error(Problem::at_file(name, "").says(format!(
                "the zip file is damaged or incomplete and cannot be opened ({e})"
            )));
            return None;
        }
    };
    if archive.len() > limits.max_entries {
        report.error(over(archive.len() as u64));
        return None;
    }
    Some(archive)
}

fn load_zip(
    bytes: &[u8],
    name: &str,
    digest: String,
    budget: &mut Budget,
    report: &mut Report,
) -> Option<Loaded> {
    let limits = budget.limits;
    let mut archive = open_zip(bytes, name, "the zip file", limits, report)?;
    let names: Vec<String> = (0..archive.len())
        .filter_map(|i| archive.name_for_index(i)?.ok().map(|n| n.into_owned()))
        .collect();
    if names.iter().any(|n| n == "xl/workbook.xml") || names.iter().any(|n| n == "content.xml") {
        report.error(Problem::at_file(name, "").says(
            "this is a spreadsheet workbook saved with a .zip name; rename it to .xlsx or .ods",
        ));
        return None;
    }
    // Which entry holds each part, refusing a part given twice before anything is unpacked.
    let mut seen: BTreeMap<&'static str, String> = BTreeMap::new();
    for entry_name in &names {
        if entry_name.ends_with('/') || entry_name.contains("__MACOSX") {
            continue;
        }
        if let Some(sheet) = csv_part(entry_name) {
            claim_part(&mut seen, sheet, entry_name, name, "entries", report);
        }
    }
    if report.has_errors() {
        return None;
    }
    let mut tables = BTreeMap::new();
    for (sheet, entry_name) in seen {
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
        // Read at most one byte past the limits (per file, and what is left of the
        // return's total): a zip bomb stops here, whatever its header claims.
        let cap = limits.max_file_bytes.min(budget.unpacked_left());
        let mut buf = Vec::new();
        let read = (&mut file).take(cap + 1).read_to_end(&mut buf);
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
            return None;
        }
        if let Err(msg) = budget.unpack(buf.len() as u64, "the zip file") {
            report.error(Problem::at_file(&shown, "").says(msg));
            return None;
        }
        match csv_table(&buf, &shown, sheet, budget, report) {
            Some(t) => {
                tables.insert(sheet.to_string(), t);
            }
            // Past a limit: stop rather than unpack the rest.
            None if report.has_errors() => return None,
            None => {}
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

/// Parse one CSV file, refusing binary data, encodings other than UTF-8, and anything
/// past the limits on columns per row, rows per sheet and cells per return (checked as
/// each record is read, stopping at the first excess).
pub(crate) fn csv_table(
    bytes: &[u8],
    file: &str,
    sheet: &str,
    budget: &mut Budget,
    report: &mut Report,
) -> Option<Table> {
    let limits = budget.limits;
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
    // A record of millions of fields would be laid out whole by the CSV reader before it
    // could be counted: count fields first, without allocating.
    if let Some((row, columns)) = first_wide_record(text.as_bytes(), limits.max_columns) {
        report.error(
            problem()
                .row(row)
                .says(limits::too_many_columns(columns, limits)),
        );
        return None;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers = None;
    let mut rows = Vec::new();
    // Row numbers as a spreadsheet shows the file: the CSV reader skips blank lines, which
    // a spreadsheet shows as empty rows, while a quoted value spanning lines is one row.
    let mut row_no = 0;
    let mut rec = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                report.error(
                    problem()
                        .row(row_no + 1)
                        .says(format!("this row cannot be read as CSV ({e})")),
                );
                return None;
            }
        }
        row_no += 1 + rec.position().map_or(0, |p| {
            blank_lines_before(text.as_bytes(), p.byte() as usize)
        });
        if rec.len() > limits.max_columns {
            report.error(
                problem()
                    .row(row_no)
                    .says(limits::too_many_columns(rec.len() as u64, limits)),
            );
            return None;
        }
        if row_no > limits.max_rows {
            report.error(
                problem()
                    .row(row_no)
                    .says(limits::row_past_rows(row_no as u64, limits)),
            );
            return None;
        }
        if !budget.cells(rec.len() as u64) {
            let at_least = limits.max_cells - budget.cells_left() + rec.len() as u64;
            report.error(
                problem()
                    .row(row_no)
                    .says(limits::too_many_cells(at_least, limits)),
            );
            return None;
        }
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

/// The first record with more than `max` fields, as (row as a spreadsheet shows it, its
/// fields), read the way the CSV reader does (quotes open a field, `""` inside quotes is a
/// quote) but only counting.
fn first_wide_record(text: &[u8], max: usize) -> Option<(usize, u64)> {
    #[derive(Clone, Copy, PartialEq)]
    enum At {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let (mut at, mut fields, mut row) = (At::FieldStart, 1u64, 1usize);
    let mut wide = None;
    for (i, &b) in text.iter().enumerate() {
        let in_quotes = at == At::Quoted;
        let ends_record =
            !in_quotes && (b == b'\n' || (b == b'\r' && text.get(i + 1) != Some(&b'\n')));
        if ends_record {
            if wide.is_some() {
                return wide.map(|r| (r, fields));
            }
            row += 1;
            fields = 1;
            at = At::FieldStart;
            continue;
        }
        at = match (at, b) {
            (At::FieldStart, b'"') | (At::QuoteInQuoted, b'"') => At::Quoted,
            (At::Quoted, b'"') => At::QuoteInQuoted,
            (At::Quoted, _) => At::Quoted,
            (_, b',') => {
                fields += 1;
                if fields > max as u64 && wide.is_none() {
                    wide = Some(row);
                }
                At::FieldStart
            }
            (_, b'\r') => at,
            _ => At::Unquoted,
        };
    }
    wide.map(|r| (r, fields))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(bytes: &[u8], r: &mut Report) -> Option<Table> {
        let limits = Limits::default();
        csv_table(bytes, "x.csv", "x", &mut Budget::new(&limits), r)
    }

    #[test]
    fn csv_encodings_and_junk() {
        let mut r = Report::default();
        assert!(csv(b"\xEF\xBB\xBFa,b\n1,2\n", &mut r).is_some());
        assert!(!r.has_errors());
        for bad in [
            &b""[..],
            b"\xFF\xFEa\x00,\x00",
            b"a,b\n\x00\x01\x02",
            b"a,b\ncaf\xE9,1\n",
        ] {
            let mut r = Report::default();
            assert!(csv(bad, &mut r).is_none(), "{bad:?}");
            assert!(r.has_errors());
        }
        let mut r = Report::default();
        csv(b"a,b\n1,2\ncaf\xE9,1\n", &mut r);
        assert_eq!(r.problems[0].row, Some(3));
    }

    #[test]
    fn wide_records_are_found_by_counting() {
        assert_eq!(first_wide_record(b"a,b\n1,2\n", 2), None);
        assert_eq!(first_wide_record(b"a,b\n1,2,3\n", 2), Some((2, 3)));
        // Commas inside quotes (and quoted quotes) are not separators; a quoted line break
        // is inside one row.
        assert_eq!(
            first_wide_record(b"a,b\n\"x,\"\"y\"\"\n,z\",2\n1,2,3,4", 2),
            Some((3, 4))
        );
        assert_eq!(first_wide_record(b"a,b\r\n\r\n1,2,3\r\n", 2), Some((3, 3)));
    }

    #[test]
    fn sheet_names() {
        assert_eq!(sheet_for("Workers.CSV"), Some("workers"));
        assert_eq!(sheet_for("return/settings.csv"), Some("settings"));
        assert_eq!(sheet_for("notes.csv"), None);
    }
}
