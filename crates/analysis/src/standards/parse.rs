//! Reading standards from TOML: the text is first read into loose tables (so a missing
//! or misspelt key gets a sentence of our own, not a serde message), then every value
//! is checked against the code lists, and every problem is reported at once, naming the
//! standard, the key, the value and what is allowed.

use std::path::Path;

use observatory_domain::{CodeList, codes};
use serde::{Deserialize, Serialize};
use toml::Value;

use super::{Amount, Condition, SettingScope, StaffScope, Standard, Unit};
use crate::dims::closest;

/// A checked set of standards, as read from one TOML file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standards {
    list: Vec<Standard>,
}

/// Why a standards file could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StandardsError {
    /// The file could not be read at all.
    #[error("{message}")]
    Read {
        /// The file.
        path: String,
        /// What the system said.
        message: String,
    },
    /// The text is not valid TOML, or a key holds the wrong kind of value.
    #[error("{origin} is not a valid standards file: {message}")]
    Syntax {
        /// The file (or other origin) of the text.
        origin: String,
        /// The TOML reader's message, with line and column.
        message: String,
    },
    /// The TOML is well formed but some standards are wrong; every problem is listed.
    #[error("{origin} has {} problem{}:\n{}", .problems.len(), if .problems.len() == 1 { "" } else { "s" }, .problems.iter().map(|p| format!("- {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file (or other origin) of the text.
        origin: String,
        /// One sentence per problem.
        problems: Vec<String>,
    },
}

/// Largest standards file read (the shipped one is a few KB).
pub const MAX_STANDARDS_BYTES: usize = 1024 * 1024;

impl Standards {
    /// Reads standards from TOML text; `origin` names it in messages (a file name).
    pub fn from_toml(text: &str, origin: &str) -> Result<Standards, StandardsError> {
        if text.len() > MAX_STANDARDS_BYTES {
            return Err(StandardsError::Syntax {
                origin: origin.to_string(),
                message: format!(
                    "the file is {} KB; a standards file may be at most {} KB",
                    text.len().div_ceil(1024),
                    MAX_STANDARDS_BYTES / 1024
                ),
            });
        }
        let raw: RawFile = toml::from_str(text).map_err(|e| StandardsError::Syntax {
            origin: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let mut problems = Vec::new();
        if raw.standard.is_empty() {
            problems.push(
                "it declares no standard; each one starts with a [[standard]] line".to_string(),
            );
        }
        let mut list: Vec<Standard> = Vec::new();
        for (i, r) in raw.standard.iter().enumerate() {
            let mut p = Problems {
                name: standard_name(i, r.id.as_deref()),
                list: Vec::new(),
            };
            let standard = read_standard(r, &mut p);
            if let Some(s) = &standard
                && list.iter().any(|o| o.id == s.id)
            {
                p.push(
                    "id",
                    format!(
                        "'{}' is used by an earlier standard; ids must be unique",
                        s.id
                    ),
                );
            }
            problems.append(&mut p.list);
            list.extend(standard);
        }
        if problems.is_empty() {
            Ok(Standards { list })
        } else {
            Err(StandardsError::Invalid {
                origin: origin.to_string(),
                problems,
            })
        }
    }

    /// Reads standards from a TOML file.
    pub fn from_file(path: &Path) -> Result<Standards, StandardsError> {
        let text = observatory_domain::input::read_text_within(
            path,
            MAX_STANDARDS_BYTES,
            "the standards file",
        )
        .map_err(|message| StandardsError::Read {
            path: path.display().to_string(),
            message,
        })?;
        Standards::from_toml(&text, &path.display().to_string())
    }

    /// The standards shipped with the observatory ([`super::EARLY_YEARS_TOML`]).
    pub fn early_years() -> Standards {
        Standards::from_toml(super::EARLY_YEARS_TOML, "data/standards/early_years.toml")
            .expect("the shipped standards file is valid")
    }

    /// The standards in file order.
    pub fn list(&self) -> &[Standard] {
        &self.list
    }
}

/// The file: `[[standard]]` tables and nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    standard: Vec<RawStandard>,
}

/// One standard as written, every key optional so its absence gets our own sentence.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStandard {
    id: Option<String>,
    title: Option<String>,
    source: Option<String>,
    unit: Option<String>,
    settings: Option<RawSettings>,
    staff: Option<RawStaff>,
    staff_settings: Option<RawSettings>,
    condition: Option<RawCondition>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    #[serde(default)]
    setting_type: Vec<Value>,
    #[serde(default)]
    employing_sector: Vec<Value>,
    #[serde(default)]
    provision: Vec<Value>,
    #[serde(default)]
    area: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStaff {
    #[serde(default)]
    role: Vec<Value>,
    #[serde(default)]
    sector: Vec<Value>,
    #[serde(default)]
    career_level: Vec<Value>,
    #[serde(default)]
    contract: Vec<Value>,
    qualification_at_least: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    kind: Option<String>,
    measure: Option<String>,
    at_least: Option<f64>,
    level: Option<Value>,
    per_settings: Option<i64>,
}

/// "standard 'x'" when it has an id, else "the 3rd [[standard]]".
fn standard_name(i: usize, id: Option<&str>) -> String {
    match id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => format!("standard '{id}'"),
        None => {
            let n = i + 1;
            let suffix = match (n % 10, n % 100) {
                (1, x) if x != 11 => "st",
                (2, x) if x != 12 => "nd",
                (3, x) if x != 13 => "rd",
                _ => "th",
            };
            format!("the {n}{suffix} [[standard]]")
        }
    }
}

/// The problems of one standard, each prefixed with its name and key.
struct Problems {
    name: String,
    list: Vec<String>,
}

impl Problems {
    fn push(&mut self, key: &str, what: String) {
        self.list.push(format!("{}: {key}: {what}", self.name));
    }
}

/// A value where a code is expected: text, or a whole number (career levels and
/// qualification levels read naturally as numbers).
fn code_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Integer(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A value as the file wrote it, for messages.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        Value::Integer(n) => n.to_string(),
        Value::Float(x) => x.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => format!("the date {d}"),
        Value::Array(_) => "a list".to_string(),
        Value::Table(_) => "a table".to_string(),
    }
}

/// Checks one code against a list; gives back the list's own spelling.
fn check_code(
    list: &CodeList,
    what: &str,
    key: &str,
    v: &Value,
    p: &mut Problems,
) -> Option<String> {
    let Some(text) = code_text(v) else {
        p.push(
            key,
            format!(
                "{} is not a code; write it in quotes, e.g. \"{}\"",
                show(v),
                list.code(0)
            ),
        );
        return None;
    };
    match list.find(&text) {
        Some(i) => Some(list.code(i).to_string()),
        None => {
            let hint = match closest(&text, list.codes()) {
                Some(c) => format!("did you mean '{c}'?"),
                None => format!("allowed: {}", list.allowed()),
            };
            p.push(key, format!("'{text}' is not {what}; {hint}"));
            None
        }
    }
}

fn check_codes(
    list: &CodeList,
    what: &str,
    key: &str,
    vs: &[Value],
    p: &mut Problems,
) -> Vec<String> {
    vs.iter()
        .filter_map(|v| check_code(list, what, key, v, p))
        .collect()
}

/// GSS codes: a capital letter and eight digits (`E06000056`).
fn check_areas(key: &str, vs: &[Value], p: &mut Problems) -> Vec<String> {
    let mut out = Vec::new();
    for v in vs {
        match code_text(v) {
            Some(a)
                if a.len() == 9
                    && a.as_bytes()[0].is_ascii_alphabetic()
                    && a.as_bytes()[1..].iter().all(u8::is_ascii_digit) =>
            {
                out.push(a.to_ascii_uppercase())
            }
            _ => p.push(
                key,
                format!("{} is not an area code; give the GSS code, a letter and eight digits such as \"E06000056\"", show(v)),
            ),
        }
    }
    out
}

fn read_settings(key: &str, r: &RawSettings, p: &mut Problems) -> SettingScope {
    let c = codes();
    SettingScope {
        setting_type: check_codes(
            &c.setting_types,
            "a setting type",
            &format!("{key}.setting_type"),
            &r.setting_type,
            p,
        ),
        employing_sector: check_codes(
            &c.employing_sector,
            "an employing sector",
            &format!("{key}.employing_sector"),
            &r.employing_sector,
            p,
        ),
        provision: check_codes(
            &c.provision,
            "a provision",
            &format!("{key}.provision"),
            &r.provision,
            p,
        ),
        area: check_areas(&format!("{key}.area"), &r.area, p),
    }
}

fn read_staff(r: &RawStaff, p: &mut Problems) -> StaffScope {
    let c = codes();
    StaffScope {
        role: check_codes(&c.roles, "a role code", "staff.role", &r.role, p),
        sector: check_codes(
            &c.sectors,
            "a workforce sector",
            "staff.sector",
            &r.sector,
            p,
        ),
        career_level: check_codes(
            &c.career_levels,
            "a career level",
            "staff.career_level",
            &r.career_level,
            p,
        ),
        contract: check_codes(&c.contract, "a contract", "staff.contract", &r.contract, p),
        qualification_at_least: r.qualification_at_least.as_ref().and_then(|v| {
            check_code(
                &c.qualification_level,
                "a qualification level",
                "staff.qualification_at_least",
                v,
                p,
            )
        }),
    }
}

/// One of a few fixed words, with a did-you-mean.
fn choice<T: Copy>(key: &str, given: &str, options: &[(&str, T)], p: &mut Problems) -> Option<T> {
    let g = given.trim().to_ascii_lowercase();
    if let Some((_, t)) = options.iter().find(|(name, _)| *name == g) {
        return Some(*t);
    }
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let hint = match closest(given, names.iter().copied()) {
        Some(c) => format!("did you mean '{c}'?"),
        None => format!("allowed: {}", names.join(", ")),
    };
    p.push(key, format!("'{}' is not allowed; {hint}", given.trim()));
    None
}

const UNITS: [(&str, Unit); 2] = [("setting", Unit::Setting), ("area", Unit::Area)];
const AMOUNTS: [(&str, Amount); 2] = [("people", Amount::People), ("fte", Amount::Fte)];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    QualifiedShare,
    StaffCount,
    StaffPerSettings,
}

const KINDS: [(&str, Kind); 3] = [
    ("qualified_share", Kind::QualifiedShare),
    ("staff_count", Kind::StaffCount),
    ("staff_per_settings", Kind::StaffPerSettings),
];

fn read_condition(r: &RawCondition, unit: Option<Unit>, p: &mut Problems) -> Option<Condition> {
    let Some(kind_text) = &r.kind else {
        p.push(
            "condition.kind",
            "is missing; allowed: qualified_share, staff_count, staff_per_settings".into(),
        );
        return None;
    };
    let kind = choice("condition.kind", kind_text, &KINDS, p)?;
    let kind_name = kind_text.trim();
    let measure = match &r.measure {
        Some(m) => choice("condition.measure", m, &AMOUNTS, p),
        None if kind == Kind::StaffPerSettings => Some(Amount::Fte),
        None => Some(Amount::People),
    };
    let at_least = match r.at_least {
        None => {
            p.push(
                "condition.at_least",
                "is missing; it is the threshold a unit must reach".into(),
            );
            None
        }
        Some(x) if !x.is_finite() || x <= 0.0 => {
            p.push(
                "condition.at_least",
                format!("{x} must be a number above 0"),
            );
            None
        }
        Some(x) if kind == Kind::QualifiedShare && x > 1.0 => {
            let hint = if x <= 100.0 {
                format!("; for {x} % write {}", x / 100.0)
            } else {
                String::new()
            };
            p.push(
                "condition.at_least",
                format!("{x} is not a share; a share is a fraction from 0 to 1 (0.5 = half){hint}"),
            );
            None
        }
        Some(x) => Some(x),
    };
    let level = match (&r.level, kind) {
        (Some(v), Kind::QualifiedShare) => check_code(
            &codes().qualification_level,
            "a qualification level",
            "condition.level",
            v,
            p,
        ),
        (None, Kind::QualifiedShare) => {
            p.push(
                "condition.level",
                format!(
                    "is missing; qualified_share needs the qualification level, {}",
                    codes().qualification_level.allowed()
                ),
            );
            None
        }
        (Some(_), _) => {
            p.push("condition.level", format!("does not apply to {kind_name}; only qualified_share has a level (use staff.qualification_at_least to count only qualified staff)"));
            None
        }
        (None, _) => None,
    };
    let per_settings = match (r.per_settings, kind) {
        (Some(n), Kind::StaffPerSettings) if n >= 1 && n <= u32::MAX as i64 => Some(n as u32),
        (Some(n), Kind::StaffPerSettings) => {
            p.push(
                "condition.per_settings",
                format!("{n} must be a whole number of settings, 1 or more"),
            );
            None
        }
        (None, Kind::StaffPerSettings) => {
            p.push(
                "condition.per_settings",
                "is missing; staff_per_settings needs how many settings at_least is for (e.g. 10)"
                    .into(),
            );
            None
        }
        (Some(_), _) => {
            p.push(
                "condition.per_settings",
                format!(
                    "does not apply to {kind_name}; only staff_per_settings counts per settings"
                ),
            );
            None
        }
        (None, _) => None,
    };
    if kind == Kind::StaffPerSettings && unit == Some(Unit::Setting) {
        p.push("unit", "staff_per_settings compares staff with the number of settings in an area, so the unit must be area".into());
        return None;
    }
    let (measure, at_least) = (measure?, at_least?);
    Some(match kind {
        Kind::QualifiedShare => Condition::QualifiedShare {
            level: level?,
            at_least,
            measure,
        },
        Kind::StaffCount => Condition::StaffCount { at_least, measure },
        Kind::StaffPerSettings => Condition::StaffPerSettings {
            at_least,
            per_settings: per_settings?,
            measure,
        },
    })
}

/// Checks one standard; `None` when anything is wrong (the problems say what).
fn read_standard(r: &RawStandard, p: &mut Problems) -> Option<Standard> {
    let id = match r.id.as_deref().map(str::trim) {
        Some(id)
            if !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
        {
            Some(id.to_string())
        }
        Some(id) if !id.is_empty() => {
            p.push(
                "id",
                format!("'{id}' may hold only letters, digits, '_' and '-'"),
            );
            None
        }
        _ => {
            p.push("id", "is missing; give each standard a short unique id such as \"daycare_supervisors_l3\"".into());
            None
        }
    };
    let title = match r.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => Some(t.to_string()),
        _ => {
            p.push(
                "title",
                "is missing; say in words what the standard requires".into(),
            );
            None
        }
    };
    let unit = match &r.unit {
        Some(u) => choice("unit", u, &UNITS, p),
        None => {
            p.push("unit", "is missing; allowed: setting, area".into());
            None
        }
    };
    let before = p.list.len();
    let settings = read_settings(
        "settings",
        r.settings.as_ref().unwrap_or(&RawSettings::default()),
        p,
    );
    let staff = read_staff(r.staff.as_ref().unwrap_or(&RawStaff::default()), p);
    let staff_settings = r
        .staff_settings
        .as_ref()
        .map(|s| read_settings("staff_settings", s, p));
    if staff_settings.is_some() && unit == Some(Unit::Setting) {
        p.push("staff_settings", "applies only to standards with unit = \"area\"; a setting's standard counts that setting's own staff".into());
    }
    let condition = match &r.condition {
        Some(c) => read_condition(c, unit, p),
        None => {
            p.push("condition", "is missing; add a [standard.condition] table with kind, at_least and what the kind needs".into());
            None
        }
    };
    if p.list.len() > before {
        return None;
    }
    Some(Standard {
        id: id?,
        title: title?,
        source: r
            .source
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        unit: unit?,
        settings,
        staff,
        staff_settings,
        condition: condition?,
    })
}
