//! The projections pages: how a workforce may change over the next years, from a
//! scenario (a file of assumptions) run on the census. Planners and analysts make a
//! projection from a form, read it (chart, table, what would close the gap, how far to
//! trust it, its assumptions and versions), change it as a file, copy and compare it,
//! and import population projections for demand. Every rule and figure is the service's
//! (`observatory_service::projections`); employers and partners are refused.

pub mod api;
pub mod form;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use observatory_domain::charts::{Dated, Look, Series};
use observatory_domain::{Unit, codes, long_date};
use observatory_service::projections::{self, Projected, Saved};
use observatory_service::{Actor, ServiceError, policy, returns};
use serde::Deserialize;
use std::sync::Arc;

use crate::auth::{Posted, Viewer};
use crate::error::PageError;
use crate::pages::{Layout, PageResult, html, see_other, uk_time};
use crate::state::AppState;

type Problems = Vec<(String, String)>;

/// The viewer as the actor, if they may project (employers and partners get a 403).
fn actor(v: &Viewer) -> Result<Actor<'_>, PageError> {
    let a = Actor::from(&v.user);
    policy::may_project(a)?;
    Ok(a)
}

fn layout(state: &AppState, v: &Viewer, title: &str) -> Layout {
    Layout::new(state, v, title, "/projections")
}

/// A page shown again with its problems, with the status that says why.
fn again(t: &impl Template, status: StatusCode) -> PageResult {
    let mut r = html(t)?;
    *r.status_mut() = status;
    Ok(r)
}

/// A service error as a form's problem beside `field`, with its status; anything else
/// (the database down) goes to the error page.
fn problem(e: ServiceError, field: &str) -> Result<((String, String), StatusCode), PageError> {
    let status = match &e {
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Denied(_) => StatusCode::FORBIDDEN,
        ServiceError::Fields { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Locked(_) => StatusCode::CONFLICT,
        _ => return Err(e.into()),
    };
    Ok(((field.to_string(), e.to_string()), status))
}

// ---------------------------------------------------------------------------------
// The list, and population projections

struct Listed {
    id: String,
    name: String,
    what: String,
    by: String,
    when: String,
}

struct Population {
    name: String,
    source: String,
    by: String,
    when: String,
}

#[derive(Template)]
#[template(path = "projections.html")]
struct ListPage {
    l: Layout,
    scenarios: Vec<Listed>,
    populations: Vec<Population>,
    errors: Problems,
    imported: String,
    pop_name: String,
}

async fn list_page(
    state: &AppState,
    v: &Viewer,
    errors: Problems,
    imported: String,
    pop_name: String,
) -> Result<ListPage, PageError> {
    let a = actor(v)?;
    let scenarios = projections::list_described(&state.db, a)
        .await?
        .into_iter()
        .map(|(s, what)| Listed {
            id: s.id,
            name: s.name,
            what,
            by: s.updated_by,
            when: uk_time(&s.updated_at),
        })
        .collect();
    let populations = projections::populations(&state.db, a)
        .await?
        .into_iter()
        .map(|p| Population {
            name: p.name,
            source: p.source,
            by: p.imported_by,
            when: uk_time(&p.imported_at),
        })
        .collect();
    Ok(ListPage {
        l: layout(state, v, "Projections").erring(&errors),
        scenarios,
        populations,
        errors,
        imported,
        pop_name,
    })
}

pub async fn list(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    html(&list_page(&state, &v, Vec::new(), String::new(), String::new()).await?)
}

/// Imports a population projection (an ONS SNPP CSV): a wrong file is named in the
/// error summary with the line the service found wrong.
pub async fn import_population(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    mp: Multipart,
) -> PageResult {
    let max = projections::POPULATION_MAX_BYTES;
    let (f, file) = crate::evidence::read_multipart(mp, max).await?;
    v.check_csrf(&f.get("csrf"))?;
    let a = actor(&v)?;
    let name = f.get("name");
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push((
            "pop-name".into(),
            "Enter a name for the population projection".into(),
        ));
    }
    match &file {
        None => errors.push((
            "pop-file".into(),
            "Select a population projection CSV file".into(),
        )),
        Some(u) if u.bytes.is_empty() => {
            errors.push(("pop-file".into(), "The selected file is empty".into()))
        }
        _ => {}
    }
    if errors.is_empty()
        && let Some(u) = &file
    {
        let by = v.user.email.clone();
        match projections::import_population(&state.db, a, &by, &name, &u.name, &u.bytes).await {
            Ok(said) => {
                return html(&list_page(&state, &v, Vec::new(), said, String::new()).await?);
            }
            Err(e) => {
                let field = if e.to_string().contains("Name the population") {
                    "pop-name"
                } else {
                    "pop-file"
                };
                let (p, status) = problem(e, field)?;
                let page = list_page(&state, &v, vec![p], String::new(), name).await?;
                return again(&page, status);
            }
        }
    }
    let page = list_page(&state, &v, errors, String::new(), name).await?;
    again(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

// ---------------------------------------------------------------------------------
// A new projection from the form

#[derive(Template)]
#[template(path = "projection_new.html")]
struct NewPage {
    l: Layout,
    errors: Problems,
    inputs: Vec<form::Input>,
}

async fn choices(state: &AppState, v: &Viewer) -> Result<form::Choices, PageError> {
    let c = codes();
    let mut areas: Vec<(String, String)> = returns::visible_areas(&state.db, &v.user)
        .await?
        .into_iter()
        .map(|a| {
            let n = c.area_name(&a);
            (a, n)
        })
        .collect();
    areas.sort_by(|a, b| a.1.cmp(&b.1));
    if policy::own_areas(&v.user).is_none() {
        areas.insert(0, (String::new(), "England".into()));
    }
    let list = |l: &observatory_domain::CodeList| {
        (0..l.len())
            .map(|i| (l.code(i).to_string(), l.label(i).to_string()))
            .collect::<Vec<_>>()
    };
    let dates = returns::census_dates(&state.db)
        .await?
        .into_iter()
        .rev()
        .map(|d| (d.to_string(), long_date(d)))
        .collect();
    Ok(form::Choices {
        areas,
        roles: list(&c.roles),
        sectors: list(&c.sectors),
        dates,
    })
}

pub async fn new_form(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    actor(&v)?;
    let c = choices(&state, &v).await?;
    html(&NewPage {
        l: layout(&state, &v, "Make a projection"),
        errors: Vec::new(),
        inputs: form::inputs(&c, &form::Posted(Vec::new())),
    })
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<Vec<(String, String)>>,
) -> PageResult {
    let a = actor(&v)?;
    let c = choices(&state, &v).await?;
    let f = form::Posted(f);
    let show = |errors: Problems, status| {
        let page = NewPage {
            l: layout(&state, &v, "Make a projection").erring(&errors),
            inputs: form::inputs(&c, &f),
            errors,
        };
        again(&page, status)
    };
    let text = match form::read(&c, &f) {
        Ok(t) => t,
        Err(errors) => return show(errors, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let by = v.user.email.clone();
    match projections::save(&state.db, &state.answers, a, &by, None, &text, None).await {
        Ok((id, _)) => Ok(see_other(&format!("/projections/{id}"))),
        Err(e) => {
            let (p, status) = problem(e, "area")?;
            show(vec![p], status)
        }
    }
}

// ---------------------------------------------------------------------------------
// One projection

#[derive(Deserialize)]
pub struct Which {
    version: Option<i64>,
}

/// A version of the projection history.
struct VersionRow {
    version: i64,
    by: String,
    when: String,
    summary: String,
    shown: bool,
}

/// A leaving rate of one age band.
struct BandRate {
    band: String,
    rate: String,
}

#[derive(Template)]
#[template(path = "projection.html")]
struct ShowPage {
    l: Layout,
    id: String,
    name: String,
    what: String,
    description: String,
    version: i64,
    latest: i64,
    saved: String,
    chart: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    closing: Vec<String>,
    trust: Vec<String>,
    leaving: Vec<BandRate>,
    assumptions: Vec<String>,
    history: Vec<VersionRow>,
    may_change: bool,
}

/// An age band in words ("55 to 59").
fn band_name(code: &str) -> String {
    codes().label_of("age_band", code)
}

fn unit(p: &Projected) -> Unit {
    if p.scenario.scope.measure == "fte" {
        Unit::Fte
    } else {
        Unit::Count
    }
}

/// The chart: supply with its 5 to 95 % band, and demand, each drawn its own way.
pub fn chart(id: &str, title: &str, p: &Projected) -> String {
    let years = &p.projection.years;
    let pts = |f: &dyn Fn(&projections::Year) -> Option<f64>| -> Vec<Dated> {
        years
            .iter()
            .map(|y| Dated {
                date: y.date,
                value: f(y),
                suppressed: false,
            })
            .collect()
    };
    let mut series = vec![
        Series {
            label: "Supply".into(),
            look: Look::Area,
            points: pts(&|y| Some(y.supply)),
        },
        Series {
            label: "Supply, high (95th percentile)".into(),
            look: Look::Neighbours,
            points: pts(&|y| Some(y.supply_high)),
        },
        Series {
            label: "Supply, low (5th percentile)".into(),
            look: Look::Trend,
            points: pts(&|y| Some(y.supply_low)),
        },
    ];
    if years.iter().any(|y| y.demand.is_some()) {
        series.push(Series {
            label: "Demand".into(),
            look: Look::England,
            points: pts(&|y| y.demand),
        });
    }
    observatory_domain::charts::lines(id, title, &series, unit(p))
}

fn assumptions(p: &Projected) -> (Vec<BandRate>, Vec<String>) {
    let leaving = p
        .projection
        .assumptions
        .leaving
        .iter()
        .map(|(b, r)| BandRate {
            band: band_name(b),
            rate: format!("{:.1}%", r * 100.0),
        })
        .collect();
    (leaving, projections::assumption_words(p))
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<String>,
    Query(w): Query<Which>,
) -> PageResult {
    let a = actor(&v)?;
    let s = projections::saved(&state.db, a, &id, w.version).await?;
    let history = projections::history(&state.db, a, &id).await?;
    let p = &s.projected;
    let what = projections::described(&p.scenario);
    let table = projections::table(p, &s.name);
    let (leaving, said) = assumptions(p);
    let may_change = policy::may_change_scenario(a, &projections::areas_of(&p.scenario)).is_ok();
    html(&ShowPage {
        l: layout(&state, &v, &s.name),
        chart: chart("projection-chart", &format!("Supply and demand: {what}"), p),
        closing: projections::closing_words(p),
        trust: projections::trust_words(p),
        leaving,
        assumptions: said,
        description: p.scenario.description.clone().unwrap_or_default(),
        headers: table.headers,
        rows: table.rows,
        history: history
            .into_iter()
            .map(|h| VersionRow {
                shown: h.version == s.version.version,
                version: h.version,
                by: h.saved_by,
                when: uk_time(&h.saved_at),
                summary: h.summary,
            })
            .collect(),
        version: s.version.version,
        latest: s.latest,
        saved: format!("{}, {}", s.version.saved_by, uk_time(&s.version.saved_at)),
        what,
        name: s.name.clone(),
        id: s.id.clone(),
        may_change,
    })
}

/// The projection's table (CSV or XLSX), its scenario file or its JSON.
pub async fn download(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path((id, format)): Path<(String, String)>,
    Query(w): Query<Which>,
) -> Result<Response, PageError> {
    let a = actor(&v)?;
    let s: Saved = projections::saved(&state.db, a, &id, w.version).await?;
    let file = format!("{}-v{}", s.id, s.version.version);
    let (bytes, mime, ext) = match format.as_str() {
        "csv" => (
            projections::table(&s.projected, &s.name).csv()?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        "xlsx" => (
            projections::table(&s.projected, &s.name).xlsx_bytes()?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "toml" => (
            s.version.body.clone().into_bytes(),
            "application/toml; charset=utf-8",
            "toml",
        ),
        "json" => (
            format!(
                "{}\n",
                serde_json::to_string_pretty(&s.projected.projection)
                    .map_err(|e| PageError::from(anyhow::Error::from(e)))?
            )
            .into_bytes(),
            "application/json",
            "json",
        ),
        _ => return Err(PageError::not_found()),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------
// Changing it as a file

#[derive(Template)]
#[template(path = "projection_edit.html")]
struct EditPage {
    l: Layout,
    id: String,
    name: String,
    version: i64,
    text: String,
    errors: Problems,
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let a = actor(&v)?;
    let s = projections::saved(&state.db, a, &id, None).await?;
    policy::may_change_scenario(a, &projections::areas_of(&s.projected.scenario))?;
    html(&EditPage {
        l: layout(&state, &v, &format!("Change {}", s.name)),
        id: s.id,
        name: s.name,
        version: s.version.version,
        text: s.version.body,
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    scenario: String,
}

pub async fn save_edit(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Posted { viewer: v, form: f }: Posted<EditForm>,
) -> PageResult {
    let a = actor(&v)?;
    let s = projections::saved(&state.db, a, &id, None).await?;
    let expected = f.version.trim().parse::<i64>().ok();
    let by = v.user.email.clone();
    let text = f.scenario.replace("\r\n", "\n");
    let result = if text.trim().is_empty() {
        Err(ServiceError::Invalid("Enter the scenario file".into()))
    } else {
        projections::save(
            &state.db,
            &state.answers,
            a,
            &by,
            Some(&id),
            &text,
            Some(expected.unwrap_or(0)),
        )
        .await
    };
    match result {
        Ok((id, version)) => Ok(see_other(&format!("/projections/{id}?version={version}"))),
        Err(e) => {
            let (p, status) = problem(e, "scenario")?;
            let errors = vec![p];
            let page = EditPage {
                l: layout(&state, &v, &format!("Change {}", s.name)).erring(&errors),
                id: s.id,
                name: s.name,
                version: expected.unwrap_or(0),
                text,
                errors,
            };
            again(&page, status)
        }
    }
}

// ---------------------------------------------------------------------------------
// Copying it

#[derive(Template)]
#[template(path = "projection_copy.html")]
struct CopyPage {
    l: Layout,
    id: String,
    name: String,
    copy_name: String,
    errors: Problems,
}

pub async fn copy_form(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let a = actor(&v)?;
    let s = projections::saved(&state.db, a, &id, None).await?;
    html(&CopyPage {
        l: layout(&state, &v, &format!("Copy {}", s.name)),
        copy_name: format!("{} (copy)", s.name),
        id: s.id,
        name: s.name,
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
pub struct CopyForm {
    #[serde(default)]
    name: String,
}

pub async fn copy(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Posted { viewer: v, form: f }: Posted<CopyForm>,
) -> PageResult {
    let a = actor(&v)?;
    let s = projections::saved(&state.db, a, &id, None).await?;
    let name = f.name.trim().to_string();
    let by = v.user.email.clone();
    let result = if name.is_empty() {
        Err(ServiceError::Invalid("Enter a name for the copy".into()))
    } else {
        projections::copy(&state.db, &state.answers, a, &by, &id, &name).await
    };
    match result {
        Ok((new, _)) => Ok(see_other(&format!("/projections/{new}/edit"))),
        Err(e) => {
            let (p, status) = problem(e, "name")?;
            let errors = vec![p];
            let page = CopyPage {
                l: layout(&state, &v, &format!("Copy {}", s.name)).erring(&errors),
                id: s.id,
                name: s.name,
                copy_name: name,
                errors,
            };
            again(&page, status)
        }
    }
}

// ---------------------------------------------------------------------------------
// Comparing

#[derive(Deserialize)]
pub struct Ids {
    #[serde(default)]
    ids: String,
}

struct Compared {
    id: String,
    name: String,
    what: String,
    closing: Vec<String>,
    trust: Vec<String>,
}

#[derive(Template)]
#[template(path = "projection_compare.html")]
struct ComparePage {
    l: Layout,
    scenarios: Vec<Compared>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    chart: String,
    /// Every saved scenario, to choose from: its name, whether it is compared, and the
    /// link that removes or adds it ("" when 3 are compared already).
    all: Vec<(String, bool, String)>,
}

pub async fn compare(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Query(q): Query<Ids>,
) -> PageResult {
    let a = actor(&v)?;
    let ids: Vec<String> = q
        .ids
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .take(3)
        .collect();
    let mut saved = Vec::new();
    for id in &ids {
        saved.push(projections::saved(&state.db, a, id, None).await?);
    }
    let all = projections::list(&state.db, a)
        .await?
        .into_iter()
        .map(|s| {
            let on = ids.contains(&s.id);
            let link = |ids: Vec<&String>| {
                let joined: Vec<&str> = ids.into_iter().map(String::as_str).collect();
                format!("/projections/compare?ids={}", joined.join(","))
            };
            let href = if on {
                link(ids.iter().filter(|i| **i != s.id).collect())
            } else if ids.len() < 3 {
                link(ids.iter().chain(std::iter::once(&s.id)).collect())
            } else {
                String::new()
            };
            (s.name, on, href)
        })
        .collect();
    let mut headers = vec!["Year".to_string(), "Date".to_string()];
    for s in &saved {
        headers.push(format!("{}: supply (5% to 95%)", s.name));
        headers.push(format!("{}: demand", s.name));
        headers.push(format!("{}: gap", s.name));
    }
    let most = saved
        .iter()
        .map(|s| s.projected.projection.years.len())
        .max()
        .unwrap_or(0);
    let opt = |v: Option<f64>| v.map(projections::figure).unwrap_or_else(|| "–".into());
    let rows = (0..most)
        .map(|i| {
            let first = saved
                .iter()
                .find_map(|s| s.projected.projection.years.get(i));
            let mut r = vec![
                first.map(|y| y.year.to_string()).unwrap_or_default(),
                first.map(|y| long_date(y.date)).unwrap_or_default(),
            ];
            for s in &saved {
                match s.projected.projection.years.get(i) {
                    Some(y) => {
                        r.push(format!(
                            "{} ({} to {})",
                            projections::figure(y.supply),
                            projections::figure(y.supply_low),
                            projections::figure(y.supply_high)
                        ));
                        r.push(opt(y.demand));
                        r.push(opt(y.gap));
                    }
                    None => r.extend(["–".to_string(), "–".into(), "–".into()]),
                }
            }
            r
        })
        .collect();
    let supply_looks = [Look::Area, Look::Neighbours, Look::Trend];
    let demand_looks = [Look::England, Look::Trajectory];
    let mut series = Vec::new();
    for (i, s) in saved.iter().enumerate() {
        let years = &s.projected.projection.years;
        series.push(Series {
            label: format!("{}: supply", s.name),
            look: supply_looks[i % 3],
            points: years
                .iter()
                .map(|y| Dated {
                    date: y.date,
                    value: Some(y.supply),
                    suppressed: false,
                })
                .collect(),
        });
    }
    let mut d = 0;
    for s in &saved {
        let years = &s.projected.projection.years;
        if d < demand_looks.len() && years.iter().any(|y| y.demand.is_some()) {
            series.push(Series {
                label: format!("{}: demand", s.name),
                look: demand_looks[d],
                points: years
                    .iter()
                    .map(|y| Dated {
                        date: y.date,
                        value: y.demand,
                        suppressed: false,
                    })
                    .collect(),
            });
            d += 1;
        }
    }
    let unit = saved.first().map_or(Unit::Count, |s| unit(&s.projected));
    let chart = if saved.is_empty() {
        String::new()
    } else {
        observatory_domain::charts::lines(
            "compare-chart",
            "Supply and demand of the scenarios compared",
            &series,
            unit,
        )
    };
    html(&ComparePage {
        l: layout(&state, &v, "Compare projections"),
        scenarios: saved
            .iter()
            .map(|s| Compared {
                id: s.id.clone(),
                name: s.name.clone(),
                what: projections::described(&s.projected.scenario),
                closing: projections::closing_words(&s.projected),
                trust: projections::trust_words(&s.projected),
            })
            .collect(),
        headers,
        rows,
        chart,
        all,
    })
}

/// The projections routes.
pub fn routes() -> axum::Router<Arc<AppState>> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/projections", get(list).post(create))
        .route("/projections/new", get(new_form))
        .route("/projections/compare", get(compare))
        .route(
            "/projections/populations",
            post(import_population).layer(axum::extract::DefaultBodyLimit::max(
                projections::POPULATION_MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/projections/{id}", get(show))
        .route("/projections/{id}/edit", get(edit_form).post(save_edit))
        .route("/projections/{id}/copy", get(copy_form).post(copy))
        .route("/projections/{id}/download/{format}", get(download))
}
