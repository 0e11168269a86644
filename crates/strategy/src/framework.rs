//! The recommended local workforce strategy framework, as data: the sections a strategy
//! has and in what order, the partners its scope may name, and the checklist questions a
//! good strategy answers (from the toolkit in the seeds). The files under `data/strategy/`
//! are the one source: pages, documents and validation read them here.

use std::sync::OnceLock;

const FRAMEWORK: &str = include_str!("../../../data/strategy/framework.csv");
const SCOPE: &str = include_str!("../../../data/strategy/scope.csv");
const CHECKLIST: &str = include_str!("../../../data/strategy/checklist.csv");

/// What a section holds, and so how it is written and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text the planner writes.
    Text,
    /// The partners and sectors ticked from lists.
    Scope,
    /// Text with strengths, weaknesses, opportunities and threats.
    Swot,
    /// Figures generated from the census, with text on the data issues.
    Generated,
    Objectives,
    Actions,
    Risks,
    Resources,
    Decisions,
}

/// One section of the framework.
#[derive(Debug, Clone)]
pub struct Section {
    pub key: String,
    pub heading: String,
    pub kind: Kind,
    /// What the toolkit says the section should cover.
    pub guidance: String,
}

/// A labelled choice: a partner in scope, or a checklist question.
#[derive(Debug, Clone)]
pub struct Choice {
    pub key: String,
    pub label: String,
}

/// The framework: sections in order, scope partners, checklist questions.
#[derive(Debug)]
pub struct Framework {
    pub sections: Vec<Section>,
    pub partners: Vec<Choice>,
    pub checklist: Vec<Choice>,
}

fn rows(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("the shipped strategy framework files are valid CSV"))
        .collect()
}

fn choices(text: &str) -> Vec<Choice> {
    rows(text)
        .iter()
        .map(|r| Choice {
            key: r[0].to_string(),
            label: r[1].to_string(),
        })
        .collect()
}

fn kind(s: &str) -> Kind {
    match s {
        "text" => Kind::Text,
        "scope" => Kind::Scope,
        "swot" => Kind::Swot,
        "generated" => Kind::Generated,
        "objectives" => Kind::Objectives,
        "actions" => Kind::Actions,
        "risks" => Kind::Risks,
        "resources" => Kind::Resources,
        "decisions" => Kind::Decisions,
        other => panic!("data/strategy/framework.csv: unknown section kind {other}"),
    }
}

/// The shipped framework (read once).
pub fn framework() -> &'static Framework {
    static F: OnceLock<Framework> = OnceLock::new();
    F.get_or_init(|| Framework {
        sections: rows(FRAMEWORK)
            .iter()
            .map(|r| Section {
                key: r[0].to_string(),
                heading: r[1].to_string(),
                kind: kind(&r[2]),
                guidance: r[3].to_string(),
            })
            .collect(),
        partners: choices(SCOPE),
        checklist: choices(CHECKLIST),
    })
}

impl Framework {
    /// The section with this key.
    pub fn section(&self, key: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.key == key)
    }

    /// The label of a scope partner, or the key itself when it is not in the list.
    pub fn partner_label<'a>(&'a self, key: &'a str) -> &'a str {
        self.partners
            .iter()
            .find(|c| c.key == key)
            .map_or(key, |c| c.label.as_str())
    }

    /// The labels of scope partners, in the order given.
    pub fn partner_labels(&self, keys: &[String]) -> Vec<String> {
        keys.iter()
            .map(|k| self.partner_label(k).to_string())
            .collect()
    }

    /// Whether a section key holds free text (a section of text, or the text beside
    /// the SWOT, the scope or the generated data).
    pub fn has_text(&self, key: &str) -> bool {
        self.section(key).is_some_and(|s| {
            matches!(
                s.kind,
                Kind::Text | Kind::Swot | Kind::Generated | Kind::Scope | Kind::Resources
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_framework_follows_the_toolkit() {
        let f = framework();
        let keys: Vec<&str> = f.sections.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys.first(), Some(&"vision"));
        assert_eq!(keys.last(), Some(&"evaluation"));
        for k in [
            "scope",
            "current_position",
            "workforce_data",
            "views",
            "pilots",
            "risks",
        ] {
            assert!(keys.contains(&k), "{k}");
        }
        assert!(f.partners.len() >= 12 && f.checklist.len() >= 15);
        assert_eq!(f.partner_label("police"), "Police");
        assert!(f.has_text("views") && !f.has_text("actions"));
    }
}
