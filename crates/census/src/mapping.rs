//! Mapping profiles: an employer's own column names and codes (from its HR export)
//! translated to the standard ones, saved once and reused on every return.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A saved translation. Stored as JSON:
/// `{"columns": {"Staff No": "worker_ref"}, "codes": {"contract": {"Perm": "permanent"}}}`.
/// Column names and codes on the left are matched after trimming and case folding.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MappingProfile {
    #[serde(default)]
    pub columns: HashMap<String, String>,
    #[serde(default)]
    pub codes: HashMap<String, HashMap<String, String>>,
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Largest mapping profile read (a real one, every column and code renamed, is a few KB).
pub const MAX_PROFILE_BYTES: usize = 1024 * 1024;

impl MappingProfile {
    pub fn from_json(text: &str) -> Result<Self, String> {
        if text.len() > MAX_PROFILE_BYTES {
            return Err(format!(
                "the mapping profile is {} KB; a profile may be at most {} KB",
                text.len().div_ceil(1024),
                MAX_PROFILE_BYTES / 1024
            ));
        }
        let p: MappingProfile = serde_json::from_str(text).map_err(|e| {
            format!("the mapping profile is not valid JSON of the expected shape: {e}")
        })?;
        Ok(p.folded())
    }

    fn folded(self) -> Self {
        MappingProfile {
            columns: self
                .columns
                .into_iter()
                .map(|(k, v)| (fold(&k), fold(&v)))
                .collect(),
            codes: self
                .codes
                .into_iter()
                .map(|(col, m)| {
                    (
                        fold(&col),
                        m.into_iter().map(|(k, v)| (fold(&k), v)).collect(),
                    )
                })
                .collect(),
        }
    }

    /// The standard column a header means under this profile (already folded).
    pub fn column<'a>(&'a self, folded_header: &'a str) -> &'a str {
        self.columns
            .get(folded_header)
            .map(String::as_str)
            .unwrap_or(folded_header)
    }

    /// The standard code for an employer's own code in a standard column.
    pub fn code<'a>(&'a self, column: &str, value: &'a str) -> &'a str {
        self.codes
            .get(column)
            .and_then(|m| m.get(&fold(value)))
            .map(String::as_str)
            .unwrap_or(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_columns_and_codes_case_insensitively() {
        let p = MappingProfile::from_json(
            r#"{"columns": {"Staff No": "worker_ref"}, "codes": {"Contract": {"Perm": "permanent"}}}"#,
        )
        .unwrap();
        assert_eq!(p.column("staff no"), "worker_ref");
        assert_eq!(p.column("fte"), "fte");
        assert_eq!(p.code("contract", " PERM "), "permanent");
        assert_eq!(p.code("contract", "agency"), "agency");
        assert!(MappingProfile::from_json("[1,2]").is_err());
    }
}
