//! What every request shares: the store, the in-memory query cubes, the evidence
//! library and the settings.

use observatory_evidence::Library;
use observatory_service::CubeCache;
use observatory_store::Store;
use std::path::PathBuf;
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
    /// Failed sign-ins in a row before an account is locked for `lock_minutes`.
    pub lock_after: i64,
    pub lock_minutes: i64,
    /// How long a session lasts, in hours.
    pub session_hours: i64,
    /// Where the evidence library's search index lives (None: the environment variable
    /// `OBSERVATORY_EVIDENCE_INDEX`, else beside the database; see
    /// `observatory_evidence::default_index_dir`).
    pub evidence_index: Option<PathBuf>,
}

impl Config {
    pub fn new(key_path: PathBuf) -> Config {
        Config {
            key_path,
            threshold: observatory_analysis::DEFAULT_SUPPRESSION_THRESHOLD,
            max_upload_mb: 50,
            secure_cookies: true,
            lock_after: 5,
            lock_minutes: 15,
            session_hours: 12,
            evidence_index: std::env::var_os(observatory_evidence::INDEX_ENV).map(PathBuf::from),
        }
    }
}

pub struct AppState {
    pub store: Store,
    pub config: Config,
    pub cubes: CubeCache,
    /// The evidence library, opened (and its index brought up to date) on first use so
    /// starting the service stays quick.
    evidence: OnceCell<Library>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            config,
            cubes: CubeCache::default(),
            evidence: OnceCell::new(),
        }
    }

    /// The evidence library of this service's database.
    pub async fn library(&self) -> anyhow::Result<&Library> {
        self.evidence
            .get_or_try_init(|| {
                Library::open(self.store.clone(), self.config.evidence_index.clone())
            })
            .await
    }
}
