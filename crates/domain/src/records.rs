//! The records of one census return, with every code already checked and held as its
//! position in its code list. Produced by the census reader, stored by the store, counted
//! by the analysis.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A person's national identifier after keyed hashing (HMAC-SHA-256 truncated to 128
/// bits): enough to link the same person across returns, impossible to read back.
pub type PersonKey = [u8; 16];

/// Full-time equivalent in hundredths (1.0 = 100), so sums are exact on every backend.
pub type Fte = u32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    pub setting_id: String,
    pub name: String,
    pub setting_type: u8,
    pub area_code: String,
    pub employing_sector: u8,
    pub provision: u8,
    pub multi_agency: Option<bool>,
    pub places: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Worker {
    pub worker_ref: String,
    pub person: Option<PersonKey>,
    pub setting_id: String,
    /// None when only a job title was given and it is not (yet) mapped to a role.
    pub role: Option<u16>,
    pub job_title: Option<String>,
    pub contract: u8,
    pub fte: Fte,
    pub start_date: NaiveDate,
    pub gender: u8,
    pub ethnicity: u8,
    pub disability: u8,
    pub birth_year: u16,
    pub qualification_level: u8,
    pub qualification_status: u8,
    pub annual_pay: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leaver {
    pub worker_ref: String,
    pub person: Option<PersonKey>,
    pub setting_id: String,
    pub role: Option<u16>,
    pub job_title: Option<String>,
    pub contract: u8,
    pub fte: Fte,
    pub leave_date: NaiveDate,
    pub reason: u8,
    pub destination: u8,
    pub gender: Option<u8>,
    pub ethnicity: Option<u8>,
    pub birth_year: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vacancy {
    pub setting_id: String,
    pub role: Option<u16>,
    pub job_title: Option<String>,
    pub vacant_posts: u32,
    pub vacant_fte: Fte,
    pub hard_to_fill: Option<bool>,
    pub covered_by_agency: Option<bool>,
}

/// One employer's whole return for one census date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReturnData {
    pub settings: Vec<Setting>,
    pub workers: Vec<Worker>,
    pub leavers: Vec<Leaver>,
    pub vacancies: Vec<Vacancy>,
}

impl ReturnData {
    /// The area most of the return's settings are in (the first such area on a tie):
    /// where a new employer is first placed in the returns tracker.
    pub fn main_area(&self) -> Option<&str> {
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for s in &self.settings {
            *counts.entry(s.area_code.as_str()).or_default() += 1;
        }
        let most = counts.values().copied().max()?;
        counts.into_iter().find(|(_, n)| *n == most).map(|(a, _)| a)
    }
}

/// Receives a census date's stored records one by one (the store streams them; the
/// analysis builds its cube from them), so no layer needs the whole census as records.
pub trait CensusSink {
    fn setting(&mut self, employer: &str, setting: &Setting);
    fn worker(&mut self, employer: &str, worker: &Worker);
    fn leaver(&mut self, employer: &str, leaver: &Leaver);
    fn vacancy(&mut self, employer: &str, vacancy: &Vacancy);
}
