//! Running the binary against a throw-away database, and writing small returns.

use observatory_store::testing::PgDb;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_observatory");
pub const CENSUS: &str = "2025-11-01";

/// A database for one test, with its own key file and working folder.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: String,
    /// The PostgreSQL database, dropped with the environment.
    _pg: Option<PgDb>,
}

impl Env {
    pub fn sqlite() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("census.db").display().to_string();
        Env { dir, db, _pg: None }
    }

    pub fn postgres() -> Env {
        let pg = PgDb::create("obs_t");
        Env {
            dir: tempfile::tempdir().unwrap(),
            db: pg.url(),
            _pg: Some(pg),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--db")
            .arg(&self.db)
            .arg("--key-file")
            .arg(self.path("person.key"));
        c.args(args)
            .current_dir(self.dir.path())
            .env_remove("OBSERVATORY_PERSON_KEY");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("the binary runs")
    }

    /// Run and insist on success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "observatory {args:?} failed ({:?})\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }

    pub fn init(&self) -> &Self {
        self.ok(&["init"]);
        self
    }

    pub fn import(&self, employer: &str, path: &Path, extra: &[&str]) -> Output {
        let p = path.display().to_string();
        let mut args = vec!["import", "--employer", employer, "--census-date", CENSUS];
        args.extend_from_slice(extra);
        args.push(&p);
        self.run(&args)
    }

    /// How many returns (current and replaced) the history of an employer holds.
    pub fn history_len(&self, employer: &str) -> usize {
        self.json(&["history", "--employer", employer, "--format", "json"])
            .as_array()
            .unwrap()
            .len()
    }

    /// A query's rows as JSON, unsuppressed unless `suppress`.
    pub fn query(&self, measure: &str, by: &str, extra: &[&str]) -> Vec<Value> {
        let mut args = vec![
            "query",
            "--census-date",
            CENSUS,
            "--measure",
            measure,
            "--format",
            "json",
        ];
        if !by.is_empty() {
            args.extend(["--by", by]);
        }
        args.extend_from_slice(extra);
        self.json(&args)["rows"].as_array().unwrap().clone()
    }

    /// The single value of a query without breakdowns, unsuppressed.
    pub fn value(&self, measure: &str) -> f64 {
        let rows = self.query(measure, "", &["--no-suppression"]);
        assert_eq!(rows.len(), 1, "{measure}: {rows:?}");
        rows[0]["value"]
            .as_f64()
            .unwrap_or_else(|| panic!("{measure}: {rows:?}"))
    }
}

/// Run the same test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                ($body)($crate::support::Env::sqlite());
            }
            #[test]
            fn postgres() {
                ($body)($crate::support::Env::postgres());
            }
        }
    };
}

/// One CSV table of a return: file name, header, rows.
pub type Part = (&'static str, Vec<String>, Vec<Vec<String>>);

/// A small return as four CSV tables that tests can alter before writing.
#[derive(Clone)]
pub struct Return {
    pub parts: Vec<Part>,
}

fn table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text
        .trim()
        .lines()
        .map(|l| l.trim().split(',').map(String::from).collect::<Vec<_>>());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

impl Return {
    /// The hand-worked return of the known-answer tests (see known_answers.rs).
    pub fn known() -> Return {
        let parts = [
            ("settings", "setting_id,setting_name,setting_type,area_code,employing_sector,provision,multi_agency,places
                S1,Little Acorns,full_daycare,E06000056,private,universal,no,40
                S2,Hill Primary,school_primary,E06000056,public,universal,no,210"),
            ("workers", "worker_ref,person_id,setting_id,role,job_title,contract,fte,start_date,gender,ethnicity,disability,birth_year,qualification_level,qualification_status,annual_pay
                W1,AB123456A,S1,early_years_practitioner,,permanent,1.0,2020-01-01,female,WBRI,no,1995,3,achieved,22000
                W2,AB123457A,S1,room_leader,,permanent,0.5,2025-06-01,female,BAFR,no,1968,3,achieved,26000
                W3,,S1,early_years_assistant,,agency,1.0,2025-09-01,male,WBRI,yes,2004,2,working_towards,20000
                W4,AB123458A,S2,teacher,,permanent,1.0,2015-09-01,female,AIND,no,1980,6,achieved,40000
                W4,AB123458A,S2,,Teaching Asst,fixed_term,0.2,2024-09-01,female,AIND,no,1980,6,achieved,21000
                W5,AB123459A,S2,headteacher,,permanent,1.0,2010-01-01,male,WBRI,no,1965,7,achieved,80000"),
            ("leavers", "worker_ref,person_id,setting_id,role,job_title,contract,fte,leave_date,reason,destination,gender,ethnicity,birth_year
                L1,,S1,early_years_practitioner,,permanent,1.0,2025-03-01,resignation,outside_childrens_workforce,female,WBRI,1999
                L2,,S2,teacher,,permanent,1.0,2025-07-31,retirement,outside_childrens_workforce,male,WBRI,1962"),
            ("vacancies", "setting_id,role,job_title,vacant_posts,vacant_fte,hard_to_fill,covered_by_agency
                S1,early_years_practitioner,,2,2.0,yes,no
                S2,teacher,,1,1.0,no,no"),
        ];
        Return {
            parts: parts
                .into_iter()
                .map(|(n, t)| {
                    let (h, r) = table(t);
                    (n, h, r)
                })
                .collect(),
        }
    }

    fn part(&mut self, sheet: &str) -> &mut (&'static str, Vec<String>, Vec<Vec<String>>) {
        self.parts.iter_mut().find(|p| p.0 == sheet).unwrap()
    }

    /// Change one cell: data row `row` (0 = first row under the header), column by name.
    pub fn set(mut self, sheet: &str, row: usize, column: &str, value: &str) -> Self {
        let p = self.part(sheet);
        let c = p.1.iter().position(|h| h == column).unwrap();
        p.2[row][c] = value.to_string();
        self
    }

    pub fn push_row(mut self, sheet: &str, row: usize) -> Self {
        let p = self.part(sheet);
        let r = p.2[row].clone();
        p.2.push(r);
        self
    }

    pub fn csv(&self, sheet: &str) -> String {
        let p = self.parts.iter().find(|p| p.0 == sheet).unwrap();
        let mut s = p.1.join(",") + "\n";
        for r in &p.2 {
            s += &(r.join(",") + "\n");
        }
        s
    }

    /// Write as a folder of four CSV files.
    pub fn write_dir(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        for (name, _, _) in &self.parts {
            std::fs::write(dir.join(format!("{name}.csv")), self.csv(name)).unwrap();
        }
        dir.to_path_buf()
    }

    /// Write as one XLSX workbook (numbers as numbers), optionally with a formula cell.
    pub fn write_xlsx(&self, path: &Path, formula_in_workers: bool) -> PathBuf {
        let mut wb = rust_xlsxwriter::Workbook::new();
        for (name, header, rows) in &self.parts {
            let ws = wb.add_worksheet();
            ws.set_name(*name).unwrap();
            for (c, h) in header.iter().enumerate() {
                ws.write_string(0, c as u16, h).unwrap();
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    let (r, c) = (r as u32 + 1, c as u16);
                    match v.parse::<f64>() {
                        Ok(x) => ws.write_number(r, c, x).unwrap(),
                        Err(_) => ws.write_string(r, c, v).unwrap(),
                    };
                }
            }
            if formula_in_workers && *name == "workers" {
                let c = header.iter().position(|h| h == "fte").unwrap() as u16;
                ws.write_formula(2, c, "=1/2").unwrap();
            }
        }
        wb.save(path).unwrap();
        path.to_path_buf()
    }

    /// Write as a zip of the four CSV files.
    pub fn write_zip(&self, path: &Path) -> PathBuf {
        use std::io::Write;
        let f = std::fs::File::create(path).unwrap();
        let mut z = zip::ZipWriter::new(f);
        for (name, _, _) in &self.parts {
            z.start_file(
                format!("{name}.csv"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            z.write_all(self.csv(name).as_bytes()).unwrap();
        }
        z.finish().unwrap();
        path.to_path_buf()
    }
}

/// Assert a run was rejected (exit 1) and its report names `needle`.
pub fn assert_rejected(out: &Output, needle: &str) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected rejection, got: {text}"
    );
    assert!(text.contains(needle), "expected '{needle}' in: {text}");
}
