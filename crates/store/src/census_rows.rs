//! Reading a census date's current records back as domain records: the SQL and the
//! decoding of a row are written once and shared by both backends (SQLite reads through
//! [`crate::direct`], PostgreSQL through sqlx). Job titles resolve through confirmed
//! mappings in the SQL.

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use observatory_domain::codes::CodeList;
use observatory_domain::{CensusSink, Leaver, PersonKey, Setting, Vacancy, Worker, codes};

/// The records of the current returns of a census date (`$1`).
macro_rules! current {
    () => {
        " JOIN returns r ON r.id = t.return_id WHERE r.census_date = $1 AND r.status = 'current'"
    };
}

/// One query per record kind, in the order the sink receives them; column 0 is the employer.
pub(crate) const CENSUS_SQL: [&str; 4] = [
    concat!(
        "SELECT r.employer_id, t.setting_id, t.name, t.setting_type, t.area_code, t.employing_sector,
                t.provision, t.multi_agency, t.places FROM settings t",
        current!()
    ),
    concat!(
        "SELECT r.employer_id, t.worker_ref, t.person_key, t.setting_id, COALESCE(t.role, m.role),
                t.job_title, t.contract, t.fte, t.start_date, t.gender, t.ethnicity, t.disability,
                t.birth_year, t.qualification_level, t.qualification_status, t.annual_pay
         FROM workers t LEFT JOIN jobtitle_map m ON t.role IS NULL AND m.title_norm = t.job_title_norm",
        current!()
    ),
    concat!(
        "SELECT r.employer_id, t.worker_ref, t.person_key, t.setting_id, COALESCE(t.role, m.role),
                t.job_title, t.contract, t.fte, t.leave_date, t.reason, t.destination, t.gender,
                t.ethnicity, t.birth_year
         FROM leavers t LEFT JOIN jobtitle_map m ON t.role IS NULL AND m.title_norm = t.job_title_norm",
        current!()
    ),
    concat!(
        "SELECT r.employer_id, t.setting_id, COALESCE(t.role, m.role), t.job_title, t.vacant_posts,
                t.vacant_fte, t.hard_to_fill, t.covered_by_agency
         FROM vacancies t LEFT JOIN jobtitle_map m ON t.role IS NULL AND m.title_norm = t.job_title_norm",
        current!()
    ),
];

/// A result row of either backend, read by column position.
pub(crate) trait Cols {
    fn str(&self, i: usize) -> Result<Option<&str>>;
    fn int(&self, i: usize) -> Result<Option<i64>>;
    fn blob(&self, i: usize) -> Result<Option<&[u8]>>;
}

impl Cols for sqlx::postgres::PgRow {
    fn str(&self, i: usize) -> Result<Option<&str>> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
    fn int(&self, i: usize) -> Result<Option<i64>> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
    fn blob(&self, i: usize) -> Result<Option<&[u8]>> {
        Ok(sqlx::Row::try_get(self, i)?)
    }
}

impl Cols for rusqlite::Row<'_> {
    fn str(&self, i: usize) -> Result<Option<&str>> {
        Ok(self.get_ref(i)?.as_str_or_null()?)
    }
    fn int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.get_ref(i)?.as_i64_or_null()?)
    }
    fn blob(&self, i: usize) -> Result<Option<&[u8]>> {
        Ok(self.get_ref(i)?.as_blob_or_null()?)
    }
}

/// Read column `i` of `r`, which must not be NULL.
fn need<T>(v: Option<T>, i: usize) -> Result<T> {
    v.ok_or_else(|| anyhow!("a stored record has no value in column {i} (the database is damaged)"))
}

fn text(r: &impl Cols, i: usize) -> Result<String> {
    Ok(need(r.str(i)?, i)?.to_string())
}

fn opt_text(r: &impl Cols, i: usize) -> Result<Option<String>> {
    Ok(r.str(i)?.map(str::to_string))
}

fn num(r: &impl Cols, i: usize) -> Result<i64> {
    need(r.int(i)?, i)
}

fn code(list: &CodeList, r: &impl Cols, i: usize) -> Result<u8> {
    let s = need(r.str(i)?, i)?;
    code_of(list, s)
}

fn code_of(list: &CodeList, s: &str) -> Result<u8> {
    list.find(s).map(|i| i as u8).ok_or_else(|| {
        anyhow!(
            "stored {} code '{s}' is not in the current code list (was the list changed without a series break?)",
            list.name
        )
    })
}

fn opt_code(list: &CodeList, r: &impl Cols, i: usize) -> Result<Option<u8>> {
    r.str(i)?.map(|s| code_of(list, s)).transpose()
}

fn role(r: &impl Cols, i: usize) -> Result<Option<u16>> {
    Ok(opt_code(&codes().roles, r, i)?.map(u16::from))
}

fn date(r: &impl Cols, i: usize) -> Result<NaiveDate> {
    let s = need(r.str(i)?, i)?;
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .with_context(|| format!("stored date '{s}' is damaged"))
}

fn person(r: &impl Cols, i: usize) -> Result<Option<PersonKey>> {
    Ok(r.blob(i)?.and_then(|b| b.try_into().ok()))
}

fn yes(r: &impl Cols, i: usize) -> Result<Option<bool>> {
    Ok(r.str(i)?.map(|v| v == "yes"))
}

/// Decode a row of `CENSUS_SQL[kind]` and hand it to the sink.
pub(crate) fn feed(kind: usize, r: &impl Cols, sink: &mut (dyn CensusSink + Send)) -> Result<()> {
    let c = codes();
    let employer = need(r.str(0)?, 0)?;
    match kind {
        0 => sink.setting(
            employer,
            &Setting {
                setting_id: text(r, 1)?,
                name: text(r, 2)?,
                setting_type: code(&c.setting_types, r, 3)?,
                area_code: text(r, 4)?,
                employing_sector: code(&c.employing_sector, r, 5)?,
                provision: code(&c.provision, r, 6)?,
                multi_agency: yes(r, 7)?,
                places: r.int(8)?.map(|v| v as u32),
            },
        ),
        1 => sink.worker(
            employer,
            &Worker {
                worker_ref: text(r, 1)?,
                person: person(r, 2)?,
                setting_id: text(r, 3)?,
                role: role(r, 4)?,
                job_title: opt_text(r, 5)?,
                contract: code(&c.contract, r, 6)?,
                fte: num(r, 7)? as u32,
                start_date: date(r, 8)?,
                gender: code(&c.gender, r, 9)?,
                ethnicity: code(&c.ethnicity, r, 10)?,
                disability: code(&c.disability, r, 11)?,
                birth_year: num(r, 12)? as u16,
                qualification_level: code(&c.qualification_level, r, 13)?,
                qualification_status: code(&c.qualification_status, r, 14)?,
                annual_pay: r.int(15)?.map(|v| v as u32),
            },
        ),
        2 => sink.leaver(
            employer,
            &Leaver {
                worker_ref: text(r, 1)?,
                person: person(r, 2)?,
                setting_id: text(r, 3)?,
                role: role(r, 4)?,
                job_title: opt_text(r, 5)?,
                contract: code(&c.contract, r, 6)?,
                fte: num(r, 7)? as u32,
                leave_date: date(r, 8)?,
                reason: code(&c.reason, r, 9)?,
                destination: code(&c.destination, r, 10)?,
                gender: opt_code(&c.gender, r, 11)?,
                ethnicity: opt_code(&c.ethnicity, r, 12)?,
                birth_year: r.int(13)?.map(|v| v as u16),
            },
        ),
        _ => sink.vacancy(
            employer,
            &Vacancy {
                setting_id: text(r, 1)?,
                role: role(r, 2)?,
                job_title: opt_text(r, 3)?,
                vacant_posts: num(r, 4)? as u32,
                vacant_fte: num(r, 5)? as u32,
                hard_to_fill: yes(r, 6)?,
                covered_by_agency: yes(r, 7)?,
            },
        ),
    }
    Ok(())
}
