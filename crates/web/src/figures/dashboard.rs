//! The area and national dashboard: headline figures and panels of charts for one area
//! (or England) at one census date, each answered through the one answer path.

use askama::Template;
use axum::extract::{RawQuery, State};
use chrono::NaiveDate;
use std::sync::Arc;

use super::{
    Choice, Figure, HEADLINES, Headline, Spec, answer, area_choices, date_choices, figure,
    panel_dates, single,
};
use crate::auth::{Posted, Viewer};
use crate::error::PageError;
use crate::pages::{Layout, PageResult, html, see_other};
use crate::state::AppState;
use crate::tracker::{chosen_date, visible_areas};
use observatory_domain::{codes, long_date};
use observatory_service::answers::MOBILITY;
use observatory_service::{ServiceError, neighbours, policy};
use serde::Deserialize;

/// A chart of the dashboard: what to ask, and its title.
struct Panel {
    measure: &'static str,
    by: &'static str,
    title: &'static str,
    all_dates: bool,
}

const PANELS: &[Panel] = &[
    Panel {
        measure: "posts",
        by: "sector",
        title: "Filled posts by workforce sector",
        all_dates: false,
    },
    Panel {
        measure: "vacancy_rate",
        by: "sector",
        title: "Vacancy rate by sector",
        all_dates: false,
    },
    Panel {
        measure: "turnover_rate",
        by: "sector",
        title: "Turnover rate by sector",
        all_dates: false,
    },
    Panel {
        measure: "wastage_rate",
        by: "sector",
        title: "Wastage rate (leaving the children's workforce) by sector",
        all_dates: false,
    },
    Panel {
        measure: "stability_rate",
        by: "sector",
        title: "Stability rate by sector",
        all_dates: false,
    },
    Panel {
        measure: "agency_share",
        by: "sector",
        title: "Agency share of FTE by sector",
        all_dates: false,
    },
    Panel {
        measure: "headcount",
        by: "qualification_level",
        title: "People by highest qualification level",
        all_dates: false,
    },
    Panel {
        measure: "headcount",
        by: "ethnic_group",
        title: "People by ethnic group",
        all_dates: false,
    },
    Panel {
        measure: "share_minority_ethnic",
        by: "leader",
        title: "Share minority ethnic, leaders and others",
        all_dates: false,
    },
    Panel {
        measure: "representation_ratio",
        by: "ethnic_group",
        title: "Representation of ethnic groups against the population served (1 = as in the population)",
        all_dates: false,
    },
    Panel {
        measure: "share_male",
        by: "sector",
        title: "Share of men by sector",
        all_dates: false,
    },
    Panel {
        measure: "headcount",
        by: "age_band",
        title: "People by age band (retirement risk)",
        all_dates: false,
    },
    Panel {
        measure: "posts",
        by: "census_date",
        title: "Filled posts over census years",
        all_dates: true,
    },
    Panel {
        measure: "turnover_rate",
        by: "census_date",
        title: "Turnover rate over census years",
        all_dates: true,
    },
    Panel {
        measure: "vacancy_rate",
        by: "census_date",
        title: "Vacancy rate over census years",
        all_dates: true,
    },
    Panel {
        measure: MOBILITY,
        by: "category",
        title: "What became of the people of the census before",
        all_dates: false,
    },
    Panel {
        measure: MOBILITY,
        by: "from_sector,to_sector",
        title: "People by sector at the census before and now (joined and left included)",
        all_dates: false,
    },
];

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    l: Layout,
    heading: String,
    area: String,
    areas: Vec<Choice>,
    national_allowed: bool,
    dates: Vec<Choice>,
    headlines: Vec<Headline>,
    figures: Vec<Figure>,
    /// How complete the census date is.
    completeness: Vec<String>,
    /// The census before, as people read it ("" when there is none).
    before: String,
    /// The area's name ("" for England).
    area_name: String,
    /// The area's statistical neighbours by name, nearest first (none until set).
    neighbour_names: Vec<String>,
    /// Whether the viewer may set them, what the form holds, and its errors.
    may_set_neighbours: bool,
    typed_neighbours: String,
    errors: Vec<(&'static str, String)>,
}

pub async fn dashboard(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    dashboard_page(&state, &v, raw.as_deref(), None, vec![]).await
}

#[derive(Deserialize)]
pub struct NeighboursForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    neighbours: String,
}

/// Set an area's statistical neighbours from its dashboard (whoever follows its returns);
/// a wrong area is shown on the dashboard in the GOV.UK error pattern, nothing changed.
pub async fn set_neighbours(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<NeighboursForm>,
) -> PageResult {
    let list = crate::users::list(&f.neighbours);
    let area = f.area.trim();
    match neighbours::set(&state.db, (&v.user).into(), area, &list).await {
        Ok(_) => Ok(see_other(&format!("/dashboard?area={area}#neighbours"))),
        Err(ServiceError::Invalid(m)) => {
            let raw = format!("area={area}");
            dashboard_page(
                &state,
                &v,
                Some(&raw),
                Some(f.neighbours),
                vec![("neighbours", m)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The dashboard of the area (or England) the query names; `typed` and `errors` are the
/// neighbours form's when it had errors.
async fn dashboard_page(
    state: &Arc<AppState>,
    v: &Viewer,
    raw: Option<&str>,
    typed: Option<String>,
    errors: Vec<(&'static str, String)>,
) -> PageResult {
    policy::may_use_dashboard(&v.user)?;
    let asked = Spec::parse(raw).map_err(PageError::bad)?;
    let areas = visible_areas(state, &v.user).await?;
    let national_allowed = policy::sees_national(&v.user);
    let area = asked
        .filters
        .iter()
        .find_map(|f| f.strip_prefix("area=").map(String::from))
        .or_else(|| {
            (!national_allowed)
                .then(|| areas.first().cloned())
                .flatten()
        })
        .unwrap_or_default();
    if !area.is_empty() && !areas.contains(&area) {
        return Err(PageError::forbidden(format!(
            "You cannot see the dashboard of area {area}."
        )));
    }
    let (date, all_dates) = chosen_date(state, asked.dates.first().map(String::as_str)).await?;
    let filters: Vec<String> = if area.is_empty() {
        vec![]
    } else {
        vec![format!("area={area}")]
    };
    // Each headline beside the census before and, for an area, beside England (as LG
    // Inform shows a council's figures).
    let before = all_dates.iter().rev().find(|d| **d < date).copied();
    // The area's statistical neighbours, pooled, once they are known.
    let neighbours = if area.is_empty() {
        Vec::new()
    } else {
        observatory_service::neighbours::of(&state.db, &area).await?
    };
    let neighbour_filters: Vec<String> = neighbours.iter().map(|n| format!("area={n}")).collect();
    let mut headlines = Vec::new();
    let mut complete = Vec::new();
    for measure in HEADLINES {
        let label = observatory_domain::codes().measure_label(measure);
        let ask = |filters: &[String], at: NaiveDate| Spec {
            measure: measure.to_string(),
            filters: filters.to_vec(),
            dates: vec![at.to_string()],
            ..Default::default()
        };
        let a = answer(state, &v.user, &ask(&filters, date)).await?;
        // Every headline is for the same area and census date: one says how complete.
        if complete.is_empty() {
            complete = observatory_service::completeness::notes(&a.completeness);
        }
        let before = match before {
            Some(d) => single(&answer(state, &v.user, &ask(&filters, d)).await?.result),
            None => String::new(),
        };
        let england = if area.is_empty() {
            String::new()
        } else {
            single(&answer(state, &v.user, &ask(&[], date)).await?.result)
        };
        let neighbours = if neighbours.is_empty() {
            String::new()
        } else {
            single(
                &answer(state, &v.user, &ask(&neighbour_filters, date))
                    .await?
                    .result,
            )
        };
        headlines.push(Headline {
            label,
            value: single(&a.result),
            other: england,
            before,
            neighbours,
        });
    }
    let mut figures = Vec::new();
    for (i, p) in PANELS.iter().enumerate() {
        if p.measure == MOBILITY && !all_dates.iter().any(|d| *d < date) {
            continue;
        }
        let dates = panel_dates(p.all_dates, &all_dates, date);
        let spec = Spec {
            measure: p.measure.into(),
            by: p.by.split(',').map(String::from).collect(),
            filters: filters.clone(),
            dates,
            ..Default::default()
        };
        let a = answer(state, &v.user, &spec).await?;
        figures.push(figure(
            &format!("fig{i}"),
            p.title,
            &spec,
            &a.result,
            a.threshold(),
        ));
    }
    let area_name = if area.is_empty() {
        String::new()
    } else {
        codes().area_name(&area)
    };
    let may_set_neighbours = !area.is_empty() && policy::may_set_neighbours(&v.user, &area).is_ok();
    html(&Dashboard {
        may_set_neighbours,
        l: Layout::new(state, v, "Dashboard", "/dashboard").erring(&errors),
        heading: format!(
            "{}, census {}",
            if area.is_empty() {
                "England".to_string()
            } else {
                codes().area_name(&area)
            },
            long_date(date)
        ),
        areas: area_choices(&areas, &area),
        area,
        national_allowed,
        dates: date_choices(&all_dates, &[date.to_string()]),
        headlines,
        figures,
        completeness: complete,
        before: before.map(long_date).unwrap_or_default(),
        neighbour_names: neighbours.iter().map(|n| codes().area_name(n)).collect(),

        typed_neighbours: typed.unwrap_or_else(|| neighbours.join(", ")),
        errors,
        area_name,
    })
}
