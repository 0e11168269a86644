//! The evidence taxonomy: item types, themes, outcomes, the strength scale and geography
//! from `data/evidence/taxonomy.csv`, and the workforce sectors and provision from the
//! census code lists (`data/codes/`), so every tag has one source of truth.

use std::sync::OnceLock;

const TAXONOMY: &str = include_str!("../../../data/evidence/taxonomy.csv");

/// The facets an item can be tagged with (besides its type and strength).
pub const TAG_FACETS: [&str; 6] = [
    "theme",
    "sector",
    "provision",
    "geography",
    "outcome",
    "keyword",
];

/// One allowed value of a facet.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Term {
    pub code: String,
    pub label: String,
    /// Theme: `priority` or `cross_cutting`; type: `synthesis` for reviews; strength: its
    /// rank (1 = weakest); geography: `region` for the English regions.
    pub group: String,
    pub description: String,
}

/// The allowed values of one facet, in their display order.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Vocabulary {
    pub facet: String,
    /// What people call the facet in messages ("a workforce sector").
    pub noun: String,
    pub terms: Vec<Term>,
}

impl Vocabulary {
    /// The code of a value given as a code or a label, ignoring case and spacing.
    pub fn find(&self, value: &str) -> Option<&Term> {
        let v = fold(value);
        self.terms
            .iter()
            .find(|t| fold(&t.code) == v || fold(&t.label) == v)
    }

    pub fn label(&self, code: &str) -> String {
        self.find(code)
            .map(|t| t.label.clone())
            .unwrap_or_else(|| code.to_string())
    }

    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(|t| t.code.as_str())
    }

    /// Position of a code in display order (strength rank - 1, for example).
    pub fn position(&self, code: &str) -> Option<usize> {
        self.terms.iter().position(|t| t.code == code)
    }

    /// The plain-language message for a value that is not allowed.
    pub fn unknown(&self, value: &str) -> String {
        let closest = self
            .terms
            .iter()
            .map(|t| {
                let score = strsim::jaro_winkler(&fold(value), &fold(&t.code))
                    .max(strsim::jaro_winkler(&fold(value), &fold(&t.label)));
                (score, &t.code)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let list: Vec<&str> = self.codes().collect();
        let mut msg = format!(
            "'{value}' is not {}; use one of: {}",
            self.noun,
            list.join(", ")
        );
        if let Some((score, code)) = closest
            && score > 0.75
        {
            msg.push_str(&format!(" (did you mean {code}?)"));
        }
        msg
    }
}

/// Lower case, with anything but letters and digits turned into single underscores, so
/// "Early Years", "early-years" and "early_years" compare equal.
fn fold(s: &str) -> String {
    let mut out = String::new();
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(&w.to_lowercase());
    }
    out
}

/// Every vocabulary of the evidence library.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Taxonomy {
    pub types: Vocabulary,
    pub themes: Vocabulary,
    pub sectors: Vocabulary,
    pub provision: Vocabulary,
    pub geography: Vocabulary,
    pub outcomes: Vocabulary,
    pub strengths: Vocabulary,
}

impl Taxonomy {
    fn load() -> Taxonomy {
        let mut rows: Vec<(String, Term)> = Vec::new();
        for r in csv::Reader::from_reader(TAXONOMY.as_bytes()).records() {
            let r = r.expect("data/evidence/taxonomy.csv is valid CSV");
            let get = |i: usize| r.get(i).unwrap_or("").trim().to_string();
            rows.push((
                get(0),
                Term {
                    code: get(1),
                    label: get(2),
                    group: get(3),
                    description: get(4),
                },
            ));
        }
        let vocab = |facet: &str, noun: &str| {
            let terms: Vec<Term> = rows
                .iter()
                .filter(|(f, _)| f == facet)
                .map(|(_, t)| t.clone())
                .collect();
            assert!(
                !terms.is_empty(),
                "data/evidence/taxonomy.csv has no rows for facet {facet}"
            );
            Vocabulary {
                facet: facet.into(),
                noun: noun.into(),
                terms,
            }
        };
        let codes = observatory_domain::codes();
        let from_codes =
            |facet: &str, noun: &str, list: &observatory_domain::codes::CodeList| Vocabulary {
                facet: facet.into(),
                noun: noun.into(),
                terms: (0..list.len())
                    .map(|i| Term {
                        code: list.code(i).into(),
                        label: list.label(i).into(),
                        group: String::new(),
                        description: String::new(),
                    })
                    .collect(),
            };
        let strengths = vocab("strength", "an evidence strength");
        for (i, t) in strengths.terms.iter().enumerate() {
            assert_eq!(
                t.group,
                (i + 1).to_string(),
                "strengths in data/evidence/taxonomy.csv must be listed weakest first, ranked 1, 2, 3..."
            );
        }
        Taxonomy {
            types: vocab("type", "an evidence type"),
            themes: vocab("theme", "a theme"),
            sectors: from_codes("sector", "a workforce sector", &codes.sectors),
            provision: from_codes("provision", "a kind of provision", &codes.provision),
            geography: vocab(
                "geography",
                "a geography (or a local authority's ONS code such as E06000056)",
            ),
            outcomes: vocab("outcome", "an outcome for children"),
            strengths,
        }
    }

    /// The vocabulary of a tag facet; `keyword` is free text and has none.
    pub fn facet(&self, facet: &str) -> Option<&Vocabulary> {
        Some(match facet {
            "type" => &self.types,
            "theme" => &self.themes,
            "sector" => &self.sectors,
            "provision" => &self.provision,
            "geography" => &self.geography,
            "outcome" => &self.outcomes,
            "strength" => &self.strengths,
            _ => return None,
        })
    }

    /// The code for a value of a facet, or a message saying what is allowed. Geography
    /// also takes a local authority's ONS code (E06000056).
    pub fn check(&self, facet: &str, value: &str) -> Result<String, String> {
        let value = value.trim();
        if facet == "keyword" {
            return if value.is_empty() {
                Err("a keyword is empty".into())
            } else {
                Ok(value.to_string())
            };
        }
        let Some(v) = self.facet(facet) else {
            return Err(format!(
                "'{facet}' is not a tag facet; use one of: {}",
                TAG_FACETS.join(", ")
            ));
        };
        if facet == "geography" && is_area_code(value) {
            return Ok(value.to_ascii_uppercase());
        }
        v.find(value)
            .map(|t| t.code.clone())
            .ok_or_else(|| v.unknown(value))
    }

    /// Whether an item type brings studies together (a review or synthesis).
    pub fn is_synthesis(&self, item_type: &str) -> bool {
        self.types
            .find(item_type)
            .is_some_and(|t| t.group == "synthesis")
    }

    /// The rank of a strength (1 = weakest), if it is one.
    pub fn strength_rank(&self, code: &str) -> Option<usize> {
        self.strengths.position(code).map(|p| p + 1)
    }
}

/// An ONS local authority code: E06, E07, E08, E09 or E10 and six digits.
pub fn is_area_code(s: &str) -> bool {
    let s = s.trim().to_ascii_uppercase();
    s.len() == 9
        && ["E06", "E07", "E08", "E09", "E10"].contains(&&s[..3])
        && s[3..].bytes().all(|b| b.is_ascii_digit())
}

/// The taxonomy, loaded once.
pub fn taxonomy() -> &'static Taxonomy {
    static T: OnceLock<Taxonomy> = OnceLock::new();
    T.get_or_init(Taxonomy::load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_every_vocabulary_from_data_files() {
        let t = taxonomy();
        assert_eq!(t.types.terms.len(), 9);
        assert_eq!(t.themes.terms.len(), 10);
        assert_eq!(t.sectors.terms.len(), 8);
        assert_eq!(t.outcomes.terms.len(), 5);
        assert_eq!(t.strengths.terms.len(), 4);
        assert!(t.is_synthesis("evidence_review"));
        assert!(!t.is_synthesis("evaluation"));
        assert_eq!(t.strength_rank("strong"), Some(4));
    }

    #[test]
    fn codes_and_labels_are_accepted_and_mistakes_explained() {
        let t = taxonomy();
        assert_eq!(
            t.check("sector", "Early years and childcare").unwrap(),
            "early_years"
        );
        assert_eq!(
            t.check("theme", "Leadership and succession").unwrap(),
            "leadership_succession"
        );
        assert_eq!(
            t.check("type", "Research Report").unwrap(),
            "research_report"
        );
        assert_eq!(t.check("geography", "e06000056").unwrap(), "E06000056");
        let e = t.check("theme", "leadership").unwrap_err();
        assert!(e.contains("not a theme"), "{e}");
        let e = t.check("outcome", "stay safe!").unwrap();
        assert_eq!(e, "stay_safe");
        let e = t.check("type", "evaluatoin").unwrap_err();
        assert!(e.contains("did you mean evaluation?"), "{e}");
        assert!(
            t.check("colour", "red")
                .unwrap_err()
                .contains("not a tag facet")
        );
    }
}
