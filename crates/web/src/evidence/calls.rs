//! Calls for evidence: the list (analysts open calls there), each call's public page
//! with the submission form anyone with the link may use (no account: the form carries
//! a double-submit CSRF token like the sign-in form; files are size-limited and must be
//! PDF, DOCX or text), the moderation queue (accept, merge into an item, reject), and
//! the call's report of what it received.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use observatory_service::ServiceError;
use observatory_service::library::{
    Call, CallFields, CallReport, CallSubmission, Changes, Decision, SubmissionFields,
    SubmissionInput, accepting, taxonomy,
};
use observatory_service::policy::Actor;
use serde::Deserialize;
use std::sync::Arc;

use super::{Choice, Fields, curator, facet_choices, layout, may_curate, problems};
use crate::auth::Posted;
use crate::auth::{self, MaybeViewer, Viewer};
use crate::error::PageError;
use crate::pages::{Layout, PageResult, check_pre_csrf, html, pre_csrf, with_pre_csrf};
use crate::state::AppState;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

#[derive(Template)]
#[template(path = "evidence_calls.html")]
struct CallsPage {
    l: Layout,
    calls: Vec<(Call, bool)>,
    curate: bool,
    errors: Vec<(&'static str, String)>,
    f: Fields,
    themes: Vec<Choice>,
}

async fn calls_page(
    state: &AppState,
    v: &Option<Viewer>,
    f: Fields,
    errors: Vec<(&'static str, String)>,
) -> PageResult {
    let calls = state.library().await?.calls().await?;
    let bad = !errors.is_empty();
    let mut res = html(&CallsPage {
        l: layout(state, v, "Calls for evidence").erring(&errors),
        calls: calls
            .into_iter()
            .map(|c| {
                let open = accepting(&c, today());
                (c, open)
            })
            .collect(),
        curate: v.as_ref().is_some_and(|v| may_curate(&v.user)),
        errors,
        themes: facet_choices("theme", &f.all("theme")),
        f,
    })?;
    if bad {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

pub async fn list(State(state): State<Arc<AppState>>, MaybeViewer(v): MaybeViewer) -> PageResult {
    calls_page(&state, &v, Fields::default(), vec![]).await
}

pub async fn open(State(state): State<Arc<AppState>>, posted: Posted<Fields>) -> PageResult {
    let (v, f) = super::curator_form(posted)?;
    let fields = CallFields {
        question: f.get("question"),
        details: f.get("details"),
        deadline: f.get("deadline"),
        tags: f.tags(&["theme"]),
    };
    let lib = state.library().await?;
    match lib.open_call(&Actor::from(&v.user), fields).await {
        Ok(call) => Ok(Redirect::to(&format!("/evidence/calls/{}", call.id)).into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Fields { .. })) => {
            let fields = problems(&e, &["question", "deadline", "details"], "question");
            calls_page(&state, &Some(v), f, fields).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct KeyQuery {
    #[serde(default)]
    key: String,
}

#[derive(Template)]
#[template(path = "evidence_call.html")]
struct CallPage {
    l: Layout,
    report: CallReport,
    themes: String,
    open: bool,
    /// The call's token when the visitor came by the public link (the form is shown).
    key: String,
    /// The public link, for analysts to share.
    public_link: String,
    csrf: String,
    errors: Vec<(&'static str, String)>,
    f: Fields,
    types: Vec<Choice>,
    max_mb: usize,
    received: String,
}

/// What the call page shows besides the call itself.
#[derive(Default)]
struct CallExtra {
    key: String,
    errors: Vec<(&'static str, String)>,
    f: Fields,
    received: String,
}

async fn call_page(
    state: &AppState,
    v: &Option<Viewer>,
    headers: &HeaderMap,
    id: i64,
    extra: CallExtra,
) -> PageResult {
    let lib = state.library().await?;
    let Some(call) = lib.find_call(id).await? else {
        return Err(PageError::not_found());
    };
    let key = if auth::same_secret(&extra.key, &call.token) {
        extra.key
    } else {
        String::new()
    };
    let curate = v.as_ref().is_some_and(|v| may_curate(&v.user));
    let tax = taxonomy();
    let themes = call
        .fields
        .tags
        .get("theme")
        .iter()
        .map(|c| tax.themes.label(c))
        .collect::<Vec<_>>()
        .join(", ");
    let (csrf, set) = pre_csrf(headers);
    let bad = !extra.errors.is_empty();
    let public_link = if curate {
        format!("/evidence/calls/{}?key={}", call.id, call.token)
    } else {
        String::new()
    };
    let report = lib.call_report(id).await?;
    let page = CallPage {
        l: layout(state, v, &call.fields.question).erring(&extra.errors),
        open: accepting(&call, today()),
        themes,
        key,
        public_link,
        csrf: csrf.clone(),
        errors: extra.errors,
        types: facet_choices("type", &extra.f.all("type")),
        f: extra.f,
        max_mb: super::max_file_bytes(state) / (1024 * 1024),
        received: extra.received,
        report,
    };
    let mut res = with_pre_csrf(state, html(&page), &csrf, set)?;
    if bad {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    MaybeViewer(v): MaybeViewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<KeyQuery>,
) -> PageResult {
    let extra = CallExtra {
        key: q.key,
        ..Default::default()
    };
    call_page(&state, &v, &headers, id, extra).await
}

/// Take a public submission. The form is read (a file that is too big is refused while
/// it arrives, so at most the limit is held), then the CSRF token is checked before
/// anything else is looked at; nothing is stored unless the whole submission is right.
pub async fn submit(
    State(state): State<Arc<AppState>>,
    MaybeViewer(v): MaybeViewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (f, file) = super::read_multipart(mp, super::max_file_bytes(&state)).await?;
    check_pre_csrf(&headers, &f.get("csrf"))?;
    let key = f.get("key");
    let again = |errors: Vec<(&'static str, String)>, f: Fields| CallExtra {
        key: key.clone(),
        errors,
        f,
        received: String::new(),
    };
    let year = match f.year("year") {
        Ok(y) => y,
        Err(e) => return call_page(&state, &v, &headers, id, again(vec![("year", e)], f)).await,
    };
    let input = SubmissionInput {
        fields: SubmissionFields {
            submitter_name: f.get("name"),
            submitter_email: f.get("email"),
            title: f.get("title"),
            authors: f.lines("authors"),
            organisation: f.opt("organisation"),
            year,
            item_type: f.get("type"),
            summary: f.get("summary"),
            link: f.opt("link"),
            file: None,
        },
        file: file.map(|u| (u.name, u.bytes)),
    };
    let lib = state.library().await?;
    match lib.find_call(id).await? {
        Some(c) if auth::same_secret(&key, &c.token) => {}
        _ => {
            return Err(PageError::bad(
                "This form does not belong to a call for evidence; use the link the call's organisers gave you.",
            ));
        }
    }
    match lib.submit(&key, input, today()).await {
        Ok(_) => {
            let extra = CallExtra {
                key: key.clone(),
                received: f.get("title"),
                ..Default::default()
            };
            call_page(&state, &v, &headers, id, extra).await
        }
        // The submitter's mistakes go beside the form; the service's own failures are an
        // error page with a reference, never their text.
        Err(
            e @ (ServiceError::Invalid(_) | ServiceError::Fields { .. } | ServiceError::Locked(_)),
        ) => {
            let fields = &[
                "name",
                "email",
                "title",
                "authors",
                "organisation",
                "year",
                "type",
                "summary",
                "link",
                "file",
            ];
            call_page(
                &state,
                &v,
                &headers,
                id,
                again(problems(&e, fields, "name"), f),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A pending submission with the call it answers.
struct Pending {
    sub: CallSubmission,
    question: String,
    type_label: String,
}

#[derive(Template)]
#[template(path = "evidence_moderation.html")]
struct QueuePage {
    l: Layout,
    pending: Vec<Pending>,
    strengths: Vec<Choice>,
}

pub async fn queue(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    let v = curator(v)?;
    let lib = state.library().await?;
    let calls = lib.calls().await?;
    let tax = taxonomy();
    let pending = lib
        .pending_call_submissions(&Actor::from(&v.user))
        .await?
        .into_iter()
        .map(|sub| Pending {
            question: calls
                .iter()
                .find(|c| c.id == sub.call_id)
                .map(|c| c.fields.question.clone())
                .unwrap_or_default(),
            type_label: tax.types.label(&sub.item_type),
            sub,
        })
        .collect();
    html(&QueuePage {
        l: Layout::new(&state, &v, "Moderation queue", "/evidence"),
        pending,
        strengths: facet_choices("strength", &[]),
    })
}

pub async fn moderate(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    posted: Posted<Fields>,
) -> PageResult {
    let (v, f) = super::curator_form(posted)?;
    let decision = match f.get("decision").as_str() {
        "accept" => Decision::Accept(Changes {
            strength: f.opt("strength"),
            ..Default::default()
        }),
        "merge" => Decision::Merge(f.get("item").parse().map_err(|_| {
            PageError::bad(
                "To merge, give the number of the item to merge into (it is in the item's address)",
            )
        })?),
        "reject" => Decision::Reject(f.get("reason")),
        _ => return Err(PageError::bad("Choose accept, merge or reject")),
    };
    let lib = state.library().await?;
    match lib.moderate(&Actor::from(&v.user), id, decision).await {
        Ok(Some(item)) => Ok(Redirect::to(&format!("/evidence/items/{item}")).into_response()),
        Ok(None) => Ok(Redirect::to("/evidence/moderation").into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Fields { .. })) => {
            let said: Vec<String> = problems(&e, &[], "").into_iter().map(|(_, m)| m).collect();
            Err(PageError::bad(format!(
                "Submission {id} was not moderated: {}",
                said.join("; ")
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// A submission's file, for moderators, always as a download.
pub async fn submission_file(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult {
    let v = curator(v)?;
    let lib = state.library().await?;
    match lib.call_submission_file(&Actor::from(&v.user), id).await? {
        Some(bytes) => Ok(super::search::download(&format!("submission-{id}"), bytes)),
        None => Err(PageError::not_found()),
    }
}
