//! What a search's words mean as a tantivy query. A query is read as people type into
//! a web search box: words (each may be matched by its stem, a synonym or, when the
//! library has never seen it, a near spelling at low weight), "quoted phrases" (must
//! match), and `-word`, `-"phrase"` or `NOT word` (must not). A strict query needs
//! every word; a relaxed one needs most of them and ranks those with all of them
//! first. Phrases and words close together score higher.

use tantivy::Searcher;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Score, Term};

use super::Fields;
use super::words::{Word, is_stop, synonyms, words};

/// A query's text, parsed.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    /// The free words, in order (stop words included: they keep phrase positions).
    pub words: Vec<Word>,
    /// Quoted phrases, each required.
    pub phrases: Vec<Vec<Word>>,
    /// Words and phrases to leave out.
    pub excluded: Vec<Vec<Word>>,
}

/// Split a query into free text, quoted phrases and exclusions. Never fails: a quote
/// left open runs to the end, a lone `-` is ignored.
pub fn parse(text: &str) -> Parsed {
    let mut free = String::new();
    let mut p = Parsed::default();
    let mut chars = text.chars().peekable();
    let mut exclude_next = false;
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let negated = exclude_next || c == '-';
        exclude_next = false;
        let first = if c == '-' {
            match chars.next() {
                Some(n) if !n.is_whitespace() => n,
                _ => continue,
            }
        } else {
            c
        };
        let mut chunk = String::new();
        let quoted = first == '"';
        if !quoted {
            chunk.push(first);
        }
        for n in chars.by_ref() {
            if (quoted && n == '"') || (!quoted && n.is_whitespace()) {
                break;
            }
            chunk.push(n);
        }
        if !quoted && !negated && chunk == "NOT" {
            exclude_next = true;
            continue;
        }
        let w = words(&chunk);
        if w.is_empty() {
            continue;
        }
        if negated {
            p.excluded.push(w);
        } else if quoted && w.len() > 1 {
            p.phrases.push(w);
        } else {
            free.push(' ');
            free.push_str(&chunk);
        }
    }
    p.words = words(&free);
    p
}

/// The searched fields and their weights: a word in a title counts most.
pub fn weighted(f: &Fields) -> [(Field, Score); 6] {
    [
        (f.title, 3.0),
        (f.authors, 2.0),
        (f.organisation, 1.5),
        (f.summary, 1.0),
        (f.attachments, 0.5),
        (f.tags, 0.5),
    ]
}

/// The fields a synonym of several words is looked for in: all but attached text.
fn short(f: &Fields) -> [(Field, Score); 5] {
    let [title, authors, organisation, summary, _, tags] = weighted(f);
    [title, authors, organisation, summary, tags]
}

fn boosted(q: Box<dyn Query>, boost: Score) -> Box<dyn Query> {
    if boost == 1.0 {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

/// A sequence of stems (one word or a phrase, with its positions) in any searched field.
fn anywhere(f: &Fields, stems: &[(usize, &str)], slop: u32, weight: Score) -> Box<dyn Query> {
    within(&weighted(f), stems, slop, weight)
}

/// A sequence of stems in any of some fields.
fn within(
    fields: &[(Field, Score)],
    stems: &[(usize, &str)],
    slop: u32,
    weight: Score,
) -> Box<dyn Query> {
    let per_field = fields
        .iter()
        .map(|&(field, w)| {
            let q: Box<dyn Query> = if let [(_, stem)] = stems {
                Box::new(TermQuery::new(
                    Term::from_field_text(field, stem),
                    IndexRecordOption::WithFreqs,
                ))
            } else {
                let first = stems[0].0;
                Box::new(PhraseQuery::new_with_offset_and_slop(
                    stems
                        .iter()
                        .map(|(p, s)| (p - first, Term::from_field_text(field, s)))
                        .collect(),
                    slop,
                ))
            };
            (Occur::Should, boosted(q, w * weight))
        })
        .collect();
    Box::new(BooleanQuery::new(per_field))
}

fn positions(words: &[Word]) -> Vec<(usize, &str)> {
    words
        .iter()
        .map(|w| (w.position, w.stem.as_str()))
        .collect()
}

fn numbered(stems: &[String]) -> Vec<(usize, &str)> {
    stems.iter().map(String::as_str).enumerate().collect()
}

/// How often a stem occurs in the searched fields (documents, summed over fields).
fn known(searcher: &Searcher, f: &Fields, stem: &str) -> u64 {
    weighted(f)
        .into_iter()
        .map(|(field, _)| {
            searcher
                .doc_freq(&Term::from_field_text(field, stem))
                .unwrap_or(0)
        })
        .sum()
}

/// Added to every document that has all the words when most are enough, so those come
/// first whatever their word counts.
const ALL_WORDS: Score = 1000.0;
/// The weight of a near spelling of a word the library does not hold.
const NEAR_SPELLING: Score = 0.3;

/// The query of a text.
pub struct TextQuery {
    /// One clause a word (stop words left out unless there is nothing else).
    groups: Vec<Box<dyn Query>>,
    /// The same with abbreviations spelt out, for the relaxed query.
    relaxed: Vec<Box<dyn Query>>,
    /// Required phrases and excluded words.
    fixed: Vec<(Occur, Box<dyn Query>)>,
    /// Phrase and proximity boosts.
    boosts: Vec<Box<dyn Query>>,
    /// Words no document holds (folded), for the spelling suggestion.
    pub unknown: Vec<String>,
}

/// The clauses of some words (one a word, stop words left out unless there is nothing
/// else), the words no document holds, and the words with each abbreviation spelt out
/// (its longest term of more than one word), for the relaxed query.
fn word_groups(
    searcher: &Searcher,
    f: &Fields,
    words: &[Word],
) -> (Vec<Box<dyn Query>>, Vec<String>, Vec<Word>) {
    let stems: Vec<&str> = words.iter().map(|w| w.stem.as_str()).collect();
    let mut alternatives: Vec<Vec<&[String]>> = vec![Vec::new(); stems.len()];
    let mut spelt_out: Vec<Option<&[String]>> = vec![None; stems.len()];
    for (start, len, others) in synonyms().matches(&stems) {
        for a in &mut alternatives[start..start + len] {
            a.extend(others.iter().copied());
        }
        let longest = others.iter().copied().max_by_key(|t| t.len());
        if let Some(t) = longest.filter(|t| len == 1 && t.len() > 1) {
            spelt_out[start] = Some(t);
        }
    }
    let content: Vec<usize> = (0..words.len())
        .filter(|i| !is_stop(&words[*i].folded))
        .collect();
    let chosen: Vec<usize> = if content.is_empty() {
        (0..words.len()).collect()
    } else {
        content
    };
    let mut unknown = Vec::new();
    let mut groups = Vec::new();
    for i in chosen {
        let w = &words[i];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Should,
            anywhere(f, &positions(&words[i..=i]), 0, 1.0),
        )];
        for alt in &alternatives[i] {
            let alt = numbered(alt);
            // A synonym of several words is looked for in the short fields only: phrase
            // checks over attached text cost the most (docs/performance.md).
            let q = if alt.len() > 1 {
                within(&short(f), &alt, 0, 0.8)
            } else {
                anywhere(f, &alt, 0, 0.8)
            };
            clauses.push((Occur::Should, q));
        }
        if alternatives[i].is_empty() && known(searcher, f, &w.stem) == 0 {
            unknown.push(w.folded.clone());
            // Small typos: one edit in a short word, two in a long one.
            if w.stem.chars().count() >= 4 {
                let distance = if w.stem.chars().count() >= 8 { 2 } else { 1 };
                for field in [f.title, f.summary, f.tags] {
                    let q =
                        FuzzyTermQuery::new(Term::from_field_text(field, &w.stem), distance, true);
                    clauses.push((Occur::Should, boosted(Box::new(q), NEAR_SPELLING)));
                }
            }
        }
        groups.push(Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>);
    }
    let expanded = words
        .iter()
        .zip(&spelt_out)
        .flat_map(|(w, out)| match out {
            Some(t) => t
                .iter()
                .map(|s| Word {
                    position: 0,
                    folded: s.clone(),
                    stem: s.clone(),
                })
                .collect(),
            None => vec![w.clone()],
        })
        .enumerate()
        .map(|(position, w)| Word { position, ..w })
        .collect();
    (groups, unknown, expanded)
}

impl TextQuery {
    /// `None` when the text has no words at all.
    pub fn new(searcher: &Searcher, f: &Fields, p: &Parsed) -> Option<TextQuery> {
        if p.words.is_empty() && p.phrases.is_empty() && p.excluded.is_empty() {
            return None;
        }
        let (groups, unknown, expanded) = word_groups(searcher, f, &p.words);
        // "NQSW" alone, relaxed, is read as "newly qualified social worker".
        let relaxed = if expanded
            .iter()
            .map(|w| &w.stem)
            .eq(p.words.iter().map(|w| &w.stem))
        {
            groups.iter().map(|g| g.box_clone()).collect()
        } else {
            word_groups(searcher, f, &expanded).0
        };
        let mut fixed: Vec<(Occur, Box<dyn Query>)> = p
            .phrases
            .iter()
            .map(|ph| (Occur::Must, anywhere(f, &positions(ph), 0, 1.0)))
            .collect();
        for ex in &p.excluded {
            fixed.push((Occur::MustNot, anywhere(f, &positions(ex), 0, 1.0)));
        }
        let mut boosts = Vec::new();
        if p.words.len() > 1 {
            // The words as written, then within a few words of each other, in the title
            // only: phrase checks of common words over summaries tripled the slowest
            // searches of the benchmark (docs/performance.md).
            let all = positions(&p.words);
            let title = [(f.title, 3.0)];
            boosts.push(within(&title, &all, 0, 2.0));
            boosts.push(within(&title, &all, 3, 1.0));
        }
        Some(TextQuery {
            groups,
            relaxed,
            fixed,
            boosts,
            unknown,
        })
    }

    /// How many word clauses the relaxed query has: with one, relaxing changes nothing.
    pub fn word_count(&self) -> usize {
        self.relaxed.len()
    }

    /// Every word must match (`relaxed` false), or most of them, those with all first.
    pub fn query(&self, relaxed: bool) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = self
            .fixed
            .iter()
            .map(|(o, q)| (*o, q.box_clone()))
            .collect();
        if self.groups.is_empty() && !clauses.iter().any(|(o, _)| *o == Occur::Must) {
            // Only words to leave out: everything else.
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let all = || {
            self.groups
                .iter()
                .map(|g| (Occur::Must, g.box_clone()))
                .collect::<Vec<_>>()
        };
        if !relaxed || self.relaxed.len() < 2 {
            clauses.extend(all());
        } else {
            let most: Box<dyn Query> = Box::new(BooleanQuery::with_minimum_required_clauses(
                self.relaxed
                    .iter()
                    .map(|g| (Occur::Should, g.box_clone()))
                    .collect(),
                self.relaxed.len().div_ceil(2),
            ));
            let every: Box<dyn Query> = Box::new(ConstScoreQuery::new(
                Box::new(BooleanQuery::new(all())),
                ALL_WORDS,
            ));
            clauses.push((
                Occur::Must,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, most),
                    (Occur::Should, every),
                ])),
            ));
        }
        for b in &self.boosts {
            clauses.push((Occur::Should, b.box_clone()));
        }
        Box::new(BooleanQuery::new(clauses))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(w: &[Word]) -> Vec<&str> {
        w.iter().map(|w| w.stem.as_str()).collect()
    }

    #[test]
    fn queries_are_read_like_a_search_box() {
        let p = parse(r#"Social workers "support staff" -teaching NOT pay -"early years""#);
        assert_eq!(stems(&p.words), ["social", "worker"]);
        assert_eq!(p.phrases.len(), 1);
        assert_eq!(stems(&p.phrases[0]), ["support", "staff"]);
        let ex: Vec<Vec<&str>> = p.excluded.iter().map(|w| stems(w)).collect();
        assert_eq!(ex, [vec!["teach"], vec!["pay"], vec!["earli", "year"]]);
        // An open quote runs to the end; stray signs are ignored.
        let p = parse("\"support staff");
        assert_eq!(stems(&p.phrases[0]), ["support", "staff"]);
        assert_eq!(parse(" - ( ) \" "), Parsed::default());
        // A quoted single word is just a word.
        assert_eq!(stems(&parse("\"pay\"").words), ["pay"]);
    }
}
