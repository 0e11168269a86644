//! Evidence going out and coming in: the Atom feed (all new items, one theme's or one
//! call's), a search's results as RIS or BibTeX for reference managers, and analysts'
//! import of a RIS or BibTeX file with duplicates reported rather than stored.

use askama::Template;
use axum::extract::{Multipart, Query, RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use observatory_service::ServiceError;
use observatory_service::library::cite::{self, Format, ImportOptions, ImportReport};
use observatory_service::library::{ItemFields, Scope, SearchRequest};
use observatory_service::policy::Actor;
use serde::Deserialize;
use std::sync::Arc;

use super::curator;
use crate::auth::Viewer;
use crate::error::PageError;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;

/// The most items a feed carries.
const FEED_LIMIT: usize = 50;
/// The most items one citation export carries.
const EXPORT_LIMIT: usize = 1000;

#[derive(Deserialize, Default)]
pub struct FeedQuery {
    #[serde(default)]
    theme: Option<String>,
    #[serde(default)]
    call: Option<String>,
}

pub async fn feed(State(state): State<Arc<AppState>>, Query(q): Query<FeedQuery>) -> PageResult {
    let scope = match (q.theme.as_deref(), q.call.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(PageError::bad(
                "Ask for one feed at a time: a theme or a call",
            ));
        }
        (Some(t), None) => Scope::parse(&format!("theme:{t}")),
        (None, Some(c)) => Scope::parse(&format!("call:{c}")),
        (None, None) => Ok(Scope::All),
    }
    .map_err(|e| PageError::bad(format!("There is no such feed: {e:#}")))?;
    let lib = state.library().await?;
    if let Scope::Call(id) = scope
        && lib.find_call(id).await?.is_none()
    {
        return Err(PageError::not_found());
    }
    // Links go to the configured public URL, never the request's Host header.
    let base = format!("{}/", state.config.public_url);
    let xml = lib.feed(&scope, &base, FEED_LIMIT).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

/// The items a citation export carries: one item (`id=`) or a search's results.
async fn export_items(state: &AppState, raw: Option<&str>) -> Result<Vec<ItemFields>, PageError> {
    let lib = state.library().await?;
    let mut pairs = super::search::query_pairs(raw)?;
    let ids: Vec<i64> = if let Some(i) = pairs.iter().position(|(k, _)| k == "id") {
        let id = pairs.remove(i).1;
        vec![
            id.trim()
                .parse()
                .map_err(|_| PageError::bad(format!("'{id}' is not an item number")))?,
        ]
    } else {
        let mut r = SearchRequest::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(|e| PageError::bad(format!("This search cannot be run: {e:#}")))?;
        r.offset = 0;
        r.limit = EXPORT_LIMIT;
        lib.search(&r).await?.hits.iter().map(|h| h.id).collect()
    };
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        match lib.find_item(None, id).await? {
            Some(i) => items.push(i.fields),
            None => return Err(PageError::not_found()),
        }
    }
    Ok(items)
}

async fn export(state: &AppState, raw: Option<&str>, format: Format) -> PageResult {
    let items = export_items(state, raw).await?;
    let refs: Vec<&ItemFields> = items.iter().collect();
    let (media, file) = match format {
        Format::Ris => ("application/x-research-info-systems", "evidence.ris"),
        Format::Bibtex => ("application/x-bibtex; charset=utf-8", "evidence.bib"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, media.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        cite::export(&refs, format),
    )
        .into_response())
}

pub async fn export_ris(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> PageResult {
    export(&state, raw.as_deref(), Format::Ris).await
}

pub async fn export_bibtex(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    export(&state, raw.as_deref(), Format::Bibtex).await
}

#[derive(Template)]
#[template(path = "evidence_import.html")]
struct ImportPage {
    l: Layout,
    errors: Vec<(&'static str, String)>,
    report: Option<ImportReport>,
    max_mb: usize,
}

pub async fn import_form(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    let v = curator(v)?;
    html(&ImportPage {
        l: Layout::new(&state, &v, "Import citations", "/evidence"),
        errors: vec![],
        report: None,
        max_mb: super::max_file_bytes(&state) / (1024 * 1024),
    })
}

pub async fn import(State(state): State<Arc<AppState>>, v: Viewer, mp: Multipart) -> PageResult {
    let (v, _, file) = super::curator_upload(&state, v, mp).await?;
    let page = |errors: Vec<String>, report| ImportPage {
        l: Layout::new(&state, &v, "Import citations", "/evidence"),
        errors: errors.into_iter().map(|e| ("file", e)).collect(),
        report,
        max_mb: super::max_file_bytes(&state) / (1024 * 1024),
    };
    let Some(file) = file else {
        return html(&page(vec!["Choose a RIS or BibTeX file".into()], None));
    };
    let Ok(text) = String::from_utf8(file.bytes) else {
        return html(&page(
            vec![format!("{} is not a text file (UTF-8)", file.name)],
            None,
        ));
    };
    let Some(format) = Format::detect(&text) else {
        return html(&page(
            vec![format!(
                "{} is neither RIS (lines like 'TY  - RPRT') nor BibTeX (entries like '@article{{...}}')",
                file.name
            )],
            None,
        ));
    };
    let lib = state.library().await?;
    let imported = lib
        .import_citations(
            &Actor::from(&v.user),
            &text,
            format,
            &ImportOptions::default(),
            false,
        )
        .await;
    match imported {
        Ok(report) => html(&page(vec![], Some(report))),
        // Over the limits of a citation file: said on the form.
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Fields { .. })) => {
            html(&page(vec![e.to_string()], None))
        }
        Err(e) => Err(e.into()),
    }
}
