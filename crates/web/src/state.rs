//! What every request shares: the store, the in-memory query cubes, the evidence
//! library and the settings.

use observatory_analysis::QueryResult;
use observatory_evidence::Library;
use observatory_service::CubeCache;
use observatory_store::Store;
use std::path::PathBuf;
use std::sync::Arc;
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
    pub answers: AnswerCache,
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
            answers: AnswerCache::default(),
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

/// Figures already answered from the current data. Everyone who may see a figure sees the
/// same one (the key holds the question, the dates and the threshold applied), a dashboard
/// asks about twenty-five, and the data changes only when a return is stored: a new data
/// generation empties the cache.
#[derive(Default)]
pub struct AnswerCache {
    inner: std::sync::Mutex<(String, std::collections::HashMap<String, Arc<QueryResult>>)>,
}

impl AnswerCache {
    /// Answers kept at most; past it the cache starts again (a bound on memory, not a
    /// policy: a server sees far fewer distinct questions between two imports).
    const MAX: usize = 4096;

    pub fn get(&self, generation: &str, key: &str) -> Option<Arc<QueryResult>> {
        let inner = self.inner.lock().expect("answer cache lock");
        (inner.0 == generation)
            .then(|| inner.1.get(key).cloned())
            .flatten()
    }

    pub fn put(&self, generation: &str, key: String, answer: Arc<QueryResult>) {
        let mut inner = self.inner.lock().expect("answer cache lock");
        if inner.0 != generation || inner.1.len() >= Self::MAX {
            inner.0 = generation.to_string();
            inner.1.clear();
        }
        inner.1.insert(key, answer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(measure: &str) -> Arc<QueryResult> {
        Arc::new(QueryResult {
            measure: measure.into(),
            kind: observatory_analysis::MeasureKind::Count,
            by: vec![],
            rows: vec![],
            series_breaks: vec![],
            population_profiles: vec![],
        })
    }

    #[test]
    fn answers_last_until_the_data_changes() {
        let cache = AnswerCache::default();
        cache.put("g1", "posts".into(), answer("posts"));
        assert_eq!(cache.get("g1", "posts").unwrap().measure, "posts");
        assert!(cache.get("g1", "fte").is_none());
        // A return stored since: the old answer is never served again.
        assert!(cache.get("g2", "posts").is_none());
        cache.put("g2", "fte".into(), answer("fte"));
        assert!(cache.get("g1", "posts").is_none());
        assert!(cache.get("g2", "posts").is_none());
        assert!(cache.get("g2", "fte").is_some());
    }
}
