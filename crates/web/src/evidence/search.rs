//! Finding evidence: the search page (query, facet checkboxes with counts, sorting,
//! highlighted snippets, paging), one item's page with its tags and attachments, and
//! the form analysts use to add an item with a file.

use askama::Template;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use observatory_service::ServiceError;
use observatory_service::library::{
    Attachment, FacetCount, Hit, Item, ItemFields, SEARCH_FACETS, SearchRequest, SearchResults,
    Sort, TAG_FACETS, taxonomy,
};
use observatory_service::policy::Actor;
use std::sync::Arc;

use super::{Choice, Fields, curator, facet_choices, layout, may_curate, problems, reader};
use crate::auth::{MaybeViewer, Viewer};
use crate::error::PageError;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;

/// The URL query's pairs, as sent.
pub fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, PageError> {
    serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|_| PageError::bad("The address of this search is not readable"))
}

/// The search a URL asks for; a wrong facet or value is a plain 400.
pub fn request_of(raw: Option<&str>) -> Result<SearchRequest, PageError> {
    let pairs = query_pairs(raw)?;
    SearchRequest::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| PageError::bad(format!("This search cannot be run: {e:#}")))
}

/// A facet's checkboxes as the page shows them.
struct FacetBox {
    name: String,
    heading: String,
    values: Vec<FacetCount>,
}

/// One result as the page shows it (the HTML parts made safe already).
struct Row {
    id: i64,
    title_html: String,
    meta: String,
    snippet_html: String,
    snippet_from: String,
}

#[derive(Template)]
#[template(path = "evidence_search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    sort: String,
    total: usize,
    from: usize,
    to: usize,
    rows: Vec<Row>,
    facets: Vec<FacetBox>,
    prev: String,
    next: String,
    query_string: String,
    curate: bool,
    stale: bool,
    /// The search with its unknown words spelt as the library has them, and its link.
    did_you_mean: String,
    did_you_mean_link: String,
}

fn facet_heading(name: &str) -> &'static str {
    match name {
        "type" => "Type of evidence",
        "theme" => "Theme",
        "sector" => "Workforce sector",
        "year" => "Year",
        "organisation" => "Organisation",
        "strength" => "Strength of evidence",
        _ => "Other",
    }
}

/// The line under a result's title: type, authors or organisation, year, strength.
fn meta(h: &Hit) -> String {
    let tax = taxonomy();
    let mut parts = vec![tax.types.label(&h.item_type)];
    if !h.authors.is_empty() {
        parts.push(h.authors.join(", "));
    }
    if let Some(o) = &h.organisation {
        parts.push(o.clone());
    }
    if let Some(y) = h.year {
        parts.push(y.to_string());
    }
    if let Some(s) = &h.strength {
        parts.push(format!(
            "strength: {}",
            tax.strengths.label(s).to_lowercase()
        ));
    }
    parts.join(" · ")
}

fn rows(res: &SearchResults) -> Vec<Row> {
    res.hits
        .iter()
        .map(|h| Row {
            id: h.id,
            title_html: super::safe_highlight(&h.title_html),
            meta: meta(h),
            snippet_html: super::safe_highlight(&h.snippet_html),
            snippet_from: h.snippet_from.clone(),
        })
        .collect()
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    MaybeViewer(v): MaybeViewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let r = request_of(raw.as_deref())?;
    let lib = state.library().await?;
    let res = lib.search(&r).await?;
    let qs = r.query_string();
    let page_no = r.offset / r.limit + 1;
    let link = |p: usize| {
        let sep = if qs.is_empty() { "" } else { "&" };
        format!("/evidence?{qs}{sep}page={p}")
    };
    let facets = SEARCH_FACETS
        .iter()
        .filter_map(|f| {
            res.facets.get(*f).map(|values| FacetBox {
                name: f.to_string(),
                heading: facet_heading(f).into(),
                values: values.clone(),
            })
        })
        .collect();
    html(&SearchPage {
        curate: v.as_ref().is_some_and(|v| may_curate(&v.user)),
        l: layout(&state, &v, "Search the evidence"),
        q: r.text.clone(),
        sort: match r.sort {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
        }
        .into(),
        total: res.total,
        from: (r.offset + 1).min(res.total),
        to: (r.offset + res.hits.len()).min(res.total),
        rows: rows(&res),
        facets,
        prev: if page_no > 1 {
            link(page_no - 1)
        } else {
            String::new()
        },
        next: if r.offset + r.limit < res.total {
            link(page_no + 1)
        } else {
            String::new()
        },
        query_string: qs,
        stale: res.stale,
        did_you_mean_link: res
            .did_you_mean
            .as_ref()
            .map(|text| {
                let better = SearchRequest {
                    text: text.clone(),
                    ..r.clone()
                };
                format!("/evidence?{}", better.query_string())
            })
            .unwrap_or_default(),
        did_you_mean: res.did_you_mean.clone().unwrap_or_default(),
    })
}

/// A tag of an item, in words.
struct TagLine {
    facet: String,
    values: Vec<String>,
}

#[derive(Template)]
#[template(path = "evidence_item.html")]
struct ItemPage {
    l: Layout,
    item: Item,
    type_label: String,
    strength: String,
    tags: Vec<TagLine>,
    attachments: Vec<Attachment>,
    /// Strategy decisions that rested on the item: (strategy id, strategy title,
    /// decision title, date, who decided).
    decisions: Vec<(String, String, String, String, String)>,
}

fn tag_lines(f: &ItemFields) -> Vec<TagLine> {
    let tax = taxonomy();
    TAG_FACETS
        .iter()
        .filter(|facet| !f.tags.get(facet).is_empty())
        .map(|facet| TagLine {
            facet: match *facet {
                "theme" => "Themes",
                "sector" => "Workforce sectors",
                "provision" => "Provision",
                "geography" => "Geography",
                "outcome" => "Outcomes for children",
                _ => "Keywords",
            }
            .into(),
            values: f
                .tags
                .get(facet)
                .iter()
                .map(|c| tax.facet(facet).map_or_else(|| c.clone(), |v| v.label(c)))
                .collect(),
        })
        .collect()
}

pub async fn item(
    State(state): State<Arc<AppState>>,
    MaybeViewer(v): MaybeViewer,
    Path(id): Path<i64>,
) -> PageResult {
    let lib = state.library().await?;
    // Who added an item is a staff member's email: the library shows it to curators only.
    let Some(item) = lib.find_item(reader(&v).as_ref(), id).await? else {
        return Err(PageError::not_found());
    };
    let tax = taxonomy();
    html(&ItemPage {
        l: layout(&state, &v, &item.fields.title),
        type_label: tax.types.label(&item.fields.item_type),
        strength: item
            .fields
            .strength
            .as_deref()
            .map(|s| tax.strengths.label(s))
            .unwrap_or_else(|| "Not assessed".into()),
        tags: tag_lines(&item.fields),
        attachments: lib.attachments(id).await?,
        decisions: observatory_service::strategy::decisions_citing(
            &state.db,
            v.as_ref().map(|v| Actor::from(&v.user)),
            id,
        )
        .await?
        .into_iter()
        .map(|(sid, st, d)| {
            (
                sid,
                st,
                d.title,
                observatory_domain::long_date(d.date),
                d.by,
            )
        })
        .collect(),
        item,
    })
}

/// An attachment, always as a download (never shown inline, so a file cannot run as a
/// page of this site).
pub async fn attachment(State(state): State<Arc<AppState>>, Path(id): Path<i64>) -> PageResult {
    let lib = state.library().await?;
    let Some(bytes) = lib.attachment_content(id).await? else {
        return Err(PageError::not_found());
    };
    Ok(download(&format!("attachment-{id}"), bytes))
}

/// A file as a download with a safe name.
pub fn download(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "evidence_add.html")]
struct AddPage {
    l: Layout,
    errors: Vec<(&'static str, String)>,
    f: Fields,
    types: Vec<Choice>,
    strengths: Vec<Choice>,
    themes: Vec<Choice>,
    sectors: Vec<Choice>,
    outcomes: Vec<Choice>,
    max_mb: usize,
}

/// The add form's fields, for linking each problem to its field.
const ADD_FIELDS: &[&str] = &[
    "title",
    "authors",
    "organisation",
    "year",
    "type",
    "summary",
    "link",
    "doi",
    "strength",
    "file",
];

fn add_page(
    state: &AppState,
    v: &Viewer,
    f: Fields,
    errors: Vec<(&'static str, String)>,
) -> PageResult {
    let pick = |name: &str| {
        let chosen = f.all(name);
        facet_choices(name, &chosen)
    };
    let page = AddPage {
        l: Layout::new(state, v, "Add evidence", "/evidence").erring(&errors),
        errors,
        types: pick("type"),
        strengths: pick("strength"),
        themes: pick("theme"),
        sectors: pick("sector"),
        outcomes: pick("outcome"),
        max_mb: super::max_file_bytes(state) / (1024 * 1024),
        f,
    };
    let bad = !page.errors.is_empty();
    let mut res = html(&page)?;
    if bad {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

pub async fn add_form(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    let v = curator(v)?;
    add_page(&state, &v, Fields::default(), vec![])
}

/// The fields of an item as the add form sends them.
fn item_fields(f: &Fields) -> Result<ItemFields, String> {
    Ok(ItemFields {
        title: f.get("title"),
        authors: f.lines("authors"),
        organisation: f.opt("organisation"),
        year: f.year("year")?,
        item_type: f.get("type"),
        summary: f.get("summary"),
        link: f.opt("link"),
        doi: f.opt("doi"),
        strength: f.opt("strength"),
        tags: f.tags(&["theme", "sector", "outcome"]),
        ..Default::default()
    })
}

pub async fn add(State(state): State<Arc<AppState>>, v: Viewer, mp: Multipart) -> PageResult {
    let (v, f, file) = super::curator_upload(&state, v, mp).await?;
    let fields = match item_fields(&f) {
        Ok(x) => x,
        Err(e) => return add_page(&state, &v, f, vec![("year", e)]),
    };
    let lib = state.library().await?;
    let attachments = match file {
        None => vec![],
        Some(u) => match lib.read_attachment(&u.name, u.bytes).await {
            Ok(a) => vec![a],
            Err(e) => return add_page(&state, &v, f, problems(&e, &["file"], "file")),
        },
    };
    match lib
        .add_item(&Actor::from(&v.user), fields, &attachments)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/evidence/items/{id}")).into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Fields { .. })) => {
            add_page(&state, &v, f, problems(&e, ADD_FIELDS, "title"))
        }
        Err(e) => Err(e.into()),
    }
}
