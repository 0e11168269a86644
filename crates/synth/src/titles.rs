//! Employers' own job titles, for the employers that give `job_title` instead of `role`:
//! mostly synonyms from the shared job-title map written with their own capitalisation and
//! spacing (which the map's normalisation absorbs), and now and then a title the map does
//! not know yet, so the mapping workflow has real work to do.

use crate::ids::{mix, unit};
use crate::model::role;
use observatory_domain::codes;
use observatory_domain::titles::labelled;
use std::sync::OnceLock;

struct Titles {
    /// Known titles (normalised synonyms plus the role name) per role, sorted for determinism.
    known: Vec<Vec<String>>,
    /// Unknown titles per role.
    unknown: Vec<Vec<String>>,
}

fn titles() -> &'static Titles {
    static T: OnceLock<Titles> = OnceLock::new();
    T.get_or_init(|| {
        let c = codes();
        let mut known: Vec<Vec<String>> = vec![Vec::new(); c.roles.len()];
        for (title, &r) in &c.job_titles {
            known[r].push(title.clone());
        }
        for (r, list) in known.iter_mut().enumerate() {
            list.push(c.roles.label(r).to_string());
            list.sort();
            list.dedup();
        }
        // Titles employers really use that the shipped map does not know, with the role
        // they mean: the labelled set's titles marked for the demo.
        let mut unknown: Vec<Vec<String>> = vec![Vec::new(); c.roles.len()];
        for l in labelled().into_iter().filter(|l| l.in_demo) {
            let r = role(l.role.as_deref().expect("demo titles have a role"));
            unknown[r as usize].push(l.title);
        }
        Titles { known, unknown }
    })
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for ch in s.chars() {
        if start && ch.is_alphabetic() {
            out.extend(ch.to_uppercase());
        } else {
            out.push(ch);
        }
        start = ch == ' ' || ch == '-' || ch == '(';
    }
    out
}

/// The title an employer (by its stable hash) usually writes for a role: one of the
/// map's synonyms in the employer's own capitalisation and spacing. Deterministic.
pub(crate) fn main_title(employer_hash: u64, role: u16) -> String {
    let t = titles();
    let h = mix(employer_hash, 0x7171 + role as u64);
    let known = &t.known[role as usize];
    let base = &known[(mix(h, 3) % known.len() as u64) as usize];
    match employer_hash % 6 {
        0 => base.to_lowercase(),
        1 => base.to_uppercase(),
        2 => format!(" {}  ", title_case(base).replace(' ', "  ")),
        3 => format!("{}.", title_case(base)),
        _ => title_case(base),
    }
}

/// For about one post in five, a more specific title the map may not know; `None` means
/// the employer's main title. Keyed by the worker reference, so it is stable across years.
pub(crate) fn post_title(employer_hash: u64, role: u16, worker_ref: u32) -> Option<&'static str> {
    let unknown = &titles().unknown[role as usize];
    if unknown.is_empty() {
        return None;
    }
    let h = mix(mix(employer_hash, 0x7272 + role as u64), worker_ref as u64);
    (unit(h) < 0.2).then(|| unknown[(mix(h, 1) % unknown.len() as u64) as usize].as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_titles_map_back_to_their_role() {
        let c = codes();
        let mut unknown_seen = 0;
        for r in 0..c.roles.len() as u16 {
            for h in 0..40u64 {
                let t = post_title(h, r, 7)
                    .map(str::to_string)
                    .unwrap_or_else(|| main_title(h, r));
                match c.role_for_title(&t) {
                    Some(m) => assert_eq!(m, r as usize, "{t}"),
                    None => {
                        unknown_seen += 1;
                        assert!(
                            labelled().iter().any(|l| l.in_demo && l.title == t),
                            "{t} should map"
                        );
                    }
                }
            }
        }
        assert!(unknown_seen > 0);
    }
}
