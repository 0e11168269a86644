//! A plain document (title, headings, paragraphs, lists, tables, charts, status tags,
//! page breaks) and its renderers: one self-contained HTML file ([`to_html`]), a Word
//! document that takes a council's own template ([`to_docx`]) and a PDF printed from the
//! HTML by headless Chromium ([`to_pdf`]). The strategy and its board report are built as
//! a [`Document`] once and come out in every format with the same words.
//!
//! All text is plain text, never markup: each renderer escapes it. The one exception is
//! a chart's SVG, which comes from our own chart code ([`crate::svg`]) and is trusted.

mod docx;
mod html;
mod pdf;

pub use docx::to_docx;
pub use html::to_html;
pub use pdf::to_pdf;

/// A document: its title, an optional line under it, then its blocks in reading order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub title: String,
    pub subtitle: Option<String>,
    pub blocks: Vec<Block>,
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A section heading, level 1 to 3 (under the document's title; other levels are
    /// read as the nearest of these).
    Heading {
        level: u8,
        text: String,
    },
    /// A paragraph; a line break in the text is kept as a line break.
    Paragraph(String),
    /// A bulleted list, an item a string.
    Bullets(Vec<String>),
    Table(Table),
    /// A chart: its title, its SVG (from [`crate::svg`], trusted, put in the HTML as it
    /// is) and the table of its figures, shown after it. Word and PDF readers without
    /// SVG get the title and the table.
    Chart {
        title: String,
        svg: String,
        table: Table,
    },
    /// A coloured tag such as "On track", then text, e.g. an objective's status.
    Status {
        tone: Tone,
        label: String,
        text: String,
    },
    /// Start a new page when printed (nothing on screen).
    PageBreak,
}

/// The colour of a status tag, by meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    /// Achieved, on track.
    Good,
    /// At risk, due soon.
    Caution,
    /// Off track, overdue.
    Bad,
    /// Not enough data, not started.
    #[default]
    Neutral,
}

/// A table: its caption, column headings and rows of cells; `numeric[i]` says column
/// `i` holds numbers (aligned right). Missing flags are `false`; short rows are padded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub numeric: Vec<bool>,
}

impl Table {
    /// How many columns the table has: its widest row or its heading.
    pub fn columns(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .chain([self.head.len()])
            .max()
            .unwrap_or(0)
    }

    /// Whether column `i` is aligned right.
    pub fn is_numeric(&self, i: usize) -> bool {
        self.numeric.get(i).copied().unwrap_or(false)
    }

    /// Row `row` padded to [`Table::columns`] cells.
    fn cells<'a>(&'a self, row: &'a [String]) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        (0..self.columns()).map(move |i| (i, row.get(i).map_or("", String::as_str)))
    }
}

/// A heading level clamped to 1..=3.
fn level(level: u8) -> u8 {
    level.clamp(1, 3)
}

#[cfg(test)]
pub(crate) mod fixture {
    use super::*;

    /// Hostile text: markup, an ampersand, both quotes.
    pub const HOSTILE: &str = "<script>alert(\"x\")</script> & 'q'";

    /// A document with every kind of block, each holding distinct text (`T0`, `T1`, ...
    /// in reading order) followed by `extra`.
    pub fn every_block(extra: &str) -> Document {
        let t = |n: usize| format!("T{n:02} {extra}");
        let table = |caption: String, a: usize| Table {
            caption,
            head: vec![t(a), t(a + 1)],
            rows: vec![vec![t(a + 2), t(a + 3)], vec![t(a + 4)]],
            numeric: vec![false, true],
        };
        Document {
            title: t(0),
            subtitle: Some(t(1)),
            blocks: vec![
                Block::Heading { level: 1, text: t(2) },
                Block::Paragraph(t(3)),
                Block::Bullets(vec![t(4), t(5)]),
                Block::Heading { level: 2, text: t(6) },
                Block::Table(table(t(7), 8)),
                Block::PageBreak,
                Block::Heading { level: 3, text: t(13) },
                Block::Chart {
                    title: t(14),
                    svg: "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"><title>chart</title></svg>".into(),
                    table: table(t(15), 16),
                },
                Block::Status { tone: Tone::Good, label: t(21), text: t(22) },
                Block::Status { tone: Tone::Bad, label: t(23), text: t(24) },
            ],
        }
    }

    /// How many numbered texts [`every_block`] holds.
    pub const TEXTS: usize = 25;

    /// Check that every numbered text stands in `out`, first seen in reading order.
    pub fn in_order(out: &str, what: &str) {
        let mut last = 0;
        for n in 0..TEXTS {
            let at = out
                .find(&format!("T{n:02} "))
                .unwrap_or_else(|| panic!("{what} lacks text T{n:02}"));
            assert!(at >= last, "{what}: T{n:02} is out of order");
            last = at;
        }
    }
}
