//! Files for tests, here and in the crates that use this one (feature `testing`): a
//! small PDF, a small DOCX and a flate-bomb PDF.

use std::io::Write;

/// A minimal DOCX holding paragraphs.
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
    pdf_with_content(&format!("/Length {}", stream.len()), stream.as_bytes())
}

/// A valid one-page PDF whose content stream is `mib` MiB of zeros, compressed with
/// FlateDecode to about a thousandth of that: `flate_bomb_pdf(1024)` is a 1 MB file
/// that a reader without limits expands to 1 GiB (and more, copying it about).
pub fn flate_bomb_pdf(mib: usize) -> Vec<u8> {
    let stream = zeros_zlib(mib);
    pdf_with_content(
        &format!("/Length {} /Filter /FlateDecode", stream.len()),
        &stream,
    )
}

/// A zlib stream of `mib` MiB of zeros, made without compressing them all: after a
/// full flush a deflate compressor starts afresh, so every further 1 MiB block of
/// zeros compresses to the same bytes, which are repeated; the checksum is then
/// computed for the whole (Adler-32 of n zeros: a = 1, b = n mod 65521).
pub fn zeros_zlib(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mib = mib.max(3);
    let chunk = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), true);
    let mut block = |flush: FlushCompress| {
        let mut out = Vec::with_capacity(64 * 1024);
        let before = c.total_in();
        c.compress_vec(&chunk, &mut out, flush).unwrap();
        assert_eq!(c.total_in() - before, chunk.len() as u64);
        out
    };
    let first = block(FlushCompress::Full);
    let middle = block(FlushCompress::Full);
    assert_eq!(block(FlushCompress::Full), middle, "blocks repeat");
    let last = block(FlushCompress::Finish);
    let mut out = first;
    for _ in 0..mib - 2 {
        out.extend_from_slice(&middle);
    }
    out.extend_from_slice(&last[..last.len() - 4]);
    let n = (mib as u64) << 20;
    let adler = ((n % 65521) << 16) | 1;
    out.extend_from_slice(&(adler as u32).to_be_bytes());
    out
}

/// A one-page PDF with the given content stream (its dictionary entries and bytes).
pub fn pdf_with_content(dict: &str, stream: &[u8]) -> Vec<u8> {
    let mut content = format!("<< {dict} >>\nstream\n").into_bytes();
    content.extend_from_slice(stream);
    content.extend_from_slice(b"\nendstream");
    let objects: [Vec<u8>; 5] = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        content,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_zeros_stream_is_valid_zlib_of_that_many_zeros() {
        let z = zeros_zlib(5);
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(&z[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 5 << 20);
        assert!(out.iter().all(|b| *b == 0));
        // About a thousand to one.
        assert!(
            zeros_zlib(1024).len() < 1_100_000,
            "{}",
            zeros_zlib(1024).len()
        );
    }
}
