//! Who may see and change what. One place, so pages and the API cannot disagree:
//! - employer users submit and see their own employers' records, unsuppressed;
//! - area planners track and approve the returns of their areas;
//! - administrators manage accounts; national analysts see every area;
//! - every figure that crosses organisations is suppressed, for everyone, and figures by
//!   employer or setting are limited to what the role covers.

use observatory_analysis::Query;
use observatory_store::accounts::{Role, User};

/// Whether the user may submit returns for this employer.
pub fn may_submit_for(user: &User, employer: &str) -> bool {
    user.role == Role::Employer && user.employers.iter().any(|e| e == employer)
}

/// Whether the user may see the returns tracker of this area.
pub fn may_track(user: &User, area: &str) -> bool {
    match user.role {
        Role::Admin | Role::Analyst => true,
        Role::Planner => user.areas.iter().any(|a| a == area),
        Role::Employer => false,
    }
}

/// Whether the user may approve or reopen returns of this area.
pub fn may_approve(user: &User, area: &str) -> bool {
    user.role == Role::Planner && user.areas.iter().any(|a| a == area)
}

fn values<'a>(q: &'a Query, dim: &str) -> Vec<&'a str> {
    q.filters
        .iter()
        .filter(|(d, _)| d.trim().eq_ignore_ascii_case(dim))
        .map(|(_, v)| v.as_str())
        .collect()
}

fn mentions(q: &Query, dim: &str) -> bool {
    q.by.iter().any(|b| b.trim().eq_ignore_ascii_case(dim)) || !values(q, dim).is_empty()
}

/// The suppression threshold for this user's query (`None`: unsuppressed, only for an
/// employer user's own records), or why they may not ask it.
pub fn threshold_for(user: &User, q: &Query, threshold: u64) -> Result<Option<u64>, String> {
    let employers = values(q, "employer");
    let own = user.role == Role::Employer
        && !employers.is_empty()
        && employers
            .iter()
            .all(|e| user.employers.iter().any(|m| m == e));
    if own {
        return Ok(None);
    }
    let fine_grained = mentions(q, "employer") || mentions(q, "setting");
    if fine_grained {
        match user.role {
            Role::Admin | Role::Analyst => {}
            Role::Planner => {
                let areas = values(q, "area");
                if areas.is_empty() || !areas.iter().all(|a| user.areas.iter().any(|m| m == a)) {
                    return Err(
                        "figures by employer or setting are available for your own areas only: filter on area too (area=...)"
                            .into(),
                    );
                }
            }
            Role::Employer => {
                return Err(
                    "figures by employer or setting are available for your own organisation only: filter on employer=YOUR-ID"
                        .into(),
                );
            }
        }
    }
    Ok(Some(threshold))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, areas: &[&str], employers: &[&str]) -> User {
        User {
            id: 1,
            email: "a@b".into(),
            name: "A".into(),
            role,
            active: true,
            areas: areas.iter().map(|s| s.to_string()).collect(),
            employers: employers.iter().map(|s| s.to_string()).collect(),
            has_password: true,
        }
    }

    fn q(by: &[&str], filters: &[(&str, &str)]) -> Query {
        Query {
            measure: "posts".into(),
            by: by.iter().map(|s| s.to_string()).collect(),
            filters: filters
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    #[test]
    fn employers_see_their_own_records_unsuppressed_and_nothing_finer_of_others() {
        let e = user(Role::Employer, &[], &["N-1"]);
        assert_eq!(
            threshold_for(&e, &q(&["role"], &[("employer", "N-1")]), 5),
            Ok(None)
        );
        assert_eq!(threshold_for(&e, &q(&["sector"], &[]), 5), Ok(Some(5)));
        assert!(threshold_for(&e, &q(&["employer"], &[]), 5).is_err());
        assert!(threshold_for(&e, &q(&[], &[("employer", "N-2")]), 5).is_err());
        assert!(
            threshold_for(&e, &q(&[], &[("employer", "N-1"), ("employer", "N-2")]), 5).is_err()
        );
    }

    #[test]
    fn others_are_always_suppressed() {
        for role in [Role::Admin, Role::Analyst] {
            let u = user(role, &[], &[]);
            assert_eq!(threshold_for(&u, &q(&["employer"], &[]), 5), Ok(Some(5)));
            assert_eq!(
                threshold_for(&u, &q(&[], &[("employer", "N-1")]), 5),
                Ok(Some(5))
            );
        }
        let p = user(Role::Planner, &["E1"], &[]);
        assert_eq!(
            threshold_for(&p, &q(&["employer"], &[("area", "E1")]), 5),
            Ok(Some(5))
        );
        assert!(threshold_for(&p, &q(&["employer"], &[("area", "E2")]), 5).is_err());
        assert!(threshold_for(&p, &q(&["setting"], &[]), 5).is_err());
        assert_eq!(threshold_for(&p, &q(&["sector"], &[]), 5), Ok(Some(5)));
    }

    #[test]
    fn tracking_and_approval_follow_the_areas() {
        let p = user(Role::Planner, &["E1"], &[]);
        assert!(may_track(&p, "E1") && !may_track(&p, "E2"));
        assert!(may_approve(&p, "E1") && !may_approve(&p, "E2"));
        let a = user(Role::Analyst, &[], &[]);
        assert!(may_track(&a, "E2") && !may_approve(&a, "E2"));
        let e = user(Role::Employer, &[], &["N-1"]);
        assert!(may_submit_for(&e, "N-1") && !may_submit_for(&e, "N-2"));
        assert!(!may_track(&e, "E1"));
        assert!(!may_submit_for(&a, "N-1"));
    }
}
