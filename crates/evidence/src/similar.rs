//! Likely duplication of effort: when a study is registered, the existing items and
//! register entries most like it, scored by tf-idf cosine similarity over title (counted
//! twice), summary and tags. Scores run from 0 (nothing shared) to 1 (the same words in
//! the same proportions); from [`LIKELY_DUPLICATE`] up a pair is flagged.

use observatory_store::evidence::{Item, RegisterEntry, RegisterFields, Tags};
use serde::Serialize;
use std::collections::HashMap;

/// Scores at or above this are flagged as likely duplication.
pub const LIKELY_DUPLICATE: f64 = 0.5;
/// Scores below this are not worth showing.
pub const MIN_SHOWN: f64 = 0.1;

/// What one text is made of, for comparison.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    terms: HashMap<String, f64>,
}

const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "into", "is",
    "it", "its", "of", "on", "or", "that", "the", "their", "this", "to", "was", "were", "what",
    "which", "with", "how", "does", "do", "we", "our", "report", "study", "research",
];

/// Lower-case words without stop words, with a light plural strip ("workers" ->
/// "worker"), so near forms of a word meet.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| {
            if w.len() > 4 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w
            }
        })
}

impl Doc {
    pub fn new(title: &str, summary: &str, tags: &Tags) -> Doc {
        let mut terms: HashMap<String, f64> = HashMap::new();
        for w in words(title) {
            *terms.entry(w).or_default() += 2.0;
        }
        for w in words(summary) {
            *terms.entry(w).or_default() += 1.0;
        }
        for (f, v) in tags.pairs() {
            *terms.entry(format!("{f}:{v}")).or_default() += 1.0;
        }
        Doc { terms }
    }

    pub fn of_item(i: &Item) -> Doc {
        Doc::new(&i.fields.title, &i.fields.summary, &i.fields.tags)
    }

    pub fn of_register(f: &RegisterFields) -> Doc {
        Doc::new(&f.title, &f.summary, &f.tags)
    }
}

/// One existing item or entry like the new one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Similar {
    /// `item` or `register`.
    pub kind: String,
    pub id: i64,
    pub title: String,
    pub organisation: Option<String>,
    /// The item's year, or the entry's status and due date.
    pub when: String,
    pub score: f64,
    pub likely_duplicate: bool,
}

fn weigh(d: &Doc, idf: &HashMap<&str, f64>) -> HashMap<String, f64> {
    let v: HashMap<String, f64> = d
        .terms
        .iter()
        .map(|(t, tf)| (t.clone(), tf * idf.get(t.as_str()).copied().unwrap_or(1.0)))
        .collect();
    let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
    if norm == 0.0 {
        return v;
    }
    v.into_iter().map(|(k, x)| (k, x / norm)).collect()
}

/// Cosine similarity of `query` with every document, with idf over all of them.
pub fn scores(query: &Doc, docs: &[Doc]) -> Vec<f64> {
    let n = docs.len() as f64 + 1.0;
    let mut df: HashMap<&str, f64> = HashMap::new();
    for d in docs.iter().chain(std::iter::once(query)) {
        for t in d.terms.keys() {
            *df.entry(t.as_str()).or_default() += 1.0;
        }
    }
    let idf: HashMap<&str, f64> = df
        .into_iter()
        .map(|(t, f)| (t, (n / f).ln() + 1.0))
        .collect();
    let q = weigh(query, &idf);
    docs.iter()
        .map(|d| {
            let w = weigh(d, &idf);
            q.iter()
                .map(|(t, x)| x * w.get(t).copied().unwrap_or(0.0))
                .sum()
        })
        .collect()
}

/// The `limit` items and register entries most like `query` (scores of at least
/// [`MIN_SHOWN`]), most similar first. `skip_entry` leaves out the entry itself.
pub fn most_similar(
    query: &Doc,
    items: &[Item],
    entries: &[RegisterEntry],
    skip_entry: Option<i64>,
    limit: usize,
) -> Vec<Similar> {
    let entries: Vec<&RegisterEntry> = entries
        .iter()
        .filter(|e| Some(e.id) != skip_entry)
        .collect();
    let docs: Vec<Doc> = items
        .iter()
        .map(Doc::of_item)
        .chain(entries.iter().map(|e| Doc::of_register(&e.fields)))
        .collect();
    let s = scores(query, &docs);
    let mut out: Vec<Similar> = Vec::new();
    for (i, score) in s.into_iter().enumerate() {
        if score < MIN_SHOWN {
            continue;
        }
        let score = (score * 1000.0).round() / 1000.0;
        let sim = if i < items.len() {
            let it = &items[i];
            Similar {
                kind: "item".into(),
                id: it.id,
                title: it.fields.title.clone(),
                organisation: it.fields.organisation.clone(),
                when: it.fields.year.map(|y| y.to_string()).unwrap_or_default(),
                score,
                likely_duplicate: score >= LIKELY_DUPLICATE,
            }
        } else {
            let e = entries[i - items.len()];
            let due = e
                .fields
                .due_note
                .clone()
                .or_else(|| e.fields.due_date.clone())
                .map(|d| format!(", due {d}"))
                .unwrap_or_default();
            Similar {
                kind: "register".into(),
                id: e.id,
                title: e.fields.title.clone(),
                organisation: Some(e.fields.organisation.clone()),
                when: format!("{}{due}", e.fields.status.replace('_', " ")),
                score,
                likely_duplicate: score >= LIKELY_DUPLICATE,
            }
        };
        out.push(sim);
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, title: &str, theme: &str) -> RegisterEntry {
        let mut tags = Tags::default();
        tags.add("theme", theme);
        RegisterEntry {
            id,
            fields: RegisterFields {
                title: title.into(),
                organisation: "DCSF".into(),
                status: "in_progress".into(),
                tags,
                ..Default::default()
            },
            added_at: String::new(),
            added_by: String::new(),
        }
    }

    #[test]
    fn the_same_study_in_other_words_scores_highest() {
        let entries = vec![
            entry(
                1,
                "Deployment and Impact of Support Staff in Schools",
                "workforce_reform",
            ),
            entry(2, "School Workforce in England", "workforce_composition"),
            entry(
                3,
                "Extended Schools Subsidy Pathfinder Evaluation",
                "workforce_reform",
            ),
            entry(
                4,
                "National Succession Diversity Consultation",
                "leadership_succession",
            ),
        ];
        let mut tags = Tags::default();
        tags.add("theme", "workforce_reform");
        let q = Doc::new(
            "The impact of support staff deployment in schools",
            "",
            &tags,
        );
        let found = most_similar(&q, &[], &entries, None, 3);
        assert_eq!(found[0].id, 1, "{found:?}");
        assert!(found[0].likely_duplicate, "{found:?}");
        assert!(
            found.iter().all(|s| s.id != 4),
            "unrelated entry shown: {found:?}"
        );
        // The entry itself is left out when asked.
        let again = most_similar(
            &Doc::of_register(&entries[0].fields),
            &[],
            &entries,
            Some(1),
            3,
        );
        assert!(again.iter().all(|s| s.id != 1));
    }

    #[test]
    fn identical_texts_score_one_and_unrelated_zero() {
        let t = Tags::default();
        let a = Doc::new("Childminding networks and qualifications", "", &t);
        let s = scores(&a, &[a.clone(), Doc::new("Youth justice officers", "", &t)]);
        assert!((s[0] - 1.0).abs() < 1e-9);
        assert_eq!(s[1], 0.0);
    }
}
