//! The reference data people maintain so that employers' own words and codes land on the
//! standard ones: job titles confirmed as roles (with a suggested role for each title
//! still unmapped) and saved mapping profiles (an employer's own column names and codes).

use observatory_census::MappingProfile;
use observatory_domain::codes;
use serde::Serialize;
use std::path::Path;

use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};

/// A job title in stored returns that is not mapped to a role yet, with the closest role.
#[derive(Debug, Clone, Serialize)]
pub struct UnmappedTitle {
    /// The title as an employer wrote it.
    pub title: String,
    /// Rows (posts, leavers, vacancies) that carry it.
    pub rows: i64,
    /// The role code the title is most like; None when no role is close enough to suggest.
    pub suggested_role: Option<&'static str>,
    /// How sure the suggestion is, 0 to 1 (0 when there is none).
    pub similarity: f64,
}

/// The job titles waiting for a role, each with a suggested role.
pub async fn unmapped_titles(
    db: &Database,
    actor: Actor<'_>,
) -> Result<Vec<UnmappedTitle>, ServiceError> {
    policy::may_operate(actor)?;
    let c = codes();
    Ok(db
        .store
        .unmapped_titles()
        .await?
        .into_iter()
        .map(|t| {
            let s = c.suggest_role(&t.example);
            UnmappedTitle {
                suggested_role: s.map(|s| c.roles.code(s.role)),
                similarity: s.map_or(0.0, |s| s.confidence),
                rows: t.rows,
                title: t.example,
            }
        })
        .collect())
}

/// Confirm that a job title means a role, for stored and future returns; gives the role
/// code as the catalogue spells it.
pub async fn confirm_title(
    db: &Database,
    actor: Actor<'_>,
    title: &str,
    role: &str,
    by: &str,
) -> Result<&'static str, ServiceError> {
    policy::may_operate(actor)?;
    let c = codes();
    if c.roles.find(role).is_none() {
        return Err(ServiceError::Invalid(format!(
            "'{role}' is not a role code; the closest is '{}'. See the role catalogue in data/codes/roles.csv",
            c.roles.closest(role)
        )));
    }
    let role = c.roles.code(c.roles.must(role));
    db.store.confirm_title(title, role, by).await?;
    Ok(role)
}

/// Check the mapping profile in `file` and save it under `name`.
pub async fn save_mapping(
    db: &Database,
    actor: Actor<'_>,
    name: &str,
    file: &Path,
) -> Result<(), ServiceError> {
    policy::may_operate(actor)?;
    let text = observatory_domain::input::read_text_within(
        file,
        observatory_census::MAX_PROFILE_BYTES,
        "the mapping profile",
    )
    .map_err(ServiceError::Invalid)?;
    MappingProfile::from_json(&text).map_err(ServiceError::invalid)?;
    db.store.save_mapping(name, &text).await?;
    Ok(())
}

/// The saved mapping profile called `name`, as saved.
pub async fn mapping(db: &Database, actor: Actor<'_>, name: &str) -> Result<String, ServiceError> {
    policy::may_operate(actor)?;
    db.store.mapping(name).await?.ok_or_else(|| {
        ServiceError::NotFound(format!("there is no mapping profile named '{name}'"))
    })
}
