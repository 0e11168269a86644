//! The installation's secret key for hashing person identifiers. It lives outside the
//! database (a file readable only by its owner, or an environment variable), so a copy
//! of the database alone cannot be used to test guesses of National Insurance numbers.

use anyhow::{Context, Result, bail};
use rand::RngExt;
use std::path::Path;

/// Environment variable that may hold the key as hex instead of a file.
pub const KEY_ENV: &str = "OBSERVATORY_PERSON_KEY";

fn from_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len() < 32 || !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// Create a new random 256-bit key file with 0600 permissions, unless one exists.
pub fn create(path: &Path) -> Result<bool> {
    if std::env::var(KEY_ENV).is_ok() || path.exists() {
        return Ok(false);
    }
    let key: [u8; 32] = rand::rng().random();
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create the key file {}", path.display()))?;
    writeln!(f, "{hex}")?;
    Ok(true)
}

/// The key, from the environment variable or the key file.
pub fn load(path: &Path) -> Result<Vec<u8>> {
    if let Ok(v) = std::env::var(KEY_ENV) {
        return from_hex(&v)
            .with_context(|| format!("{KEY_ENV} must hold at least 16 bytes as hex"));
    }
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the person-identifier key {}; it is made by `observatory init` (or set {KEY_ENV})",
            path.display()
        )
    })?;
    match from_hex(&text) {
        Some(k) => Ok(k),
        None => bail!(
            "the key file {} is damaged: it must hold hex",
            path.display()
        ),
    }
}

impl crate::Store {
    /// The secret the cell key method makes record keys with (docs/disclosure.md): made
    /// at random on first use and kept in the database, so every process answering from
    /// it perturbs the same records the same way. Unlike the person-identifier key it
    /// guards no guessable value, only the perturbations, so the database may hold it.
    pub async fn disclosure_secret(&self) -> Result<Vec<u8>> {
        let fresh: [u8; 32] = rand::rng().random();
        let hex: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
        let stored: String = crate::on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO disclosure_key (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&hex)
            .execute(p)
            .await?;
            sqlx::query_scalar("SELECT secret FROM disclosure_key WHERE id = 1")
                .fetch_one(p)
                .await?
        });
        from_hex(&stored).context("the stored disclosure key is damaged")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.key");
        assert!(create(&p).unwrap());
        assert!(!create(&p).unwrap(), "an existing key is never overwritten");
        let k = load(&p).unwrap();
        assert_eq!(k.len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
