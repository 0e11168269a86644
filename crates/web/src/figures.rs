//! The figures pages: the area and national dashboard, the explorer (any measure,
//! breakdowns and filters, with a shareable URL), downloads as CSV or XLSX, and the
//! employer view (own figures against the area). Every query goes through
//! [`answer`], which applies the role's scoping and disclosure control.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use observatory_domain::{Codes, codes};
use observatory_service::accounts::{Role, User};
use observatory_service::query::{
    MeasureKind, Query, QueryResult, ResultRow, breakdown_names, measure_names,
};
use observatory_service::query::{PERTURBED_NOTE, suppression_note};
use observatory_service::{Answer, returns};
use std::sync::Arc;

use crate::auth::Viewer;
use crate::charts::{self, Point};
use crate::error::PageError;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;
use crate::tracker::{chosen_date, visible_areas};
use observatory_service::policy;

/// A query as given in a URL: `measure`, `by` (repeated or comma separated), `where`
/// (repeated, or one per line, `DIM=VALUE`), `census_date` (repeated or comma separated;
/// default the latest).
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub measure: String,
    pub by: Vec<String>,
    pub filters: Vec<String>,
    pub dates: Vec<String>,
    pub format: String,
    /// Include estimates for non-response (`estimates=yes`).
    pub estimates: bool,
    /// The population profile representation_ratio compares with (`population=NAME`).
    pub population: Option<String>,
}

impl Spec {
    pub fn parse(raw: Option<&str>) -> Result<Spec, String> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| format!("the address cannot be read: {e}"))?;
        let mut s = Spec::default();
        let split = |v: &str, seps: &[char]| -> Vec<String> {
            v.split(seps)
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        };
        for (k, v) in pairs {
            match k.as_str() {
                "measure" => s.measure = v.trim().to_string(),
                "by" => s.by.extend(split(&v, &[','])),
                "where" => s.filters.extend(split(&v, &['\n', '\r'])),
                "area" if !v.trim().is_empty() => s.filters.push(format!("area={}", v.trim())),
                "census_date" => s.dates.extend(split(&v, &[','])),
                "format" => s.format = v,
                "estimates" => s.estimates = matches!(v.trim(), "yes" | "true" | "1" | "on"),
                "population" if !v.trim().is_empty() => s.population = Some(v.trim().to_string()),
                _ => {}
            }
        }
        if s.measure.is_empty() {
            s.measure = "posts".into();
        }
        Ok(s)
    }

    /// The question as the service takes it.
    pub fn ask(&self) -> observatory_service::Ask {
        observatory_service::Ask {
            measure: self.measure.clone(),
            by: self.by.clone(),
            filters: self.filters.clone(),
            dates: self.dates.clone(),
            estimates: self.estimates,
            population: self.population.clone(),
            ..Default::default()
        }
    }

    pub fn query(&self) -> Result<Query, String> {
        observatory_service::answers::question(&self.ask(), "where=").map_err(|e| e.to_string())
    }

    /// The query string that reproduces this spec (shareable, and for downloads).
    pub fn url(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("measure", self.measure.clone())];
        for b in &self.by {
            pairs.push(("by", b.clone()));
        }
        for f in &self.filters {
            pairs.push(("where", f.clone()));
        }
        for d in &self.dates {
            pairs.push(("census_date", d.clone()));
        }
        if self.estimates {
            pairs.push(("estimates", "yes".into()));
        }
        if let Some(p) = &self.population {
            pairs.push(("population", p.clone()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

/// Answer a query for `user` through the service's one answer path (its scope, its
/// protection, the answer cache, how complete the returns are).
pub async fn answer(state: &AppState, user: &User, spec: &Spec) -> Result<Answer, PageError> {
    Ok(state.answers.answer(&state.db, user, &spec.ask()).await?)
}

pub use observatory_service::answers::MOBILITY;

/// One chart with its table and downloads.
pub struct Figure {
    pub id: String,
    pub title: String,
    pub svg: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub note: String,
    pub link: String,
}

/// A row's keys in words ("Early years / Private"), for charts and tables.
fn key_labels(r: &QueryResult, row: &ResultRow) -> Vec<String> {
    let c = codes();
    r.by.iter()
        .zip(&row.keys)
        .map(|(b, k)| c.label_of(b, k))
        .collect()
}

fn labels(r: &QueryResult, i: usize) -> String {
    if r.by.is_empty() {
        "All".into()
    } else {
        key_labels(r, &r.rows[i]).join(" / ")
    }
}

/// Chart and table of a result: a line over census dates, else bars.
pub fn figure(
    id: &str,
    title: &str,
    spec: &Spec,
    r: &QueryResult,
    threshold: Option<u64>,
) -> Figure {
    let rate = r.kind == MeasureKind::Rate;
    let points: Vec<Point> = (0..r.rows.len())
        .map(|i| Point {
            label: labels(r, i),
            value: r.rows[i].value,
            suppressed: r.rows[i].suppressed,
            other: false,
        })
        .collect();
    let svg = if r.by.len() == 1 && r.by[0] == "census_date" {
        charts::line(id, title, &points, rate)
    } else {
        charts::bars(id, title, &points, rate)
    };
    let mut headers: Vec<String> = r.by.iter().map(|b| Codes::heading_of(b)).collect();
    headers.push(if rate { "Value (%)" } else { "Value" }.into());
    headers.push(if rate { "Counted" } else { "Count" }.into());
    headers.push(if rate { "Out of" } else { "" }.into());
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let mut cells = key_labels(r, row);
            if row.suppressed {
                cells.extend(["c", "c", "c"].map(String::from));
            } else {
                let show = |v: Option<f64>, rate: bool| {
                    v.map(|v| charts::format_value(v, rate)).unwrap_or_default()
                };
                cells.push(show(row.value, rate));
                cells.push(show(row.numerator, false));
                cells.push(show(row.denominator, false));
            }
            cells
        })
        .collect();
    let mut note = match threshold {
        Some(t) if r.rows.iter().any(|x| x.suppressed) => suppression_note(t),
        None => "Your own organisation's records: not suppressed. Do not publish them.".into(),
        _ => String::new(),
    };
    if r.perturbed {
        if !note.is_empty() {
            note.push(' ');
        }
        note.push_str(PERTURBED_NOTE);
    }
    Figure {
        id: id.into(),
        title: title.into(),
        svg,
        headers,
        rows,
        note,
        link: spec.url(),
    }
}

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

/// The headline figures of the dashboard and the employer view.
const HEADLINES: &[(&str, &str)] = &[
    ("posts", "Filled posts"),
    ("headcount", "People (headcount)"),
    ("fte", "Full-time equivalent"),
    ("vacancy_rate", "Vacancy rate"),
    ("turnover_rate", "Turnover rate"),
    ("wastage_rate", "Wastage rate"),
    ("stability_rate", "Stability rate"),
    ("agency_share", "Agency share of FTE"),
    ("age_55_plus_share", "Aged 55 or over"),
];

pub struct Headline {
    pub label: &'static str,
    pub value: String,
    pub other: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    l: Layout,
    heading: String,
    area: String,
    areas: Vec<String>,
    national_allowed: bool,
    census_date: String,
    dates: Vec<String>,
    headlines: Vec<Headline>,
    figures: Vec<Figure>,
    /// How complete the census date is.
    completeness: Vec<String>,
}

/// The single value of a one-row result, as shown.
fn single(r: &QueryResult) -> String {
    match r.rows.first() {
        None => "none".into(),
        Some(row) if row.suppressed => "c".into(),
        Some(row) => row
            .value
            .map(|v| charts::format_value(v, r.kind == MeasureKind::Rate))
            .unwrap_or_else(|| "no figure".into()),
    }
}

pub async fn dashboard(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    policy::may_use_dashboard(&v.user)?;
    let asked = Spec::parse(raw.as_deref()).map_err(PageError::bad)?;
    let areas = visible_areas(&state, &v.user).await?;
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
    let (date, all_dates) = chosen_date(&state, asked.dates.first().map(String::as_str)).await?;
    let filters: Vec<String> = if area.is_empty() {
        vec![]
    } else {
        vec![format!("area={area}")]
    };
    let mut headlines = Vec::new();
    let mut complete = Vec::new();
    for (measure, label) in HEADLINES {
        let spec = Spec {
            measure: measure.to_string(),
            filters: filters.clone(),
            dates: vec![date.to_string()],
            ..Default::default()
        };
        let a = answer(&state, &v.user, &spec).await?;
        // Every headline is for the same area and census date: one says how complete.
        if complete.is_empty() {
            complete = observatory_service::completeness::notes(&a.completeness);
        }
        headlines.push(Headline {
            label,
            value: single(&a.result),
            other: String::new(),
        });
    }
    let mut figures = Vec::new();
    for (i, p) in PANELS.iter().enumerate() {
        if p.measure == MOBILITY && !all_dates.iter().any(|d| *d < date) {
            continue;
        }
        let dates: Vec<String> = if p.all_dates {
            all_dates
                .iter()
                .filter(|d| **d <= date)
                .map(|d| d.to_string())
                .collect()
        } else {
            vec![date.to_string()]
        };
        let spec = Spec {
            measure: p.measure.into(),
            by: p.by.split(',').map(String::from).collect(),
            filters: filters.clone(),
            dates,
            ..Default::default()
        };
        let a = answer(&state, &v.user, &spec).await?;
        figures.push(figure(
            &format!("fig{i}"),
            p.title,
            &spec,
            &a.result,
            a.threshold(),
        ));
    }
    html(&Dashboard {
        l: Layout::new(&state, &v, "Dashboard", "/dashboard"),
        heading: if area.is_empty() {
            format!("National overview, census {date}")
        } else {
            format!("Area {area}, census {date}")
        },
        area,
        areas,
        national_allowed,
        census_date: date.to_string(),
        dates: all_dates.iter().rev().map(|d| d.to_string()).collect(),
        headlines,
        figures,
        completeness: complete,
    })
}

/// A choice in a form: value, label, chosen.
pub type Choice = (String, String, bool);

#[derive(Template)]
#[template(path = "explorer.html")]
struct Explorer {
    l: Layout,
    measures: Vec<Choice>,
    breakdowns: Vec<Choice>,
    dates: Vec<Choice>,
    filters: String,
    figure: Option<Figure>,
    errors: Vec<(&'static str, String)>,
    /// How complete the answer's census dates are.
    completeness: Vec<String>,
}

pub async fn explorer(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let spec = Spec::parse(raw.as_deref()).map_err(PageError::bad)?;
    let all_dates = returns::census_dates(&state.db).await?;
    let mut complete = Vec::new();
    let (figure, errors) = match answer(&state, &v.user, &spec).await {
        Ok(a) => {
            complete = observatory_service::completeness::notes(&a.completeness);
            let (r, dates, t) = (&a.result, &a.dates, a.threshold());
            let title = format!(
                "{}{} at {}",
                spec.measure,
                if r.by.is_empty() {
                    String::new()
                } else {
                    format!(" by {}", r.by.join(", "))
                },
                dates
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            (Some(figure("explorer", &title, &spec, r, t)), vec![])
        }
        // The asker's mistakes go beside the form; the service's own failures are an
        // error page with their reference.
        Err(PageError::Status(status, m)) if status.is_client_error() => {
            (None, vec![("measure", m)])
        }
        Err(e) => return Err(e),
    };
    let chosen_dates: Vec<String> = if spec.dates.is_empty() {
        all_dates
            .last()
            .map(|d| vec![d.to_string()])
            .unwrap_or_default()
    } else {
        spec.dates.clone()
    };
    html(&Explorer {
        l: Layout::new(&state, &v, "Explorer", "/explorer"),
        measures: measure_names()
            .iter()
            .map(String::as_str)
            .chain([MOBILITY])
            .map(|m| (m.to_string(), m.replace('_', " "), m == spec.measure))
            .collect(),
        breakdowns: breakdown_names()
            .iter()
            .map(|b| {
                (
                    b.to_string(),
                    b.replace('_', " "),
                    spec.by.iter().any(|x| x == b),
                )
            })
            .collect(),
        dates: all_dates
            .iter()
            .rev()
            .map(|d| {
                (
                    d.to_string(),
                    d.to_string(),
                    chosen_dates.contains(&d.to_string()),
                )
            })
            .collect(),
        filters: spec.filters.join("\n"),
        figure,
        errors,
        completeness: complete,
    })
}

/// A query's table as CSV or XLSX, with the same scoping as the pages.
pub async fn download(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let spec = Spec::parse(raw.as_deref()).map_err(PageError::bad)?;
    let a = answer(&state, &v.user, &spec).await?;
    let table = a.to_table();
    let name = format!(
        "{}-{}",
        a.result.measure,
        a.dates.last().map(|d| d.to_string()).unwrap_or_default()
    );
    let (bytes, mime, ext) = match spec.format.as_str() {
        "xlsx" => (
            table.xlsx_bytes()?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => (table.csv()?, "text/csv; charset=utf-8", "csv"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

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
    let (date, _) = chosen_date(&state, get("census_date").as_deref()).await?;
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
    for (measure, label) in HEADLINES {
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
        let dates = if *by == "census_date" {
            returns::census_dates(&state.db)
                .await?
                .iter()
                .filter(|d| **d <= date)
                .map(|d| d.to_string())
                .collect()
        } else {
            vec![date.to_string()]
        };
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
    html(&EmployerView {
        l: Layout::new(&state, &v, "Your figures", "/employer"),
        employers: v.user.employers.clone(),
        note: format!(
            "Your organisation's figures are from your own records and are not suppressed. The area's figures cover every organisation in area {area}; figures about fewer than {} people there are shown as c.",
            state.config.threshold
        ),
        employer,
        area,
        census_date: date.to_string(),
        headlines,
        figures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip_through_urls() {
        let s = Spec::parse(Some(
            "measure=vacancy_rate&by=sector,employing_sector&where=area%3DE06000056%0Agender%3Dmale&census_date=2025-11-01",
        ))
        .unwrap();
        assert_eq!(s.by, ["sector", "employing_sector"]);
        assert_eq!(s.filters, ["area=E06000056", "gender=male"]);
        let again = Spec::parse(Some(&s.url())).unwrap();
        assert_eq!(again.by, s.by);
        assert_eq!(again.filters, s.filters);
        assert_eq!(again.dates, s.dates);
        assert!(Spec::parse(None).unwrap().query().is_ok());
        assert!(
            Spec::parse(Some("measure=nonsense"))
                .unwrap()
                .query()
                .is_err()
        );
        assert_eq!(charts::esc("<a>"), "&lt;a&gt;");
    }
}
