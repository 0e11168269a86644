//! The standard publication of a census date: every table of data/publication/tables.csv
//! protected together (suppression proven by the audit, or rounding), written as CSV
//! files, one XLSX workbook and an HTML report with charts. Nothing is written unless
//! every figure is protected.

use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use observatory_store::blocking::CPU;

use crate::database::Database;
use crate::error::ServiceError;
use crate::policy::{self, Actor};

pub use observatory_publish::{Control, Method, Publication};

/// What was published.
pub struct Published {
    pub publication: Publication,
    /// Every file written.
    pub files: Vec<PathBuf>,
    /// How long assembling and protecting the tables took.
    pub computed: Duration,
    /// How long it took in all, files written.
    pub elapsed: Duration,
}

/// How to protect the figures: suppression, or rounding to `base` (totals to twice that).
pub fn control(threshold: u64, rounding: Option<u64>) -> Result<Control, ServiceError> {
    crate::query::check_threshold(threshold)?;
    let method = match rounding {
        None => Method::Suppression,
        Some(base) if base < 2 => {
            return Err(ServiceError::Invalid(
                "--round-base must be at least 2".into(),
            ));
        }
        Some(base) => Method::Rounding {
            base,
            total_base: base * 2,
        },
    };
    Ok(Control { threshold, method })
}

/// Assemble and protect the publication of `date` and write its files into `out`.
pub async fn publish<G>(
    db: &Database,
    actor: Actor<'_>,
    date: NaiveDate,
    control: Control,
    out: &Path,
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<Published, ServiceError> {
    policy::may_operate(actor)?;
    let started = Instant::now();
    let (publication, computed) = protected(db, date, control, on_rebuild).await?;
    let files = observatory_publish::write_all(&publication, out)?;
    Ok(Published {
        publication,
        files,
        computed,
        elapsed: started.elapsed(),
    })
}

/// The publication of `date` as anyone may read it (the web's pages and API): every
/// table protected by suppression at `threshold`, the same protection the operator's
/// default `publish` writes. Nothing is written.
pub async fn tables<G>(
    db: &Database,
    actor: Actor<'_>,
    date: NaiveDate,
    threshold: u64,
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<Publication, ServiceError> {
    policy::may_read_publication(actor)?;
    let control = control(threshold, None)?;
    // A date without returns is the asker's mistake, said as the answers say it.
    let known = db.store.census_dates().await?;
    if !known.contains(&date) {
        return Err(crate::answers::no_returns_for(date, &known));
    }
    Ok(protected(db, date, control, on_rebuild).await?.0)
}

/// Assemble and protect the publication of `date`; an error unless the audit found every
/// figure protected. Gives the time assembling and protecting took.
async fn protected<G>(
    db: &Database,
    date: NaiveDate,
    control: Control,
    on_rebuild: impl Fn(NaiveDate) -> G,
) -> Result<(Publication, Duration), ServiceError> {
    let cube = crate::cubes::load(db, &[date], on_rebuild)
        .await?
        .pop()
        .expect("one cube per date");
    let started = Instant::now();
    // Protecting every table together (the audit solves linear programmes) is CPU work:
    // off the async threads, as a server needs.
    let publication = CPU
        .run(move || observatory_publish::assemble(&cube, control))
        .await??;
    let computed = started.elapsed();
    if !publication.disclosure.unresolved.is_empty() {
        return Err(ServiceError::Internal(anyhow::anyhow!(
            "disclosure control could not protect {} figures (the audit found them derivable); nothing was written: {:?}",
            publication.disclosure.unresolved.len(),
            publication.disclosure.unresolved.first()
        )));
    }
    Ok((publication, computed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_needs_a_base_of_two_or_more() {
        assert!(matches!(
            control(5, None).unwrap().method,
            Method::Suppression
        ));
        assert!(matches!(
            control(5, Some(5)).unwrap().method,
            Method::Rounding {
                base: 5,
                total_base: 10
            }
        ));
        assert!(control(5, Some(1)).is_err());
        assert!(control(2, None).is_err());
    }
}
