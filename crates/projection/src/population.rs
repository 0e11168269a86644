//! A child population projection imported by the user, in the layout of the ONS
//! sub-national population projections (SNPP): one row per area, sex and single year
//! of age, one column per year (`AREA_CODE, AREA_NAME, COMPONENT, SEX, AGE_GROUP, 2022,
//! 2023, ...`). Demand for the children's workforce needs ages 0 to 25 only, so only
//! those are kept; a `persons` row is used where the file has one, else females and
//! males are added.
//!
//! The file is untrusted: its size, rows and columns are bounded before anything is
//! kept, and every problem names its line.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The largest projection file read (a national SNPP persons file is about 12 MB).
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// The most rows read.
pub const MAX_ROWS: usize = 2_000_000;
/// The oldest single year of age kept.
pub const MAX_AGE: u8 = 25;

/// Persons by area, single year of age and calendar year.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PopulationProjection {
    /// area code -> age -> year -> persons.
    pub areas: BTreeMap<String, BTreeMap<u8, BTreeMap<i32, f64>>>,
}

/// An age range `"0-4"` (inclusive) or a single age `"2"`.
pub fn parse_ages(text: &str) -> Option<(u8, u8)> {
    let t = text.trim();
    let (a, b) = t.split_once('-').unwrap_or((t, t));
    let (a, b): (u8, u8) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a <= b && b <= MAX_AGE).then_some((a, b))
}

impl PopulationProjection {
    /// Children aged `ages` in `areas` (every area when empty) in calendar `year`;
    /// `None` when the projection has no figure for that year.
    pub fn children(&self, areas: &[String], ages: (u8, u8), year: i32) -> Option<f64> {
        let mut sum = 0.0;
        let mut found = false;
        for (code, by_age) in &self.areas {
            if !areas.is_empty() && !areas.contains(code) {
                continue;
            }
            for age in ages.0..=ages.1 {
                if let Some(v) = by_age.get(&age).and_then(|y| y.get(&year)) {
                    sum += v;
                    found = true;
                }
            }
        }
        found.then_some(sum)
    }

    /// The calendar years the projection covers.
    pub fn years(&self) -> (i32, i32) {
        let mut all = self
            .areas
            .values()
            .flat_map(|a| a.values())
            .flat_map(|y| y.keys().copied());
        let first = all.next().unwrap_or(0);
        all.fold((first, first), |(lo, hi), y| (lo.min(y), hi.max(y)))
    }

    /// Reads an SNPP-layout CSV.
    pub fn read_csv(bytes: &[u8]) -> Result<PopulationProjection, String> {
        if bytes.len() > MAX_BYTES {
            return Err(format!(
                "The file is {} MB; the most read is {} MB.",
                bytes.len() / (1024 * 1024),
                MAX_BYTES / (1024 * 1024)
            ));
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
        let headers = reader
            .headers()
            .map_err(|e| format!("The file is not a CSV file: {e}"))?
            .clone();
        let find = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let (Some(area), Some(sex), Some(age)) =
            (find("AREA_CODE"), find("SEX"), find("AGE_GROUP"))
        else {
            return Err(
                "The file needs the SNPP columns AREA_CODE, SEX and AGE_GROUP, then one column per year (2022, 2023, ...)."
                    .into(),
            );
        };
        let component = find("COMPONENT");
        let years: Vec<(usize, i32)> = headers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let y: i32 = h.trim().parse().ok()?;
                (1990..=2100).contains(&y).then_some((i, y))
            })
            .collect();
        if years.is_empty() {
            return Err("The file has no year columns (2022, 2023, ...).".into());
        }
        let mut persons = PopulationProjection::default();
        let mut by_sex = PopulationProjection::default();
        for (n, record) in reader.records().enumerate() {
            let line = n + 2;
            if n >= MAX_ROWS {
                return Err(format!("The file has more than {MAX_ROWS} rows."));
            }
            let record = record.map_err(|e| format!("Line {line}: {e}"))?;
            if let Some(c) = component
                && !record[c].trim().eq_ignore_ascii_case("population")
            {
                continue;
            }
            let Ok(a) = record[age].trim().parse::<u8>() else {
                continue; // "All ages", "90 and over"
            };
            if a > MAX_AGE {
                continue;
            }
            let code = record[area].trim();
            if code.is_empty() || code.len() > 12 {
                return Err(format!(
                    "Line {line}: AREA_CODE '{code}' is not an area code."
                ));
            }
            let target = match record[sex].trim().to_ascii_lowercase().as_str() {
                "persons" | "all" | "0" => &mut persons,
                "female" | "females" | "male" | "males" | "1" | "2" => &mut by_sex,
                other => {
                    return Err(format!(
                        "Line {line}: SEX '{other}' is not persons, female or male."
                    ));
                }
            };
            let slot = target
                .areas
                .entry(code.to_string())
                .or_default()
                .entry(a)
                .or_default();
            for &(i, y) in &years {
                let text = record[i].trim();
                let v: f64 = text
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| {
                        format!("Line {line}, year {y}: '{text}' is not a number of people.")
                    })?;
                *slot.entry(y).or_default() += v;
            }
        }
        let out = if persons.areas.is_empty() {
            by_sex
        } else {
            persons
        };
        if out.areas.is_empty() {
            return Err("The file has no population rows for ages 0 to 25.".into());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "AREA_CODE,AREA_NAME,COMPONENT,SEX,AGE_GROUP,2025,2026\n\
E06000056,Central Bedfordshire,Population,persons,0,3000,3100\n\
E06000056,Central Bedfordshire,Population,persons,1,3050.5,3000\n\
E06000056,Central Bedfordshire,Population,persons,All ages,300000,301000\n\
E06000056,Central Bedfordshire,Births,persons,0,10,10\n\
E06000056,Central Bedfordshire,Population,persons,40,4000,4000\n";

    #[test]
    fn reads_the_snpp_layout_keeping_children() {
        let p = PopulationProjection::read_csv(FILE.as_bytes()).unwrap();
        let areas = vec!["E06000056".to_string()];
        assert_eq!(p.children(&areas, (0, 1), 2025), Some(6050.5));
        assert_eq!(p.children(&areas, (0, 0), 2026), Some(3100.0));
        assert_eq!(p.children(&areas, (0, 0), 2030), None);
        assert_eq!(p.years(), (2025, 2026));
        assert_eq!(parse_ages("0-4"), Some((0, 4)));
        assert_eq!(parse_ages("4-0"), None);
    }

    #[test]
    fn bad_files_say_where() {
        let bad = FILE.replace("3050.5", "lots");
        let err = PopulationProjection::read_csv(bad.as_bytes()).unwrap_err();
        assert!(err.contains("Line 3, year 2025"), "{err}");
        let err = PopulationProjection::read_csv(b"\x00\x01\x02binary").unwrap_err();
        assert!(err.contains("SNPP columns"), "{err}");
        let err =
            PopulationProjection::read_csv(FILE.replace("persons,0,", "unknown,0,").as_bytes())
                .unwrap_err();
        assert!(err.contains("Line 2: SEX"), "{err}");
    }
}
