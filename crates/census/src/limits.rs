//! Limits on untrusted files: every reader stays within them and refuses, in plain words,
//! anything that would go past one, before it takes the memory or time. The defaults are
//! documented in docs/security.md ("Limits on untrusted files").

/// Size limits, so a huge or hostile file is refused instead of exhausting memory.
///
/// The defaults leave several times the room the largest real return needs (a county
/// council: about 20,000 posts of about 35 columns, a few MB as CSV) while keeping the
/// memory one return can take to a few hundred MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single file (or zip entry, uncompressed) accepted.
    pub max_file_bytes: u64,
    /// Total bytes unpacked for one return: every CSV file of a folder or zip, every part
    /// of a workbook, and the text that repeated cells of an ODS sheet expand to.
    pub max_unpacked_bytes: u64,
    /// Entries in a zip file or workbook package, or files in a return folder.
    pub max_entries: usize,
    /// Columns per row: fields of a CSV record, or the last column a workbook cell may
    /// sit in (the workbook's cell extent).
    pub max_columns: usize,
    /// Rows per sheet: rows of a CSV file, or the last row a workbook cell may sit in.
    pub max_rows: usize,
    /// Cells per return: the fields of every CSV record, and for each workbook sheet the
    /// area from column A to its last filled column over its first to last filled row
    /// (what a spreadsheet reader lays out).
    pub max_cells: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 * 1024 * 1024,
            max_unpacked_bytes: 256 * 1024 * 1024,
            max_entries: 1_000,
            max_columns: 200,
            max_rows: 200_000,
            max_cells: 4_000_000,
        }
    }
}

/// What one return has used of its limits so far.
pub(crate) struct Budget<'a> {
    pub limits: &'a Limits,
    unpacked: u64,
    cells: u64,
}

impl<'a> Budget<'a> {
    pub fn new(limits: &'a Limits) -> Self {
        Budget {
            limits,
            unpacked: 0,
            cells: 0,
        }
    }

    /// Bytes that may still be unpacked.
    pub fn unpacked_left(&self) -> u64 {
        self.limits.max_unpacked_bytes.saturating_sub(self.unpacked)
    }

    /// Count `n` unpacked bytes; Err with the plain-language reason when past the limit.
    pub fn unpack(&mut self, n: u64, what: &str) -> Result<(), String> {
        let total = self.unpacked.saturating_add(n);
        if total > self.limits.max_unpacked_bytes {
            return Err(over_unpacked(what, total, self.limits));
        }
        self.unpacked = total;
        Ok(())
    }

    /// Cells still allowed.
    pub fn cells_left(&self) -> u64 {
        self.limits.max_cells.saturating_sub(self.cells)
    }

    /// Count `n` cells, refusing past the limit (the count is then unchanged).
    pub fn cells(&mut self, n: u64) -> bool {
        if n > self.cells_left() {
            return false;
        }
        self.cells += n;
        true
    }
}

/// "1,234,567".
pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub(crate) fn human_size(b: u64) -> String {
    if b >= 1024 * 1024 {
        format!("{:.1} MB", b as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} KB", b.div_ceil(1024))
    }
}

/// "1st", "2nd", "16,384th".
pub(crate) fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{}{suffix}", thousands(n))
}

/// Spreadsheet column letters (0 -> A, 27 -> AB, 16383 -> XFD).
pub(crate) fn column_letter(mut i: u64) -> String {
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

pub(crate) const RAISE: &str =
    "split the return, or ask the administrator to raise the limit if the return is real";

fn over_unpacked(what: &str, total: u64, limits: &Limits) -> String {
    format!(
        "{what} unpacks to more than {} ({} so far); a return may unpack to at most {} in all (the limit on bytes unpacked per return); {RAISE}",
        human_size(limits.max_unpacked_bytes),
        human_size(total),
        human_size(limits.max_unpacked_bytes),
    )
}

/// A row with too many columns.
pub(crate) fn too_many_columns(columns: u64, limits: &Limits) -> String {
    format!(
        "the row has {} columns, {} more than the {} a return sheet may have (the limit on columns per row); {RAISE}",
        thousands(columns),
        thousands(columns - limits.max_columns as u64),
        thousands(limits.max_columns as u64),
    )
}

/// A workbook cell past the last column allowed (`col` counts from 0).
pub(crate) fn cell_past_columns(col: u64, limits: &Limits) -> String {
    format!(
        "the sheet has a cell in column {} ({} column); a return sheet may have at most {} columns (the limit on columns per row); {RAISE}",
        column_letter(col),
        ordinal(col + 1),
        thousands(limits.max_columns as u64),
    )
}

/// A row past the last row allowed (`row` counts from 1).
pub(crate) fn row_past_rows(row: u64, limits: &Limits) -> String {
    format!(
        "the sheet reaches row {}, {} past the {} rows a return sheet may have (the limit on rows per sheet); {RAISE}",
        thousands(row),
        thousands(row - limits.max_rows as u64),
        thousands(limits.max_rows as u64),
    )
}

/// More cells than the return may hold; `cells` is how many this sheet or file
/// would bring the return to (at least).
pub(crate) fn too_many_cells(cells: u64, limits: &Limits) -> String {
    format!(
        "with this, the return holds at least {} cells, {} more than the {} a return may have (the limit on cells per return); {RAISE}",
        thousands(cells),
        thousands(cells.saturating_sub(limits.max_cells)),
        thousands(limits.max_cells),
    )
}

/// More entries than a zip or workbook may hold.
pub(crate) fn too_many_entries(what: &str, entries: u64, limits: &Limits) -> String {
    format!(
        "{what} holds {} entries, {} more than the {} a return may have (the limit on entries per zip or folder); {RAISE}",
        thousands(entries),
        thousands(entries.saturating_sub(limits.max_entries as u64)),
        thousands(limits.max_entries as u64),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_words() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_048_576), "1,048,576");
        assert_eq!(ordinal(16_384), "16,384th");
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(22), "22nd");
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(16_383), "XFD");
    }

    #[test]
    fn budget_counts_and_refuses() {
        let limits = Limits {
            max_unpacked_bytes: 100,
            max_cells: 10,
            ..Limits::default()
        };
        let mut b = Budget::new(&limits);
        assert!(b.unpack(60, "x").is_ok());
        assert_eq!(b.unpacked_left(), 40);
        let e = b.unpack(41, "the zip").unwrap_err();
        assert!(e.contains("limit on bytes unpacked"), "{e}");
        assert!(b.cells(10));
        assert!(!b.cells(1));
    }
}
