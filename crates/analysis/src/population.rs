//! Population profiles: the share of each group (by gender, ethnic group, ethnicity,
//! disability or age band) in the population an area's workforce serves, which
//! `representation_ratio` compares the workforce with. Users load their own per area;
//! a national default for England from the 2021 Census ships in
//! `data/population/england_2021.csv`. Also the small CSV reader the analysis's data
//! files (profiles, series breaks) share, so every such file reports problems alike.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::dims::{Dim, NOT_KNOWN, closest, value_list};

/// The profile key of the whole of England (also accepted as `E92000001`).
pub const NATIONAL: &str = "national";

/// England's GSS code, an alias of [`NATIONAL`].
const ENGLAND: &str = "E92000001";

/// How far the shares of one area and dimension may sum away from 1 (published shares
/// are rounded, so a list of twenty rounded shares rarely sums to exactly 1).
pub const SHARE_SUM_TOLERANCE: f64 = 0.005;

/// The breakdowns a profile can describe (and representation_ratio can compare).
pub(crate) const GROUP_DIMS: [Dim; 5] = [
    Dim::Gender,
    Dim::EthnicGroup,
    Dim::Ethnicity,
    Dim::Disability,
    Dim::AgeBand,
];

const ENGLAND_2021: &str = include_str!("../../../data/population/england_2021.csv");

/// One thing wrong in a data file, located as a person editing it would look for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataProblem {
    /// Line in the file (the header is line 1, comment lines count).
    pub line: u64,
    /// The column's name, or empty when the problem is the whole line.
    pub column: String,
    /// The value as found.
    pub value: String,
    /// What is wrong, in a plain sentence.
    pub message: String,
}

impl std::fmt::Display for DataProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
        }
        if !self.value.is_empty() {
            write!(f, " ('{}')", self.value)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A data file that cannot be used, with every problem found in it.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[error("{what} cannot be used:\n  {}", .problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n  "))]
pub struct DataFileError {
    /// What the file is ("the population profile").
    pub what: String,
    /// Every problem, in file order.
    pub problems: Vec<DataProblem>,
}

/// A data file's rows as (line, values) and the problems of lines that could not be read.
pub(crate) type Rows = (Vec<(u64, Vec<String>)>, Vec<DataProblem>);

/// Rows of a small CSV data file with exactly the named columns (in any order, names
/// matched ignoring case), as (line, values in the order of `columns`), trimmed, and
/// the problems of lines that could not be read (the caller adds its own and reports
/// them all). Lines starting with `#` are comments, so a file can cite its source. A
/// missing header is an error at once: nothing else can be read without it.
/// Largest data file (population profile, series breaks) read: every area's profile
/// over every breakdown is well under 2 MB.
pub const MAX_DATA_FILE_BYTES: usize = 16 * 1024 * 1024;

pub(crate) fn read_rows(text: &str, what: &str, columns: &[&str]) -> Result<Rows, DataFileError> {
    let fail = |problems: Vec<DataProblem>| DataFileError {
        what: what.to_string(),
        problems,
    };
    let problem = |line: u64, column: &str, value: &str, message: String| DataProblem {
        line,
        column: column.to_string(),
        value: value.to_string(),
        message,
    };
    if text.len() > MAX_DATA_FILE_BYTES {
        return Err(fail(vec![problem(
            1,
            "",
            "",
            format!(
                "the file is {:.1} MB; {what} may be at most {} MB",
                text.len() as f64 / 1_048_576.0,
                MAX_DATA_FILE_BYTES / 1_048_576
            ),
        )]));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .comment(Some(b'#'))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            let line = e.position().map_or(1, |p| p.line());
            return Err(fail(vec![problem(line, "", "", e.to_string())]));
        }
        None => {
            return Err(fail(vec![problem(
                1,
                "",
                "",
                format!(
                    "the file is empty; it needs a header line: {}",
                    columns.join(",")
                ),
            )]));
        }
    };
    let header_line = header.position().map_or(1, |p| p.line());
    let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    let mut at = Vec::new();
    for c in columns {
        match names.iter().position(|n| n == c) {
            Some(i) => at.push(i),
            None => {
                return Err(fail(vec![problem(
                    header_line,
                    "",
                    &header.iter().collect::<Vec<_>>().join(","),
                    format!(
                        "the header lacks the column '{c}'; it must name the columns {}",
                        columns.join(",")
                    ),
                )]));
            }
        }
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for rec in records {
        match rec {
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(problem(line, "", "", e.to_string()));
            }
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                if r.iter().all(str::is_empty) {
                    continue;
                }
                if r.len() != names.len() {
                    problems.push(problem(
                        line,
                        "",
                        "",
                        format!(
                            "the line has {} values but the header names {} columns",
                            r.len(),
                            names.len()
                        ),
                    ));
                    continue;
                }
                rows.push((line, at.iter().map(|&i| r[i].to_string()).collect()));
            }
        }
    }
    Ok((rows, problems))
}

/// Shares of one dimension's groups in one area: group code -> fraction.
pub type Shares = BTreeMap<String, f64>;

/// Which profile answered for an area: its own, or the national one it fell back to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProfileUse {
    /// The area of the result rows (`None` when the rows are not broken down by area and
    /// no single area was selected, so the national profile applies).
    pub area: Option<String>,
    /// The breakdown compared (gender, ethnic_group, ...).
    pub dimension: String,
    /// The profile used: the area's own code, or [`NATIONAL`] when it has none for this
    /// dimension; `None` when no profile describes the dimension at all.
    pub profile: Option<String>,
}

/// The share of each group in the population each area serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PopulationProfile {
    /// Area key (upper-case GSS code, or [`NATIONAL`]) -> dimension name -> shares.
    areas: BTreeMap<String, BTreeMap<String, Shares>>,
}

/// The profile key for an area as written: `national` and England's code are the
/// national profile; GSS codes are compared in upper case.
fn area_key(area: &str) -> String {
    let a = area.trim();
    if a.eq_ignore_ascii_case(NATIONAL) || a.eq_ignore_ascii_case(ENGLAND) {
        NATIONAL.to_string()
    } else {
        a.to_ascii_uppercase()
    }
}

impl PopulationProfile {
    /// Reads a profile from CSV text with the columns `area`, `dimension`, `group` and
    /// `share` (a fraction: 0.81, not 81 %). `area` is a GSS code, or `national` (or
    /// `E92000001`) for England; `dimension` is one of gender, ethnic_group, ethnicity,
    /// disability, age_band; `group` is a code of that breakdown. The shares of each
    /// area and dimension must sum to 1 within [`SHARE_SUM_TOLERANCE`]. Every problem is
    /// reported with its line, column and value.
    pub fn from_csv(text: &str) -> Result<PopulationProfile, DataFileError> {
        const WHAT: &str = "the population profile";
        let (rows, mut problems) = read_rows(text, WHAT, &["area", "dimension", "group", "share"])?;
        let mut bad = |line: u64, column: &str, value: &str, message: String| {
            problems.push(DataProblem {
                line,
                column: column.to_string(),
                value: value.to_string(),
                message,
            })
        };
        let mut profile = PopulationProfile::default();
        // First line of each (area, dimension), to locate a bad sum.
        let mut first_line: BTreeMap<(String, String), u64> = BTreeMap::new();
        for (line, v) in rows {
            let (area, dim_name, group, share) = (&v[0], &v[1], &v[2], &v[3]);
            if area.is_empty() {
                bad(
                    line,
                    "area",
                    area,
                    "the area is blank; give a GSS code or 'national'".into(),
                );
                continue;
            }
            let dim = match Dim::parse(dim_name).filter(|d| GROUP_DIMS.contains(d)) {
                Some(d) => d,
                None => {
                    let names = GROUP_DIMS.map(Dim::name);
                    let hint = closest(dim_name, names.iter().copied())
                        .map(|s| format!("did you mean '{s}'? "))
                        .unwrap_or_default();
                    bad(
                        line,
                        "dimension",
                        dim_name,
                        format!(
                            "not a dimension a profile can describe; {hint}use one of {}",
                            names.join(", ")
                        ),
                    );
                    continue;
                }
            };
            let list = value_list(dim).unwrap_or(&[]);
            let code = match list.iter().find(|c| c.eq_ignore_ascii_case(group)) {
                Some(c) if c != NOT_KNOWN => c.clone(),
                Some(_) => {
                    bad(
                        line,
                        "group",
                        group,
                        "not_known is not a group of the population; leave it out".into(),
                    );
                    continue;
                }
                None => {
                    let hint = closest(group, list.iter().map(String::as_str))
                        .map(|s| format!("; did you mean '{s}'?"))
                        .unwrap_or_default();
                    bad(
                        line,
                        "group",
                        group,
                        format!("not a code of {}{hint}", dim.name()),
                    );
                    continue;
                }
            };
            let value = match share.parse::<f64>() {
                Ok(x) if (0.0..=1.0).contains(&x) => x,
                Ok(x) if x > 1.0 && x <= 100.0 => {
                    bad(
                        line,
                        "share",
                        share,
                        format!(
                            "a share is a fraction between 0 and 1 (write {} for {x} %)",
                            x / 100.0
                        ),
                    );
                    continue;
                }
                _ => {
                    bad(
                        line,
                        "share",
                        share,
                        "not a share: write a fraction between 0 and 1, e.g. 0.177".into(),
                    );
                    continue;
                }
            };
            let key = area_key(area);
            first_line
                .entry((key.clone(), dim.name().to_string()))
                .or_insert(line);
            let shares = profile
                .areas
                .entry(key)
                .or_default()
                .entry(dim.name().to_string())
                .or_default();
            if shares.insert(code.clone(), value).is_some() {
                bad(
                    line,
                    "group",
                    group,
                    format!("{code} of {} is given twice for area {area}", dim.name()),
                );
            }
        }
        for (area, dims) in &profile.areas {
            for (dim, shares) in dims {
                let sum: f64 = shares.values().sum();
                if (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
                    let line = first_line
                        .get(&(area.clone(), dim.clone()))
                        .copied()
                        .unwrap_or(0);
                    bad(
                        line,
                        "share",
                        &format!("{sum:.4}"),
                        format!(
                            "the shares of {dim} for area {area} sum to {sum:.4}, not 1 (allowed: 1 ± {SHARE_SUM_TOLERANCE})"
                        ),
                    );
                }
            }
        }
        if problems.is_empty() {
            Ok(profile)
        } else {
            problems.sort_by_key(|p| p.line);
            Err(DataFileError {
                what: WHAT.to_string(),
                problems,
            })
        }
    }

    /// The national default shipped with the product: England, Census 2021 (sex, broad
    /// and detailed ethnic group, disability, age bands of the population aged 15 to
    /// 64). Sources are cited in the file.
    pub fn england_2021() -> &'static PopulationProfile {
        static DEFAULT: OnceLock<PopulationProfile> = OnceLock::new();
        DEFAULT.get_or_init(|| {
            PopulationProfile::from_csv(ENGLAND_2021)
                .expect("the shipped data/population/england_2021.csv is valid")
        })
    }

    /// The areas described, [`NATIONAL`] among them if present.
    pub fn areas(&self) -> impl Iterator<Item = &str> {
        self.areas.keys().map(String::as_str)
    }

    /// This profile with the national default underneath: areas and dimensions it
    /// lacks are taken from [`PopulationProfile::england_2021`].
    pub fn over_national_default(mut self) -> PopulationProfile {
        for (area, dims) in &Self::england_2021().areas {
            let mine = self.areas.entry(area.clone()).or_default();
            for (dim, shares) in dims {
                mine.entry(dim.clone()).or_insert_with(|| shares.clone());
            }
        }
        self
    }

    /// The profile back as CSV text that [`PopulationProfile::from_csv`] reads (for
    /// storing an imported profile).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("area,dimension,group,share\n");
        for (area, dims) in &self.areas {
            for (dim, shares) in dims {
                for (group, share) in shares {
                    out.push_str(&format!("{area},{dim},{group},{share}\n"));
                }
            }
        }
        out
    }

    /// The shares of `dim` for `area` (`None`: the whole country), and which profile
    /// gave them: the area's own when it has this dimension, else the national one.
    pub(crate) fn resolve(
        &self,
        area: Option<&str>,
        dim: Dim,
    ) -> (Option<String>, Option<&Shares>) {
        let own = area.map(area_key);
        for key in own.iter().map(String::as_str).chain([NATIONAL]) {
            if let Some(s) = self.areas.get(key).and_then(|d| d.get(dim.name())) {
                return (Some(key.to_string()), Some(s));
            }
        }
        (None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_is_valid_and_sums_to_one() {
        let p = PopulationProfile::england_2021();
        assert_eq!(p.areas().collect::<Vec<_>>(), vec![NATIONAL]);
        for dim in GROUP_DIMS {
            let (used, shares) = p.resolve(None, dim);
            assert_eq!(used.as_deref(), Some(NATIONAL));
            let sum: f64 = shares.unwrap().values().sum();
            assert!((sum - 1.0).abs() <= SHARE_SUM_TOLERANCE, "{dim:?} {sum}");
        }
        let (_, eg) = p.resolve(Some("E06000056"), Dim::EthnicGroup);
        assert_eq!(eg.unwrap()["White"], 0.8105);
        let (_, d) = p.resolve(None, Dim::Disability);
        assert_eq!(d.unwrap()["yes"], 0.177);
        // Round trip through CSV.
        assert_eq!(&PopulationProfile::from_csv(&p.to_csv()).unwrap(), p);
    }

    #[test]
    fn areas_fall_back_to_national_per_dimension() {
        let p = PopulationProfile::from_csv(
            "# a comment line\nArea,Dimension,Group,Share\n\
             e06000056,gender,female,0.6\nE06000056,gender,male,0.4\n\
             E92000001,gender,female,0.5\nnational,gender,male,0.5\n\
             national,disability,yes,0.2\nnational,disability,no,0.8\n",
        )
        .unwrap();
        let (used, s) = p.resolve(Some("E06000056"), Dim::Gender);
        assert_eq!(
            (used.as_deref(), s.unwrap()["female"]),
            (Some("E06000056"), 0.6)
        );
        let (used, s) = p.resolve(Some("E06000056"), Dim::Disability);
        assert_eq!((used.as_deref(), s.unwrap()["yes"]), (Some(NATIONAL), 0.2));
        let (used, _) = p.resolve(Some("E09000001"), Dim::Gender);
        assert_eq!(used.as_deref(), Some(NATIONAL));
        assert_eq!(p.resolve(None, Dim::AgeBand), (None, None));
        // Over the default, the national age bands come from the Census 2021 file.
        let p = p.over_national_default();
        let (used, s) = p.resolve(Some("E06000056"), Dim::AgeBand);
        assert_eq!(used.as_deref(), Some(NATIONAL));
        assert_eq!(s.unwrap()["60_64"], 0.0898);
        // ...but its own national gender shares stay.
        assert_eq!(p.resolve(None, Dim::Gender).1.unwrap()["female"], 0.5);
    }

    #[test]
    fn problems_name_line_column_and_value() {
        let text = "area,dimension,group,share\n\
                    national,gendre,female,0.5\n\
                    national,gender,femal,0.5\n\
                    national,gender,male,49\n\
                    national,disability,yes,abc\n\
                    national,ethnic_group,White,0.8\n\
                    national,ethnic_group,Asian,0.1\n\
                    national,ethnic_group,not_known,0.1\n\
                    ,age_band,20_24,1\n\
                    national,disability,no,0.5,extra\n";
        let e = PopulationProfile::from_csv(text).unwrap_err();
        let got: Vec<String> = e.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "line 2, column dimension ('gendre'): not a dimension a profile can describe; did you mean 'gender'? use one of gender, ethnic_group, ethnicity, disability, age_band",
                "line 3, column group ('femal'): not a code of gender; did you mean 'female'?",
                "line 4, column share ('49'): a share is a fraction between 0 and 1 (write 0.49 for 49 %)",
                "line 5, column share ('abc'): not a share: write a fraction between 0 and 1, e.g. 0.177",
                "line 6, column share ('0.9000'): the shares of ethnic_group for area national sum to 0.9000, not 1 (allowed: 1 ± 0.005)",
                "line 8, column group ('not_known'): not_known is not a group of the population; leave it out",
                "line 9, column area: the area is blank; give a GSS code or 'national'",
                "line 10: the line has 5 values but the header names 4 columns",
            ]
        );
        assert!(
            e.to_string()
                .starts_with("the population profile cannot be used:\n  line 2")
        );
        let dup =
            "area,dimension,group,share\nnational,gender,female,0.5\nnational,gender,FEMALE,0.5\n";
        let e = PopulationProfile::from_csv(dup).unwrap_err();
        assert!(
            e.problems
                .iter()
                .any(|p| p.line == 3 && p.message.contains("given twice")),
            "{e}"
        );
        let e = PopulationProfile::from_csv("area,group,share\n").unwrap_err();
        assert!(
            e.problems[0]
                .message
                .contains("lacks the column 'dimension'"),
            "{e}"
        );
        let e = PopulationProfile::from_csv("").unwrap_err();
        assert!(e.problems[0].message.contains("empty"), "{e}");
    }
}
