//! Reading XLSX and ODS workbooks within the [`Limits`](crate::Limits).
//!
//! XLSX sheets are streamed cell by cell (calamine's dense `Range` is sized by the used
//! extent, so one cell at XFD1048576 asks for hundreds of GB) and laid out sparsely, each
//! cell checked against the limits as it arrives. ODS files are read by calamine, which
//! expands repeated cells and rows into a dense grid of every sheet as it opens the
//! file, so `content.xml` is scanned first: the expanded extent, area and text of every
//! sheet are checked before calamine allocates anything.

use calamine::{Data, DataRef, Ods, Reader, Xlsx, XlsxFormulaMetadata, expand_shared_formula};
use quick_xml::events::{BytesStart, Event};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufReader, Cursor, Read, Seek};

use crate::limits::{self, Budget, column_letter, thousands};
use crate::report::{Problem, Report};
use crate::source::{Table, claim_part, open_zip, sheet_for};

pub(crate) type WorkbookTables = (BTreeMap<String, Table>, Vec<(String, String)>);

/// A limit was passed: the problem is reported and reading stops.
struct Stop;

/// One sheet as read: (row number as the spreadsheet shows it, cells from the sheet's
/// first used column), rows in order, the first row (the header) as wide as the sheet.
/// Rows may be shorter than the header (cells past their last value are left out).
#[derive(Default)]
struct Grid {
    rows: Vec<(usize, Vec<String>)>,
    /// Column index of the first cell of every row.
    col0: u32,
    /// Formula cells: (row, column, formula), positions from 0.
    formulas: Vec<(u32, u32, String)>,
}

fn damaged(file: &str, e: impl std::fmt::Display) -> Problem {
    Problem::at_file(file, "").says(format!(
        "the workbook is damaged or not a spreadsheet that can be read ({e})"
    ))
}

/// Open a workbook's package and count what its parts unpack to (the sizes its
/// directory declares, which the zip reader enforces as it unpacks each part).
fn open_package<'b>(
    bytes: &'b [u8],
    file: &str,
    budget: &mut Budget,
    report: &mut Report,
) -> Option<zip::ZipArchive<Cursor<&'b [u8]>>> {
    let mut archive = match open_zip(bytes, file, "the workbook", budget.limits, report) {
        Some(a) => a,
        None => {
            // Say "workbook", not "zip", for a damaged workbook.
            if let Some(p) = report.problems.last_mut()
                && p.message.starts_with("the zip file is damaged")
            {
                *p = damaged(file, "its zip container cannot be opened");
            }
            return None;
        }
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        match archive.by_index_raw(i) {
            Ok(f) => total = total.saturating_add(f.size()),
            Err(e) => {
                report.error(damaged(file, e));
                return None;
            }
        }
    }
    if let Err(msg) = budget.unpack(total, "the workbook") {
        report.error(Problem::at_file(file, "").says(msg));
        return None;
    }
    Some(archive)
}

/// An XML reader over one part of a package.
fn part_xml<R: Read>(r: R) -> quick_xml::Reader<BufReader<R>> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(r));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    xml
}

fn attr_u64(e: &BytesStart, name: &str) -> Option<u64> {
    let a = e.try_get_attribute(name).ok()??;
    a.value.trim().parse().ok()
}

/// The sheets that hold parts of the return (and the `return` meta sheet), refusing two
/// sheets for one part.
fn return_sheets(
    names: &[String],
    file: &str,
    report: &mut Report,
) -> Option<Vec<(String, Option<&'static str>)>> {
    let mut seen = BTreeMap::new();
    let mut out = Vec::new();
    for sheet_name in names {
        let folded = sheet_name.trim().to_ascii_lowercase();
        let standard = sheet_for(&folded);
        if standard.is_none() && folded != "return" {
            continue;
        }
        if let Some(part) = standard
            && !claim_part(&mut seen, part, sheet_name, file, "sheets", report)
        {
            continue;
        }
        out.push((sheet_name.clone(), standard));
    }
    (!report.has_errors()).then_some(out)
}

/// Add one read sheet to the tables (or the meta of the `return` sheet), reporting
/// formulas with the header name of their column.
fn add_sheet(
    grid: Grid,
    sheet_name: &str,
    standard: Option<&'static str>,
    file: &str,
    out: &mut WorkbookTables,
    report: &mut Report,
) {
    // Formulas are refused: the stored value is whatever the spreadsheet last computed,
    // which may be stale, and the return must hold values the employer can see.
    let header: &[String] = grid.rows.first().map(|(_, h)| h.as_slice()).unwrap_or(&[]);
    for (r, c, f) in &grid.formulas {
        let col_name = c
            .checked_sub(grid.col0)
            .and_then(|i| header.get(i as usize))
            .filter(|h| !h.is_empty())
            .cloned()
            .unwrap_or_else(|| column_letter((*c).into()));
        report.error(
            Problem::at_file(file, sheet_name)
                .row(*r as usize + 1)
                .column(&col_name)
                .value(&format!("={f}"))
                .says("the cell holds a formula; copy the sheet and paste values only, then submit again"),
        );
    }
    let Some(standard) = standard else {
        for (_, cells) in grid.rows.iter().skip(1) {
            if let Some(k) = cells.first() {
                let v = cells.get(1).map(String::as_str).unwrap_or("");
                out.1
                    .push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        return;
    };
    let mut it = grid.rows.into_iter();
    let headers = it.next().map(|(_, h)| h).unwrap_or_default();
    if headers.iter().all(String::is_empty) {
        report.error(
            Problem::at_file(file, sheet_name)
                .says("the sheet is empty; it needs at least its header row"),
        );
        return;
    }
    let rows = it
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .collect();
    out.0.insert(
        standard.to_string(),
        Table {
            file: file.to_string(),
            sheet: sheet_name.to_string(),
            headers,
            rows,
        },
    );
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

fn error_cell(file: &str, sheet: &str, row: u64, col: u64, err: &str) -> Problem {
    Problem::at_file(file, sheet)
        .row(row as usize + 1)
        .column(&column_letter(col))
        .says(format!(
            "the cell shows a spreadsheet error ({err}); put the value itself in the cell"
        ))
}

// ---------------------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------------------

pub(crate) fn xlsx_tables(
    bytes: &[u8],
    file: &str,
    budget: &mut Budget,
    report: &mut Report,
) -> Option<WorkbookTables> {
    read_workbook::<Xlsx<_>>(
        bytes,
        file,
        budget,
        report,
        |archive, budget, report| check_shared_strings(archive, file, budget, report),
        |wb, sheet, budget, report| xlsx_grid(wb, sheet, file, budget, report),
    )
}

/// Read a workbook: check its package (and what `check` scans) within the limits before
/// calamine opens it, then read each sheet of the return with `sheet`.
fn read_workbook<'b, R>(
    bytes: &'b [u8],
    file: &str,
    budget: &mut Budget,
    report: &mut Report,
    check: impl FnOnce(
        &mut zip::ZipArchive<Cursor<&'b [u8]>>,
        &mut Budget,
        &mut Report,
    ) -> Result<(), Stop>,
    mut sheet: impl FnMut(&mut R, &str, &mut Budget, &mut Report) -> Result<Option<Grid>, Stop>,
) -> Option<WorkbookTables>
where
    R: Reader<Cursor<&'b [u8]>>,
    R::Error: std::fmt::Display,
{
    let mut archive = open_package(bytes, file, budget, report)?;
    check(&mut archive, budget, report).ok()?;
    drop(archive);
    let mut wb = match R::new(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(e) => {
            report.error(damaged(file, e));
            return None;
        }
    };
    let mut out = WorkbookTables::default();
    for (sheet_name, standard) in return_sheets(&wb.sheet_names(), file, report)? {
        match sheet(&mut wb, &sheet_name, budget, report) {
            Ok(Some(grid)) => add_sheet(grid, &sheet_name, standard, file, &mut out, report),
            Ok(None) => {}
            Err(Stop) => return None,
        }
    }
    Some(out)
}

/// calamine reserves room for as many shared strings as the workbook declares and keeps
/// every one: both are bounded by the cells a return may have.
fn check_shared_strings(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    file: &str,
    budget: &Budget,
    report: &mut Report,
) -> Result<(), Stop> {
    let limits = budget.limits;
    for i in 0..archive.len() {
        let Ok(part) = archive.by_index(i) else {
            continue;
        };
        if !part
            .name()
            .unwrap_or_default()
            .to_ascii_lowercase()
            .ends_with("sharedstrings.xml")
        {
            continue;
        }
        let mut xml = part_xml(part);
        let mut buf = Vec::new();
        let mut count = 0u64;
        loop {
            let (declared, si) = match xml.read_event_into(&mut buf) {
                Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                    "sst" => (attr_u64(&e, "uniqueCount"), false),
                    "si" => (None, true),
                    _ => (None, false),
                },
                Ok(Event::Eof) => break,
                Ok(_) => (None, false),
                Err(e) => {
                    report.error(damaged(file, e));
                    return Err(Stop);
                }
            };
            count += u64::from(si);
            let n = declared.unwrap_or(count);
            if n > limits.max_cells {
                report.error(Problem::at_file(file, "").says(format!(
                    "the workbook's table of shared text {} {} entries, more than the {} cells a return may have (the limit on cells per return); {}",
                    if declared.is_some() { "declares" } else { "holds at least" },
                    thousands(n),
                    thousands(limits.max_cells),
                    limits::RAISE
                )));
                return Err(Stop);
            }
            buf.clear();
        }
    }
    Ok(())
}

/// Stream one XLSX sheet, checking each cell against the limits as it arrives.
/// Ok(None) when the sheet cannot be read (reported); Err(Stop) past a limit.
fn xlsx_grid<RS: Read + Seek>(
    wb: &mut Xlsx<RS>,
    sheet: &str,
    file: &str,
    budget: &mut Budget,
    report: &mut Report,
) -> Result<Option<Grid>, Stop> {
    let limits = budget.limits;
    let at = || Problem::at_file(file, sheet);
    let mut reader = match wb.worksheet_cells_reader(sheet) {
        Ok(r) => r,
        // A chart sheet named like a part reads as an empty sheet, as before.
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(Some(Grid::default())),
        Err(e) => {
            report.error(at().says(format!("the sheet cannot be read ({e})")));
            return Ok(None);
        }
    };
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    let mut formulas: Vec<(u32, u32, String)> = Vec::new();
    let mut anchors: HashMap<usize, (String, (u32, u32))> = HashMap::new();
    let (mut min_row, mut max_row, mut min_col, mut max_col) = (u32::MAX, 0u32, u32::MAX, 0u32);
    let mut area = 0u64;
    loop {
        let rec = match reader.next_cell_with_formula_metadata() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                report.error(at().says(format!("the sheet cannot be read ({e})")));
                return Ok(None);
            }
        };
        let (row, col) = rec.pos;
        let has_value = !matches!(rec.value, DataRef::Empty);
        if !has_value && rec.formula.is_none() {
            continue;
        }
        if col as usize >= limits.max_columns {
            report.error(
                at().row(row as usize + 1)
                    .column(&column_letter(col.into()))
                    .says(limits::cell_past_columns(col.into(), limits)),
            );
            return Err(Stop);
        }
        if row as usize >= limits.max_rows {
            report.error(
                at().row(row as usize + 1)
                    .column(&column_letter(col.into()))
                    .says(limits::row_past_rows(u64::from(row) + 1, limits)),
            );
            return Err(Stop);
        }
        if let Some(f) = rec.formula {
            let text = match f {
                XlsxFormulaMetadata::Normal { formula } => formula,
                XlsxFormulaMetadata::Shared {
                    shared_index,
                    range,
                    formula,
                } => {
                    let start = range.map_or(rec.pos, |r| r.start);
                    anchors.insert(shared_index, (formula.clone(), start));
                    formula
                }
                XlsxFormulaMetadata::SharedDerived { shared_index } => anchors
                    .get(&shared_index)
                    .and_then(|(f, start)| expand_shared_formula(f, *start, rec.pos).ok())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            if !text.is_empty() {
                // Shown cut short in the report anyway.
                formulas.push((row, col, text.chars().take(100).collect()));
            }
        }
        // The area a spreadsheet lays out (column A to the last filled column, first to
        // last filled row), plus formula cells: bounded by the cells left for the return.
        if has_value {
            min_row = min_row.min(row);
            max_row = max_row.max(row);
            min_col = min_col.min(col);
            max_col = max_col.max(col);
            area = u64::from(max_row - min_row + 1) * (u64::from(max_col) + 1);
        }
        let used = area + formulas.len() as u64;
        if used > budget.cells_left() {
            let total = limits.max_cells - budget.cells_left() + used;
            report.error(
                at().row(row as usize + 1)
                    .column(&column_letter(col.into()))
                    .says(limits::too_many_cells(total, limits)),
            );
            return Err(Stop);
        }
        if !has_value {
            continue;
        }
        let text = cell_text(&Data::from(rec.value)).unwrap_or_else(|err| {
            report.error(error_cell(file, sheet, row.into(), col.into(), &err));
            String::new()
        });
        cells.push((row, col, text));
    }
    budget.cells(area + formulas.len() as u64);
    // Rows in order (they nearly always are); a cell given twice keeps its last value.
    cells.sort_by_key(|&(r, c, _)| (r, c));
    let width = if cells.is_empty() {
        0
    } else {
        (max_col - min_col + 1) as usize
    };
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    for (r, c, text) in cells {
        let row_no = r as usize + 1;
        if rows.last().is_none_or(|(n, _)| *n != row_no) {
            rows.push((row_no, Vec::new()));
        }
        let row = &mut rows.last_mut().expect("just pushed").1;
        let i = (c - min_col) as usize;
        if row.len() <= i {
            row.resize(i + 1, String::new());
        }
        row[i] = text;
    }
    if let Some((_, header)) = rows.first_mut() {
        header.resize(width, String::new());
    }
    Ok(Some(Grid {
        rows,
        col0: if min_col == u32::MAX { 0 } else { min_col },
        formulas,
    }))
}

// ---------------------------------------------------------------------------------------
// ODS
// ---------------------------------------------------------------------------------------

pub(crate) fn ods_tables(
    bytes: &[u8],
    file: &str,
    budget: &mut Budget,
    report: &mut Report,
) -> Option<WorkbookTables> {
    read_workbook::<Ods<_>>(
        bytes,
        file,
        budget,
        report,
        |archive, budget, report| match archive.by_name("content.xml") {
            Ok(content) => scan_ods_content(content, file, budget, report),
            // calamine says what is missing.
            Err(_) => Ok(()),
        },
        |wb, sheet, _, report| Ok(dense_grid(wb, sheet, file, report)),
    )
}

/// A sheet through calamine's dense ranges (for ODS, whose extent was checked first).
fn dense_grid<RS, R>(wb: &mut R, sheet: &str, file: &str, report: &mut Report) -> Option<Grid>
where
    RS: Read + Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let range = match wb.worksheet_range(sheet) {
        Ok(r) => r,
        Err(e) => {
            report.error(
                Problem::at_file(file, sheet).says(format!("the sheet cannot be read ({e})")),
            );
            return None;
        }
    };
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (r, row) in range.rows().enumerate() {
        let row_no = row0 as usize + r + 1;
        let cells = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                cell_text(cell).unwrap_or_else(|err| {
                    let col = u64::from(col0) + c as u64;
                    report.error(error_cell(file, sheet, row_no as u64 - 1, col, &err));
                    String::new()
                })
            })
            .collect();
        rows.push((row_no, cells));
    }
    let mut formulas = Vec::new();
    if let Ok(f) = wb.worksheet_formula(sheet) {
        let (f0, fc0) = f.start().unwrap_or((0, 0));
        for (r, c, text) in f.used_cells() {
            if !text.is_empty() {
                formulas.push((f0 + r as u32, fc0 + c as u32, text.clone()));
            }
        }
    }
    Some(Grid {
        rows,
        col0,
        formulas,
    })
}

/// What the scan knows of the sheet being read.
#[derive(Default)]
struct OdsSheet {
    name: String,
    /// Next row position (from 0), after repeats.
    row: u64,
    /// First row holding a value, and the row after the last.
    first: Option<u64>,
    end: u64,
    /// The column after the last value in any row.
    width: u64,
}

/// What the scan knows of the row being read.
#[derive(Default)]
struct OdsRow {
    repeats: u64,
    col: u64,
    /// The column after the last value.
    end: u64,
    /// Text of the row's values, times their column repeats.
    text: u64,
}

/// What the scan knows of the cell being read.
struct OdsCell {
    repeats: u64,
    filled: bool,
    text: u64,
    depth: u32,
}

/// Scan an ODS `content.xml` before calamine reads it: calamine expands repeated rows and
/// cells holding a value into a dense grid of every sheet (repeats of empty cells and rows
/// are kept as counts unless a value follows). Only cells holding something count, so
/// the huge empty repeats that end every LibreOffice sheet pass.
fn scan_ods_content<R: Read>(
    content: R,
    file: &str,
    budget: &mut Budget,
    report: &mut Report,
) -> Result<(), Stop> {
    let limits = budget.limits;
    let mut xml = part_xml(content);
    let mut buf = Vec::new();
    let mut sheet: Option<OdsSheet> = None;
    let mut row: Option<OdsRow> = None;
    let mut cell: Option<OdsCell> = None;
    loop {
        let ev = match xml.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                report.error(damaged(file, e));
                return Err(Stop);
            }
        };
        let empty = matches!(ev, Event::Empty(_));
        if let Some(c) = cell.as_mut() {
            match ev {
                Event::Start(e) | Event::Empty(e) => {
                    // calamine writes `text:c` spaces for each <text:s>.
                    if e.name().as_ref() == "text:s" {
                        let n = attr_u64(&e, "text:c").unwrap_or(1);
                        c.text = c.text.saturating_add(n);
                    }
                    if !empty {
                        c.depth += 1;
                    }
                }
                Event::Text(t) => c.text += t.len() as u64,
                Event::CData(t) => c.text += t.len() as u64,
                Event::GeneralRef(_) => c.text += 1,
                Event::End(_) => {
                    c.depth -= 1;
                    if c.depth == 0 {
                        let c = cell.take().expect("in a cell");
                        if let Some(r) = row.as_mut() {
                            end_ods_cell(r, &c);
                        }
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
            continue;
        }
        match ev {
            Event::Start(e) if e.name().as_ref() == "table:table" && sheet.is_none() => {
                let name = e
                    .try_get_attribute("table:name")
                    .ok()
                    .flatten()
                    .map(|a| a.value.into_owned())
                    .unwrap_or_default();
                sheet = Some(OdsSheet {
                    name,
                    ..OdsSheet::default()
                });
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                if let Some(s) = sheet.take() {
                    let area = s.first.map_or(0, |f| (s.end - f).saturating_mul(s.width));
                    if !budget.cells(area) {
                        report.error(Problem::at_file(file, &s.name).says(limits::too_many_cells(
                            limits.max_cells - budget.cells_left() + area,
                            limits,
                        )));
                        return Err(Stop);
                    }
                }
            }
            Event::Start(e) if e.name().as_ref() == "table:table-row" && sheet.is_some() => {
                row = Some(OdsRow {
                    repeats: attr_u64(&e, "table:number-rows-repeated").unwrap_or(1),
                    ..OdsRow::default()
                });
            }
            Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                if let Some(s) = sheet.as_mut() {
                    let n = attr_u64(&e, "table:number-rows-repeated").unwrap_or(1);
                    s.row = s.row.saturating_add(n);
                }
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if let (Some(r), Some(s)) = (row.take(), sheet.as_mut()) {
                    end_ods_row(s, &r, file, budget, report)?;
                }
            }
            Event::Start(e) | Event::Empty(e)
                if row.is_some()
                    && (e.name().as_ref() == "table:table-cell"
                        || e.name().as_ref() == "table:covered-table-cell") =>
            {
                let c = OdsCell {
                    repeats: attr_u64(&e, "table:number-columns-repeated").unwrap_or(1),
                    filled: holds_value(&e),
                    text: e.len() as u64,
                    depth: 1,
                };
                if empty {
                    end_ods_cell(row.as_mut().expect("in a row"), &c);
                } else {
                    cell = Some(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

/// Whether calamine reads a value (or formula) for this cell: one of the value
/// attributes, or a string type whose text is the value (even when empty).
fn holds_value(e: &BytesStart) -> bool {
    e.attributes().with_checks(false).flatten().any(|a| {
        matches!(
            a.key.as_ref(),
            "office:value-type"
                | "office:value"
                | "office:string-value"
                | "office:date-value"
                | "office:time-value"
                | "office:boolean-value"
                | "table:formula"
        )
    })
}

fn end_ods_cell(r: &mut OdsRow, c: &OdsCell) {
    r.col = r.col.saturating_add(c.repeats);
    if c.filled {
        r.end = r.col;
        r.text = r.text.saturating_add(c.text.saturating_mul(c.repeats));
    }
}

fn end_ods_row(
    s: &mut OdsSheet,
    r: &OdsRow,
    file: &str,
    budget: &mut Budget,
    report: &mut Report,
) -> Result<(), Stop> {
    let limits = budget.limits;
    let at = || Problem::at_file(file, &s.name);
    let start = s.row;
    s.row = s.row.saturating_add(r.repeats);
    if r.end == 0 {
        return Ok(());
    }
    if r.end > limits.max_columns as u64 {
        report.error(
            at().row(start as usize + 1)
                .column(&column_letter(r.end - 1))
                .says(limits::cell_past_columns(r.end - 1, limits)),
        );
        return Err(Stop);
    }
    if s.row > limits.max_rows as u64 {
        report.error(
            at().row(start as usize + 1)
                .says(limits::row_past_rows(s.row, limits)),
        );
        return Err(Stop);
    }
    let first = *s.first.get_or_insert(start);
    s.end = s.row;
    s.width = s.width.max(r.end);
    let area = (s.end - first).saturating_mul(s.width);
    if area > budget.cells_left() {
        report.error(at().row(start as usize + 1).says(limits::too_many_cells(
            limits.max_cells - budget.cells_left() + area,
            limits,
        )));
        return Err(Stop);
    }
    if let Err(msg) = budget.unpack(
        r.text.saturating_mul(r.repeats),
        "the text of the sheet's repeated cells",
    ) {
        report.error(at().row(start as usize + 1).says(msg));
        return Err(Stop);
    }
    Ok(())
}
