//! Changes to a stored strategy, made on its JSON so that every field the product does
//! not know is kept, then checked whole as an imported file is. Each change says in words
//! what it did, for the history and the board report.

use serde_json::{Map, Value};

use crate::framework::framework;
use crate::model::{Invalid, Strategy};

/// A list of things with ids in a strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Objectives,
    Actions,
    Risks,
    Decisions,
    Funding,
    Required,
}

impl List {
    pub const ALL: [List; 6] = [
        List::Objectives,
        List::Actions,
        List::Risks,
        List::Decisions,
        List::Funding,
        List::Required,
    ];

    /// Where it sits in the file.
    fn path(self) -> &'static [&'static str] {
        match self {
            List::Objectives => &["objectives"],
            List::Actions => &["actions"],
            List::Risks => &["risks"],
            List::Decisions => &["decisions"],
            List::Funding => &["resources", "funding"],
            List::Required => &["resources", "required"],
        }
    }

    /// One of them, in words.
    pub fn noun(self) -> &'static str {
        match self {
            List::Objectives => "objective",
            List::Actions => "action",
            List::Risks => "risk",
            List::Decisions => "decision",
            List::Funding => "funding line",
            List::Required => "requirement",
        }
    }

    /// The field that names an item.
    pub fn name_field(self) -> &'static str {
        match self {
            List::Funding => "stream",
            List::Required => "purpose",
            _ => "title",
        }
    }

    /// The list's items in a strategy file (empty when it has none).
    pub fn items(self, doc: &Value) -> Vec<Value> {
        let mut at = doc;
        for k in self.path() {
            match at.get(k) {
                Some(v) => at = v,
                None => return Vec::new(),
            }
        }
        at.as_array().cloned().unwrap_or_default()
    }
}

/// One change to a strategy.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Title, vision, public, scope or swot.
    Field {
        key: &'static str,
        value: Value,
    },
    /// The text of a section of the framework.
    Section {
        key: String,
        text: String,
    },
    /// A checklist question's answer.
    Checklist {
        item: String,
        status: crate::Answer,
        note: String,
    },
    /// Add an item, or change the one with the same id (only the fields given).
    Upsert {
        list: List,
        item: Map<String, Value>,
    },
    Remove {
        list: List,
        id: String,
    },
}

fn object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut().expect("made an object above")
}

fn array_at<'a>(doc: &'a mut Value, path: &[&str]) -> &'a mut Vec<Value> {
    let mut at = doc;
    for k in path {
        at = object(at).entry(k.to_string()).or_insert(Value::Null);
    }
    if !at.is_array() {
        *at = Value::Array(Vec::new());
    }
    at.as_array_mut().expect("made an array above")
}

fn name_of(item: &Value, list: List) -> String {
    item.get(list.name_field())
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Apply an edit to a strategy file and check the result whole. Gives the new file and
/// what changed, in words.
pub fn apply(
    body: &str,
    edit: &Edit,
    known_measure: impl Fn(&str) -> bool,
) -> Result<(String, String), Invalid> {
    let mut doc: Value = serde_json::from_str(body)
        .map_err(|e| Invalid(vec![format!("the stored strategy is not JSON ({e})")]))?;
    let said = match edit {
        Edit::Field { key, value } => {
            object(&mut doc).insert(key.to_string(), value.clone());
            format!("Changed the {}.", key.replace('_', " "))
        }
        Edit::Section { key, text } => {
            let f = framework();
            let heading = f
                .section(key)
                .filter(|_| f.has_text(key))
                .map(|s| s.heading.clone())
                .ok_or_else(|| Invalid(vec![format!("there is no section '{key}'")]))?;
            let sections = object(&mut doc)
                .entry("sections")
                .or_insert(Value::Object(Map::new()));
            object(sections).insert(key.clone(), Value::String(text.clone()));
            format!("Changed the section \u{2018}{heading}\u{2019}.")
        }
        Edit::Checklist { item, status, note } => {
            let list = array_at(&mut doc, &["checklist"]);
            let answer = serde_json::json!({"item": item, "status": status.as_str(), "note": note});
            match list.iter_mut().find(|a| a["item"] == item.as_str()) {
                Some(a) => *a = answer,
                None => list.push(answer),
            }
            let q = framework()
                .checklist
                .iter()
                .find(|c| &c.key == item)
                .map_or(item.as_str(), |c| c.label.as_str());
            format!(
                "Checklist: \u{2018}{q}\u{2019} is now {}.",
                status.label().to_lowercase()
            )
        }
        Edit::Upsert { list, item } => {
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| Invalid(vec![format!("the {} needs an id", list.noun())]))?
                .to_string();
            let items = array_at(&mut doc, list.path());
            match items.iter_mut().find(|x| x["id"] == id.as_str()) {
                Some(existing) => {
                    let e = object(existing);
                    for (k, v) in item {
                        e.insert(k.clone(), v.clone());
                    }
                    format!(
                        "Changed the {} \u{2018}{}\u{2019}.",
                        list.noun(),
                        name_of(existing, *list)
                    )
                }
                None => {
                    let v = Value::Object(item.clone());
                    let said = format!(
                        "Added the {} \u{2018}{}\u{2019}.",
                        list.noun(),
                        name_of(&v, *list)
                    );
                    items.push(v);
                    said
                }
            }
        }
        Edit::Remove { list, id } => {
            let items = array_at(&mut doc, list.path());
            let Some(i) = items.iter().position(|x| x["id"] == id.as_str()) else {
                return Err(Invalid(vec![format!("there is no {} '{id}'", list.noun())]));
            };
            let gone = items.remove(i);
            format!(
                "Removed the {} \u{2018}{}\u{2019}.",
                list.noun(),
                name_of(&gone, *list)
            )
        }
    };
    let body = serde_json::to_string_pretty(&doc).expect("a JSON value serialises");
    Strategy::parse(&body, known_measure)?;
    Ok((body, said))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BODY: &str = r#"{"id": "s", "title": "T", "areas": ["E06000056"], "house_style": {"logo": "x.png"},
      "objectives": [{"id": "o", "title": "O", "owner": "A", "indicator": {"measure": "vacancy_rate"},
        "baseline": {"date": "2025-01-01", "value": 0.2}, "milestones": [{"date": "2026-01-01", "value": 0.1}], "colour": "red"}]}"#;

    fn item(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn edits_keep_the_fields_the_product_does_not_know() {
        let edit = Edit::Upsert {
            list: List::Objectives,
            item: item(json!({"id": "o", "title": "Fewer vacancies"})),
        };
        let (body, said) = apply(BODY, &edit, |_| true).unwrap();
        assert_eq!(
            said,
            "Changed the objective \u{2018}Fewer vacancies\u{2019}."
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["house_style"]["logo"], "x.png");
        assert_eq!(v["objectives"][0]["colour"], "red");
        assert_eq!(v["objectives"][0]["owner"], "A");
    }

    #[test]
    fn an_added_action_is_checked_with_the_whole_file() {
        let ok = Edit::Upsert {
            list: List::Actions,
            item: item(
                json!({"id": "a1", "title": "Run a recruitment fair", "owner": "B",
                "due": "2026-06-30", "objective": "o"}),
            ),
        };
        let (body, said) = apply(BODY, &ok, |_| true).unwrap();
        assert_eq!(
            said,
            "Added the action \u{2018}Run a recruitment fair\u{2019}."
        );
        let bad = Edit::Upsert {
            list: List::Actions,
            item: item(
                json!({"id": "a2", "title": "X", "owner": "B", "due": "2026-06-30", "objective": "nope"}),
            ),
        };
        let e = apply(&body, &bad, |_| true).unwrap_err();
        assert!(e.0.iter().any(|p| p.contains("no objective 'nope'")), "{e}");
        let gone = apply(
            &body,
            &Edit::Remove {
                list: List::Actions,
                id: "a1".into(),
            },
            |_| true,
        )
        .unwrap();
        assert_eq!(
            gone.1,
            "Removed the action \u{2018}Run a recruitment fair\u{2019}."
        );
        assert!(
            apply(
                BODY,
                &Edit::Remove {
                    list: List::Risks,
                    id: "r".into()
                },
                |_| true
            )
            .is_err()
        );
    }

    #[test]
    fn sections_and_checklist_answers_are_written_by_key() {
        let (body, said) = apply(
            BODY,
            &Edit::Section {
                key: "pilots".into(),
                text: "A joint induction course.".into(),
            },
            |_| true,
        )
        .unwrap();
        assert_eq!(
            said,
            "Changed the section \u{2018}Pilots and quick wins\u{2019}."
        );
        assert!(
            apply(
                &body,
                &Edit::Section {
                    key: "actions".into(),
                    text: "x".into()
                },
                |_| true
            )
            .is_err()
        );
        let edit = Edit::Checklist {
            item: "smart".into(),
            status: crate::Answer::Done,
            note: "".into(),
        };
        let (body, said) = apply(&body, &edit, |_| true).unwrap();
        assert!(said.ends_with("is now done."), "{said}");
        let (body, _) = apply(&body, &edit, |_| true).unwrap();
        let s = Strategy::parse(&body, |_| true).unwrap();
        assert_eq!(s.checklist.len(), 1);
        assert_eq!(s.sections["pilots"], "A joint induction course.");
    }
}
