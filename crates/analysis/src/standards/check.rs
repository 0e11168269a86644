//! Checking standards against a cube: one pass over the filled posts per standard,
//! adding up covered staff per unit (setting or area), then each unit's verdict.

use chrono::NaiveDate;
use observatory_domain::codes;
use serde::{Deserialize, Serialize};

use super::{Amount, Condition, SettingScope, StaffScope, Standard, Standards, Unit};
use crate::cube::Cube;
use crate::dims::{Dim, card, not_known_code};

/// A unit's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Meets the standard.
    Pass,
    /// Falls short; `shortfall` says by how much.
    Fail,
    /// Nothing to judge: a share over no covered staff.
    NotApplicable,
}

/// One setting's or area's figures against one standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitResult {
    /// `employer/setting_id` for a setting (as the `setting` breakdown shows it), the
    /// GSS code for an area.
    pub unit: String,
    /// The employer of a setting (`None` for an area), so results can be scoped.
    pub employer: Option<String>,
    /// The employer's own setting identifier (`None` for an area).
    pub setting_id: Option<String>,
    /// The area of the setting, or the area itself.
    pub area: String,
    /// Pass, fail or not applicable.
    pub status: Status,
    /// `qualified_share`: qualified staff; `staff_count` and `staff_per_settings`: the
    /// covered staff (people or FTE).
    pub numerator: f64,
    /// `qualified_share`: all covered staff; `staff_per_settings`: covered settings in
    /// the area; `staff_count`: `None`.
    pub denominator: Option<f64>,
    /// The figure compared with `required`: the share (a fraction) or the staff amount;
    /// `None` for a share over no staff.
    pub value: Option<f64>,
    /// The share or amount needed to pass (for `staff_per_settings`, `at_least` x
    /// settings / `per_settings`).
    pub required: f64,
    /// People (or FTE) short: for a share, how many more covered staff would need the
    /// qualification; 0 when passing.
    pub shortfall: f64,
    /// For a share: the fraction short (`required` - `value`, 0 when passing).
    pub shortfall_share: Option<f64>,
    /// Posts that would be looked at but whose job title is not mapped to a role, so
    /// a role-based rule cannot class them; left out of the figures.
    pub unknown_role_posts: u64,
}

/// Every unit's result for one standard, with totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardResult {
    /// The standard's id.
    pub id: String,
    /// The standard's title.
    pub title: String,
    /// The census date checked.
    pub census_date: NaiveDate,
    /// Per setting or per area.
    pub unit: Unit,
    /// What was required.
    pub condition: Condition,
    /// How many units were looked at (including not applicable ones).
    pub units_checked: usize,
    /// How many fall short.
    pub units_failing: usize,
    /// How many had nothing to judge.
    pub units_not_applicable: usize,
    /// The sum of the failing units' shortfalls (people or FTE).
    pub total_shortfall: f64,
    /// Every unit, ordered by `unit`.
    pub units: Vec<UnitResult>,
}

/// Checks every standard against one census date: every covered setting or area,
/// with its figures and verdict.
pub fn check(standards: &Standards, cube: &Cube) -> Vec<StandardResult> {
    standards
        .list()
        .iter()
        .map(|s| check_one(s, cube))
        .collect()
}

/// Which settings of the cube a scope admits. Codes were checked when the standards
/// were read, so `must` cannot fail.
fn settings_in(cube: &Cube, scope: &SettingScope) -> Vec<bool> {
    let c = codes();
    let mask = |list: &observatory_domain::CodeList, dim: Dim, codes: &[String]| {
        (!codes.is_empty()).then(|| {
            let mut m = vec![false; card(dim) as usize];
            for code in codes {
                m[list.must(code)] = true;
            }
            m
        })
    };
    let types = mask(&c.setting_types, Dim::SettingType, &scope.setting_type);
    let sectors = mask(
        &c.employing_sector,
        Dim::EmployingSector,
        &scope.employing_sector,
    );
    let provision = mask(&c.provision, Dim::Provision, &scope.provision);
    let areas: Vec<bool> = cube
        .areas
        .iter()
        .map(|a| scope.area.is_empty() || scope.area.iter().any(|x| x.eq_ignore_ascii_case(a)))
        .collect();
    let ok = |m: &Option<Vec<bool>>, code: u8| m.as_ref().is_none_or(|m| m[code as usize]);
    let s = &cube.settings;
    (0..s.id.len())
        .map(|i| {
            ok(&types, s.setting_type[i])
                && ok(&sectors, s.employing_sector[i])
                && ok(&provision, s.provision[i])
                && areas[s.area[i] as usize]
        })
        .collect()
}

/// The staff scope as lookups over the cube's codes.
struct StaffTest {
    /// Per role code (the last slot is "not known"): counted?
    role: Vec<bool>,
    /// Whether any rule looks at the role (then unmapped roles cannot be classed).
    by_role: bool,
    contract: Vec<bool>,
    /// Lowest qualification level position that counts, if any.
    min_level: Option<u8>,
}

impl StaffTest {
    fn new(scope: &StaffScope) -> StaffTest {
        let c = codes();
        let has = |list: &[String], code: &str| list.is_empty() || list.iter().any(|x| x == code);
        let mut role: Vec<bool> = c
            .role_info
            .iter()
            .map(|r| {
                has(&scope.role, &r.code)
                    && has(&scope.sector, c.sectors.code(r.sector))
                    && has(&scope.career_level, &r.career_level.to_string())
            })
            .collect();
        let by_role =
            !(scope.role.is_empty() && scope.sector.is_empty() && scope.career_level.is_empty());
        role.resize(card(Dim::Role) as usize, !by_role);
        let contract = (0..card(Dim::Contract) as usize)
            .map(|i| i < c.contract.len() && has(&scope.contract, c.contract.code(i)))
            .collect();
        StaffTest {
            role,
            by_role,
            contract,
            min_level: scope
                .qualification_at_least
                .as_deref()
                .map(|l| c.qualification_level.must(l) as u8),
        }
    }
}

/// Whether post `r` holds an achieved qualification at position `at` or above.
fn achieved_at_least(cube: &Cube, r: usize, at: u8) -> bool {
    let c = codes();
    let w = &cube.workers;
    w.qual_status[r] as usize == c.known.achieved
        && w.qual_level[r] >= at
        && (w.qual_level[r] as usize) < c.qualification_level.len()
}

/// Covered staff per unit.
#[derive(Default, Clone)]
struct Tally {
    people: u64,
    people_qualified: u64,
    fte: u64,
    fte_qualified: u64,
    unknown_role_posts: u64,
    /// Covered settings (per-area units).
    settings: u64,
}

impl Tally {
    fn amount(&self, m: Amount) -> (f64, f64) {
        match m {
            Amount::People => (self.people as f64, self.people_qualified as f64),
            Amount::Fte => (self.fte as f64 / 100.0, self.fte_qualified as f64 / 100.0),
        }
    }
}

/// Compares with a little slack, so 0.3 x 10 = 2.9999999 still needs 3.
const EPS: f64 = 1e-9;

fn check_one(std: &Standard, cube: &Cube) -> StandardResult {
    let s = &cube.settings;
    let covered = settings_in(cube, &std.settings);
    // The unit each setting's staff count towards, and each unit's label.
    let mut unit_of: Vec<Option<u32>> = vec![None; s.id.len()];
    let mut tally: Vec<Tally> = Vec::new();
    let mut labels: Vec<UnitLabel> = Vec::new();
    match std.unit {
        Unit::Setting => {
            for (i, _) in covered.iter().enumerate().filter(|(_, c)| **c) {
                unit_of[i] = Some(labels.len() as u32);
                labels.push(UnitLabel::setting(cube, i));
                tally.push(Tally {
                    settings: 1,
                    ..Tally::default()
                });
            }
        }
        Unit::Area => {
            let mut area_unit: Vec<Option<u32>> = vec![None; cube.areas.len()];
            for (i, _) in covered.iter().enumerate().filter(|(_, c)| **c) {
                let a = s.area[i] as usize;
                let u = *area_unit[a].get_or_insert_with(|| {
                    labels.push(UnitLabel::area(cube, a));
                    tally.push(Tally::default());
                    (labels.len() - 1) as u32
                });
                tally[u as usize].settings += 1;
            }
            let staff_settings = match &std.staff_settings {
                Some(scope) => settings_in(cube, scope),
                None => covered,
            };
            for (i, _) in staff_settings.iter().enumerate().filter(|(_, c)| **c) {
                unit_of[i] = area_unit[s.area[i] as usize];
            }
        }
    }
    let level = match &std.condition {
        Condition::QualifiedShare { level, .. } => {
            Some(codes().qualification_level.must(level) as u8)
        }
        _ => None,
    };
    count_staff(
        cube,
        &unit_of,
        &StaffTest::new(&std.staff),
        level,
        &mut tally,
    );

    let mut units: Vec<UnitResult> = labels
        .into_iter()
        .zip(&tally)
        .map(|(label, t)| judge(&std.condition, label, t))
        .collect();
    units.sort_by(|a, b| a.unit.cmp(&b.unit));
    let failing = units.iter().filter(|u| u.status == Status::Fail);
    StandardResult {
        id: std.id.clone(),
        title: std.title.clone(),
        census_date: cube.census_date(),
        unit: std.unit,
        condition: std.condition.clone(),
        units_checked: units.len(),
        units_failing: failing.clone().count(),
        units_not_applicable: units
            .iter()
            .filter(|u| u.status == Status::NotApplicable)
            .count(),
        total_shortfall: round2(failing.map(|u| u.shortfall).sum()),
        units,
    }
}

/// One pass over the posts: FTE per unit directly, people per unit by collecting each
/// person's (unit, qualified) pairs (a person's posts are adjacent in the cube).
fn count_staff(
    cube: &Cube,
    unit_of: &[Option<u32>],
    test: &StaffTest,
    level: Option<u8>,
    tally: &mut [Tally],
) {
    let w = &cube.workers;
    let role_nk = not_known_code(Dim::Role) as u16;
    let mut run: Vec<(u32, bool)> = Vec::new();
    let flush = |run: &mut Vec<(u32, bool)>, tally: &mut [Tally]| {
        run.sort_unstable();
        let mut i = 0;
        while i < run.len() {
            let u = run[i].0;
            let mut qualified = false;
            while i < run.len() && run[i].0 == u {
                qualified |= run[i].1;
                i += 1;
            }
            let t = &mut tally[u as usize];
            t.people += 1;
            t.people_qualified += qualified as u64;
        }
        run.clear();
    };
    let mut person = None;
    for r in 0..w.person.len() {
        if person != Some(w.person[r]) {
            flush(&mut run, tally);
            person = Some(w.person[r]);
        }
        let Some(u) = unit_of[w.setting[r] as usize] else {
            continue;
        };
        if !test.contract[w.contract[r] as usize] {
            continue;
        }
        if test
            .min_level
            .is_some_and(|at| !achieved_at_least(cube, r, at))
        {
            continue;
        }
        if !test.role[w.role[r] as usize] {
            if w.role[r] == role_nk && test.by_role {
                tally[u as usize].unknown_role_posts += 1;
            }
            continue;
        }
        let qualified = level.is_some_and(|at| achieved_at_least(cube, r, at));
        let t = &mut tally[u as usize];
        t.fte += w.fte[r] as u64;
        t.fte_qualified += if qualified { w.fte[r] as u64 } else { 0 };
        run.push((u, qualified));
    }
    flush(&mut run, tally);
}

/// Who a unit is, for the result.
struct UnitLabel {
    unit: String,
    employer: Option<String>,
    setting_id: Option<String>,
    area: String,
}

impl UnitLabel {
    fn setting(cube: &Cube, i: usize) -> UnitLabel {
        let s = &cube.settings;
        let employer = cube.employers[s.employer[i] as usize].clone();
        UnitLabel {
            unit: format!("{employer}/{}", s.id[i]),
            employer: Some(employer),
            setting_id: Some(s.id[i].clone()),
            area: cube.areas[s.area[i] as usize].clone(),
        }
    }

    fn area(cube: &Cube, a: usize) -> UnitLabel {
        UnitLabel {
            unit: cube.areas[a].clone(),
            employer: None,
            setting_id: None,
            area: cube.areas[a].clone(),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A unit's verdict from its tally.
fn judge(condition: &Condition, label: UnitLabel, t: &Tally) -> UnitResult {
    let mut out = UnitResult {
        unit: label.unit,
        employer: label.employer,
        setting_id: label.setting_id,
        area: label.area,
        status: Status::Pass,
        numerator: 0.0,
        denominator: None,
        value: None,
        required: 0.0,
        shortfall: 0.0,
        shortfall_share: None,
        unknown_role_posts: t.unknown_role_posts,
    };
    // `short`: staff (people or FTE) missing to pass, before rounding.
    let (measure, short) = match *condition {
        Condition::QualifiedShare {
            at_least, measure, ..
        } => {
            let (all, qualified) = t.amount(measure);
            out.numerator = qualified;
            out.denominator = Some(all);
            out.required = at_least;
            if all == 0.0 {
                out.status = Status::NotApplicable;
                return out;
            }
            let share = qualified / all;
            out.value = Some(share);
            out.shortfall_share = Some((at_least - share).max(0.0));
            // How many more covered staff would need the qualification to pass.
            (measure, at_least * all - qualified)
        }
        Condition::StaffCount { at_least, measure } => {
            let (all, _) = t.amount(measure);
            out.numerator = all;
            out.value = Some(all);
            out.required = at_least;
            (measure, at_least - all)
        }
        Condition::StaffPerSettings {
            at_least,
            per_settings,
            measure,
        } => {
            let (all, _) = t.amount(measure);
            out.numerator = all;
            out.denominator = Some(t.settings as f64);
            out.value = Some(all);
            out.required = at_least * t.settings as f64 / per_settings as f64;
            (measure, out.required - all)
        }
    };
    if out.value.is_some_and(|v| v + EPS < out.required) {
        out.status = Status::Fail;
        // People come whole: 1.1 people required and none there means 2 short.
        out.shortfall = match measure {
            Amount::People => (short - EPS).ceil().max(0.0),
            Amount::Fte => round2(short.max(0.0)),
        };
    } else {
        out.shortfall_share = out.shortfall_share.map(|_| 0.0);
    }
    out
}
