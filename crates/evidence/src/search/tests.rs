//! Relevance, facets, filters, sorting and snippets on a fixed corpus.

use super::*;
use observatory_store::evidence::{ItemFields, Tags};

struct Spec {
    title: &'static str,
    summary: &'static str,
    attachment: &'static str,
    org: &'static str,
    year: i32,
    ty: &'static str,
    strength: Option<&'static str>,
    tags: &'static [(&'static str, &'static str)],
}

const CORPUS: &[Spec] = &[
    Spec {
        title: "Deployment and Impact of Support Staff in Schools",
        summary: "Teaching assistants and other support staff: how they are deployed and what difference they make to pupils.",
        attachment: "",
        org: "Institute of Education",
        year: 2008,
        ty: "research_report",
        strength: Some("moderate"),
        tags: &[("theme", "workforce_reform"), ("sector", "education")],
    },
    Spec {
        title: "Childminding networks and the quality of home-based care",
        summary: "Childminders who belong to a network are better qualified than those who do not.",
        attachment: "",
        org: "DCSF",
        year: 2006,
        ty: "research_report",
        strength: Some("indicative"),
        tags: &[("theme", "qualifications"), ("sector", "early_years")],
    },
    Spec {
        title: "Seven Strong Claims about Successful School Leadership",
        summary: "Headteachers improve teaching and learning indirectly.",
        attachment: "",
        org: "NCSL",
        year: 2006,
        ty: "evidence_review",
        strength: Some("strong"),
        tags: &[
            ("theme", "leadership_succession"),
            ("sector", "education"),
            ("sector", "leadership"),
        ],
    },
    Spec {
        title: "Youth offending teams: a workforce survey",
        summary: "Numbers, roles and qualifications of staff, including those with leadership duties.",
        attachment: "",
        org: "Youth Justice Board",
        year: 2007,
        ty: "data_release",
        strength: None,
        tags: &[("theme", "workforce_composition"), ("sector", "justice")],
    },
    Spec {
        title: "Foster carers: why they stay",
        summary: "Altruism is the main reason for fostering; support decides whether carers continue.",
        attachment: "Interviews with 40 carers found supervision visits and respite breaks mattered most.",
        org: "CWDC",
        year: 2008,
        ty: "case_study",
        strength: Some("limited"),
        tags: &[("theme", "motivation"), ("sector", "social_care")],
    },
    Spec {
        title: "Pay and rewards of early years practitioners",
        summary: "Low pay <script>alert(1)</script> and status drive turnover in nurseries.",
        attachment: "",
        org: "Daycare Trust",
        year: 2003,
        ty: "research_report",
        strength: Some("indicative"),
        tags: &[("theme", "status_rewards"), ("sector", "early_years")],
    },
    Spec {
        title: "Multi-agency working: a detailed study",
        summary: "Models of multi-agency activity across education, social care and health.",
        attachment: "",
        org: "NFER",
        year: 2002,
        ty: "research_report",
        strength: Some("moderate"),
        tags: &[
            ("theme", "workforce_reform"),
            ("sector", "social_care"),
            ("sector", "health"),
        ],
    },
    Spec {
        title: "Induction standards pilot in a youth offending team",
        summary: "Piloting CWDC induction standards with new starters.",
        attachment: "",
        org: "Warwickshire County Council",
        year: 2007,
        ty: "emerging_practice",
        strength: None,
        tags: &[("theme", "common_core"), ("sector", "justice")],
    },
];

pub(crate) fn corpus() -> Vec<IndexedItem> {
    CORPUS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut tags = Tags::default();
            for (f, v) in s.tags {
                tags.add(f, v);
            }
            IndexedItem {
                item: crate::unsaved_item(
                    i as i64 + 1,
                    ItemFields {
                        title: s.title.into(),
                        authors: vec!["Author, A.".into()],
                        organisation: Some(s.org.into()),
                        year: Some(s.year),
                        item_type: s.ty.into(),
                        summary: s.summary.into(),
                        strength: s.strength.map(String::from),
                        tags,
                        ..Default::default()
                    },
                ),
                attachment_text: s.attachment.into(),
            }
        })
        .collect()
}

fn state() -> IndexState {
    IndexState {
        schema_version: SCHEMA_VERSION,
        instance: "test".into(),
        generation: 1,
    }
}

fn index() -> SearchIndex {
    let ix = SearchIndex::in_memory().unwrap();
    ix.apply(&corpus(), state(), true, 1).unwrap();
    ix
}

fn ids(ix: &SearchIndex, r: &SearchRequest) -> Vec<i64> {
    ix.search(r).unwrap().hits.iter().map(|h| h.id).collect()
}

fn q(text: &str) -> SearchRequest {
    SearchRequest {
        text: text.into(),
        ..Default::default()
    }
}

#[test]
fn known_queries_return_known_items_first() {
    let ix = index();
    assert_eq!(ids(&ix, &q("support staff"))[0], 1);
    // Stemming: "networks" and "childminder" meet "network" and "Childminders".
    assert_eq!(ids(&ix, &q("childminder networks")), vec![2]);
    // A title match outranks the same word in a summary.
    let lead = ids(&ix, &q("leadership"));
    assert_eq!(lead, vec![3, 4]);
    assert_eq!(ids(&ix, &q("youth offending"))[..2], [4, 8]);
    // Organisations and authors are searched too.
    assert_eq!(ids(&ix, &q("NFER"))[0], 7);
    // Words only in an attachment are found, with the snippet from there.
    let r = ix.search(&q("respite")).unwrap();
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.hits[0].id, 5);
    assert_eq!(r.hits[0].snippet_from, "attachment");
    assert!(
        r.hits[0].snippet_html.contains("<b>respite</b>"),
        "{}",
        r.hits[0].snippet_html
    );
    // Phrases and exclusions.
    assert_eq!(
        ids(&ix, &q("\"support staff\" -teaching")),
        Vec::<i64>::new()
    );
    assert!(ids(&ix, &q("nothing-like-this-anywhere")).is_empty());
    // Only words to leave out: everything but them.
    assert_eq!(ix.search(&q("-teaching")).unwrap().total, 6);
    // A stray quote does not fail the search.
    assert_eq!(ids(&ix, &q("\"support staff"))[0], 1);
}

#[test]
fn words_match_whatever_their_form_case_accents_or_synonym() {
    let ix = index();
    let set = |text: &str| {
        let mut v = ids(&ix, &q(text));
        v.sort();
        v
    };
    assert_eq!(ids(&ix, &q("CHILDMINDER")), vec![2]);
    assert_eq!(ids(&ix, &q("fostér carer")), vec![5]);
    // Synonyms and abbreviations of the field, both ways.
    assert_eq!(set("YOT"), vec![4, 8]);
    assert_eq!(ids(&ix, &q("child minders")), vec![2]);
    assert_eq!(ids(&ix, &q("teaching assistant"))[0], 1);
    // The labels of an item's tags are words too: "early years" is a sector.
    let found = ids(&ix, &q("early years pay"));
    assert_eq!(found[0], 6);
    assert!(found.contains(&2), "{found:?}");
}

#[test]
fn all_the_words_come_first_then_most_of_them() {
    let ix = index();
    // Item 4 has all three words, item 8 two of them; item 3 (one) is left out.
    assert_eq!(ids(&ix, &q("youth offending leadership")), vec![4, 8]);
    // A word nobody wrote does not empty the results.
    let r = ix.search(&q("youth offending zebra")).unwrap();
    assert_eq!(r.hits.len(), 2, "{r:?}");
    assert_eq!(r.did_you_mean, None, "nothing near enough to zebra");
    // When every word is found nothing else is suggested.
    assert_eq!(ix.search(&q("childminders")).unwrap().did_you_mean, None);
}

#[test]
fn small_typos_are_tolerated_and_a_spelling_suggested() {
    let ix = index();
    let r = ix.search(&q("chilminders networks")).unwrap();
    assert_eq!(r.hits.first().map(|h| h.id), Some(2), "{r:?}");
    assert_eq!(r.did_you_mean.as_deref(), Some("childminders networks"));
    let r = ix.search(&q("-\"Foster\" carers stya")).unwrap();
    assert_eq!(r.did_you_mean.as_deref(), Some("-\"Foster\" carers stay"));
}

#[test]
fn html_of_a_hit_reads_as_plain_text() {
    assert_eq!(
        plain_text(
            "Children&#x27;s <b>support</b> &amp; &lt;care&gt; &#39;x&#39; &bogus; a & b <i>"
        ),
        "Children's support & <care> 'x' &bogus; a & b <i>"
    );
}

#[test]
fn snippets_highlight_and_escape() {
    let ix = index();
    let r = ix.search(&q("support staff")).unwrap();
    let h = &r.hits[0];
    assert!(
        h.title_html.contains("<b>Support</b> <b>Staff</b>"),
        "{}",
        h.title_html
    );
    assert!(
        h.snippet_html.contains("<b>support</b> <b>staff</b>"),
        "{}",
        h.snippet_html
    );
    let r = ix.search(&q("nurseries")).unwrap();
    assert!(
        r.hits[0].snippet_html.contains("&lt;script&gt;"),
        "{}",
        r.hits[0].snippet_html
    );
    assert!(!r.hits[0].snippet_html.contains("<script>"));
    // Without words, the snippet is the start of the summary, escaped.
    let r = ix
        .search(&SearchRequest {
            filters: vec![("theme".into(), "status_rewards".into())],
            ..Default::default()
        })
        .unwrap();
    assert!(r.hits[0].snippet_html.starts_with("Low pay &lt;script&gt;"));
    assert_eq!(
        r.hits[0].title_html,
        "Pay and rewards of early years practitioners"
    );
}

#[test]
fn facets_count_the_results_and_filters_narrow_them() {
    let ix = index();
    let all = ix.search(&SearchRequest::default()).unwrap();
    assert_eq!(all.total, 8);
    let count = |r: &SearchResults, f: &str, v: &str| {
        r.facets[f]
            .iter()
            .find(|c| c.value == v)
            .map(|c| c.count)
            .unwrap_or(0)
    };
    assert_eq!(count(&all, "type", "research_report"), 4);
    assert_eq!(
        all.facets["type"][0].value, "research_report",
        "largest first"
    );
    assert_eq!(all.facets["type"][0].label, "Research report");
    assert_eq!(count(&all, "sector", "education"), 2);
    assert_eq!(count(&all, "sector", "justice"), 2);
    assert_eq!(count(&all, "year", "2006"), 2);
    assert_eq!(all.facets["year"][0].value, "2008", "years newest first");
    assert_eq!(count(&all, "strength", "moderate"), 2);
    assert_eq!(count(&all, "organisation", "Youth Justice Board"), 1);

    let mut r = SearchRequest::default();
    r.add_filter("sector", "Crime and justice").unwrap();
    let res = ix.search(&r).unwrap();
    assert_eq!(res.total, 2);
    assert_eq!(count(&res, "theme", "common_core"), 1);
    assert!(
        res.facets["sector"]
            .iter()
            .any(|c| c.value == "justice" && c.selected)
    );
    // Two values of one facet are alternatives; another facet narrows.
    r.add_filter("sector", "education").unwrap();
    assert_eq!(ix.search(&r).unwrap().total, 4);
    r.add_filter("theme", "workforce_reform").unwrap();
    assert_eq!(ids(&ix, &r), vec![1]);
    let mut r = SearchRequest::default();
    r.add_filter("organisation", "Youth Justice Board").unwrap();
    assert_eq!(ids(&ix, &r), vec![4]);
    let r = SearchRequest {
        year_from: Some(2006),
        year_to: Some(2007),
        ..Default::default()
    };
    assert_eq!(ix.search(&r).unwrap().total, 4);
    assert!(
        SearchRequest::default()
            .add_filter("colour", "red")
            .is_err()
    );
    assert!(
        SearchRequest::default()
            .add_filter("theme", "nonsense")
            .is_err()
    );
}

#[test]
fn sorting_and_paging() {
    let ix = index();
    let newest = ids(
        &ix,
        &SearchRequest {
            sort: Sort::Newest,
            limit: 3,
            ..Default::default()
        },
    );
    // 2008 items, most recently added first.
    assert_eq!(newest, vec![5, 1, 8]);
    let oldest = ids(
        &ix,
        &SearchRequest {
            sort: Sort::Oldest,
            limit: 2,
            ..Default::default()
        },
    );
    assert_eq!(oldest, vec![7, 6]);
    let page2 = ix
        .search(&SearchRequest {
            sort: Sort::Oldest,
            limit: 2,
            offset: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page2.total, 8);
    assert_eq!(
        page2.hits.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![2, 3]
    );
}

#[test]
fn urls_round_trip_into_requests() {
    let r = SearchRequest::from_pairs([
        ("q", "support staff"),
        ("theme", "Workforce reform"),
        ("sector", "education"),
        ("sort", "newest"),
        ("page", "2"),
        ("from", "2005"),
    ])
    .unwrap();
    assert_eq!(
        r.filters,
        vec![
            ("theme".to_string(), "workforce_reform".to_string()),
            ("sector".into(), "education".into())
        ]
    );
    assert_eq!(
        (r.offset, r.limit, r.sort, r.year_from),
        (20, 20, Sort::Newest, Some(2005))
    );
    assert_eq!(
        r.query_string(),
        "q=support%20staff&theme=workforce_reform&sector=education&from=2005&sort=newest"
    );
    let e = SearchRequest::from_pairs([("page", "0")]).unwrap_err();
    assert!(e.to_string().contains("not a page number"));
    assert!(SearchRequest::from_pairs([("sort", "best")]).is_err());
}

#[test]
fn an_index_on_disk_keeps_its_state_and_replaces_items() {
    let dir = std::env::temp_dir().join(format!("obs-ix-{}-{}", std::process::id(), line!()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let ix = SearchIndex::open(&dir).unwrap();
        assert!(ix.state().is_none());
        ix.apply(&corpus(), state(), true, 1).unwrap();
    }
    let ix = SearchIndex::open(&dir).unwrap();
    assert_eq!(ix.state(), Some(state()));
    assert_eq!(ix.len(), 8);
    // An item written again replaces its old document.
    let mut changed = corpus().remove(0);
    changed.item.fields.title = "Renamed about apprenticeships".into();
    ix.apply(
        &[changed],
        IndexState {
            generation: 2,
            ..state()
        },
        false,
        1,
    )
    .unwrap();
    assert_eq!(ix.len(), 8);
    assert_eq!(ids(&ix, &q("apprenticeships")), vec![1]);
    assert!(
        ids(&ix, &q("\"impact of support\"")).is_empty(),
        "the old title is gone"
    );
    drop(ix);
    // An index of another schema version is thrown away.
    let mut s = state();
    s.schema_version = 0;
    std::fs::write(dir.join("state.json"), serde_json::to_vec(&s).unwrap()).unwrap();
    let ix = SearchIndex::open(&dir).unwrap();
    assert!(ix.state().is_none());
    assert_eq!(ix.len(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Found by trying: a query of a few thousand nested brackets or NOTs overflowed the
/// stack inside tantivy's parser and aborted the process (the web server with it). Run
/// on a thread with the default 2 MB stack, as the server's threads are.
#[test]
fn deeply_nested_queries_are_answered_not_a_stack_overflow() {
    let ix = index();
    let hostile = [
        format!("{}recruitment{}", "(".repeat(5000), ")".repeat(5000)),
        format!("{}recruitment", "NOT ".repeat(3000)),
        format!("{}recruitment", "-".repeat(5000)),
        "(".repeat(100_000),
    ];
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            for text in &hostile {
                ix.search(&q(text)).expect("answered");
            }
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(tame(&"(".repeat(40)).len(), MAX_NESTING);
    assert_eq!(tame(&"é".repeat(900)).chars().count(), MAX_QUERY_CHARS);
    assert_eq!(tame("((a) OR (b))"), "((a) OR (b))");
}
