//! The modelling assumptions behind the synthetic census, per role: who does the job
//! (gender, age), how they are employed (contracts, hours, pay), how qualified they are,
//! and how often posts turn over or stand vacant. The numbers live in `data/*.csv` next to
//! this crate so they can be read and tuned without touching code; role, contract and
//! qualification codes in those files are resolved through `observatory_domain::codes()`.

use observatory_domain::{Codes, codes};

const ROLE_PROFILES: &str = include_str!("../data/role_profiles.csv");
const EY_QUALIFICATIONS: &str = include_str!("../data/early_years_qualifications.csv");

/// Number of qualification levels the model knows, in ascending order: none, entry, 1..8.
pub(crate) const QUAL_LEVELS: usize = 10;
/// Qualification codes in ascending order (ordinal = position), looked up in the code list.
const QUAL_ORDER: [&str; QUAL_LEVELS] = ["none", "entry", "1", "2", "3", "4", "5", "6", "7", "8"];
/// Contract codes the model draws from, in the order of [`RoleProfile::contracts`].
const CONTRACT_ORDER: [&str; 6] = [
    "permanent",
    "fixed_term",
    "agency",
    "sessional",
    "self_employed",
    "volunteer",
];

/// Contract kinds as the model reasons about them (positions in [`CONTRACT_ORDER`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contract {
    Permanent = 0,
    FixedTerm = 1,
    Agency = 2,
    Sessional = 3,
    SelfEmployed = 4,
    Volunteer = 5,
}

impl Contract {
    pub(crate) fn from_index(i: usize) -> Contract {
        match i {
            0 => Contract::Permanent,
            1 => Contract::FixedTerm,
            2 => Contract::Agency,
            3 => Contract::Sessional,
            4 => Contract::SelfEmployed,
            _ => Contract::Volunteer,
        }
    }
}

/// What the model assumes about one role.
#[derive(Debug, Clone)]
pub(crate) struct RoleProfile {
    pub female: f64,
    pub age_mean: f64,
    pub age_sd: f64,
    pub age_min: u8,
    pub age_max: u8,
    /// Mean and spread of full-time-equivalent annual pay, at 2025 prices.
    pub pay: f64,
    pub pay_sd: f64,
    /// Share of posts that are full time; the rest draw fte in `pt_lo..pt_hi`.
    pub full_time: f64,
    pub pt_lo: f64,
    pub pt_hi: f64,
    /// Annual chance that a post ends (before contract and area adjustments).
    pub turnover: f64,
    /// Share of established posts vacant on the census date.
    pub vacancy: f64,
    pub hard_to_fill: f64,
    pub agency_cover: f64,
    /// Share of post holders working towards a higher level.
    pub towards: f64,
    /// Cumulative weights over qualification ordinals (none .. 8).
    pub quals: [f64; QUAL_LEVELS],
    /// Cumulative weights over contracts in [`CONTRACT_ORDER`]: the mix of people in post.
    pub contracts: [f64; 6],
    /// The mix among people joining, weighted by how fast each contract turns over, so
    /// that the mix in post stays near `contracts` year after year.
    pub inflow_contracts: [f64; 6],
    /// The lowest qualification ordinal that is usual for the role (promotion lifts people to it).
    pub usual_level: u8,
    pub sector: usize,
    pub career_level: u8,
}

/// Every role's profile plus the code positions the generator writes.
#[derive(Debug)]
pub(crate) struct Model {
    pub roles: Vec<RoleProfile>,
    /// Early-years qualification mixes that depend on the setting type (Table 1 of the 2002/03 survey).
    pub ey_quals: Vec<(u16, u8, [f64; QUAL_LEVELS])>,
    /// Qualification-level code position of each ordinal.
    pub qual_code: [u8; QUAL_LEVELS],
    /// Contract code position of each [`Contract`].
    pub contract_code: [u8; 6],
    pub sector_early_years: usize,
    pub sector_education: usize,
    pub sector_social_care: usize,
    pub sector_youth: usize,
    pub sector_health: usize,
    pub sector_justice: usize,
    pub sector_leadership: usize,
}

fn rows(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.expect("synth data file is valid CSV")
                .iter()
                .map(|s| s.trim().to_string())
                .collect()
        })
        .collect()
}

fn num(s: &str) -> f64 {
    s.parse()
        .unwrap_or_else(|_| panic!("synth data: {s} is not a number"))
}

/// "6:72 7:26" -> cumulative weights over qualification ordinals.
fn qual_weights(spec: &str) -> [f64; QUAL_LEVELS] {
    let mut w = [0.0; QUAL_LEVELS];
    for part in spec.split_whitespace() {
        let (code, weight) = part.split_once(':').expect("code:weight");
        let ord = QUAL_ORDER
            .iter()
            .position(|q| *q == code)
            .unwrap_or_else(|| panic!("synth data: unknown qualification level {code}"));
        // The code must also be in the shared list.
        codes().qualification_level.must(code);
        w[ord] += num(weight);
    }
    cumulative(w)
}

fn contract_weights(spec: &str) -> [f64; 6] {
    let mut w = [0.0; 6];
    for part in spec.split_whitespace() {
        let (code, weight) = part.split_once(':').expect("code:weight");
        let i = CONTRACT_ORDER
            .iter()
            .position(|c| *c == code)
            .unwrap_or_else(|| panic!("synth data: unknown contract {code}"));
        codes().contract.must(code);
        w[i] += num(weight);
    }
    cumulative(w)
}

/// How much faster than permanent posts each contract turns over.
pub(crate) fn contract_turnover(c: Contract) -> f64 {
    match c {
        Contract::Permanent => 1.0,
        Contract::FixedTerm => 1.8,
        Contract::Agency => 2.5,
        Contract::Sessional => 1.3,
        Contract::SelfEmployed => 1.0,
        Contract::Volunteer => 1.3,
    }
}

/// Cumulative stock weights turned into cumulative inflow weights.
fn inflow(cum: [f64; 6]) -> [f64; 6] {
    let mut w = [0.0; 6];
    let mut prev = 0.0;
    for i in 0..6 {
        w[i] = (cum[i] - prev) * contract_turnover(Contract::from_index(i));
        prev = cum[i];
    }
    cumulative(w)
}

pub(crate) fn cumulative<const N: usize>(mut w: [f64; N]) -> [f64; N] {
    let total: f64 = w.iter().sum();
    assert!(total > 0.0, "synth data: weights sum to zero");
    let mut acc = 0.0;
    for x in w.iter_mut() {
        acc += *x / total;
        *x = acc;
    }
    w[N - 1] = 1.0;
    w
}

/// Index drawn from cumulative weights with a uniform `u` in [0, 1).
pub(crate) fn pick(cum: &[f64], u: f64) -> usize {
    cum.iter().position(|&c| u < c).unwrap_or(cum.len() - 1)
}

impl Model {
    fn load(c: &Codes) -> Model {
        let default = RoleProfile {
            female: 0.7,
            age_mean: 40.0,
            age_sd: 10.0,
            age_min: 18,
            age_max: 68,
            pay: 28000.0,
            pay_sd: 3000.0,
            full_time: 0.7,
            pt_lo: 0.4,
            pt_hi: 0.9,
            turnover: 0.14,
            vacancy: 0.04,
            hard_to_fill: 0.2,
            agency_cover: 0.1,
            towards: 0.05,
            quals: qual_weights("2:20 3:40 4:20 6:20"),
            contracts: contract_weights("permanent:90 fixed_term:10"),
            inflow_contracts: contract_weights("permanent:90 fixed_term:10"),
            usual_level: 4,
            sector: 0,
            career_level: 2,
        };
        let mut roles: Vec<RoleProfile> = c
            .role_info
            .iter()
            .map(|r| RoleProfile {
                sector: r.sector,
                career_level: r.career_level,
                ..default.clone()
            })
            .collect();
        for r in rows(ROLE_PROFILES) {
            let i = c.roles.must(&r[0]);
            let quals = qual_weights(&r[16]);
            // The usual level: the lowest ordinal holding at least 10 % of the role.
            let mut usual = 0u8;
            let mut prev = 0.0;
            for (ord, &cum) in quals.iter().enumerate() {
                if cum - prev >= 0.10 {
                    usual = ord as u8;
                    break;
                }
                prev = cum;
            }
            roles[i] = RoleProfile {
                female: num(&r[1]),
                age_mean: num(&r[2]),
                age_sd: num(&r[3]),
                age_min: num(&r[4]) as u8,
                age_max: num(&r[5]) as u8,
                pay: num(&r[6]),
                pay_sd: num(&r[7]),
                full_time: num(&r[8]),
                pt_lo: num(&r[9]),
                pt_hi: num(&r[10]),
                turnover: num(&r[11]),
                vacancy: num(&r[12]),
                hard_to_fill: num(&r[13]),
                agency_cover: num(&r[14]),
                towards: num(&r[15]),
                quals,
                contracts: contract_weights(&r[17]),
                inflow_contracts: inflow(contract_weights(&r[17])),
                usual_level: usual,
                sector: roles[i].sector,
                career_level: roles[i].career_level,
            };
        }
        let ey_quals = rows(EY_QUALIFICATIONS)
            .into_iter()
            .map(|r| {
                (
                    c.roles.must(&r[0]) as u16,
                    c.setting_types.must(&r[1]) as u8,
                    qual_weights(&r[2]),
                )
            })
            .collect();
        let mut qual_code = [0u8; QUAL_LEVELS];
        for (i, q) in QUAL_ORDER.iter().enumerate() {
            qual_code[i] = c.qualification_level.must(q) as u8;
        }
        let mut contract_code = [0u8; 6];
        for (i, k) in CONTRACT_ORDER.iter().enumerate() {
            contract_code[i] = c.contract.must(k) as u8;
        }
        Model {
            roles,
            ey_quals,
            qual_code,
            contract_code,
            sector_early_years: c.sectors.must("early_years"),
            sector_education: c.sectors.must("education"),
            sector_social_care: c.sectors.must("social_care"),
            sector_youth: c.sectors.must("youth"),
            sector_health: c.sectors.must("health"),
            sector_justice: c.sectors.must("justice"),
            sector_leadership: c.sectors.must("leadership"),
        }
    }

    /// Cumulative qualification weights for a role in a setting type.
    pub(crate) fn quals_for(&self, role: u16, setting_type: u8) -> &[f64; QUAL_LEVELS] {
        self.ey_quals
            .iter()
            .find(|(r, s, _)| *r == role && *s == setting_type)
            .map(|(_, _, q)| q)
            .unwrap_or(&self.roles[role as usize].quals)
    }
}

/// The model, loaded once.
pub(crate) fn model() -> &'static Model {
    static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| Model::load(codes()))
}

/// Role position of a role code the generator relies on.
pub(crate) fn role(code: &str) -> u16 {
    codes().roles.must(code) as u16
}

/// Setting-type position of a setting-type code the generator relies on.
pub(crate) fn setting_type(code: &str) -> u8 {
    codes().setting_types.must(code) as u8
}

/// Roles a person may be promoted into from another role in the same setting.
pub(crate) const PROMOTIONS: [(&str, &str); 14] = [
    ("early_years_practitioner", "early_years_assistant"),
    ("room_leader", "early_years_practitioner"),
    ("setting_manager", "room_leader"),
    ("hlta", "teaching_assistant"),
    ("deputy_head", "teacher"),
    ("headteacher", "deputy_head"),
    ("social_worker", "social_work_assistant"),
    ("senior_practitioner", "social_worker"),
    ("team_manager", "senior_practitioner"),
    ("residential_manager", "residential_care_worker"),
    ("youth_worker", "youth_support_worker"),
    ("youth_service_manager", "youth_worker"),
    ("play_manager", "playworker"),
    ("head_of_service", "service_manager"),
];

/// Roles in other workforce sectors that people in a role commonly move to (early years
/// practitioners becoming teaching assistants above all).
pub(crate) const CROSS_MOVES: [(&str, &[&str]); 18] = [
    (
        "early_years_practitioner",
        &[
            "teaching_assistant",
            "teaching_assistant",
            "send_support",
            "playworker",
            "family_support_worker",
        ],
    ),
    (
        "early_years_assistant",
        &["teaching_assistant", "playworker"],
    ),
    ("room_leader", &["teaching_assistant", "hlta"]),
    ("early_years_teacher", &["teacher"]),
    ("childminder", &["teaching_assistant"]),
    (
        "teaching_assistant",
        &[
            "early_years_practitioner",
            "youth_support_worker",
            "playworker",
        ],
    ),
    (
        "send_support",
        &["early_years_practitioner", "residential_care_worker"],
    ),
    ("teacher", &["early_years_teacher", "youth_worker"]),
    (
        "social_worker",
        &["youth_offending_officer", "camhs_practitioner"],
    ),
    (
        "family_support_worker",
        &[
            "youth_worker",
            "early_years_practitioner",
            "learning_mentor",
        ],
    ),
    (
        "residential_care_worker",
        &[
            "youth_support_worker",
            "send_support",
            "secure_estate_officer",
        ],
    ),
    (
        "youth_worker",
        &[
            "family_support_worker",
            "youth_offending_officer",
            "learning_mentor",
        ],
    ),
    (
        "youth_support_worker",
        &[
            "teaching_assistant",
            "residential_care_worker",
            "sports_coach",
            "playworker",
        ],
    ),
    (
        "personal_adviser",
        &["learning_mentor", "family_support_worker"],
    ),
    (
        "playworker",
        &[
            "early_years_practitioner",
            "teaching_assistant",
            "youth_support_worker",
        ],
    ),
    (
        "sports_coach",
        &["teaching_assistant", "youth_support_worker"],
    ),
    (
        "healthcare_assistant",
        &["early_years_practitioner", "teaching_assistant"],
    ),
    (
        "youth_offending_officer",
        &["youth_worker", "social_worker"],
    ),
];
