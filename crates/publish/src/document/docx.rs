//! A [`Document`] as a Word document (DOCX) for a council to edit in its own template.
//! Paragraphs carry Word's built-in style names (Title, Subtitle, heading 1 to 3, List
//! Bullet, caption, Table Grid), so attaching a council's template, or pasting into it,
//! gives the council's house styles. A chart becomes its title and its table: SVG does
//! not show reliably in Word or LibreOffice.
//!
//! The parts are written here with the `zip` crate the workspace already builds rather
//! than with `docx-rs`: docx-rs alone takes about 90 s to compile on our 2-core machines,
//! brings a second, older `zip` (8; the workspace has 9) and, with its default features,
//! the `image` crate and its codecs (measured in docs/architecture.md, "Documents").
//! Seven small XML parts are less to keep than that.

use super::{Block, Document, Table, Tone, level};
use crate::svg::escape;
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::io::Write as _;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// Width of the text on an A4 page with 2 cm margins, in twentieths of a point.
const TEXT_WIDTH: usize = 11906 - 2 * 1134;

/// The document as the bytes of a `.docx` file.
pub fn to_docx(doc: &Document) -> Result<Vec<u8>> {
    let parts = [
        ("[Content_Types].xml", content_types()),
        ("_rels/.rels", package_rels()),
        ("docProps/core.xml", core(doc)),
        ("word/document.xml", document(doc)),
        ("word/_rels/document.xml.rels", document_rels()),
        ("word/styles.xml", STYLES.to_string()),
        ("word/numbering.xml", NUMBERING.to_string()),
        ("word/settings.xml", SETTINGS.to_string()),
    ];
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, xml) in parts {
        z.start_file(name, opts)
            .with_context(|| format!("cannot add {name} to the Word document"))?;
        z.write_all(DECL.as_bytes())?;
        z.write_all(xml.as_bytes())?;
    }
    Ok(z.finish()
        .context("cannot finish the Word document")?
        .into_inner())
}

fn content_types() -> String {
    let part = |name: &str, kind: &str| {
        format!(
            "<Override PartName=\"/{name}\" ContentType=\"application/vnd.openxmlformats-{kind}+xml\"/>"
        )
    };
    let ml = "officedocument.wordprocessingml";
    format!(
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>{}{}{}{}{}</Types>",
        part("word/document.xml", &format!("{ml}.document.main")),
        part("word/styles.xml", &format!("{ml}.styles")),
        part("word/numbering.xml", &format!("{ml}.numbering")),
        part("word/settings.xml", &format!("{ml}.settings")),
        part("docProps/core.xml", "package.core-properties"),
    )
}

fn package_rels() -> String {
    format!(
        "<Relationships xmlns=\"{PKG_REL}\">\
         <Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"word/document.xml\"/>\
         <Relationship Id=\"rId2\" Type=\"{PKG_REL}/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
         </Relationships>"
    )
}

fn document_rels() -> String {
    let rel = |id: usize, kind: &str| {
        format!("<Relationship Id=\"rId{id}\" Type=\"{REL}/{kind}\" Target=\"{kind}.xml\"/>")
    };
    format!(
        "<Relationships xmlns=\"{PKG_REL}\">{}{}{}</Relationships>",
        rel(1, "styles"),
        rel(2, "numbering"),
        rel(3, "settings")
    )
}

fn core(doc: &Document) -> String {
    format!(
        "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:language>en-GB</dc:language></cp:coreProperties>",
        xml(&doc.title.replace('\n', " "))
    )
}

fn document(doc: &Document) -> String {
    let mut d = format!("<w:document xmlns:w=\"{W}\" xmlns:r=\"{REL}\"><w:body>");
    para(&mut d, "<w:pStyle w:val=\"Title\"/>", &doc.title, "");
    if let Some(s) = &doc.subtitle {
        para(&mut d, "<w:pStyle w:val=\"Subtitle\"/>", s, "");
    }
    for b in &doc.blocks {
        block(&mut d, b);
    }
    let _ = write!(
        d,
        "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" w:right=\"1134\" \
         w:bottom=\"1134\" w:left=\"1134\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr>\
         </w:body></w:document>"
    );
    d
}

fn block(d: &mut String, b: &Block) {
    match b {
        Block::Heading { level: l, text } => {
            let style = format!("<w:pStyle w:val=\"Heading{}\"/>", level(*l));
            para(d, &style, text, "");
        }
        Block::Paragraph(text) => para(d, "", text, ""),
        Block::Bullets(items) => {
            for i in items {
                para(d, "<w:pStyle w:val=\"ListBullet\"/>", i, "");
            }
        }
        Block::Table(t) => table(d, t, None),
        Block::Chart {
            title, table: t, ..
        } => {
            para(d, "<w:pStyle w:val=\"Caption\"/>", title, "");
            table(d, t, Some(title));
        }
        Block::Status { tone, label, text } => {
            // The tag's colours are the HTML's (GOV.UK tags): text, then background.
            let (ink, fill) = match tone {
                Tone::Good => ("005A30", "CCE2D8"),
                Tone::Caution => ("594D00", "FFF7BF"),
                Tone::Bad => ("2A0B06", "F4CDC6"),
                Tone::Neutral => ("282D30", "E5E6E7"),
            };
            d.push_str("<w:p>");
            run(
                d,
                &format!(
                    "<w:b/><w:color w:val=\"{ink}\"/><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{fill}\"/>"
                ),
                &format!(" {label} "),
            );
            run(d, "", &format!(" {text}"));
            d.push_str("</w:p>");
        }
        Block::PageBreak => d.push_str("<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>"),
    }
}

/// A table: its caption (unless it repeats the chart title `shown` just above), then a
/// grid whose heading row repeats on each page and whose rows are not split across
/// pages, then an empty paragraph (so two tables in a row stay two).
fn table(d: &mut String, t: &Table, shown: Option<&str>) {
    if !t.caption.is_empty() && shown != Some(t.caption.as_str()) {
        para(d, "<w:pStyle w:val=\"Caption\"/>", &t.caption, "");
    }
    let columns = t.columns();
    if columns == 0 {
        return;
    }
    let width = TEXT_WIDTH / columns;
    d.push_str(
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"5000\" w:type=\"pct\"/>\
         <w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"0\" w:lastColumn=\"0\" \
         w:noHBand=\"1\" w:noVBand=\"1\"/></w:tblPr><w:tblGrid>",
    );
    for _ in 0..columns {
        let _ = write!(d, "<w:gridCol w:w=\"{width}\"/>");
    }
    d.push_str("</w:tblGrid>");
    let head = (!t.head.is_empty()).then_some(&t.head);
    for (row, is_head) in head
        .into_iter()
        .map(|r| (r, true))
        .chain(t.rows.iter().map(|r| (r, false)))
    {
        d.push_str(if is_head {
            "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
        } else {
            "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
        });
        for (i, cell) in t.cells(row) {
            let _ = write!(
                d,
                "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr>"
            );
            let align = if t.is_numeric(i) {
                "<w:jc w:val=\"right\"/>"
            } else {
                ""
            };
            para(d, align, cell, if is_head { "<w:b/>" } else { "" });
            d.push_str("</w:tc>");
        }
        d.push_str("</w:tr>");
    }
    d.push_str("</w:tbl><w:p/>");
}

/// A paragraph with properties `ppr` (inner XML, in schema order) holding one run.
fn para(d: &mut String, ppr: &str, text: &str, rpr: &str) {
    d.push_str("<w:p>");
    if !ppr.is_empty() {
        let _ = write!(d, "<w:pPr>{ppr}</w:pPr>");
    }
    run(d, rpr, text);
    d.push_str("</w:p>");
}

/// A run of text with properties `rpr`: line breaks become `<w:br/>`, tabs `<w:tab/>`.
fn run(d: &mut String, rpr: &str, text: &str) {
    d.push_str("<w:r>");
    if !rpr.is_empty() {
        let _ = write!(d, "<w:rPr>{rpr}</w:rPr>");
    }
    for (n, line) in text.lines().enumerate() {
        if n > 0 {
            d.push_str("<w:br/>");
        }
        for (m, part) in line.split('\t').enumerate() {
            if m > 0 {
                d.push_str("<w:tab/>");
            }
            if !part.is_empty() {
                let _ = write!(d, "<w:t xml:space=\"preserve\">{}</w:t>", xml(part));
            }
        }
    }
    d.push_str("</w:r>");
}

/// Text escaped for XML, without the characters XML 1.0 cannot hold (control
/// characters but tab, line feed and carriage return; U+FFFE and U+FFFF), which would
/// make Word refuse the whole file.
fn xml(text: &str) -> String {
    let allowed = |c: &char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    escape(&text.chars().filter(allowed).collect::<String>())
}

/// Word's built-in styles under their built-in names (which Word matches a template's
/// styles by), defined plainly: Arial, black, GOV.UK-like sizes.
const STYLES: &str = concat!(
    "<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">",
    "<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\" w:eastAsia=\"Arial\" w:cs=\"Arial\"/>",
    "<w:sz w:val=\"22\"/><w:szCs w:val=\"22\"/><w:lang w:val=\"en-GB\" w:eastAsia=\"en-GB\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>",
    "<w:pPrDefault><w:pPr><w:spacing w:after=\"160\" w:line=\"264\" w:lineRule=\"auto\"/></w:pPr></w:pPrDefault></w:docDefaults>",
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>",
    "<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/>",
    "<w:uiPriority w:val=\"10\"/><w:qFormat/><w:pPr><w:spacing w:after=\"240\"/></w:pPr>",
    "<w:rPr><w:b/><w:sz w:val=\"52\"/><w:szCs w:val=\"52\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:styleId=\"Subtitle\"><w:name w:val=\"Subtitle\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/>",
    "<w:uiPriority w:val=\"11\"/><w:qFormat/><w:pPr><w:spacing w:after=\"360\"/></w:pPr>",
    "<w:rPr><w:color w:val=\"505A5F\"/><w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/>",
    "<w:uiPriority w:val=\"9\"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before=\"360\" w:after=\"120\"/><w:outlineLvl w:val=\"0\"/></w:pPr>",
    "<w:rPr><w:b/><w:sz w:val=\"36\"/><w:szCs w:val=\"36\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/>",
    "<w:uiPriority w:val=\"9\"/><w:unhideWhenUsed/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before=\"280\" w:after=\"120\"/><w:outlineLvl w:val=\"1\"/></w:pPr>",
    "<w:rPr><w:b/><w:sz w:val=\"30\"/><w:szCs w:val=\"30\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading3\"><w:name w:val=\"heading 3\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/>",
    "<w:uiPriority w:val=\"9\"/><w:unhideWhenUsed/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before=\"240\" w:after=\"80\"/><w:outlineLvl w:val=\"2\"/></w:pPr>",
    "<w:rPr><w:b/><w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:styleId=\"ListBullet\"><w:name w:val=\"List Bullet\"/><w:basedOn w:val=\"Normal\"/>",
    "<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/><w:pPr><w:numPr><w:numId w:val=\"1\"/></w:numPr><w:spacing w:after=\"80\"/></w:pPr></w:style>",
    "<w:style w:type=\"paragraph\" w:styleId=\"Caption\"><w:name w:val=\"caption\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/>",
    "<w:uiPriority w:val=\"35\"/><w:unhideWhenUsed/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before=\"120\" w:after=\"120\"/></w:pPr>",
    "<w:rPr><w:b/></w:rPr></w:style>",
    "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/><w:uiPriority w:val=\"99\"/>",
    "<w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/>",
    "<w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>",
    "<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/><w:basedOn w:val=\"TableNormal\"/><w:uiPriority w:val=\"39\"/>",
    "<w:pPr><w:spacing w:before=\"40\" w:after=\"40\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr><w:tblPr><w:tblBorders>",
    "<w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>",
    "<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>",
    "<w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/><w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>",
    "</w:tblBorders></w:tblPr></w:style></w:styles>",
);

/// One bullet list definition, which the List Bullet style points to.
const NUMBERING: &str = concat!(
    "<w:numbering xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">",
    "<w:abstractNum w:abstractNumId=\"0\"><w:multiLevelType w:val=\"singleLevel\"/><w:lvl w:ilvl=\"0\">",
    "<w:start w:val=\"1\"/><w:numFmt w:val=\"bullet\"/><w:pStyle w:val=\"ListBullet\"/><w:lvlText w:val=\"\u{2022}\"/>",
    "<w:lvlJc w:val=\"left\"/><w:pPr><w:ind w:left=\"360\" w:hanging=\"360\"/></w:pPr></w:lvl></w:abstractNum>",
    "<w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num></w:numbering>",
);

/// Word 2013 and later behaviour (not "compatibility mode").
const SETTINGS: &str = concat!(
    "<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">",
    "<w:defaultTabStop w:val=\"720\"/><w:characterSpacingControl w:val=\"doNotCompress\"/>",
    "<w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>",
    "</w:settings>",
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::fixture::{HOSTILE, TEXTS, every_block, in_order};
    use quick_xml::events::Event;
    use std::collections::BTreeMap;
    use std::io::Read;

    /// Every part of a DOCX, by name.
    fn parts(bytes: &[u8]) -> BTreeMap<String, String> {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut s = String::new();
                f.read_to_string(&mut s).unwrap();
                (f.name().unwrap().to_string(), s)
            })
            .collect()
    }

    /// Read XML to the end (failing on anything not well formed or an end tag that
    /// does not match): the text of its `w:t` elements, and the values of its `w:val`
    /// attributes on elements named `what`.
    fn read(xml: &str, what: &str) -> (String, Vec<String>) {
        let mut r = quick_xml::Reader::from_str(xml);
        let (mut text, mut vals, mut in_t, mut depth) = (String::new(), Vec::new(), false, 0i32);
        loop {
            let event = r.read_event().unwrap_or_else(|e| panic!("{e}:\n{xml}"));
            if let Event::Start(e) | Event::Empty(e) = &event
                && e.name().as_ref() == what
            {
                let v = e.try_get_attribute("w:val").unwrap().unwrap();
                vals.push(v.value.to_string());
            }
            match event {
                Event::Start(e) => {
                    depth += 1;
                    in_t = e.name().as_ref() == "w:t";
                }
                Event::End(_) => {
                    depth -= 1;
                    in_t = false;
                }
                Event::Text(t) if in_t => text.push_str(&t.xml10_content()),
                Event::GeneralRef(g) if in_t => {
                    let c = match g.resolve_char_ref().unwrap() {
                        Some(c) => c,
                        None => match &*g {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => panic!("unknown entity {other}"),
                        },
                    };
                    text.push(c);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0, "unclosed elements:\n{xml}");
        (text, vals)
    }

    #[test]
    fn the_word_document_holds_every_text_in_order_in_well_formed_parts() {
        let parts = parts(&to_docx(&every_block(HOSTILE)).unwrap());
        for (name, xml) in &parts {
            read(xml, "");
            assert!(xml.starts_with(DECL), "{name}");
        }
        let (text, styles) = read(&parts["word/document.xml"], "w:pStyle");
        for n in 0..TEXTS {
            assert!(
                text.contains(&format!("T{n:02} {HOSTILE}")),
                "T{n:02}: {text}"
            );
        }
        in_order(&text, "document.xml");
        // Built-in styles, defined under Word's own names.
        let defined = &parts["word/styles.xml"];
        for (id, name) in [
            ("Title", "Title"),
            ("Subtitle", "Subtitle"),
            ("Heading1", "heading 1"),
            ("Heading2", "heading 2"),
            ("Heading3", "heading 3"),
            ("ListBullet", "List Bullet"),
            ("Caption", "caption"),
            ("TableGrid", "Table Grid"),
        ] {
            assert!(
                defined.contains(&format!("w:styleId=\"{id}\"><w:name w:val=\"{name}\"/>")),
                "{id}"
            );
            if id != "TableGrid" {
                assert!(styles.iter().any(|s| s == id), "{id} is not used");
            }
        }
        for s in &styles {
            assert!(
                defined.contains(&format!("w:styleId=\"{s}\"")),
                "style {s} is not defined"
            );
        }
        // Every part is declared and every relationship points at a part.
        for name in parts
            .keys()
            .filter(|n| !n.ends_with(".rels") && *n != "[Content_Types].xml")
        {
            assert!(
                parts["[Content_Types].xml"].contains(&format!("PartName=\"/{name}\"")),
                "{name}"
            );
        }
        for (rels, dir) in [
            ("_rels/.rels", ""),
            ("word/_rels/document.xml.rels", "word/"),
        ] {
            for target in parts[rels].split("Target=\"").skip(1) {
                let target = format!("{dir}{}", &target[..target.find('"').unwrap()]);
                assert!(parts.contains_key(&target), "{target}");
            }
        }
        let body = &parts["word/document.xml"];
        assert_eq!(body.matches("<w:tblHeader/>").count(), 2);
        assert_eq!(body.matches("<w:jc w:val=\"right\"/>").count(), 6);
        assert_eq!(body.matches("<w:br w:type=\"page\"/>").count(), 1);
        assert!(parts["docProps/core.xml"].contains("<dc:title>T00 &lt;script&gt;"));
    }

    #[test]
    fn characters_xml_cannot_hold_are_dropped_and_breaks_and_tabs_kept() {
        let doc = Document {
            title: "Plan".into(),
            subtitle: None,
            blocks: vec![
                Block::Paragraph("a\u{0}b\u{1b}c\u{FFFE}d\u{FFFF}e\u{1F600}\tf\r\ng".into()),
                Block::Table(Table {
                    caption: "Only a caption".into(),
                    ..Table::default()
                }),
                Block::Chart {
                    title: "Same".into(),
                    svg: String::new(),
                    table: Table {
                        caption: "Same".into(),
                        head: vec!["h".into()],
                        rows: vec![],
                        numeric: vec![],
                    },
                },
            ],
        };
        let parts = parts(&to_docx(&doc).unwrap());
        let body = &parts["word/document.xml"];
        let (text, _) = read(body, "");
        assert_eq!(text, "Planabcde\u{1F600}fgOnly a captionSameh");
        assert!(body.contains("e\u{1F600}</w:t><w:tab/><w:t xml:space=\"preserve\">f</w:t><w:br/><w:t xml:space=\"preserve\">g</w:t>"));
        assert_eq!(
            body.matches("<w:tbl>").count(),
            1,
            "a table with no cells is only its caption"
        );
    }
}
