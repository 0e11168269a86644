//! Single items: adding one (with files), showing one, attaching a file, linking a
//! strategy decision, the demo content, the taxonomy the tags come from, and rebuilding
//! the search index. Kept apart from searching and importing because these are the
//! commands about one item at a time.

use anyhow::Result;
use clap::Args;
use observatory_service::library::{ItemFields, Library, taxonomy};
use observatory_service::policy::Actor;
use std::path::{Path, PathBuf};

use super::{DescriptionArgs, TagArgs, json_out, opt, read_file, table};
use crate::output::Format;

#[derive(Args)]
#[command(
    after_help = "Example:\n  observatory evidence add --title \"Induction of new foster carers\" --type case_study \\\n    --organisation \"Telford and Wrekin Council\" --year 2007 --theme qualifications \\\n    --sector social_care --strength limited --attach induction.pdf"
)]
pub struct AddArgs {
    #[command(flatten)]
    pub about: DescriptionArgs,
    #[arg(long)]
    pub doi: Option<String>,
    /// Evidence strength: limited, indicative, moderate or strong.
    #[arg(long)]
    pub strength: Option<String>,
    /// Journal, conference or report series.
    #[arg(long)]
    pub container: Option<String>,
    #[arg(long)]
    pub report_number: Option<String>,
    #[arg(long)]
    pub place: Option<String>,
    #[command(flatten)]
    pub tags: TagArgs,
    /// A file to attach (repeatable).
    #[arg(long)]
    pub attach: Vec<PathBuf>,
}

/// Add an item with its files.
pub async fn add(lib: &Library, x: &AddArgs) -> Result<i32> {
    let mut files = Vec::new();
    for p in &x.attach {
        let name = p.display().to_string();
        files.push(lib.read_attachment(&name, read_file(p)?).await?);
    }
    let d = &x.about;
    let f = ItemFields {
        title: d.title.clone(),
        authors: d.author.clone(),
        organisation: d.organisation.clone(),
        year: d.year,
        item_type: d.item_type.clone(),
        summary: d.summary.clone(),
        link: d.link.clone(),
        doi: x.doi.clone(),
        strength: x.strength.clone(),
        container: x.container.clone(),
        report_number: x.report_number.clone(),
        place: x.place.clone(),
        tags: x.tags.tags(),
        ..Default::default()
    };
    let id = lib.add_item(&Actor::Operator, f, &files).await?;
    println!("Added evidence item {id}.");
    Ok(0)
}

/// One item with its tags, attachments, calls and decision links.
pub async fn show(lib: &Library, id: i64, format: Format) -> Result<i32> {
    let item = lib.item(Some(&Actor::Operator), id).await?;
    let attachments = lib.attachments(id).await?;
    let links = lib.decision_links(Some(id)).await?;
    if format == Format::Json {
        return json_out(
            &serde_json::json!({"item": item, "attachments": attachments, "decision_links": links}),
            None,
        );
    }
    let f = &item.fields;
    let tax = taxonomy();
    let mut rows = vec![
        vec!["title".into(), f.title.clone()],
        vec!["authors".into(), f.authors.join("; ")],
        vec!["organisation".into(), opt(&f.organisation)],
        vec!["year".into(), opt(&f.year)],
        vec!["type".into(), tax.types.label(&f.item_type)],
        vec![
            "strength".into(),
            f.strength
                .as_deref()
                .map(|s| tax.strengths.label(s))
                .unwrap_or_else(|| "not assessed".into()),
        ],
        vec!["link".into(), opt(&f.link)],
        vec!["doi".into(), opt(&f.doi)],
        vec!["summary".into(), f.summary.clone()],
    ];
    for (facet, values) in &f.tags.0 {
        let labels: Vec<String> = values
            .iter()
            .map(|v| {
                tax.facet(facet)
                    .map(|voc| voc.label(v))
                    .unwrap_or_else(|| v.clone())
            })
            .collect();
        rows.push(vec![facet.clone(), labels.join("; ")]);
    }
    for at in &attachments {
        rows.push(vec![
            "attachment".into(),
            format!("{} ({}, {} bytes)", at.file_name, at.media_type, at.size),
        ]);
    }
    for c in &item.calls {
        rows.push(vec!["call".into(), c.to_string()]);
    }
    for l in &links {
        rows.push(vec![
            "decision".into(),
            format!("{} {}", l.decision_ref, opt(&l.note)),
        ]);
    }
    table(
        &format!("Evidence item {id}"),
        &["field", "value"],
        rows,
        vec![],
    )
    .emit(format, None)?;
    Ok(0)
}

/// Attach a file to an item.
pub async fn attach(lib: &Library, id: i64, file: &Path) -> Result<i32> {
    lib.attach(
        &Actor::Operator,
        id,
        &file.display().to_string(),
        read_file(file)?,
    )
    .await?;
    println!("Attached {} to item {id}.", file.display());
    Ok(0)
}

/// Load the demo content into the library.
pub async fn import_demo(lib: &Library) -> Result<i32> {
    let d = lib.import_demo(&Actor::Operator).await?;
    if d.already_there {
        println!("The demo evidence is already in the library.");
    } else {
        println!(
            "Loaded {} evidence items and {} register entries from the strategy documents.",
            d.items, d.register_entries
        );
    }
    Ok(0)
}

/// Record that a strategy decision used an item.
pub async fn link(lib: &Library, id: i64, decision: &str, note: Option<&str>) -> Result<i32> {
    lib.link_decision(&Actor::Operator, id, decision, note)
        .await?;
    println!("Linked decision {decision} to item {id}.");
    Ok(0)
}

/// Rebuild the search index from the database.
pub async fn reindex(lib: &Library) -> Result<i32> {
    let t = std::time::Instant::now();
    let n = lib.reindex(&Actor::Operator).await?;
    println!("Indexed {n} items in {:.1} s.", t.elapsed().as_secs_f64());
    Ok(0)
}

pub fn show_taxonomy(format: Format) -> Result<i32> {
    let tax = taxonomy();
    if format == Format::Json {
        return json_out(tax, None);
    }
    let mut rows = Vec::new();
    for v in [
        &tax.types,
        &tax.themes,
        &tax.sectors,
        &tax.provision,
        &tax.geography,
        &tax.outcomes,
        &tax.strengths,
    ] {
        for t in &v.terms {
            rows.push(vec![
                v.facet.clone(),
                t.code.clone(),
                t.label.clone(),
                t.description.clone(),
            ]);
        }
    }
    table(
        "The evidence taxonomy",
        &["facet", "code", "label", "meaning"],
        rows,
        vec!["Geography also takes a local authority's ONS code (E06000056).".into()],
    )
    .emit(format, None)?;
    Ok(0)
}

/// Load the demo evidence into a freshly made demo database (called by `observatory demo`).
pub async fn load_demo(db: &observatory_service::Database) -> Result<()> {
    let lib = Library::open(db, None).await?.operated_by("demo");
    let d = lib.import_demo(&Actor::Operator).await?;
    if !d.already_there {
        println!(
            "Loaded the evidence library: {} items and {} register entries from the strategy documents (try `observatory evidence search \"support staff\"` or `observatory evidence gaps --as-of 2009`).",
            d.items, d.register_entries
        );
    }
    Ok(())
}
