//! Population profiles: the shares of the population (by gender, ethnic group, disability,
//! age band, per area) that representation_ratio compares the workforce with. A national
//! default (England, Census 2021) ships; an area's own shares are imported from a CSV,
//! checked line by line, and stored under a name that queries use.

use observatory_store::NewPopulation;
use std::path::Path;

use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};

pub use observatory_analysis::PopulationProfile;
pub use observatory_store::PopulationInfo;

/// The name the shipped national default answers to.
pub use crate::answers::SHIPPED_POPULATION as SHIPPED;

/// Refuse a name queries could not use, or the shipped default's.
pub fn check_name(name: &str) -> Result<(), ServiceError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ServiceError::Invalid(format!(
            "--name '{name}': a profile name uses letters, digits, - and _ only, e.g. hartlepool-2021"
        )));
    }
    if name.eq_ignore_ascii_case(SHIPPED) {
        return Err(ServiceError::Invalid(format!(
            "--name {name} is the shipped national default; choose another name"
        )));
    }
    Ok(())
}

/// The text of a profile file, within the size limit of data files.
pub fn read_file(file: &Path) -> Result<String, ServiceError> {
    observatory_domain::input::read_text_within(
        file,
        observatory_analysis::MAX_DATA_FILE_BYTES,
        "the population profile",
    )
    .map_err(ServiceError::Invalid)
}

/// A profile's CSV checked line by line; a bad one is refused whole, saying why.
pub fn parse(text: &str) -> Result<PopulationProfile, ServiceError> {
    PopulationProfile::from_csv(text).map_err(ServiceError::invalid)
}

/// What was stored of a profile.
pub struct Stored {
    pub rows: usize,
    pub areas: usize,
}

/// Store a checked profile under `name` (replacing one of that name), recording the file
/// it came from.
pub async fn save(
    db: &Database,
    actor: Actor<'_>,
    name: &str,
    profile: &PopulationProfile,
    source: &str,
) -> Result<Stored, ServiceError> {
    policy::may_operate(actor)?;
    check_name(name)?;
    let body = profile.to_csv();
    let rows = body.lines().count() - 1;
    let areas = profile.areas().count();
    db.store
        .save_population(&NewPopulation {
            name,
            body: &body,
            areas,
            rows,
            source,
        })
        .await?;
    Ok(Stored { rows, areas })
}

/// The stored profiles (the shipped default is not among them).
pub async fn list(db: &Database, actor: Actor<'_>) -> Result<Vec<PopulationInfo>, ServiceError> {
    policy::may_operate(actor)?;
    Ok(db.store.populations().await?)
}

/// The profile called `name`: the shipped default, or a stored one as imported (queries
/// put it over the default, so what it lacks comes from there). Anyone who may query may
/// read one.
pub async fn profile(
    db: &Database,
    _actor: Actor<'_>,
    name: &str,
) -> Result<PopulationProfile, ServiceError> {
    crate::answers::population(db, name).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_and_never_the_shipped_default() {
        assert!(check_name("hartlepool-2021").is_ok());
        assert!(check_name("a_b").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("has space").is_err());
        assert!(check_name("England_2021").is_err());
    }
}
