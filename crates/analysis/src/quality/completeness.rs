//! Completeness of every field of the return, by employer, by area and nationally,
//! worked out from the stored records as the store streams them (a [`CensusSink`]), not
//! from the cube, which files blanks under `not_known` in some fields.
//!
//! Targets follow ASC-WDS: 100 % for core fields and 90 % for the rest. Core fields are
//! those every figure rests on: identifiers (setting_id, worker_ref, person_id), what and
//! where a setting is (name, type, area, employing sector, provision), the role, dates
//! (start_date, leave_date), contract and FTE, and a vacancy's posts and FTE. The rest
//! are demographics (gender, ethnicity, disability, birth_year), pay, qualifications,
//! a leaver's reason and destination, and the optional setting and vacancy details.
//! `job_title` is reported but has no target: it may be blank wherever a role is given.
//!
//! A value counts as complete when it is given and says something: `not_known` (gender,
//! disability, reason, destination) and `NOBT` (ethnicity not obtained) count as
//! incomplete and are shown apart; `REFU` (the person refused) is an answer. `role` is
//! complete when a role code was given or the job title maps to one. Pay is not expected
//! of volunteers, so their rows do not count for `annual_pay`.

use std::collections::HashMap;

use observatory_domain::{CensusSink, Fte, Leaver, PersonKey, Setting, Vacancy, Worker, codes};
use serde::{Deserialize, Serialize};

/// Target share of rows with a value, for core fields.
pub const CORE_TARGET: f64 = 1.0;
/// Target share of rows with a value, for the other fields.
pub const OTHER_TARGET: f64 = 0.9;

/// The area of rows whose setting was never described.
const NOT_KNOWN: &str = "not_known";

/// How a field is judged.
#[derive(Clone, Copy, PartialEq)]
enum Class {
    Core,
    Other,
    /// Reported without a target.
    Untargeted,
}

/// What one row holds in one field.
#[derive(Clone, Copy, PartialEq)]
enum Cell {
    Given,
    /// Given as a "not known" code: counts as incomplete.
    NotKnown,
    Blank,
    /// The field is not expected of this row (pay of a volunteer).
    NotApplicable,
}

use Cell::{Blank, Given, NotApplicable, NotKnown};
use Class::{Core, Other, Untargeted};

/// The fields of each record, in return order, with their class. The cells functions
/// below fill one entry per field in the same order (workers and leavers start with
/// the eight fields of [`post_cells`]).
const SETTING_FIELDS: [(&str, Class); 8] = [
    ("setting_id", Core),
    ("setting_name", Core),
    ("setting_type", Core),
    ("area_code", Core),
    ("employing_sector", Core),
    ("provision", Core),
    ("multi_agency", Other),
    ("places", Other),
];
const WORKER_FIELDS: [(&str, Class); 15] = [
    ("worker_ref", Core),
    ("person_id", Core),
    ("setting_id", Core),
    ("role", Core),
    ("job_title", Untargeted),
    ("contract", Core),
    ("fte", Core),
    ("start_date", Core),
    ("gender", Other),
    ("ethnicity", Other),
    ("disability", Other),
    ("birth_year", Other),
    ("qualification_level", Other),
    ("qualification_status", Other),
    ("annual_pay", Other),
];
const LEAVER_FIELDS: [(&str, Class); 13] = [
    ("worker_ref", Core),
    ("person_id", Core),
    ("setting_id", Core),
    ("role", Core),
    ("job_title", Untargeted),
    ("contract", Core),
    ("fte", Core),
    ("leave_date", Core),
    ("reason", Other),
    ("destination", Other),
    ("gender", Other),
    ("ethnicity", Other),
    ("birth_year", Other),
];
const VACANCY_FIELDS: [(&str, Class); 7] = [
    ("setting_id", Core),
    ("role", Core),
    ("job_title", Untargeted),
    ("vacant_posts", Core),
    ("vacant_fte", Core),
    ("hard_to_fill", Other),
    ("covered_by_agency", Other),
];

/// The four kinds of record, with where their fields start in a group's counters.
const RECORDS: [(&str, &[(&str, Class)]); 4] = [
    ("settings", &SETTING_FIELDS),
    ("workers", &WORKER_FIELDS),
    ("leavers", &LEAVER_FIELDS),
    ("vacancies", &VACANCY_FIELDS),
];
const SETTINGS_AT: usize = 0;
const WORKERS_AT: usize = SETTINGS_AT + SETTING_FIELDS.len();
const LEAVERS_AT: usize = WORKERS_AT + WORKER_FIELDS.len();
const VACANCIES_AT: usize = LEAVERS_AT + LEAVER_FIELDS.len();
const FIELDS: usize = VACANCIES_AT + VACANCY_FIELDS.len();

fn text(s: &str) -> Cell {
    if s.trim().is_empty() { Blank } else { Given }
}

fn opt<T>(v: &Option<T>) -> Cell {
    if v.is_some() { Given } else { Blank }
}

fn opt_text(v: &Option<String>) -> Cell {
    v.as_deref().map_or(Blank, text)
}

/// A code that may be the list's "not known".
fn coded(code: u8, not_known: usize) -> Cell {
    if code as usize == not_known {
        NotKnown
    } else {
        Given
    }
}

fn opt_coded(code: Option<u8>, not_known: usize) -> Cell {
    code.map_or(Blank, |c| coded(c, not_known))
}

/// Codes that mean "no value" in required coded fields.
struct NotKnownCodes {
    gender: usize,
    disability: usize,
    ethnicity: usize,
    reason: usize,
    destination: usize,
    volunteer: usize,
}

impl NotKnownCodes {
    fn new() -> NotKnownCodes {
        let c = codes();
        NotKnownCodes {
            gender: c.known.gender_not_known,
            disability: c.known.disability_not_known,
            ethnicity: c.ethnicity.must("NOBT"),
            reason: c.reason.must("not_known"),
            destination: c.destination.must("not_known"),
            volunteer: c.known.volunteer,
        }
    }
}

fn setting_cells(s: &Setting) -> [Cell; 8] {
    [
        text(&s.setting_id),
        text(&s.name),
        Given,
        text(&s.area_code),
        Given,
        Given,
        opt(&s.multi_agency),
        opt(&s.places),
    ]
}

/// The fields workers and leavers share, in the order both lists start with:
/// worker_ref, person_id, setting_id, role, job_title, contract, fte and the date.
fn post_cells(
    worker_ref: &str,
    person: &Option<PersonKey>,
    setting_id: &str,
    role: &Option<u16>,
    job_title: &Option<String>,
    fte: Fte,
) -> [Cell; 8] {
    [
        text(worker_ref),
        opt(person),
        text(setting_id),
        opt(role),
        opt_text(job_title),
        Given,
        if fte > 0 { Given } else { Blank },
        Given,
    ]
}

/// [`post_cells`] of a worker or a leaver (their shared fields have the same names).
macro_rules! shared_cells {
    ($r:expr) => {
        post_cells(
            &$r.worker_ref,
            &$r.person,
            &$r.setting_id,
            &$r.role,
            &$r.job_title,
            $r.fte,
        )
    };
}

/// A worker's fields after the shared ones.
fn worker_cells(w: &Worker, nk: &NotKnownCodes) -> [Cell; 7] {
    [
        coded(w.gender, nk.gender),
        coded(w.ethnicity, nk.ethnicity),
        coded(w.disability, nk.disability),
        Given,
        Given,
        Given,
        if w.contract as usize == nk.volunteer {
            NotApplicable
        } else {
            opt(&w.annual_pay)
        },
    ]
}

/// A leaver's fields after the shared ones.
fn leaver_cells(l: &Leaver, nk: &NotKnownCodes) -> [Cell; 5] {
    [
        coded(l.reason, nk.reason),
        coded(l.destination, nk.destination),
        opt_coded(l.gender, nk.gender),
        opt_coded(l.ethnicity, nk.ethnicity),
        opt(&l.birth_year),
    ]
}

fn vacancy_cells(v: &Vacancy) -> [Cell; 7] {
    [
        text(&v.setting_id),
        opt(&v.role),
        opt_text(&v.job_title),
        if v.vacant_posts > 0 { Given } else { Blank },
        if v.vacant_fte > 0 { Given } else { Blank },
        opt(&v.hard_to_fill),
        opt(&v.covered_by_agency),
    ]
}

/// Counts of one field in one group.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    rows: u64,
    complete: u64,
    not_known: u64,
}

/// Per group (employer or area), per field.
#[derive(Default)]
struct Groups {
    names: Vec<String>,
    index: HashMap<String, usize>,
    counts: Vec<[Counts; FIELDS]>,
}

impl Groups {
    fn slot(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        self.counts.push([Counts::default(); FIELDS]);
        i
    }
}

fn add(counts: &mut [Counts], cells: &[Cell]) {
    for (c, cell) in counts.iter_mut().zip(cells) {
        if *cell == NotApplicable {
            continue;
        }
        c.rows += 1;
        c.complete += (*cell == Given) as u64;
        c.not_known += (*cell == NotKnown) as u64;
    }
}

/// Adds up the completeness of every field as the store streams a census date's records
/// (`Store::load_census(date, &mut sink)`), by employer, by area (a row's area is its
/// setting's) and nationally. The store sends every setting before any other row, so a
/// worker's area is known when it arrives; a row naming a setting that was never
/// described is counted under area `not_known`.
pub struct CompletenessSink {
    nk: NotKnownCodes,
    employers: Groups,
    areas: Groups,
    national: [Counts; FIELDS],
    /// Per employer slot: setting_id -> area slot.
    setting_area: Vec<HashMap<String, usize>>,
    /// The last employer looked up: the store sends each employer's rows together.
    last: Option<(String, usize)>,
}

impl Default for CompletenessSink {
    fn default() -> Self {
        CompletenessSink::new()
    }
}

impl CompletenessSink {
    /// An empty tally.
    pub fn new() -> CompletenessSink {
        CompletenessSink {
            nk: NotKnownCodes::new(),
            employers: Groups::default(),
            areas: Groups::default(),
            national: [Counts::default(); FIELDS],
            setting_area: Vec::new(),
            last: None,
        }
    }

    fn employer(&mut self, name: &str) -> usize {
        if let Some((n, i)) = &self.last
            && n == name
        {
            return *i;
        }
        let i = self.employers.slot(name);
        if self.setting_area.len() <= i {
            self.setting_area.resize_with(i + 1, HashMap::new);
        }
        self.last = Some((name.to_string(), i));
        i
    }

    /// Counts one row's cells (given in parts, one after another), which start at field
    /// `at`, for its employer and area.
    fn count(&mut self, employer: &str, setting_id: &str, at: usize, parts: &[&[Cell]]) {
        let e = self.employer(employer);
        let area = match self.setting_area[e].get(setting_id) {
            Some(&a) => a,
            None => self.areas.slot(NOT_KNOWN),
        };
        let mut at = at;
        for cells in parts {
            let end = at + cells.len();
            add(&mut self.employers.counts[e][at..end], cells);
            add(&mut self.areas.counts[area][at..end], cells);
            add(&mut self.national[at..end], cells);
            at = end;
        }
    }

    /// The finished figures: every field of every kind of record that the group has
    /// rows of, employers and areas in name order, then the national figures.
    pub fn finish(self) -> CompletenessReport {
        let mut rows = Vec::new();
        let mut groups = Vec::new();
        let mut emit = |level: GroupLevel, name: &str, counts: &[Counts; FIELDS]| {
            let mut summary = GroupSummary {
                level,
                group: name.to_string(),
                fields_checked: 0,
                fields_below_target: 0,
                core_fields_below_target: 0,
            };
            let mut at = 0;
            for (records, fields) in RECORDS {
                let block = &counts[at..at + fields.len()];
                at += fields.len();
                // A group with no rows of a kind says nothing about its fields.
                if block.iter().all(|c| c.rows == 0) {
                    continue;
                }
                for ((field, class), c) in fields.iter().zip(block) {
                    let row = CompletenessRow::new(level, name, records, field, *class, *c);
                    if row.meets_target.is_some() {
                        summary.fields_checked += 1;
                    }
                    if row.meets_target == Some(false) {
                        summary.fields_below_target += 1;
                        summary.core_fields_below_target += row.core as usize;
                    }
                    rows.push(row);
                }
            }
            groups.push(summary);
        };
        for (level, g) in [
            (GroupLevel::Employer, &self.employers),
            (GroupLevel::Area, &self.areas),
        ] {
            let mut order: Vec<usize> = (0..g.names.len()).collect();
            order.sort_by(|&a, &b| g.names[a].cmp(&g.names[b]));
            for i in order {
                emit(level, &g.names[i], &g.counts[i]);
            }
        }
        emit(GroupLevel::National, "national", &self.national);
        CompletenessReport { rows, groups }
    }
}

impl CensusSink for CompletenessSink {
    fn setting(&mut self, employer: &str, setting: &Setting) {
        let e = self.employer(employer);
        let area_code = setting.area_code.trim();
        let a = self.areas.slot(if area_code.is_empty() {
            NOT_KNOWN
        } else {
            area_code
        });
        self.setting_area[e].insert(setting.setting_id.clone(), a);
        self.count(
            employer,
            &setting.setting_id,
            SETTINGS_AT,
            &[&setting_cells(setting)],
        );
    }

    fn worker(&mut self, employer: &str, w: &Worker) {
        let cells: [&[Cell]; 2] = [&shared_cells!(w), &worker_cells(w, &self.nk)];
        self.count(employer, &w.setting_id, WORKERS_AT, &cells);
    }

    fn leaver(&mut self, employer: &str, l: &Leaver) {
        let cells: [&[Cell]; 2] = [&shared_cells!(l), &leaver_cells(l, &self.nk)];
        self.count(employer, &l.setting_id, LEAVERS_AT, &cells);
    }

    fn vacancy(&mut self, employer: &str, vacancy: &Vacancy) {
        self.count(
            employer,
            &vacancy.setting_id,
            VACANCIES_AT,
            &[&vacancy_cells(vacancy)],
        );
    }
}

/// Which kind of group a completeness figure is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupLevel {
    /// One employer's current return.
    Employer,
    /// All rows whose setting is in one area.
    Area,
    /// Every row.
    National,
}

/// The completeness of one field in one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletenessRow {
    /// Employer, area or national.
    pub level: GroupLevel,
    /// The employer id, the area's GSS code, or `national`.
    pub group: String,
    /// `settings`, `workers`, `leavers` or `vacancies`.
    pub records: String,
    /// The column of the return.
    pub field: String,
    /// Whether the field is core (target 100 %).
    pub core: bool,
    /// The share of rows that should have a value; `None` for `job_title`.
    pub target: Option<f64>,
    /// Rows the field is expected of.
    pub rows: u64,
    /// Rows with a known value.
    pub complete: u64,
    /// Rows given as not known (counted as incomplete).
    pub not_known: u64,
    /// `complete` / `rows`, a fraction.
    pub completeness: Option<f64>,
    /// Whether `completeness` reaches `target`; `None` without a target or rows.
    pub meets_target: Option<bool>,
}

impl CompletenessRow {
    fn new(
        level: GroupLevel,
        group: &str,
        records: &str,
        field: &str,
        class: Class,
        c: Counts,
    ) -> Self {
        let target = match class {
            Core => Some(CORE_TARGET),
            Other => Some(OTHER_TARGET),
            Untargeted => None,
        };
        let completeness = (c.rows > 0).then(|| c.complete as f64 / c.rows as f64);
        CompletenessRow {
            level,
            group: group.to_string(),
            records: records.to_string(),
            field: field.to_string(),
            core: class == Core,
            target,
            rows: c.rows,
            complete: c.complete,
            not_known: c.not_known,
            completeness,
            // Compared in whole rows, so 9 of 10 meets 90 % without float doubt.
            meets_target: target
                .zip(completeness)
                .map(|(t, _)| c.complete as f64 >= t * c.rows as f64 - 1e-9),
        }
    }
}

/// How many fields of one group miss their target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// Employer, area or national.
    pub level: GroupLevel,
    /// The employer id, the area's GSS code, or `national`.
    pub group: String,
    /// Fields with a target and rows.
    pub fields_checked: usize,
    /// Of those, how many miss their target.
    pub fields_below_target: usize,
    /// Of those, how many are core.
    pub core_fields_below_target: usize,
}

/// Completeness of every field, by employer, by area and nationally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletenessReport {
    /// One row per group and field (groups without rows of a kind of record have no
    /// rows for its fields).
    pub rows: Vec<CompletenessRow>,
    /// One summary per group, in the same order.
    pub groups: Vec<GroupSummary>,
}
