//! The API reference for people: one page read from the same OpenAPI document the API
//! serves (so it cannot drift from it), listing every path and method with its summary,
//! parameters, request body and responses, then every body's fields.

use askama::Template;
use axum::extract::State;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

use crate::auth::MaybeViewer;
use crate::pages::{Layout, PageResult, html};
use crate::state::AppState;

/// A parameter of an operation.
#[derive(Clone)]
pub struct Param {
    pub name: String,
    pub place: String,
    pub required: bool,
    pub kind: String,
    pub description: String,
}

/// A response of an operation.
#[derive(Clone)]
pub struct Answer {
    pub status: String,
    pub description: String,
    pub body: String,
}

/// One method of one path.
#[derive(Clone)]
pub struct Operation {
    /// An anchor for the page (`get-api-me`).
    pub anchor: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub params: Vec<Param>,
    /// The request body's media type and schema, if any.
    pub request: String,
    pub answers: Vec<Answer>,
}

/// A field of a body.
#[derive(Clone)]
pub struct Field {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub description: String,
}

/// A body (a component schema).
#[derive(Clone)]
pub struct Body {
    pub name: String,
    pub description: String,
    pub fields: Vec<Field>,
}

/// Everything the page shows, read once from the document.
#[derive(Clone)]
pub struct Reference {
    pub title: String,
    pub version: String,
    pub description: String,
    pub operations: Vec<Operation>,
    pub bodies: Vec<Body>,
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// A schema's type in words: `Item`, `list of Item`, `string or null`, ...
fn kind(s: &Value) -> String {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some(alts) = s.get("oneOf").and_then(Value::as_array) {
        return alts.iter().map(kind).collect::<Vec<_>>().join(" or ");
    }
    let types: Vec<String> = match s.get("type") {
        Some(Value::Array(t)) => t.iter().map(text).collect(),
        Some(t) => vec![text(t)],
        None => vec![],
    };
    let named: Vec<String> = types
        .iter()
        .map(|t| match t.as_str() {
            "array" => format!("list of {}", s.get("items").map(kind).unwrap_or_default()),
            "object" => match s.get("additionalProperties") {
                Some(a) if a.is_object() => format!("map of {}", kind(a)),
                _ => "object".into(),
            },
            t => t.to_string(),
        })
        .collect();
    if named.is_empty() {
        "any".into()
    } else {
        named.join(" or ")
    }
}

/// The media type and schema of a request or response body.
fn content(v: &Value) -> String {
    v.get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.iter().next())
        .map(|(media, m)| match m.get("schema") {
            Some(s) => format!("{} ({media})", kind(s)),
            None => media.clone(),
        })
        .unwrap_or_default()
}

impl Reference {
    /// The page's content from the OpenAPI document as served.
    pub fn of(doc: &Value) -> Reference {
        let mut operations = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            let methods = item.as_object().into_iter().flatten();
            for (method, op) in methods.filter(|(m, _)| METHODS.contains(&m.as_str())) {
                let params = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| Param {
                        name: text(&p["name"]),
                        place: text(&p["in"]),
                        required: p["required"].as_bool().unwrap_or(false),
                        kind: kind(&p["schema"]),
                        description: text(&p["description"]),
                    })
                    .collect();
                let answers = op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(status, r)| Answer {
                        status: status.clone(),
                        description: text(&r["description"]),
                        body: content(r),
                    })
                    .collect();
                let description = text(&op["description"]);
                operations.push(Operation {
                    anchor: format!("{method}{}", path.replace(['/', '{', '}'], "-"))
                        .trim_end_matches('-')
                        .to_string(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary: text(&op["summary"]),
                    description,
                    params,
                    request: content(&op["requestBody"]),
                    answers,
                });
            }
        }
        let bodies = doc["components"]["schemas"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, s)| {
                let required: Vec<&str> = s["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                Body {
                    name: name.clone(),
                    description: text(&s["description"]),
                    fields: s["properties"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(f, p)| Field {
                            name: f.clone(),
                            kind: kind(p),
                            required: required.contains(&f.as_str()),
                            description: text(&p["description"]),
                        })
                        .collect(),
                }
            })
            .collect();
        Reference {
            title: text(&doc["info"]["title"]),
            version: text(&doc["info"]["version"]),
            description: text(&doc["info"]["description"]),
            operations,
            bodies,
        }
    }
}

#[derive(Template)]
#[template(path = "api_reference.html")]
struct ReferencePage {
    l: Layout,
    r: Reference,
}

/// The reference page, open to everyone (it says what the API is, not what is in it).
pub async fn page(State(state): State<Arc<AppState>>, MaybeViewer(v): MaybeViewer) -> PageResult {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    let r = REFERENCE
        .get_or_init(|| Reference::of(&serde_json::to_value(super::document()).unwrap_or_default()))
        .clone();
    html(&ReferencePage {
        l: match &v {
            Some(v) => Layout::new(&state, v, "API reference", ""),
            None => Layout::plain("API reference"),
        },
        r,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_document_is_on_the_page() {
        let doc = serde_json::to_value(crate::api::document()).unwrap();
        let r = Reference::of(&doc);
        let me = r.operations.iter().find(|o| o.path == "/api/me").unwrap();
        assert_eq!(
            (me.method.as_str(), me.anchor.as_str()),
            ("GET", "get-api-me")
        );
        assert!(
            me.answers
                .iter()
                .any(|a| a.status == "200" && a.body.starts_with("Me"))
        );
        let submission = r
            .operations
            .iter()
            .find(|o| o.path == "/api/submissions/{id}")
            .unwrap();
        assert_eq!(submission.params[0].name, "id");
        assert!(r.bodies.iter().any(|b| b.name == "QueryAnswer"));
        let paths = doc["paths"].as_object().unwrap();
        let methods: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(r.operations.len(), methods);
    }
}
