//! Writing tables the ways people use them: aligned text on a terminal, CSV for other
//! tools, XLSX for spreadsheets (JSON is per command, as its contract says). Shared so a
//! download from the web app is the same file the command line writes.

use anyhow::{Context, Result, bail};
use observatory_domain::export::safe_record;
use std::io::Write;
use std::path::Path;

#[derive(Clone, Copy, PartialEq, Debug)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    Table,
    Csv,
    Json,
    Xlsx,
}

/// A table ready to print: text cells, and notes shown under it (footnotes).
pub struct TableOut {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

impl TableOut {
    pub fn text(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let numeric: Vec<bool> = (0..n)
            .map(|i| {
                self.rows
                    .iter()
                    .all(|r| r[i].is_empty() || r[i] == "c" || r[i].parse::<f64>().is_ok())
                    && !self.rows.is_empty()
            })
            .collect();
        let line = |cells: &[String]| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if numeric[i] {
                        format!("{c:>w$}", w = widths[i])
                    } else {
                        format!("{c:<w$}", w = widths[i])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&self.title);
            out.push('\n');
        }
        out.push_str(&line(&self.headers));
        out.push('\n');
        out.push_str(
            &widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  "),
        );
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(r));
            out.push('\n');
        }
        if self.rows.is_empty() {
            out.push_str("(no rows)\n");
        }
        for note in &self.notes {
            out.push_str(note);
            out.push('\n');
        }
        out
    }

    pub fn csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(safe_record(&self.headers))?;
        for r in &self.rows {
            w.write_record(safe_record(r))?;
        }
        w.into_inner().context("cannot finish the CSV")
    }

    /// An XLSX workbook: the table with numbers as numbers, then its notes.
    pub fn xlsx_bytes(&self) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format as XFormat, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let bold = XFormat::new().set_bold();
        let mut row = 0u32;
        if !self.title.is_empty() {
            ws.write_string_with_format(row, 0, &self.title, &bold)?;
            row += 2;
        }
        for (c, h) in self.headers.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, h, &bold)?;
        }
        for r in &self.rows {
            row += 1;
            for (c, v) in r.iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(x) if !v.is_empty() => ws.write_number(row, c as u16, x)?,
                    _ => ws.write_string(row, c as u16, v)?,
                };
            }
        }
        row += 2;
        for note in &self.notes {
            ws.write_string(row, 0, note)?;
            row += 1;
        }
        ws.autofit();
        Ok(wb.save_to_buffer()?)
    }

    /// The XLSX workbook written to a file.
    pub fn xlsx(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.xlsx_bytes()?)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// The rows as JSON objects keyed by the headers, numbers as numbers (for listings
    /// whose JSON is just their table; notes are for people and left out).
    pub fn json_rows(&self) -> serde_json::Value {
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let m: serde_json::Map<String, serde_json::Value> = self
                    .headers
                    .iter()
                    .zip(r)
                    .map(|(h, c)| {
                        let v = c
                            .parse::<f64>()
                            .ok()
                            .filter(|x| x.is_finite() && !c.is_empty())
                            .map(crate::query::number)
                            .unwrap_or_else(|| serde_json::json!(c));
                        (h.clone(), v)
                    })
                    .collect();
                serde_json::Value::Object(m)
            })
            .collect();
        serde_json::Value::Array(rows)
    }

    /// Print or save in the chosen format (JSON is handled by the caller).
    pub fn emit(&self, format: Format, output: Option<&Path>) -> Result<()> {
        let bytes = match format {
            Format::Table => self.text().into_bytes(),
            Format::Csv => self.csv()?,
            Format::Xlsx => {
                let Some(p) = output else {
                    bail!("--format xlsx writes a file: add --output FILE.xlsx");
                };
                self.xlsx(p)?;
                eprintln!("Wrote {}", p.display());
                return Ok(());
            }
            Format::Json => unreachable!("JSON is written by each command"),
        };
        write_out(&bytes, output)
    }
}

/// Write to a file if one was given, else to standard output.
pub fn write_out(bytes: &[u8], output: Option<&Path>) -> Result<()> {
    match output {
        Some(p) => {
            std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
            eprintln!("Wrote {}", p.display());
        }
        None => std::io::stdout().write_all(bytes)?,
    }
    Ok(())
}
