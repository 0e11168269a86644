//! What changed between two versions of a strategy, in words: the history of an imported
//! file, and the board report's "what changed since the last report".

use serde_json::Value;

use crate::edit::List;
use crate::framework::framework;

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Every change from `old` to `new` (two strategy files), in words; empty when they hold
/// the same things.
pub fn between(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["title", "vision", "scope", "swot", "public"] {
        if old.get(key) != new.get(key) {
            out.push(format!("Changed the {key}."));
        }
    }
    let f = framework();
    for s in &f.sections {
        let at = |v: &Value| v.get("sections").and_then(|x| x.get(&s.key)).cloned();
        if at(old) != at(new) {
            out.push(format!(
                "Changed the section \u{2018}{}\u{2019}.",
                s.heading
            ));
        }
    }
    for q in &f.checklist {
        let at = |v: &Value| {
            v.get("checklist")
                .and_then(Value::as_array)
                .and_then(|l| l.iter().find(|a| a["item"] == q.key.as_str()))
                .map(|a| text(a, "status"))
        };
        let (was, now) = (at(old), at(new));
        if was != now {
            let label = |s: Option<String>| {
                crate::Answer::ALL
                    .into_iter()
                    .find(|a| Some(a.as_str()) == s.as_deref())
                    .unwrap_or_default()
                    .label()
                    .to_lowercase()
            };
            out.push(format!(
                "Checklist: \u{2018}{}\u{2019} is now {} (was {}).",
                q.label,
                label(now),
                label(was)
            ));
        }
    }
    for list in List::ALL {
        let (before, after) = (list.items(old), list.items(new));
        let find = |l: &[Value], id: &Value| l.iter().find(|x| &x["id"] == id).cloned();
        for a in &after {
            let name = text(a, list.name_field());
            match find(&before, &a["id"]) {
                None => out.push(format!("Added the {} \u{2018}{name}\u{2019}.", list.noun())),
                Some(b) if &b != a => {
                    let (was, now) = (text(&b, "status"), text(a, "status"));
                    if list == List::Actions && was != now {
                        let label = |s: &str| {
                            crate::ActionStatus::parse(s)
                                .unwrap_or_default()
                                .label()
                                .to_lowercase()
                        };
                        out.push(format!(
                            "The action \u{2018}{name}\u{2019} is now {} (was {}).",
                            label(&now),
                            label(&was)
                        ));
                    } else {
                        out.push(format!(
                            "Changed the {} \u{2018}{name}\u{2019}.",
                            list.noun()
                        ));
                    }
                }
                Some(_) => {}
            }
        }
        for b in &before {
            if find(&after, &b["id"]).is_none() {
                out.push(format!(
                    "Removed the {} \u{2018}{}\u{2019}.",
                    list.noun(),
                    text(b, list.name_field())
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_are_listed_in_words() {
        let old = json!({"title": "T", "actions": [
            {"id": "a", "title": "Fair", "status": "in_progress"},
            {"id": "b", "title": "Gone"}],
            "checklist": [{"item": "smart", "status": "in_progress"}]});
        let new = json!({"title": "T", "sections": {"pilots": "x"}, "actions": [
            {"id": "a", "title": "Fair", "status": "done"},
            {"id": "c", "title": "New"}],
            "risks": [{"id": "r", "title": "Pay"}],
            "checklist": [{"item": "smart", "status": "done"}]});
        let said = between(&old, &new);
        assert_eq!(
            said,
            vec![
                "Changed the section \u{2018}Pilots and quick wins\u{2019}.",
                "Checklist: \u{2018}Are the objectives SMART: specific, measurable, achievable, realistic and with clear timescales?\u{2019} is now done (was in progress).",
                "The action \u{2018}Fair\u{2019} is now done (was in progress).",
                "Added the action \u{2018}New\u{2019}.",
                "Removed the action \u{2018}Gone\u{2019}.",
                "Added the risk \u{2018}Pay\u{2019}.",
            ]
        );
        assert!(between(&new, &new).is_empty());
    }
}
