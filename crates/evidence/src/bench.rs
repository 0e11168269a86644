//! The search benchmark: a seeded generator of realistic evidence items (titles and
//! summaries from the workforce's own vocabulary, words drawn with a Zipf-like skew so
//! some are common and most rare, tags from the taxonomy), an index built from them on
//! disk, and the latency of many searches (free text, facet filters, both sorts).

use anyhow::Result;
use observatory_store::evidence::{IndexedItem, ItemFields, Tags};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

use crate::search::{IndexState, SCHEMA_VERSION, SearchIndex, SearchRequest, Sort};
use crate::taxonomy::taxonomy;

const WORDS: &[&str] = &[
    "workforce",
    "children",
    "young",
    "people",
    "practice",
    "early",
    "years",
    "social",
    "care",
    "school",
    "teachers",
    "support",
    "staff",
    "leadership",
    "qualifications",
    "training",
    "development",
    "integrated",
    "working",
    "outcomes",
    "evaluation",
    "recruitment",
    "retention",
    "pay",
    "rewards",
    "status",
    "multi-agency",
    "teams",
    "families",
    "parents",
    "foster",
    "carers",
    "youth",
    "workers",
    "health",
    "visitors",
    "nurses",
    "childminders",
    "nursery",
    "playwork",
    "sport",
    "coaches",
    "justice",
    "offending",
    "managers",
    "supervision",
    "induction",
    "mentoring",
    "turnover",
    "vacancies",
    "agency",
    "diversity",
    "ethnicity",
    "gender",
    "disability",
    "local",
    "authority",
    "trust",
    "partnership",
    "strategy",
    "planning",
    "commissioning",
    "pilot",
    "programme",
    "pathfinder",
    "extended",
    "services",
    "centres",
    "sure",
    "start",
    "prevention",
    "intervention",
    "safeguarding",
    "assessment",
    "common",
    "core",
    "skills",
    "knowledge",
    "graduate",
    "professional",
    "standards",
    "excellence",
    "quality",
    "inspection",
    "ofsted",
    "census",
    "survey",
    "data",
    "trends",
    "composition",
    "reform",
    "remodelling",
    "teaching",
    "assistants",
    "pedagogy",
    "learning",
    "transfer",
    "scaling",
    "innovation",
    "succession",
    "headteachers",
    "motivation",
    "aspirations",
    "career",
    "progression",
    "apprenticeships",
    "volunteers",
    "voluntary",
    "private",
    "public",
    "sector",
    "rural",
    "urban",
    "deprivation",
    "disadvantaged",
    "inclusion",
    "special",
    "educational",
    "needs",
    "mental",
    "wellbeing",
    "attainment",
    "achievement",
    "behaviour",
    "attendance",
    "exclusion",
    "participation",
    "voice",
    "consultation",
    "evidence",
    "review",
    "synthesis",
    "case",
    "study",
    "framework",
    "toolkit",
    "guidance",
    "network",
    "regional",
    "national",
    "england",
    "children's",
    "trust",
    "board",
    "budget",
    "pooled",
    "resources",
    "capacity",
    "demand",
    "supply",
    "projection",
    "retirement",
    "ageing",
    "entrants",
    "leavers",
    "stability",
    "wastage",
    "workload",
    "stress",
    "burnout",
    "flexible",
    "part-time",
    "contracts",
    "terms",
    "conditions",
    "bilingual",
    "community",
    "cohesion",
    "faith",
    "refugee",
    "asylum",
    "looked-after",
    "residential",
    "homes",
    "adoption",
    "kinship",
    "domestic",
    "violence",
    "substance",
    "misuse",
    "housing",
];

const SURNAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "Ahmed", "Hughes", "Edwards", "Moss", "Petrie", "Cameron",
    "Sammons", "Sylva", "Melhuish", "Harris", "Day", "Coldwell", "Hobson",
];

const ORGANISATIONS: &[&str] = &[
    "CWDC",
    "DCSF",
    "TDA",
    "NCSL",
    "NFER",
    "Ofsted",
    "SCIE",
    "research in practice",
    "Institute of Education",
    "Thomas Coram Research Unit",
    "Sheffield Hallam University",
    "University of Warwick",
    "Leeds Metropolitan University",
    "C4EO",
    "Innovation Unit",
    "National Children's Bureau",
    "Skills for Care",
    "Local Government Association",
    "NHS Employers",
    "Youth Justice Board",
    "Daycare Trust",
    "Barnardo's",
    "NSPCC",
    "Action for Children",
    "Children's Workforce Network",
];

/// Pick an index skewed towards the start of a list (about Zipf with s = 1).
fn skewed(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let u: f64 = rng.random_range(0.0..1.0);
    (((n as f64 + 1.0).powf(u) - 1.0) as usize).min(n - 1)
}

fn sentence(rng: &mut ChaCha8Rng, words: usize) -> String {
    (0..words)
        .map(|_| WORDS[skewed(rng, WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

fn pick<'a>(rng: &mut ChaCha8Rng, v: &'a [String]) -> &'a str {
    &v[rng.random_range(0..v.len())]
}

/// `n` generated items, the same for the same seed.
pub fn generate(n: usize, seed: u64) -> Vec<IndexedItem> {
    let tax = taxonomy();
    let codes = |v: &crate::taxonomy::Vocabulary| v.codes().map(String::from).collect::<Vec<_>>();
    let (types, themes, sectors, outcomes, strengths) = (
        codes(&tax.types),
        codes(&tax.themes),
        codes(&tax.sectors),
        codes(&tax.outcomes),
        codes(&tax.strengths),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (1..=n as i64)
        .map(|id| {
            let mut tags = Tags::default();
            for _ in 0..rng.random_range(1..=3) {
                tags.add("theme", pick(&mut rng, &themes));
            }
            for _ in 0..rng.random_range(1..=2) {
                tags.add("sector", pick(&mut rng, &sectors));
            }
            if rng.random_bool(0.5) {
                tags.add("outcome", pick(&mut rng, &outcomes));
            }
            let authors = (0..rng.random_range(0..4))
                .map(|_| {
                    format!(
                        "{}, {}.",
                        SURNAMES[rng.random_range(0..SURNAMES.len())],
                        (b'A' + rng.random_range(0..26u8)) as char
                    )
                })
                .collect();
            let title_words = rng.random_range(5..12);
            let summary_words = rng.random_range(40..120);
            let attachment = if rng.random_bool(0.2) {
                sentence(&mut rng, 400)
            } else {
                String::new()
            };
            IndexedItem {
                item: crate::unsaved_item(
                    id,
                    ItemFields {
                        title: sentence(&mut rng, title_words),
                        authors,
                        organisation: Some(
                            ORGANISATIONS[skewed(&mut rng, ORGANISATIONS.len())].into(),
                        ),
                        year: Some(rng.random_range(1995..=2026)),
                        item_type: pick(&mut rng, &types).into(),
                        summary: sentence(&mut rng, summary_words),
                        strength: rng
                            .random_bool(0.6)
                            .then(|| pick(&mut rng, &strengths).to_string()),
                        tags,
                        ..Default::default()
                    },
                ),
                attachment_text: attachment,
            }
        })
        .collect()
}

/// The searches the benchmark times, the same for the same seed: one to three words,
/// a quarter with a facet filter, a fifth sorted newest first, some with no words.
pub fn queries(n: usize, seed: u64) -> Vec<SearchRequest> {
    let tax = taxonomy();
    let themes: Vec<String> = tax.themes.codes().map(String::from).collect();
    let sectors: Vec<String> = tax.sectors.codes().map(String::from).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    (0..n)
        .map(|_| {
            let mut r = SearchRequest {
                limit: 20,
                ..Default::default()
            };
            let words = rng.random_range(0..=3);
            r.text = (0..words)
                .map(|_| WORDS[rng.random_range(0..WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ");
            if rng.random_bool(0.25) {
                r.filters
                    .push(("theme".into(), pick(&mut rng, &themes).into()));
            }
            if rng.random_bool(0.15) {
                r.filters
                    .push(("sector".into(), pick(&mut rng, &sectors).into()));
            }
            if rng.random_bool(0.2) {
                r.sort = Sort::Newest;
            }
            r
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub items: usize,
    pub generate_s: f64,
    pub index_build_s: f64,
    pub index_bytes: u64,
    pub queries: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_hits: f64,
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|d| {
            d.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Generate `items`, index them into `dir` (emptied first) and time `queries` searches
/// (after a warm-up of 50).
pub fn run(
    dir: &Path,
    items: usize,
    queries_n: usize,
    seed: u64,
    threads: usize,
) -> Result<BenchReport> {
    let t = Instant::now();
    let docs = generate(items, seed);
    let generate_s = t.elapsed().as_secs_f64();
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    let index = SearchIndex::open(dir)?;
    let t = Instant::now();
    index.apply(
        &docs,
        IndexState {
            schema_version: SCHEMA_VERSION,
            instance: "bench".into(),
            generation: 1,
        },
        true,
        threads,
    )?;
    let index_build_s = t.elapsed().as_secs_f64();
    drop(docs);
    let qs = queries(queries_n + 50, seed);
    for q in &qs[..50] {
        index.search(q)?;
    }
    let mut times = Vec::with_capacity(queries_n);
    let mut hits = 0usize;
    for q in &qs[50..] {
        let t = Instant::now();
        let r = index.search(q)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        hits += r.total;
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    Ok(BenchReport {
        items,
        generate_s,
        index_build_s,
        index_bytes: dir_size(dir),
        queries: queries_n,
        p50_ms: pct(0.5),
        p90_ms: pct(0.9),
        p99_ms: pct(0.99),
        max_ms: *times.last().unwrap_or(&0.0),
        mean_hits: hits as f64 / queries_n.max(1) as f64,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn generation_is_seeded_and_valid() {
        let a = super::generate(50, 7);
        let b = super::generate(50, 7);
        assert_eq!(a[49].item.fields, b[49].item.fields);
        assert_ne!(
            a[0].item.fields.title,
            super::generate(1, 8)[0].item.fields.title
        );
        for it in &a {
            let mut f = it.item.fields.clone();
            crate::model::check_item(&mut f).unwrap();
        }
    }

    #[test]
    fn a_small_benchmark_runs() {
        let dir = std::env::temp_dir().join(format!("obs-bench-{}", std::process::id()));
        let r = super::run(&dir, 500, 100, 1, 1).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(r.items, 500);
        assert!(
            r.p50_ms <= r.p99_ms && r.index_bytes > 0 && r.mean_hits > 0.0,
            "{r:?}"
        );
    }
}
