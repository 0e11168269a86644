//! Small hand-made census records for the standards and quality tests: every field has
//! a plain default, so a test states only what its known answer depends on.

use chrono::NaiveDate;
use observatory_domain::{CensusSink, Leaver, Setting, Vacancy, Worker, codes};

use crate::{Cube, CubeBuilder};

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A described setting.
pub(crate) fn setting(id: &str, kind: &str, area: &str, sector: &str) -> Setting {
    let c = codes();
    Setting {
        setting_id: id.into(),
        name: format!("Setting {id}"),
        setting_type: c.setting_types.must(kind) as u8,
        area_code: area.into(),
        employing_sector: c.employing_sector.must(sector) as u8,
        provision: c.provision.must("universal") as u8,
        multi_agency: Some(false),
        places: Some(30),
    }
}

/// A permanent post started in 2015 by a female WBRI non-disabled person born in 1985,
/// paid 25,000, holding `level` achieved. `person` 0 means no person_id.
pub(crate) fn post(
    setting_id: &str,
    person: u8,
    role: Option<&str>,
    fte: u32,
    level: &str,
) -> Worker {
    let c = codes();
    Worker {
        worker_ref: format!("W{person}"),
        person: (person != 0).then_some([person; 16]),
        setting_id: setting_id.into(),
        role: role.map(|r| c.roles.must(r) as u16),
        job_title: role.is_none().then(|| "Chief dragon tamer".to_string()),
        contract: c.contract.must("permanent") as u8,
        fte,
        start_date: date(2015, 1, 1),
        gender: c.gender.must("female") as u8,
        ethnicity: c.ethnicity.must("WBRI") as u8,
        disability: c.disability.must("no") as u8,
        birth_year: 1985,
        qualification_level: c.qualification_level.must(level) as u8,
        qualification_status: c.known.achieved as u8,
        annual_pay: Some(25000),
    }
}

/// A resignation to the same sector, with gender, ethnicity and birth year given.
pub(crate) fn leaver(setting_id: &str, role: &str) -> Leaver {
    let c = codes();
    Leaver {
        worker_ref: "L".into(),
        person: None,
        setting_id: setting_id.into(),
        role: Some(c.roles.must(role) as u16),
        job_title: None,
        contract: c.contract.must("permanent") as u8,
        fte: 100,
        leave_date: date(2025, 6, 1),
        reason: c.reason.must("resignation") as u8,
        destination: c.destination.must("same_sector") as u8,
        gender: Some(c.gender.must("female") as u8),
        ethnicity: Some(c.ethnicity.must("WBRI") as u8),
        birth_year: Some(1990),
    }
}

/// `posts` vacant posts, hard_to_fill and covered_by_agency given.
pub(crate) fn vacancy(setting_id: &str, role: &str, posts: u32) -> Vacancy {
    Vacancy {
        setting_id: setting_id.into(),
        role: Some(codes().roles.must(role) as u16),
        job_title: None,
        vacant_posts: posts,
        vacant_fte: posts * 100,
        hard_to_fill: Some(false),
        covered_by_agency: Some(false),
    }
}

/// A census being written, employer by employer, into a cube.
pub(crate) struct Census(CubeBuilder);

impl Census {
    pub(crate) fn new(census_date: NaiveDate) -> Census {
        Census(CubeBuilder::new(census_date))
    }

    pub(crate) fn setting(&mut self, employer: &str, s: Setting) -> &mut Census {
        self.0.setting(employer, &s);
        self
    }

    pub(crate) fn worker(&mut self, employer: &str, w: Worker) -> &mut Census {
        self.0.worker(employer, &w);
        self
    }

    pub(crate) fn leaver(&mut self, employer: &str, l: Leaver) -> &mut Census {
        self.0.leaver(employer, &l);
        self
    }

    pub(crate) fn finish(self) -> Cube {
        self.0.finish()
    }
}
