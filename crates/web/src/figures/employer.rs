//! The employer view: an employer user's own figures (exact: their own records) beside
//! their area's (protected), headline by headline and over the census years.

use askama::Template;
use axum::extract::{RawQuery, State};
use std::sync::Arc;

use super::{Figure, HEADLINES, Headline, Spec, answer, figure, panel_dates, single};
use crate::auth::Viewer;
use crate::error::PageError;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;
use crate::tracker::chosen_date;
use observatory_service::accounts::Role;
use observatory_service::{Answer, policy, returns};

#[derive(Template)]
#[template(path = "employer.html")]
struct EmployerView {
    l: Layout,
    employer: String,
    employers: Vec<String>,
    area: String,
    census_date: String,
    headlines: Vec<Headline>,
    figures: Vec<Figure>,
    note: String,
    /// Registered names of the user's employers, by id.
    names: std::collections::HashMap<String, String>,
}

impl EmployerView {
    /// An employer as people know it: its registered name, or its id.
    fn name_of(&self, id: &str) -> String {
        self.names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

pub async fn employer_view(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    if v.user.role != Role::Employer {
        return Err(PageError::forbidden("This page is for employer users."));
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let get = |k: &str| pairs.iter().find(|(a, _)| a == k).map(|(_, b)| b.clone());
    let employer = get("employer")
        .filter(|e| !e.is_empty())
        .or_else(|| v.user.employers.first().cloned())
        .unwrap_or_default();
    if !policy::may_submit_for(&v.user, &employer) {
        return Err(PageError::forbidden(format!(
            "You cannot see the figures of employer {employer}."
        )));
    }
    let (date, all_dates) = chosen_date(&state, get("census_date").as_deref()).await?;
    let area = returns::employer_area(&state.db, (&v.user).into(), &employer)
        .await?
        .unwrap_or_default();
    let own = vec![format!("employer={employer}")];
    let group = if area.is_empty() {
        vec![]
    } else {
        vec![format!("area={area}")]
    };
    let mut headlines = Vec::new();
    for measure in HEADLINES {
        let label = observatory_domain::codes().measure_label(measure);
        let ask = |filters: &Vec<String>| Spec {
            measure: measure.to_string(),
            filters: filters.clone(),
            dates: vec![date.to_string()],
            ..Default::default()
        };
        let mine = answer(&state, &v.user, &ask(&own)).await;
        let theirs = answer(&state, &v.user, &ask(&group)).await;
        let show = |r: Result<Answer, PageError>| match r {
            Ok(a) => single(&a.result),
            Err(_) => "none".to_string(),
        };
        headlines.push(Headline {
            label,
            value: show(mine),
            other: show(theirs),
            before: String::new(),
            neighbours: String::new(),
        });
    }
    let mut figures = Vec::new();
    for (i, (measure, by, title)) in [
        (
            "vacancy_rate",
            "sector",
            "Vacancy rate by sector: your organisation",
        ),
        (
            "headcount",
            "qualification_level",
            "Your people by highest qualification level",
        ),
        (
            "turnover_rate",
            "census_date",
            "Your turnover rate over census years",
        ),
    ]
    .iter()
    .enumerate()
    {
        let dates = panel_dates(*by == "census_date", &all_dates, date);
        let spec = Spec {
            measure: measure.to_string(),
            by: vec![by.to_string()],
            filters: own.clone(),
            dates,
            ..Default::default()
        };
        if let Ok(a) = answer(&state, &v.user, &spec).await {
            figures.push(figure(
                &format!("own{i}"),
                title,
                &spec,
                &a.result,
                a.threshold(),
            ));
        }
    }
    let names = observatory_service::returns::employer_names(&state.db, &v.user.employers).await?;
    html(&EmployerView {
        names,
        l: Layout::new(&state, &v, "Your figures", "/employer"),
        employers: v.user.employers.clone(),
        note: format!(
            "Your organisation's figures are from your own records and are not suppressed. The area's figures cover every organisation in {}; figures about fewer than {} people there are shown as c.",
            observatory_domain::codes().area_name(&area),
            state.config.threshold
        ),
        employer,
        area: observatory_domain::codes().area_name(&area),
        census_date: observatory_domain::long_date(date),
        headlines,
        figures,
    })
}
