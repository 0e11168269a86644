//! Who employs the children's workforce in one area: a local authority, schools and trusts,
//! a college, NHS trusts, nursery chains and single nurseries, playgroups, out-of-school
//! clubs, many childminders, children's homes, fostering agencies, charities, youth and
//! sport organisations. Each employer gets its settings and, for each setting, an
//! establishment (how many posts of each role it plans to have). The mix follows the 2005
//! headcount table (education largest, then early years, sport and leisure, youth, social
//! care, health) and is scaled so the area has about the requested number of posts.

use crate::ids::{mix, mix3, str_hash, unit};
use crate::model::{model, role, setting_type};
use observatory_domain::codes;
use rand::{Rng, RngExt};

/// The kinds of employer the generator knows; the slug goes into the employer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    LocalAuthority,
    School,
    Trust,
    College,
    NhsCommunity,
    NhsHospital,
    NurseryChain,
    Nursery,
    Playgroup,
    OutOfSchool,
    Childminder,
    NannyAgency,
    ChildrensHome,
    FosteringAgency,
    FamilyCharity,
    Cafcass,
    YouthOrg,
    Careers,
    SportClub,
    SportProvider,
    Leisure,
    PlayOrg,
    ArtsOrg,
    Police,
    Secure,
}

impl Kind {
    pub(crate) const ALL: [Kind; 25] = [
        Kind::LocalAuthority,
        Kind::School,
        Kind::Trust,
        Kind::College,
        Kind::NhsCommunity,
        Kind::NhsHospital,
        Kind::NurseryChain,
        Kind::Nursery,
        Kind::Playgroup,
        Kind::OutOfSchool,
        Kind::Childminder,
        Kind::NannyAgency,
        Kind::ChildrensHome,
        Kind::FosteringAgency,
        Kind::FamilyCharity,
        Kind::Cafcass,
        Kind::YouthOrg,
        Kind::Careers,
        Kind::SportClub,
        Kind::SportProvider,
        Kind::Leisure,
        Kind::PlayOrg,
        Kind::ArtsOrg,
        Kind::Police,
        Kind::Secure,
    ];

    pub(crate) fn slug(self) -> &'static str {
        match self {
            Kind::LocalAuthority => "la",
            Kind::School => "school",
            Kind::Trust => "trust",
            Kind::College => "college",
            Kind::NhsCommunity => "nhscommunity",
            Kind::NhsHospital => "nhshospital",
            Kind::NurseryChain => "nurserychain",
            Kind::Nursery => "nursery",
            Kind::Playgroup => "playgroup",
            Kind::OutOfSchool => "ooschool",
            Kind::Childminder => "childminder",
            Kind::NannyAgency => "nannyagency",
            Kind::ChildrensHome => "home",
            Kind::FosteringAgency => "fostering",
            Kind::FamilyCharity => "charity",
            Kind::Cafcass => "cafcass",
            Kind::YouthOrg => "youth",
            Kind::Careers => "careers",
            Kind::SportClub => "sportclub",
            Kind::SportProvider => "sport",
            Kind::Leisure => "leisure",
            Kind::PlayOrg => "play",
            Kind::ArtsOrg => "arts",
            Kind::Police => "police",
            Kind::Secure => "secure",
        }
    }

    fn index(self) -> usize {
        Kind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// One employer of the area. Stable across years except childminders, who close when
/// the childminder leaves (and a new one registers under a new id).
#[derive(Debug, Clone)]
pub(crate) struct Employer {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    /// Employing-sector code position (public / private / voluntary).
    pub sector: u8,
    pub settings: Vec<u32>,
    /// Stable per-employer hash for choices that must not depend on the draw order.
    pub hash: u64,
    /// Prefix of this employer's own worker references.
    pub ref_prefix: &'static str,
    pub next_ref: u32,
    /// The first step (0 = the warm-up year) the employer exists in.
    pub opened: usize,
    /// The step from which the employer no longer exists.
    pub closed: Option<usize>,
}

/// One setting with its establishment.
#[derive(Debug, Clone)]
pub(crate) struct Setting {
    pub employer: u32,
    pub id: String,
    pub name: String,
    pub setting_type: u8,
    pub provision: u8,
    pub multi_agency: Option<bool>,
    pub places: Option<u32>,
    /// Planned posts by role.
    pub template: Vec<(u16, u32)>,
}

/// What is known about the area itself: its name and what makes it differ from others.
#[derive(Debug, Clone)]
pub(crate) struct AreaProfile {
    pub name: String,
    /// Share of the workforce from minority ethnic groups (before role adjustments).
    pub minority: f64,
    /// Cumulative weights over minority ethnicity code positions.
    pub minority_codes: Vec<(u8, f64)>,
    /// Share of White people who are not White British, and the cumulative codes.
    pub white_other: f64,
    pub white_other_codes: Vec<(u8, f64)>,
    pub white_british: u8,
    pub not_known_codes: Vec<(u8, f64)>,
    pub pay: f64,
    pub vacancy: f64,
    pub turnover: f64,
}

const PLACES: [&str; 48] = [
    "Oakfield",
    "Riverside",
    "Meadowbank",
    "Ashgrove",
    "Hillcrest",
    "Brookside",
    "Elmwood",
    "Fairfield",
    "Greenacres",
    "Highfield",
    "Kingsway",
    "Lakeside",
    "Millbrook",
    "Northgate",
    "Parkside",
    "Queensway",
    "Redhill",
    "Southfield",
    "Thornbury",
    "Westfield",
    "Willowbrook",
    "Beechwood",
    "Castlegate",
    "Denholme",
    "Eastbrook",
    "Foxhill",
    "Glenfield",
    "Hawthorn",
    "Ivydale",
    "Larkrise",
    "Marlborough",
    "Newlands",
    "Orchard Vale",
    "Priory",
    "Rosehill",
    "Stonebridge",
    "Templecombe",
    "Upton",
    "Valley Road",
    "Woodlands",
    "Ampthill",
    "Barton",
    "Cranfield",
    "Dunstable",
    "Flitwick",
    "Leighton",
    "Sandy Lane",
    "Toddington",
];
const SAINTS: [&str; 10] = [
    "St Mary's",
    "St John's",
    "St Peter's",
    "Holy Trinity",
    "St Joseph's",
    "Christ Church",
    "St Andrew's",
    "All Saints",
    "St George's",
    "Our Lady's",
];
const NURSERY: [&str; 20] = [
    "Little Acorns",
    "Busy Bees",
    "Tiny Tots",
    "Rainbow",
    "Sunflowers",
    "Happy Days",
    "Little Stars",
    "Caterpillars",
    "Teddy Bears",
    "Jack in the Box",
    "Footprints",
    "Treetops",
    "Puddle Ducks",
    "Kids Kingdom",
    "Bright Beginnings",
    "Honeypot",
    "Ladybirds",
    "Little Explorers",
    "Acorn Tree",
    "Kinder Garden",
];
const SURNAMES: [&str; 40] = [
    "Smith", "Jones", "Patel", "Brown", "Taylor", "Williams", "Khan", "Wilson", "Evans", "Thomas",
    "Roberts", "Walker", "Wright", "Hughes", "Green", "Hall", "Wood", "Clarke", "Ahmed", "Begum",
    "Okafor", "Kowalski", "Murphy", "O'Brien", "Nowak", "Ali", "Hussain", "Singh", "Shah",
    "Johnson", "Lewis", "Jackson", "Harris", "Martin", "Thompson", "White", "Edwards", "Baker",
    "Turner", "Cooper",
];
const SPORTS: [&str; 10] = [
    "Football",
    "Rugby",
    "Cricket",
    "Swimming",
    "Gymnastics",
    "Athletics",
    "Netball",
    "Judo",
    "Tennis",
    "Hockey",
];
const AREA_WORDS: [&str; 24] = [
    "Westmoor",
    "Northshire",
    "Eastvale",
    "Southholme",
    "Ravensbury",
    "Kingsmead",
    "Ashford Vale",
    "Brackley",
    "Coldwater",
    "Dunmore",
    "Elmsworth",
    "Fenwick",
    "Greystone",
    "Hartfield",
    "Ironbridge",
    "Kestrel Downs",
    "Longmere",
    "Marshton",
    "Newbury Heath",
    "Oakhampton",
    "Pennington",
    "Redbrook",
    "Stourley",
    "Thamesmead West",
];

/// Minority ethnicity weights (relative, before the area's own variation); codes not named
/// here get a small default weight so an extended list still works.
const MINORITY_WEIGHTS: [(&str, f64); 14] = [
    ("MWBC", 6.0),
    ("MWBA", 3.0),
    ("MWAS", 5.0),
    ("MOTH", 4.0),
    ("AIND", 14.0),
    ("APKN", 12.0),
    ("ABAN", 5.0),
    ("ACHN", 3.0),
    ("AOTH", 7.0),
    ("BCRB", 6.0),
    ("BAFR", 14.0),
    ("BOTH", 3.0),
    ("OARB", 3.0),
    ("OOTH", 5.0),
];
const WHITE_OTHER_WEIGHTS: [(&str, f64); 4] =
    [("WIRI", 1.0), ("WIRT", 0.15), ("WROM", 0.15), ("WOTH", 3.5)];

fn cum_codes(mut v: Vec<(u8, f64)>) -> Vec<(u8, f64)> {
    let total: f64 = v.iter().map(|x| x.1).sum();
    let mut acc = 0.0;
    for x in v.iter_mut() {
        acc += x.1 / total;
        x.1 = acc;
    }
    if let Some(last) = v.last_mut() {
        last.1 = 1.0;
    }
    v
}

/// Picks a code from cumulative (code, weight) pairs.
pub(crate) fn pick_code(v: &[(u8, f64)], u: f64) -> u8 {
    v.iter()
        .find(|x| u < x.1)
        .or(v.last())
        .map(|x| x.0)
        .unwrap_or(0)
}

/// A standard normal draw (Box-Muller).
pub(crate) fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl AreaProfile {
    pub(crate) fn new<R: Rng + ?Sized>(code: &str, rng: &mut R) -> AreaProfile {
        let c = codes();
        let london = code.starts_with("E09");
        let metropolitan = code.starts_with("E08");
        let minority = if london {
            0.25 + 0.2 * rng.random::<f64>()
        } else if metropolitan {
            0.10 + 0.15 * rng.random::<f64>()
        } else {
            0.06 + 0.09 * rng.random::<f64>()
        };
        let white = c.known.ethnic_group_white;
        let not_known = c.known.ethnic_group_not_known;
        let mut minority_codes = Vec::new();
        let mut white_other_codes = Vec::new();
        let mut not_known_codes = Vec::new();
        let mut white_british = 0u8;
        for i in 0..c.ethnicity.len() {
            let code_i = c.ethnicity.code(i);
            let group = c.ethnic_group_of[i];
            if group == not_known {
                not_known_codes.push((i as u8, if code_i == "REFU" { 1.5 } else { 2.0 }));
            } else if group == white {
                if code_i == "WBRI" {
                    white_british = i as u8;
                } else {
                    let w = WHITE_OTHER_WEIGHTS
                        .iter()
                        .find(|x| x.0 == code_i)
                        .map(|x| x.1)
                        .unwrap_or(0.2);
                    white_other_codes.push((i as u8, w));
                }
            } else {
                let w = MINORITY_WEIGHTS
                    .iter()
                    .find(|x| x.0 == code_i)
                    .map(|x| x.1)
                    .unwrap_or(2.0);
                // Each area has its own communities: vary the mix a lot.
                let local = (0.8 * normal(rng)).exp();
                minority_codes.push((i as u8, w * local));
            }
        }
        let vacancy = if london {
            1.0 + 0.6 * rng.random::<f64>()
        } else {
            0.75 + 0.5 * rng.random::<f64>()
        };
        AreaProfile {
            name: AREA_WORDS[(str_hash(code) % AREA_WORDS.len() as u64) as usize].to_string(),
            minority,
            minority_codes: cum_codes(minority_codes),
            white_other: if london {
                0.12
            } else {
                0.04 + 0.03 * rng.random::<f64>()
            },
            white_other_codes: cum_codes(white_other_codes),
            white_british,
            not_known_codes: cum_codes(not_known_codes),
            pay: if london {
                1.12 + 0.06 * rng.random::<f64>()
            } else {
                0.96 + 0.08 * rng.random::<f64>()
            },
            vacancy,
            turnover: 0.85 + 0.35 * rng.random::<f64>(),
        }
    }
}

/// The employers and settings of one area.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub employers: Vec<Employer>,
    pub settings: Vec<Setting>,
    counters: [u32; 25],
}

/// Builds a plan; `scale` 1.0 is an area of roughly 18,000 posts.
pub(crate) struct Planner<'a, R: Rng + ?Sized> {
    rng: &'a mut R,
    area: &'a str,
    area_name: &'a str,
    scale: f64,
    area_seed: u64,
    pub plan: Plan,
}

const REF_PREFIXES: [&str; 6] = ["", "EMP", "P", "W-", "HR", "STF"];

impl<'a, R: Rng + ?Sized> Planner<'a, R> {
    pub(crate) fn new(
        rng: &'a mut R,
        area: &'a str,
        area_name: &'a str,
        scale: f64,
        area_seed: u64,
    ) -> Self {
        Planner {
            rng,
            area,
            area_name,
            scale,
            area_seed,
            plan: Plan::default(),
        }
    }

    fn u(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// Random rounding: 2.3 becomes 2 or 3 with the right odds.
    fn round(&mut self, x: f64) -> u32 {
        let x = x.max(0.0);
        let f = x.floor();
        f as u32 + u32::from(self.u() < x - f)
    }

    /// A number of employers (or teams) for a reference count at scale 1.
    fn count(&mut self, reference: f64) -> u32 {
        let s = self.scale;
        self.round(reference * s)
    }

    /// Like `count` but at least one.
    fn count1(&mut self, reference: f64) -> u32 {
        self.count(reference).max(1)
    }

    /// A size drawn around a mean with log-normal spread, within bounds.
    fn size(&mut self, mean: f64, spread: f64, lo: f64, hi: f64) -> f64 {
        let z = normal(self.rng);
        (mean * (spread * z - spread * spread / 2.0).exp()).clamp(lo, hi)
    }

    fn place(&mut self) -> &'static str {
        PLACES[self.rng.random_range(0..PLACES.len())]
    }

    fn choose<'b>(&mut self, list: &'b [&'b str]) -> &'b str {
        list[self.rng.random_range(0..list.len())]
    }

    /// Public / private / voluntary by the given odds of public and private.
    fn sector(&mut self, public: f64, private: f64) -> &'static str {
        let u = self.u();
        if u < public {
            "public"
        } else if u < public + private {
            "private"
        } else {
            "voluntary"
        }
    }

    /// Creates an employer with the next id of its kind.
    pub(crate) fn employer(
        &mut self,
        kind: Kind,
        name: String,
        sector: &str,
        opened: usize,
    ) -> usize {
        let k = kind.index();
        self.plan.counters[k] += 1;
        let n = self.plan.counters[k];
        let id = format!("{}-{}-{:04}", self.area, kind.slug(), n);
        let hash = mix3(self.area_seed, str_hash(&id), 0xE3);
        let ref_prefix = REF_PREFIXES[(hash % REF_PREFIXES.len() as u64) as usize];
        self.plan.employers.push(Employer {
            id,
            name,
            kind,
            sector: codes().employing_sector.must(sector) as u8,
            settings: Vec::new(),
            hash,
            ref_prefix,
            next_ref: 1 + (mix(hash, 1) % 5000) as u32,
            opened,
            closed: None,
        });
        self.plan.employers.len() - 1
    }

    /// Adds a setting with expected posts per role (randomly rounded); a setting that
    /// would have no posts is left out.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn setting(
        &mut self,
        employer: usize,
        stype: &str,
        name: String,
        provision: &str,
        multi_agency: Option<bool>,
        places: Option<u32>,
        roles: &[(&str, f64)],
    ) {
        let mut template: Vec<(u16, u32)> = Vec::new();
        for &(r, x) in roles {
            let n = self.round(x);
            if n == 0 {
                continue;
            }
            let ri = role(r);
            match template.iter_mut().find(|t| t.0 == ri) {
                Some(t) => t.1 += n,
                None => template.push((ri, n)),
            }
        }
        if template.is_empty() {
            return;
        }
        let c = codes();
        let st = setting_type(stype);
        let e = &mut self.plan.employers[employer];
        let n = e.settings.len() + 1;
        let id = match stype {
            "school_primary" | "school_secondary" | "school_special" | "school_all_through" => {
                format!("URN{}", 100_000 + (mix(e.hash, n as u64) % 60_000))
            }
            _ => format!("{}{:03}", setting_prefix(stype), n),
        };
        e.settings.push(self.plan.settings.len() as u32);
        self.plan.settings.push(Setting {
            employer: employer as u32,
            id,
            name,
            setting_type: st,
            provision: c.provision.must(provision) as u8,
            multi_agency,
            places,
            template,
        });
    }

    /// Builds the whole area.
    pub(crate) fn build(&mut self) {
        self.local_authority();
        self.schools();
        self.college();
        self.nhs();
        self.early_years();
        self.social_care();
        self.youth();
        self.sport_and_culture();
        self.justice();
    }

    /// The council and its settings, service by service (the random draws follow this order).
    fn local_authority(&mut self) {
        let name = format!("{} Council", self.area_name);
        let la = self.employer(Kind::LocalAuthority, name, "public", 0);
        self.la_central_teams(la);
        self.la_social_work_teams(la);
        self.la_early_help_and_fostering(la);
        self.la_childrens_homes(la);
        self.la_childrens_centres(la);
        self.la_youth_centres(la);
        self.la_youth_justice(la);
    }

    /// The directorate and the multi-agency safeguarding hub.
    fn la_central_teams(&mut self, la: usize) {
        let s = self.scale;
        let hos = (6.0 * s).clamp(1.0, 8.0);
        self.setting(
            la,
            "la_childrens_services",
            "Children's Services Directorate".into(),
            "targeted",
            Some(false),
            None,
            &[
                ("director_childrens_services", 1.0),
                ("head_of_service", hos),
                ("service_manager", (10.0 * s).max(1.0)),
                ("educational_psychologist", 10.0 * s),
                ("education_welfare_officer", 8.0 * s),
            ],
        );
        self.setting(
            la,
            "la_childrens_services",
            "Multi-Agency Safeguarding Hub".into(),
            "targeted",
            Some(true),
            None,
            &[
                ("social_worker", (10.0 * s).max(1.0)),
                ("senior_practitioner", 2.0 * s),
                ("team_manager", 1.0),
                ("social_work_assistant", 2.0 * s),
            ],
        );
    }

    /// Social work teams (seven at scale 1, at least one): in care, protection and need by turn.
    fn la_social_work_teams(&mut self, la: usize) {
        let teams = self.count1(7.0);
        for i in 1..=teams {
            let multi = self.u() < 0.3;
            let (label, provision) = match i % 3 {
                0 => ("Children in Care Team", "specialist"),
                1 => ("Child Protection Team", "specialist"),
                _ => ("Children in Need Team", "targeted"),
            };
            self.setting(
                la,
                "la_childrens_services",
                format!("{label} {i}"),
                provision,
                Some(multi),
                None,
                &[
                    ("social_worker", 12.0),
                    ("senior_practitioner", 3.0),
                    ("team_manager", 1.0),
                    ("social_work_assistant", 2.0),
                    ("family_support_worker", 2.0),
                ],
            );
        }
    }

    /// Early help and the fostering service, scaled to the area.
    fn la_early_help_and_fostering(&mut self, la: usize) {
        let s = self.scale;
        self.setting(
            la,
            "la_childrens_services",
            "Early Help and Family Support".into(),
            "targeted",
            Some(true),
            None,
            &[
                ("family_support_worker", (20.0 * s).max(1.0)),
                ("parenting_practitioner", 10.0 * s),
                ("service_manager", 1.0),
            ],
        );
        self.setting(
            la,
            "fostering_service",
            "Fostering Service".into(),
            "specialist",
            Some(false),
            None,
            &[
                ("foster_carer", (250.0 * s).max(2.0)),
                ("social_worker", (12.0 * s).max(1.0)),
                ("team_manager", 1.0),
                ("social_work_assistant", 2.0 * s),
            ],
        );
    }

    /// The council's own children's homes (two at scale 1).
    fn la_childrens_homes(&mut self, la: usize) {
        for _ in 0..self.count(2.0) {
            let beds = self.rng.random_range(3..=6u32);
            let name = format!("{} House", self.place());
            self.setting(
                la,
                "childrens_home",
                name,
                "specialist",
                Some(false),
                Some(beds),
                &[
                    ("residential_manager", 1.0),
                    ("residential_care_worker", beds as f64 * 2.2 + 2.0),
                ],
            );
        }
    }

    /// Children's centres (eight at scale 1).
    fn la_childrens_centres(&mut self, la: usize) {
        for _ in 0..self.count(8.0) {
            let name = format!("{} Children's Centre", self.place());
            let multi = self.u() < 0.7;
            let provision = if self.u() < 0.6 {
                "targeted"
            } else {
                "universal"
            };
            self.setting(
                la,
                "childrens_centre",
                name,
                provision,
                Some(multi),
                None,
                &[
                    ("childrens_centre_leader", 0.6),
                    ("early_years_practitioner", 3.0),
                    ("early_years_teacher", 0.5),
                    ("family_support_worker", 3.0),
                    ("parenting_practitioner", 0.5),
                ],
            );
        }
    }

    /// Youth centres (five at scale 1); the first has the youth service manager.
    fn la_youth_centres(&mut self, la: usize) {
        let centres = self.count(5.0);
        for i in 0..centres {
            let name = format!("{} Youth Centre", self.place());
            let provision = if self.u() < 0.6 {
                "universal"
            } else {
                "targeted"
            };
            let manager = if i == 0 { 1.0 } else { 0.0 };
            self.setting(
                la,
                "youth_centre",
                name,
                provision,
                Some(false),
                None,
                &[
                    ("youth_service_manager", manager),
                    ("youth_worker", 4.0),
                    ("youth_support_worker", 9.0),
                    ("personal_adviser", 1.0),
                ],
            );
        }
    }

    /// The youth justice service, usually multi-agency.
    fn la_youth_justice(&mut self, la: usize) {
        let s = self.scale;
        let multi = self.u() < 0.9;
        self.setting(
            la,
            "youth_offending_service",
            "Youth Justice Service".into(),
            "targeted",
            Some(multi),
            None,
            &[
                ("youth_offending_officer", (28.0 * s).max(1.0)),
                ("team_manager", (2.0 * s).max(1.0)),
                ("service_manager", if s > 0.3 { 1.0 } else { 0.0 }),
                ("social_worker", 2.0 * s),
            ],
        );
    }

    fn school_roles(
        &mut self,
        phase: &str,
        pupils: f64,
        private: bool,
    ) -> Vec<(&'static str, f64)> {
        let p = pupils;
        let ta = if private { 0.5 } else { 1.0 };
        match phase {
            "school_primary" => vec![
                ("headteacher", 1.0),
                ("deputy_head", 1.0 + f64::from(p > 350.0)),
                ("teacher", p / if private { 18.0 } else { 27.0 }),
                ("teaching_assistant", ta * p / 22.0),
                ("send_support", ta * p / 90.0),
                ("hlta", ta * p / 220.0),
                ("learning_mentor", 0.4),
                ("school_business_manager", 0.7),
                ("school_administrator", 1.0 + p / 300.0),
                ("early_years_teacher", 0.6 + p / 600.0),
                ("early_years_practitioner", 1.5 + p / 300.0),
                ("early_years_assistant", 0.5),
                ("sports_coach", 0.2),
                ("playworker", 0.6),
            ],
            "school_secondary" => vec![
                ("headteacher", 1.0),
                ("deputy_head", 2.0 + p / 500.0),
                ("teacher", p / if private { 10.0 } else { 16.0 }),
                ("teaching_assistant", ta * p / 70.0),
                ("send_support", ta * p / 80.0),
                ("hlta", ta * (1.0 + p / 800.0)),
                ("learning_mentor", p / 300.0),
                ("school_business_manager", 1.0),
                ("school_administrator", 2.0 + p / 180.0),
                ("sports_coach", 0.5),
                ("arts_library_worker", 0.8),
                ("personal_adviser", 0.3),
            ],
            "school_special" => vec![
                ("headteacher", 1.0),
                ("deputy_head", 1.0 + p / 100.0),
                ("teacher", p / 7.0),
                ("teaching_assistant", p / 3.5),
                ("send_support", p / 12.0),
                ("hlta", 1.0 + p / 80.0),
                ("learning_mentor", 0.5),
                ("school_business_manager", 1.0),
                ("school_administrator", 1.0 + p / 100.0),
                ("early_years_practitioner", 0.6),
            ],
            _ => {
                let mut v = self.school_roles("school_secondary", p * 0.6, private);
                for (r, x) in self.school_roles("school_primary", p * 0.4, private) {
                    if r == "headteacher" {
                        continue;
                    }
                    v.push((r, x));
                }
                v
            }
        }
    }

    fn school_name(&mut self, phase: &str) -> String {
        let place = self.place();
        match phase {
            "school_primary" => {
                if self.u() < 0.3 {
                    let saint = self.choose(&SAINTS);
                    format!("{saint} CE Primary School")
                } else if self.u() < 0.3 {
                    format!("{place} Infant and Junior School")
                } else {
                    format!("{place} Primary School")
                }
            }
            "school_secondary" => {
                if self.u() < 0.5 {
                    format!("{place} Academy")
                } else {
                    format!("{place} High School")
                }
            }
            "school_special" => format!("{place} Special School"),
            _ => format!("{place} All-Through Academy"),
        }
    }

    fn schools(&mut self) {
        // (phase, count at scale 1, mean pupils, min, max, share private)
        let phases: [(&str, f64, f64, f64, f64, f64); 4] = [
            ("school_primary", 120.0, 300.0, 60.0, 700.0, 0.07),
            ("school_secondary", 20.0, 1050.0, 400.0, 2000.0, 0.12),
            ("school_special", 6.0, 120.0, 40.0, 260.0, 0.20),
            ("school_all_through", 1.0, 1500.0, 900.0, 2200.0, 0.10),
        ];
        struct School {
            phase: &'static str,
            pupils: u32,
            private: bool,
            name: String,
        }
        let mut schools = Vec::new();
        for (phase, n, mean, lo, hi, private) in phases {
            for _ in 0..self.count(n) {
                let pupils = self.size(mean, 0.35, lo, hi).round() as u32;
                let private = self.u() < private;
                let name = self.school_name(phase);
                schools.push(School {
                    phase,
                    pupils,
                    private,
                    name,
                });
            }
        }
        // About a third of state schools belong to multi-academy trusts of 3-7 schools.
        let mut trust: Option<(usize, u32)> = None;
        for sc in schools {
            let in_trust = !sc.private && self.u() < 0.45;
            let employer = if in_trust {
                match trust {
                    Some((e, left)) if left > 0 => {
                        trust = Some((e, left - 1));
                        e
                    }
                    _ => {
                        let name = format!("{} Learning Trust", self.place());
                        let e = self.employer(Kind::Trust, name, "public", 0);
                        self.setting(
                            e,
                            "other",
                            "Trust Central Team".into(),
                            "universal",
                            None,
                            None,
                            &[
                                ("headteacher", 1.0),
                                ("school_business_manager", 1.5),
                                ("school_administrator", 2.5),
                                ("service_manager", 0.5),
                            ],
                        );
                        let size = self.rng.random_range(2..=6u32);
                        trust = Some((e, size));
                        e
                    }
                }
            } else {
                let sector = if sc.private { "private" } else { "public" };
                self.employer(Kind::School, sc.name.clone(), sector, 0)
            };
            let roles = self.school_roles(sc.phase, sc.pupils as f64, sc.private);
            let provision = if sc.phase == "school_special" {
                "specialist"
            } else {
                "universal"
            };
            self.setting(
                employer,
                sc.phase,
                sc.name,
                provision,
                None,
                Some(sc.pupils),
                &roles,
            );
        }
    }

    fn college(&mut self) {
        let s = self.scale;
        let name = format!("{} College", self.place());
        let e = self.employer(Kind::College, name, "public", 0);
        let learners = (6000.0 * s).max(300.0).round() as u32;
        self.setting(
            e,
            "fe_college",
            "Main Campus".into(),
            "universal",
            None,
            Some(learners),
            &[
                ("headteacher", 1.0),
                ("deputy_head", (2.0 * s).max(1.0)),
                ("fe_lecturer", 190.0 * s),
                ("teaching_assistant", 25.0 * s),
                ("send_support", 25.0 * s),
                ("learning_mentor", 20.0 * s),
                ("school_administrator", 40.0 * s),
                ("personal_adviser", 12.0 * s),
                ("service_manager", 5.0 * s),
                ("sports_coach", 3.0 * s),
                ("arts_library_worker", 4.0 * s),
            ],
        );
        if self.u() < 0.5 {
            let places = self.rng.random_range(30..=60u32);
            self.setting(
                e,
                "full_daycare",
                "Campus Nursery".into(),
                "universal",
                None,
                Some(places),
                &[
                    ("setting_manager", 1.0),
                    ("room_leader", 1.0),
                    ("early_years_practitioner", places as f64 / 6.0),
                ],
            );
        }
    }

    fn nhs(&mut self) {
        let s = self.scale;
        let name = format!("{} Community Health NHS Trust", self.area_name);
        let e = self.employer(Kind::NhsCommunity, name, "public", 0);
        let multi = self.u() < 0.3;
        self.setting(
            e,
            "health_community",
            "Health Visiting Service".into(),
            "universal",
            Some(multi),
            None,
            &[
                ("health_visitor", (130.0 * s).max(1.0)),
                ("healthcare_assistant", 35.0 * s),
                ("service_manager", 1.0),
            ],
        );
        self.setting(
            e,
            "health_community",
            "School Nursing Service".into(),
            "universal",
            Some(false),
            None,
            &[
                ("school_nurse", (60.0 * s).max(1.0)),
                ("healthcare_assistant", 12.0 * s),
            ],
        );
        let multi = self.u() < 0.6;
        self.setting(
            e,
            "health_community",
            "Child and Adolescent Mental Health Service".into(),
            "specialist",
            Some(multi),
            None,
            &[
                ("camhs_practitioner", (110.0 * s).max(1.0)),
                ("service_manager", (1.0 * s).max(0.5)),
            ],
        );
        self.setting(
            e,
            "health_community",
            "Children's Therapies".into(),
            "specialist",
            Some(false),
            None,
            &[
                ("speech_language_therapist", 65.0 * s),
                ("healthcare_assistant", 8.0 * s),
            ],
        );
        self.setting(
            e,
            "health_community",
            "Community Children's Nursing".into(),
            "specialist",
            Some(false),
            None,
            &[("childrens_nurse", 35.0 * s)],
        );
        self.setting(
            e,
            "health_community",
            "Community Paediatrics".into(),
            "specialist",
            Some(false),
            None,
            &[("paediatrician", 14.0 * s), ("childrens_nurse", 5.0 * s)],
        );
        let name = format!("{} Hospitals NHS Foundation Trust", self.place());
        let h = self.employer(Kind::NhsHospital, name, "public", 0);
        let beds = (40.0 * s).max(4.0).round() as u32;
        self.setting(
            h,
            "health_hospital",
            "Maternity Unit".into(),
            "specialist",
            Some(false),
            Some(beds),
            &[
                ("midwife", (190.0 * s).max(1.0)),
                ("healthcare_assistant", 30.0 * s),
            ],
        );
        self.setting(
            h,
            "health_hospital",
            "Children's Ward".into(),
            "specialist",
            Some(false),
            Some((beds * 3 / 4).max(2)),
            &[
                ("childrens_nurse", (110.0 * s).max(1.0)),
                ("paediatrician", 20.0 * s),
                ("healthcare_assistant", 20.0 * s),
                ("playworker", 3.0 * s),
            ],
        );
        self.setting(
            h,
            "health_hospital",
            "Neonatal Unit".into(),
            "specialist",
            Some(false),
            Some((beds / 2).max(2)),
            &[("childrens_nurse", 60.0 * s), ("paediatrician", 9.0 * s)],
        );
        self.setting(
            h,
            "health_hospital",
            "Paediatric Outpatients".into(),
            "specialist",
            Some(false),
            None,
            &[
                ("childrens_nurse", 20.0 * s),
                ("healthcare_assistant", 6.0 * s),
            ],
        );
    }

    fn full_daycare(&mut self, e: usize, name: String, places: u32, public: bool) {
        let p = places as f64;
        let staff = p / 4.2;
        let teacher = if public { 0.8 } else { 0.15 };
        self.setting(
            e,
            "full_daycare",
            name,
            "universal",
            None,
            Some(places),
            &[
                ("setting_manager", 1.0),
                ("room_leader", p / 28.0),
                ("early_years_teacher", teacher),
                ("early_years_assistant", 0.18 * staff),
                (
                    "early_years_practitioner",
                    (0.82 * staff - 1.0 - p / 28.0 - teacher).max(1.0),
                ),
            ],
        );
    }

    /// A new childminder (used at the start and when one closes and another registers).
    pub(crate) fn childminder(&mut self, opened: usize) -> usize {
        let surname = self.choose(&SURNAMES);
        let initial = (b'A' + self.rng.random_range(0..26u8)) as char;
        let name = if self.u() < 0.3 {
            let brand = self.choose(&NURSERY);
            format!("{brand} Childminding ({initial}. {surname})")
        } else {
            format!("{initial}. {surname} (childminder)")
        };
        let e = self.employer(Kind::Childminder, name, "private", opened);
        let assistant = if self.u() < 0.15 { 1.0 } else { 0.0 };
        let places = self.rng.random_range(4..=6u32) + 3 * assistant as u32;
        self.setting(
            e,
            "childminder_home",
            format!("{surname} Childminding"),
            "universal",
            None,
            Some(places),
            &[("childminder", 1.0), ("childminder_assistant", assistant)],
        );
        e
    }

    fn early_years(&mut self) {
        for _ in 0..self.count(6.0) {
            let brand = self.choose(&NURSERY);
            let e = self.employer(
                Kind::NurseryChain,
                format!("{brand} Nurseries Ltd"),
                "private",
                0,
            );
            let n = 2 + self.size(3.0, 0.6, 0.0, 10.0).round() as u32;
            for _ in 0..n {
                let places = 2 * self.rng.random_range(20..=60u32);
                let name = format!("{brand} {}", self.place());
                self.full_daycare(e, name, places, false);
            }
        }
        for _ in 0..self.count(55.0) {
            let sector = self.sector(0.08, 0.72);
            let name = if sector == "voluntary" {
                format!("{} Community Nursery", self.place())
            } else {
                format!("{} Day Nursery", self.choose(&NURSERY))
            };
            let e = self.employer(Kind::Nursery, name.clone(), sector, 0);
            let places = 2 * self.rng.random_range(15..=60u32);
            self.full_daycare(e, name, places, sector == "public");
        }
        for _ in 0..self.count(28.0) {
            let sector = self.sector(0.0, 0.35);
            let name = format!("{} Pre-School", self.place());
            let e = self.employer(Kind::Playgroup, name.clone(), sector, 0);
            let places = self.rng.random_range(20..=52u32);
            let staff = places as f64 / 5.0;
            self.setting(
                e,
                "sessional_daycare",
                name,
                "universal",
                None,
                Some(places),
                &[
                    ("setting_manager", 1.0),
                    ("early_years_practitioner", 0.55 * staff),
                    ("early_years_assistant", 0.45 * staff),
                ],
            );
        }
        for _ in 0..self.count(28.0) {
            let sector = self.sector(0.1, 0.5);
            let place = self.place();
            let name = if self.u() < 0.5 {
                format!("{place} Kids Club")
            } else {
                format!("{place} Breakfast and After School Club")
            };
            let e = self.employer(Kind::OutOfSchool, name.clone(), sector, 0);
            let places = self.rng.random_range(24..=90u32);
            let staff = places as f64 / 8.0;
            self.setting(
                e,
                "out_of_school_club",
                name,
                "universal",
                None,
                Some(places),
                &[
                    ("play_manager", 1.0),
                    ("playworker", (staff - 0.4).max(1.0)),
                    ("early_years_practitioner", 0.4),
                ],
            );
        }
        for _ in 0..self.count(80.0) {
            self.childminder(0);
        }
        for _ in 0..self.count(2.0) {
            let name = format!("{} Nannies", self.place());
            let e = self.employer(Kind::NannyAgency, name.clone(), "private", 0);
            let n = self.size(25.0, 0.4, 5.0, 80.0);
            self.setting(e, "other", name, "universal", None, None, &[("nanny", n)]);
        }
    }

    fn social_care(&mut self) {
        let s = self.scale;
        for _ in 0..self.count(14.0) {
            let sector = self.sector(0.0, 0.78);
            let company = if self.u() < 0.5 {
                format!("{} Care Ltd", self.choose(&SURNAMES))
            } else {
                format!("{} Children's Services", self.place())
            };
            let e = self.employer(Kind::ChildrensHome, company, sector, 0);
            let homes = if self.u() < 0.7 {
                1
            } else {
                self.rng.random_range(2..=4)
            };
            for _ in 0..homes {
                let beds = self.rng.random_range(2..=8u32);
                let name = format!("{} House", self.place());
                self.setting(
                    e,
                    "childrens_home",
                    name,
                    "specialist",
                    Some(false),
                    Some(beds),
                    &[
                        ("residential_manager", 1.0),
                        ("residential_care_worker", beds as f64 * 2.0 + 2.0),
                        ("social_worker", 0.1),
                    ],
                );
            }
        }
        for _ in 0..self.count(3.0) {
            let sector = self.sector(0.0, 0.7);
            let name = format!("{} Fostering", self.choose(&NURSERY));
            let e = self.employer(Kind::FosteringAgency, name.clone(), sector, 0);
            let carers = self.size(90.0, 0.4, 20.0, 250.0);
            self.setting(
                e,
                "fostering_service",
                name,
                "specialist",
                Some(false),
                None,
                &[
                    ("foster_carer", carers),
                    ("social_worker", carers / 9.0),
                    ("team_manager", 1.0),
                    ("service_manager", 1.0),
                    ("social_work_assistant", 1.0),
                    ("family_support_worker", 1.0),
                ],
            );
        }
        for _ in 0..self.count(10.0) {
            let name = format!("{} Family Support", self.place());
            let e = self.employer(Kind::FamilyCharity, name.clone(), "voluntary", 0);
            let n = self.size(18.0, 0.5, 6.0, 60.0);
            let stype = if self.u() < 0.2 {
                "childrens_centre"
            } else {
                "other"
            };
            let multi = self.u() < 0.3;
            self.setting(
                e,
                stype,
                name,
                "targeted",
                Some(multi),
                None,
                &[
                    ("service_manager", 1.0),
                    ("family_support_worker", 0.45 * n),
                    ("parenting_practitioner", 0.2 * n),
                    ("social_work_assistant", 0.05 * n),
                    ("youth_worker", 0.05 * n),
                ],
            );
        }
        let name = format!("Cafcass {} Team", self.area_name);
        let e = self.employer(Kind::Cafcass, name, "public", 0);
        self.setting(
            e,
            "other",
            "Family Court Team".into(),
            "targeted",
            Some(false),
            None,
            &[
                ("family_court_adviser", (22.0 * s).max(1.0)),
                ("team_manager", (2.0 * s).max(1.0)),
                ("service_manager", 0.5 * s),
            ],
        );
    }

    fn youth(&mut self) {
        let s = self.scale;
        for _ in 0..self.count(25.0) {
            let place = self.place();
            let name = match self.rng.random_range(0..3) {
                0 => format!("{place} Youth Project"),
                1 => format!("{place} Young People's Trust"),
                _ => format!("{place} Youth Club"),
            };
            let e = self.employer(Kind::YouthOrg, name.clone(), "voluntary", 0);
            let n = self.size(48.0, 0.6, 8.0, 200.0);
            let provision = if self.u() < 0.7 {
                "universal"
            } else {
                "targeted"
            };
            self.setting(
                e,
                "youth_centre",
                name,
                provision,
                Some(false),
                None,
                &[
                    ("youth_service_manager", if n > 20.0 { 1.0 } else { 0.0 }),
                    ("youth_worker", 0.15 * n),
                    ("youth_support_worker", 0.8 * n),
                ],
            );
        }
        let sector = self.sector(0.0, 0.5);
        let name = format!("{} Careers Service", self.area_name);
        let e = self.employer(Kind::Careers, name, sector, 0);
        self.setting(
            e,
            "other",
            "Careers Hub".into(),
            "targeted",
            Some(false),
            None,
            &[
                ("personal_adviser", (38.0 * s).max(1.0)),
                ("youth_service_manager", 1.0),
                ("service_manager", 0.5 * s),
            ],
        );
    }

    fn sport_and_culture(&mut self) {
        let s = self.scale;
        for _ in 0..self.count(32.0) {
            let sport = self.choose(&SPORTS);
            let name = format!("{} {sport} Club", self.place());
            let e = self.employer(Kind::SportClub, name.clone(), "voluntary", 0);
            let n = self.size(37.0, 0.6, 6.0, 150.0);
            self.setting(
                e,
                "play_sport_venue",
                name,
                "universal",
                None,
                None,
                &[("sports_coach", 0.95 * n), ("play_manager", 0.05 * n)],
            );
        }
        for _ in 0..self.count(14.0) {
            let name = if self.u() < 0.5 {
                format!("{} Sports Coaching Ltd", self.choose(&SURNAMES))
            } else {
                format!("{} Activity Centre", self.place())
            };
            let e = self.employer(Kind::SportProvider, name.clone(), "private", 0);
            let n = self.size(36.0, 0.5, 6.0, 120.0);
            self.setting(
                e,
                "play_sport_venue",
                name,
                "universal",
                None,
                None,
                &[
                    ("play_manager", 1.0),
                    ("sports_coach", 0.75 * n),
                    ("outdoor_instructor", 0.2 * n),
                ],
            );
        }
        let sector = self.sector(0.6, 0.0);
        let name = format!("{} Leisure and Libraries", self.area_name);
        let e = self.employer(Kind::Leisure, name, sector, 0);
        for i in 0..self.count1(3.0) {
            let name = format!("{} Leisure Centre", self.place());
            self.setting(
                e,
                "play_sport_venue",
                name,
                "universal",
                None,
                None,
                &[
                    ("service_manager", if i == 0 { 1.0 } else { 0.0 }),
                    ("sports_coach", 40.0 * s.min(1.0)),
                    ("outdoor_instructor", 5.0 * s.min(1.0)),
                    ("playworker", 6.0 * s.min(1.0)),
                    ("play_manager", 2.0 * s.min(1.0)),
                ],
            );
        }
        for _ in 0..self.count1(4.0) {
            let name = format!("{} Library", self.place());
            self.setting(
                e,
                "play_sport_venue",
                name,
                "universal",
                None,
                None,
                &[("arts_library_worker", (18.0 * s.min(1.0)).max(1.0))],
            );
        }
        for _ in 0..self.count(7.0) {
            let name = format!("{} Adventure Playground", self.place());
            let e = self.employer(Kind::PlayOrg, name.clone(), "voluntary", 0);
            let n = self.size(21.0, 0.5, 4.0, 70.0);
            self.setting(
                e,
                "play_sport_venue",
                name,
                "universal",
                None,
                None,
                &[("play_manager", 1.0), ("playworker", n - 1.0)],
            );
        }
        for _ in 0..self.count(7.0) {
            let name = if self.u() < 0.5 {
                format!("{} Youth Theatre", self.place())
            } else {
                format!("{} Arts", self.choose(&NURSERY))
            };
            let e = self.employer(Kind::ArtsOrg, name.clone(), "voluntary", 0);
            let n = self.size(21.0, 0.5, 4.0, 70.0);
            self.setting(
                e,
                "play_sport_venue",
                name,
                "universal",
                None,
                None,
                &[("arts_library_worker", 0.9 * n), ("play_manager", 0.1 * n)],
            );
        }
    }

    fn justice(&mut self) {
        let s = self.scale;
        let name = format!("{} Police", self.area_name);
        let e = self.employer(Kind::Police, name, "public", 0);
        let multi = self.u() < 0.8;
        self.setting(
            e,
            "other",
            "Child Protection Unit".into(),
            "targeted",
            Some(multi),
            None,
            &[("police_child_protection_officer", (38.0 * s).max(1.0))],
        );
        if self.u() < 0.12 {
            let name = format!("{} Secure Children's Home", self.place());
            let e = self.employer(Kind::Secure, name.clone(), "public", 0);
            let beds = self.rng.random_range(8..=24u32);
            self.setting(
                e,
                "childrens_home",
                name,
                "specialist",
                Some(true),
                Some(beds),
                &[
                    ("residential_manager", 1.0),
                    ("secure_estate_officer", 3.0 * beds as f64),
                    ("teacher", 4.0),
                    ("social_worker", 2.0),
                ],
            );
        }
    }
}

fn setting_prefix(stype: &str) -> &'static str {
    match stype {
        "full_daycare" => "DN",
        "sessional_daycare" => "PS",
        "childminder_home" => "CM",
        "out_of_school_club" => "OSC",
        "childrens_centre" => "CC",
        "fe_college" => "CAMPUS",
        "childrens_home" => "HOME",
        "fostering_service" => "FOST",
        "la_childrens_services" => "TEAM",
        "youth_centre" => "YC",
        "youth_offending_service" => "YJS",
        "health_community" => "COMM",
        "health_hospital" => "HOSP",
        "play_sport_venue" => "VEN",
        _ => "SITE",
    }
}

/// The expected number of filled posts of a plan (establishment less expected vacancies).
pub(crate) fn expected_filled(plan: &Plan, vacancy_factor: f64) -> f64 {
    let m = model();
    plan.settings
        .iter()
        .flat_map(|s| s.template.iter())
        .map(|&(r, n)| n as f64 * (1.0 - (m.roles[r as usize].vacancy * vacancy_factor).min(0.5)))
        .sum()
}

/// A per-area scale that gives about `posts` filled posts. The plan is rebuilt from the
/// same seed at each try, so the result is deterministic.
pub(crate) fn calibrated_plan<R, F>(
    area: &str,
    profile: &AreaProfile,
    posts: usize,
    area_seed: u64,
    make_rng: F,
) -> Plan
where
    R: Rng,
    F: Fn() -> R,
{
    let mut scale = posts as f64 / 18_000.0;
    let mut plan = Plan::default();
    for _ in 0..3 {
        let mut rng = make_rng();
        let mut p = Planner::new(&mut rng, area, &profile.name, scale, area_seed);
        p.build();
        plan = p.plan;
        let got = expected_filled(&plan, profile.vacancy);
        if got <= 0.0 {
            break;
        }
        let ratio = posts as f64 / got;
        if (ratio - 1.0).abs() < 0.01 {
            break;
        }
        scale *= ratio;
    }
    plan
}

/// Continues a finished plan (for childminders who register later), with a fresh random
/// stream so that the original plan is not disturbed.
pub(crate) fn resume<'a, R: Rng + ?Sized>(
    rng: &'a mut R,
    area: &'a str,
    area_name: &'a str,
    area_seed: u64,
    plan: Plan,
) -> Planner<'a, R> {
    Planner {
        rng,
        area,
        area_name,
        scale: 1.0,
        area_seed,
        plan,
    }
}

/// Whether a (hash-keyed) event with the given probability happens.
pub(crate) fn chance(h: u64, p: f64) -> bool {
    unit(h) < p
}
