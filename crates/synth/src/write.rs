//! Writing one employer's return: four CSV files in a folder, or one workbook with the
//! same four sheets plus a `return` sheet. Rows are formatted straight into reusable byte
//! buffers (no per-row allocation), because the national run writes millions of them.

use crate::ids::{mix, mix3, unit};
use crate::model::{Contract, model};
use crate::sim::{Area, Post};
use crate::titles::{main_title, post_title};
use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};
use observatory_domain::codes;
use std::path::Path;

pub(crate) const SETTINGS_HEADER: &str = "setting_id,setting_name,setting_type,area_code,employing_sector,provision,multi_agency,places\n";
pub(crate) const WORKERS_HEADER: &str = "worker_ref,person_id,setting_id,role,job_title,contract,fte,start_date,gender,ethnicity,disability,birth_year,qualification_level,qualification_status,annual_pay\n";
pub(crate) const LEAVERS_HEADER: &str = "worker_ref,person_id,setting_id,role,job_title,contract,fte,leave_date,reason,destination,gender,ethnicity,birth_year\n";
pub(crate) const VACANCIES_HEADER: &str =
    "setting_id,role,job_title,vacant_posts,vacant_fte,hard_to_fill,covered_by_agency\n";

/// Columns written as numbers in workbooks.
const NUMERIC: [&str; 6] = [
    "places",
    "fte",
    "birth_year",
    "annual_pay",
    "vacant_posts",
    "vacant_fte",
];

/// A CSV line builder over a byte buffer.
struct Line<'a>(&'a mut Vec<u8>);

impl Line<'_> {
    fn str(&mut self, s: &str) -> &mut Self {
        let needs = s
            .bytes()
            .any(|b| b == b',' || b == b'"' || b == b'\n' || b == b'\r')
            || s.starts_with(' ')
            || s.ends_with(' ');
        if needs {
            self.0.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    self.0.push(b'"');
                }
                self.0.push(b);
            }
            self.0.push(b'"');
        } else {
            self.0.extend_from_slice(s.as_bytes());
        }
        self.0.push(b',');
        self
    }

    fn raw(&mut self, s: &[u8]) -> &mut Self {
        self.0.extend_from_slice(s);
        self.0.push(b',');
        self
    }

    fn empty(&mut self) -> &mut Self {
        self.0.push(b',');
        self
    }

    fn num(&mut self, n: u32) -> &mut Self {
        push_u32(self.0, n);
        self.0.push(b',');
        self
    }

    fn opt_num(&mut self, n: Option<u32>) -> &mut Self {
        match n {
            Some(n) => self.num(n),
            None => self.empty(),
        }
    }

    fn date(&mut self, d: i32) -> &mut Self {
        let date = NaiveDate::from_num_days_from_ce_opt(d).expect("valid date");
        push_padded(self.0, date.year() as u32, 4);
        self.0.push(b'-');
        push_padded(self.0, date.month(), 2);
        self.0.push(b'-');
        push_padded(self.0, date.day(), 2);
        self.0.push(b',');
        self
    }

    /// Hundredths as a decimal with up to two places: 100 -> "1", 50 -> "0.5", 75 -> "0.75".
    fn fte(&mut self, h: u32) -> &mut Self {
        push_u32(self.0, h / 100);
        let frac = h % 100;
        if frac != 0 {
            self.0.push(b'.');
            self.0.push(b'0' + (frac / 10) as u8);
            if !frac.is_multiple_of(10) {
                self.0.push(b'0' + (frac % 10) as u8);
            }
        }
        self.0.push(b',');
        self
    }

    fn end(&mut self) {
        if self.0.last() == Some(&b',') {
            self.0.pop();
        }
        self.0.push(b'\n');
    }
}

fn push_u32(buf: &mut Vec<u8>, mut n: u32) {
    let mut tmp = [0u8; 10];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

fn push_padded(buf: &mut Vec<u8>, n: u32, width: usize) {
    let mut tmp = [b'0'; 10];
    let mut x = n;
    for i in (0..width).rev() {
        tmp[i] = b'0' + (x % 10) as u8;
        x /= 10;
    }
    buf.extend_from_slice(&tmp[..width]);
}

/// Reusable buffers for writing returns.
#[derive(Default)]
pub(crate) struct Writer {
    settings: Vec<u8>,
    workers: Vec<u8>,
    leavers: Vec<u8>,
    vacancies: Vec<u8>,
    titles: Vec<(u16, String)>,
    wref: Vec<u8>,
}

/// How an employer fills in its return.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub messy: bool,
    pub xlsx: bool,
}

impl Writer {
    /// Role code, or (for employers with their own titles) the title of the post
    /// (`worker_ref` given) or the employer's usual title for the role (vacancies).
    fn role_fields(&self, line: &mut Line, messy: Option<u64>, role: u16, worker_ref: Option<u32>) {
        if let Some(hash) = messy {
            let t = worker_ref
                .and_then(|w| post_title(hash, role, w))
                .or_else(|| {
                    self.titles
                        .iter()
                        .find(|t| t.0 == role)
                        .map(|t| t.1.as_str())
                })
                .unwrap_or_else(|| codes().roles.label(role as usize));
            line.empty().str(t);
        } else {
            line.str(codes().roles.code(role as usize)).empty();
        }
    }

    fn worker_ref(&mut self, prefix: &str, n: u32) {
        self.wref.clear();
        self.wref.extend_from_slice(prefix.as_bytes());
        push_padded(&mut self.wref, n, if n < 100_000 { 5 } else { 7 });
    }

    /// Formats one return into the buffers; returns the number of worker rows.
    fn format(&mut self, area: &Area, e: usize, style: Style) -> usize {
        self.start_return();
        let messy = self.own_titles(area, e, style);
        self.settings_rows(area, e);
        let rows = self.worker_rows(area, e, messy);
        self.leaver_rows(area, e, messy);
        self.vacancy_rows(area, e, messy);
        rows
    }

    /// Empties the buffers and starts each part with its header row.
    fn start_return(&mut self) {
        self.settings.clear();
        self.workers.clear();
        self.leavers.clear();
        self.vacancies.clear();
        self.settings.extend_from_slice(SETTINGS_HEADER.as_bytes());
        self.workers.extend_from_slice(WORKERS_HEADER.as_bytes());
        self.leavers.extend_from_slice(LEAVERS_HEADER.as_bytes());
        self.vacancies
            .extend_from_slice(VACANCIES_HEADER.as_bytes());
    }

    /// For an employer using its own job titles (`Some` of its hash), the main title it
    /// gives each role it has, so every row of a role uses the same one.
    fn own_titles(&mut self, area: &Area, e: usize, style: Style) -> Option<u64> {
        let emp = &area.plan.employers[e];
        self.titles.clear();
        let messy = style.messy.then_some(emp.hash);
        if style.messy {
            for &s in &emp.settings {
                for &(r, _) in &area.plan.settings[s as usize].template {
                    if !self.titles.iter().any(|t| t.0 == r) {
                        self.titles.push((r, main_title(emp.hash, r)));
                    }
                }
            }
        }
        messy
    }

    /// One row per setting of the employer.
    fn settings_rows(&mut self, area: &Area, e: usize) {
        let c = codes();
        let emp = &area.plan.employers[e];
        let yes = c.yes_no.code(c.yes_no.must("yes"));
        let no = c.yes_no.code(c.yes_no.must("no"));
        let sector = c.employing_sector.code(emp.sector as usize);
        let mut buf = std::mem::take(&mut self.settings);
        for &s in &emp.settings {
            let st = &area.plan.settings[s as usize];
            let mut l = Line(&mut buf);
            l.str(&st.id)
                .str(&st.name)
                .str(c.setting_types.code(st.setting_type as usize))
                .str(&area.code)
                .str(sector)
                .str(c.provision.code(st.provision as usize));
            match st.multi_agency {
                Some(true) => l.str(yes),
                Some(false) => l.str(no),
                None => l.empty(),
            };
            l.opt_num(st.places).end();
        }
        self.settings = buf;
    }

    /// One row per post held on the census date; returns how many.
    fn worker_rows(&mut self, area: &Area, e: usize, messy: Option<u64>) -> usize {
        let c = codes();
        let m = model();
        let emp = &area.plan.employers[e];
        let mut rows = 0;
        let mut buf = std::mem::take(&mut self.workers);
        let achieved = c.qualification_status.code(c.known.achieved);
        let towards = c.qualification_status.code(c.known.working_towards);
        for &s in &emp.settings {
            let st = &area.plan.settings[s as usize];
            for post in &area.posts[s as usize] {
                let p = &area.people[post.person as usize];
                self.worker_ref(emp.ref_prefix, post.wref);
                let mut l = Line(&mut buf);
                l.raw(&self.wref);
                person_id(&mut l, area, e, post);
                l.str(&st.id);
                self.role_fields(&mut l, messy, post.role, Some(post.wref));
                l.str(
                    c.contract
                        .code(m.contract_code[post.contract as usize] as usize),
                )
                .fte(post.fte as u32)
                .date(post.start)
                .str(c.gender.code(p.gender as usize))
                .str(c.ethnicity.code(p.ethnicity as usize))
                .str(c.disability.code(p.disability as usize))
                .num(p.birth_year as u32);
                if p.towards > 0 {
                    l.str(
                        c.qualification_level
                            .code(m.qual_code[p.towards as usize] as usize),
                    )
                    .str(towards);
                } else {
                    l.str(
                        c.qualification_level
                            .code(m.qual_code[p.qual as usize] as usize),
                    )
                    .str(achieved);
                }
                l.opt_num(
                    (post.pay > 0 && post.contract != Contract::Volunteer).then_some(post.pay),
                )
                .end();
                rows += 1;
            }
        }
        self.workers = buf;
        rows
    }

    /// One row per post that ended in the year; one employer in ten leaves out the
    /// optional demographics.
    fn leaver_rows(&mut self, area: &Area, e: usize, messy: Option<u64>) {
        let c = codes();
        let m = model();
        let emp = &area.plan.employers[e];
        let mut buf = std::mem::take(&mut self.leavers);
        let demographics = !area.employer_chance(e, 0xDE, 0.1);
        for left in &area.leavers[e] {
            let st = &area.plan.settings[left.setting as usize];
            let post = &left.post;
            let p = &area.people[post.person as usize];
            self.worker_ref(emp.ref_prefix, post.wref);
            let mut l = Line(&mut buf);
            l.raw(&self.wref);
            person_id(&mut l, area, e, post);
            l.str(&st.id);
            self.role_fields(&mut l, messy, post.role, Some(post.wref));
            l.str(
                c.contract
                    .code(m.contract_code[post.contract as usize] as usize),
            )
            .fte(post.fte as u32)
            .date(left.date)
            .str(c.reason.code(left.reason as usize))
            .str(c.destination.code(left.dest as usize));
            if demographics {
                l.str(c.gender.code(p.gender as usize))
                    .str(c.ethnicity.code(p.ethnicity as usize))
                    .num(p.birth_year as u32);
            } else {
                l.empty().empty().empty();
            }
            l.end();
        }
        self.leavers = buf;
    }

    /// One row per role with vacant posts in each setting; hard-to-fill and agency cover
    /// are hashed, not drawn, and sometimes left blank.
    fn vacancy_rows(&mut self, area: &Area, e: usize, messy: Option<u64>) {
        let c = codes();
        let m = model();
        let emp = &area.plan.employers[e];
        let yes = c.yes_no.code(c.yes_no.must("yes"));
        let no = c.yes_no.code(c.yes_no.must("no"));
        let mut buf = std::mem::take(&mut self.vacancies);
        for &s in &emp.settings {
            let st = &area.plan.settings[s as usize];
            for &(r, n) in &area.vacancies[s as usize] {
                let prof = &m.roles[r as usize];
                let per_post =
                    prof.full_time + (1.0 - prof.full_time) * (prof.pt_lo + prof.pt_hi) / 2.0;
                let fte = ((n as f64 * per_post * 10.0).round() * 10.0).max(10.0) as u32;
                let h = mix3(emp.hash, s as u64 * 131 + r as u64, area.step as u64);
                let mut l = Line(&mut buf);
                l.str(&st.id);
                self.role_fields(&mut l, messy, r, None);
                l.num(n).fte(fte);
                for (salt, p) in [(1, prof.hard_to_fill), (2, prof.agency_cover)] {
                    let hh = mix(h, salt);
                    if unit(mix(hh, 9)) < 0.1 {
                        l.empty();
                    } else if unit(hh) < p {
                        l.str(yes);
                    } else {
                        l.str(no);
                    }
                }
                l.end();
            }
        }
        self.vacancies = buf;
    }

    /// Writes employer `e`'s return for the area's current census date under `date_dir`;
    /// returns its path relative to `date_dir`'s parent and the number of worker rows.
    pub(crate) fn write(
        &mut self,
        area: &Area,
        e: usize,
        date: NaiveDate,
        date_dir: &Path,
        style: Style,
    ) -> Result<(String, usize)> {
        let rows = self.format(area, e, style);
        let emp = &area.plan.employers[e];
        let date_text = date.format("%Y-%m-%d").to_string();
        if style.xlsx {
            let file = format!("{}.xlsx", emp.id);
            let path = date_dir.join(&file);
            self.write_xlsx(&path, &emp.id, &emp.name, date)
                .with_context(|| format!("writing {}", path.display()))?;
            Ok((format!("{date_text}/{file}"), rows))
        } else {
            let dir = date_dir.join(&emp.id);
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for (name, buf) in [
                ("settings.csv", &self.settings),
                ("workers.csv", &self.workers),
                ("leavers.csv", &self.leavers),
                ("vacancies.csv", &self.vacancies),
            ] {
                let path = dir.join(name);
                std::fs::write(&path, buf)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            Ok((format!("{date_text}/{}", emp.id), rows))
        }
    }

    fn write_xlsx(&self, path: &Path, id: &str, name: &str, date: NaiveDate) -> Result<()> {
        use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
        let mut wb = Workbook::new();
        // A fixed creation time (the census date) keeps workbooks byte-identical per seed.
        let created =
            ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)?;
        wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
        let date_text = date.format("%Y-%m-%d").to_string();
        let date = date_text.as_str();
        for (sheet, buf) in [
            ("settings", &self.settings),
            ("workers", &self.workers),
            ("leavers", &self.leavers),
            ("vacancies", &self.vacancies),
        ] {
            let ws = wb.add_worksheet();
            ws.set_name(sheet)?;
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(buf.as_slice());
            let mut numeric: Vec<bool> = Vec::new();
            for (r, rec) in rdr.records().enumerate() {
                let rec = rec?;
                if r == 0 {
                    numeric = rec.iter().map(|h| NUMERIC.contains(&h)).collect();
                }
                for (col, field) in rec.iter().enumerate() {
                    if field.is_empty() {
                        continue;
                    }
                    let (row, col16) = (r as u32, col as u16);
                    if r > 0
                        && numeric[col]
                        && let Ok(v) = field.parse::<f64>()
                    {
                        ws.write_number(row, col16, v)?;
                        continue;
                    }
                    ws.write_string(row, col16, field)?;
                }
            }
        }
        let ws = wb.add_worksheet();
        ws.set_name("return")?;
        for (r, (f, v)) in [
            ("field", "value"),
            ("employer_id", id),
            ("employer_name", name),
            ("census_date", date),
        ]
        .into_iter()
        .enumerate()
        {
            ws.write_string(r as u32, 0, f)?;
            ws.write_string(r as u32, 1, v)?;
        }
        wb.save(path)?;
        Ok(())
    }
}

/// The person's National Insurance number, left blank by some employers for some people.
fn person_id(l: &mut Line, area: &Area, e: usize, post: &Post) {
    let h = mix3(area.plan.employers[e].hash, post.person as u64, 0xB1);
    if unit(h) < 0.03 {
        l.empty();
    } else {
        l.raw(&area.people[post.person as usize].nino);
    }
}
