//! The strategy's edit forms, described as data: each list (objectives, actions, risks,
//! funding, requirements, decisions) has its fields, and one template and one reader
//! serve them all. Reading a form checks each field as GOV.UK asks ("Enter the title",
//! "Due date must be a real date") and builds the JSON the strategy file holds; the
//! service then checks the strategy whole.

use chrono::NaiveDate;
use observatory_domain::codes;
use observatory_service::strategy::{ActionStatus, List, Strategy};
use serde_json::{Map, Value, json};

/// How a field is typed and read.
pub enum Kind {
    Text,
    Email,
    LongText,
    /// GOV.UK's date input: day, month and year.
    Date,
    /// A number (money, days).
    Number,
    /// A figure: a share may be typed as a percentage ("55%").
    Figure,
    /// One item a line, stored as a list.
    Lines,
    /// One of these (value, label); the first is the choice "none" when it is "".
    Select(Vec<(String, String)>),
}

/// One field of a form, with what is in it now.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// The value shown (for a date, "" — its parts are in `parts`).
    pub value: String,
    pub parts: [String; 3],
}

impl Field {
    fn new(name: &'static str, label: &'static str, kind: Kind) -> Field {
        Field {
            name,
            label,
            hint: "",
            kind,
            required: false,
            value: String::new(),
            parts: Default::default(),
        }
    }
    fn required(mut self) -> Field {
        self.required = true;
        self
    }
    fn hint(mut self, hint: &'static str) -> Field {
        self.hint = hint;
        self
    }

    /// The template's switch on kind.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Text | Kind::Number | Kind::Figure => "text",
            Kind::Email => "email",
            Kind::LongText | Kind::Lines => "textarea",
            Kind::Date => "date",
            Kind::Select(_) => "select",
        }
    }
    pub fn options(&self) -> &[(String, String)] {
        match &self.kind {
            Kind::Select(o) => o,
            _ => &[],
        }
    }
    pub fn width(&self) -> &'static str {
        match self.kind {
            Kind::Number | Kind::Figure => "govuk-input--width-10",
            _ => "",
        }
    }
}

/// A field's id and what is wrong with it.
pub type Problem = (String, String);

fn select(options: impl IntoIterator<Item = (String, String)>, none: Option<&str>) -> Kind {
    let mut o: Vec<(String, String)> = none
        .map(|n| (String::new(), n.to_string()))
        .into_iter()
        .collect();
    o.extend(options);
    Kind::Select(o)
}

fn list_labels(breakdown: &str) -> Vec<(String, String)> {
    let c = codes();
    let l = match breakdown {
        "role" => &c.roles,
        "sector" => &c.sectors,
        _ => &c.setting_types,
    };
    (0..l.len())
        .map(|i| (l.code(i).to_string(), l.label(i).to_string()))
        .collect()
}

/// The filters an objective's form offers as choices (the rest are typed).
const CHOSEN_FILTERS: [&str; 4] = ["area", "role", "sector", "setting_type"];

/// The fields of an item of `list` in strategy `s`.
pub fn fields(list: List, s: &Strategy) -> Vec<Field> {
    let owner = || {
        vec![
            Field::new("owner", "Owner", Kind::Text)
                .required()
                .hint("The person or post responsible, for example Head of early years"),
            Field::new("owner_email", "Owner's email address (optional)", Kind::Email).hint(
                "The email of their account here, so it shows in their list and, for a partner, they can update it",
            ),
        ]
    };
    let title = |label| Field::new("title", label, Kind::Text).required();
    match list {
        List::Objectives => {
            let mut f = vec![title("Objective")];
            f.extend(owner());
            let measures = observatory_service::query::measure_names()
                .into_iter()
                .map(|m| (m.clone(), codes().measure_label(&m)));
            f.push(
                Field::new("measure", "Measured by", select(measures, Some("Values recorded by hand")))
                    .hint("A census measure updates itself when returns arrive; otherwise record values by hand"),
            );
            let areas = s
                .areas
                .iter()
                .map(|a| (a.clone(), codes().area_name(a)));
            f.push(Field::new("area", "Area", select(areas, Some("All the strategy's areas together"))));
            f.push(Field::new("role", "Role", select(list_labels("role"), Some("Every role"))));
            f.push(Field::new("sector", "Sector", select(list_labels("sector"), Some("Every sector"))));
            f.push(Field::new(
                "setting_type",
                "Type of setting",
                select(list_labels("setting_type"), Some("Every type of setting")),
            ));
            f.push(Field::new("filters", "Other filters (optional)", Kind::Lines).hint(
                "One a line, written as in the explorer, for example gender=female",
            ));
            f.push(Field::new("baseline", "Baseline date", Kind::Date).required());
            f.push(
                Field::new("baseline_value", "Baseline value", Kind::Figure)
                    .required()
                    .hint("A share as a percentage, for example 55%, or a number"),
            );
            for (d, v, dl, vl) in [
                ("m1", "m1_value", "First milestone date", "First milestone value"),
                ("m2", "m2_value", "Second milestone date (optional)", "Second milestone value"),
                ("m3", "m3_value", "Third milestone date (optional)", "Third milestone value"),
            ] {
                let date = Field::new(d, dl, Kind::Date);
                f.push(if d == "m1" { date.required() } else { date });
                f.push(Field::new(v, vl, Kind::Figure));
            }
            f.push(Field::new("tolerance", "Tolerance (optional)", Kind::Figure).hint(
                "How far behind the line still counts as on track; by default a tenth of the distance from baseline to the last milestone",
            ));
            f.push(Field::new("scenario", "Projection scenario (optional)", Kind::Text).hint(
                "The id of a saved projection (its address ends /projections/ID) whose forecast this objective shows, for example social-workers-in-central-bedfordshire",
            ));
            f
        }
        List::Actions => {
            let mut f = vec![title("Action")];
            f.extend(owner());
            f.push(Field::new("partners", "Partners (optional)", Kind::Lines).hint("One a line"));
            f.push(Field::new("start", "Start date (optional)", Kind::Date));
            f.push(Field::new("due", "Due date", Kind::Date).required());
            f.push(Field::new("status", "Status", status_kind()));
            let objectives = s.objectives.iter().map(|o| (o.id.clone(), o.title.clone()));
            f.push(Field::new("objective", "Objective it serves", select(objectives, Some("None"))));
            f.push(Field::new("note", "Note (optional)", Kind::LongText));
            f
        }
        List::Risks => {
            let scale = |words: [&str; 5]| {
                select(
                    words
                        .iter()
                        .enumerate()
                        .map(|(i, w)| ((i + 1).to_string(), format!("{} – {w}", i + 1))),
                    None,
                )
            };
            let mut f = vec![title("Risk")];
            f.push(Field::new(
                "likelihood",
                "Likelihood",
                scale(["rare", "unlikely", "possible", "likely", "almost certain"]),
            ));
            f.push(Field::new(
                "impact",
                "Impact",
                scale(["negligible", "minor", "moderate", "major", "severe"]),
            ));
            f.push(Field::new("mitigation", "Mitigation", Kind::LongText));
            f.extend(owner());
            f.push(Field::new("review", "Review date (optional)", Kind::Date));
            f
        }
        List::Funding => vec![
            Field::new("stream", "Funding stream or budget", Kind::Text).required(),
            Field::new("partner", "Partner", Kind::Text).required(),
            Field::new("amount", "Amount a year, in pounds", Kind::Number).required(),
            Field::new("pooled", "Amount pooled, in pounds (optional)", Kind::Number)
                .hint("The part of the amount put into the shared pool"),
            Field::new(
                "training",
                "Is it a training budget?",
                select([("yes".into(), "Yes".into()), ("no".into(), "No".into())], None),
            ),
        ],
        List::Required => vec![
            Field::new("purpose", "What the money is needed for", Kind::Text).required(),
            Field::new("amount", "Amount a year, in pounds", Kind::Number).required(),
        ],
        List::Decisions => vec![
            title("What was decided"),
            Field::new("date", "Date of the decision", Kind::Date).required(),
            Field::new("by", "Who decided", Kind::Text)
                .required()
                .hint("A person or a board, for example Children's partnership board"),
            Field::new("detail", "Detail (optional)", Kind::LongText),
            Field::new("evidence", "Evidence it rested on (optional)", Kind::Lines).hint(
                "Evidence library item numbers, one a line (the number is in the item's address, /evidence/items/12)",
            ),
            Field::new("queries", "Explorer queries it rested on (optional)", Kind::Lines).hint(
                "Explorer addresses, one a line, starting /explorer",
            ),
        ],
    }
}

fn status_kind() -> Kind {
    select(
        ActionStatus::ALL.map(|a| (a.as_str().to_string(), a.label().to_string())),
        None,
    )
}

/// The fields of a value recorded by hand for an objective.
pub fn record_fields() -> Vec<Field> {
    vec![
        Field::new("date", "Date of the value", Kind::Date).required(),
        Field::new("value", "Value", Kind::Figure)
            .required()
            .hint("A share as a percentage, for example 55%, or a number"),
        Field::new("source", "Source", Kind::Text)
            .required()
            .hint("Where it comes from, for example Supervision audit, March 2026"),
    ]
}

/// The fields an action's owner may change: its status and a note.
pub fn owner_fields() -> Vec<Field> {
    vec![
        Field::new("status", "Status", status_kind()),
        Field::new("note", "Note (optional)", Kind::LongText),
    ]
}

/// Items typed one a line (commas belong to the items).
pub fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// A share typed as a percentage or a number, as stored (55% is 0.55).
fn figure(s: &str) -> Option<f64> {
    let s = s.trim().replace(',', "");
    match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok().map(|v| v / 100.0),
        None => s.parse::<f64>().ok(),
    }
    .filter(|v| v.is_finite())
}

/// A stored figure as it is typed back (a share as a percentage).
fn figure_text(v: f64, share: bool) -> String {
    if share {
        format!("{}%", (v * 1e6).round() / 1e4)
    } else {
        v.to_string()
    }
}

/// Fill the fields from an item of the strategy file.
pub fn fill(fields: &mut [Field], item: &Value) {
    let share = item["indicator"]["measure"].as_str().is_some_and(is_share);
    let point = |k: &str, i: Option<usize>| match i {
        None => item.get(k).cloned().unwrap_or(Value::Null),
        Some(i) => item["milestones"].get(i).cloned().unwrap_or(Value::Null),
    };
    for f in fields.iter_mut() {
        let v: Value = match f.name {
            "measure" => item["indicator"]["measure"].clone(),
            n if CHOSEN_FILTERS.contains(&n) => json!(filter_value(item, n)),
            "filters" => json!(other_filters(item).join("\n")),
            "baseline" => point("baseline", None)["date"].clone(),
            "baseline_value" => point("baseline", None)["value"].clone(),
            "m1" | "m2" | "m3" => {
                let i = f.name[1..].parse::<usize>().unwrap_or(1) - 1;
                point("", Some(i))["date"].clone()
            }
            "m1_value" | "m2_value" | "m3_value" => {
                let i = f.name[1..2].parse::<usize>().unwrap_or(1) - 1;
                point("", Some(i))["value"].clone()
            }
            "training" => json!(if item["training"] == true {
                "yes"
            } else {
                "no"
            }),
            n => item.get(n).cloned().unwrap_or(Value::Null),
        };
        match (&f.kind, v) {
            (Kind::Date, Value::String(d)) => {
                if let Ok(d) = d.parse::<NaiveDate>() {
                    f.parts = [
                        d.format("%-d").to_string(),
                        d.format("%-m").to_string(),
                        d.format("%Y").to_string(),
                    ];
                }
            }
            (Kind::Figure, Value::Number(n)) => {
                let v = n.as_f64().unwrap_or_default();
                f.value = figure_text(v, share);
            }
            (_, Value::Array(a)) => {
                f.value = a
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            (_, Value::String(s)) => f.value = s,
            (_, Value::Number(n)) => f.value = n.to_string(),
            _ => {}
        }
    }
}

fn filters_of(item: &Value) -> Vec<String> {
    item["indicator"]["where"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn filter_value(item: &Value, dim: &str) -> String {
    filters_of(item)
        .iter()
        .find_map(|f| {
            f.split_once('=')
                .filter(|(d, _)| d.trim() == dim)
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_default()
}

fn other_filters(item: &Value) -> Vec<String> {
    filters_of(item)
        .into_iter()
        .filter(|f| {
            !f.split_once('=')
                .is_some_and(|(d, _)| CHOSEN_FILTERS.contains(&d.trim()))
        })
        .collect()
}

/// Read the posted form into the fields (so the page can show what was typed) and the
/// item's JSON; or the problems, each with its field.
pub fn read(
    list: Option<List>,
    fields: &mut [Field],
    posted: &[(String, String)],
    existing: &Value,
) -> Result<Map<String, Value>, Vec<Problem>> {
    let get = |k: &str| {
        posted
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut out = Map::new();
    let mut problems = Vec::new();
    for f in fields.iter_mut() {
        let label = f.label.trim_end_matches(" (optional)");
        if let Kind::Date = f.kind {
            f.parts = ["day", "month", "year"].map(|p| get(&format!("{}-{p}", f.name)));
            match crate::pages::date_from_parts(label, &f.parts, f.required) {
                Ok(Some(d)) => {
                    out.insert(f.name.into(), json!(d.to_string()));
                }
                Ok(None) => {}
                Err(e) => problems.push((f.name.to_string(), e)),
            }
            continue;
        }
        f.value = get(f.name);
        if f.value.is_empty() {
            if f.required {
                problems.push((f.name.to_string(), format!("Enter {}", article(label))));
            }
            continue;
        }
        let v = match &f.kind {
            Kind::Number => match f.value.replace([',', '£'], "").trim().parse::<f64>() {
                Ok(n) if n.is_finite() && n >= 0.0 => json!(n),
                _ => {
                    problems.push((
                        f.name.to_string(),
                        format!("{label} must be a number, like 25000"),
                    ));
                    continue;
                }
            },
            Kind::Figure => match figure(&f.value) {
                Some(n) => json!(n),
                None => {
                    problems.push((
                        f.name.to_string(),
                        format!("{label} must be a number or a percentage, like 55%"),
                    ));
                    continue;
                }
            },
            Kind::Lines => json!(lines(&f.value)),
            Kind::Select(o) => {
                if !o.iter().any(|(v, _)| v == &f.value) {
                    problems.push((f.name.to_string(), format!("Choose {}", article(label))));
                    continue;
                }
                json!(f.value)
            }
            Kind::Email if !crate::users::plausible_email(&f.value) => {
                problems.push((
                    f.name.to_string(),
                    "Enter an email address in the correct format, like name@example.com".into(),
                ));
                continue;
            }
            _ => json!(f.value),
        };
        out.insert(f.name.to_string(), v);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(match list {
        Some(List::Objectives) => objective(out, existing)?,
        Some(List::Risks) => numbers(out, &["likelihood", "impact"]),
        Some(List::Funding) => {
            let mut o = out;
            let yes = o.get("training").is_some_and(|v| v == "yes");
            o.insert("training".into(), json!(yes));
            o.entry("pooled").or_insert(json!(0.0));
            o
        }
        Some(List::Decisions) => {
            let mut o = out;
            if let Some(Value::Array(items)) = o.get("evidence").cloned() {
                let mut ids = Vec::new();
                for x in items {
                    let s = x.as_str().unwrap_or_default();
                    let n = s.rsplit('/').next().unwrap_or(s).trim().parse::<i64>();
                    match n {
                        Ok(n) => ids.push(json!(n)),
                        Err(_) => {
                            return Err(vec![(
                                "evidence".into(),
                                format!(
                                    "\u{2018}{s}\u{2019} is not an evidence item number, like 12"
                                ),
                            )]);
                        }
                    }
                }
                o.insert("evidence".into(), Value::Array(ids));
            }
            o
        }
        _ => out,
    })
}

fn numbers(mut o: Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    for k in keys {
        if let Some(n) = o
            .get(*k)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
        {
            o.insert(k.to_string(), json!(n));
        }
    }
    o
}

/// A label as GOV.UK's messages name it: "Enter the due date", "Enter who decided".
fn article(label: &str) -> String {
    let l = label.to_lowercase();
    if ["what ", "who ", "is "].iter().any(|w| l.starts_with(w)) {
        l
    } else {
        format!("the {l}")
    }
}

/// Whether a measure is a share (shown and typed as a percentage).
pub fn is_share(measure: &str) -> bool {
    observatory_service::query::measure_units(measure)
        .is_some_and(|(unit, _)| unit == observatory_domain::Unit::Percentage)
}

/// An objective's fields as the strategy file holds them.
fn objective(f: Map<String, Value>, existing: &Value) -> Result<Map<String, Value>, Vec<Problem>> {
    let s = |k: &str| {
        f.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut o = Map::new();
    for k in ["title", "owner", "owner_email"] {
        if let Some(v) = f.get(k) {
            o.insert(k.into(), v.clone());
        }
    }
    let indicator = match f.get("measure").and_then(Value::as_str) {
        Some(m) if !m.is_empty() => {
            let mut filters: Vec<String> = CHOSEN_FILTERS
                .iter()
                .filter(|d| !s(d).is_empty())
                .map(|d| format!("{d}={}", s(d)))
                .collect();
            if let Some(Value::Array(more)) = f.get("filters") {
                filters.extend(more.iter().filter_map(|x| x.as_str().map(str::to_string)));
            }
            json!({"measure": m, "where": filters})
        }
        _ => {
            json!({"recorded": existing["indicator"]["recorded"].as_array().cloned().unwrap_or_default()})
        }
    };
    o.insert("indicator".into(), indicator);
    let mut problems = Vec::new();
    let point = |d: &str, v: &str, problems: &mut Vec<Problem>| -> Option<Value> {
        match (f.get(d), f.get(v)) {
            (Some(d), Some(v)) => Some(json!({"date": d, "value": v})),
            (None, None) => None,
            (Some(_), None) => {
                problems.push((v.to_string(), "Enter the value for this date".into()));
                None
            }
            (None, Some(_)) => {
                problems.push((d.to_string(), "Enter the date of this value".into()));
                None
            }
        }
    };
    if let Some(b) = point("baseline", "baseline_value", &mut problems) {
        o.insert("baseline".into(), b);
    }
    let milestones: Vec<Value> = [("m1", "m1_value"), ("m2", "m2_value"), ("m3", "m3_value")]
        .iter()
        .filter_map(|(d, v)| point(d, v, &mut problems))
        .collect();
    o.insert("milestones".into(), Value::Array(milestones));
    o.insert(
        "tolerance".into(),
        f.get("tolerance").cloned().unwrap_or(Value::Null),
    );
    o.insert(
        "scenario".into(),
        f.get("scenario").cloned().unwrap_or(Value::Null),
    );
    if problems.is_empty() {
        Ok(o)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_may_be_typed_as_percentages() {
        assert_eq!(figure("55%"), Some(0.55));
        assert_eq!(figure(" 0.4 "), Some(0.4));
        assert_eq!(figure("1,200"), Some(1200.0));
        assert_eq!(figure("lots"), None);
        assert_eq!(figure_text(0.55, true), "55%");
    }
}
