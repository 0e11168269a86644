//! What every request shares: the store, the in-memory query cubes, the evidence
//! library and the settings.

use observatory_service::accounts::SignInPolicy;
use observatory_service::library::Library;
use observatory_service::{Answers, Database, Location};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use tokio::sync::OnceCell;

/// Settings of a running service.
#[derive(Debug, Clone)]
pub struct Config {
    /// The installation's secret key for person identifiers (needed to read returns).
    pub key_path: PathBuf,
    /// Disclosure threshold for figures across organisations (never below 3).
    pub threshold: u64,
    /// Largest upload accepted, in megabytes.
    pub max_upload_mb: u64,
    /// Mark cookies Secure (browsers still send them to 127.0.0.1 and localhost).
    pub secure_cookies: bool,
    /// How sign-in attempts are counted, locked and slowed (see [`SignInPolicy`]).
    pub sign_in: SignInPolicy,
    /// A header set by a trusted reverse proxy with the client's address (e.g.
    /// `X-Forwarded-For`; its last address is taken). None: the connection's peer, and
    /// no header is believed.
    pub client_ip_header: Option<String>,
    /// Where people reach this service, e.g. `https://observatory.example.org` (no
    /// trailing slash): the base of every absolute link it hands out (invitations, feeds),
    /// never the request's Host header.
    pub public_url: String,
    /// Where uploaded returns are kept while they are checked (None: beside the SQLite
    /// database, `<db>.uploads`, or beside the key file for PostgreSQL; see
    /// [`Config::upload_root`]).
    pub upload_dir: Option<PathBuf>,
    /// How long a session lasts, in hours.
    pub session_hours: i64,
    /// Where the evidence library's search index lives (None: the environment variable
    /// `OBSERVATORY_EVIDENCE_INDEX`, else beside the database; see
    /// `observatory_service::library::default_index_dir`).
    pub evidence_index: Option<PathBuf>,
}

/// A public base URL made tidy: http or https, a host, no query or fragment, no
/// trailing slash.
pub fn public_url(url: &str) -> anyhow::Result<String> {
    let u = url.trim().trim_end_matches('/');
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .ok_or_else(|| {
            anyhow::anyhow!("the public URL {url:?} must start with http:// or https://")
        })?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || rest.contains(['?', '#', '@'])
        || rest.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        anyhow::bail!(
            "the public URL {url:?} must be like https://observatory.example.org (a host and maybe a path; no query, fragment or user name)"
        );
    }
    Ok(u.to_string())
}

impl Config {
    pub fn new(key_path: PathBuf) -> Config {
        Config {
            key_path,
            threshold: observatory_domain::DEFAULT_SUPPRESSION_THRESHOLD,
            max_upload_mb: 50,
            secure_cookies: true,
            sign_in: SignInPolicy::default(),
            client_ip_header: None,
            public_url: "http://127.0.0.1:8080".into(),
            upload_dir: None,
            session_hours: 12,
            evidence_index: std::env::var_os(observatory_service::library::INDEX_ENV)
                .map(PathBuf::from),
        }
    }

    /// The folder of uploads in progress: `upload_dir`, else beside the SQLite database
    /// (`<db>.uploads`), else (PostgreSQL) `uploads` beside the key file: always a
    /// place of the service's own, never the shared temporary folder.
    pub fn upload_root(&self, location: &Location) -> PathBuf {
        if let Some(d) = &self.upload_dir {
            return d.clone();
        }
        match location {
            Location::Sqlite(p) => {
                let mut s = p.clone().into_os_string();
                s.push(".uploads");
                PathBuf::from(s)
            }
            Location::Postgres(_) => self
                .key_path
                .parent()
                .unwrap_or(std::path::Path::new("."))
                .join("observatory-uploads"),
        }
    }
}

/// How many uploaded returns are read and checked at the same time.
pub const READERS_AT_ONCE: usize = 2;

pub struct AppState {
    /// The database, reached only through service operations.
    pub db: Database,
    pub config: Config,
    /// Every figure shown is answered here (the service's one answer path).
    pub answers: Answers,
    /// Passwords checked at sign-in so far (real or dummy): a figure for monitoring, and
    /// how the tests see that a locked attempt never reaches the check.
    pub sign_in_checks: AtomicU64,
    /// Returns read and checked at once: each may use up to the readers' limits of
    /// memory (docs/security.md), so uploads beyond this wait their turn instead of
    /// multiplying it.
    pub readers: tokio::sync::Semaphore,
    /// The evidence library, opened (and its index brought up to date) on first use so
    /// starting the service stays quick.
    evidence: OnceCell<Library>,
}

impl AppState {
    pub fn new(db: Database, config: Config) -> AppState {
        AppState {
            answers: Answers::new(config.threshold),
            db,
            config,
            sign_in_checks: AtomicU64::new(0),
            readers: tokio::sync::Semaphore::new(READERS_AT_ONCE),
            evidence: OnceCell::new(),
        }
    }

    /// The evidence library of this service's database.
    pub async fn library(&self) -> anyhow::Result<&Library> {
        self.evidence
            .get_or_try_init(|| Library::open(&self.db, self.config.evidence_index.clone()))
            .await
    }
}
