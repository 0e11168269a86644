//! Writing a publication as files people open: one CSV per table (machine-readable:
//! codes and labels, fractions not percentages, `c` for a suppressed figure) and one
//! XLSX workbook with a contents sheet, a notes sheet and a sheet per table.

use crate::assemble::{Publication, Table};
use anyhow::{Context, Result};
use observatory_analysis::{MeasureKind, Method, ResultRow};
use observatory_domain::charts::thousands;
use observatory_domain::export::safe_record;
use observatory_domain::{Codes, codes};
use rust_xlsxwriter::{Format, FormatAlign, Url, Workbook};
use std::path::{Path, PathBuf};

/// How a figure reads to people: percentages for rates, pounds for pay, thousands
/// separators for counts, `c` when suppressed.
pub fn human(t: &Table, v: Option<f64>, suppressed: bool) -> String {
    if suppressed {
        return "c".into();
    }
    let Some(v) = v else {
        return "..".into();
    };
    if t.is_rate() || t.result.measure == "gender_pay_gap" {
        format!("{:.1}%", v * 100.0)
    } else if t.result.measure.contains("pay") {
        format!("£{}", thousands(v.round()))
    } else if v.fract().abs() > 1e-9 {
        format!("{v:.1}")
    } else {
        thousands(v)
    }
}

/// How the figures were protected, in words.
pub fn protection(p: &Publication) -> String {
    let d = &p.disclosure;
    let t = p.control.threshold;
    match p.control.method {
        Method::Suppression => format!(
            "c = suppressed to protect individuals: fewer than {t} people behind the figure, its numerator or its denominator (primary suppression), or hidden so that such a figure cannot be worked out from the totals shown (secondary suppression). All tables were protected together: {} figures were suppressed primarily and {} secondarily, and every suppressed figure was checked by linear programming to be impossible to narrow down from the published figures.",
            d.primary, d.secondary
        ),
        Method::Rounding { base, total_base } => format!(
            "Counts are rounded to the nearest {base} and totals to the nearest {total_base} to protect individuals, so figures may not add up to the totals shown; rates are computed from the rounded figures. c = suppressed: a rate whose denominator is fewer than {t} people ({} figures).",
            d.primary
        ),
    }
}

/// The notes every output carries: what the marks mean and how figures were protected.
pub fn notes(p: &Publication) -> Vec<String> {
    vec![
        format!(
            "Source: Children's Workforce Observatory census of {}. Figures are for filled posts and people on the census date; leavers are posts ended in the 12 months before it.",
            p.census_date
        ),
        protection(p),
        ".. = no figure: nothing to divide by (for example a rate for a group with no posts).".into(),
        "Total rows and columns are computed from all records, not summed from the rounded or shown cells; headcount totals count a person with posts in several groups once.".into(),
        "Rates and shares are fractions in the CSV files (0.125) and percentages in the workbook and report (12.5%). Pay excludes volunteers.".into(),
        "Unknown values (not known, not obtained, unmapped job titles) are reported as their own rows, never dropped.".into(),
    ]
}

fn machine(v: Option<f64>) -> String {
    v.map(|x| {
        if x.fract().abs() < 1e-9 && x.abs() < 1e15 {
            format!("{}", x as i64)
        } else {
            format!("{}", (x * 1e6).round() / 1e6)
        }
    })
    .unwrap_or_default()
}

/// Header and rows of a table for CSV: each breakdown as code and label, then figures.
fn csv_rows(t: &Table) -> (Vec<String>, Vec<Vec<String>>) {
    let c = codes();
    let mut head = Vec::new();
    for b in &t.result.by {
        head.push(b.clone());
        head.push(format!("{b}_name"));
    }
    head.extend(["value", "numerator", "denominator", "suppressed"].map(String::from));
    let rows = t
        .result
        .rows
        .iter()
        .map(|r: &ResultRow| {
            let mut cells = Vec::new();
            for (b, k) in t.result.by.iter().zip(&r.keys) {
                cells.push(k.clone());
                cells.push(c.label_of(b, k));
            }
            if r.suppressed {
                cells.extend(["c", "c", "c", "true"].map(String::from));
            } else {
                cells.push(machine(r.value));
                cells.push(machine(r.numerator));
                cells.push(if t.result.kind == MeasureKind::Count {
                    String::new()
                } else {
                    machine(r.denominator)
                });
                cells.push("false".into());
            }
            cells
        })
        .collect();
    (head, rows)
}

/// One CSV per table, plus `notes.txt`; returns the files written.
pub fn write_csvs(p: &Publication, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for t in &p.tables {
        let path = dir.join(format!("{}.csv", t.stem()));
        let mut w = csv::Writer::from_path(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let (head, rows) = csv_rows(t);
        w.write_record(safe_record(&head))?;
        for r in rows {
            w.write_record(safe_record(&r))?;
        }
        w.flush()?;
        written.push(path);
    }
    let notes_path = dir.join("notes.txt");
    std::fs::write(&notes_path, notes(p).join("\n\n") + "\n")?;
    written.push(notes_path);
    Ok(written)
}

/// The workbook: Contents, Notes, then one sheet per table named by its id.
pub fn write_xlsx(p: &Publication, path: &Path) -> Result<()> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let heading = Format::new().set_bold().set_font_size(14);
    let pct = Format::new().set_num_format("0.0%");
    let count = Format::new().set_num_format("#,##0");
    let decimal = Format::new().set_num_format("#,##0.0");
    let pounds = Format::new().set_num_format("£#,##0");
    let right = Format::new().set_align(FormatAlign::Right);
    let wrap = Format::new().set_text_wrap();

    let contents = wb.add_worksheet().set_name("Contents")?;
    contents.write_string_with_format(
        0,
        0,
        format!("Children's workforce census {}: tables", p.census_date),
        &heading,
    )?;
    contents.write_string_with_format(2, 0, "Table", &bold)?;
    contents.write_string_with_format(2, 1, "Title", &bold)?;
    contents.write_string_with_format(2, 2, "Part", &bold)?;
    for (i, t) in p.tables.iter().enumerate() {
        let row = 3 + i as u32;
        contents.write_url_with_text(row, 0, Url::new(format!("internal:'{}'!A1", t.id)), &t.id)?;
        contents.write_string(row, 1, &t.title)?;
        contents.write_string(row, 2, &t.section)?;
    }
    contents.write_string(
        4 + p.tables.len() as u32,
        0,
        "See the Notes sheet for what c and .. mean and how the figures were protected.",
    )?;
    contents.set_column_width(1, 60)?;

    let notes_ws = wb.add_worksheet().set_name("Notes")?;
    notes_ws.write_string_with_format(0, 0, "Notes", &heading)?;
    notes_ws.set_column_width(0, 120)?;
    for (i, n) in notes(p).iter().enumerate() {
        notes_ws.write_string_with_format(2 + i as u32, 0, n, &wrap)?;
    }

    let c = codes();
    for t in &p.tables {
        let ws = wb.add_worksheet().set_name(&t.id)?;
        ws.write_string_with_format(0, 0, format!("{}: {}", t.id, t.title), &heading)?;
        ws.write_string(1, 0, format!("Census date {}", p.census_date))?;
        let by = &t.result.by;
        let mut col = 0u16;
        for b in by {
            ws.write_string_with_format(3, col, Codes::heading_of(b), &bold)?;
            col += 1;
        }
        let fig = col;
        ws.write_string_with_format(3, fig, "Value", &bold)?;
        ws.write_string_with_format(3, fig + 1, "Numerator", &bold)?;
        ws.write_string_with_format(3, fig + 2, "Denominator", &bold)?;
        let value_format = if t.is_rate() || t.result.measure == "gender_pay_gap" {
            &pct
        } else if t.result.measure.contains("pay") {
            &pounds
        } else if t.result.measure == "fte" {
            &decimal
        } else {
            &count
        };
        for (i, r) in t.result.rows.iter().enumerate() {
            let row = 4 + i as u32;
            for (j, (b, k)) in by.iter().zip(&r.keys).enumerate() {
                let label = c.label_of(b, k);
                let cell = if k == "total" || label == *k {
                    label
                } else {
                    format!("{label} ({k})")
                };
                if k == "total" {
                    ws.write_string_with_format(row, j as u16, &cell, &bold)?;
                } else {
                    ws.write_string(row, j as u16, &cell)?;
                }
            }
            if r.suppressed {
                for k in 0..3 {
                    ws.write_string_with_format(row, fig + k, "c", &right)?;
                }
                continue;
            }
            match r.value {
                Some(v) => ws.write_number_with_format(row, fig, v, value_format)?,
                None => ws.write_string_with_format(row, fig, "..", &right)?,
            };
            if let Some(n) = r.numerator {
                ws.write_number_with_format(
                    row,
                    fig + 1,
                    n,
                    &decimal_or_count(n, &decimal, &count),
                )?;
            }
            if t.result.kind != MeasureKind::Count
                && let Some(d) = r.denominator
            {
                ws.write_number_with_format(
                    row,
                    fig + 2,
                    d,
                    &decimal_or_count(d, &decimal, &count),
                )?;
            }
        }
        let foot = 5 + t.result.rows.len() as u32;
        ws.write_string(
            foot,
            0,
            "c = suppressed to protect individuals; .. = no figure. See the Notes sheet.",
        )?;
        ws.set_freeze_panes(4, 0)?;
        ws.autofit();
    }
    wb.save(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn decimal_or_count(v: f64, decimal: &Format, count: &Format) -> Format {
    if v.fract().abs() > 1e-9 {
        decimal.clone()
    } else {
        count.clone()
    }
}
