//! Code lists, the role catalogue and the job-title map, read from the CSV files in
//! `data/codes/` (the one source of truth: edit those files, not this code).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::titles::{Suggestion, TitleMatcher};

/// One list of allowed codes, each with a plain-English label. Codes are stored in
/// records as their position in the list (a `u8`/`u16`), so the list order is part of
/// the in-memory format but never of anything stored on disk (the store keeps the code text).
#[derive(Debug, Clone)]
pub struct CodeList {
    pub name: String,
    codes: Vec<String>,
    labels: Vec<String>,
    index: HashMap<String, usize>,
}

impl CodeList {
    /// A list of codes and their labels, in order.
    pub fn new(name: &str, pairs: Vec<(String, String)>) -> Self {
        let mut index = HashMap::new();
        let mut codes = Vec::new();
        let mut labels = Vec::new();
        for (i, (c, l)) in pairs.into_iter().enumerate() {
            index.insert(c.to_ascii_lowercase(), i);
            codes.push(c);
            labels.push(l);
        }
        CodeList {
            name: name.to_string(),
            codes,
            labels,
            index,
        }
    }

    /// Position of a code, matched after trimming and case folding.
    pub fn find(&self, value: &str) -> Option<usize> {
        self.index.get(&value.trim().to_ascii_lowercase()).copied()
    }

    /// Position of a code, or of the code whose label this is ("Central Bedfordshire"),
    /// both matched after trimming and case folding.
    pub fn find_code_or_label(&self, value: &str) -> Option<usize> {
        let v = value.trim();
        self.find(v)
            .or_else(|| self.labels.iter().position(|l| l.eq_ignore_ascii_case(v)))
    }

    /// Position of a code that the program itself relies on; a missing one means the
    /// data files were edited wrongly, which is a bug to stop at once.
    pub fn must(&self, code: &str) -> usize {
        self.find(code)
            .unwrap_or_else(|| panic!("code list {} lacks required code {code}", self.name))
    }

    pub fn code(&self, i: usize) -> &str {
        &self.codes[i]
    }

    pub fn label(&self, i: usize) -> &str {
        &self.labels[i]
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.codes.iter().map(String::as_str)
    }

    /// The allowed code closest to a wrong value, for "did you mean" messages: close in
    /// spelling to a code ("permanant" suggests permanent), or naming what a label says
    /// (every word of "White British" is in WBRI's label).
    pub fn closest(&self, value: &str) -> &str {
        let v = value.trim().to_ascii_lowercase();
        let words = |s: &str| -> Vec<String> {
            s.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        };
        let asked = words(&v);
        // (how close, then how alike the whole label is, to break ties)
        let score = |i: usize| {
            let code = strsim::jaro_winkler(&v, &self.codes[i].to_ascii_lowercase());
            let label = self.labels[i].to_ascii_lowercase();
            let said = words(&label);
            let named = if asked.is_empty() {
                0.0
            } else {
                asked.iter().filter(|w| said.contains(w)).count() as f64 / asked.len() as f64
            };
            (code.max(named), strsim::jaro_winkler(&v, &label))
        };
        (0..self.codes.len())
            .map(|i| (i, score(i)))
            .max_by(|(_, a), (_, b)| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)))
            .map(|(i, _)| self.codes[i].as_str())
            .unwrap_or("")
    }

    /// "a, b or c" for messages that list what is allowed.
    pub fn allowed(&self) -> String {
        let n = self.codes.len();
        if n <= 10 {
            match n {
                0 => String::new(),
                1 => self.codes[0].clone(),
                _ => format!(
                    "{} or {}",
                    self.codes[..n - 1].join(", "),
                    self.codes[n - 1]
                ),
            }
        } else {
            format!("one of the {} codes in the {} list", n, self.name)
        }
    }
}

/// A role in the catalogue: which workforce sector it belongs to and its career level.
#[derive(Debug, Clone)]
pub struct Role {
    pub code: String,
    pub name: String,
    pub sector: usize,
    pub career_level: u8,
}

/// Codes the program's own logic depends on, resolved once when the lists load.
#[derive(Debug, Clone)]
pub struct Known {
    pub agency: usize,
    pub volunteer: usize,
    pub female: usize,
    pub male: usize,
    pub gender_not_known: usize,
    pub disability_not_known: usize,
    pub achieved: usize,
    pub working_towards: usize,
    pub retirement: usize,
    pub outside_childrens_workforce: usize,
    pub ethnic_group_white: usize,
    pub ethnic_group_not_known: usize,
}

/// Every code list of the census return.
#[derive(Debug, Clone)]
pub struct Codes {
    pub sectors: CodeList,
    pub career_levels: CodeList,
    /// Whether each career level (by position) counts as a leader.
    pub leader_levels: Vec<bool>,
    pub roles: CodeList,
    pub role_info: Vec<Role>,
    pub setting_types: CodeList,
    pub ethnicity: CodeList,
    pub ethnic_groups: CodeList,
    /// Ethnic group position of each ethnicity code.
    pub ethnic_group_of: Vec<usize>,
    pub employing_sector: CodeList,
    pub provision: CodeList,
    pub yes_no: CodeList,
    pub contract: CodeList,
    pub gender: CodeList,
    pub disability: CodeList,
    pub qualification_level: CodeList,
    pub qualification_status: CodeList,
    pub reason: CodeList,
    pub destination: CodeList,
    /// Normalised job title -> role position (the shipped synonyms).
    pub job_titles: HashMap<String, usize>,
    /// Suggests a role for a job title the map does not know.
    pub title_matcher: TitleMatcher,
    /// What each measure is, for people (`data/codes/measures.csv`; a name with
    /// `{level}` stands for one measure per qualification level).
    measures: Vec<MeasureInfo>,
    /// The names of England's local authorities by their ONS (GSS) code, for people to
    /// read; returns are not checked against it (a new code is still a valid area).
    pub area_names: HashMap<String, String>,
    pub known: Known,
}

const SECTORS: &str = include_str!("../../../data/codes/sectors.csv");
const CAREER_LEVELS: &str = include_str!("../../../data/codes/career_levels.csv");
const ROLES: &str = include_str!("../../../data/codes/roles.csv");
const SETTING_TYPES: &str = include_str!("../../../data/codes/setting_types.csv");
const ETHNICITY: &str = include_str!("../../../data/codes/ethnicity.csv");
const LISTS: &str = include_str!("../../../data/codes/lists.csv");
const JOB_TITLES: &str = include_str!("../../../data/codes/jobtitles.csv");
const AREAS: &str = include_str!("../../../data/codes/areas.csv");
const MEASURES: &str = include_str!("../../../data/codes/measures.csv");

/// What a measure is, for people: its label, the theme it belongs to, and one line on
/// what it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureInfo {
    pub name: String,
    pub label: String,
    pub theme: String,
    pub description: String,
}

/// The rows of a shipped CSV data file, header skipped.
pub(crate) fn data_rows(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.expect("code list data file is valid CSV")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn pairs(text: &str) -> Vec<(String, String)> {
    data_rows(text)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect()
}

/// Job titles are compared after lower-casing, dropping punctuation other than
/// apostrophes and hyphens, and collapsing spaces, so "Nursery  Nurse." matches "nursery nurse".
pub fn normalise_title(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for word in title
        .split(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() && c != '\'' && c != '-'))
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

impl Codes {
    fn load() -> Codes {
        let sectors = CodeList::new("sector", pairs(SECTORS));
        let cl_rows = data_rows(CAREER_LEVELS);
        let career_levels = CodeList::new(
            "career_level",
            cl_rows
                .iter()
                .map(|r| (r[0].clone(), r[1].clone()))
                .collect(),
        );
        let leader_levels = cl_rows.iter().map(|r| r[2] == "yes").collect();
        let role_rows = data_rows(ROLES);
        let role_info: Vec<Role> = role_rows
            .iter()
            .map(|r| Role {
                code: r[0].clone(),
                name: r[1].clone(),
                sector: sectors.must(&r[2]),
                career_level: r[3].parse().expect("career level is a number"),
            })
            .collect();
        let roles = CodeList::new(
            "role",
            role_info
                .iter()
                .map(|r| (r.code.clone(), r.name.clone()))
                .collect(),
        );
        let eth_rows = data_rows(ETHNICITY);
        let ethnicity = CodeList::new(
            "ethnicity",
            eth_rows
                .iter()
                .map(|r| (r[0].clone(), r[1].clone()))
                .collect(),
        );
        let mut group_names: Vec<String> = Vec::new();
        for r in &eth_rows {
            if !group_names.contains(&r[2]) {
                group_names.push(r[2].clone());
            }
        }
        let ethnic_groups = CodeList::new(
            "ethnic_group",
            group_names.iter().map(|g| (g.clone(), g.clone())).collect(),
        );
        let ethnic_group_of = eth_rows.iter().map(|r| ethnic_groups.must(&r[2])).collect();
        let mut lists: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for r in data_rows(LISTS) {
            lists
                .entry(r[0].clone())
                .or_default()
                .push((r[1].clone(), r[2].clone()));
        }
        let list = |name: &str| {
            CodeList::new(
                name,
                lists
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| panic!("lists.csv lacks list {name}")),
            )
        };
        let job_titles: HashMap<String, usize> = data_rows(JOB_TITLES)
            .into_iter()
            .map(|r| (normalise_title(&r[0]), roles.must(&r[1])))
            .collect();
        let title_matcher = TitleMatcher::new(
            job_titles.iter().map(|(t, &r)| (t.as_str(), r)).chain(
                role_info
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.name.as_str(), i)),
            ),
            role_info.len(),
        );
        let contract = list("contract");
        let gender = list("gender");
        let disability = list("disability");
        let qualification_status = list("qualification_status");
        let reason = list("reason");
        let destination = list("destination");
        let known = Known {
            agency: contract.must("agency"),
            volunteer: contract.must("volunteer"),
            female: gender.must("female"),
            male: gender.must("male"),
            gender_not_known: gender.must("not_known"),
            disability_not_known: disability.must("not_known"),
            achieved: qualification_status.must("achieved"),
            working_towards: qualification_status.must("working_towards"),
            retirement: reason.must("retirement"),
            outside_childrens_workforce: destination.must("outside_childrens_workforce"),
            ethnic_group_white: ethnic_groups.must("White"),
            ethnic_group_not_known: ethnic_groups.must("not_known"),
        };
        Codes {
            area_names: pairs(AREAS).into_iter().collect(),
            measures: data_rows(MEASURES)
                .into_iter()
                .map(|r| MeasureInfo {
                    name: r[0].clone(),
                    label: r[1].clone(),
                    theme: r[2].clone(),
                    description: r[3].clone(),
                })
                .collect(),
            sectors,
            career_levels,
            leader_levels,
            roles,
            role_info,
            setting_types: CodeList::new("setting_type", pairs(SETTING_TYPES)),
            ethnicity,
            ethnic_groups,
            ethnic_group_of,
            employing_sector: list("employing_sector"),
            provision: list("provision"),
            yes_no: list("yes_no"),
            contract,
            gender,
            disability,
            qualification_level: list("qualification_level"),
            qualification_status,
            reason,
            destination,
            job_titles,
            title_matcher,
            known,
        }
    }

    /// The role a job title means, from the shipped synonyms or an exact role code/name.
    pub fn role_for_title(&self, title: &str) -> Option<usize> {
        let n = normalise_title(title);
        if let Some(&r) = self.job_titles.get(&n) {
            return Some(r);
        }
        self.role_info
            .iter()
            .position(|r| normalise_title(&r.name) == n || r.code == n.replace(' ', "_"))
    }

    /// The closest role to a title the map does not know, with a confidence in 0..=1,
    /// for a person to confirm; None when no role is close enough to suggest.
    pub fn suggest_role(&self, title: &str) -> Option<Suggestion> {
        self.title_matcher.suggest(title)
    }

    pub fn is_leader_role(&self, role: usize) -> bool {
        self.leader_levels[self.role_info[role].career_level as usize - 1]
    }

    /// The code list a breakdown's values come from (None for breakdowns whose values
    /// are identifiers or derived bands: area, employer, setting, age_band, ...).
    pub fn list_for(&self, breakdown: &str) -> Option<&CodeList> {
        Some(match breakdown {
            "sector" => &self.sectors,
            "career_level" => &self.career_levels,
            "role" => &self.roles,
            "setting_type" => &self.setting_types,
            "ethnicity" => &self.ethnicity,
            "ethnic_group" => &self.ethnic_groups,
            "employing_sector" => &self.employing_sector,
            "provision" => &self.provision,
            "multi_agency" | "leader" => &self.yes_no,
            "contract" => &self.contract,
            "gender" => &self.gender,
            "disability" => &self.disability,
            "qualification_level" => &self.qualification_level,
            "qualification_status" => &self.qualification_status,
            "reason" => &self.reason,
            "destination" => &self.destination,
            _ => return None,
        })
    }

    /// A breakdown's name as a column heading ("Employing sector" for `employing_sector`).
    pub fn heading_of(breakdown: &str) -> String {
        let mut s = breakdown.replace('_', " ");
        if let Some(f) = s.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        s
    }

    /// What measure `name` is (None: the list does not describe it). A row whose name
    /// holds `{level}` describes one measure per level ("qualified_share_l3").
    pub fn measure_info(&self, name: &str) -> Option<MeasureInfo> {
        let name = name.trim();
        self.measures.iter().find_map(|m| {
            if m.name == name {
                return Some(m.clone());
            }
            let (before, after) = m.name.split_once("{level}")?;
            let level = name.strip_prefix(before)?.strip_suffix(after)?;
            (!level.is_empty() && level.bytes().all(|b| b.is_ascii_digit())).then(|| {
                let fill = |s: &str| s.replace("{level}", level);
                MeasureInfo {
                    name: name.to_string(),
                    label: fill(&m.label),
                    theme: m.theme.clone(),
                    description: fill(&m.description),
                }
            })
        })
    }

    /// A measure's label ("Vacancy rate" for vacancy_rate), or its name in words.
    pub fn measure_label(&self, name: &str) -> String {
        self.measure_info(name)
            .map(|m| m.label)
            .unwrap_or_else(|| Self::heading_of(name))
    }

    /// An area's name ("Central Bedfordshire" for E06000056), or its code when the list
    /// does not know it.
    pub fn area_name(&self, code: &str) -> String {
        self.area_names
            .get(code.trim())
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// A breakdown value in words for people ("Early years" for sector `early_years`);
    /// values without a label (identifiers, `total`, `not_known`) are given back readably.
    pub fn label_of(&self, breakdown: &str, value: &str) -> String {
        match value {
            "total" => return "Total".to_string(),
            "not_known" => return "Not known".to_string(),
            _ => {}
        }
        if breakdown == "area" {
            return self.area_name(value);
        }
        if let Some(label) = self
            .list_for(breakdown)
            .and_then(|l| l.find(value).map(|i| l.label(i)))
        {
            return label.to_string();
        }
        // Mobility tables: sectors at either census, and what became of people.
        if let Some(sector) = breakdown
            .strip_prefix("from_")
            .or_else(|| breakdown.strip_prefix("to_"))
            && !matches!(value, "joined" | "left")
        {
            return self.label_of(sector, value);
        }
        if matches!(breakdown, "category" | "from_sector" | "to_sector") {
            return Self::heading_of(value);
        }
        if breakdown == "age_band" {
            if let Some(n) = value.strip_prefix("under_") {
                return format!("Under {n}");
            }
            if let Some(n) = value.strip_suffix("_plus") {
                return format!("{n} and over");
            }
            return value.replacen('_', " to ", 1);
        }
        value.to_string()
    }
}

/// Share of words in common (Jaccard), which catches re-ordered titles that
/// character-level similarity misses ("worker youth" vs "youth worker").
/// The code lists, loaded once from the data files.
pub fn codes() -> &'static Codes {
    static CODES: OnceLock<Codes> = OnceLock::new();
    CODES.get_or_init(Codes::load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakdown_values_read_as_words() {
        let c = codes();
        assert_eq!(
            c.label_of("sector", "early_years"),
            c.sectors.label(c.sectors.must("early_years"))
        );
        assert_eq!(c.label_of("area", "E06000056"), "Central Bedfordshire");
        assert_eq!(c.label_of("area", "E06000999"), "E06000999");
        assert_eq!(c.label_of("age_band", "20_24"), "20 to 24");
        assert_eq!(c.measure_label("vacancy_rate"), "Vacancy rate");
        let l3 = c.measure_info("qualified_share_l3").unwrap();
        assert_eq!(l3.label, "Qualified at level 3 or above");
        assert_eq!(l3.theme, "Qualifications");
        assert!(c.measure_info("qualified_share_lx").is_none());
        assert_eq!(c.measure_label("no_such_measure"), "No such measure");
        assert_eq!(c.label_of("age_band", "65_plus"), "65 and over");
        assert_eq!(c.label_of("sector", "total"), "Total");
        assert_eq!(c.label_of("gender", "not_known"), "Not known");
        // Mobility's tables.
        assert_eq!(
            c.label_of("category", "changed_employer"),
            "Changed employer"
        );
        assert_eq!(
            c.label_of("from_sector", "early_years"),
            c.label_of("sector", "early_years")
        );
        assert_eq!(c.label_of("to_sector", "left"), "Left");
        assert_eq!(c.label_of("from_sector", "joined"), "Joined");
    }

    #[test]
    fn lists_load_and_know_their_codes() {
        let c = codes();
        assert_eq!(c.sectors.len(), 8);
        assert_eq!(c.roles.len(), 54);
        assert_eq!(c.ethnicity.len(), 21);
        assert_eq!(c.ethnic_groups.len(), 6);
        assert_eq!(c.qualification_level.len(), 10);
        let teacher = c.roles.must("teacher");
        assert_eq!(c.sectors.code(c.role_info[teacher].sector), "education");
        assert!(c.is_leader_role(c.roles.must("headteacher")));
        assert!(!c.is_leader_role(teacher));
        assert_eq!(
            c.ethnic_groups
                .code(c.ethnic_group_of[c.ethnicity.must("REFU")]),
            "not_known"
        );
    }

    #[test]
    fn every_job_title_points_at_a_role_and_titles_normalise() {
        let c = codes();
        assert_eq!(
            c.role_for_title("  Nursery   Nurse. "),
            Some(c.roles.must("early_years_practitioner"))
        );
        assert_eq!(
            c.role_for_title("Health Visitor"),
            Some(c.roles.must("health_visitor"))
        );
        assert_eq!(c.role_for_title("Teacher"), Some(c.roles.must("teacher")));
        assert_eq!(c.role_for_title("chief dragon tamer"), None);
    }

    #[test]
    fn suggestions_and_closest_codes() {
        let c = codes();
        let s = c.suggest_role("Senior Nursery Nurse (Baby Room)").unwrap();
        assert_eq!(c.roles.code(s.role), "room_leader");
        assert!(s.confidence > 0.5);
        assert_eq!(c.contract.closest("permanant"), "permanent");
        assert_eq!(c.ethnicity.closest("White British"), "WBRI");
        assert_eq!(c.ethnicity.closest("wbri "), "WBRI");
        assert_eq!(c.contract.closest("Fixed term"), "fixed_term");
        assert_eq!(
            c.contract.allowed(),
            "permanent, fixed_term, agency, sessional, self_employed or volunteer"
        );
    }
}
