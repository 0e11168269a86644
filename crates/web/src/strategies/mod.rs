//! The strategies pages: the local workforce strategies a person may read, each shown
//! whole in the order of the recommended framework (vision, scope, where we are now,
//! workforce data, views, objectives judged from the census, priorities, pilots,
//! managing change, actions, risks, resources, decisions, evaluation), with its
//! checklist and history. Planners of a strategy's areas change it here section by
//! section; an action's owner updates its status. Every rule is the service's.

pub mod forms;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::NaiveDate;
use observatory_domain::{codes, long_date};
use observatory_service::strategy::document;
use observatory_service::strategy::edit::{self as edits, Owned};
use observatory_service::strategy::{self, ObjectiveStatus, Status};
use observatory_service::strategy::{Answer, Edit, Kind, List, Strategy, framework};
use observatory_service::{Actor, policy};
use serde_json::Value;
use std::sync::Arc;

use crate::auth::{Posted, Viewer};
use crate::error::PageError;
use crate::pages::{Layout, PageResult, html, see_other};
use crate::state::AppState;
use forms::{Field, Problem};

use observatory_domain::uk_today as today;

fn may_use(v: &Viewer) -> Result<(), PageError> {
    Ok(policy::may_use_strategies(&v.user)?)
}

/// The strategy `id` as the viewer may read it, and the viewer as the actor.
async fn opened<'v>(
    state: &AppState,
    v: &'v Viewer,
    id: &str,
) -> Result<(Actor<'v>, Strategy, strategy::StoredStrategy), PageError> {
    may_use(v)?;
    let actor = Actor::from(&v.user);
    let (s, stored) = strategy::read(&state.db, actor, id).await?;
    Ok((actor, s, stored))
}

pub mod objective;
pub mod workforce;

/// A strategy in the list.
struct Listed {
    id: String,
    title: String,
    areas: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "strategies.html")]
struct ListPage {
    l: Layout,
    strategies: Vec<Listed>,
    owned: Vec<Owned>,
}

pub async fn list(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    may_use(&v)?;
    let strategies = strategy::list(&state.db, Actor::from(&v.user))
        .await?
        .into_iter()
        .map(|(s, areas)| Listed {
            id: s.id,
            title: s.title,
            areas: strategy::series::place(&areas),
            updated: crate::pages::uk_time(&s.updated_at),
        })
        .collect();
    let owned = edits::owned_by(&state.db, &v.user, today()).await?;
    html(&ListPage {
        l: Layout::new(&state, &v, "Strategies", "/strategies"),
        strategies,
        owned,
    })
}

/// One objective as the page shows it.
pub struct Row {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub status: &'static str,
    pub tag: &'static str,
    pub stale: bool,
    pub value: String,
    pub observed: String,
    pub trajectory: String,
    pub milestones: String,
    /// Measured by hand (values are recorded), and owned by the viewer.
    pub recorded: bool,
    pub mine: bool,
}

/// The GOV.UK tag colour of a status.
pub fn tag(s: Status) -> &'static str {
    match s {
        Status::Achieved => "govuk-tag--green",
        Status::OnTrack => "govuk-tag--blue",
        Status::AtRisk => "govuk-tag--yellow",
        Status::OffTrack => "govuk-tag--red",
        Status::NotEnoughData => "govuk-tag--grey",
    }
}

/// A value in the indicator's unit ("43.0%", "1,234", "£24,500"); values recorded by
/// hand as percentages when they are between 0 and 1.
pub fn shown(measure: Option<&str>, v: f64) -> String {
    use observatory_domain::Unit;
    let unit = match measure {
        Some(m) => observatory_service::query::measure_units(m).map_or(Unit::Ratio, |u| u.0),
        None if (0.0..=1.0).contains(&v) => Unit::Percentage,
        None => Unit::Ratio,
    };
    unit.format(v)
}

fn row(s: &ObjectiveStatus, me: &str) -> Row {
    let (o, j) = (&s.objective, &s.judgement);
    let measure = match &o.indicator {
        strategy::Indicator::Bound { measure, .. } => Some(measure.as_str()),
        _ => None,
    };
    let shown = |v| shown(measure, v);
    Row {
        recorded: measure.is_none(),
        mine: o
            .owner_email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(me)),
        id: o.id.clone(),
        title: o.title.clone(),
        owner: o.owner.clone(),
        status: j.status.label(),
        tag: tag(j.status),
        stale: j.stale,
        value: j.value.map(shown).unwrap_or_else(|| "c".into()),
        observed: j.observed_at.map(long_date).unwrap_or_default(),
        trajectory: j.trajectory.map(shown).unwrap_or_default(),
        milestones: std::iter::once(&o.baseline)
            .chain(&o.milestones)
            .map(|p| format!("{} by {}", shown(p.value), long_date(p.date)))
            .collect::<Vec<_>>()
            .join(", then "),
    }
}

/// A section of the strategy page, in the framework's order.
struct SectionView {
    key: String,
    heading: String,
    kind: &'static str,
    guidance: String,
    text: String,
}

/// A cell of the risk heat map: likelihood, impact and the risks in it.
struct HeatCell {
    likelihood: u8,
    impact: u8,
    rating: &'static str,
    risks: Vec<String>,
}

/// A decision with the titles of the evidence it cites.
struct DecisionView {
    d: strategy::Decision,
    evidence: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "strategy.html")]
struct StrategyPage {
    l: Layout,
    s: Strategy,
    areas: String,
    version: i64,
    may_change: bool,
    sections: Vec<SectionView>,
    partners: Vec<String>,
    sectors: Vec<String>,
    rows: Vec<Row>,
    counts: Vec<(&'static str, &'static str, usize)>,
    overdue: usize,
    today: NaiveDate,
    heat: Vec<Vec<HeatCell>>,
    totals: strategy::Totals,
    checklist: (usize, usize),
    decisions: Vec<DecisionView>,
    me: String,
}

impl StrategyPage {
    fn objective_title(&self, id: &Option<String>) -> String {
        id.as_ref()
            .and_then(|id| self.s.objectives.iter().find(|o| &o.id == id))
            .map(|o| o.title.clone())
            .unwrap_or_default()
    }
    fn swot(&self) -> [(&'static str, &[String]); 4] {
        let w = &self.s.swot;
        [
            ("Strengths", &w.strengths),
            ("Weaknesses", &w.weaknesses),
            ("Opportunities", &w.opportunities),
            ("Threats", &w.threats),
        ]
    }
    fn may_update(&self, a: &strategy::Action) -> bool {
        self.may_change
            || a.owner_email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&self.me))
    }
}

/// A date that may be missing, as people read it ("" when missing).
pub fn day(d: &Option<NaiveDate>) -> String {
    d.map(long_date).unwrap_or_default()
}

/// A date as people read it, however the template holds it.
pub fn date(d: impl std::borrow::Borrow<NaiveDate>) -> String {
    long_date(*d.borrow())
}

/// Pounds, whole: "£12,500".
fn pounds(v: impl std::borrow::Borrow<f64>) -> String {
    format!(
        "£{}",
        observatory_domain::charts::thousands(v.borrow().round())
    )
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    may_use(&v)?;
    let actor = Actor::from(&v.user);
    let today = today();
    let (s, stored) = strategy::read(&state.db, actor, &id).await?;
    let judged =
        strategy::judge_all(&state.db, actor, &state.answers, &s, &stored.areas, today).await?;
    let f = framework();
    let sections = f
        .sections
        .iter()
        .map(|x| SectionView {
            key: x.key.clone(),
            heading: x.heading.clone(),
            kind: match x.kind {
                Kind::Text => "text",
                Kind::Scope => "scope",
                Kind::Swot => "swot",
                Kind::Generated => "generated",
                Kind::Objectives => "objectives",
                Kind::Actions => "actions",
                Kind::Risks => "risks",
                Kind::Resources => "resources",
                Kind::Decisions => "decisions",
            },
            guidance: x.guidance.clone(),
            text: s.section_text(&x.key).to_string(),
        })
        .collect();
    let rows: Vec<Row> = judged.iter().map(|j| row(j, &v.user.email)).collect();
    let counts = [
        Status::Achieved,
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::NotEnoughData,
    ]
    .into_iter()
    .map(|st| {
        (
            st.label(),
            tag(st),
            judged.iter().filter(|j| j.judgement.status == st).count(),
        )
    })
    .filter(|c| c.2 > 0)
    .collect();
    let heat = (1..=5u8)
        .rev()
        .map(|l| {
            (1..=5u8)
                .map(|i| {
                    let probe = strategy::Risk {
                        id: String::new(),
                        title: String::new(),
                        likelihood: l,
                        impact: i,
                        mitigation: String::new(),
                        owner: String::new(),
                        owner_email: None,
                        review: None,
                    };
                    HeatCell {
                        likelihood: l,
                        impact: i,
                        rating: probe.rating(),
                        risks: s
                            .risks
                            .iter()
                            .filter(|r| r.likelihood == l && r.impact == i)
                            .map(|r| r.title.clone())
                            .collect(),
                    }
                })
                .collect()
        })
        .collect();
    let answered = f
        .checklist
        .iter()
        .filter(|q| {
            s.checklist.iter().any(|a| {
                a.item == q.key && matches!(a.status, Answer::Done | Answer::NotApplicable)
            })
        })
        .count();
    let library = state.library().await.ok();
    let mut decisions = Vec::new();
    for d in &s.decisions {
        let mut evidence = Vec::new();
        for n in &d.evidence {
            let title = match library {
                Some(lib) => lib
                    .find_item(Some(&actor), *n)
                    .await
                    .ok()
                    .flatten()
                    .map(|i| i.fields.title),
                None => None,
            };
            evidence.push((
                *n,
                title.unwrap_or_else(|| format!("Item {n} (no longer in the library)")),
            ));
        }
        decisions.push(DecisionView {
            d: d.clone(),
            evidence,
        });
    }
    let c = codes();
    html(&StrategyPage {
        l: Layout::new(&state, &v, &s.title, "/strategies"),
        areas: strategy::series::place(&stored.areas),
        version: stored.version,
        may_change: policy::may_change_strategy(actor, &stored.areas).is_ok(),
        sections,
        partners: f.partner_labels(&s.scope.partners),
        sectors: s
            .scope
            .sectors
            .iter()
            .map(|x| c.label_of("sector", x))
            .collect(),
        rows,
        counts,
        overdue: s.actions.iter().filter(|a| a.overdue(today)).count(),
        today,
        heat,
        totals: s.resources.totals(),
        checklist: (answered, f.checklist.len()),
        decisions,
        me: v.user.email.clone(),
        s,
    })
}

/// The form of one change: its fields, errors and where it posts.
#[derive(Template)]
#[template(path = "strategy_form.html")]
struct FormPage {
    l: Layout,
    heading: String,
    caption: String,
    action: String,
    back: String,
    version: i64,
    fields: Vec<Field>,
    errors: Vec<Problem>,
    remove: Option<String>,
}

fn form_page(state: &AppState, v: &Viewer, page: FormPage) -> PageResult {
    let mut page = page;
    page.l = Layout::new(state, v, &page.heading, "/strategies").erring(&page.errors);
    let failed = !page.errors.is_empty();
    let mut res = html(&page)?;
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The item with this id in a list of the strategy (`new`: none yet).
fn item_of(s: &Strategy, list: List, item: &str) -> Result<Value, PageError> {
    let doc = serde_json::to_value(s).map_err(|e| PageError::from(anyhow::Error::from(e)))?;
    if item == "new" {
        return Ok(Value::Null);
    }
    list.items(&doc)
        .into_iter()
        .find(|x| x["id"] == item)
        .ok_or_else(PageError::not_found)
}

fn caption(s: &Strategy) -> String {
    s.title.clone()
}

/// A new id for an item: its name's words, made unique in the list.
fn new_id(s: &Strategy, list: List, name: &str) -> String {
    let doc = serde_json::to_value(s).unwrap_or(Value::Null);
    let taken: Vec<String> = list
        .items(&doc)
        .iter()
        .filter_map(|x| x["id"].as_str().map(str::to_string))
        .collect();
    let base: String = name
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    let base = if base.is_empty() {
        list.noun().replace(' ', "-")
    } else {
        base
    };
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// The form to add (`new`) or change an item of a list.
async fn item_form(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    list: List,
    Path((id, item)): Path<(String, String)>,
) -> PageResult {
    let (actor, s, stored) = opened(&state, &v, &id).await?;
    let existing = item_of(&s, list, &item)?;
    let owner_only = policy::may_change_strategy(actor, &stored.areas).is_err();
    if owner_only {
        let owner = existing["owner_email"].as_str();
        if list != List::Actions {
            policy::may_change_strategy(actor, &stored.areas)?;
        }
        policy::may_update_owned(actor, &stored.areas, owner)?;
    }
    let mut fields = if owner_only {
        forms::owner_fields()
    } else {
        forms::fields(list, &s)
    };
    forms::fill(&mut fields, &existing);
    let noun = list.noun();
    let heading = if item == "new" {
        format!(
            "Add {} {noun}",
            if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            }
        )
    } else {
        format!(
            "Change the {noun} \u{2018}{}\u{2019}",
            existing[list.name_field()].as_str().unwrap_or(&item)
        )
    };
    form_page(
        &state,
        &v,
        FormPage {
            remove: (item != "new" && !owner_only)
                .then(|| format!("/strategies/{id}/{}/{item}/remove", list_path(list))),
            ..item_page(&s, list, &item, heading, stored.version, fields, Vec::new())
        },
    )
}

/// The form of an item of a list, posting to itself.
fn item_page(
    s: &Strategy,
    list: List,
    item: &str,
    heading: String,
    version: i64,
    fields: Vec<Field>,
    errors: Vec<Problem>,
) -> FormPage {
    let id = &s.id;
    FormPage {
        l: Layout::plain(""),
        heading,
        caption: caption(s),
        action: format!("/strategies/{id}/{}/{item}/edit", list_path(list)),
        back: format!("/strategies/{id}#{}", list_anchor(list)),
        version,
        fields,
        errors,
        remove: None,
    }
}

fn list_path(list: List) -> &'static str {
    match list {
        List::Objectives => "objectives",
        List::Actions => "actions",
        List::Risks => "risks",
        List::Decisions => "decisions",
        List::Funding => "funding",
        List::Required => "required",
    }
}

fn list_anchor(list: List) -> &'static str {
    match list {
        List::Funding | List::Required => "resources",
        l => list_path(l),
    }
}

/// The version a form was made on.
fn version_of(posted: &[(String, String)]) -> Result<i64, PageError> {
    posted
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| PageError::bad("The form is not complete: reload the page and try again."))
}

/// The service's refusal of a change, as the form's error (a conflict stays a page).
fn refused(e: observatory_service::ServiceError) -> Result<Vec<Problem>, PageError> {
    match e {
        observatory_service::ServiceError::Invalid(m) => Ok(vec![(String::new(), m)]),
        observatory_service::ServiceError::Fields { problems, .. } => Ok(problems
            .into_iter()
            .map(|(f, m)| (f.to_string(), m))
            .collect()),
        e => Err(e.into()),
    }
}

/// Add or change an item of a list.
async fn save_item(
    State(state): State<Arc<AppState>>,
    list: List,
    Path((id, item)): Path<(String, String)>,
    Posted { viewer: v, form }: Posted<Vec<(String, String)>>,
) -> PageResult {
    let (actor, s, stored) = opened(&state, &v, &id).await?;
    let existing = item_of(&s, list, &item)?;
    let owner_only = policy::may_change_strategy(actor, &stored.areas).is_err();
    let mut fields = if owner_only {
        forms::owner_fields()
    } else {
        forms::fields(list, &s)
    };
    let version = version_of(&form)?;
    let errors = match forms::read(Some(list), &mut fields, &form, &existing) {
        Ok(mut fields_json) => {
            let item_id = if item == "new" {
                let name = fields_json
                    .get(list.name_field())
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                new_id(&s, list, &name)
            } else {
                item.clone()
            };
            fields_json.insert("id".into(), Value::String(item_id));
            let change = Edit::Upsert {
                list,
                item: fields_json,
            };
            match edits::change(&state.db, actor, &id, version, &change, &v.user.email).await {
                Ok(_) => {
                    return Ok(see_other(&format!(
                        "/strategies/{id}#{}",
                        list_anchor(list)
                    )));
                }
                Err(e) => refused(e)?,
            }
        }
        Err(problems) => problems,
    };
    let first = fields
        .first()
        .map(|f| f.name.to_string())
        .unwrap_or_default();
    let errors = errors
        .into_iter()
        .map(|(f, m)| (if f.is_empty() { first.clone() } else { f }, m))
        .collect();
    form_page(
        &state,
        &v,
        item_page(
            &s,
            list,
            &item,
            format!(
                "{} {}",
                if item == "new" { "Add" } else { "Change" },
                list.noun()
            ),
            version,
            fields,
            errors,
        ),
    )
}

/// Remove an item of a list.
async fn remove_item(
    State(state): State<Arc<AppState>>,
    list: List,
    Path((id, item)): Path<(String, String)>,
    Posted { viewer: v, form }: Posted<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    may_use(&v)?;
    let change = Edit::Remove {
        list,
        id: item.clone(),
    };
    edits::change(
        &state.db,
        Actor::from(&v.user),
        &id,
        version_of(&form)?,
        &change,
        &v.user.email,
    )
    .await?;
    Ok(see_other(&format!(
        "/strategies/{id}#{}",
        list_anchor(list)
    )))
}

/// The strategies' routes: the list, each strategy, its sections, checklist and
/// history, and the forms of each list's items (one route per list, so that a list's own
/// pages, like an objective's, sit beside them).
pub fn routes() -> axum::Router<Arc<AppState>> {
    use axum::routing::{get, post};
    type Form = Posted<Vec<(String, String)>>;
    type St = State<Arc<AppState>>;
    type Ids = Path<(String, String)>;
    let mut r = axum::Router::new()
        .route("/strategies", get(list))
        .route("/strategies/{id}", get(show))
        .route(
            "/strategies/{id}/sections/{key}",
            get(section_form).post(save_section),
        )
        .route(
            "/strategies/{id}/checklist",
            get(checklist).post(save_checklist),
        )
        .route("/strategies/{id}/history", get(history))
        .route("/strategies/{id}/objectives/{oid}", get(objective::show))
        .route("/strategies/{id}/workforce", get(workforce::show))
        .route("/strategies/{id}/files/{name}", get(file))
        .route("/strategies/{id}/board-report", post(record_report))
        .route("/public/strategies/{id}", get(public))
        .route(
            "/strategies/{id}/objectives/{item}/record",
            get(record_form).post(save_record),
        );
    for l in List::ALL {
        let path = list_path(l);
        r = r
            .route(
                &format!("/strategies/{{id}}/{path}/{{item}}/edit"),
                get(move |s: St, v: Viewer, p: Ids| item_form(s, v, l, p))
                    .post(move |s: St, p: Ids, f: Form| save_item(s, l, p, f)),
            )
            .route(
                &format!("/strategies/{{id}}/{path}/{{item}}/remove"),
                post(move |s: St, p: Ids, f: Form| remove_item(s, l, p, f)),
            );
    }
    r
}

/// The form of a section: its text, and for the scope and SWOT their lists.
#[derive(Template)]
#[template(path = "strategy_section.html")]
struct SectionPage {
    l: Layout,
    caption: String,
    id: String,
    key: String,
    heading: String,
    guidance: String,
    version: i64,
    text: String,
    /// The SWOT's four lists (name, label, lines).
    swot: Vec<(&'static str, &'static str, String)>,
    /// The scope's partners and sectors (name, value, label, ticked).
    partners: Vec<(String, String, bool)>,
    sectors: Vec<(String, String, bool)>,
    errors: Vec<Problem>,
}

const SWOT: [(&str, &str); 4] = [
    ("strengths", "Strengths"),
    ("weaknesses", "Weaknesses"),
    ("opportunities", "Opportunities"),
    ("threats", "Threats"),
];

fn section_page(
    state: &AppState,
    v: &Viewer,
    s: &Strategy,
    version: i64,
    key: &str,
) -> Result<SectionPage, PageError> {
    let f = framework();
    let section = f
        .section(key)
        .filter(|x| f.has_text(key) || x.kind == Kind::Scope)
        .ok_or_else(PageError::not_found)?;
    let c = codes();
    Ok(SectionPage {
        l: Layout::new(
            state,
            v,
            &format!("Change: {}", section.heading),
            "/strategies",
        ),
        caption: s.title.clone(),
        id: s.id.clone(),
        key: key.to_string(),
        heading: section.heading.clone(),
        guidance: section.guidance.clone(),
        version,
        text: s.section_text(key).to_string(),
        swot: if section.kind == Kind::Swot {
            let lists = [
                &s.swot.strengths,
                &s.swot.weaknesses,
                &s.swot.opportunities,
                &s.swot.threats,
            ];
            SWOT.iter()
                .zip(lists)
                .map(|((n, l), v)| (*n, *l, v.join("\n")))
                .collect()
        } else {
            Vec::new()
        },
        partners: if section.kind == Kind::Scope {
            f.partners
                .iter()
                .map(|p| {
                    (
                        p.key.clone(),
                        p.label.clone(),
                        s.scope.partners.contains(&p.key),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        sectors: if section.kind == Kind::Scope {
            (0..c.sectors.len())
                .map(|i| {
                    let code = c.sectors.code(i).to_string();
                    let ticked = s.scope.sectors.contains(&code);
                    (code, c.sectors.label(i).to_string(), ticked)
                })
                .collect()
        } else {
            Vec::new()
        },
        errors: Vec::new(),
    })
}

pub async fn section_form(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path((id, key)): Path<(String, String)>,
) -> PageResult {
    let (actor, s, stored) = opened(&state, &v, &id).await?;
    policy::may_change_strategy(actor, &stored.areas)?;
    html(&section_page(&state, &v, &s, stored.version, &key)?)
}

pub async fn save_section(
    State(state): State<Arc<AppState>>,
    Path((id, key)): Path<(String, String)>,
    Posted { viewer: v, form }: Posted<Vec<(String, String)>>,
) -> PageResult {
    let (actor, s, _) = opened(&state, &v, &id).await?;
    let version = version_of(&form)?;
    let mut page = section_page(&state, &v, &s, version, &key)?;
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let ticked = |k: &str| {
        form.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| Value::String(v.clone()))
            .collect::<Vec<_>>()
    };
    let text = get("text");
    let mut changes = Vec::new();
    if key == "vision" {
        changes.push(Edit::Field {
            key: "vision",
            value: Value::String(text.clone()),
        });
    } else if framework().has_text(&key) {
        changes.push(Edit::Section {
            key: key.clone(),
            text: text.clone(),
        });
    }
    if !page.swot.is_empty() {
        let mut swot = serde_json::Map::new();
        for (n, _) in SWOT {
            swot.insert(n.into(), serde_json::json!(forms::lines(&get(n))));
        }
        changes.push(Edit::Field {
            key: "swot",
            value: Value::Object(swot),
        });
    }
    if !page.partners.is_empty() {
        changes.push(Edit::Field {
            key: "scope",
            value: serde_json::json!({"partners": ticked("partners"), "sectors": ticked("sectors")}),
        });
    }
    let mut at = version;
    for change in &changes {
        match edits::change(&state.db, actor, &id, at, change, &v.user.email).await {
            Ok((next, _)) => at = next,
            Err(e) => {
                page.errors = refused(e)?
                    .into_iter()
                    .map(|(_, m)| ("text".to_string(), m))
                    .collect();
                page.text = text;
                page.l = page.l.erring(&page.errors);
                return html(&page);
            }
        }
    }
    Ok(see_other(&format!("/strategies/{id}#{key}")))
}

/// The checklist's form: each question with its answer and note.
#[derive(Template)]
#[template(path = "strategy_checklist.html")]
struct ChecklistPage {
    l: Layout,
    caption: String,
    id: String,
    version: i64,
    may_change: bool,
    /// (key, question, answer, note)
    questions: Vec<(String, String, Answer, String)>,
    answers: [Answer; 4],
    done: usize,
}

pub async fn checklist(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let (actor, s, stored) = opened(&state, &v, &id).await?;
    let questions: Vec<(String, String, Answer, String)> = framework()
        .checklist
        .iter()
        .map(|q| {
            let a = s.checklist.iter().find(|a| a.item == q.key);
            (
                q.key.clone(),
                q.label.clone(),
                a.map(|a| a.status).unwrap_or_default(),
                a.map(|a| a.note.clone()).unwrap_or_default(),
            )
        })
        .collect();
    let done = questions
        .iter()
        .filter(|q| matches!(q.2, Answer::Done | Answer::NotApplicable))
        .count();
    html(&ChecklistPage {
        l: Layout::new(&state, &v, "Checklist", "/strategies"),
        caption: s.title.clone(),
        id,
        version: stored.version,
        may_change: policy::may_change_strategy(actor, &stored.areas).is_ok(),
        questions,
        answers: Answer::ALL,
        done,
    })
}

pub async fn save_checklist(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Posted { viewer: v, form }: Posted<Vec<(String, String)>>,
) -> PageResult {
    let (actor, s, _) = opened(&state, &v, &id).await?;
    let mut at = version_of(&form)?;
    let get = |k: String| {
        form.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.trim().to_string())
    };
    for q in &framework().checklist {
        let before = s.checklist.iter().find(|a| a.item == q.key);
        let status = get(format!("{}-status", q.key))
            .and_then(|x| Answer::ALL.into_iter().find(|a| a.as_str() == x))
            .unwrap_or_default();
        let note = get(format!("{}-note", q.key)).unwrap_or_default();
        let was = before
            .map(|a| (a.status, a.note.clone()))
            .unwrap_or_default();
        if was == (status, note.clone()) {
            continue;
        }
        let change = Edit::Checklist {
            item: q.key.clone(),
            status,
            note,
        };
        at = edits::change(&state.db, actor, &id, at, &change, &v.user.email)
            .await?
            .0;
    }
    Ok(see_other(&format!("/strategies/{id}/checklist")))
}

#[derive(Template)]
#[template(path = "strategy_history.html")]
struct HistoryPage {
    l: Layout,
    id: String,
    caption: String,
    versions: Vec<observatory_service::strategy::StrategyVersion>,
}

pub async fn history(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let (actor, s, _) = opened(&state, &v, &id).await?;
    let versions = strategy::history(&state.db, actor, &id).await?;
    html(&HistoryPage {
        l: Layout::new(&state, &v, "History", "/strategies"),
        id,
        caption: s.title,
        versions,
    })
}

fn record_page(
    s: &Strategy,
    id: &str,
    oid: &str,
    version: i64,
    fields: Vec<Field>,
    errors: Vec<Problem>,
) -> Result<FormPage, PageError> {
    let o = s
        .objectives
        .iter()
        .find(|o| o.id == oid)
        .ok_or_else(PageError::not_found)?;
    Ok(FormPage {
        l: Layout::plain(""),
        heading: format!("Record a value: {}", o.title),
        caption: caption(s),
        action: format!("/strategies/{id}/objectives/{oid}/record"),
        back: format!("/strategies/{id}#objective-{oid}"),
        version,
        fields,
        errors,
        remove: None,
    })
}

/// The form to record a value of an objective measured by hand.
async fn record_form(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path((id, oid)): Path<(String, String)>,
) -> PageResult {
    let (actor, s, stored) = opened(&state, &v, &id).await?;
    let owner = s
        .objectives
        .iter()
        .find(|o| o.id == oid)
        .and_then(|o| o.owner_email.as_deref());
    policy::may_update_owned(actor, &stored.areas, owner)?;
    let page = record_page(
        &s,
        &id,
        &oid,
        stored.version,
        forms::record_fields(),
        Vec::new(),
    )?;
    form_page(&state, &v, page)
}

async fn save_record(
    State(state): State<Arc<AppState>>,
    Path((id, oid)): Path<(String, String)>,
    Posted { viewer: v, form }: Posted<Vec<(String, String)>>,
) -> PageResult {
    let (actor, s, _) = opened(&state, &v, &id).await?;
    let version = version_of(&form)?;
    let mut fields = forms::record_fields();
    let errors = match forms::read(None, &mut fields, &form, &Value::Null) {
        Ok(got) => {
            let value = strategy::Recorded {
                date: got["date"]
                    .as_str()
                    .and_then(|d| d.parse().ok())
                    .unwrap_or_default(),
                value: got["value"].as_f64().unwrap_or_default(),
                source: got["source"].as_str().unwrap_or_default().to_string(),
            };
            match edits::record_value(&state.db, actor, &id, version, &oid, value, &v.user.email)
                .await
            {
                Ok(_) => return Ok(see_other(&format!("/strategies/{id}#objective-{oid}"))),
                Err(e) => refused(e)?
                    .into_iter()
                    .map(|(f, m)| (if f.is_empty() { "date".to_string() } else { f }, m))
                    .collect(),
            }
        }
        Err(problems) => problems,
    };
    let page = record_page(&s, &id, &oid, version, fields, errors)?;
    form_page(&state, &v, page)
}

#[derive(Template)]
#[template(path = "strategy_public.html")]
struct PublicPage {
    l: Layout,
    s: Strategy,
    areas: String,
    /// The text sections in the framework's order: heading and paragraphs.
    sections: Vec<(String, Vec<String>)>,
    partners: Vec<String>,
    rows: Vec<Row>,
    today: NaiveDate,
}

/// A public strategy, readable by anyone without signing in: its text, its objectives
/// judged on protected figures, and its actions; no one's account, no risks or money.
async fn public(
    State(state): State<Arc<AppState>>,
    crate::auth::MaybeViewer(v): crate::auth::MaybeViewer,
    Path(id): Path<String>,
) -> PageResult {
    let today = today();
    let (s, areas, judged) = strategy::public(
        &state.db,
        &state.answers,
        state.config.threshold,
        &id,
        today,
    )
    .await?;
    let f = framework();
    let sections = f
        .sections
        .iter()
        .filter(|x| matches!(x.kind, Kind::Text | Kind::Swot | Kind::Generated))
        .filter_map(|x| {
            let paragraphs: Vec<String> = s
                .section_text(&x.key)
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect();
            (!paragraphs.is_empty()).then(|| (x.heading.clone(), paragraphs))
        })
        .collect();
    html(&PublicPage {
        l: crate::evidence::layout(&state, &v, &s.title),
        areas: strategy::series::place(&areas),
        sections,
        partners: f.partner_labels(&s.scope.partners),
        rows: judged.iter().map(|j| row(j, "")).collect(),
        today,
        s,
    })
}

/// A file to download, never shown inline (so no document runs as a page of this site).
fn attachment(name: &str, media_type: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, media_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The strategy or a draft board report (`strategy.pdf`, `report.docx`, ...), or the
/// strategy's file (`strategy.json`). A draft report is not recorded.
pub async fn file(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    may_use(&v)?;
    let actor = Actor::from(&v.user);
    if name == "strategy.json" {
        let body = strategy::export(&state.db, actor, &id).await?;
        return Ok(attachment(
            &format!("{id}.json"),
            "application/json",
            body.into_bytes(),
        ));
    }
    let (what, ext) = name.split_once('.').ok_or_else(PageError::not_found)?;
    let format = document::Format::parse(ext).ok_or_else(PageError::not_found)?;
    let doc = match what {
        "strategy" => document::document(&state.db, actor, &state.answers, &id, today()).await?,
        "report" => {
            document::board_report(&state.db, actor, &state.answers, &id, today(), None).await?
        }
        _ => return Err(PageError::not_found()),
    };
    let bytes = document::render(doc, format).await?;
    Ok(attachment(
        &format!("{id}-{name}"),
        format.media_type(),
        bytes,
    ))
}

/// Make the board report and record it, so that the next one says what changed since.
pub async fn record_report(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Posted { viewer: v, form }: Posted<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (actor, _, stored) = opened(&state, &v, &id).await?;
    policy::may_change_strategy(actor, &stored.areas)?;
    let format = form
        .iter()
        .find(|(k, _)| k == "format")
        .and_then(|(_, f)| document::Format::parse(f))
        .unwrap_or(document::Format::Pdf);
    let doc = document::board_report(
        &state.db,
        actor,
        &state.answers,
        &id,
        today(),
        Some(&v.user.email),
    )
    .await?;
    let bytes = document::render(doc, format).await?;
    Ok(attachment(
        &format!("{id}-board-report.{}", format.extension()),
        format.media_type(),
        bytes,
    ))
}
