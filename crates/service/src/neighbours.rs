//! Each area's statistical neighbours: the areas most like it (as the DfE's children's
//! services statistical neighbour benchmarking tool lists them), which the dashboard
//! shows its figures beside, as LG Inform does for councils. They are data the planner
//! brings, not something the census can work out, so until they are set there are none.

use crate::accounts::{known_areas, resolve};
use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};
use observatory_domain::codes;

/// At most this many neighbours (the DfE tool lists ten).
pub const MAX_NEIGHBOURS: usize = 20;

/// An area's (by code or name) statistical neighbours, nearest first; none until
/// someone sets them.
pub async fn of(db: &Database, area: &str) -> Result<Vec<String>, ServiceError> {
    let area = area.trim();
    // The dashboard asks by code on every page: only a name needs the list of areas.
    if codes().area_names.contains_key(area) {
        return Ok(db.store.neighbours(area).await?);
    }
    let areas = known_areas(db).await?;
    let code = areas
        .find_code_or_label(area)
        .map_or(area, |i| areas.code(i));
    Ok(db.store.neighbours(code).await?)
}

/// Set an area's statistical neighbours, nearest first, by code or name. Each must be an
/// area the service knows and not the area itself; an empty list clears them. Gives the
/// codes stored.
pub async fn set(
    db: &Database,
    actor: Actor<'_>,
    area: &str,
    given: &[String],
) -> Result<Vec<String>, ServiceError> {
    let areas = known_areas(db).await?;
    let area = resolve(&areas, "area", area).map_err(ServiceError::Invalid)?;
    policy::may_set_neighbours(actor, &area)?;
    if given.len() > MAX_NEIGHBOURS {
        return Err(ServiceError::Invalid(format!(
            "Give at most {MAX_NEIGHBOURS} statistical neighbours ({} were given)",
            given.len()
        )));
    }
    let mut list: Vec<String> = Vec::new();
    for g in given.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
        let code = resolve(&areas, "area", g).map_err(ServiceError::Invalid)?;
        if code == area {
            return Err(ServiceError::Invalid(format!(
                "{} cannot be its own statistical neighbour",
                codes().area_name(&code)
            )));
        }
        if !list.contains(&code) {
            list.push(code);
        }
    }
    db.store.set_neighbours(&area, &list).await?;
    Ok(list)
}
