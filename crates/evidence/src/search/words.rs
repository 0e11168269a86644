//! How text becomes searchable words: one analyzer chain for documents and queries
//! (words split on anything not a letter or digit, lowercased, accents folded to ASCII,
//! English stems), the stop words a query may leave unmatched, and the field's
//! synonyms and abbreviations from `data/evidence/synonyms.csv`.

use std::sync::OnceLock;
use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, TokenStream,
};

/// The tokenizer of the searched text fields: folded and stemmed.
pub const STEMMED: &str = "obs_stem";
/// The tokenizer of the spelling field: folded, not stemmed, so suggestions are words.
pub const FOLDED: &str = "obs_fold";

fn chain(stem: bool) -> TextAnalyzer {
    let b = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    if stem {
        b.filter(Stemmer::new(Language::English)).build()
    } else {
        b.build()
    }
}

/// Register both tokenizers on an index (they are not stored in it, so every open needs this).
pub fn register(index: &Index) {
    index.tokenizers().register(STEMMED, chain(true));
    index.tokenizers().register(FOLDED, chain(false));
}

/// One word of a query: as written (folded) and as indexed (stemmed), with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub position: usize,
    pub folded: String,
    pub stem: String,
}

/// The words of a text, in order. Both chains split alike (the stemmer never drops a
/// word), so the folded and stemmed forms pair up one to one.
pub fn words(text: &str) -> Vec<Word> {
    let collect = |mut a: TextAnalyzer| {
        let mut out = Vec::new();
        let mut s = a.token_stream(text);
        while s.advance() {
            let t = s.token();
            out.push((t.position, t.text.clone()));
        }
        out
    };
    let folded = collect(chain(false));
    let stems = collect(chain(true));
    folded
        .into_iter()
        .zip(stems)
        .map(|((position, folded), (_, stem))| Word {
            position,
            folded,
            stem,
        })
        .collect()
}

/// Words a query may leave unmatched: a document need not contain "the" or "of" to
/// answer "the pay of social workers". Checked on the folded form (stems of "this" or
/// "was" are not words).
pub fn is_stop(folded: &str) -> bool {
    folded.len() == 1
        || matches!(
            folded,
            "an" | "and"
                | "are"
                | "as"
                | "at"
                | "be"
                | "by"
                | "do"
                | "does"
                | "for"
                | "from"
                | "has"
                | "have"
                | "how"
                | "in"
                | "into"
                | "is"
                | "it"
                | "its"
                | "of"
                | "on"
                | "or"
                | "our"
                | "that"
                | "the"
                | "their"
                | "this"
                | "to"
                | "was"
                | "we"
                | "were"
                | "what"
                | "when"
                | "where"
                | "which"
                | "who"
                | "why"
                | "with"
                | "about"
                | "there"
        )
}

const SYNONYMS: &str = include_str!("../../../../data/evidence/synonyms.csv");

/// Groups of terms that mean the same in this field, each term as its stems.
pub struct Synonyms {
    pub groups: Vec<Vec<Vec<String>>>,
}

/// The synonyms file, read once. A malformed file fails the tests, not a search: a
/// row that cannot be read is skipped.
pub fn synonyms() -> &'static Synonyms {
    static S: OnceLock<Synonyms> = OnceLock::new();
    S.get_or_init(|| parse_synonyms(SYNONYMS).0)
}

/// The groups of a synonyms file, and the rows that could not be read.
pub fn parse_synonyms(text: &str) -> (Synonyms, Vec<String>) {
    let mut groups = Vec::new();
    let mut problems = Vec::new();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let Ok(rec) = rec else {
            problems.push(format!("line {line} is not valid CSV"));
            continue;
        };
        let terms: Vec<Vec<String>> = rec
            .get(0)
            .unwrap_or("")
            .split(';')
            .map(|t| words(t).into_iter().map(|w| w.stem).collect::<Vec<_>>())
            .filter(|t| !t.is_empty())
            .collect();
        if terms.len() < 2 {
            problems.push(format!("line {line} has fewer than two terms"));
            continue;
        }
        groups.push(terms);
    }
    (Synonyms { groups }, problems)
}

impl Synonyms {
    /// For a query's stems, every place a term of a group occurs (start, length) with
    /// the group's other terms: what a document may say instead.
    pub fn matches(&self, stems: &[&str]) -> Vec<(usize, usize, Vec<&[String]>)> {
        let mut out = Vec::new();
        for g in &self.groups {
            for term in g {
                let n = term.len();
                for start in 0..stems.len().saturating_sub(n - 1) {
                    if stems[start..start + n]
                        .iter()
                        .zip(term)
                        .all(|(a, b)| a == b)
                    {
                        // A term holding the one matched says nothing more
                        // ("foster" needs no "foster carer"), and costs a phrase check.
                        let others = g
                            .iter()
                            .filter(|t| !t.windows(n).any(|w| w == term.as_slice()))
                            .map(|t| t.as_slice())
                            .collect();
                        out.push((start, n, others));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_and_stemmed_in_step() {
        let w = words("Childminders' Café, Social-Workers");
        let stems: Vec<&str> = w.iter().map(|w| w.stem.as_str()).collect();
        assert_eq!(stems, ["childmind", "cafe", "social", "worker"]);
        assert_eq!(w[1].folded, "cafe");
        assert_eq!(w[3].position, 3);
    }

    #[test]
    fn the_synonyms_file_is_read_whole() {
        let (s, problems) = parse_synonyms(SYNONYMS);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(s.groups.len() >= 25, "{}", s.groups.len());
        let stems = |t: &str| words(t).into_iter().map(|w| w.stem).collect::<Vec<_>>();
        let q = stems("newly qualified social workers");
        let q: Vec<&str> = q.iter().map(String::as_str).collect();
        let m = synonyms().matches(&q);
        let nqsw = m.iter().find(|(s, n, _)| (*s, *n) == (0, 4)).expect("NQSW");
        assert!(nqsw.2.iter().any(|t| t == &["nqsw".to_string()]));
        // Abbreviations in either direction, and hyphens do not matter.
        let q = stems("LAC");
        let m = synonyms().matches(&[q[0].as_str()]);
        assert!(m[0].2.iter().any(|t| t.join(" ") == "children in care"));
        assert!(m[0].2.iter().any(|t| t.join(" ") == "look after children"));
        let (_, problems) = parse_synonyms("terms,note\nalone,\n\"broken\n");
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
