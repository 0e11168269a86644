//! Atom feeds of new evidence (all items, one theme's or one call's), written with the
//! `atom_syndication` crate so the XML is well-formed and the required elements are there.

use anyhow::{Context, Result, bail};
use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text,
};
use observatory_store::evidence::{Call, Item};

use crate::taxonomy::taxonomy;

/// Which items a feed carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    All,
    Theme(String),
    Call(i64),
}

impl Scope {
    /// `all`, `theme:<code or label>` or `call:<id>`, as the command line and URLs say it.
    pub fn parse(s: &str) -> Result<Scope> {
        let s = s.trim();
        if s.is_empty() || s == "all" {
            return Ok(Scope::All);
        }
        if let Some(t) = s.strip_prefix("theme:") {
            return Ok(Scope::Theme(
                taxonomy().check("theme", t).map_err(anyhow::Error::msg)?,
            ));
        }
        if let Some(c) = s.strip_prefix("call:") {
            return Ok(Scope::Call(
                c.trim()
                    .parse()
                    .with_context(|| format!("call '{c}' is not a call number"))?,
            ));
        }
        bail!("feed '{s}' is not all, theme:<theme> or call:<number>")
    }
}

/// A stored timestamp; one that cannot be read (never written by this program) shows
/// as the start of 2000 rather than failing the whole feed.
fn time(s: &str) -> FixedDateTime {
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|_| {
        chrono::DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z").expect("a valid date")
    })
}

/// The feed's XML: newest first, at most `limit` entries. `base_url` is where the web
/// pages are (`https://observatory.example/`); `instance` makes ids unique per database.
pub fn atom(
    items: &[Item],
    calls: &[Call],
    scope: &Scope,
    base_url: &str,
    instance: &str,
    limit: usize,
) -> Result<String> {
    let base = base_url.trim_end_matches('/');
    let (title, self_path, id_part) = match scope {
        Scope::All => (
            "New evidence".to_string(),
            "/evidence/feed".to_string(),
            "all".to_string(),
        ),
        Scope::Theme(t) => (
            format!("New evidence: {}", taxonomy().themes.label(t)),
            format!("/evidence/feed?theme={t}"),
            format!("theme:{t}"),
        ),
        Scope::Call(c) => {
            let call = calls
                .iter()
                .find(|x| x.id == *c)
                .with_context(|| format!("there is no call for evidence {c}"))?;
            (
                format!("Evidence received: {}", call.fields.question),
                format!("/evidence/calls/{c}/feed"),
                format!("call:{c}"),
            )
        }
    };
    let mut chosen: Vec<&Item> = items
        .iter()
        .filter(|i| match scope {
            Scope::All => true,
            Scope::Theme(t) => i.fields.tags.has("theme", t),
            Scope::Call(c) => i.calls.contains(c),
        })
        .collect();
    chosen.sort_by(|a, b| b.added_at.cmp(&a.added_at).then(b.id.cmp(&a.id)));
    chosen.truncate(limit);
    let tax = taxonomy();
    let entries: Vec<Entry> = chosen
        .iter()
        .map(|i| {
            let f = &i.fields;
            let url = format!("{base}/evidence/items/{}", i.id);
            let mut links = vec![Link {
                href: url,
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            }];
            if let Some(l) = &f.link {
                links.push(Link {
                    href: l.clone(),
                    rel: "related".into(),
                    ..Default::default()
                });
            }
            let mut authors: Vec<Person> = f
                .authors
                .iter()
                .map(|a| Person {
                    name: a.clone(),
                    ..Default::default()
                })
                .collect();
            if authors.is_empty() {
                authors.push(Person {
                    name: f.organisation.clone().unwrap_or_else(|| "Unknown".into()),
                    ..Default::default()
                });
            }
            let categories = f
                .tags
                .pairs()
                .filter(|(k, _)| *k != "keyword")
                .map(|(k, v)| Category {
                    term: v.to_string(),
                    scheme: Some(format!("{base}/evidence/taxonomy/{k}")),
                    label: tax.facet(k).map(|voc| voc.label(v)),
                })
                .collect();
            let mut summary = format!(
                "{} ({}{})",
                tax.types.label(&f.item_type),
                f.organisation.clone().unwrap_or_default(),
                f.year.map(|y| format!(", {y}")).unwrap_or_default()
            );
            if !f.summary.is_empty() {
                summary.push_str(". ");
                summary.push_str(&f.summary);
            }
            Entry {
                title: Text::plain(f.title.clone()),
                id: format!("urn:observatory:{instance}:evidence:{}", i.id),
                updated: time(&i.updated_at),
                published: Some(time(&i.added_at)),
                authors,
                categories,
                links,
                summary: Some(Text::plain(summary)),
                content: None::<Content>,
                ..Default::default()
            }
        })
        .collect();
    let updated = chosen
        .iter()
        .map(|i| time(&i.updated_at))
        .max()
        .unwrap_or_else(|| time("2000-01-01T00:00:00Z"));
    let feed = Feed {
        title: Text::plain(title),
        id: format!("urn:observatory:{instance}:evidence-feed:{id_part}"),
        updated,
        authors: vec![Person {
            name: "Children's Workforce Observatory".into(),
            ..Default::default()
        }],
        links: vec![
            Link {
                href: format!("{base}{self_path}"),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Default::default()
            },
            Link {
                href: format!("{base}/evidence"),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            },
        ],
        generator: Some(Generator {
            value: "observatory".into(),
            ..Default::default()
        }),
        entries,
        ..Default::default()
    };
    let mut out = feed
        .write_to(Vec::new())
        .context("cannot write the Atom feed")?;
    out.push(b'\n');
    Ok(String::from_utf8(out)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use observatory_store::evidence::{CallFields, ItemFields, Tags};

    fn item(id: i64, theme: &str, calls: Vec<i64>, added: &str) -> Item {
        let mut tags = Tags::default();
        tags.add("theme", theme);
        let mut i = crate::unsaved_item(
            id,
            ItemFields {
                title: format!("Study <{id}> & friends"),
                authors: vec!["Harris, A.".into()],
                organisation: Some("University of Warwick".into()),
                year: Some(2008),
                item_type: "research_report".into(),
                summary: "Raising achievement".into(),
                link: Some("https://example.org/report".into()),
                tags,
                ..Default::default()
            },
        );
        i.added_at = added.into();
        i.updated_at = added.into();
        i.calls = calls;
        i
    }

    #[test]
    fn feeds_parse_back_as_atom_with_the_right_entries() {
        let items = vec![
            item(1, "excellence", vec![], "2026-01-01T10:00:00Z"),
            item(2, "qualifications", vec![7], "2026-02-01T10:00:00Z"),
            item(3, "excellence", vec![7], "2026-03-01T10:00:00Z"),
        ];
        let calls = vec![Call {
            id: 7,
            fields: CallFields {
                question: "What works in induction?".into(),
                ..Default::default()
            },
            status: "open".into(),
            token: "t".into(),
            opened_by: "a".into(),
            opened_at: "2026-01-01T00:00:00Z".into(),
            closed_at: None,
        }];
        let base = "https://obs.example/";
        let all = atom(&items, &calls, &Scope::All, base, "abc", 50).unwrap();
        let feed = Feed::read_from(all.as_bytes()).unwrap();
        assert_eq!(feed.entries.len(), 3);
        assert_eq!(feed.entries[0].id, "urn:observatory:abc:evidence:3");
        assert_eq!(feed.entries[0].title.value, "Study <3> & friends");
        assert_eq!(feed.updated.to_rfc3339(), "2026-03-01T10:00:00+00:00");
        assert!(
            feed.links
                .iter()
                .any(|l| l.rel == "self" && l.href == "https://obs.example/evidence/feed")
        );
        assert!(all.contains("xmlns=\"http://www.w3.org/2005/Atom\""));
        assert!(all.contains("Study &lt;3&gt; &amp; friends"));
        let e = &feed.entries[0];
        assert_eq!(e.authors[0].name, "Harris, A.");
        assert_eq!(e.categories[0].label.as_deref(), Some("Excellence"));
        assert!(
            e.links
                .iter()
                .any(|l| l.rel == "alternate" && l.href == "https://obs.example/evidence/items/3")
        );

        let theme = atom(
            &items,
            &calls,
            &Scope::parse("theme:Excellence").unwrap(),
            base,
            "abc",
            50,
        )
        .unwrap();
        let ids: Vec<String> = Feed::read_from(theme.as_bytes())
            .unwrap()
            .entries
            .iter()
            .map(|e| e.id.clone())
            .collect();
        assert_eq!(
            ids,
            [
                "urn:observatory:abc:evidence:3",
                "urn:observatory:abc:evidence:1"
            ]
        );
        let call = atom(&items, &calls, &Scope::Call(7), base, "abc", 1).unwrap();
        let f = Feed::read_from(call.as_bytes()).unwrap();
        assert_eq!(f.entries.len(), 1);
        assert_eq!(f.title.value, "Evidence received: What works in induction?");
        assert!(atom(&items, &calls, &Scope::Call(8), base, "abc", 1).is_err());
        assert!(Scope::parse("theme:nonsense").is_err());
        assert!(Scope::parse("everything").is_err());
    }
}
