//! Submitting a return through the web: the upload is streamed to a private file with
//! a size limit (never held whole in memory; see [`UploadDir`] for where it lives and
//! how it is removed), read and checked exactly as the command
//! line does (`observatory_service::import`), stored if it has no errors, and its
//! validation report kept so the employer can read it as a page or download it as CSV.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use observatory_domain::export::safe_record;
use observatory_service::accounts::User;
use observatory_service::returns::{self, AuditEntry, Submission};
use observatory_service::returns::{Problem, Report, Severity};
use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

use crate::auth::Viewer;
use crate::error::PageError;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;
use observatory_service::policy;

/// A received upload: its form fields and the file, saved in its own private folder
/// (removed when the `TempDir` is dropped).
pub struct Upload {
    pub fields: BTreeMap<String, String>,
    pub file: Option<(tempfile::TempDir, PathBuf)>,
}

/// Where uploads in progress live: a folder of the service's own
/// ([`crate::Config::upload_root`]: beside the database unless configured), mode 0700.
/// Each upload gets a folder in it, `upload-XXXXXX`, mode 0700, holding the one file,
/// mode 0600. The upload's folder is removed when the request is done with it, whatever
/// happened: stored, refused, failed, or dropped because the client went away mid-upload
/// (the folder's `TempDir` is dropped with the request). Folders left by a crash are
/// removed when the service starts ([`UploadDir::prepare`]).
pub struct UploadDir;

impl UploadDir {
    pub const PREFIX: &'static str = "upload-";

    /// Make the folder (0700, tightened if it exists) and remove uploads left by a
    /// crashed run; how many were removed.
    pub fn prepare(root: &FsPath) -> anyhow::Result<usize> {
        Self::ensure(root)?;
        let mut removed = 0;
        for entry in std::fs::read_dir(root)? {
            let entry = entry?;
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(Self::PREFIX)
            {
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    std::fs::remove_dir_all(&path)?;
                } else {
                    std::fs::remove_file(&path)?;
                }
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The folder, made if missing, 0700.
    fn ensure(root: &FsPath) -> std::io::Result<()> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(root)?;
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))
    }

    /// A new upload's folder (0700) and its file (0600, created here, empty).
    async fn create(
        root: &FsPath,
        file_name: &str,
    ) -> std::io::Result<(tempfile::TempDir, PathBuf, tokio::fs::File)> {
        use std::os::unix::fs::PermissionsExt;
        Self::ensure(root)?;
        let dir = tempfile::Builder::new()
            .prefix(Self::PREFIX)
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(root)?;
        let path = dir.path().join(file_name);
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .await?;
        Ok((dir, path, file))
    }
}

/// Keep a file name safe to put on disk and in the audit history.
fn safe_name(name: &str) -> Result<String, PageError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ext = clean.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if !clean.contains('.') || !["xlsx", "ods", "zip"].contains(&ext.as_str()) {
        return Err(PageError::bad(
            "Upload a return as an .xlsx or .ods workbook, or a .zip of the four CSV files",
        ));
    }
    let keep = clean.len().min(100);
    Ok(clean[clean.len() - keep..].to_string())
}

/// Read a multipart form, streaming the `file` field to a private file under `root`
/// ([`UploadDir`]). With `csrf`, the form's `csrf` field must come first and match, so no
/// file is written for a forged request.
pub async fn receive(
    mut mp: Multipart,
    root: &FsPath,
    max_bytes: u64,
    csrf: Option<&Viewer>,
) -> Result<Upload, PageError> {
    let mut up = Upload {
        fields: BTreeMap::new(),
        file: None,
    };
    let broken = |e: axum::extract::multipart::MultipartError| {
        PageError::bad(format!("The upload did not arrive whole ({e}); try again"))
    };
    while let Some(mut field) = mp.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or("").to_string();
        if name != "file" {
            let text = field.text().await.map_err(broken)?;
            if name == "csrf"
                && let Some(v) = csrf
            {
                v.check_csrf(&text)?;
            }
            up.fields.insert(name, text);
            continue;
        }
        if let Some(v) = csrf
            && !up.fields.contains_key("csrf")
        {
            v.check_csrf("")?;
        }
        let original = field.file_name().unwrap_or("").to_string();
        if original.is_empty() {
            return Err(PageError::bad("Choose the file of your return"));
        }
        let file_name = safe_name(&original)?;
        let (dir, path, mut out) = UploadDir::create(root, &file_name)
            .await
            .map_err(anyhow::Error::from)?;
        let mut total = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large(max_bytes)
            } else {
                broken(e)
            }
        })? {
            total += chunk.len() as u64;
            if total > max_bytes {
                return Err(too_large(max_bytes));
            }
            out.write_all(&chunk).await.map_err(anyhow::Error::from)?;
        }
        out.flush().await.map_err(anyhow::Error::from)?;
        up.file = Some((dir, path));
    }
    Ok(up)
}

fn too_large(max_bytes: u64) -> PageError {
    PageError::Status(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The file is larger than the limit of {} MB. Split the return, or ask the service administrator to raise the limit",
            max_bytes / (1024 * 1024)
        ),
    )
}

/// Check, store and record one uploaded return for `employer`, as `user` (the
/// service's return workflow); a stored return makes the cached cubes stale at once.
pub async fn submit_return(
    state: &AppState,
    user: &User,
    employer: &str,
    census_date: &str,
    path: PathBuf,
) -> Result<Submission, PageError> {
    let intake = returns::Intake {
        key_path: &state.config.key_path,
        max_mb: state.config.max_upload_mb,
        readers: &state.readers,
    };
    let (submission, stored) =
        returns::submit(&state.db, &intake, user, employer, census_date, path).await?;
    if stored {
        state.answers.forget();
    }
    Ok(submission)
}

#[derive(Template)]
#[template(path = "submit.html")]
struct SubmitPage {
    l: Layout,
    employers: Vec<String>,
    employer: String,
    day: String,
    month: String,
    year: String,
    max_mb: u64,
    submissions: Vec<Submission>,
    history: Vec<AuditEntry>,
    errors: Vec<(&'static str, String)>,
    /// Registered names of the user's employers, by id.
    names: std::collections::HashMap<String, String>,
}

impl SubmitPage {
    /// An employer as people know it: its registered name, or its id.
    fn name_of(&self, id: &str) -> String {
        self.names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

fn require_employer(v: &Viewer) -> Result<(), PageError> {
    Ok(policy::may_submit(&v.user)?)
}

/// The form, with what was typed in it (employer; census date's day, month and year) if
/// it had errors.
async fn submit_page(
    state: &AppState,
    v: &Viewer,
    typed: Option<(String, [String; 3])>,
    errors: Vec<(&'static str, String)>,
) -> PageResult {
    let mut submissions = Vec::new();
    let mut history = Vec::new();
    for e in &v.user.employers {
        submissions.extend(returns::submissions(&state.db, (&v.user).into(), e).await?);
        history.extend(returns::history(&state.db, (&v.user).into(), e).await?);
    }
    submissions.sort_by_key(|s| std::cmp::Reverse(s.id));
    let latest = returns::census_dates(&state.db).await?.last().map(|d| {
        use chrono::Datelike;
        [d.day(), d.month(), d.year() as u32].map(|n| n.to_string())
    });
    let (employer, [day, month, year]) =
        typed.unwrap_or((String::new(), latest.unwrap_or_default()));
    let names = returns::employer_names(&state.db, &v.user.employers).await?;
    html(&SubmitPage {
        names,
        l: Layout::new(state, v, "Submit a return", "/submit").erring(&errors),
        employers: v.user.employers.clone(),
        employer,
        day,
        month,
        year,
        max_mb: state.config.max_upload_mb,
        submissions,
        history,
        errors,
    })
}

pub async fn submit_form(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    require_employer(&v)?;
    submit_page(&state, &v, None, vec![]).await
}

pub async fn submit(State(state): State<Arc<AppState>>, v: Viewer, mp: Multipart) -> PageResult {
    let max = state.config.max_upload_mb * 1024 * 1024;
    let root = state.config.upload_root(state.db.location());
    let up = match receive(mp, &root, max, Some(&v)).await {
        Ok(up) => up,
        Err(PageError::Status(s, m))
            if s == StatusCode::BAD_REQUEST || s == StatusCode::PAYLOAD_TOO_LARGE =>
        {
            require_employer(&v)?;
            let mut res = submit_page(&state, &v, None, vec![("file", m)]).await?;
            *res.status_mut() = s;
            return Ok(res);
        }
        Err(e) => return Err(e),
    };
    require_employer(&v)?;
    let employer = up.fields.get("employer").cloned().unwrap_or_default();
    let field = |k: &str| {
        up.fields
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let parts = ["day", "month", "year"].map(|p| field(&format!("census_date-{p}")));
    // One field as YYYY-MM-DD too, for scripts that post the form.
    let date = match field("census_date") {
        d if !d.is_empty() => d,
        _ => format!("{}-{:0>2}-{:0>2}", parts[2], parts[1], parts[0]),
    };
    let mut errors = Vec::new();
    if let Some(problem) = date_problem(&parts, &date) {
        errors.push(("census_date", problem));
    }
    if up.file.is_none() {
        errors.push(("file", "Choose the file of your return".into()));
    }
    let (Some((_dir, path)), true) = (up.file, errors.is_empty()) else {
        return submit_page(&state, &v, Some((employer, parts)), errors).await;
    };
    let s = submit_return(&state, &v.user, &employer, &date, path).await?;
    Ok(Redirect::to(&format!("/submissions/{}", s.id)).into_response())
}

/// What is wrong with a census date typed as day, month and year (or whole, by a
/// script), as GOV.UK says it.
fn date_problem(parts: &[String; 3], date: &str) -> Option<String> {
    if parts.iter().all(String::is_empty) && date.len() >= 8 {
        return observatory_service::parse_date(date)
            .is_err()
            .then(|| "Census date must be a real date".into());
    }
    crate::pages::date_from_parts("Census date", parts, true).err()
}

/// A submission the user may read (employer users of its employer).
pub async fn readable_submission(
    state: &AppState,
    user: &User,
    id: i64,
) -> Result<Submission, PageError> {
    Ok(returns::submission(&state.db, user, id).await?)
}

pub struct Group {
    pub title: String,
    pub caption: String,
    pub problems: Vec<(String, String, String)>,
}

/// Where a problem is, as the employer knows the file: the member of an uploaded zip
/// ("workers.csv", not "upload.zip: workers.csv"), and a sheet only for workbooks.
fn file_and_sheet(p: &Problem) -> (&str, Option<&str>) {
    let file = p.file.rsplit(": ").next().unwrap_or(&p.file);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let sheet = p.sheet.as_deref().filter(|sh| *sh != file && *sh != stem);
    (file, sheet)
}

fn place_of(p: &Problem) -> String {
    match file_and_sheet(p) {
        (file, Some(sh)) => format!("{file}, sheet {sh}"),
        (file, None) => file.to_string(),
    }
}

/// Problems grouped by severity, then file/sheet and column, rows in order.
pub fn groups(report: &Report) -> Vec<Group> {
    let mut map: BTreeMap<(u8, String, String), Vec<&Problem>> = BTreeMap::new();
    for p in &report.problems {
        let sev = if p.severity == Severity::Error { 0 } else { 1 };
        let place = place_of(p);
        map.entry((sev, place, p.column.clone().unwrap_or_default()))
            .or_default()
            .push(p);
    }
    map.into_iter()
        .map(|((sev, place, column), mut ps)| {
            ps.sort_by_key(|p| p.row);
            let kind = if sev == 0 { "Errors" } else { "Warnings" };
            let title = if column.is_empty() {
                format!("{kind} in {place}")
            } else {
                format!("{kind} in column {column} of {place}")
            };
            let rows: Vec<String> = ps
                .iter()
                .filter_map(|p| p.row.map(|r| r.to_string()))
                .collect();
            Group {
                caption: if rows.is_empty() {
                    format!("{} problems", ps.len())
                } else {
                    format!("{} problems, rows {}", ps.len(), rows.join(", "))
                },
                title,
                problems: ps
                    .iter()
                    .map(|p| {
                        (
                            p.row.map(|r| r.to_string()).unwrap_or_else(|| "–".into()),
                            p.value.clone().unwrap_or_default(),
                            p.message.clone(),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "submission.html")]
struct SubmissionPage {
    l: Layout,
    s: Submission,
    /// An earlier submission stored these very records, so nothing new was stored.
    unchanged: bool,
    headline: String,
    groups: Vec<Group>,
    omitted: usize,
    /// What the stored return holds, when this submission stored one.
    stored: Option<AuditEntry>,
}

pub async fn submission(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult {
    let s = readable_submission(&state, &v.user, id).await?;
    let report = returns::report(&s);
    let headline = format!(
        "{} errors must be fixed before the return can be accepted. Nothing from this file was stored.",
        report.error_count()
    );
    let (unchanged, stored) = match s.return_id {
        Some(rid) => (
            returns::submissions(&state.db, (&v.user).into(), &s.employer_id)
                .await?
                .iter()
                .any(|o| o.id < s.id && o.return_id == Some(rid)),
            returns::history(&state.db, (&v.user).into(), &s.employer_id)
                .await?
                .into_iter()
                .find(|h| h.return_id == rid),
        ),
        None => (false, None),
    };
    html(&SubmissionPage {
        l: Layout::new(&state, &v, "Your return's report", "/submit"),
        unchanged,
        groups: groups(&report),
        omitted: report.omitted_errors,
        headline,
        stored,
        s,
    })
}

/// The report as CSV: one line per problem.
pub fn report_csv_bytes(report: &Report) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "severity", "file", "sheet", "row", "column", "value", "message",
    ])?;
    for p in &report.problems {
        let (file, sheet) = file_and_sheet(p);
        w.write_record(safe_record(&[
            if p.severity == Severity::Error {
                "error"
            } else {
                "warning"
            },
            file,
            sheet.unwrap_or(""),
            &p.row.map(|r| r.to_string()).unwrap_or_default(),
            p.column.as_deref().unwrap_or(""),
            p.value.as_deref().unwrap_or(""),
            &p.message,
        ]))?;
    }
    Ok(w.into_inner()?)
}

pub async fn report_csv(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let s = readable_submission(&state, &v.user, id).await?;
    let bytes = report_csv_bytes(&returns::report(&s))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"report-{}-{}.csv\"",
                    s.employer_id, s.id
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
