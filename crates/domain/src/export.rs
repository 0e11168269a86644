//! Cells written to files that people open in spreadsheet programs. A cell of
//! employer- or public-supplied text that starts like a formula (`=`, `+`, `-`, `@`, a
//! tab or a carriage return) would run as one when the CSV is opened in Excel or
//! LibreOffice ("CSV injection"), so every CSV the product writes passes its cells
//! through [`spreadsheet_safe`] once, here.

use std::borrow::Cow;

/// The cell as a spreadsheet will show it, never as a formula: text that starts with a
/// formula character gets a leading `'` (the OWASP-recommended neutraliser, which
/// spreadsheets hide); plain numbers such as `-3` or `+0.5` are left as they are.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    let risky = matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    if risky && cell.parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Every cell of a record through [`spreadsheet_safe`], as bytes for
/// `csv::Writer::write_record`.
pub fn safe_record<'a, I, S>(cells: I) -> Vec<Cow<'a, [u8]>>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    cells
        .into_iter()
        .map(|c| match spreadsheet_safe(c.as_ref()) {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for bad in [
            "=1+1",
            "=HYPERLINK(\"http://x\",\"y\")",
            "+SUM(A1)",
            "-2+3",
            "@cmd",
            "\tx",
            "\r=1",
        ] {
            assert!(spreadsheet_safe(bad).starts_with('\''), "{bad}");
        }
        for ok in ["-3", "+0.5", "-1e3", "Nursery Nurse", "", "a=b", "0.25"] {
            assert_eq!(spreadsheet_safe(ok), ok);
        }
        assert_eq!(safe_record(["=x", "1"]), [&b"'=x"[..], b"1"]);
        let owned = vec![String::from("@a")];
        assert_eq!(safe_record(&owned), [&b"'@a"[..]]);
    }
}
