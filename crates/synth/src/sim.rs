//! The people of one area moving through the years: a warm-up year fills every planned
//! post, then each year some people retire or leave, some change employer (in the same
//! sector or into another one, early years practitioners becoming teaching assistants
//! above all), some are promoted, and new people join. Every post that ends is kept as a
//! leaver of its employer for that year, with a destination that agrees with where the
//! person actually is on the next census date. One area is simulated by one thread from its
//! own seed, so the result never depends on scheduling.

use crate::ids::{NinoSpace, mix, mix3, str_hash, unit};
use crate::model::{CROSS_MOVES, Contract, PROMOTIONS, contract_turnover, model, pick, role};
use crate::plan::{AreaProfile, Kind, Plan, calibrated_plan, chance, normal, pick_code, resume};
use chrono::{Datelike, NaiveDate};
use observatory_domain::codes;
use observatory_domain::rules::year_before;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// No employer.
pub(crate) const NONE: u32 = u32::MAX;

const FATE_UNDECIDED: u8 = 0;
const FATE_STAY: u8 = 1;
const FATE_RETIRE: u8 = 2;
const FATE_DEATH: u8 = 3;

/// One synthetic person.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub nino: [u8; 9],
    pub birth_year: u16,
    pub gender: u8,
    pub ethnicity: u8,
    pub disability: u8,
    /// Highest qualification achieved, as an ordinal (0 none, 1 entry, 2 = level 1 .. 9 = level 8).
    pub qual: u8,
    /// Ordinal being worked towards, 0 when none.
    pub towards: u8,
    /// Employers (and the workforce sector of the post) on the current census date.
    pub at: [u32; 2],
    pub at_sector: [u8; 2],
    prev_jobs: u8,
    left_from: u32,
    fate: u8,
}

impl Person {
    /// Records a post in role `r` with employer `e` in the person's first free slot, and
    /// returns the slot.
    fn works_at(&mut self, e: u32, r: u16) -> usize {
        let slot = usize::from(self.at[0] != NONE);
        self.at[slot] = e;
        self.at_sector[slot] = model().roles[r as usize].sector as u8;
        slot
    }
}

/// One post held on a census date.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Post {
    pub person: u32,
    pub role: u16,
    pub contract: Contract,
    /// Hundredths of full time, 1..=100.
    pub fte: u8,
    /// Days from the common era.
    pub start: i32,
    /// Full-time-equivalent annual pay in pounds; 0 when not given.
    pub pay: u32,
    /// Number part of the employer's own worker reference.
    pub wref: u32,
}

/// A post that ended in the 12 months before the census date.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Left {
    pub post: Post,
    pub setting: u32,
    pub date: i32,
    /// Reason and destination code positions.
    pub reason: u8,
    pub dest: u8,
}

/// Someone who left a post during the year and looks for one with another employer.
struct Mover {
    person: u32,
    from: u32,
    role: u16,
    leave: i32,
}

/// Code positions the simulation writes, resolved once.
pub(crate) struct Fixed {
    pub female: u8,
    pub male: u8,
    pub gender_other: u8,
    pub gender_not_known: u8,
    pub disabled: u8,
    pub not_disabled: u8,
    pub disability_not_known: u8,
    pub retirement: u8,
    pub resignation: u8,
    pub end_of_contract: u8,
    pub dismissal: u8,
    pub redundancy: u8,
    pub death: u8,
    pub other: u8,
    pub reason_not_known: u8,
    pub same_sector: u8,
    pub other_sector: u8,
    pub outside: u8,
    pub dest_not_known: u8,
    pub childminder: u16,
    pub promotions: Vec<(u16, u16)>,
    pub neighbours: Vec<Vec<u16>>,
    pub cross: Vec<Vec<u16>>,
}

pub(crate) fn fixed() -> &'static Fixed {
    static F: std::sync::OnceLock<Fixed> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let c = codes();
        let m = model();
        let g = |s: &str| c.gender.must(s) as u8;
        let d = |s: &str| c.disability.must(s) as u8;
        let r = |s: &str| c.reason.must(s) as u8;
        let t = |s: &str| c.destination.must(s) as u8;
        let mut promotions: Vec<(u16, u16)> = PROMOTIONS
            .iter()
            .map(|(to, from)| (role(to), role(from)))
            .collect();
        promotions.sort_by_key(|(to, _)| std::cmp::Reverse(m.roles[*to as usize].career_level));
        let n = c.roles.len();
        let neighbours = (0..n)
            .map(|i| {
                let a = &m.roles[i];
                (0..n)
                    .filter(|&j| {
                        let b = &m.roles[j];
                        j != i
                            && a.sector == b.sector
                            && a.career_level.abs_diff(b.career_level) <= 1
                            && b.career_level < 6
                    })
                    .map(|j| j as u16)
                    .collect()
            })
            .collect();
        let mut cross = vec![Vec::new(); n];
        for (from, to) in CROSS_MOVES {
            cross[role(from) as usize] = to.iter().map(|t| role(t)).collect();
        }
        Fixed {
            female: g("female"),
            male: g("male"),
            gender_other: g("other"),
            gender_not_known: g("not_known"),
            disabled: d("yes"),
            not_disabled: d("no"),
            disability_not_known: d("not_known"),
            retirement: r("retirement"),
            resignation: r("resignation"),
            end_of_contract: r("end_of_contract"),
            dismissal: r("dismissal"),
            redundancy: r("redundancy"),
            death: r("death"),
            other: r("other"),
            reason_not_known: r("not_known"),
            same_sector: t("same_sector"),
            other_sector: t("other_childrens_sector"),
            outside: t("outside_childrens_workforce"),
            dest_not_known: t("not_known"),
            childminder: role("childminder"),
            promotions,
            neighbours,
            cross,
        }
    })
}

/// The whole simulated state of one area.
pub(crate) struct Area {
    pub index: usize,
    pub code: String,
    pub seed: u64,
    pub profile: AreaProfile,
    pub plan: Plan,
    pub people: Vec<Person>,
    /// Posts on the current census date, per setting.
    pub posts: Vec<Vec<Post>>,
    /// Posts that ended in the year to the current census date, per employer.
    pub leavers: Vec<Vec<Left>>,
    /// Vacant posts on the current census date, per setting: (role, vacant posts).
    pub vacancies: Vec<Vec<(u16, u32)>>,
    /// Planned posts less drawn vacancies, aligned with each setting's template.
    filled_target: Vec<Vec<u32>>,
    drawn_vacancies: Vec<Vec<u32>>,
    /// 0 is the warm-up year before the first census date.
    pub step: usize,
    rng: ChaCha8Rng,
    nino: NinoSpace,
}

fn days(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// The stretch of days one year's changes fall in, from the census date before (`lo`,
/// at most a year back) to this one (`hi`), and the calendar year pay is drawn for.
#[derive(Debug, Clone, Copy)]
struct Span {
    lo: i32,
    hi: i32,
    year: i32,
}

impl Span {
    fn between(from: NaiveDate, to: NaiveDate) -> Span {
        Span {
            lo: days(from),
            hi: days(to),
            year: to.year(),
        }
    }

    /// A day a post ends on, strictly inside the span.
    fn leave_day(&self, rng: &mut ChaCha8Rng) -> i32 {
        self.lo + 1 + rng.random_range(0..(self.hi - self.lo - 1).max(1))
    }

    /// A day a post starts on, after `lo`.
    fn start_day(&self, rng: &mut ChaCha8Rng) -> i32 {
        self.lo + 1 + rng.random_range(0..(self.hi - self.lo).max(1))
    }
}

/// Sector trends per year: early years growing, youth services shrinking.
fn trend(sector: usize) -> f64 {
    let m = model();
    if sector == m.sector_early_years {
        0.015
    } else if sector == m.sector_education {
        0.003
    } else if sector == m.sector_social_care {
        0.01
    } else if sector == m.sector_youth {
        -0.015
    } else if sector == m.sector_health {
        0.005
    } else if sector == m.sector_justice {
        -0.01
    } else {
        0.0
    }
}

/// Mean years in post for people already there at the start, by sector.
fn tenure_years(sector: usize, contract: Contract) -> f64 {
    let m = model();
    let base = if sector == m.sector_education {
        8.0
    } else if sector == m.sector_health || sector == m.sector_justice {
        8.5
    } else if sector == m.sector_social_care {
        6.0
    } else if sector == m.sector_leadership {
        5.0
    } else {
        4.0
    };
    match contract {
        Contract::Agency => 0.8,
        Contract::FixedTerm => 1.2,
        Contract::Sessional => base * 0.6,
        Contract::Volunteer => base,
        Contract::SelfEmployed => base * 1.8,
        Contract::Permanent => base,
    }
}

impl Area {
    /// Plans the area and fills every post at the warm-up date, a year before `first`.
    pub(crate) fn new(
        index: usize,
        code: &str,
        seed: u64,
        posts_per_area: usize,
        nino: NinoSpace,
        first: NaiveDate,
    ) -> Area {
        let area_seed = mix(seed, str_hash(code));
        let mut prng = ChaCha8Rng::seed_from_u64(mix(area_seed, 2));
        let profile = AreaProfile::new(code, &mut prng);
        let plan = calibrated_plan(code, &profile, posts_per_area, area_seed, || {
            ChaCha8Rng::seed_from_u64(mix(area_seed, 1))
        });
        let n_settings = plan.settings.len();
        let n_employers = plan.employers.len();
        let mut area = Area {
            index,
            code: code.to_string(),
            seed: area_seed,
            profile,
            plan,
            people: Vec::new(),
            posts: vec![Vec::new(); n_settings],
            leavers: vec![Vec::new(); n_employers],
            vacancies: vec![Vec::new(); n_settings],
            filled_target: vec![Vec::new(); n_settings],
            drawn_vacancies: vec![Vec::new(); n_settings],
            step: 0,
            rng: ChaCha8Rng::seed_from_u64(mix(area_seed, 3)),
            nino,
        };
        let warm = year_before(first);
        let span = Span::between(warm, warm);
        area.draw_targets(false);
        let mut pool = Vec::new();
        for s in 0..n_settings {
            let template = area.plan.settings[s].template.clone();
            for (k, &(r, _)) in template.iter().enumerate() {
                let n = area.filled_target[s][k];
                for _ in 0..n {
                    area.join(s, r, span, true, &mut pool);
                }
            }
        }
        area.register();
        area.compute_vacancies();
        area
    }

    fn u(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// Clears and re-fills every person's current employers from the posts.
    fn register(&mut self) {
        for p in &mut self.people {
            p.at = [NONE; 2];
        }
        for (s, posts) in self.posts.iter().enumerate() {
            let e = self.plan.settings[s].employer;
            for post in posts {
                self.people[post.person as usize].works_at(e, post.role);
            }
        }
    }

    /// Establishment drift for the year and the vacancies drawn against it.
    fn draw_targets(&mut self, drift: bool) {
        let m = model();
        let step = self.step;
        for s in 0..self.plan.settings.len() {
            let e = self.plan.settings[s].employer as usize;
            let emp = &self.plan.employers[e];
            if emp.closed.is_some_and(|c| c <= step) {
                self.filled_target[s].clear();
                self.drawn_vacancies[s].clear();
                continue;
            }
            let total: u32 = self.plan.settings[s].template.iter().map(|t| t.1).sum();
            let small = emp.settings.len() == 1 && total < 8;
            let tlen = self.plan.settings[s].template.len();
            let mut filled = Vec::with_capacity(tlen);
            let mut vac = Vec::with_capacity(tlen);
            for k in 0..tlen {
                let (r, mut target) = self.plan.settings[s].template[k];
                let prof = &m.roles[r as usize];
                if drift && target >= 3 {
                    let g = 1.0 + trend(prof.sector) + 0.02 * normal(&mut self.rng);
                    let x = target as f64 * g;
                    let f = x.floor();
                    target = f as u32 + u32::from(self.rng.random::<f64>() < x - f);
                    self.plan.settings[s].template[k].1 = target;
                }
                let mut rate = (prof.vacancy * self.profile.vacancy).min(0.5);
                if small {
                    rate *= 0.15;
                }
                let mut v = 0;
                for _ in 0..target {
                    if self.rng.random::<f64>() < rate {
                        v += 1;
                    }
                }
                filled.push(target - v);
                vac.push(v);
            }
            self.filled_target[s] = filled;
            self.drawn_vacancies[s] = vac;
        }
    }

    /// Vacancies to report: the drawn ones that are really unfilled.
    fn compute_vacancies(&mut self) {
        for s in 0..self.plan.settings.len() {
            let mut out = Vec::new();
            for (k, &(r, target)) in self.plan.settings[s].template.iter().enumerate() {
                let Some(&drawn) = self.drawn_vacancies[s].get(k) else {
                    continue;
                };
                if drawn == 0 {
                    continue;
                }
                let filled = self.posts[s].iter().filter(|p| p.role == r).count() as u32;
                let v = drawn.min(target.saturating_sub(filled));
                if v > 0 {
                    out.push((r, v));
                }
            }
            self.vacancies[s] = out;
        }
    }

    /// Age of someone taking up a post; people joining during the simulation are younger
    /// than the people in post (by about five years), which keeps the age profile steady.
    fn draw_age(&mut self, role: u16, volunteer: bool, joining: bool) -> u8 {
        let p = &model().roles[role as usize];
        let (mean, sd, lo, hi) = if volunteer {
            (38.0, 16.0, 16u8, 75u8)
        } else {
            (p.age_mean, p.age_sd, p.age_min, p.age_max.min(75))
        };
        let mean = if joining {
            (mean - 5.0).max(lo as f64 + 2.0)
        } else {
            mean
        };
        let z = normal(&mut self.rng);
        let a = (mean + sd * z).round();
        let a = if a < lo as f64 || a > hi as f64 {
            // Redraw uniformly within the bounds rather than piling up at them.
            self.rng.random_range(lo..=hi) as f64
        } else {
            a
        };
        a as u8
    }

    fn new_person(
        &mut self,
        role: u16,
        setting_type: u8,
        year: i32,
        volunteer: bool,
        joining: bool,
    ) -> u32 {
        let m = model();
        let f = fixed();
        let prof = &m.roles[role as usize];
        let age = self.draw_age(role, volunteer, joining);
        let u = self.u();
        let gender = if u < 0.004 {
            f.gender_not_known
        } else if u < 0.006 {
            f.gender_other
        } else if self.u() < prof.female {
            f.female
        } else {
            f.male
        };
        // Ethnicity: not known, minority (less among leaders), or White.
        let leader = codes().is_leader_role(role as usize);
        let minority = self.profile.minority * if leader { 0.6 } else { 1.0 };
        let u = self.u();
        let (u2, u3) = (self.u(), self.u());
        let ethnicity = if u < 0.035 {
            pick_code(&self.profile.not_known_codes, u2)
        } else if u < 0.035 + minority {
            pick_code(&self.profile.minority_codes, u2)
        } else if u3 < self.profile.white_other {
            pick_code(&self.profile.white_other_codes, u2)
        } else {
            self.profile.white_british
        };
        let u = self.u();
        let disability = if u < 0.045 {
            f.disabled
        } else if u < 0.11 {
            f.disability_not_known
        } else {
            f.not_disabled
        };
        let qual = pick(m.quals_for(role, setting_type), self.u()) as u8;
        let towards = if qual < 9 && self.u() < prof.towards {
            if qual < 3 { 3 } else { qual + 1 }
        } else {
            0
        };
        let k = self.people.len() as u64;
        assert!(
            k < self.nino.block(),
            "too many people in one area for the identifier space"
        );
        let nino = self.nino.make(self.index, k);
        self.people.push(Person {
            nino,
            birth_year: (year - age as i32) as u16,
            gender,
            ethnicity,
            disability,
            qual,
            towards,
            at: [NONE; 2],
            at_sector: [0; 2],
            prev_jobs: 0,
            left_from: NONE,
            fate: FATE_STAY,
        });
        (self.people.len() - 1) as u32
    }

    fn draw_contract(&mut self, role: u16, employer: u32, initial: bool) -> Contract {
        let emp = &self.plan.employers[employer as usize];
        let kind = emp.kind;
        let voluntary = codes().employing_sector.code(emp.sector as usize) == "voluntary";
        let code = codes().roles.code(role as usize);
        if voluntary {
            let p = match (kind, code) {
                (Kind::YouthOrg, "youth_support_worker") => 0.6,
                (Kind::YouthOrg, "youth_worker") => 0.15,
                (Kind::SportClub, "sports_coach") => 0.6,
                (Kind::PlayOrg, "playworker") => 0.35,
                (Kind::ArtsOrg, "arts_library_worker") => 0.35,
                (Kind::Leisure, "sports_coach" | "arts_library_worker") => 0.1,
                (Kind::FamilyCharity, "family_support_worker") => 0.2,
                (Kind::Playgroup, "early_years_assistant") => 0.15,
                (Kind::OutOfSchool, "playworker") => 0.05,
                _ => 0.0,
            };
            if p > 0.0 && self.u() < p {
                return Contract::Volunteer;
            }
        }
        let prof = &model().roles[role as usize];
        let weights = if initial {
            &prof.contracts
        } else {
            &prof.inflow_contracts
        };
        let mut c = Contract::from_index(pick(weights, self.u()));
        if matches!(kind, Kind::Playgroup) && c == Contract::Permanent && self.u() < 0.25 {
            c = Contract::Sessional;
        }
        c
    }

    fn draw_fte(&mut self, role: u16, c: Contract) -> u8 {
        let prof = &model().roles[role as usize];
        let x = match c {
            Contract::Volunteer => self.rng.random_range(2.0..10.0) / 37.0,
            Contract::Sessional => self.rng.random_range(0.08..0.45),
            _ => {
                if self.u() < prof.full_time {
                    1.0
                } else {
                    let x = self.rng.random_range(prof.pt_lo..prof.pt_hi);
                    if self.u() < 0.5 {
                        (x * 10.0).round() / 10.0
                    } else {
                        x
                    }
                }
            }
        };
        ((x * 100.0).round() as i64).clamp(5, 100) as u8
    }

    fn draw_pay(&mut self, role: u16, c: Contract, year: i32) -> u32 {
        let prof = &model().roles[role as usize];
        let blank = match c {
            Contract::Volunteer => 1.0,
            Contract::Agency => 0.5,
            Contract::SelfEmployed => 0.4,
            _ => 0.03,
        };
        if self.u() < blank {
            return 0;
        }
        let z = normal(&mut self.rng).clamp(-2.5, 2.5);
        let pay = (prof.pay + prof.pay_sd * z).max(prof.pay * 0.6);
        let year_factor = 1.035f64.powi(year - 2025);
        (pay * self.profile.pay * year_factor).round() as u32
    }

    /// A new post in setting `s` for role `r`: a second job for someone already working,
    /// or a new person. `initial` posts get start dates spread over past years.
    fn join(&mut self, s: usize, r: u16, span: Span, initial: bool, pool: &mut Vec<u32>) {
        let e = self.plan.settings[s].employer;
        let stype = self.plan.settings[s].setting_type;
        let contract = self.draw_contract(r, e, initial);
        let mut person = NONE;
        if matches!(contract, Contract::Sessional | Contract::Volunteer) && self.u() < 0.2 {
            person = self.second_job_holder(e, pool);
        }
        let fresh = person == NONE;
        if fresh {
            let volunteer = contract == Contract::Volunteer;
            person = self.new_person(r, stype, span.year, volunteer, !initial);
        }
        let start = if initial {
            self.initial_start(r, person, contract, span.hi)
        } else {
            span.start_day(&mut self.rng)
        };
        let slot = self.appoint(s, person, r, contract, start, span);
        if fresh && slot == 0 {
            pool.push(person);
        }
    }

    /// Someone from `pool` with one post, at another employer than `e` and who did not
    /// just leave `e`, to take a sessional or voluntary second job; NONE after five misses.
    fn second_job_holder(&mut self, e: u32, pool: &mut Vec<u32>) -> u32 {
        for _ in 0..5 {
            if pool.is_empty() {
                break;
            }
            let i = self.rng.random_range(0..pool.len());
            let cand = pool[i];
            let p = &self.people[cand as usize];
            if p.at[1] == NONE && p.at[0] != NONE && p.at[0] != e && p.left_from != e {
                pool.swap_remove(i);
                return cand;
            }
        }
        NONE
    }

    /// Start date of a post already held at the warm-up date: an exponential tenure for
    /// the sector and contract, back from `hi`.
    fn initial_start(&mut self, r: u16, person: u32, contract: Contract, hi: i32) -> i32 {
        let sector = model().roles[r as usize].sector;
        let mean = tenure_years(sector, contract) * 365.0;
        let t = (-(self.u().max(1e-9)).ln() * mean) as i32;
        // Not before the person could hold the post; too long a draw is redrawn
        // uniformly over the possible years rather than piled up at the bound.
        let by = self.people[person as usize].birth_year as i32;
        let min_age = (model().roles[r as usize].age_min as i32).clamp(16, 40);
        let earliest = NaiveDate::from_ymd_opt(by + min_age, 9, 1)
            .map(days)
            .unwrap_or(hi)
            .min(hi);
        if hi - t >= earliest {
            hi - t
        } else {
            earliest + self.rng.random_range(0..=(hi - earliest))
        }
    }

    /// Puts `person` in a new post of role `r` in setting `s` (hours, pay and the
    /// employer's next worker reference drawn here) and records where they now work;
    /// returns which of the person's two slots the post took.
    fn appoint(
        &mut self,
        s: usize,
        person: u32,
        r: u16,
        contract: Contract,
        start: i32,
        span: Span,
    ) -> usize {
        let e = self.plan.settings[s].employer;
        let wref = {
            let emp = &mut self.plan.employers[e as usize];
            emp.next_ref += 1;
            emp.next_ref
        };
        let post = Post {
            person,
            role: r,
            contract,
            fte: self.draw_fte(r, contract),
            start: start.min(span.hi),
            pay: self.draw_pay(r, contract, span.year),
            wref,
        };
        self.posts[s].push(post);
        self.people[person as usize].works_at(e, r)
    }

    fn reason(&mut self, c: Contract, age: i32) -> u8 {
        let f = fixed();
        let u = self.u();
        if age >= 58 && u < 0.35 {
            return f.retirement;
        }
        let u = self.u();
        if matches!(
            c,
            Contract::FixedTerm | Contract::Agency | Contract::Sessional
        ) {
            if u < 0.45 {
                f.end_of_contract
            } else if u < 0.85 {
                f.resignation
            } else if u < 0.87 {
                f.dismissal
            } else if u < 0.90 {
                f.redundancy
            } else if u < 0.95 {
                f.other
            } else {
                f.reason_not_known
            }
        } else if u < 0.75 {
            f.resignation
        } else if u < 0.79 {
            f.dismissal
        } else if u < 0.83 {
            f.redundancy
        } else if u < 0.90 {
            f.other
        } else {
            f.reason_not_known
        }
    }

    /// One year on, to census date `date` from the previous one `prev`.
    pub(crate) fn advance(&mut self, prev: NaiveDate, date: NaiveDate) {
        let span = Span::between(prev.max(year_before(date)), date);
        self.start_year();
        let (mut kept, mut movers) = self.end_or_keep_posts(span);
        self.close_childminders(&mut kept, &mut movers, span);
        self.posts = kept;
        self.register();
        self.promote(span);
        let mut slots = self.open_slots();
        self.place_movers(&mut movers, &mut slots, span);
        self.fill_with_joiners(slots, span);
        self.register();
        self.record_destinations();
        self.compute_vacancies();
    }

    /// Forgets last year's whereabouts and fates and draws this year's establishment, so
    /// the year starts from the posts alone.
    fn start_year(&mut self) {
        self.step += 1;
        for p in &mut self.people {
            p.prev_jobs = u8::from(p.at[0] != NONE) + u8::from(p.at[1] != NONE);
            p.at = [NONE; 2];
            p.fate = FATE_UNDECIDED;
            p.left_from = NONE;
        }
        self.draw_targets(true);
        for l in &mut self.leavers {
            l.clear();
        }
    }

    /// Fates of last year's posts: each ends (retirement, death, leaving, perhaps to move
    /// employer) or carries on; returns the posts kept, per setting, and the movers.
    fn end_or_keep_posts(&mut self, span: Span) -> (Vec<Vec<Post>>, Vec<Mover>) {
        let old = std::mem::take(&mut self.posts);
        let mut kept: Vec<Vec<Post>> = old
            .iter()
            .map(|v| Vec::with_capacity(v.len() + 4))
            .collect();
        let mut movers: Vec<Mover> = Vec::new();
        for (s, posts) in old.iter().enumerate() {
            let e = self.plan.settings[s].employer;
            let kind = self.plan.employers[e as usize].kind;
            for &post in posts {
                let pi = post.person as usize;
                let age = span.year - self.people[pi].birth_year as i32;
                if self.people[pi].fate == FATE_UNDECIDED {
                    self.decide_fate(pi, age);
                }
                let fate = self.people[pi].fate;
                if fate == FATE_RETIRE || fate == FATE_DEATH {
                    self.retire_or_die(e, s as u32, post, fate, span);
                    continue;
                }
                let p_end = self.end_chance(post, kind);
                if self.u() < p_end {
                    self.end_post(e, s as u32, post, age, span, &mut movers);
                    continue;
                }
                let post = self.carry_on(post);
                kept[s].push(post);
            }
        }
        (kept, movers)
    }

    /// A person's fate is drawn once a year, however many posts they hold, so both of
    /// their posts end together when they retire or die.
    fn decide_fate(&mut self, pi: usize, age: i32) {
        let retire_p = match age {
            a if a > 75 => 1.0,
            70..=75 => 0.35,
            65..=69 => 0.25,
            60..=64 => 0.10,
            55..=59 => 0.02,
            _ => 0.0,
        };
        let fate = if self.u() < retire_p {
            FATE_RETIRE
        } else if self.u() < 0.0008 {
            FATE_DEATH
        } else {
            FATE_STAY
        };
        let p = &mut self.people[pi];
        p.fate = fate;
        if fate == FATE_STAY {
            // Qualifications move on for people who stay.
            let u = unit(mix3(self.seed, pi as u64, self.step as u64));
            if p.towards > 0 && u < 0.45 {
                p.qual = p.towards;
                p.towards = 0;
            } else if p.towards == 0 && p.qual < 9 && u > 0.97 {
                p.towards = if p.qual < 3 { 3 } else { p.qual + 1 };
            }
        }
    }

    /// Ends a post of someone retiring or dying on a day hashed from the person, so that
    /// both of their posts end the same day.
    fn retire_or_die(&mut self, e: u32, s: u32, post: Post, fate: u8, span: Span) {
        let f = fixed();
        let (lo, hi) = (span.lo, span.hi);
        let date = lo
            + 1
            + (mix3(self.seed, post.person as u64, 0xD0 + self.step as u64) % (hi - lo) as u64)
                as i32;
        let reason = if fate == FATE_RETIRE {
            f.retirement
        } else {
            f.death
        };
        self.leave(e, s, post, date, reason);
    }

    /// Chance that a post ends this year: the role's turnover, the contract's and the
    /// area's, a little higher in children's homes and nurseries.
    fn end_chance(&self, post: Post, kind: Kind) -> f64 {
        let prof = &model().roles[post.role as usize];
        let mut p_end = prof.turnover * contract_turnover(post.contract) * self.profile.turnover;
        if matches!(
            kind,
            Kind::ChildrensHome | Kind::Nursery | Kind::NurseryChain
        ) {
            p_end *= 1.1;
        }
        p_end.min(0.7)
    }

    /// Ends a post of someone leaving during the year; some of them (never someone who
    /// held two posts) look for a post with another employer and become movers.
    fn end_post(
        &mut self,
        e: u32,
        s: u32,
        post: Post,
        age: i32,
        span: Span,
        movers: &mut Vec<Mover>,
    ) {
        let f = fixed();
        let leave = span.leave_day(&mut self.rng);
        let move_p = if self.people[post.person as usize].prev_jobs >= 2 {
            0.0
        } else if post.contract == Contract::Volunteer {
            0.25
        } else if post.contract == Contract::Agency {
            0.6
        } else if age >= 55 {
            0.25
        } else {
            0.45
        };
        let reason = if self.u() < move_p {
            movers.push(Mover {
                person: post.person,
                from: e,
                role: post.role,
                leave,
            });
            if matches!(post.contract, Contract::FixedTerm | Contract::Agency) && self.u() < 0.4 {
                f.end_of_contract
            } else {
                f.resignation
            }
        } else {
            self.reason(post.contract, age)
        };
        self.leave(e, s, post, leave, reason);
    }

    /// A post kept for another year: a pay rise, and now and then different hours.
    fn carry_on(&mut self, mut post: Post) -> Post {
        if post.pay > 0 {
            post.pay = (post.pay as f64 * (1.02 + 0.03 * self.u())).round() as u32;
        }
        if self.u() < 0.05 && post.contract != Contract::SelfEmployed {
            post.fte = self.draw_fte(post.role, post.contract);
        }
        post
    }

    /// Childminders close when the childminder leaves; another registers.
    fn close_childminders(
        &mut self,
        kept: &mut Vec<Vec<Post>>,
        movers: &mut Vec<Mover>,
        span: Span,
    ) {
        let f = fixed();
        let step = self.step;
        // Only employers that existed at the start of the year can close.
        let n_employers = self.plan.employers.len();
        for e in 0..n_employers {
            let emp = &self.plan.employers[e];
            if emp.kind != Kind::Childminder || emp.closed.is_some() || emp.opened >= step {
                continue;
            }
            let s = emp.settings[0] as usize;
            if kept[s].iter().any(|p| p.role == f.childminder) {
                continue;
            }
            self.plan.employers[e].closed = Some(step);
            for post in std::mem::take(&mut kept[s]) {
                let leave = span.leave_day(&mut self.rng);
                if self.u() < 0.4 {
                    movers.push(Mover {
                        person: post.person,
                        from: e as u32,
                        role: post.role,
                        leave,
                    });
                }
                self.leave(e as u32, s as u32, post, leave, f.other);
            }
            self.filled_target[s].clear();
            self.drawn_vacancies[s].clear();
            self.register_childminder(kept);
        }
    }

    /// Plans a new childminder and gives it the per-employer and per-setting state every
    /// other employer has.
    fn register_childminder(&mut self, kept: &mut Vec<Vec<Post>>) {
        let plan = std::mem::take(&mut self.plan);
        let mut planner = resume(
            &mut self.rng,
            &self.code,
            &self.profile.name,
            self.seed,
            plan,
        );
        let ne = planner.childminder(self.step);
        self.plan = planner.plan;
        self.leavers.push(Vec::new());
        for &ns in &self.plan.employers[ne].settings {
            let t: Vec<u32> = self.plan.settings[ns as usize]
                .template
                .iter()
                .map(|t| t.1)
                .collect();
            self.drawn_vacancies.push(vec![0; t.len()]);
            self.filled_target.push(t);
            kept.push(Vec::new());
            self.vacancies.push(Vec::new());
        }
    }

    /// Promotions into open posts of the same setting, before anyone from outside is
    /// appointed to them.
    fn promote(&mut self, span: Span) {
        let f = fixed();
        for s in 0..self.plan.settings.len() {
            if self.filled_target[s].is_empty() {
                continue;
            }
            for &(to, from) in &f.promotions {
                let Some(k) = self.plan.settings[s]
                    .template
                    .iter()
                    .position(|t| t.0 == to)
                else {
                    continue;
                };
                for _ in 0..self.open_posts(s, k) {
                    if self.u() >= 0.5 {
                        continue;
                    }
                    if !self.promote_one(s, to, from, span) {
                        break;
                    }
                }
            }
        }
    }

    /// Promotes someone in role `from` (in post since before the year began) to role
    /// `to` in setting `s`; false when there is nobody to promote.
    fn promote_one(&mut self, s: usize, to: u16, from: u16, span: Span) -> bool {
        let cands: Vec<usize> = self.posts[s]
            .iter()
            .enumerate()
            .filter(|(_, p)| p.role == from && p.start <= span.lo)
            .map(|(i, _)| i)
            .collect();
        if cands.is_empty() {
            return false;
        }
        let i = cands[self.rng.random_range(0..cands.len())];
        let old_post = self.posts[s][i];
        let contract = if matches!(old_post.contract, Contract::Sessional | Contract::Volunteer) {
            Contract::Permanent
        } else {
            old_post.contract
        };
        let start = span.start_day(&mut self.rng);
        let pay = self.draw_pay(to, contract, span.year);
        let p = &mut self.posts[s][i];
        p.role = to;
        p.contract = contract;
        p.start = start;
        p.pay = pay;
        let usual = model().roles[to as usize].usual_level;
        let person = &mut self.people[old_post.person as usize];
        if person.qual < usual {
            person.qual = usual;
        }
        if person.towards <= person.qual {
            person.towards = 0;
        }
        true
    }

    /// Posts of template line `k` of setting `s` still to fill this year.
    fn open_posts(&self, s: usize, k: usize) -> u32 {
        let r = self.plan.settings[s].template[k].0;
        let have = self.posts[s].iter().filter(|p| p.role == r).count() as u32;
        self.filled_target[s][k].saturating_sub(have)
    }

    /// Open posts by role, as (setting, posts), for movers and joiners to take.
    fn open_slots(&self) -> Vec<Vec<(u32, u32)>> {
        let mut slots: Vec<Vec<(u32, u32)>> = vec![Vec::new(); codes().roles.len()];
        for s in 0..self.plan.settings.len() {
            if self.filled_target[s].is_empty() {
                continue;
            }
            for (k, &(r, _)) in self.plan.settings[s].template.iter().enumerate() {
                let open = self.open_posts(s, k);
                if open > 0 {
                    slots[r as usize].push((s as u32, open));
                }
            }
        }
        slots
    }

    /// People changing employer, in random order, each into an open post of their own
    /// role, a neighbouring one or one in another sector.
    fn place_movers(&mut self, movers: &mut [Mover], slots: &mut [Vec<(u32, u32)>], span: Span) {
        movers.shuffle(&mut self.rng);
        for mv in movers.iter() {
            let first = self.next_role(mv.role);
            self.place_mover(mv, first, slots, span);
        }
    }

    /// The role a mover looks for first: mostly their own, else a neighbouring role in
    /// the same sector, else one of the cross-sector moves.
    fn next_role(&mut self, role: u16) -> u16 {
        let f = fixed();
        let u = self.u();
        if u < 0.62 {
            role
        } else if u < 0.80 {
            let n = &f.neighbours[role as usize];
            if n.is_empty() {
                role
            } else {
                n[self.rng.random_range(0..n.len())]
            }
        } else {
            let c = &f.cross[role as usize];
            if c.is_empty() {
                role
            } else {
                c[self.rng.random_range(0..c.len())]
            }
        }
    }

    /// Up to five tries at an open post with another employer (the last two in the
    /// mover's own role); a mover who finds none has left the workforce.
    fn place_mover(&mut self, mv: &Mover, first: u16, slots: &mut [Vec<(u32, u32)>], span: Span) {
        for attempt in 0..5 {
            let r = if attempt < 3 { first } else { mv.role } as usize;
            if slots[r].is_empty() {
                continue;
            }
            let i = self.rng.random_range(0..slots[r].len());
            let (s, n) = slots[r][i];
            let e = self.plan.settings[s as usize].employer;
            if e == mv.from || self.people[mv.person as usize].at[0] == e {
                continue;
            }
            if n == 1 {
                slots[r].swap_remove(i);
            } else {
                slots[r][i].1 -= 1;
            }
            let contract = self.draw_contract(r as u16, e, false);
            let start = mv.leave + 1 + self.rng.random_range(0..(span.hi - mv.leave).max(1));
            self.appoint(s as usize, mv.person, r as u16, contract, start, span);
            return;
        }
    }

    /// New joiners (and some second jobs) for what is still open.
    fn fill_with_joiners(&mut self, slots: Vec<Vec<(u32, u32)>>, span: Span) {
        let mut pool: Vec<u32> = self
            .people
            .iter()
            .enumerate()
            .filter(|(_, p)| p.at[0] != NONE && p.at[1] == NONE)
            .map(|(i, _)| i as u32)
            .collect();
        for (r, open) in slots.into_iter().enumerate() {
            for (s, n) in open {
                for _ in 0..n {
                    self.join(s as usize, r as u16, span, false, &mut pool);
                }
            }
        }
    }

    /// Where leavers went, from where they are now, so destinations agree with the next
    /// census.
    fn record_destinations(&mut self) {
        for e in 0..self.leavers.len() {
            for i in 0..self.leavers[e].len() {
                let l = self.leavers[e][i];
                self.leavers[e][i].dest = self.destination(e as u32, l);
            }
        }
    }

    /// A leaver's destination: the sector of a post they now hold with another employer
    /// (their own sector first), else outside the workforce or not known.
    fn destination(&mut self, e: u32, l: Left) -> u8 {
        let f = fixed();
        let p = &self.people[l.post.person as usize];
        let sector = model().roles[l.post.role as usize].sector as u8;
        let mut dest = None;
        for k in 0..2 {
            if p.at[k] != NONE && p.at[k] != e {
                if p.at_sector[k] == sector {
                    dest = Some(f.same_sector);
                    break;
                }
                dest = Some(f.other_sector);
            }
        }
        match dest {
            Some(d) => d,
            None => {
                let nk = if l.reason == f.retirement { 0.1 } else { 0.25 };
                if self.u() < nk {
                    f.dest_not_known
                } else {
                    f.outside
                }
            }
        }
    }

    fn leave(&mut self, e: u32, s: u32, post: Post, date: i32, reason: u8) {
        self.people[post.person as usize].left_from = e;
        self.leavers[e as usize].push(Left {
            post,
            setting: s,
            date,
            reason,
            dest: 0,
        });
    }

    /// Whether the employer exists on the current census date.
    pub(crate) fn exists(&self, e: usize) -> bool {
        let emp = &self.plan.employers[e];
        emp.opened <= self.step && emp.closed.is_none_or(|c| c > self.step)
    }

    /// The stable hash of employer `e` combined with a salt.
    pub(crate) fn employer_chance(&self, e: usize, salt: u64, p: f64) -> bool {
        chance(mix(self.plan.employers[e].hash, salt), p)
    }
}
