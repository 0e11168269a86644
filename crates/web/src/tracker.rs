//! The returns tracker of an area: who has returned, who has not, and the area planner's
//! approval workflow (an approved return is locked until it is reopened).

use askama::Template;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use observatory_service::accounts::User;
use observatory_service::{policy, returns};
use serde::Deserialize;
use std::sync::Arc;

use crate::auth::{Posted, Viewer};
use crate::error::PageError;
use crate::figures::{Choice, area_choices, date_choices};
use crate::pages::{Layout, PageResult, html, see_other};
use crate::state::AppState;

pub struct TrackerRow {
    pub id: String,
    pub name: String,
    pub expected: bool,
    pub returned: bool,
    pub submitted: String,
    pub posts: String,
    pub warnings: String,
    pub approved: bool,
    pub approved_by: String,
}

#[derive(Template)]
#[template(path = "tracker.html")]
struct Tracker {
    l: Layout,
    census_date: String,
    /// The census date as people read it ("1 November 2025").
    census_date_long: String,
    area: String,
    area_name: String,
    dates: Vec<Choice>,
    areas: Vec<Choice>,
    expected: usize,
    returned_expected: usize,
    missing: usize,
    response_rate: String,
    with_warnings: usize,
    approved: usize,
    can_approve: bool,
    rows: Vec<TrackerRow>,
    /// The filters: value, label with its count, chosen.
    filters: Vec<Choice>,
    /// What was just done (a success message), if anything.
    done: String,
}

/// Which employers the tracker lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Show {
    All,
    NotReturned,
    AwaitingApproval,
    WithWarnings,
}

impl Show {
    const ALL: [Show; 4] = [
        Show::All,
        Show::NotReturned,
        Show::AwaitingApproval,
        Show::WithWarnings,
    ];

    fn parse(s: Option<&str>) -> Show {
        Show::ALL
            .into_iter()
            .find(|f| Some(f.value()) == s)
            .unwrap_or(Show::All)
    }

    fn value(self) -> &'static str {
        match self {
            Show::All => "all",
            Show::NotReturned => "not_returned",
            Show::AwaitingApproval => "awaiting_approval",
            Show::WithWarnings => "with_warnings",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Show::All => "All employers",
            Show::NotReturned => "Not returned",
            Show::AwaitingApproval => "Awaiting approval",
            Show::WithWarnings => "With warnings",
        }
    }

    fn keeps(self, r: &TrackerRow) -> bool {
        match self {
            Show::All => true,
            Show::NotReturned => !r.returned,
            Show::AwaitingApproval => r.returned && !r.approved,
            Show::WithWarnings => r.returned && !r.warnings.is_empty() && r.warnings != "0",
        }
    }
}

#[derive(Deserialize)]
pub struct TrackerQuery {
    show: Option<String>,
    /// Set after an approval or a reopening, with `employer`: a success message.
    done: Option<String>,
    employer: Option<String>,
    census_date: Option<String>,
    area: Option<String>,
}

/// The areas a user can choose from: their own, or every area with employers.
pub async fn visible_areas(state: &AppState, user: &User) -> Result<Vec<String>, PageError> {
    Ok(returns::visible_areas(&state.db, user).await?)
}

/// The census date asked for, or the latest with returns.
pub async fn chosen_date(
    state: &AppState,
    asked: Option<&str>,
) -> Result<(NaiveDate, Vec<NaiveDate>), PageError> {
    Ok(state.answers.chosen_date(&state.db, asked).await?)
}

pub async fn tracker(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Query(q): Query<TrackerQuery>,
) -> PageResult {
    let areas = visible_areas(&state, &v.user).await?;
    let area = q
        .area
        .clone()
        .filter(|a| !a.is_empty())
        .or_else(|| areas.first().cloned())
        .ok_or_else(|| {
            PageError::forbidden("The returns tracker is for area planners and national analysts.")
        })?;
    if !policy::may_track(&v.user, &area) {
        return Err(PageError::forbidden(format!(
            "You cannot see the returns of area {area}."
        )));
    }
    let (date, dates) = match chosen_date(&state, q.census_date.as_deref()).await {
        Ok(d) => d,
        // Before the first return: an empty tracker, not an error.
        Err(_) if q.census_date.is_none() && returns::census_dates(&state.db).await?.is_empty() => {
            (chrono::Utc::now().date_naive(), vec![])
        }
        Err(e) => return Err(e),
    };
    let status = returns::status(&state.db, (&v.user).into(), date, &area).await?;
    let show = Show::parse(q.show.as_deref());
    let rows: Vec<TrackerRow> = status
        .employers
        .iter()
        .map(|r| {
            let a = status.approvals.get(&r.employer_id);
            TrackerRow {
                id: r.employer_id.clone(),
                name: r
                    .employer_name
                    .clone()
                    .unwrap_or_else(|| r.employer_id.clone()),
                expected: r.expected,
                returned: r.returned,
                submitted: r.submitted_at.clone().unwrap_or_default(),
                posts: r.posts.map(|p| p.to_string()).unwrap_or_default(),
                warnings: r.warnings.map(|p| p.to_string()).unwrap_or_default(),
                approved: a.is_some(),
                approved_by: a.map(|a| a.approved_by.clone()).unwrap_or_default(),
            }
        })
        .collect();
    html(&Tracker {
        l: Layout::new(&state, &v, "Returns", "/tracker"),
        census_date: date.to_string(),
        census_date_long: observatory_domain::long_date(date),
        area_name: observatory_domain::codes().area_name(&area),
        area: area.clone(),
        dates: date_choices(&dates, &[date.to_string()]),
        areas: area_choices(&areas, &area),
        expected: status.expected(),
        returned_expected: status.returned_expected(),
        missing: status.employers.iter().filter(|r| !r.returned).count(),
        response_rate: match status.response_rate() {
            Some(r) => format!("{:.1}%", 100.0 * r),
            None => "no employers expected".into(),
        },
        with_warnings: status.with_warnings(),
        approved: rows.iter().filter(|r| r.approved).count(),
        can_approve: policy::may_approve(&v.user, &area),
        filters: Show::ALL
            .iter()
            .map(|f| {
                let n = rows.iter().filter(|r| f.keeps(r)).count();
                (
                    f.value().to_string(),
                    format!("{} ({n})", f.label()),
                    *f == show,
                )
            })
            .collect(),
        done: done_message(&q, &rows, &observatory_domain::long_date(date)),
        rows: rows.into_iter().filter(|r| show.keeps(r)).collect(),
    })
}

/// The success message after an approval or a reopening ("" otherwise).
fn done_message(q: &TrackerQuery, rows: &[TrackerRow], date: &str) -> String {
    let (Some(done), Some(id)) = (q.done.as_deref(), q.employer.as_deref()) else {
        return String::new();
    };
    let Some(row) = rows.iter().find(|r| r.id == id) else {
        return String::new();
    };
    match done {
        "approved" if row.approved => format!(
            "The return of {} for census {date} is approved. It cannot be replaced until it is reopened.",
            row.name
        ),
        "reopened" if !row.approved => format!(
            "The return of {} for census {date} is reopened. The employer can submit it again.",
            row.name
        ),
        _ => String::new(),
    }
}

#[derive(Deserialize)]
pub struct ApprovalForm {
    employer: String,
    census_date: String,
}

async fn approval(state: Arc<AppState>, v: Viewer, f: ApprovalForm, approve: bool) -> PageResult {
    let (date, area) =
        returns::set_approval(&state.db, &v.user, &f.employer, &f.census_date, approve).await?;
    let done = if approve { "approved" } else { "reopened" };
    let query = serde_urlencoded::to_string([
        ("census_date", date.to_string().as_str()),
        ("area", &area),
        ("done", done),
        ("employer", &f.employer),
    ])
    .map_err(anyhow::Error::from)?;
    Ok(see_other(&format!("/tracker?{query}")))
}

pub async fn approve(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<ApprovalForm>,
) -> PageResult {
    approval(state, v, f, true).await
}

pub async fn reopen(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<ApprovalForm>,
) -> PageResult {
    approval(state, v, f, false).await
}
