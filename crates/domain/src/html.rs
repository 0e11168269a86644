//! Escaping text for HTML and XML (SVG charts, the publication's pages, search results,
//! the evidence gap map). One function, so every surface that writes markup by hand
//! escapes the same five characters: text from returns, titles of evidence items and
//! search words all reach a page this way.

/// Escape text for HTML or XML content and for attribute values (quoted with `"` or
/// `'`): `&`, `<`, `>`, `"` and `'` become character references.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_characters_become_references_and_the_rest_stays() {
        assert_eq!(
            escape(r#"<a href="x">Tom & Jerry's</a> ünïcode"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt; ünïcode"
        );
        assert_eq!(escape(""), "");
    }
}
