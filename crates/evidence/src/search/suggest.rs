//! "Did you mean": a word of a search that the library does not hold is replaced by the
//! nearest word it does (fewest edits, then the most common), from the spelling field
//! (titles, summaries, authors and organisations as written). Only asked for when a
//! word is unknown, so an ordinary search pays nothing for it.

use anyhow::Result;
use std::cmp::Reverse;
use tantivy::Searcher;
use tantivy::schema::Field;

use super::words::words;

/// The nearest word the library holds to `word` (folded): one edit away for short
/// words, two for longer ones.
fn nearest(searcher: &Searcher, spell: Field, word: &str) -> Result<Option<String>> {
    let len = word.chars().count();
    if len < 3 {
        return Ok(None);
    }
    let most = if len <= 5 { 1 } else { 2 };
    let mut best: Option<(usize, Reverse<u32>, String)> = None;
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(spell)?;
        let mut terms = index.terms().stream()?;
        while terms.advance() {
            let Ok(candidate) = std::str::from_utf8(terms.key()) else {
                continue;
            };
            if candidate.chars().count().abs_diff(len) > most {
                continue;
            }
            let d = strsim::damerau_levenshtein(word, candidate);
            if d == 0 || d > most {
                continue;
            }
            let key = (d, Reverse(terms.value().doc_freq), candidate.to_string());
            if best.as_ref().is_none_or(|b| key < *b) {
                best = Some(key);
            }
        }
    }
    Ok(best.map(|(_, _, w)| w))
}

/// The search text with each unknown word replaced by its nearest known word, keeping
/// the rest as typed; none when no word could be replaced.
pub fn did_you_mean(
    searcher: &Searcher,
    spell: Field,
    text: &str,
    unknown: &[String],
) -> Result<Option<String>> {
    let mut changed = false;
    let mut out = Vec::new();
    for raw in text.split_whitespace() {
        let w = words(raw);
        let replacement = match w.as_slice() {
            [only] if unknown.contains(&only.folded) => nearest(searcher, spell, &only.folded)?,
            _ => None,
        };
        match replacement {
            Some(better) => {
                changed = true;
                // Keep what surrounds the word: a quote, a minus sign, a comma.
                let start = raw.find(char::is_alphanumeric).unwrap_or(0);
                let end = raw
                    .rfind(char::is_alphanumeric)
                    .map(|i| i + raw[i..].chars().next().map_or(1, char::len_utf8))
                    .unwrap_or(raw.len());
                out.push(format!("{}{better}{}", &raw[..start], &raw[end..]));
            }
            None => out.push(raw.to_string()),
        }
    }
    Ok(changed.then(|| out.join(" ")))
}
