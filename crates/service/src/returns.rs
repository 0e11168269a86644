//! The return workflow, decided once for the pages, the API and the command line:
//! submitting a return (read and checked off the async threads, stored unless its return
//! is approved, recorded with its report), the status of an area's returns, approving and
//! reopening, and an employer's submissions and audit history. Each operation asks the
//! policy first.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use observatory_census::ReturnMeta;
use observatory_store::accounts::{Approval, NewSubmission};
use observatory_store::{ReturnLocked, ReturnStatus};
use serde_json::{Value, json};

pub use observatory_census::{Problem, Report, Severity};
pub use observatory_store::AuditEntry;
pub use observatory_store::accounts::Submission;

use crate::database::Database;
use crate::error::ServiceError;
use crate::import::{Job, ReadContext, store_one};
use crate::policy::{self, Actor, User};

/// The census dates with returns, oldest first.
pub async fn census_dates(db: &Database) -> Result<Vec<NaiveDate>, ServiceError> {
    Ok(db.store.census_dates().await?)
}

/// The areas `user` may choose from: their own, or every area with employers.
pub async fn visible_areas(db: &Database, user: &User) -> Result<Vec<String>, ServiceError> {
    Ok(match policy::own_areas(user) {
        Some(areas) => areas.to_vec(),
        None => db.store.areas().await?,
    })
}

/// Who has returned in an area for a census date, who is expected but has not, and which
/// returns are approved.
#[derive(Debug, Clone)]
pub struct Status {
    pub census_date: NaiveDate,
    pub area: String,
    pub employers: Vec<ReturnStatus>,
    pub approvals: HashMap<String, Approval>,
}

impl Status {
    /// Employers expected to return (returned at the census before, or registered).
    pub fn expected(&self) -> usize {
        self.employers.iter().filter(|r| r.expected).count()
    }

    /// Expected employers that have returned.
    pub fn returned_expected(&self) -> usize {
        self.employers
            .iter()
            .filter(|r| r.expected && r.returned)
            .count()
    }

    /// Employers that have returned, expected or not.
    pub fn returned(&self) -> usize {
        self.employers.iter().filter(|r| r.returned).count()
    }

    /// The share of expected employers that have returned (None: none expected).
    pub fn response_rate(&self) -> Option<f64> {
        let expected = self.expected();
        (expected > 0).then(|| self.returned_expected() as f64 / expected as f64)
    }

    /// Returns stored with warnings to look at.
    pub fn with_warnings(&self) -> usize {
        self.employers
            .iter()
            .filter(|r| r.warnings.unwrap_or(0) > 0)
            .count()
    }

    /// The API's JSON form.
    pub fn to_json(&self) -> Value {
        let employers: Vec<Value> = self
            .employers
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                v["approved"] = json!(self.approvals.get(&r.employer_id));
                v
            })
            .collect();
        json!({
            "census_date": self.census_date.to_string(), "area": self.area,
            "expected": self.expected(), "returned": self.returned(),
            "returned_of_expected": self.returned_expected(),
            "response_rate": self.response_rate(),
            "employers": employers,
        })
    }
}

/// The status of `area`'s returns at `date`, for an actor who may track the area.
pub async fn status(
    db: &Database,
    actor: Actor<'_>,
    date: NaiveDate,
    area: &str,
) -> Result<Status, ServiceError> {
    if !policy::may_track(actor, area) {
        return Err(ServiceError::Denied(format!(
            "You cannot see the returns of area {area}."
        )));
    }
    Ok(Status {
        census_date: date,
        area: area.to_string(),
        employers: db.store.returns_status(date, Some(area)).await?,
        approvals: db.store.approvals(date).await?,
    })
}

/// The registered names of employers whose ids the caller already shows, for people to
/// read instead of the ids; an employer with no name registered is left out.
pub async fn employer_names(
    db: &Database,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, ServiceError> {
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    Ok(db.store.names_of(&ids).await?)
}

/// The area an employer is registered in, for an actor who may see its records.
pub async fn employer_area(
    db: &Database,
    actor: Actor<'_>,
    employer: &str,
) -> Result<Option<String>, ServiceError> {
    may_read_returns_of(actor, employer)?;
    Ok(db.store.employer_area(employer).await?)
}

/// Approve (or reopen) the return of `employer` for `census_date`, as an area planner of
/// its area. Gives the census date and the area.
pub async fn set_approval(
    db: &Database,
    user: &User,
    employer: &str,
    census_date: &str,
    approve: bool,
) -> Result<(NaiveDate, String), ServiceError> {
    let date = crate::parse_date(census_date).map_err(ServiceError::Invalid)?;
    let area = db
        .store
        .employer_area(employer)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("There is no employer {employer}.")))?;
    if !policy::may_approve(user, &area) {
        return Err(ServiceError::Denied(format!(
            "Only area planners of {area} can approve or reopen the returns of employer {employer}."
        )));
    }
    let done = if approve {
        db.store.approve_return(employer, date, &user.email).await?
    } else {
        db.store.reopen_return(employer, date, &user.email).await?
    };
    if !done {
        return Err(ServiceError::Invalid(if approve {
            format!("Employer {employer} has no return for census {date} to approve.")
        } else {
            format!(
                "The return of employer {employer} for census {date} is not approved, so there is nothing to reopen."
            )
        }));
    }
    Ok((date, area))
}

/// What submitting through the web needs besides the return: where the key is, the
/// largest file taken, and how many returns may be read at once.
pub struct Intake<'a> {
    /// The installation's secret key for person identifiers.
    pub key_path: &'a std::path::Path,
    pub max_mb: u64,
    /// Returns read and checked at once (each may use the readers' limits of memory).
    pub readers: &'a tokio::sync::Semaphore,
}

/// Check, store and record one uploaded return (the file at `path`) for `employer`, as
/// `user`. A return that is approved is not replaced: the report says so. Gives the
/// recorded submission and whether the stored data changed.
pub async fn submit(
    db: &Database,
    intake: &Intake<'_>,
    user: &User,
    employer: &str,
    census_date: &str,
    path: PathBuf,
) -> Result<(Submission, bool), ServiceError> {
    if !policy::may_submit_for(user, employer) {
        return Err(ServiceError::Denied(format!(
            "You cannot submit returns for employer {employer}."
        )));
    }
    let date = crate::parse_date(census_date.trim()).map_err(ServiceError::Invalid)?;
    let ctx = ReadContext::load(intake.key_path, db, None, intake.max_mb).await?;
    let job = Job {
        meta: ReturnMeta {
            employer_id: employer.to_string(),
            employer_name: None,
            census_date: date,
        },
        path,
    };
    let source = job
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Reading and checking is CPU work: in the CPU pool, and at most `readers` at once.
    let turn = intake
        .readers
        .acquire()
        .await
        .map_err(anyhow::Error::from)?;
    let (job, mut outcome) = ctx.read_in_pool(job).await?;
    drop(turn);
    let saved = match store_one(db, &job, &mut outcome, false, &user.email).await {
        Ok(s) => s,
        Err(e) => match e.downcast::<ReturnLocked>() {
            Ok(locked) => {
                outcome
                    .report
                    .error(Problem::at_file(&source, "").says(format!("{locked}")));
                outcome.data = None;
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    let stored = saved.is_some();
    let report = serde_json::to_string(&outcome.report).map_err(anyhow::Error::from)?;
    let id = db
        .store
        .record_submission(&NewSubmission {
            employer_id: employer,
            census_date: date,
            submitted_by: &user.email,
            source: &source,
            accepted: stored,
            return_id: saved.map(|s| s.return_id),
            errors: outcome.report.error_count(),
            warnings: outcome.report.warning_count(),
            report: &report,
        })
        .await?;
    let submission = db
        .store
        .submission(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("submission {id} vanished"))?;
    Ok((submission, stored))
}

/// A submission `user` may read (employer users of its employer); anyone else is told
/// it does not exist, so its existence is not confirmed.
pub async fn submission(db: &Database, user: &User, id: i64) -> Result<Submission, ServiceError> {
    let not_found = || ServiceError::NotFound("There is no such submission.".into());
    let s = db.store.submission(id).await?.ok_or_else(not_found)?;
    if !policy::may_submit_for(user, &s.employer_id) {
        return Err(not_found());
    }
    Ok(s)
}

/// `employer`'s submissions through the web, newest first.
pub async fn submissions(
    db: &Database,
    actor: Actor<'_>,
    employer: &str,
) -> Result<Vec<Submission>, ServiceError> {
    may_read_returns_of(actor, employer)?;
    Ok(db.store.submissions(employer).await?)
}

/// Every version of `employer`'s returns, as the audit history keeps them.
pub async fn history(
    db: &Database,
    actor: Actor<'_>,
    employer: &str,
) -> Result<Vec<AuditEntry>, ServiceError> {
    may_read_returns_of(actor, employer)?;
    Ok(db.store.history(employer).await?)
}

/// The validation report kept with a submission.
pub fn report(s: &Submission) -> Report {
    #[derive(serde::Deserialize)]
    struct Stored {
        problems: Vec<StoredProblem>,
        omitted_errors: usize,
    }
    #[derive(serde::Deserialize)]
    struct StoredProblem {
        severity: String,
        file: String,
        sheet: Option<String>,
        row: Option<usize>,
        column: Option<String>,
        value: Option<String>,
        message: String,
    }
    let stored: Stored = serde_json::from_str(&s.report).unwrap_or(Stored {
        problems: vec![],
        omitted_errors: 0,
    });
    Report {
        problems: stored
            .problems
            .into_iter()
            .map(|p| Problem {
                severity: if p.severity == "error" {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                file: p.file,
                sheet: p.sheet,
                row: p.row,
                column: p.column,
                value: p.value,
                message: p.message,
            })
            .collect(),
        omitted_errors: stored.omitted_errors,
    }
}

fn may_read_returns_of(actor: Actor<'_>, employer: &str) -> Result<(), ServiceError> {
    if policy::may_submit_for(actor, employer) {
        Ok(())
    } else {
        Err(ServiceError::Denied(format!(
            "You cannot see the returns of employer {employer}."
        )))
    }
}

/// The status of the returns at `date` in `area`, or in every area (the command line's
/// `returns` without `--area`; for a user, only one who sees the whole country).
pub async fn status_in(
    db: &Database,
    actor: Actor<'_>,
    date: NaiveDate,
    area: Option<&str>,
) -> Result<Status, ServiceError> {
    let Some(area) = area else {
        policy::may_see_national(actor)?;
        return Ok(Status {
            census_date: date,
            area: String::new(),
            employers: db.store.returns_status(date, None).await?,
            approvals: db.store.approvals(date).await?,
        });
    };
    status(db, actor, date, area).await
}

/// Expect a return from an employer, tracked under `area`, or move an employer to another
/// area: a return never moves its employer, only this does.
pub async fn register_employer(
    db: &Database,
    actor: Actor<'_>,
    id: &str,
    name: &str,
    area: &str,
) -> Result<(), ServiceError> {
    policy::may_operate(actor)?;
    Ok(db.store.register_employer(id, name, area).await?)
}
