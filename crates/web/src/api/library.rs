//! The evidence library's records in the API: items (read, list, add), the research
//! register (read with the page's filters, register a study), calls for evidence (read
//! with their report, open one), the moderation of what calls receive, and importing
//! citation files. Reading is open to every token, as the pages are to everyone;
//! changes and the moderation queue are the curators', decided by the service's
//! library. What the pages keep to the staff side stays there: who added an item (the
//! library hides it), who registered a study or opened a call, a call's public link,
//! who sent what to a call. The bodies of the library's search and gap map (answered in
//! `crate::evidence::api`) are described here too.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use observatory_service::library::{self, Call, Changes, Decision, ItemFields, Tags};
use observatory_service::policy::{Actor, may_curate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;

use super::{ApiResult, ErrorBody, JsonBody};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::evidence::register::RegisterQuery;
use crate::state::AppState;

type Created<T> = Result<(StatusCode, Json<T>), ApiError>;

/// Tags from a body, only of the facets the page's form offers for this record.
fn tags(given: BTreeMap<String, Vec<String>>, facets: &[&str]) -> Result<Tags, ApiError> {
    let mut t = Tags::default();
    for (facet, values) in given {
        if !facets.contains(&facet.as_str()) {
            return Err(ApiError::bad(format!(
                "tags may be given for {} only, not {facet}",
                facets.join(", ")
            )));
        }
        for v in values {
            t.add(&facet, v.trim());
        }
    }
    Ok(t)
}

/// A file attached to an item (its bytes at `download`).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub added_at: String,
    /// Where to download it.
    pub download: String,
}

/// An evidence item.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Item {
    pub id: i64,
    pub title: String,
    /// One "Surname, Given" (or an organisation as author) per entry.
    pub authors: Vec<String>,
    pub organisation: Option<String>,
    pub year: Option<i32>,
    /// A type code of the taxonomy (report, journal_article, ...).
    pub item_type: String,
    pub summary: String,
    pub link: Option<String>,
    pub doi: Option<String>,
    /// A strength code of the taxonomy; null when not assessed.
    pub strength: Option<String>,
    pub container: Option<String>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    pub pages: Option<String>,
    pub publisher: Option<String>,
    pub place: Option<String>,
    pub report_number: Option<String>,
    /// Facet (theme, sector, provision, geography, outcome, keyword) to codes.
    pub tags: BTreeMap<String, Vec<String>>,
    pub added_at: String,
    /// A staff member's email for curators; "the observatory" for everyone else.
    pub added_by: String,
    pub updated_at: String,
    pub revision: i64,
    /// Calls for evidence the item came in through.
    pub calls: Vec<i64>,
    /// Its files (in one item's answer; absent in lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
}

fn item_body(item: &library::Item) -> Result<Item, ApiError> {
    // The library's own serialisation (fields flattened, tags as a map) is the body's.
    Ok(serde_json::to_value(item)
        .and_then(serde_json::from_value)
        .map_err(anyhow::Error::from)?)
}

/// A page of items.
#[derive(Serialize, ToSchema)]
pub struct Items {
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub items: Vec<Item>,
}

#[derive(Deserialize)]
pub struct PageParams {
    page: Option<u64>,
    per_page: Option<u64>,
}

/// Every item of the library, oldest first, a page at a time.
#[utoipa::path(get, path = "/api/evidence/items", tag = "evidence",
    params(("page" = Option<u64>, Query, description = "Page number, from 1"),
           ("per_page" = Option<u64>, Query, description = "Items a page, 1 to 500 (default 100)")),
    responses((status = 200, description = "A page of items", body = Items),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn items(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Query(p): Query<PageParams>,
) -> ApiResult<Items> {
    let page = p.page.unwrap_or(1);
    let per_page = p.per_page.unwrap_or(100);
    if page == 0 || !(1..=500).contains(&per_page) {
        return Err(ApiError::bad(
            "page counts from 1, and per_page is 1 to 500",
        ));
    }
    let all = state.library().await?.items(Some(&Actor::from(&u))).await?;
    let items = all
        .iter()
        .skip(((page - 1) * per_page) as usize)
        .take(per_page as usize)
        .map(item_body)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Items {
        total: all.len() as u64,
        page,
        per_page,
        items,
    }))
}

/// One item with its files, as its page shows it.
#[utoipa::path(get, path = "/api/evidence/items/{id}", tag = "evidence",
    params(("id" = i64, Path, description = "The item's number")),
    responses((status = 200, description = "The item and its attachments", body = Item),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn item(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Item> {
    let lib = state.library().await?;
    let item = lib.item(Some(&Actor::from(&u)), id).await?;
    let mut body = item_body(&item)?;
    body.attachments = Some(
        lib.attachments(id)
            .await?
            .into_iter()
            .map(|a| Attachment {
                download: format!("/evidence/attachments/{}", a.id),
                id: a.id,
                file_name: a.file_name,
                media_type: a.media_type,
                size: a.size,
                sha256: a.sha256,
                added_at: a.added_at,
            })
            .collect(),
    );
    Ok(Json(body))
}

/// An item to add: what the add page's form takes (files are added on the page).
#[derive(Deserialize, ToSchema)]
pub struct NewItem {
    pub title: String,
    #[serde(default)]
    pub authors: Vec<String>,
    pub organisation: Option<String>,
    pub year: Option<i32>,
    /// A type code of the taxonomy.
    pub item_type: String,
    #[serde(default)]
    pub summary: String,
    pub link: Option<String>,
    pub doi: Option<String>,
    pub strength: Option<String>,
    /// theme, sector and outcome codes.
    #[serde(default)]
    pub tags: BTreeMap<String, Vec<String>>,
}

/// Add an item (national analysts and administrators).
#[utoipa::path(post, path = "/api/evidence/items", tag = "evidence",
    request_body = NewItem,
    responses((status = 201, description = "Added; the item as stored", body = Item),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn add_item(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    JsonBody(n): JsonBody<NewItem>,
) -> Created<Item> {
    let fields = ItemFields {
        title: n.title,
        authors: n.authors,
        organisation: n.organisation,
        year: n.year,
        item_type: n.item_type,
        summary: n.summary,
        link: n.link,
        doi: n.doi,
        strength: n.strength,
        tags: tags(n.tags, &["theme", "sector", "outcome"])?,
        ..Default::default()
    };
    let actor = Actor::from(&u);
    let lib = state.library().await?;
    let id = lib.add_item(&actor, fields, &[]).await?;
    let item = lib.item(Some(&actor), id).await?;
    Ok((StatusCode::CREATED, Json(item_body(&item)?)))
}

/// A study in the research register.
#[derive(Serialize, ToSchema)]
pub struct Study {
    pub id: i64,
    pub title: String,
    pub organisation: String,
    /// planned, commissioned, in_progress or reported.
    pub status: String,
    pub summary: String,
    /// YYYY-MM-DD.
    pub due_date: Option<String>,
    /// The due date as the source gave it ("summer 2010").
    pub due_note: Option<String>,
    /// The item holding its report, once there is one.
    pub item_id: Option<i64>,
    pub tags: BTreeMap<String, Vec<String>>,
    pub added_at: String,
}

/// The research register, with the page's filters.
#[utoipa::path(get, path = "/api/evidence/register", tag = "evidence",
    params(("status" = Option<String>, Query, description = "planned, commissioned, in_progress or reported"),
           ("theme" = Option<String>, Query, description = "A theme code"),
           ("sector" = Option<String>, Query, description = "A workforce sector code")),
    responses((status = 200, description = "The studies that match", body = Vec<Study>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn register(
    State(state): State<Arc<AppState>>,
    ApiUser(_): ApiUser,
    Query(filter): Query<RegisterQuery>,
) -> ApiResult<Vec<Study>> {
    let entries = state.library().await?.register_entries().await?;
    Ok(Json(
        entries
            .into_iter()
            .filter(|e| filter.shows(e))
            .map(|e| Study {
                id: e.id,
                title: e.fields.title,
                organisation: e.fields.organisation,
                status: e.fields.status,
                summary: e.fields.summary,
                due_date: e.fields.due_date,
                due_note: e.fields.due_note,
                item_id: e.fields.item_id,
                tags: e.fields.tags.0,
                added_at: e.added_at,
            })
            .collect(),
    ))
}

/// A study to register: what the register page's form takes.
#[derive(Deserialize, ToSchema)]
pub struct NewStudy {
    pub title: String,
    pub organisation: String,
    /// planned, commissioned, in_progress or reported.
    pub status: String,
    #[serde(default)]
    pub summary: String,
    /// YYYY-MM-DD.
    pub due_date: Option<String>,
    /// theme and sector codes.
    #[serde(default)]
    pub tags: BTreeMap<String, Vec<String>>,
}

/// An item or study like another (likely duplication of effort).
#[derive(Serialize, ToSchema)]
pub struct Similar {
    /// item or register.
    pub kind: String,
    pub id: i64,
    pub title: String,
    pub organisation: Option<String>,
    /// The item's year, or the study's status and due date.
    pub when: String,
    pub score: f64,
    pub likely_duplicate: bool,
}

/// A study registered, and what it is most like.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub id: i64,
    pub similar: Vec<Similar>,
}

/// Register a study (national analysts and administrators); the answer lists the most
/// similar items and studies already known, as the page does.
#[utoipa::path(post, path = "/api/evidence/register", tag = "evidence",
    request_body = NewStudy,
    responses((status = 201, description = "Registered", body = Registered),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn add_to_register(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    JsonBody(n): JsonBody<NewStudy>,
) -> Created<Registered> {
    let fields = library::RegisterFields {
        title: n.title,
        organisation: n.organisation,
        status: n.status,
        summary: n.summary,
        due_date: n.due_date,
        due_note: None,
        item_id: None,
        tags: tags(n.tags, &["theme", "sector"])?,
    };
    let lib = state.library().await?;
    let (id, similar) = lib.register(&Actor::from(&u), fields).await?;
    let similar = similar
        .into_iter()
        .map(|s| Similar {
            kind: s.kind,
            id: s.id,
            title: s.title,
            organisation: s.organisation,
            when: s.when,
            score: s.score,
            likely_duplicate: s.likely_duplicate,
        })
        .collect();
    Ok((StatusCode::CREATED, Json(Registered { id, similar })))
}

/// A call for evidence.
#[derive(Serialize, ToSchema)]
pub struct CallBody {
    pub id: i64,
    pub question: String,
    pub details: String,
    /// YYYY-MM-DD: the last day submissions are taken.
    pub deadline: String,
    pub tags: BTreeMap<String, Vec<String>>,
    /// open or closed.
    pub status: String,
    /// Taking submissions today.
    pub accepting: bool,
    pub opened_at: String,
    pub closed_at: Option<String>,
    /// The public link that takes submissions: for curators only, as on the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_link: Option<String>,
}

fn call_body(c: Call, curator: bool) -> CallBody {
    let today = chrono::Utc::now().date_naive();
    CallBody {
        accepting: library::accepting(&c, today),
        public_link: curator.then(|| format!("/evidence/calls/{}?key={}", c.id, c.token)),
        id: c.id,
        question: c.fields.question,
        details: c.fields.details,
        deadline: c.fields.deadline,
        tags: c.fields.tags.0,
        status: c.status,
        opened_at: c.opened_at,
        closed_at: c.closed_at,
    }
}

/// Every call for evidence.
#[utoipa::path(get, path = "/api/evidence/calls", tag = "evidence",
    responses((status = 200, description = "The calls", body = Vec<CallBody>),
        (status = 401, body = ErrorBody)))]
pub async fn calls(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
) -> ApiResult<Vec<CallBody>> {
    let curator = may_curate(&u);
    let calls = state.library().await?.calls().await?;
    Ok(Json(
        calls.into_iter().map(|c| call_body(c, curator)).collect(),
    ))
}

/// An item a call added or added to.
#[derive(Serialize, ToSchema)]
pub struct ItemRef {
    pub id: i64,
    pub title: String,
}

/// A call and what it received, as its page reports it (no names, addresses or files).
#[derive(Serialize, ToSchema)]
pub struct CallReport {
    pub call: CallBody,
    pub received: u64,
    /// Count per status: pending, accepted, merged, rejected.
    pub by_status: BTreeMap<String, u64>,
    /// Count per evidence type among the accepted and merged.
    pub by_type: BTreeMap<String, u64>,
    pub items: Vec<ItemRef>,
}

/// One call for evidence and its report.
#[utoipa::path(get, path = "/api/evidence/calls/{id}", tag = "evidence",
    params(("id" = i64, Path, description = "The call's number")),
    responses((status = 200, description = "The call and what it received", body = CallReport),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn call(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<CallReport> {
    let lib = state.library().await?;
    if lib.find_call(id).await?.is_none() {
        return Err(ApiError::not_found(format!("there is no call {id}")));
    }
    let r = lib.call_report(id).await?;
    let counts = |m: BTreeMap<String, usize>| -> BTreeMap<String, u64> {
        m.into_iter().map(|(k, n)| (k, n as u64)).collect()
    };
    Ok(Json(CallReport {
        call: call_body(r.call, may_curate(&u)),
        received: r.received as u64,
        by_status: counts(r.by_status),
        by_type: counts(r.by_type),
        items: r
            .items
            .into_iter()
            .map(|(id, title)| ItemRef { id, title })
            .collect(),
    }))
}

/// A call to open: what the calls page's form takes.
#[derive(Deserialize, ToSchema)]
pub struct NewCall {
    pub question: String,
    #[serde(default)]
    pub details: String,
    /// YYYY-MM-DD: the last day submissions are taken.
    pub deadline: String,
    /// theme codes.
    #[serde(default)]
    pub tags: BTreeMap<String, Vec<String>>,
}

/// Open a call for evidence (national analysts and administrators).
#[utoipa::path(post, path = "/api/evidence/calls", tag = "evidence",
    request_body = NewCall,
    responses((status = 201, description = "Opened; the call with its public link", body = CallBody),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn open_call(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    JsonBody(n): JsonBody<NewCall>,
) -> Created<CallBody> {
    let fields = library::CallFields {
        question: n.question,
        details: n.details,
        deadline: n.deadline,
        tags: tags(n.tags, &["theme"])?,
    };
    let lib = state.library().await?;
    let call = lib.open_call(&Actor::from(&u), fields).await?;
    Ok((StatusCode::CREATED, Json(call_body(call, true))))
}

/// A submission to a call waiting for a moderator, with who sent it (the staff side,
/// as the moderation page shows it).
#[derive(Serialize, ToSchema)]
pub struct PendingSubmission {
    pub id: i64,
    pub call_id: i64,
    /// The call's question.
    pub question: String,
    pub submitter_name: String,
    pub submitter_email: String,
    pub title: String,
    pub authors: Vec<String>,
    pub organisation: Option<String>,
    pub year: Option<i32>,
    pub item_type: String,
    pub summary: String,
    pub link: Option<String>,
    pub submitted_at: String,
    /// The moderation page's address of the file sent with it, if one was (downloaded
    /// signed in, as moderators do).
    pub file: Option<String>,
}

/// The moderation queue: submissions to calls waiting for a decision (national analysts
/// and administrators).
#[utoipa::path(get, path = "/api/evidence/moderation", tag = "evidence",
    responses((status = 200, description = "The pending submissions, oldest first", body = Vec<PendingSubmission>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn moderation(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
) -> ApiResult<Vec<PendingSubmission>> {
    let lib = state.library().await?;
    let pending = lib.pending_call_submissions(&Actor::from(&u)).await?;
    let calls = lib.calls().await?;
    Ok(Json(
        pending
            .into_iter()
            .map(|p| PendingSubmission {
                question: calls
                    .iter()
                    .find(|c| c.id == p.call_id)
                    .map(|c| c.fields.question.clone())
                    .unwrap_or_default(),
                file: p
                    .file_name
                    .as_ref()
                    .map(|_| format!("/evidence/moderation/{}/file", p.id)),
                id: p.id,
                call_id: p.call_id,
                submitter_name: p.submitter_name,
                submitter_email: p.submitter_email,
                title: p.title,
                authors: p.authors,
                organisation: p.organisation,
                year: p.year,
                item_type: p.item_type,
                summary: p.summary,
                link: p.link,
                submitted_at: p.submitted_at,
            })
            .collect(),
    ))
}

/// What a moderator decides.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// A new item, with the strength given.
    Accept,
    /// Folded into the item given.
    Merge,
    /// Not taken, for the reason given.
    Reject,
}

/// A moderator's decision on a submission: the moderation page's form.
#[derive(Deserialize, ToSchema)]
pub struct Moderation {
    pub decision: Verdict,
    /// With accept: the strength of evidence to record.
    pub strength: Option<String>,
    /// With merge: the number of the item to merge into.
    pub item: Option<i64>,
    /// With reject: why.
    pub reason: Option<String>,
}

/// A submission decided on.
#[derive(Serialize, ToSchema)]
pub struct Moderated {
    pub submission: i64,
    /// The item it became or went into (none when rejected).
    pub item_id: Option<i64>,
}

/// Decide on a pending submission (national analysts and administrators).
#[utoipa::path(post, path = "/api/evidence/moderation/{id}", tag = "evidence",
    params(("id" = i64, Path, description = "The submission's number")),
    request_body = Moderation,
    responses((status = 200, description = "Decided", body = Moderated),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn moderate(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    JsonBody(m): JsonBody<Moderation>,
) -> ApiResult<Moderated> {
    let decision = match m.decision {
        Verdict::Accept => Decision::Accept(Changes {
            strength: m.strength,
            ..Default::default()
        }),
        Verdict::Merge => Decision::Merge(
            m.item
                .ok_or_else(|| ApiError::bad("to merge, give the item to merge into"))?,
        ),
        Verdict::Reject => Decision::Reject(m.reason.unwrap_or_default()),
    };
    let lib = state.library().await?;
    let item_id = lib.moderate(&Actor::from(&u), id, decision).await?;
    Ok(Json(Moderated {
        submission: id,
        item_id,
    }))
}

/// A record of an imported file that was not stored because the library (or the file)
/// already holds it.
#[derive(Serialize, ToSchema)]
pub struct Duplicate {
    /// The record's place in the file, from 1.
    pub record: u64,
    pub title: String,
    pub year: Option<i32>,
    /// Why it counts as a duplicate, in words.
    pub reason: String,
    pub existing_item: Option<i64>,
    pub earlier_record: Option<u64>,
    pub existing_title: String,
}

/// What an import of citations did.
#[derive(Serialize, ToSchema)]
pub struct Imported {
    pub records: u64,
    /// The items stored (none on a dry run).
    pub added: Vec<ItemRef>,
    pub duplicates: Vec<Duplicate>,
    /// Records that could not be read, each with what is wrong.
    pub problems: Vec<String>,
}

#[derive(Deserialize)]
pub struct ImportParams {
    dry_run: Option<bool>,
}

/// Import a RIS or BibTeX file of citations (national analysts and administrators), as
/// the import page does: each record is checked like an item typed in by hand, and
/// duplicates of what the library holds are left out. `dry_run=true` stores nothing.
#[utoipa::path(post, path = "/api/evidence/import", tag = "evidence",
    params(("dry_run" = Option<bool>, Query, description = "true: say what would be stored, store nothing")),
    request_body(content = String, content_type = "text/plain", description = "The RIS or BibTeX file (UTF-8)"),
    responses((status = 200, description = "What was stored, left out and could not be read", body = Imported),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody)))]
pub async fn import(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Query(p): Query<ImportParams>,
    file: axum::body::Bytes,
) -> ApiResult<Imported> {
    let max = crate::evidence::max_file_bytes(&state);
    if file.len() > max {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the file is over the limit of {} MB", max / (1024 * 1024)),
        ));
    }
    let text = std::str::from_utf8(&file)
        .map_err(|_| ApiError::bad("send the citations as UTF-8 text"))?;
    let format = library::cite::Format::detect(text).ok_or_else(|| {
        ApiError::bad("the file is neither RIS (lines like 'TY  - RPRT') nor BibTeX (entries like '@article{...}')")
    })?;
    let report = state
        .library()
        .await?
        .import_citations(
            &Actor::from(&u),
            text,
            format,
            &library::cite::ImportOptions::default(),
            p.dry_run.unwrap_or(false),
        )
        .await?;
    Ok(Json(Imported {
        records: report.records as u64,
        added: report
            .added
            .into_iter()
            .map(|(id, title)| ItemRef { id, title })
            .collect(),
        duplicates: report
            .duplicates
            .into_iter()
            .map(|d| Duplicate {
                record: d.record as u64,
                title: d.title,
                year: d.year,
                reason: d.reason,
                existing_item: d.existing_item,
                earlier_record: d.earlier_record.map(|r| r as u64),
                existing_title: d.existing_title,
            })
            .collect(),
        problems: report.problems,
    }))
}

// The bodies of the search and the gap map (their handlers answer the library's own
// types; these describe that JSON).

/// One search result.
#[derive(Serialize, ToSchema)]
pub struct Hit {
    pub id: i64,
    pub score: f64,
    pub title: String,
    /// The title with matched words in `<b>`; HTML-escaped.
    pub title_html: String,
    pub authors: Vec<String>,
    pub organisation: Option<String>,
    pub year: Option<i32>,
    pub item_type: String,
    pub strength: Option<String>,
    /// A passage around the matched words, in HTML (escaped, matches in `<b>`).
    pub snippet_html: String,
    /// summary or attachment.
    pub snippet_from: String,
}

/// How many results carry one value of a facet.
#[derive(Serialize, ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub selected: bool,
}

/// A page of search results with the facets' counts.
#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub total: u64,
    pub hits: Vec<Hit>,
    /// Per facet, its values among the results with their counts.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    pub took_ms: f64,
    /// The index could not catch up with the newest changes.
    pub stale: bool,
    /// The words asked with any the library does not hold respelt as the nearest it
    /// does, when the search found little; null otherwise.
    pub did_you_mean: Option<String>,
}

/// A row or column of the gap map.
#[derive(Serialize, ToSchema)]
pub struct Axis {
    pub code: String,
    pub label: String,
}

/// How many items of a cell have a strength of evidence.
#[derive(Serialize, ToSchema)]
pub struct StrengthCount {
    pub strength: String,
    pub count: u64,
}

/// One cell of the gap map: a theme against a sector or outcome.
#[derive(Serialize, ToSchema)]
pub struct Cell {
    pub theme: String,
    pub column: String,
    pub completed: u64,
    pub ongoing: u64,
    pub strength: Vec<StrengthCount>,
    pub latest_synthesis: Option<i32>,
    /// nothing, no_recent_synthesis or synthesised.
    pub status: String,
    /// The search of this cell's items.
    pub search_url: String,
}

/// The evidence gap map.
#[derive(Serialize, ToSchema)]
pub struct GapMap {
    /// sector or outcome.
    pub columns_facet: String,
    pub as_of: i32,
    pub recent_years: i32,
    pub themes: Vec<Axis>,
    pub columns: Vec<Axis>,
    /// One row per theme, one cell per column.
    pub cells: Vec<Vec<Cell>>,
}
