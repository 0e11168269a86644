//! The one error type of service operations: what went wrong in terms an interface can
//! map to its own form (an HTTP status, an exit code) without reading messages.

use crate::policy::Denied;

/// Why a service operation did not do what was asked.
#[derive(Debug)]
pub enum ServiceError {
    /// The question or input is wrong; the message says how, in the asker's words.
    Invalid(String),
    /// The input is wrong in these fields: what was checked, and each problem with the
    /// form field it is in ("" for the record as a whole), so a form can put each message
    /// beside its field. Interfaces without fields show it as [`ServiceError::Invalid`].
    Fields {
        what: String,
        problems: Vec<(&'static str, String)>,
    },
    /// The actor may not do this; the message says why.
    Denied(String),
    /// What was asked for does not exist.
    NotFound(String),
    /// It exists but cannot change now (an approved return).
    Locked(String),
    /// The service itself failed: log it, show people a reference, never its text.
    Internal(anyhow::Error),
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceError::Invalid(m)
            | ServiceError::Denied(m)
            | ServiceError::NotFound(m)
            | ServiceError::Locked(m) => f.write_str(m),
            ServiceError::Internal(e) => write!(f, "{e:#}"),
            ServiceError::Fields { what, problems } if problems.len() == 1 => {
                write!(f, "{what}: {}", problems[0].1)
            }
            ServiceError::Fields { what, problems } => {
                write!(f, "{what} has {} problems:", problems.len())?;
                for (_, p) in problems {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ServiceError {}

impl From<Denied> for ServiceError {
    fn from(d: Denied) -> Self {
        ServiceError::Denied(d.0)
    }
}

impl From<anyhow::Error> for ServiceError {
    fn from(e: anyhow::Error) -> Self {
        ServiceError::Internal(e)
    }
}

impl ServiceError {
    /// An invalid-input error from anything that displays (a parse error, say).
    pub fn invalid(e: impl std::fmt::Display) -> Self {
        ServiceError::Invalid(e.to_string())
    }
}
