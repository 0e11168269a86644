//! Workforce projections for the command line, the pages and the API: a scenario is run
//! on the census figures the caller may see (the one answer path, so the figures a
//! projection starts from are protected exactly as the explorer's are, and projecting
//! discloses nothing a query would not), saved as a version with the figures it used
//! (so it is reproduced exactly, whatever the census does later), copied, changed and
//! compared; population projections are imported for demand.
//!
//! Small cells: a band whose figure is suppressed gets its share of what the total
//! leaves over, spread as the wider workforce's bands are; the total decides the level.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use observatory_domain::long_date;
use observatory_projection::population::PopulationProjection;
use observatory_projection::{BANDS, Bands, Counts, History, Inputs, Projection, Scenario};
use observatory_store::projections::NewScenarioVersion;
use serde_json::Value;

use crate::answers::{Answers, Ask};
use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};

pub use observatory_projection::demand::{Ratio, ratios};
pub use observatory_projection::population::MAX_BYTES as POPULATION_MAX_BYTES;
pub use observatory_projection::run::{Assumptions, Closing, Year};
pub use observatory_projection::{Backtest, Horizon, band_codes, scenario::MAX_BYTES};
pub use observatory_store::projections::{
    PopulationProjectionInfo, ScenarioSummary, ScenarioVersion,
};

/// A projection with the scenario and the inputs it was made from.
#[derive(Debug, Clone)]
pub struct Projected {
    pub scenario: Scenario,
    pub inputs: Inputs,
    pub projection: Projection,
}

/// A saved scenario's version, projected from the inputs stored with it.
#[derive(Debug, Clone)]
pub struct Saved {
    pub id: String,
    pub name: String,
    pub version: ScenarioVersion,
    /// The newest version's number (to tell whether this one is current).
    pub latest: i64,
    pub projected: Projected,
}

fn invalid(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(e.to_string())
}

/// Reads a scenario file, naming what is wrong.
pub fn read(text: &str) -> Result<Scenario, ServiceError> {
    Scenario::from_toml(text).map_err(invalid)
}

/// The areas a scenario projects (its `area=` filters; none: England).
pub fn areas_of(s: &Scenario) -> Vec<String> {
    s.scope
        .r#where
        .iter()
        .filter_map(|f| f.split_once('='))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("area"))
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

/// Runs a scenario on the census as it stands, for `actor`.
pub async fn project(
    db: &Database,
    answers: &Answers,
    actor: Actor<'_>,
    scenario: &Scenario,
) -> Result<Projected, ServiceError> {
    policy::may_project(actor)?;
    let inputs = inputs(db, answers, actor, scenario).await?;
    let projection = observatory_projection::project(scenario, &inputs).map_err(invalid)?;
    Ok(Projected {
        scenario: scenario.clone(),
        inputs,
        projection,
    })
}

/// One quantity's figures at one census date: the shown bands (`None`: suppressed) and
/// the total (`None`: suppressed).
type Shown = ([Option<f64>; BANDS], Option<f64>);

async fn shown(
    db: &Database,
    answers: &Answers,
    actor: Actor<'_>,
    measure: &str,
    filters: &[String],
    date: NaiveDate,
) -> Result<Option<Shown>, ServiceError> {
    let ask = |by: Vec<String>| Ask {
        measure: measure.into(),
        by,
        filters: filters.to_vec(),
        dates: vec![date.to_string()],
        ..Ask::default()
    };
    let bands = match answers
        .answer(db, actor, &ask(vec!["age_band".into()]))
        .await
    {
        Ok(a) => a,
        // A scope with no returns at this census date (an area that did not return).
        Err(ServiceError::Invalid(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let total = answers.answer(db, actor, &ask(vec![])).await?;
    let mut out = [Some(0.0); BANDS];
    let mut unknown = 0.0;
    for row in &bands.result.rows {
        let value = if row.suppressed { None } else { row.value };
        match band_codes()
            .iter()
            .position(|b| Some(*b) == row.keys.first().map(String::as_str))
        {
            Some(a) => out[a] = value,
            // Leavers without a birth year: part of the total, spread below.
            None => unknown += value.unwrap_or(0.0),
        }
    }
    let _ = unknown;
    let total = total
        .result
        .rows
        .first()
        .and_then(|r| if r.suppressed { None } else { r.value });
    Ok(Some((out, total)))
}

/// Fills suppressed bands (and what the total has beyond the shown bands, such as
/// leavers of unknown age) with the remainder of the total, spread by `like`.
fn filled((bands, total): &Shown, like: &Bands) -> Bands {
    let shown: f64 = bands.iter().flatten().sum();
    let total = total.unwrap_or(shown).max(shown);
    let rest = total - shown;
    let hidden: Vec<usize> = (0..BANDS).filter(|a| bands[*a].is_none()).collect();
    let mut out: Bands = std::array::from_fn(|a| bands[a].unwrap_or(0.0));
    let (over, weights): (Vec<usize>, Vec<f64>) = if hidden.is_empty() {
        ((0..BANDS).collect(), out.to_vec())
    } else {
        (hidden.clone(), hidden.iter().map(|a| like[*a]).collect())
    };
    let sum: f64 = weights.iter().sum();
    for (i, a) in over.iter().enumerate() {
        out[*a] += if sum > 0.0 {
            rest * weights[i] / sum
        } else {
            rest / over.len() as f64
        };
    }
    out
}

/// The census history of a scope: every census date's stock, posts, leavers and
/// starters by band. `like` gives the band shape suppressed cells are filled with.
async fn history_of(
    db: &Database,
    answers: &Answers,
    actor: Actor<'_>,
    filters: &[String],
    stock: &str,
    dates: &[NaiveDate],
    like: Option<&[Counts]>,
) -> Result<Vec<Counts>, ServiceError> {
    let mut out = Vec::new();
    for date in dates {
        let mut q = Vec::with_capacity(4);
        for m in [stock, "posts", "leavers", "starters"] {
            q.push(shown(db, answers, actor, m, filters, *date).await?);
        }
        let Some(stock_shown) = &q[0] else { continue };
        let shape = |i: usize| -> Bands {
            let wider = like.and_then(|l| l.iter().find(|c| c.date == *date));
            match (wider, i) {
                (Some(c), 0) => c.stock,
                (Some(c), 1) => c.posts,
                (Some(c), 2) => c.leavers,
                (Some(c), _) => c.starters,
                (None, _) => [1.0; BANDS],
            }
        };
        let get = |i: usize| {
            q[i].as_ref()
                .map(|s| filled(s, &shape(i)))
                .unwrap_or([0.0; BANDS])
        };
        out.push(Counts {
            date: *date,
            stock: filled(stock_shown, &shape(0)),
            posts: get(1),
            leavers: get(2),
            starters: get(3),
        });
    }
    Ok(out)
}

/// Gathers a scenario's inputs: the scope's history and the wider workforce's (the same
/// filters without the area), the population projections its demand names, and the pay
/// bill of one unit of stock.
pub async fn inputs(
    db: &Database,
    answers: &Answers,
    actor: Actor<'_>,
    scenario: &Scenario,
) -> Result<Inputs, ServiceError> {
    let dates = db.store.census_dates().await?;
    if dates.is_empty() {
        return Err(invalid(
            "There are no returns yet, so there is nothing to project.",
        ));
    }
    let filters = &scenario.scope.r#where;
    let areas = areas_of(scenario);
    let stock = scenario.scope.measure.as_str();
    let wider: Vec<String> = filters
        .iter()
        .filter(|f| !f.trim().to_ascii_lowercase().starts_with("area="))
        .cloned()
        .collect();
    if !dates.contains(&scenario.scope.base) {
        let known: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
        return Err(invalid(format!(
            "scope.base {} is not a census date with returns; the census dates are {}",
            scenario.scope.base,
            known.join(", ")
        )));
    }
    // The filters asked once at the base date, so a mistake in them is told in the
    // answer path's own words (a date without returns for the scope is skipped below).
    answers
        .answer(
            db,
            actor,
            &Ask {
                measure: stock.into(),
                filters: filters.clone(),
                dates: vec![scenario.scope.base.to_string()],
                ..Ask::default()
            },
        )
        .await
        .map_err(|e| match e {
            ServiceError::Invalid(m) => invalid(format!("scope.where: {m}")),
            other => other,
        })?;
    let parent = if areas.is_empty() {
        Vec::new()
    } else {
        history_of(db, answers, actor, &wider, stock, &dates, None).await?
    };
    let area = history_of(db, answers, actor, filters, stock, &dates, Some(&parent)).await?;
    if area.is_empty() {
        return Err(invalid(format!(
            "No census figures match scope.where ({}): check the filters",
            filters.join(", ")
        )));
    }
    let mut populations = BTreeMap::new();
    for p in &scenario.demand.population {
        if populations.contains_key(&p.projection) {
            continue;
        }
        let body = db.store.population_projection(&p.projection).await?.ok_or_else(|| {
            invalid(format!(
                "There is no population projection called '{}': import it first (observatory project population import --name {} FILE)",
                p.projection, p.projection
            ))
        })?;
        let parsed: PopulationProjection =
            serde_json::from_str(&body).map_err(|e| ServiceError::Internal(e.into()))?;
        populations.insert(p.projection.clone(), parsed);
    }
    let cost_per_unit = cost_per_unit(db, answers, actor, filters, scenario).await?;
    let standards = standard_posts(db, scenario, &areas).await?;
    Ok(Inputs {
        history: History { area, parent },
        areas,
        populations,
        cost_per_unit,
        standards,
    })
}

/// The posts each staff-count standard named by the demand's minimums requires in the
/// scope's areas at the base date: the staff each covered setting (or area) must have,
/// added up. A count of settings, not of people, so it is given to whoever may project.
async fn standard_posts(
    db: &Database,
    scenario: &Scenario,
    areas: &[String],
) -> Result<BTreeMap<String, f64>, ServiceError> {
    use observatory_analysis::standards::{Condition, Standards, check};
    let named: BTreeSet<&String> = scenario
        .demand
        .minimum
        .iter()
        .filter_map(|m| m.standard.as_ref())
        .collect();
    let mut out = BTreeMap::new();
    if named.is_empty() {
        return Ok(out);
    }
    let standards = Standards::early_years();
    let cube = crate::cubes::load(db, &[scenario.scope.base], |_| ()).await?;
    let results = check(&standards, &cube[0]);
    for id in named {
        let r = results.iter().find(|r| &r.id == id).ok_or_else(|| {
            let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
            invalid(format!(
                "demand.minimum: '{id}' is not a standard of data/standards/early_years.toml; the standards are {}",
                ids.join(", ")
            ))
        })?;
        if matches!(r.condition, Condition::QualifiedShare { .. }) {
            return Err(invalid(format!(
                "demand.minimum: '{id}' asks for a share of qualified staff, not a number of posts; name a staff count standard"
            )));
        }
        let posts: f64 = r
            .units
            .iter()
            .filter(|u| areas.is_empty() || areas.iter().any(|a| a.eq_ignore_ascii_case(&u.area)))
            .map(|u| u.required)
            .sum();
        out.insert(id.clone(), posts);
    }
    Ok(out)
}

/// Median full-time pay times FTE per unit of stock, at the base date, when shown.
async fn cost_per_unit(
    db: &Database,
    answers: &Answers,
    actor: Actor<'_>,
    filters: &[String],
    scenario: &Scenario,
) -> Result<Option<f64>, ServiceError> {
    let date = scenario.scope.base;
    let value = |measure: &str| {
        let ask = Ask {
            measure: measure.into(),
            filters: filters.to_vec(),
            dates: vec![date.to_string()],
            ..Ask::default()
        };
        async move {
            Ok::<_, ServiceError>(match answers.answer(db, actor, &ask).await {
                Ok(a) => a.result.rows.first().and_then(|r| r.value),
                Err(ServiceError::Invalid(_)) => None,
                Err(e) => return Err(e),
            })
        }
    };
    let Some(pay) = value("median_pay").await? else {
        return Ok(None);
    };
    if scenario.scope.measure == "fte" {
        return Ok(Some(pay));
    }
    let (fte, people) = (value("fte").await?, value("headcount").await?);
    Ok(fte
        .zip(people)
        .filter(|(_, p)| *p > 0.0)
        .map(|(f, p)| pay * f / p))
}

/// A name made into an id: lower case letters, digits and dashes.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out
        .trim_end_matches('-')
        .chars()
        .take(60)
        .collect::<String>();
    if out.is_empty() {
        "scenario".into()
    } else {
        out
    }
}

/// Flattens a scenario to `path = value` pairs, to say what a version changed.
fn flat(v: &Value, path: String, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flat(x, p, out);
            }
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}

/// What changed between two scenarios, in words.
pub fn changes(before: &Scenario, after: &Scenario) -> String {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flat(
        &serde_json::to_value(before).unwrap_or_default(),
        String::new(),
        &mut a,
    );
    flat(
        &serde_json::to_value(after).unwrap_or_default(),
        String::new(),
        &mut b,
    );
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let said: Vec<String> = keys
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => format!("{k} from {x} to {y}"),
            (None, Some(y)) => format!("{k} set to {y}"),
            (Some(x), None) => format!("{k} ({x}) removed"),
            (None, None) => unreachable!(),
        })
        .collect();
    if said.is_empty() {
        "Saved again; no assumption changed.".into()
    } else {
        format!("Changed {}.", said.join("; "))
    }
}

/// Saves a scenario file: a new scenario (`id` None) or a new version of `id` made on
/// version `expected`. It is projected on the census as it stands and stored with the
/// figures it used. Gives the id and version.
pub async fn save(
    db: &Database,
    answers: &Answers,
    actor: Actor<'_>,
    by: &str,
    id: Option<&str>,
    text: &str,
    expected: Option<i64>,
) -> Result<(String, i64), ServiceError> {
    let scenario = read(text)?;
    let name = scenario
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            invalid("Give the scenario a name (name = \"...\" at the top of the file).")
        })?;
    policy::may_change_scenario(actor, &areas_of(&scenario))?;
    let (id, summary) = match id {
        Some(id) => {
            let before =
                db.store.scenario(id, None).await?.ok_or_else(|| {
                    ServiceError::NotFound(format!("There is no scenario '{id}'."))
                })?;
            let before = read(&before.body)?;
            policy::may_change_scenario(actor, &areas_of(&before))?;
            (id.to_string(), changes(&before, &scenario))
        }
        None => {
            let base = slug(&name);
            let mut id = base.clone();
            let mut n = 1;
            while db.store.scenario(&id, None).await?.is_some() {
                n += 1;
                id = format!("{base}-{n}");
            }
            (id, "Created the scenario.".to_string())
        }
    };
    let projected = project(db, answers, actor, &scenario).await?;
    let inputs =
        serde_json::to_string(&projected.inputs).map_err(|e| ServiceError::Internal(e.into()))?;
    let body = scenario.to_toml();
    let version = db
        .store
        .save_scenario(&NewScenarioVersion {
            id: &id,
            name: &name,
            body: &body,
            inputs: &inputs,
            by,
            summary: &summary,
            expected: if expected.is_none() && id_is_new(&summary) { None } else { expected },
        })
        .await?
        .ok_or_else(|| {
            ServiceError::Locked(
                "Someone else saved this scenario while you were changing it: open it again to see their version, then make your change.".into(),
            )
        })?;
    Ok((id, version))
}

fn id_is_new(summary: &str) -> bool {
    summary == "Created the scenario."
}

/// A saved scenario's version (`None`: the latest), projected from its stored inputs.
pub async fn saved(
    db: &Database,
    actor: Actor<'_>,
    id: &str,
    version: Option<i64>,
) -> Result<Saved, ServiceError> {
    policy::may_project(actor)?;
    let not_found = || ServiceError::NotFound(format!("There is no scenario '{id}'."));
    let latest = db.store.scenario(id, None).await?.ok_or_else(not_found)?;
    let v = match version {
        Some(n) => db.store.scenario(id, Some(n)).await?.ok_or_else(|| {
            ServiceError::NotFound(format!("Scenario '{id}' has no version {n}."))
        })?,
        None => latest.clone(),
    };
    let scenario = read(&v.body)?;
    let inputs: Inputs =
        serde_json::from_str(&v.inputs).map_err(|e| ServiceError::Internal(e.into()))?;
    let projection = observatory_projection::project(&scenario, &inputs).map_err(invalid)?;
    Ok(Saved {
        id: id.to_string(),
        name: scenario.name.clone().unwrap_or_else(|| id.to_string()),
        version: v,
        latest: latest.version,
        projected: Projected {
            scenario,
            inputs,
            projection,
        },
    })
}

/// Every saved scenario.
pub async fn list(db: &Database, actor: Actor<'_>) -> Result<Vec<ScenarioSummary>, ServiceError> {
    policy::may_project(actor)?;
    Ok(db.store.scenarios().await?)
}

/// Every version of a scenario, newest first.
pub async fn history(
    db: &Database,
    actor: Actor<'_>,
    id: &str,
) -> Result<Vec<ScenarioVersion>, ServiceError> {
    policy::may_project(actor)?;
    let v = db.store.scenario_versions(id).await?;
    if v.is_empty() {
        return Err(ServiceError::NotFound(format!(
            "There is no scenario '{id}'."
        )));
    }
    Ok(v)
}

/// Copies a scenario's latest version under a new name (as a new scenario, projected on
/// the census as it stands).
pub async fn copy(
    db: &Database,
    answers: &Answers,
    actor: Actor<'_>,
    by: &str,
    id: &str,
    name: &str,
) -> Result<(String, i64), ServiceError> {
    let from = saved(db, actor, id, None).await?;
    let mut s = from.projected.scenario;
    s.name = Some(name.to_string());
    save(db, answers, actor, by, None, &s.to_toml(), None).await
}

/// Imports a population projection (the ONS SNPP layout) under `name`.
pub async fn import_population(
    db: &Database,
    actor: Actor<'_>,
    by: &str,
    name: &str,
    source: &str,
    bytes: &[u8],
) -> Result<String, ServiceError> {
    policy::may_project(actor)?;
    let name = name.trim();
    if name.is_empty()
        || name.len() > 60
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
    {
        return Err(invalid(
            "Name the population projection with letters, digits, - and _ (up to 60), like snpp-2022.",
        ));
    }
    if db.store.population_projection(name).await?.is_some() {
        policy::may_replace_population_projection(actor)?;
    }
    let p = PopulationProjection::read_csv(bytes)
        .map_err(|e| invalid(format!("The population projection cannot be imported. {e}")))?;
    let body = serde_json::to_string(&p).map_err(|e| ServiceError::Internal(e.into()))?;
    db.store
        .save_population_projection(name, &body, source, by)
        .await?;
    let (lo, hi) = p.years();
    Ok(format!(
        "Imported the population projection '{name}': {} areas, ages 0 to 25, {lo} to {hi}.",
        p.areas.len()
    ))
}

/// Every population projection imported.
pub async fn populations(
    db: &Database,
    actor: Actor<'_>,
) -> Result<Vec<PopulationProjectionInfo>, ServiceError> {
    policy::may_project(actor)?;
    Ok(db.store.population_projections().await?)
}

/// A figure to one decimal place with thousands separators ("1,234.5").
pub fn figure(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    let whole = observatory_domain::charts::thousands(rounded.trunc());
    let tenth = ((rounded.abs() * 10.0).round() as i64) % 10;
    let sign = if rounded < 0.0 && rounded.trunc() == 0.0 {
        "-"
    } else {
        ""
    };
    format!("{sign}{whole}.{tenth}")
}

/// What would close the gap, in words.
pub fn closing_words(p: &Projected) -> Vec<String> {
    let pr = &p.projection;
    let Some(c) = &pr.closing else {
        return vec![
            "This scenario has no demand, so there is no gap to close: it projects supply only."
                .into(),
        ];
    };
    if c.largest_gap <= 0.0 {
        return vec![
            "Supply meets demand in every year projected: there is no gap to close.".into(),
        ];
    }
    let date_of = |t: u32| {
        pr.years
            .iter()
            .find(|y| y.year == t)
            .map(|y| long_date(y.date))
            .unwrap_or_default()
    };
    let last = pr
        .years
        .last()
        .map(|y| long_date(y.date))
        .unwrap_or_default();
    let mut out = vec![
        format!(
            "The largest gap is {} by {}.",
            figure(c.largest_gap),
            date_of(c.largest_gap_year)
        ),
        format!(
            "Closing it with entrants alone would take {} entrants a year on average, against {} a year now.",
            figure(c.entrants_needed_average),
            figure(c.entrants_now)
        ),
    ];
    out.push(match c.retention_cut {
        Some(r) if r > 0.0 => format!(
            "Cutting every leaving rate by {:.1} percentage points would close it by {last}.",
            r * 100.0
        ),
        Some(_) => format!("Supply meets demand by {last} without any change to leaving."),
        None => format!(
            "Keeping people longer cannot close it alone: even if nobody left, supply would fall short by {last}."
        ),
    });
    if let Some(cost) = c.cost_of_gap.filter(|c| *c >= 0.5) {
        out.push(format!(
            "Filling the gap in the last year would cost about £{} a year in pay.",
            observatory_domain::charts::thousands(cost)
        ));
    }
    out
}

/// How far to trust it: the backtest in words, beside what assuming no change would
/// have got wrong.
pub fn trust_words(p: &Projected) -> Vec<String> {
    let h = &p.projection.backtest.horizons;
    if h.is_empty() {
        return vec![
            "The census history is too short to test the model on the past, so there is no measure yet of how far to trust it. Read the band as the least of the uncertainty.".into(),
        ];
    }
    let ahead = |n: u32| {
        if n == 1 {
            "one year".to_string()
        } else {
            format!("{n} years")
        }
    };
    let said: Vec<String> = h
        .iter()
        .map(|h| format!("{:.1}% {} ahead", h.mape, ahead(h.years)))
        .collect();
    let still: Vec<String> = h
        .iter()
        .map(|h| format!("{:.1}% {} ahead", h.no_change_mape, ahead(h.years)))
        .collect();
    vec![
        format!(
            "How far to trust this: on past censuses the model was off by {} (the average difference between what it projected and what the census found).",
            said.join(", ")
        ),
        format!(
            "Assuming no change would have been off by {}.",
            still.join(", ")
        ),
    ]
}

/// The assumptions the figures rest on, in words.
pub fn assumption_words(p: &Projected) -> Vec<String> {
    let a = &p.projection.assumptions;
    let mut said = vec![
        format!(
            "Leaving rates are {} ({}).",
            a.leaving_source,
            if a.leaving_source == "estimated" {
                "from the census history"
            } else {
                "given in the scenario"
            }
        ),
        format!(
            "Entrants: {} a year, {}.",
            figure(a.entrants),
            a.entrants_source
        ),
    ];
    if a.movements != 0.0 {
        said.push(format!(
            "Net movements into this workforce: {} a year.",
            figure(a.movements)
        ));
    }
    if let Some(w) = a.own_weight {
        said.push(format!(
            "This workforce's own history carries {:.0}% of its leaving rate; the other {:.0}% is borrowed from the same roles across every area with returns, because a small workforce's own rates jump about from year to year.",
            w * 100.0,
            (1.0 - w) * 100.0
        ));
    }
    said.push(format!(
        "Supply's band is the 5th to 95th percentile of {} simulation runs (seed {}); census dates used: {}, as protected for the reader.",
        a.runs,
        a.seed,
        a.census_dates
            .iter()
            .map(|d| long_date(*d))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    said
}

/// The notes under every table of a projection: its assumptions and how far to trust it.
pub fn notes(p: &Projected) -> Vec<String> {
    let mut notes = assumption_words(p);
    notes.extend(trust_words(p));
    notes
}

/// The projection as a table (the command line's table, CSV and XLSX, and downloads).
pub fn table(p: &Projected, title: &str) -> crate::output::TableOut {
    let opt = |v: Option<f64>| v.map(figure).unwrap_or_default();
    crate::output::TableOut {
        title: title.to_string(),
        headers: [
            "Year",
            "Date",
            "Supply",
            "Supply, low (5%)",
            "Supply, high (95%)",
            "Demand",
            "Gap (demand less supply)",
            "Entrants needed",
            "Pay bill (£ a year)",
        ]
        .map(String::from)
        .to_vec(),
        rows: p
            .projection
            .years
            .iter()
            .map(|y| {
                vec![
                    y.year.to_string(),
                    observatory_domain::long_date(y.date),
                    figure(y.supply),
                    figure(y.supply_low),
                    figure(y.supply_high),
                    opt(y.demand),
                    opt(y.gap),
                    opt(y.entrants_needed),
                    y.cost
                        .map(observatory_domain::charts::thousands)
                        .unwrap_or_default(),
                ]
            })
            .collect(),
        notes: notes(p),
    }
}

/// What a scenario projects, in words: "Social workers in Central Bedfordshire", "The
/// early years and childcare workforce in England" (its role, sector and area filters).
pub fn described(s: &Scenario) -> String {
    let c = observatory_domain::codes();
    let mut role = None;
    let mut sector = None;
    let mut areas = Vec::new();
    for (k, v) in s
        .scope
        .r#where
        .iter()
        .filter_map(|f| f.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
    {
        match k.as_str() {
            "role" => role = Some(c.label_of("role", &v)),
            "sector" => sector = Some(c.label_of("sector", &v)),
            "area" => areas.push(c.area_name(&v)),
            _ => {}
        }
    }
    let who = match (role, sector) {
        (Some(r), _) if r.ends_with('s') || r.ends_with("staff") => r,
        (Some(r), _) => format!("{r}s"),
        (None, Some(s)) => format!("The {} workforce", s.to_lowercase()),
        (None, None) => "The children's workforce".to_string(),
    };
    let place = if areas.is_empty() {
        "England".to_string()
    } else {
        areas.join(" and ")
    };
    format!("{who} in {place}")
}

/// Every saved scenario with what it projects in words ([`described`]).
pub async fn list_described(
    db: &Database,
    actor: Actor<'_>,
) -> Result<Vec<(ScenarioSummary, String)>, ServiceError> {
    let mut out = Vec::new();
    for s in list(db, actor).await? {
        let what = db
            .store
            .scenario(&s.id, None)
            .await?
            .and_then(|v| read(&v.body).ok())
            .map(|sc| described(&sc))
            .unwrap_or_default();
        out.push((s, what));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppressed_bands_share_what_the_total_leaves_by_the_wider_shape() {
        let mut bands = [Some(0.0); BANDS];
        bands[3] = Some(20.0);
        bands[4] = None;
        bands[9] = None;
        let mut like = [0.0; BANDS];
        like[4] = 3.0;
        like[9] = 1.0;
        let out = filled(&(bands, Some(28.0)), &like);
        assert_eq!((out[3], out[4], out[9]), (20.0, 6.0, 2.0));
        // Nothing hidden: a total beyond the bands (leavers of unknown age) is spread
        // like the bands.
        let mut b = [Some(0.0); BANDS];
        b[1] = Some(10.0);
        b[2] = Some(30.0);
        let out = filled(&(b, Some(44.0)), &like);
        assert_eq!((out[1], out[2]), (11.0, 33.0));
    }

    #[test]
    fn changes_are_said_in_words() {
        let text =
            "name = \"A\"\n[scope]\nbase = \"2025-11-01\"\nyears = 5\n[rates]\nleaving = 0.1\n";
        let a = read(text).unwrap();
        let b = read(&text.replace(
            "leaving = 0.1",
            "leaving = 0.1\nchange = { leaving = -0.02 }",
        ))
        .unwrap();
        assert_eq!(
            changes(&a, &b),
            "Changed rates.change.leaving from 0.0 to -0.02."
        );
        assert_eq!(
            slug("Social workers: turnover down 2 points!"),
            "social-workers-turnover-down-2-points"
        );
    }
}
