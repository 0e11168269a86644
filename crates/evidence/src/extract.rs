//! Text out of attached files, so attachments are searchable: plain text, DOCX (a zip
//! holding `word/document.xml`) and PDF (through the `pdf-extract` crate). A file is
//! recognised by its content, never by its name alone, and anything else is refused
//! with a sentence saying what was expected.

use anyhow::{Context, Result, bail};
use observatory_store::evidence::NewAttachment;
use quick_xml::events::Event;
use sha2::{Digest, Sha256};
use std::io::Read;

/// Largest file kept with an item or a submission.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Largest uncompressed `word/document.xml` read from a DOCX (a zip bomb guard).
const MAX_DOCX_XML: u64 = 64 * 1024 * 1024;

/// What kind of file some bytes are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Pdf,
    Docx,
    Text,
}

impl Kind {
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Text => "text/plain",
        }
    }
}

/// Recognise a file by its first bytes (and, for plain text, by being valid UTF-8
/// without control characters other than tabs and line ends).
pub fn sniff(name: &str, bytes: &[u8]) -> Result<Kind> {
    if bytes.starts_with(b"%PDF-") {
        return Ok(Kind::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Kind::Docx);
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    match text {
        Ok(t)
            if !t
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            Ok(Kind::Text)
        }
        _ => bail!(
            "{name} is not a PDF, a Word document (.docx) or a plain-text file (UTF-8); save it as one of those and try again"
        ),
    }
}

/// Read a file into an attachment with its extracted text and SHA-256.
pub fn attachment(name: &str, bytes: Vec<u8>) -> Result<NewAttachment> {
    if bytes.len() > MAX_FILE_BYTES {
        bail!(
            "{name} is {:.1} MB; files of at most {} MB are accepted",
            bytes.len() as f64 / 1_048_576.0,
            MAX_FILE_BYTES / 1_048_576
        );
    }
    if bytes.is_empty() {
        bail!("{name} is empty");
    }
    let kind = sniff(name, &bytes)?;
    let text = match kind {
        Kind::Text => {
            String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
                .replace("\r\n", "\n")
        }
        Kind::Docx => {
            docx_text(&bytes).with_context(|| format!("cannot read {name} as a Word document"))?
        }
        Kind::Pdf => pdf_text(&bytes).with_context(|| format!("cannot read the text of {name}"))?,
    };
    let sha256 = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let file_name = std::path::Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| name.to_string());
    Ok(NewAttachment {
        file_name,
        media_type: kind.media_type().into(),
        content: bytes,
        sha256,
        text,
    })
}

/// The text of a DOCX: paragraphs on their own lines, tabs and breaks kept.
pub fn docx_text(bytes: &[u8]) -> Result<String> {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).context("it is not a valid zip file")?;
    let entry = zip
        .by_name("word/document.xml")
        .context("it has no word/document.xml, so it is not a Word document")?;
    if entry.size() > MAX_DOCX_XML {
        bail!(
            "its document part is larger than {} MB",
            MAX_DOCX_XML / 1_048_576
        );
    }
    let mut xml = String::new();
    entry
        .take(MAX_DOCX_XML)
        .read_to_string(&mut xml)
        .context("its document part is not UTF-8 XML")?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader
            .read_event()
            .context("its document part is damaged XML")?
        {
            Event::Start(e) if e.name().as_ref() == "w:t" => in_text = true,
            Event::End(e) if e.name().as_ref() == "w:t" => in_text = false,
            Event::End(e) if e.name().as_ref() == "w:p" => out.push('\n'),
            Event::Empty(e) if e.name().as_ref() == "w:tab" => out.push('\t'),
            Event::Empty(e) if e.name().as_ref() == "w:br" => out.push('\n'),
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else {
                    out.push_str(match r.xml10_content().as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The text of a PDF. The PDF reader can panic on some damaged files, so it runs
/// behind `catch_unwind` and such a file is reported rather than crashing the program.
pub fn pdf_text(bytes: &[u8]) -> Result<String> {
    let owned = bytes.to_vec();
    let result = std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&owned));
    match result {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => bail!("the PDF is damaged or encrypted ({e})"),
        Err(_) => bail!("the PDF could not be read (its structure is damaged)"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal DOCX holding two paragraphs.
    pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        z.start_file("[Content_Types].xml", opts).unwrap();
        z.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#).unwrap();
        z.start_file("word/document.xml", opts).unwrap();
        let body: String = paragraphs
            .iter()
            .map(|p| format!("<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>"))
            .collect();
        write!(z, r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#).unwrap();
        z.finish().unwrap().into_inner()
    }

    /// A minimal one-page PDF showing one line of text in Helvetica, with a correct
    /// cross-reference table.
    pub fn pdf(line: &str) -> Vec<u8> {
        let stream = format!("BT /F1 12 Tf 72 720 Td ({line}) Tj ET");
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
            format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for off in offsets {
            out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn plain_text_docx_and_pdf_give_their_text() {
        let a = attachment("notes.txt", "Buddy scheme for new staff\r\n".into()).unwrap();
        assert_eq!(a.media_type, "text/plain");
        assert_eq!(a.text, "Buddy scheme for new staff\n");
        assert_eq!(a.sha256.len(), 64);

        let d = attachment(
            "dir/report.docx",
            docx(&["Induction &amp; mentoring", "Second"]),
        )
        .unwrap();
        assert_eq!(d.file_name, "report.docx");
        assert_eq!(d.text, "Induction & mentoring\nSecond\n");

        let p = attachment("study.pdf", pdf("Supervision improves retention")).unwrap();
        assert_eq!(p.media_type, "application/pdf");
        assert!(
            p.text.contains("Supervision improves retention"),
            "{:?}",
            p.text
        );
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        let e = attachment("photo.png", b"\x89PNG\r\n\x1a\n\0\0".to_vec()).unwrap_err();
        assert!(
            e.to_string().contains("is not a PDF, a Word document"),
            "{e}"
        );
        let e = attachment("fake.docx", b"PK\x03\x04garbage".to_vec()).unwrap_err();
        assert!(
            format!("{e:#}").contains("cannot read fake.docx as a Word document"),
            "{e:#}"
        );
        let e = attachment("broken.pdf", b"%PDF-1.4 nothing here".to_vec()).unwrap_err();
        assert!(
            format!("{e:#}").contains("cannot read the text of broken.pdf"),
            "{e:#}"
        );
        let e = attachment("empty.txt", Vec::new()).unwrap_err();
        assert!(e.to_string().contains("is empty"));
        let e = attachment("big.txt", vec![b'a'; MAX_FILE_BYTES + 1]).unwrap_err();
        assert!(e.to_string().contains("files of at most 20 MB"), "{e}");
    }
}
