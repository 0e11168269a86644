//! What every request shares: the store, the in-memory query cubes and the settings.

use observatory_service::CubeCache;
use observatory_store::Store;
use std::path::PathBuf;

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
        }
    }
}

pub struct AppState {
    pub store: Store,
    pub config: Config,
    pub cubes: CubeCache,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            config,
            cubes: CubeCache::default(),
        }
    }
}
