//! The evidence library's pages: search and items ([`search`]), the gap map ([`gaps`]),
//! the research register ([`register`]), calls for evidence with their public form and
//! moderation ([`calls`]), feeds and citations ([`citations`]) and the JSON API
//! ([`api`]). Reading is open to everyone (evidence is for sharing); adding, importing,
//! registering, opening calls and moderating are for analysts and administrators.
//! The pages only call the service's evidence library (`observatory_service::library`),
//! which decides with the policy who may change what; this module holds what they share.

pub mod api;
pub mod calls;
pub mod citations;
pub mod gaps;
pub mod register;
pub mod search;

use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, Multipart};
use axum::http::StatusCode;
use axum::routing::{get, post};
use observatory_service::ServiceError;
use observatory_service::library::{MAX_FILE_BYTES, Tags, Vocabulary, taxonomy};
use observatory_service::policy::Actor;
use std::sync::Arc;

use crate::auth::Posted;
use crate::auth::Viewer;
use crate::error::PageError;
use crate::pages::Layout;
use crate::state::AppState;

pub use observatory_service::policy::may_curate;

/// The viewer, if they may curate the library; otherwise a plain refusal.
pub fn curator(v: Viewer) -> Result<Viewer, PageError> {
    observatory_service::policy::may_change_evidence(&Actor::from(&v.user))?;
    Ok(v)
}

/// A curator's posted form (its CSRF token checked by [`Posted`]).
pub fn curator_form(posted: Posted<Fields>) -> Result<(Viewer, Fields), PageError> {
    Ok((curator(posted.viewer)?, posted.form))
}

/// A curator's upload: the fields and the file (read within the size limit), the CSRF
/// token checked before anything is done with them.
pub async fn curator_upload(
    state: &AppState,
    v: Viewer,
    mp: axum::extract::Multipart,
) -> Result<(Viewer, Fields, Option<Upload>), PageError> {
    let v = curator(v)?;
    let (f, file) = read_multipart(mp, max_file_bytes(state)).await?;
    v.check_csrf(&f.get("csrf"))?;
    Ok((v, f, file))
}

/// The page frame for a page everyone can read.
pub fn layout(state: &AppState, v: &Option<Viewer>, title: &str) -> Layout {
    match v {
        Some(v) => Layout::new(state, v, title, "/evidence"),
        None => Layout::plain(title),
    }
}

/// A form's fields as sent, in order, keeping repeated names (checkboxes).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of a field, trimmed; empty if absent.
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }

    /// The value if given and not blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Lines of a text area, trimmed, blank ones left out (authors).
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    }

    /// A year field: None when blank, an error in words when not a year.
    pub fn year(&self, name: &str) -> Result<Option<i32>, String> {
        match self.opt(name) {
            None => Ok(None),
            Some(y) => y
                .parse()
                .map(Some)
                .map_err(|_| format!("the year '{y}' is not a year (write it as 2008)")),
        }
    }

    /// Tags from the checkboxes named after the tag facets.
    pub fn tags(&self, facets: &[&str]) -> Tags {
        let mut t = Tags::default();
        for f in facets {
            for v in self.all(f) {
                t.add(f, &v);
            }
        }
        t
    }
}

/// One checkbox or option of a facet, for the forms.
pub struct Choice {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

/// The choices of a vocabulary with those in `selected` marked.
pub fn choices(v: &Vocabulary, selected: &[String]) -> Vec<Choice> {
    v.terms
        .iter()
        .map(|t| Choice {
            code: t.code.clone(),
            label: t.label.clone(),
            selected: selected.iter().any(|s| s == &t.code),
        })
        .collect()
}

/// The choices of a facet by name (`theme`, `sector`, `outcome`, `type`, `strength`).
pub fn facet_choices(facet: &str, selected: &[String]) -> Vec<Choice> {
    taxonomy()
        .facet(facet)
        .map(|v| choices(v, selected))
        .unwrap_or_default()
}

/// A file sent with a form: its name and bytes.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The largest evidence file taken: the service's upload limit, and never more than the
/// evidence library itself accepts.
pub fn max_file_bytes(state: &AppState) -> usize {
    (state.config.max_upload_mb as usize * 1024 * 1024).min(MAX_FILE_BYTES)
}

fn too_large(max: usize) -> PageError {
    PageError::Status(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The file is larger than the limit of {} MB. Send a smaller file, or a link to it instead",
            max / (1024 * 1024)
        ),
    )
}

/// Read a multipart form: its text fields, and the `file` field (if a file was chosen)
/// held in memory up to `max` bytes; a bigger file is refused while it arrives.
pub async fn read_multipart(
    mut mp: Multipart,
    max: usize,
) -> Result<(Fields, Option<Upload>), PageError> {
    let broken = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(max)
        } else {
            PageError::bad(format!("The form did not arrive whole ({e}); try again"))
        }
    };
    let mut fields = Fields::default();
    let mut file = None;
    while let Some(mut field) = mp.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or("").to_string();
        if name != "file" {
            fields.0.push((name, field.text().await.map_err(broken)?));
            continue;
        }
        let file_name = field.file_name().unwrap_or("").trim().to_string();
        let mut bytes = Vec::new();
        let mut over = false;
        while let Some(chunk) = field.chunk().await.map_err(broken)? {
            // Past the limit nothing more is kept, but the rest (bounded by the route's
            // body limit) is read so the sender gets the answer, not a broken connection.
            over |= bytes.len() + chunk.len() > max;
            if !over {
                bytes.extend_from_slice(&chunk);
            }
        }
        if over {
            return Err(too_large(max));
        }
        // A form sent with no file chosen has an empty, nameless file part.
        if !file_name.is_empty() || !bytes.is_empty() {
            let name = file_name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("")
                .to_string();
            file = Some(Upload { name, bytes });
        }
    }
    Ok((fields, file))
}

/// The evidence library's problems for the error summary, each with the form field it
/// is in: `fields` are the form's field ids, and a problem in none of them goes to
/// `first`, so every message links to a field.
pub fn problems(
    e: &ServiceError,
    fields: &[&'static str],
    first: &'static str,
) -> Vec<(&'static str, String)> {
    if let ServiceError::Fields { problems, .. } = e {
        return problems
            .iter()
            .map(|(f, m)| {
                (
                    fields.iter().find(|k| *k == f).copied().unwrap_or(first),
                    m.clone(),
                )
            })
            .collect();
    }
    e.to_string()
        .lines()
        .map(|l| l.trim().trim_start_matches("- ").to_string())
        .filter(|l| !l.is_empty())
        .map(|l| (first, l))
        .collect()
}

/// The viewer as the evidence library's reader (None: signed out).
pub fn reader(v: &Option<Viewer>) -> Option<Actor<'_>> {
    v.as_ref().map(|v| Actor::from(&v.user))
}

/// Tantivy's highlighted HTML, made safe to show: only the highlight marks stay markup,
/// anything else that looks like a tag is escaped (the evidence crate escapes already;
/// this makes sure a change there cannot open a hole here).
pub fn safe_highlight(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 16);
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("<b>") {
            out.push_str("<mark>");
            rest = r;
        } else if let Some(r) = rest.strip_prefix("</b>") {
            out.push_str("</mark>");
            rest = r;
        } else {
            let c = rest.chars().next().expect("not empty");
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The evidence pages, with the body limit their file uploads need.
pub fn routes(state: &AppState) -> axum::Router<Arc<AppState>> {
    let upload = DefaultBodyLimit::max(max_file_bytes(state) + 1024 * 1024);
    axum::Router::new()
        .route("/evidence", get(search::page))
        .route(
            "/evidence/items/new",
            get(search::add_form).post(search::add).layer(upload),
        )
        .route("/evidence/items/{id}", get(search::item))
        .route("/evidence/attachments/{id}", get(search::attachment))
        .route("/evidence/gaps", get(gaps::page))
        .route("/evidence/gaps.csv", get(gaps::csv))
        .route(
            "/evidence/register",
            get(register::page).post(register::add),
        )
        .route("/evidence/calls", get(calls::list).post(calls::open))
        .route("/evidence/calls/{id}", get(calls::page))
        .route(
            "/evidence/calls/{id}/submit",
            post(calls::submit).layer(upload),
        )
        .route("/evidence/moderation", get(calls::queue))
        .route("/evidence/moderation/{id}", post(calls::moderate))
        .route(
            "/evidence/moderation/{id}/file",
            get(calls::submission_file),
        )
        .route("/evidence/feed.atom", get(citations::feed))
        .route("/evidence/export.ris", get(citations::export_ris))
        .route("/evidence/export.bib", get(citations::export_bibtex))
        .route(
            "/evidence/import",
            get(citations::import_form)
                .post(citations::import)
                .layer(upload),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_stay_and_everything_else_is_escaped() {
        assert_eq!(
            safe_highlight("the <b>support</b> staff &amp; <script>x</script>"),
            "the <mark>support</mark> staff &amp; &lt;script&gt;x&lt;/script&gt;"
        );
        assert_eq!(safe_highlight("<b onclick=x>"), "&lt;b onclick=x&gt;");
    }

    #[test]
    fn form_fields_are_read_as_sent() {
        let f = Fields(vec![
            ("theme".into(), "a".into()),
            ("theme".into(), " b ".into()),
            ("authors".into(), "X\n\n Y \n".into()),
            ("year".into(), "20x8".into()),
        ]);
        assert_eq!(f.all("theme"), ["a", "b"]);
        assert_eq!(f.lines("authors"), ["X", "Y"]);
        assert!(f.year("year").is_err());
        assert_eq!(f.year("none"), Ok(None));
        assert_eq!(f.opt("none"), None);
    }
}
