//! Relevance measured on the demo library: the judged queries of
//! `data/evidence/judged.csv` (a query and the items relevant to it, by their row in
//! `data/evidence/items.csv`, judged from the items' titles, themes and sectors), with
//! recall and nDCG at 10. The figures are recorded in docs/evidence-search.md.

use super::*;

const JUDGED: &str = include_str!("../../../../data/evidence/judged.csv");

/// A relevant item not in the first ten: its id and its rank (from 1) if in the first 50.
type Missed = (i64, Option<usize>);

/// The figures of one run over the judged set.
#[derive(Debug)]
pub struct Figures {
    pub queries: usize,
    pub recall_at_10: f64,
    pub ndcg_at_10: f64,
    /// Share of queries with every relevant item in the first ten.
    pub all_found: f64,
    /// The queries that missed a relevant item, with what they missed and where it
    /// came (its rank, from 1, when in the first 50).
    pub misses: Vec<(String, Vec<Missed>)>,
}

fn judged() -> Vec<(String, Vec<i64>)> {
    csv::Reader::from_reader(JUDGED.as_bytes())
        .records()
        .map(|r| {
            let r = r.expect("judged.csv is valid CSV");
            let ids = r[1]
                .split(';')
                .map(|i| i.trim().parse().expect("an item number"))
                .collect();
            (r[0].to_string(), ids)
        })
        .collect()
}

/// The demo items indexed with their row numbers as ids.
fn demo_index() -> SearchIndex {
    let items: Vec<IndexedItem> = crate::demo::items()
        .unwrap()
        .into_iter()
        .enumerate()
        .map(|(i, fields)| IndexedItem {
            item: crate::unsaved_item(i as i64 + 1, fields),
            attachment_text: String::new(),
        })
        .collect();
    let ix = SearchIndex::in_memory().unwrap();
    let state = IndexState {
        schema_version: SCHEMA_VERSION,
        instance: "judged".into(),
        generation: 1,
    };
    ix.apply(&items, state, true, 1).unwrap();
    ix
}

pub fn measure() -> Figures {
    let ix = demo_index();
    let set = judged();
    let (mut recall, mut ndcg, mut all) = (0.0, 0.0, 0usize);
    let mut misses = Vec::new();
    for (text, relevant) in &set {
        let ranked: Vec<i64> = ix
            .search(&SearchRequest {
                text: text.clone(),
                limit: 50,
                ..Default::default()
            })
            .unwrap()
            .hits
            .iter()
            .map(|h| h.id)
            .collect();
        let top = &ranked[..ranked.len().min(10)];
        let found = relevant.iter().filter(|r| top.contains(r)).count();
        recall += found as f64 / relevant.len() as f64;
        let gain = |rank: usize| 1.0 / (rank as f64 + 2.0).log2();
        let dcg: f64 = top
            .iter()
            .enumerate()
            .filter(|(_, id)| relevant.contains(id))
            .map(|(rank, _)| gain(rank))
            .sum();
        let ideal: f64 = (0..relevant.len().min(10)).map(gain).sum();
        ndcg += dcg / ideal;
        if found == relevant.len() {
            all += 1;
        } else {
            let missed = relevant
                .iter()
                .filter(|r| !top.contains(r))
                .map(|r| (*r, ranked.iter().position(|x| x == r).map(|p| p + 1)));
            misses.push((text.clone(), missed.collect()));
        }
    }
    let n = set.len() as f64;
    Figures {
        queries: set.len(),
        recall_at_10: recall / n,
        ndcg_at_10: ndcg / n,
        all_found: all as f64 / n,
        misses,
    }
}

#[test]
fn judged_queries_find_their_relevant_items_in_the_first_ten() {
    let f = measure();
    // Shown with --nocapture: the figures docs/evidence-search.md records.
    println!(
        "{} judged queries: recall@10 {:.3}, nDCG@10 {:.3}, every relevant item in the first ten for {:.1} %",
        f.queries,
        f.recall_at_10,
        f.ndcg_at_10,
        f.all_found * 100.0
    );
    for (query, missed) in &f.misses {
        println!("  {query}: missed (item, rank) {missed:?}");
    }
    assert!(f.queries >= 30, "{}", f.queries);
    assert!(
        f.all_found >= 0.9,
        "only {:.0} % of the judged queries have every relevant item in the first ten: {f:#?}",
        f.all_found * 100.0
    );
}

#[test]
fn ordinary_questions_find_the_demo_items() {
    let ix = demo_index();
    for text in [
        "social workers",
        "social worker",
        "childminders",
        "early years qualifications",
        "newly qualified social workers",
    ] {
        let r = ix.search(&SearchRequest {
            text: text.into(),
            ..Default::default()
        });
        assert!(r.unwrap().total > 0, "{text} finds nothing");
    }
}
