//! Searching the library: the words and filters a search takes (shared with `export`),
//! and the results as a table (with facet counts) or JSON.

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use observatory_service::library::{Library, SearchRequest, Sort, plain_text, taxonomy};

use super::{json_out, opt, table};
use crate::output::Format;
use std::path::PathBuf;

#[derive(Args)]
pub struct FilterArgs {
    /// Words to look for.
    pub query: Option<String>,
    #[arg(long = "type")]
    pub item_type: Vec<String>,
    #[arg(long)]
    pub theme: Vec<String>,
    #[arg(long)]
    pub sector: Vec<String>,
    #[arg(long)]
    pub organisation: Vec<String>,
    #[arg(long)]
    pub strength: Vec<String>,
    #[arg(long)]
    pub outcome: Vec<String>,
    #[arg(long)]
    pub provision: Vec<String>,
    #[arg(long)]
    pub geography: Vec<String>,
    /// Published in or after this year.
    #[arg(long)]
    pub from: Option<i32>,
    /// Published in or before this year.
    #[arg(long)]
    pub to: Option<i32>,
}

impl FilterArgs {
    pub fn request(&self) -> Result<SearchRequest> {
        let mut r = SearchRequest {
            text: self.query.clone().unwrap_or_default(),
            year_from: self.from,
            year_to: self.to,
            ..Default::default()
        };
        for (facet, values) in [
            ("type", &self.item_type),
            ("theme", &self.theme),
            ("sector", &self.sector),
            ("organisation", &self.organisation),
            ("strength", &self.strength),
            ("outcome", &self.outcome),
            ("provision", &self.provision),
            ("geography", &self.geography),
        ] {
            for v in values {
                r.add_filter(facet, v)?;
            }
        }
        Ok(r)
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum SortArg {
    Relevance,
    Newest,
    Oldest,
}

#[derive(Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    #[arg(long, value_enum, default_value = "relevance")]
    pub sort: SortArg,
    #[arg(long, default_value_t = 1)]
    pub page: usize,
    #[arg(long, default_value_t = 20)]
    pub per_page: usize,
    /// Also list the facet counts (always in JSON).
    #[arg(long)]
    pub facets: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub async fn run(lib: &Library, x: &SearchArgs) -> Result<i32> {
    let mut r = x.filter.request()?;
    r.sort = match x.sort {
        SortArg::Relevance => Sort::Relevance,
        SortArg::Newest => Sort::Newest,
        SortArg::Oldest => Sort::Oldest,
    };
    if x.page == 0 || !(1..=100).contains(&x.per_page) {
        bail!("--page starts at 1 and --per-page is 1 to 100");
    }
    r.limit = x.per_page;
    r.offset = (x.page - 1) * x.per_page;
    let res = lib.search(&r).await?;
    if res.stale {
        eprintln!(
            "Note: another process is updating the search index; the newest changes may be missing."
        );
    }
    if x.format == Format::Json {
        return json_out(&res, x.output.as_deref());
    }
    let tax = taxonomy();
    let rows = res
        .hits
        .iter()
        .map(|h| {
            vec![
                h.id.to_string(),
                opt(&h.year),
                tax.types.label(&h.item_type),
                h.title.clone(),
                h.organisation
                    .clone()
                    .or_else(|| h.authors.first().cloned())
                    .unwrap_or_default(),
                plain_text(&h.snippet_html),
            ]
        })
        .collect();
    let first = r.offset + 1;
    let last = r.offset + res.hits.len();
    let mut notes = vec![format!(
        "{first}-{last} of {} results ({:.1} ms).",
        res.total, res.took_ms
    )];
    if x.facets {
        for (name, values) in &res.facets {
            let list: Vec<String> = values
                .iter()
                .take(12)
                .map(|c| format!("{} ({})", c.label, c.count))
                .collect();
            notes.push(format!("{name}: {}", list.join(", ")));
        }
    }
    if res.total == 0 {
        notes = vec!["No results. Try fewer words, or fewer filters.".into()];
    }
    if let Some(better) = &res.did_you_mean {
        notes.push(format!("Did you mean \"{better}\"?"));
    }
    table(
        "",
        &["id", "year", "type", "title", "organisation", "snippet"],
        rows,
        notes,
    )
    .emit(x.format, x.output.as_deref())?;
    Ok(0)
}
