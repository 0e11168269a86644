//! Setting up an installation: the database (created and migrated) and the secret key
//! that person identifiers are hashed with, made once and kept beside it.

use std::path::Path;

use crate::database::{Database, Location};
use crate::error::ServiceError;
use crate::policy::{self, Actor};

/// Create the database and the key if they do not exist; says whether the key is new
/// (then it must be backed up: without it people cannot be linked across years).
pub async fn init(
    actor: Actor<'_>,
    location: &Location,
    key: &Path,
) -> Result<(Database, bool), ServiceError> {
    policy::may_operate(actor)?;
    let db = Database::open(location, true).await?;
    let created = observatory_store::secret::create(key)?;
    Ok((db, created))
}
