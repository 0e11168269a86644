//! The columnar cube: one census date's posts, leavers and vacancies held as small-integer
//! code columns in plain vectors, with dictionaries for areas, employers and settings.
//! Group-bys over millions of rows are then tight loops over `u8`/`u16`/`u32` slices
//! instead of SQL. Also the builder that fills it from the store's record stream, and the
//! snapshot format that saves rebuilding it.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;
use observatory_domain::rules::{age, age_band, working_pattern, year_before};
use observatory_domain::{CensusSink, Leaver, PersonKey, Setting, Vacancy, Worker, codes};
use serde::{Deserialize, Serialize};

use crate::AnalysisError;
use crate::dims::{Dim, NOT_KNOWN, Table, card, not_known_code, sanitize, value_list};

/// Bumped whenever the cube's layout or the meaning of a column changes, so an old
/// snapshot is rebuilt rather than misread.
pub const FORMAT_VERSION: u32 = 3;

/// Marks a file as a cube snapshot at all (a wrong file gives a plain error).
const MAGIC: &[u8; 8] = b"CWOCUBE\0";

/// Header: magic, format version (u32 LE), checksum of the payload (u64 LE).
const HEADER_LEN: usize = 8 + 4 + 8;

/// Link key of a person without person_id (who cannot be followed across dates).
pub(crate) const NO_LINK: u64 = 0;

/// The link key of a person key: its first 8 bytes. The key is already an HMAC, so
/// these bytes are as good as random; the one key that would read 0 is moved to 1.
/// (Two of 3 million people sharing a link key has odds of about 1 in 4 million.)
pub(crate) fn link_key(key: &PersonKey) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&key[..8]);
    match u64::from_le_bytes(b) {
        NO_LINK => 1,
        k => k,
    }
}

/// Pay column value for "no annual_pay given".
pub(crate) const NO_PAY: u32 = u32::MAX;

/// A fast hasher for the builder's person and group maps: the default SipHash guards
/// against hostile keys, which person hashes (already HMAC output) and group numbers are not.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        // Final mix (murmur3 fmix64) so that keys differing only in high bits still
        // spread over the table's buckets.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// bincode's standard encoding, with a cap on what a snapshot may claim to hold, so a
/// crafted length field gives an error instead of a huge allocation. 2 GiB of decoded
/// columns is some 80 million posts.
fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<{ 1 << 31 }>()
}

/// A snapshot: header (magic, format version, checksum) then the payload.
pub(crate) fn seal(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&checksum(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// FNV-1a over 8-byte words: a cheap checksum that catches a damaged snapshot.
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for chunk in bytes.chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^ bytes.len() as u64
}

/// Fingerprint of the code lists: codes are stored as positions in the lists, so a
/// snapshot built under other lists must not be read under these.
fn codes_fingerprint() -> u64 {
    let c = codes();
    let mut text = String::new();
    for (d, name) in crate::dims::DIMS {
        text.push_str(name);
        text.push(':');
        for v in value_list(d).unwrap_or(&[]) {
            text.push_str(v);
            text.push(',');
        }
        text.push(';');
    }
    for r in &c.role_info {
        text.push_str(&format!("{}:{}:{};", r.code, r.sector, r.career_level));
    }
    text.push_str(&format!("{:?}{:?}", c.ethnic_group_of, c.leader_levels));
    checksum(text.as_bytes())
}

/// Per setting: who employs it and what kind of place it is. Settings that workers name
/// but that were never described get `not_known` everywhere rather than losing the rows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct SettingCols {
    pub employer: Vec<u32>,
    pub id: Vec<String>,
    pub area: Vec<u16>,
    pub setting_type: Vec<u8>,
    pub employing_sector: Vec<u8>,
    pub provision: Vec<u8>,
    pub multi_agency: Vec<u8>,
}

/// One row per filled post, ordered by person so that a person's posts are adjacent
/// (headcount is then a linear scan, with no sort).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct WorkerCols {
    pub setting: Vec<u32>,
    pub role: Vec<u16>,
    pub contract: Vec<u8>,
    /// FTE in hundredths (validated to at most 1.00, so u16 is ample).
    pub fte: Vec<u16>,
    pub pattern: Vec<u8>,
    /// 1 when the post started at least 12 months before the census date.
    pub stable: Vec<u8>,
    pub gender: Vec<u8>,
    pub ethnicity: Vec<u8>,
    pub disability: Vec<u8>,
    pub age_band: Vec<u8>,
    pub qual_level: Vec<u8>,
    pub qual_status: Vec<u8>,
    /// Annual pay in pounds, [`NO_PAY`] when not given.
    pub pay: Vec<u32>,
    pub person: Vec<u32>,
    /// The post's record key (the cell key method, [`crate::cellkey`]).
    pub key: Vec<u32>,
}

/// One row per post that ended in the 12 months up to the census date.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct LeaverCols {
    pub setting: Vec<u32>,
    pub role: Vec<u16>,
    pub contract: Vec<u8>,
    pub fte: Vec<u16>,
    pub pattern: Vec<u8>,
    pub reason: Vec<u8>,
    pub destination: Vec<u8>,
    pub gender: Vec<u8>,
    pub ethnicity: Vec<u8>,
    pub age_band: Vec<u8>,
    /// The leaver's record key.
    pub key: Vec<u32>,
}

/// One row per group of vacant posts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct VacancyCols {
    pub setting: Vec<u32>,
    pub role: Vec<u16>,
    pub posts: Vec<u32>,
    /// 1 when marked hard to fill (a blank counts as not hard to fill).
    pub hard_to_fill: Vec<u8>,
    /// The sum of the row's vacant posts' record keys (mod 2^32).
    pub key: Vec<u32>,
}

/// One census date's workforce, ready to answer any measure over any breakdown.
/// Person identifiers are not kept: each person has a per-cube number and, when the
/// return gave a person_id, a link key (the first 8 bytes of its HMAC key). The HMAC
/// is keyed with the installation's secret, so a link key reveals nothing about the
/// person; it only lets the same person be followed from one census date to the next
/// (observed wastage, mobility).
#[derive(Clone, Serialize, Deserialize)]
pub struct Cube {
    census_date: NaiveDate,
    pub(crate) codes_fingerprint: u64,
    pub(crate) employers: Vec<String>,
    pub(crate) areas: Vec<String>,
    pub(crate) settings: SettingCols,
    pub(crate) workers: WorkerCols,
    pub(crate) leavers: LeaverCols,
    pub(crate) vacancies: VacancyCols,
    people: u32,
    /// Per person number: its link key, [`NO_LINK`] for a person without person_id.
    pub(crate) links: Vec<u64>,
    /// Per person number: the person's record key (the cell key method).
    pub(crate) person_keys: Vec<u32>,
}

impl std::fmt::Debug for Cube {
    // The derived form would print millions of codes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cube")
            .field("census_date", &self.census_date)
            .field("posts", &self.posts())
            .field("people", &self.people)
            .field("leavers", &self.leavers())
            .field("vacancy_rows", &self.vacancies.setting.len())
            .field("settings", &self.settings.id.len())
            .field("employers", &self.employers.len())
            .finish()
    }
}

/// The raw column a dimension reads, at its stored width.
#[derive(Clone, Copy)]
pub(crate) enum Raw<'a> {
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
}

/// How to read one dimension's code for each row of a table: a raw column, optionally
/// through a lookup (setting -> area, role -> sector, ethnicity -> group, ...).
pub(crate) struct Col<'a> {
    raw: Raw<'a>,
    lut: Option<Vec<u32>>,
    /// Number of possible codes.
    pub card: u32,
}

impl Col<'_> {
    #[inline]
    pub(crate) fn code(&self, row: usize) -> u32 {
        let r = match self.raw {
            Raw::U8(v) => v[row] as u32,
            Raw::U16(v) => v[row] as u32,
            Raw::U32(v) => v[row],
        };
        match &self.lut {
            Some(l) => l[r as usize],
            None => r,
        }
    }

    /// keys[j] = keys[j] * card + code(row j): one mixed-radix digit per dimension.
    /// `rows` lists the selected rows, or is `None` for all rows (a straight scan).
    pub(crate) fn fold(&self, rows: Option<&[u32]>, keys: &mut [u64]) {
        fn go<T: Copy + Into<u32>>(
            v: &[T],
            lut: Option<&[u32]>,
            card: u64,
            rows: Option<&[u32]>,
            keys: &mut [u64],
        ) {
            match (lut, rows) {
                (Some(l), Some(rows)) => {
                    for (k, &r) in keys.iter_mut().zip(rows) {
                        *k = *k * card + l[v[r as usize].into() as usize] as u64;
                    }
                }
                (None, Some(rows)) => {
                    for (k, &r) in keys.iter_mut().zip(rows) {
                        *k = *k * card + v[r as usize].into() as u64;
                    }
                }
                (Some(l), None) => {
                    for (k, &x) in keys.iter_mut().zip(v) {
                        *k = *k * card + l[x.into() as usize] as u64;
                    }
                }
                (None, None) => {
                    for (k, &x) in keys.iter_mut().zip(v) {
                        *k = *k * card + x.into() as u64;
                    }
                }
            }
        }
        let card = self.card as u64;
        let lut = self.lut.as_deref();
        match self.raw {
            Raw::U8(v) => go(v, lut, card, rows, keys),
            Raw::U16(v) => go(v, lut, card, rows, keys),
            Raw::U32(v) => go(v, lut, card, rows, keys),
        }
    }
}

/// A code-list column read as it is stored.
fn direct(raw: Raw<'_>, dim: Dim) -> Col<'_> {
    Col {
        raw,
        lut: None,
        card: card(dim),
    }
}

fn widen<T: Copy + Into<u32>>(v: &[T]) -> Vec<u32> {
    v.iter().map(|&x| x.into()).collect()
}

impl Cube {
    /// The census date this cube describes.
    pub fn census_date(&self) -> NaiveDate {
        self.census_date
    }

    /// Filled posts (rows in workers).
    pub fn posts(&self) -> usize {
        self.workers.person.len()
    }

    /// Distinct people holding the posts.
    pub fn people(&self) -> usize {
        self.people as usize
    }

    /// Leaver rows.
    pub fn leavers(&self) -> usize {
        self.leavers.setting.len()
    }

    /// Rows of a table.
    pub(crate) fn len(&self, table: Table) -> usize {
        match table {
            Table::Workers => self.workers.person.len(),
            Table::Leavers => self.leavers.setting.len(),
            Table::Vacancies => self.vacancies.setting.len(),
        }
    }

    fn setting_col(&self, table: Table) -> &[u32] {
        match table {
            Table::Workers => &self.workers.setting,
            Table::Leavers => &self.leavers.setting,
            Table::Vacancies => &self.vacancies.setting,
        }
    }

    fn role_col(&self, table: Table) -> &[u16] {
        match table {
            Table::Workers => &self.workers.role,
            Table::Leavers => &self.leavers.role,
            Table::Vacancies => &self.vacancies.role,
        }
    }

    /// How to read `dim` from `table`; `None` when the table does not carry it (or for
    /// census_date, which is constant within a cube and handled by the query).
    pub(crate) fn col(&self, table: Table, dim: Dim) -> Option<Col<'_>> {
        if !table.carries(dim) {
            return None;
        }
        let c = codes();
        let s = &self.settings;
        let via_setting = |lut: Vec<u32>, card: u32| Col {
            raw: Raw::U32(self.setting_col(table)),
            lut: Some(lut),
            card,
        };
        // Role-derived lookups have one extra slot at the end for "no role".
        let via_role = |f: &dyn Fn(usize) -> u32, nk: u32, card: u32| {
            let mut lut: Vec<u32> = (0..c.role_info.len()).map(f).collect();
            lut.push(nk);
            Col {
                raw: Raw::U16(self.role_col(table)),
                lut: Some(lut),
                card,
            }
        };

        let yes = c.yes_no.must("yes") as u32;
        let no = c.yes_no.must("no") as u32;
        Some(match dim {
            Dim::Area => via_setting(widen(&s.area), self.areas.len() as u32),
            Dim::Employer => via_setting(s.employer.clone(), self.employers.len() as u32),
            Dim::Setting => Col {
                raw: Raw::U32(self.setting_col(table)),
                lut: None,
                card: s.id.len() as u32,
            },
            Dim::SettingType => via_setting(widen(&s.setting_type), card(dim)),
            Dim::EmployingSector => via_setting(widen(&s.employing_sector), card(dim)),
            Dim::Provision => via_setting(widen(&s.provision), card(dim)),
            Dim::MultiAgency => via_setting(widen(&s.multi_agency), card(dim)),
            Dim::Role => Col {
                raw: Raw::U16(self.role_col(table)),
                lut: None,
                card: card(dim),
            },
            Dim::Sector => via_role(
                &|r| c.role_info[r].sector as u32,
                not_known_code(dim),
                card(dim),
            ),
            Dim::CareerLevel => via_role(
                &|r| c.role_info[r].career_level as u32 - 1,
                not_known_code(dim),
                card(dim),
            ),
            Dim::Leader => via_role(
                &|r| if c.is_leader_role(r) { yes } else { no },
                not_known_code(dim),
                card(dim),
            ),
            Dim::CensusDate => return None,
            _ => {
                let (w, l) = (&self.workers, &self.leavers);
                let leaver = table == Table::Leavers;
                match dim {
                    Dim::Contract => {
                        direct(Raw::U8(if leaver { &l.contract } else { &w.contract }), dim)
                    }
                    Dim::WorkingPattern => {
                        direct(Raw::U8(if leaver { &l.pattern } else { &w.pattern }), dim)
                    }
                    Dim::Gender => direct(Raw::U8(if leaver { &l.gender } else { &w.gender }), dim),
                    Dim::Ethnicity => direct(
                        Raw::U8(if leaver { &l.ethnicity } else { &w.ethnicity }),
                        dim,
                    ),
                    Dim::EthnicGroup => Col {
                        raw: Raw::U8(if leaver { &l.ethnicity } else { &w.ethnicity }),
                        lut: Some(c.ethnic_group_of.iter().map(|&g| g as u32).collect()),
                        card: card(dim),
                    },
                    Dim::AgeBand => {
                        direct(Raw::U8(if leaver { &l.age_band } else { &w.age_band }), dim)
                    }
                    Dim::Disability => direct(Raw::U8(&w.disability), dim),
                    Dim::QualificationLevel => direct(Raw::U8(&w.qual_level), dim),
                    Dim::QualificationStatus => direct(Raw::U8(&w.qual_status), dim),
                    Dim::Reason => direct(Raw::U8(&l.reason), dim),
                    Dim::Destination => direct(Raw::U8(&l.destination), dim),
                    _ => return None,
                }
            }
        })
    }

    /// The text a code shows as in result keys (and is matched against in filters).
    pub(crate) fn label(&self, dim: Dim, code: u32) -> String {
        let i = code as usize;
        match dim {
            Dim::Area => self.areas[i].clone(),
            Dim::Employer => self.employers[i].clone(),
            Dim::Setting => format!(
                "{}/{}",
                self.employers[self.settings.employer[i] as usize], self.settings.id[i]
            ),
            Dim::CensusDate => self.census_date.to_string(),
            _ => value_list(dim)
                .and_then(|v| v.get(i).cloned())
                .unwrap_or_else(|| NOT_KNOWN.to_string()),
        }
    }

    /// How many values a dictionary breakdown (area, employer, setting) has in this cube.
    pub(crate) fn dictionary_len(&self, dim: Dim) -> usize {
        match dim {
            Dim::Area => self.areas.len(),
            Dim::Employer => self.employers.len(),
            Dim::Setting => self.settings.id.len(),
            _ => 0,
        }
    }

    /// The code of a dictionary value (area, employer, setting) in this cube, matched
    /// ignoring case; `None` when this cube has no such value.
    pub(crate) fn dictionary_code(&self, dim: Dim, value: &str) -> Option<u32> {
        let v = value.trim();
        let pos = match dim {
            Dim::Area => self.areas.iter().position(|a| a.eq_ignore_ascii_case(v)),
            Dim::Employer => self
                .employers
                .iter()
                .position(|e| e.eq_ignore_ascii_case(v)),
            Dim::Setting => (0..self.settings.id.len()).find(|&i| {
                let e = &self.employers[self.settings.employer[i] as usize];
                let id = &self.settings.id[i];
                v.len() == e.len() + 1 + id.len()
                    && v.is_char_boundary(e.len())
                    && v[..e.len()].eq_ignore_ascii_case(e)
                    && v[e.len()..].starts_with('/')
                    && v[e.len() + 1..].eq_ignore_ascii_case(id)
            }),
            _ => None,
        };
        pos.map(|p| p as u32)
    }

    /// A snapshot of the cube: a header (magic, [`FORMAT_VERSION`], checksum) and the
    /// cube in bincode, so that a large census need not be rebuilt from SQL every time.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = bincode::serde::encode_to_vec(self, bincode_config())
            .expect("a cube holds only vectors, strings and integers, which always encode");
        seal(&payload)
    }

    /// Reads a snapshot back, refusing (never panicking on) a file that is not a cube
    /// snapshot, is of another format version or code lists, is damaged, or is
    /// internally inconsistent.
    pub fn from_bytes(b: &[u8]) -> Result<Cube, AnalysisError> {
        let bad = |why: &str| AnalysisError::Snapshot(why.to_string());
        if b.len() < HEADER_LEN || &b[..8] != MAGIC {
            return Err(bad("it is not a cube snapshot"));
        }
        let version = u32::from_le_bytes(b[8..12].try_into().expect("4 bytes"));
        if version != FORMAT_VERSION {
            return Err(AnalysisError::Snapshot(format!(
                "it is in format version {version}, but this program reads version {FORMAT_VERSION}; rebuild it"
            )));
        }
        let sum = u64::from_le_bytes(b[12..20].try_into().expect("8 bytes"));
        let payload = &b[HEADER_LEN..];
        if checksum(payload) != sum {
            return Err(bad("it is damaged (checksum mismatch)"));
        }
        let (cube, used): (Cube, usize) =
            bincode::serde::decode_from_slice(payload, bincode_config())
                .map_err(|e| AnalysisError::Snapshot(format!("it is damaged ({e})")))?;
        if used != payload.len() {
            return Err(bad("it is damaged (trailing bytes)"));
        }
        if cube.codes_fingerprint != codes_fingerprint() {
            return Err(bad("it was built with different code lists; rebuild it"));
        }
        cube.validate()
            .map_err(|why| AnalysisError::Snapshot(format!("it is inconsistent ({why})")))?;
        Ok(cube)
    }

    /// Checks every invariant the queries rely on (equal column lengths, codes in
    /// range, workers ordered by person), so that a bad snapshot is refused on load
    /// instead of panicking in a query.
    fn validate(&self) -> Result<(), String> {
        fn below<T: Copy + Into<u64>>(v: &[T], n: u64, what: &str) -> Result<(), String> {
            match v.iter().find(|&&x| x.into() >= n) {
                Some(_) => Err(format!("{what} out of range")),
                None => Ok(()),
            }
        }
        fn same_len(lens: &[usize], what: &str) -> Result<(), String> {
            if lens.windows(2).all(|w| w[0] == w[1]) {
                Ok(())
            } else {
                Err(format!("{what} columns differ in length"))
            }
        }
        let c = |d: Dim| card(d) as u64;
        let s = &self.settings;
        same_len(
            &[
                s.employer.len(),
                s.id.len(),
                s.area.len(),
                s.setting_type.len(),
                s.employing_sector.len(),
                s.provision.len(),
                s.multi_agency.len(),
            ],
            "setting",
        )?;
        let ns = s.id.len() as u64;
        below(&s.employer, self.employers.len() as u64, "employer")?;
        below(&s.area, self.areas.len() as u64, "area")?;
        below(&s.setting_type, c(Dim::SettingType), "setting type")?;
        below(
            &s.employing_sector,
            c(Dim::EmployingSector),
            "employing sector",
        )?;
        below(&s.provision, c(Dim::Provision), "provision")?;
        below(&s.multi_agency, c(Dim::MultiAgency), "multi_agency")?;

        let w = &self.workers;
        same_len(
            &[
                w.setting.len(),
                w.role.len(),
                w.contract.len(),
                w.fte.len(),
                w.pattern.len(),
                w.stable.len(),
                w.gender.len(),
                w.ethnicity.len(),
                w.disability.len(),
                w.age_band.len(),
                w.qual_level.len(),
                w.qual_status.len(),
                w.pay.len(),
                w.person.len(),
            ],
            "worker",
        )?;
        below(&w.setting, ns, "worker setting")?;
        below(&w.role, c(Dim::Role), "worker role")?;
        below(&w.contract, c(Dim::Contract), "worker contract")?;
        below(&w.pattern, c(Dim::WorkingPattern), "worker pattern")?;
        below(&w.stable, 2, "worker stability flag")?;
        below(&w.gender, c(Dim::Gender), "worker gender")?;
        below(&w.ethnicity, c(Dim::Ethnicity), "worker ethnicity")?;
        below(&w.disability, c(Dim::Disability), "worker disability")?;
        below(&w.age_band, c(Dim::AgeBand), "worker age band")?;
        below(
            &w.qual_level,
            c(Dim::QualificationLevel),
            "qualification level",
        )?;
        below(
            &w.qual_status,
            c(Dim::QualificationStatus),
            "qualification status",
        )?;
        below(&w.person, self.people as u64, "person")?;
        if self.links.len() != self.people as usize
            || self.person_keys.len() != self.people as usize
        {
            return Err("link keys do not match the people".into());
        }
        if w.key.len() != w.person.len()
            || self.leavers.key.len() != self.leavers.setting.len()
            || self.vacancies.key.len() != self.vacancies.setting.len()
        {
            return Err("record keys do not match the records".into());
        }
        if !w.person.windows(2).all(|p| p[0] <= p[1]) {
            return Err("workers not ordered by person".into());
        }

        let l = &self.leavers;
        same_len(
            &[
                l.setting.len(),
                l.role.len(),
                l.contract.len(),
                l.fte.len(),
                l.pattern.len(),
                l.reason.len(),
                l.destination.len(),
                l.gender.len(),
                l.ethnicity.len(),
                l.age_band.len(),
            ],
            "leaver",
        )?;
        below(&l.setting, ns, "leaver setting")?;
        below(&l.role, c(Dim::Role), "leaver role")?;
        below(&l.contract, c(Dim::Contract), "leaver contract")?;
        below(&l.pattern, c(Dim::WorkingPattern), "leaver pattern")?;
        below(&l.reason, c(Dim::Reason), "leaver reason")?;
        below(&l.destination, c(Dim::Destination), "leaver destination")?;
        below(&l.gender, c(Dim::Gender), "leaver gender")?;
        below(&l.ethnicity, c(Dim::Ethnicity), "leaver ethnicity")?;
        below(&l.age_band, c(Dim::AgeBand), "leaver age band")?;

        let v = &self.vacancies;
        same_len(
            &[
                v.setting.len(),
                v.role.len(),
                v.posts.len(),
                v.hard_to_fill.len(),
            ],
            "vacancy",
        )?;
        below(&v.setting, ns, "vacancy setting")?;
        below(&v.role, c(Dim::Role), "vacancy role")?;
        below(&v.hard_to_fill, 2, "hard-to-fill flag")?;
        if self.areas.len() > u16::MAX as usize + 1 {
            return Err("too many areas".into());
        }
        Ok(())
    }
}

/// Fills a [`Cube`] from the records the store streams (trait [`CensusSink`]): per
/// employer its settings first, then workers, leavers and vacancies. Settings are
/// resolved by (employer, setting_id); a setting named before (or without) its
/// description still gets a slot, with `not_known` attributes, so no row is lost.
pub struct CubeBuilder {
    census_date: NaiveDate,
    stable_before: NaiveDate,
    employers: Vec<String>,
    employer_index: HashMap<String, u32>,
    /// Per employer: setting_id -> setting number.
    setting_index: Vec<HashMap<String, u32>>,
    areas: Vec<String>,
    area_index: HashMap<String, u16>,
    persons: HashMap<PersonKey, u32, FxBuild>,
    next_person: u32,
    /// The installation's secret the record keys are made with.
    secret: Vec<u8>,
    /// Last employer looked up: the store sends each employer's records together.
    last_employer: Option<(String, u32)>,
    settings: SettingCols,
    workers: WorkerCols,
    leavers: LeaverCols,
    vacancies: VacancyCols,
}

fn narrow_u8(dim: Dim, code: u8) -> u8 {
    sanitize(dim, code as u32) as u8
}

fn role_code(role: Option<u16>) -> u16 {
    match role {
        Some(r) => sanitize(Dim::Role, r as u32) as u16,
        None => not_known_code(Dim::Role) as u16,
    }
}

impl CubeBuilder {
    /// An empty cube for one census date.
    pub fn new(census_date: NaiveDate) -> Self {
        CubeBuilder {
            census_date,
            stable_before: year_before(census_date),
            employers: Vec::new(),
            employer_index: HashMap::new(),
            setting_index: Vec::new(),
            areas: Vec::new(),
            area_index: HashMap::new(),
            persons: HashMap::default(),
            next_person: 0,
            secret: Vec::new(),
            last_employer: None,
            settings: SettingCols::default(),
            workers: WorkerCols::default(),
            leavers: LeaverCols::default(),
            vacancies: VacancyCols::default(),
        }
    }

    /// Makes the records' keys (the cell key method) with the installation's secret.
    /// Without it (tests, tools that never show perturbed figures) the keys are still
    /// consistent, but anyone could compute them.
    pub fn keyed(mut self, secret: &[u8]) -> Self {
        self.secret = secret.to_vec();
        self
    }

    fn key(&self, kind: &str, identity: &[&[u8]]) -> u32 {
        crate::cellkey::record_key(&self.secret, kind, identity)
    }

    fn employer(&mut self, employer: &str) -> u32 {
        if let Some((name, i)) = &self.last_employer
            && name == employer
        {
            return *i;
        }
        let i = match self.employer_index.get(employer) {
            Some(&i) => i,
            None => {
                let i = self.employers.len() as u32;
                self.employers.push(employer.to_string());
                self.employer_index.insert(employer.to_string(), i);
                self.setting_index.push(HashMap::new());
                i
            }
        };
        self.last_employer = Some((employer.to_string(), i));
        i
    }

    fn area(&mut self, code: &str) -> u16 {
        if let Some(&a) = self.area_index.get(code) {
            return a;
        }
        // GSS codes number a few hundred; the u16 limit is checked on load too.
        let a = self.areas.len().min(u16::MAX as usize) as u16;
        self.areas.push(code.to_string());
        self.area_index.insert(code.to_string(), a);
        a
    }

    /// The setting number for (employer, setting_id), making a `not_known` slot when
    /// the setting has not been described (yet).
    /// `area` is the setting's own area when it is being described, `None` when a row
    /// names it.
    fn setting_slot(&mut self, employer: &str, setting_id: &str, area: Option<u16>) -> u32 {
        let e = self.employer(employer);
        if let Some(&s) = self.setting_index[e as usize].get(setting_id) {
            return s;
        }
        let s = self.settings.id.len() as u32;
        let area = match area {
            Some(a) => a,
            None => self.area(NOT_KNOWN),
        };
        let st = &mut self.settings;
        st.employer.push(e);
        st.id.push(setting_id.to_string());
        st.area.push(area);
        st.setting_type.push(not_known_code(Dim::SettingType) as u8);
        st.employing_sector
            .push(not_known_code(Dim::EmployingSector) as u8);
        st.provision.push(not_known_code(Dim::Provision) as u8);
        st.multi_agency.push(not_known_code(Dim::MultiAgency) as u8);
        self.setting_index[e as usize].insert(setting_id.to_string(), s);
        s
    }

    /// A person number: the same key always gets the same number; a row without a key
    /// is a person of its own.
    fn person(&mut self, key: Option<PersonKey>) -> u32 {
        let fresh = self.next_person;
        let p = match key {
            Some(k) => *self.persons.entry(k).or_insert(fresh),
            None => fresh,
        };
        if p == fresh {
            self.next_person += 1;
        }
        p
    }

    fn age_band(&self, birth_year: Option<u16>) -> u8 {
        match birth_year {
            Some(y) => age_band(age(self.census_date, y)) as u8,
            None => not_known_code(Dim::AgeBand) as u8,
        }
    }

    /// The finished cube. Workers are reordered by person (a stable counting sort) so
    /// that each person's posts are adjacent, which headcount relies on.
    pub fn finish(self) -> Cube {
        let people = self.next_person;
        let mut w = self.workers;
        let n = w.person.len();
        let mut start = vec![0u32; people as usize + 1];
        for &p in &w.person {
            start[p as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut perm = vec![0u32; n];
        for (row, &p) in w.person.iter().enumerate() {
            perm[start[p as usize] as usize] = row as u32;
            start[p as usize] += 1;
        }
        fn apply<T: Copy>(v: &mut Vec<T>, perm: &[u32]) {
            *v = perm.iter().map(|&i| v[i as usize]).collect();
        }
        apply(&mut w.setting, &perm);
        apply(&mut w.role, &perm);
        apply(&mut w.contract, &perm);
        apply(&mut w.fte, &perm);
        apply(&mut w.pattern, &perm);
        apply(&mut w.stable, &perm);
        apply(&mut w.gender, &perm);
        apply(&mut w.ethnicity, &perm);
        apply(&mut w.disability, &perm);
        apply(&mut w.age_band, &perm);
        apply(&mut w.qual_level, &perm);
        apply(&mut w.qual_status, &perm);
        apply(&mut w.pay, &perm);
        apply(&mut w.person, &perm);
        apply(&mut w.key, &perm);
        // A person's record key is the sum of their posts' keys: someone with one post
        // then perturbs headcount exactly as their post perturbs posts, so the two
        // measures are not two independent readings of the same number.
        let mut person_keys = vec![0u32; people as usize];
        for (&p, &k) in w.person.iter().zip(&w.key) {
            person_keys[p as usize] = person_keys[p as usize].wrapping_add(k);
        }
        let mut links = vec![NO_LINK; people as usize];
        for (key, &p) in &self.persons {
            links[p as usize] = link_key(key);
        }
        Cube {
            census_date: self.census_date,
            codes_fingerprint: codes_fingerprint(),
            employers: self.employers,
            areas: self.areas,
            settings: self.settings,
            workers: w,
            leavers: self.leavers,
            vacancies: self.vacancies,
            people,
            links,
            person_keys,
        }
    }
}

impl CensusSink for CubeBuilder {
    fn setting(&mut self, employer: &str, setting: &Setting) {
        let area = self.area(setting.area_code.trim());
        let s = self.setting_slot(employer, &setting.setting_id, Some(area)) as usize;
        let c = codes();
        let multi = match setting.multi_agency {
            Some(true) => c.yes_no.must("yes") as u8,
            Some(false) => c.yes_no.must("no") as u8,
            None => not_known_code(Dim::MultiAgency) as u8,
        };
        let st = &mut self.settings;
        st.area[s] = area;
        st.setting_type[s] = narrow_u8(Dim::SettingType, setting.setting_type);
        st.employing_sector[s] = narrow_u8(Dim::EmployingSector, setting.employing_sector);
        st.provision[s] = narrow_u8(Dim::Provision, setting.provision);
        st.multi_agency[s] = multi;
    }

    fn worker(&mut self, employer: &str, x: &Worker) {
        let setting = self.setting_slot(employer, &x.setting_id, None);
        let person = self.person(x.person);
        let key = self.key(
            "post",
            &[
                employer.as_bytes(),
                x.worker_ref.as_bytes(),
                x.setting_id.as_bytes(),
                &x.role.unwrap_or(u16::MAX).to_le_bytes(),
            ],
        );
        let age_band = self.age_band(Some(x.birth_year));
        let w = &mut self.workers;
        w.setting.push(setting);
        w.role.push(role_code(x.role));
        w.contract.push(narrow_u8(Dim::Contract, x.contract));
        w.fte.push(x.fte.min(u16::MAX as u32) as u16);
        w.pattern.push(working_pattern(x.fte) as u8);
        w.stable.push((x.start_date <= self.stable_before) as u8);
        w.gender.push(narrow_u8(Dim::Gender, x.gender));
        w.ethnicity.push(narrow_u8(Dim::Ethnicity, x.ethnicity));
        w.disability.push(narrow_u8(Dim::Disability, x.disability));
        w.age_band.push(age_band);
        w.qual_level
            .push(narrow_u8(Dim::QualificationLevel, x.qualification_level));
        w.qual_status
            .push(narrow_u8(Dim::QualificationStatus, x.qualification_status));
        w.pay.push(x.annual_pay.unwrap_or(NO_PAY));
        w.person.push(person);
        w.key.push(key);
    }

    fn leaver(&mut self, employer: &str, x: &Leaver) {
        let setting = self.setting_slot(employer, &x.setting_id, None);
        let age_band = self.age_band(x.birth_year);
        let key = self.key(
            "leaver",
            &[
                employer.as_bytes(),
                x.worker_ref.as_bytes(),
                x.setting_id.as_bytes(),
                x.leave_date.to_string().as_bytes(),
            ],
        );
        let l = &mut self.leavers;
        l.setting.push(setting);
        l.role.push(role_code(x.role));
        l.contract.push(narrow_u8(Dim::Contract, x.contract));
        l.fte.push(x.fte.min(u16::MAX as u32) as u16);
        l.pattern.push(working_pattern(x.fte) as u8);
        l.reason.push(narrow_u8(Dim::Reason, x.reason));
        l.destination
            .push(narrow_u8(Dim::Destination, x.destination));
        l.gender.push(match x.gender {
            Some(g) => narrow_u8(Dim::Gender, g),
            None => not_known_code(Dim::Gender) as u8,
        });
        l.ethnicity.push(match x.ethnicity {
            Some(e) => narrow_u8(Dim::Ethnicity, e),
            None => not_known_code(Dim::Ethnicity) as u8,
        });
        l.age_band.push(age_band);
        l.key.push(key);
    }

    fn vacancy(&mut self, employer: &str, x: &Vacancy) {
        let setting = self.setting_slot(employer, &x.setting_id, None);
        // One key per vacant post; past a thousand posts in one row the keys repeat
        // (such a row is a data error, and its sum is still consistent).
        let mut key = 0u32;
        let mut first = 0u32;
        for i in 0..x.vacant_posts.min(1000) {
            let rk = self.key(
                "vacancy",
                &[
                    employer.as_bytes(),
                    x.setting_id.as_bytes(),
                    &x.role.unwrap_or(u16::MAX).to_le_bytes(),
                    x.job_title.as_deref().unwrap_or("").as_bytes(),
                    &i.to_le_bytes(),
                ],
            );
            if i == 0 {
                first = rk;
            }
            key = key.wrapping_add(rk);
        }
        key = key.wrapping_add(first.wrapping_mul(x.vacant_posts.saturating_sub(1000)));
        let v = &mut self.vacancies;
        v.setting.push(setting);
        v.role.push(role_code(x.role));
        v.posts.push(x.vacant_posts);
        v.hard_to_fill.push((x.hard_to_fill == Some(true)) as u8);
        v.key.push(key);
    }
}
