//! The research register: studies planned, commissioned, in progress or reported, with
//! filters; analysts register a study and then see the most similar existing studies
//! and items (likely duplication of effort) with their scores.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use observatory_service::ServiceError;
use observatory_service::library::{
    REGISTER_STATUSES, RegisterEntry, RegisterFields, Similar, taxonomy,
};
use observatory_service::policy::Actor;
use serde::Deserialize;
use std::sync::Arc;

use super::{Choice, Fields, facet_choices, layout, may_curate, problems};
use crate::auth::Posted;
use crate::auth::{MaybeViewer, Viewer};
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;

/// The register's filters (the page's and the API's): blank shows every entry.
#[derive(Deserialize, Default)]
pub struct RegisterQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    sector: String,
}

impl RegisterQuery {
    /// Whether the entry passes every filter given.
    pub fn shows(&self, e: &RegisterEntry) -> bool {
        (self.status.is_empty() || e.fields.status == self.status)
            && (self.theme.is_empty() || e.fields.tags.has("theme", &self.theme))
            && (self.sector.is_empty() || e.fields.tags.has("sector", &self.sector))
    }
}

/// A register entry as the table shows it.
struct EntryRow {
    title: String,
    organisation: String,
    status: String,
    due: String,
    themes: String,
    sectors: String,
    item_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "evidence_register.html")]
struct RegisterPage {
    l: Layout,
    filter: RegisterQuery,
    statuses: Vec<(String, String)>,
    themes: Vec<Choice>,
    sectors: Vec<Choice>,
    rows: Vec<EntryRow>,
    curate: bool,
    errors: Vec<(&'static str, String)>,
    f: Fields,
    registered: String,
    similar: Vec<Similar>,
}

fn status_label(s: &str) -> String {
    match s {
        "in_progress" => "In progress".into(),
        s => {
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

fn labels(facet: &str, codes: &[String]) -> String {
    let v = taxonomy().facet(facet).expect("a tag facet");
    codes
        .iter()
        .map(|c| v.label(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn row(e: &RegisterEntry) -> EntryRow {
    let f = &e.fields;
    EntryRow {
        title: f.title.clone(),
        organisation: f.organisation.clone(),
        status: status_label(&f.status),
        due: f
            .due_date
            .clone()
            .or(f.due_note.clone())
            .unwrap_or_default(),
        themes: labels("theme", f.tags.get("theme")),
        sectors: labels("sector", f.tags.get("sector")),
        item_id: f.item_id,
    }
}

/// What the page shows besides the list: the add form's state and a result.
struct Extra {
    errors: Vec<(&'static str, String)>,
    f: Fields,
    registered: String,
    similar: Vec<Similar>,
}

async fn render(
    state: &AppState,
    v: &Option<Viewer>,
    filter: RegisterQuery,
    extra: Extra,
) -> PageResult {
    let entries = state.library().await?.register_entries().await?;
    let rows = entries
        .iter()
        .filter(|e| filter.shows(e))
        .map(row)
        .collect();
    let bad = !extra.errors.is_empty();
    let mut res = html(&RegisterPage {
        l: layout(state, v, "Research register").erring(&extra.errors),
        statuses: REGISTER_STATUSES
            .iter()
            .map(|s| (s.to_string(), status_label(s)))
            .collect(),
        themes: facet_choices("theme", &extra.f.all("theme")),
        sectors: facet_choices("sector", &extra.f.all("sector")),
        filter,
        rows,
        curate: v.as_ref().is_some_and(|v| may_curate(&v.user)),
        errors: extra.errors,
        f: extra.f,
        registered: extra.registered,
        similar: extra.similar,
    })?;
    if bad {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    MaybeViewer(v): MaybeViewer,
    Query(filter): Query<RegisterQuery>,
) -> PageResult {
    let extra = Extra {
        errors: vec![],
        f: Fields::default(),
        registered: String::new(),
        similar: vec![],
    };
    render(&state, &v, filter, extra).await
}

pub async fn add(State(state): State<Arc<AppState>>, posted: Posted<Fields>) -> PageResult {
    let (v, f) = super::curator_form(posted)?;
    let fields = RegisterFields {
        title: f.get("title"),
        organisation: f.get("organisation"),
        status: f.get("status"),
        summary: f.get("summary"),
        due_date: f.opt("due_date"),
        due_note: None,
        item_id: None,
        tags: f.tags(&["theme", "sector"]),
    };
    let lib = state.library().await?;
    let registered = lib.register(&Actor::from(&v.user), fields).await;
    let v = Some(v);
    match registered {
        Ok((_, similar)) => {
            let extra = Extra {
                errors: vec![],
                registered: f.get("title"),
                f: Fields::default(),
                similar,
            };
            render(&state, &v, RegisterQuery::default(), extra).await
        }
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Fields { .. })) => {
            let fields = &["title", "organisation", "status", "summary", "due_date"];
            // The add form's status field is new-status (status is the filter's).
            let errors = problems(&e, fields, "title")
                .into_iter()
                .map(|(f, m)| (if f == "status" { "new-status" } else { f }, m))
                .collect();
            let extra = Extra {
                errors,
                f,
                registered: String::new(),
                similar: vec![],
            };
            render(&state, &v, RegisterQuery::default(), extra).await
        }
        Err(e) => Err(e.into()),
    }
}
