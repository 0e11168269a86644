//! The form for a new projection: its common fields, each checked as GOV.UK asks
//! ("Enter a name", "Years must be a whole number from 1 to 15"), and the scenario file
//! (TOML) built from them for the service, which checks the scenario whole.

/// One field of the form, with what is in it now.
pub struct Input {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// "text", "select" or "radios".
    pub kind: &'static str,
    pub width: &'static str,
    pub value: String,
    /// (value, label) for selects and radios.
    pub options: Vec<(String, String)>,
}

impl Input {
    fn new(name: &'static str, label: &'static str, kind: &'static str) -> Input {
        Input {
            name,
            label,
            hint: "",
            kind,
            width: "",
            value: String::new(),
            options: Vec::new(),
        }
    }
    fn hint(mut self, hint: &'static str) -> Input {
        self.hint = hint;
        self
    }
    fn width(mut self, w: &'static str) -> Input {
        self.width = w;
        self
    }
    fn options(mut self, o: Vec<(String, String)>) -> Input {
        self.options = o;
        self
    }
    fn value(mut self, v: &str) -> Input {
        self.value = v.to_string();
        self
    }
    /// The ids the field is described by: its hint and its error message.
    pub fn described_by(&self, errors: &[(String, String)]) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        if errors.iter().any(|e| e.0 == self.name) {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
    /// The id of each radio: the first is the field's own (the error summary links to
    /// it), the others numbered.
    pub fn radio_id(&self, i: &usize) -> String {
        if *i == 0 {
            self.name.to_string()
        } else {
            format!("{}-{}", self.name, i + 1)
        }
    }
}

/// What the form is filled in from: the posted fields (or none, for the defaults).
pub use crate::evidence::Fields as Posted;

/// The choices the form offers: areas (code, name; "" is England), roles, sectors, census
/// dates (value, "1 November 2025"), newest first.
pub struct Choices {
    pub areas: Vec<(String, String)>,
    pub roles: Vec<(String, String)>,
    pub sectors: Vec<(String, String)>,
    pub dates: Vec<(String, String)>,
}

/// The form's fields filled from `f`.
pub fn inputs(c: &Choices, f: &Posted) -> Vec<Input> {
    let or = |name: &str, default: &str| {
        let v = f.get(name);
        if v.is_empty() && f.0.is_empty() {
            default.to_string()
        } else {
            v
        }
    };
    let mut roles = vec![(String::new(), "Every role".to_string())];
    roles.extend(c.roles.iter().cloned());
    let mut sectors = vec![(String::new(), "Every sector".to_string())];
    sectors.extend(c.sectors.iter().cloned());
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    vec![
        Input::new("name", "Name of the projection", "text")
            .hint("For example, Social workers with turnover down 2 points")
            .value(&f.get("name")),
        Input::new("area", "Area", "select")
            .options(c.areas.clone())
            .value(&or("area", c.areas.first().map_or("", |a| a.0.as_str()))),
        Input::new("role", "Role", "select")
            .hint("Project one role, or choose a sector below")
            .options(roles)
            .value(&f.get("role")),
        Input::new("sector", "Sector", "select")
            .hint("Project every role of a sector (leave the role as every role)")
            .options(sectors)
            .value(&f.get("sector")),
        Input::new("measure", "Measure", "radios")
            .options(vec![
                pair("headcount", "People (headcount)"),
                pair("fte", "Full-time equivalents (FTE)"),
            ])
            .value(&or("measure", "headcount")),
        Input::new("base", "Start from the census of", "select")
            .options(c.dates.clone())
            .value(&or("base", c.dates.first().map_or("", |d| d.0.as_str()))),
        Input::new("years", "Years to project", "text")
            .hint("From 1 to 15")
            .width("govuk-input--width-3")
            .value(&or("years", "10")),
        Input::new("leaving", "Leaving rate a year, in %", "text")
            .hint(
                "Leave blank to estimate it from the census history, or type a percentage, like 15",
            )
            .width("govuk-input--width-5")
            .value(&f.get("leaving")),
        Input::new(
            "leaving_change",
            "Change to every leaving rate, in percentage points",
            "text",
        )
        .hint("For example, -2 for turnover down 2 points; blank for no change")
        .width("govuk-input--width-5")
        .value(&f.get("leaving_change")),
        Input::new("entrants", "Entrants a year", "text")
            .hint(
                "Leave blank to estimate them from the census history, or type a number of people",
            )
            .width("govuk-input--width-5")
            .value(&f.get("entrants")),
        Input::new("extra", "Extra entrants a year", "text")
            .hint("For example, 10 more training places that fill; blank for none")
            .width("govuk-input--width-5")
            .value(&f.get("extra")),
        Input::new("demand", "Demand", "radios")
            .options(vec![
                pair("none", "No demand: project supply only"),
                pair("fixed", "A fixed number of posts"),
                pair(
                    "growth",
                    "Growing by a percentage a year from today's supply",
                ),
                pair("caseload", "From a caseload"),
            ])
            .value(&or("demand", "none")),
        Input::new(
            "posts",
            "Posts needed (for a fixed number of posts)",
            "text",
        )
        .width("govuk-input--width-5")
        .value(&f.get("posts")),
        Input::new("growth", "Growth a year, in % (for growth)", "text")
            .hint("For example, 2, or -1 for a fall")
            .width("govuk-input--width-5")
            .value(&f.get("growth")),
        Input::new("cases", "Cases now (for a caseload)", "text")
            .width("govuk-input--width-5")
            .value(&f.get("cases")),
        Input::new("per_worker", "Cases per worker (for a caseload)", "text")
            .width("govuk-input--width-5")
            .value(&f.get("per_worker")),
        Input::new(
            "case_growth",
            "Growth in cases a year, in % (for a caseload)",
            "text",
        )
        .width("govuk-input--width-5")
        .value(&f.get("case_growth")),
        Input::new("runs", "Simulation runs", "text")
            .hint("How many runs give the band of likely supply; 1000 is usually enough")
            .width("govuk-input--width-5")
            .value(&or("runs", "1000")),
        Input::new("seed", "Seed", "text")
            .hint("The same seed gives the same band every time")
            .width("govuk-input--width-5")
            .value(&or("seed", "1")),
    ]
}

/// A number typed in a field, if any (commas and a % sign allowed).
fn number(f: &Posted, name: &str) -> Option<Result<f64, ()>> {
    let v = f.get(name);
    if v.is_empty() {
        return None;
    }
    Some(
        v.trim_end_matches('%')
            .replace(',', "")
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or(()),
    )
}

/// A TOML string.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Reads the form: the scenario file, or every problem (field id, message).
pub fn read(c: &Choices, f: &Posted) -> Result<String, Vec<(String, String)>> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut err = |id: &str, m: &str| errors.push((id.to_string(), m.to_string()));
    let name = f.get("name");
    if name.is_empty() {
        err("name", "Enter a name for the projection");
    } else if name.chars().count() > 120 {
        err("name", "Name must be 120 characters or fewer");
    }
    let area = f.get("area");
    if !c.areas.iter().any(|a| a.0 == area) {
        err("area", "Select an area");
    }
    let (role, sector) = (f.get("role"), f.get("sector"));
    if !role.is_empty() && !c.roles.iter().any(|r| r.0 == role) {
        err("role", "Select a role from the list");
    }
    if !sector.is_empty() && !c.sectors.iter().any(|r| r.0 == sector) {
        err("sector", "Select a sector from the list");
    }
    if !role.is_empty() && !sector.is_empty() {
        err("sector", "Choose a role or a sector, not both");
    }
    let measure = f.get("measure");
    if !matches!(measure.as_str(), "headcount" | "fte") {
        err("measure", "Select people or full-time equivalents");
    }
    let base = f.get("base");
    if !c.dates.iter().any(|d| d.0 == base) {
        err("base", "Select the census to start from");
    }
    let years = f.get("years");
    let years_ok = years.parse::<u32>().ok().filter(|y| (1..=15).contains(y));
    if years.is_empty() {
        err("years", "Enter the years to project");
    } else if years_ok.is_none() {
        err("years", "Years must be a whole number from 1 to 15");
    }
    let leaving = match number(f, "leaving") {
        None => None,
        Some(Ok(v)) if (0.0..=100.0).contains(&v) => Some(v),
        Some(_) => {
            err(
                "leaving",
                "Leaving rate must be a percentage from 0 to 100, like 15",
            );
            None
        }
    };
    let change = match number(f, "leaving_change") {
        None => 0.0,
        Some(Ok(v)) if (-100.0..=100.0).contains(&v) => v,
        Some(_) => {
            err(
                "leaving_change",
                "Change to leaving must be a number of percentage points from -100 to 100, like -2",
            );
            0.0
        }
    };
    let entrants = match number(f, "entrants") {
        None => None,
        Some(Ok(v)) if v >= 0.0 => Some(v),
        Some(_) => {
            err("entrants", "Entrants a year must be a number, 0 or more");
            None
        }
    };
    let extra = match number(f, "extra") {
        None => 0.0,
        Some(Ok(v)) => v,
        Some(Err(())) => {
            err("extra", "Extra entrants a year must be a number, like 10");
            0.0
        }
    };
    let positive =
        |name: &str, what: &str, errors: &mut Vec<(String, String)>| match number(f, name) {
            Some(Ok(v)) if v > 0.0 => Some(v),
            None => {
                errors.push((name.into(), format!("Enter the {what}")));
                None
            }
            Some(_) => {
                errors.push((
                    name.into(),
                    format!("The {what} must be a number more than 0"),
                ));
                None
            }
        };
    let percent = |name: &str, what: &str, errors: &mut Vec<(String, String)>| match number(f, name)
    {
        None => Some(0.0),
        Some(Ok(v)) if (-100.0..=100.0).contains(&v) => Some(v),
        Some(_) => {
            errors.push((
                name.into(),
                format!("{what} must be a percentage from -100 to 100, like 2"),
            ));
            None
        }
    };
    let demand = match f.get("demand").as_str() {
        "" | "none" => String::new(),
        "fixed" => positive("posts", "posts needed", &mut errors)
            .map(|p| format!("fixed = {p:?}\n"))
            .unwrap_or_default(),
        "growth" => {
            if f.get("growth").is_empty() {
                errors.push(("growth".into(), "Enter the growth a year".into()));
            }
            percent("growth", "Growth a year", &mut errors)
                .map(|g| format!("growth = {:?}\n", g / 100.0))
                .unwrap_or_default()
        }
        "caseload" => {
            let cases = positive("cases", "cases now", &mut errors);
            let per = positive("per_worker", "cases per worker", &mut errors);
            let g = percent("case_growth", "Growth in cases", &mut errors);
            match (cases, per, g) {
                (Some(c), Some(p), Some(g)) => format!(
                    "caseload = {{ cases = {c:?}, per_worker = {p:?}, growth = {:?} }}\n",
                    g / 100.0
                ),
                _ => String::new(),
            }
        }
        _ => {
            errors.push(("demand".into(), "Select where demand comes from".into()));
            String::new()
        }
    };
    let runs = f.get("runs").replace(',', "");
    let runs_ok = runs.parse::<u32>().ok().filter(|r| *r <= 20_000);
    if runs_ok.is_none() {
        errors.push((
            "runs".into(),
            "Simulation runs must be a whole number from 0 to 20,000".into(),
        ));
    }
    let seed = f.get("seed");
    let seed_ok = seed.parse::<u64>().ok();
    if seed_ok.is_none() {
        errors.push((
            "seed".into(),
            "Seed must be a whole number, 0 or more".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut filters = Vec::new();
    if !area.is_empty() {
        filters.push(quoted(&format!("area={area}")));
    }
    if !role.is_empty() {
        filters.push(quoted(&format!("role={role}")));
    }
    if !sector.is_empty() {
        filters.push(quoted(&format!("sector={sector}")));
    }
    let mut t = format!(
        "name = {}\n\n[scope]\nwhere = [{}]\nbase = \"{base}\"\nyears = {}\nmeasure = \"{measure}\"\n\n[rates]\n",
        quoted(&name),
        filters.join(", "),
        years_ok.unwrap_or(10),
    );
    match leaving {
        Some(l) => t.push_str(&format!("leaving = {:?}\n", l / 100.0)),
        None => t.push_str("leaving = \"estimate\"\n"),
    }
    match entrants {
        Some(e) => t.push_str(&format!("entrants = {e:?}\n")),
        None => t.push_str("entrants = \"estimate\"\n"),
    }
    if change != 0.0 || extra != 0.0 {
        t.push_str(&format!(
            "change = {{ leaving = {:?}, entrants = {extra:?} }}\n",
            change / 100.0
        ));
    }
    if !demand.is_empty() {
        t.push_str(&format!("\n[demand]\n{demand}"));
    }
    t.push_str(&format!(
        "\n[simulation]\nruns = {}\nseed = {}\n",
        runs_ok.unwrap_or(1000),
        seed_ok.unwrap_or(1)
    ));
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices() -> Choices {
        let p = |a: &str, b: &str| (a.to_string(), b.to_string());
        Choices {
            areas: vec![p("E06000056", "Central Bedfordshire")],
            roles: vec![p("social_worker", "Social worker")],
            sectors: vec![p("early_years", "Early years")],
            dates: vec![p("2025-11-01", "1 November 2025")],
        }
    }

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted(
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_filled_form_is_a_scenario_file_and_a_wrong_one_names_each_field() {
        let f = posted(&[
            ("name", "Social \"workers\""),
            ("area", "E06000056"),
            ("role", "social_worker"),
            ("measure", "fte"),
            ("base", "2025-11-01"),
            ("years", "12"),
            ("leaving", "15%"),
            ("leaving_change", "-2"),
            ("extra", "10"),
            ("demand", "caseload"),
            ("cases", "720"),
            ("per_worker", "16"),
            ("case_growth", "2"),
            ("runs", "1000"),
            ("seed", "7"),
        ]);
        let t = read(&choices(), &f).unwrap();
        let s = observatory_service::projections::read(&t).unwrap();
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["name"], "Social \"workers\"");
        assert_eq!(v["scope"]["years"], 12);
        assert_eq!(v["scope"]["where"][1], "role=social_worker");
        assert_eq!(v["rates"]["leaving"], 0.15);
        assert_eq!(v["rates"]["entrants"], "estimate");
        assert_eq!(v["rates"]["change"]["leaving"], -0.02);
        assert_eq!(v["rates"]["change"]["entrants"], 10.0);
        assert_eq!(v["demand"]["caseload"]["per_worker"], 16.0);
        assert_eq!(v["simulation"]["seed"], 7);

        let bad = posted(&[
            ("area", "E06000001"),
            ("measure", "headcount"),
            ("base", "2025-11-01"),
            ("years", "40"),
            ("leaving", "120"),
            ("demand", "fixed"),
            ("runs", "1000"),
            ("seed", "1"),
        ]);
        let e = read(&choices(), &bad).unwrap_err();
        let ids: Vec<&str> = e.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(ids, ["name", "area", "years", "leaving", "posts"], "{e:?}");
    }
}
