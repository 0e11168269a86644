//! Breakdowns (dimensions): their names, which records carry them, and the code texts
//! their values show as. Kept apart from the cube so that the rules "which measure can be
//! broken down by what" live in one place.

use std::sync::OnceLock;

use observatory_domain::codes;
use observatory_domain::rules::{AGE_BANDS, WORKING_PATTERNS};

/// The text every unknown or unmapped value shows as.
pub(crate) const NOT_KNOWN: &str = "not_known";

/// One breakdown of the measures (spec "Breakdowns"), plus the leaver-only `reason` and
/// `destination`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Dim {
    Area,
    Sector,
    Role,
    CareerLevel,
    Leader,
    EmployingSector,
    Provision,
    MultiAgency,
    SettingType,
    Setting,
    Employer,
    Contract,
    WorkingPattern,
    Gender,
    Ethnicity,
    EthnicGroup,
    Disability,
    AgeBand,
    QualificationLevel,
    QualificationStatus,
    CensusDate,
    Reason,
    Destination,
}

/// Every breakdown with its name, in the order the spec lists them.
pub(crate) const DIMS: [(Dim, &str); 23] = [
    (Dim::Area, "area"),
    (Dim::Sector, "sector"),
    (Dim::Role, "role"),
    (Dim::CareerLevel, "career_level"),
    (Dim::Leader, "leader"),
    (Dim::EmployingSector, "employing_sector"),
    (Dim::Provision, "provision"),
    (Dim::MultiAgency, "multi_agency"),
    (Dim::SettingType, "setting_type"),
    (Dim::Setting, "setting"),
    (Dim::Employer, "employer"),
    (Dim::Contract, "contract"),
    (Dim::WorkingPattern, "working_pattern"),
    (Dim::Gender, "gender"),
    (Dim::Ethnicity, "ethnicity"),
    (Dim::EthnicGroup, "ethnic_group"),
    (Dim::Disability, "disability"),
    (Dim::AgeBand, "age_band"),
    (Dim::QualificationLevel, "qualification_level"),
    (Dim::QualificationStatus, "qualification_status"),
    (Dim::CensusDate, "census_date"),
    (Dim::Reason, "reason"),
    (Dim::Destination, "destination"),
];

/// The names alone, for `breakdown_names()`.
pub(crate) const DIM_NAMES: [&str; 23] = {
    let mut names = [""; 23];
    let mut i = 0;
    while i < DIMS.len() {
        names[i] = DIMS[i].1;
        i += 1;
    }
    names
};

impl Dim {
    pub(crate) fn parse(name: &str) -> Option<Dim> {
        let n = name.trim().to_ascii_lowercase();
        DIMS.iter().find(|(_, s)| *s == n).map(|(d, _)| *d)
    }

    pub(crate) fn name(self) -> &'static str {
        DIMS.iter()
            .find(|(d, _)| *d == self)
            .map(|(_, s)| *s)
            .unwrap_or("?")
    }

    /// Dimensions whose values are names held in each cube (GSS codes, employer and
    /// setting ids) rather than a fixed code list; they sort as text.
    pub(crate) fn is_dictionary(self) -> bool {
        matches!(self, Dim::Area | Dim::Employer | Dim::Setting)
    }
}

/// The three kinds of record a measure can count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Workers,
    Leavers,
    Vacancies,
}

impl Table {
    /// How error messages name the records ("leavers do not record it").
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Table::Workers => "filled posts",
            Table::Leavers => "leavers",
            Table::Vacancies => "vacancies",
        }
    }

    /// Whether these records carry a breakdown. Leavers lack disability and
    /// qualifications; vacancies carry only what comes from their setting and role;
    /// reason and destination exist only on leavers.
    pub(crate) fn carries(self, dim: Dim) -> bool {
        use Dim::*;
        let setting_or_role = matches!(
            dim,
            Area | Sector
                | Role
                | CareerLevel
                | Leader
                | EmployingSector
                | Provision
                | MultiAgency
                | SettingType
                | Setting
                | Employer
                | CensusDate
        );
        match self {
            Table::Workers => !matches!(dim, Reason | Destination),
            Table::Leavers => {
                setting_or_role
                    || matches!(
                        dim,
                        Contract
                            | WorkingPattern
                            | Gender
                            | Ethnicity
                            | EthnicGroup
                            | AgeBand
                            | Reason
                            | Destination
                    )
            }
            Table::Vacancies => setting_or_role,
        }
    }
}

/// The code texts of a code-list dimension in code order (its code for each value is
/// its position), with `not_known` appended where the list lacks it: that slot holds
/// unmapped roles, settings never described, missing leaver ages and any out-of-range
/// code, so that unknowns are always reported as their own group. `None` for the
/// dictionary dimensions and census_date.
fn build_values(dim: Dim) -> Option<Vec<String>> {
    let c = codes();
    let list = |l: &observatory_domain::CodeList| l.codes().map(str::to_string).collect();
    let mut v: Vec<String> = match dim {
        Dim::Area | Dim::Employer | Dim::Setting | Dim::CensusDate => return None,
        Dim::Sector => list(&c.sectors),
        Dim::Role => list(&c.roles),
        Dim::CareerLevel => list(&c.career_levels),
        Dim::Leader | Dim::MultiAgency => list(&c.yes_no),
        Dim::EmployingSector => list(&c.employing_sector),
        Dim::Provision => list(&c.provision),
        Dim::SettingType => list(&c.setting_types),
        Dim::Contract => list(&c.contract),
        // Every post has an fte, so there is no unknown pattern.
        Dim::WorkingPattern => {
            return Some(WORKING_PATTERNS.iter().map(|s| s.to_string()).collect());
        }
        Dim::Gender => list(&c.gender),
        // A leaver without an ethnicity is "not obtained" (NOBT), which the list has.
        Dim::Ethnicity => return Some(list(&c.ethnicity)),
        Dim::EthnicGroup => list(&c.ethnic_groups),
        Dim::Disability => list(&c.disability),
        Dim::AgeBand => AGE_BANDS.iter().map(|s| s.to_string()).collect(),
        Dim::QualificationLevel => list(&c.qualification_level),
        Dim::QualificationStatus => list(&c.qualification_status),
        Dim::Reason => list(&c.reason),
        Dim::Destination => list(&c.destination),
    };
    if !v.iter().any(|s| s == NOT_KNOWN) {
        v.push(NOT_KNOWN.to_string());
    }
    Some(v)
}

/// Value lists, built once: every query and every row of the builder consults them.
struct ValueLists {
    values: Vec<Option<Vec<String>>>,
    not_known: Vec<u32>,
}

fn lists() -> &'static ValueLists {
    static LISTS: OnceLock<ValueLists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let values: Vec<Option<Vec<String>>> = DIMS.iter().map(|(d, _)| build_values(*d)).collect();
        let not_known = DIMS
            .iter()
            .zip(&values)
            .map(|((d, _), v)| {
                if *d == Dim::Ethnicity {
                    codes().ethnicity.must("NOBT") as u32
                } else {
                    v.as_ref()
                        .and_then(|v| v.iter().position(|s| s == NOT_KNOWN))
                        .unwrap_or(0) as u32
                }
            })
            .collect();
        ValueLists { values, not_known }
    })
}

/// See [`build_values`]; cached.
pub(crate) fn value_list(dim: Dim) -> Option<&'static [String]> {
    lists().values[dim as usize].as_deref()
}

/// How many codes a code-list dimension has (0 for the others, which the cube sizes).
pub(crate) fn card(dim: Dim) -> u32 {
    value_list(dim).map_or(0, |v| v.len() as u32)
}

/// The code an unknown value of a code-list dimension takes (see [`build_values`]).
pub(crate) fn not_known_code(dim: Dim) -> u32 {
    lists().not_known[dim as usize]
}

/// A code as the builder received it if it is in range, else the dimension's unknown
/// code, so that a stray code from a buggy caller can never index past a table.
pub(crate) fn sanitize(dim: Dim, code: u32) -> u32 {
    if code < card(dim) {
        code
    } else {
        not_known_code(dim)
    }
}

/// Whether a code of a person-group breakdown is a known value: not `not_known`, and
/// for ethnicity not one of the codes of the not_known group (refused, not obtained).
pub(crate) fn is_known(dim: Dim, code: u32) -> bool {
    if dim == Dim::Ethnicity {
        let c = codes();
        c.ethnic_group_of
            .get(code as usize)
            .is_some_and(|&g| g != c.known.ethnic_group_not_known)
    } else {
        code != not_known_code(dim)
    }
}

/// The name in `candidates` closest to a misspelt one, if any is reasonably close.
pub(crate) fn closest<'a>(
    value: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<String> {
    let v = value.trim().to_ascii_lowercase();
    candidates
        .map(|c| (strsim::jaro_winkler(&v, &c.to_ascii_lowercase()), c))
        .filter(|(s, _)| *s >= 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknowns_have_a_slot() {
        for (i, (d, n)) in DIMS.into_iter().enumerate() {
            assert_eq!(d as usize, i, "DIMS lists the dimensions in enum order");
            assert_eq!(Dim::parse(n), Some(d));
            assert_eq!(d.name(), n);
        }
        assert_eq!(DIM_NAMES[0], "area");
        let roles = value_list(Dim::Role).unwrap();
        assert_eq!(roles.last().unwrap(), NOT_KNOWN);
        assert_eq!(not_known_code(Dim::Role) as usize, roles.len() - 1);
        // Gender already has not_known; it is not added twice.
        let g = value_list(Dim::Gender).unwrap();
        assert_eq!(g.iter().filter(|s| *s == NOT_KNOWN).count(), 1);
        assert_eq!(value_list(Dim::CareerLevel).unwrap()[0], "1");
        assert_eq!(
            closest("vacancy_rat", ["posts", "vacancy_rate"].into_iter()),
            Some("vacancy_rate".to_string())
        );
        assert!(!Table::Leavers.carries(Dim::QualificationLevel));
        assert!(Table::Leavers.carries(Dim::Reason));
        assert!(!Table::Workers.carries(Dim::Reason));
        assert!(!Table::Vacancies.carries(Dim::Gender));
        let eth = codes().ethnicity.must("REFU") as u32;
        assert!(!is_known(Dim::Ethnicity, eth));
        assert!(is_known(
            Dim::Ethnicity,
            codes().ethnicity.must("WBRI") as u32
        ));
        assert!(!is_known(Dim::Gender, not_known_code(Dim::Gender)));
        assert!(is_known(Dim::Gender, codes().gender.must("other") as u32));
    }
}
