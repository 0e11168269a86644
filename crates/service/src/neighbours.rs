//! Each area's statistical neighbours: the areas most like it (as the DfE's children's
//! services statistical neighbour benchmarking tool lists them), which the dashboard
//! shows its figures beside, as LG Inform does for councils. They are data the planner
//! brings, not something the census can work out, so until they are set there are none.

use crate::accounts::known_areas;
use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};

/// At most this many neighbours (the DfE tool lists ten).
pub const MAX_NEIGHBOURS: usize = 20;

/// An area's (by code or name) statistical neighbours, nearest first; none until
/// someone sets them.
pub async fn of(db: &Database, area: &str) -> Result<Vec<String>, ServiceError> {
    let areas = known_areas(db).await?;
    let code = areas
        .find_code_or_label(area)
        .map_or(area.trim(), |i| areas.code(i));
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
    let area = match areas.find_code_or_label(area) {
        Some(i) => areas.code(i).to_string(),
        None => {
            return Err(ServiceError::Invalid(format!(
                "There is no area {area}. Did you mean {}?",
                areas.closest(area)
            )));
        }
    };
    policy::may_set_neighbours(actor, &area)?;
    if given.len() > MAX_NEIGHBOURS {
        return Err(ServiceError::Invalid(format!(
            "Give at most {MAX_NEIGHBOURS} statistical neighbours ({} were given)",
            given.len()
        )));
    }
    let mut list: Vec<String> = Vec::new();
    for g in given.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
        let Some(i) = areas.find_code_or_label(g) else {
            let near = areas.closest(g);
            let name = areas.label(areas.must(near));
            return Err(ServiceError::Invalid(format!(
                "There is no area {g}. Did you mean {near} ({name})?"
            )));
        };
        let code = areas.code(i).to_string();
        if code == area {
            return Err(ServiceError::Invalid(format!(
                "{} cannot be its own statistical neighbour",
                areas.label(i)
            )));
        }
        if !list.contains(&code) {
            list.push(code);
        }
    }
    db.store.set_neighbours(&area, &list).await?;
    Ok(list)
}
