//! Demo content: the references and the current and planned research listed in the
//! policy documents the product was designed from, kept as data files
//! (`data/evidence/items.csv`, `data/evidence/register.csv`) and loaded into a library.
//! Facts only: titles, authors, organisations, years, due dates, the tags that place
//! them on the gap map, and for each item a short description in our own words of
//! where and why those documents cite it (never a claim about findings they do not make),
//! so the demo library answers ordinary questions.

use anyhow::{Context, Result};
use observatory_store::evidence::{ItemFields, RegisterFields, Tags};
use serde::Serialize;

use crate::Library;
use crate::model::{check_item, check_register};

const ITEMS: &str = include_str!("../../../data/evidence/items.csv");
const REGISTER: &str = include_str!("../../../data/evidence/register.csv");

/// Where each demo record was listed.
fn source(code: &str) -> &'static str {
    match code {
        "EKM" => {
            "Listed in 2020 Children and Young People's Workforce Strategy: Evidence & Knowledge Management (CWDC, NCSL and TDA, 2008)."
        }
        "RIP" => {
            "Listed in research in practice's evidence submission to the 2020 Children's Workforce Strategy (2008)."
        }
        "CWS" => "Cited in the Children's Workforce Strategy consultation (DfES, 2005).",
        "LWS" => "Listed in the CWDC local workforce strategy toolkit (May 2007).",
        _ => "",
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    let mut t = Tags::default();
    for (facet, values) in pairs {
        for v in list(values) {
            t.add(facet, &v);
        }
    }
    t
}

fn records(text: &str, file: &str) -> Result<Vec<csv::StringRecord>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.records()
        .enumerate()
        .map(|(i, rec)| rec.with_context(|| format!("{file} row {} is not valid CSV", i + 2)))
        .collect()
}

/// The demo items, checked.
pub fn items() -> Result<Vec<ItemFields>> {
    let mut out = Vec::new();
    for (i, r) in records(ITEMS, "data/evidence/items.csv")?
        .iter()
        .enumerate()
    {
        let g = |n: usize| r.get(n).unwrap_or("");
        let mut f = ItemFields {
            item_type: g(0).into(),
            title: g(1).into(),
            authors: list(g(2)),
            organisation: opt(g(3)),
            year: g(4).trim().parse().ok(),
            container: opt(g(5)),
            volume: opt(g(6)),
            issue: opt(g(7)),
            pages: opt(g(8)),
            place: opt(g(9)),
            report_number: opt(g(10)),
            link: opt(g(11)),
            tags: tags(&[
                ("theme", g(12)),
                ("sector", g(13)),
                ("outcome", g(14)),
                ("geography", g(15)),
            ]),
            summary: format!("{} {}", g(17).trim(), source(g(16)))
                .trim()
                .to_string(),
            ..Default::default()
        };
        check_item(&mut f).with_context(|| format!("data/evidence/items.csv row {}", i + 2))?;
        out.push(f);
    }
    Ok(out)
}

/// The demo register entries, checked.
pub fn register() -> Result<Vec<RegisterFields>> {
    let mut out = Vec::new();
    for (i, r) in records(REGISTER, "data/evidence/register.csv")?
        .iter()
        .enumerate()
    {
        let g = |n: usize| r.get(n).unwrap_or("");
        let mut f = RegisterFields {
            organisation: g(0).into(),
            title: g(1).into(),
            status: g(2).into(),
            due_date: opt(g(3)),
            due_note: opt(g(4)),
            tags: tags(&[("theme", g(5)), ("sector", g(6))]),
            summary: source(g(7)).into(),
            item_id: None,
        };
        check_register(&mut f)
            .with_context(|| format!("data/evidence/register.csv row {}", i + 2))?;
        out.push(f);
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoLoaded {
    pub items: usize,
    pub register_entries: usize,
    /// True when the library already held the demo content and nothing was added.
    pub already_there: bool,
}

impl Library {
    /// Load the demo content once (a second run finds it there and adds nothing).
    pub async fn import_demo(&self, by: &str) -> Result<DemoLoaded> {
        let items = items()?;
        let register = register()?;
        let existing = self.store.items().await?;
        let first = &items[0];
        if existing
            .iter()
            .any(|i| i.fields.title == first.title && i.fields.year == first.year)
        {
            return Ok(DemoLoaded {
                items: 0,
                register_entries: 0,
                already_there: true,
            });
        }
        self.store.insert_items(&items, by).await?;
        for r in &register {
            self.store.insert_register(r, by).await?;
        }
        self.sync().await?;
        Ok(DemoLoaded {
            items: items.len(),
            register_entries: register.len(),
            already_there: false,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_files_are_valid() {
        let items = super::items().unwrap();
        assert!(items.len() >= 50, "{}", items.len());
        assert!(items.iter().any(|i| i.item_type == "evidence_review"));
        assert!(items.iter().any(|i| i.tags.has("geography", "E09000003")));
        // Every item says in our words where and why it is cited.
        for r in super::records(super::ITEMS, "items.csv").unwrap() {
            assert!(r.get(17).is_some_and(|d| d.len() > 60), "{r:?}");
        }
        let reg = super::register().unwrap();
        assert!(reg.len() >= 25);
        assert!(reg.iter().any(|r| r.status == "planned"));
        assert_eq!(
            reg.iter()
                .find(|r| r.title == "Evaluation of New Professionalism")
                .unwrap()
                .due_date
                .as_deref(),
            Some("2010-06-01")
        );
    }
}
