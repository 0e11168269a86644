//! The standard publication in the API: every table of a census date as the service
//! publishes it (all tables protected together by suppression at the service's
//! threshold), each table in the query contract's shape.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

use super::figures::QueryRow;
use super::{ApiResult, ErrorBody};
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tracker::chosen_date;
use observatory_service::{publication, query};

/// One published table.
#[derive(Serialize, ToSchema)]
pub struct Table {
    /// `T01`, `T02`, ...: stable within a publication.
    pub id: String,
    /// national, area or sector.
    pub section: String,
    pub title: String,
    pub measure: String,
    pub by: Vec<String>,
    /// The protected figures; margins have the key `total`.
    pub rows: Vec<QueryRow>,
}

/// What disclosure control did over all tables at once.
#[derive(Serialize, ToSchema)]
pub struct Disclosure {
    /// Cells suppressed because they rest on fewer people than the threshold.
    pub primary: u64,
    /// Cells suppressed to protect those.
    pub secondary: u64,
}

/// The standard publication of a census date.
#[derive(Serialize, ToSchema)]
pub struct Publication {
    pub census_date: String,
    /// Figures about fewer people than this are suppressed.
    pub threshold: u64,
    pub disclosure: Disclosure,
    pub tables: Vec<Table>,
}

#[derive(Deserialize)]
pub struct PublicationParams {
    census_date: Option<String>,
}

/// The standard publication of a census date: every table of
/// `data/publication/tables.csv`, protected together (primary and secondary suppression
/// at the service's threshold, checked by the audit), as `observatory publish` writes it.
#[utoipa::path(get, path = "/api/publication", tag = "figures",
    params(("census_date" = Option<String>, Query, description = "YYYY-MM-DD; default the latest")),
    responses((status = 200, description = "Every table of the publication", body = Publication),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn tables(
    State(state): State<Arc<AppState>>,
    ApiUser(u): ApiUser,
    Query(p): Query<PublicationParams>,
) -> ApiResult<Publication> {
    let (date, _) = chosen_date(&state, p.census_date.as_deref()).await?;
    let threshold = state.config.threshold;
    let published = publication::tables(&state.db, (&u).into(), date, threshold, |_| ()).await?;
    let tables = published
        .tables
        .iter()
        .map(|t| {
            // Each table is read through the contract's own JSON, so a table's rows are
            // exactly what `observatory query` would write for them.
            let mut answer = query::to_json(&t.result, &[date]);
            let rows = answer["rows"].take();
            Ok(Table {
                id: t.id.clone(),
                section: t.section.clone(),
                title: t.title.clone(),
                measure: t.result.measure.clone(),
                by: t.result.by.clone(),
                rows: serde_json::from_value(rows).map_err(anyhow::Error::from)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Json(Publication {
        census_date: date.to_string(),
        threshold,
        disclosure: Disclosure {
            primary: published.disclosure.primary as u64,
            secondary: published.disclosure.secondary as u64,
        },
        tables,
    }))
}
