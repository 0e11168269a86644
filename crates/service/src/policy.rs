//! Who may see and do what, decided once for the pages, the API and the command line:
//! - employer users submit returns and see their own employers' records exactly;
//! - area planners see and approve the returns of their areas and their areas' figures;
//! - national analysts see every area and curate the evidence library;
//! - administrators manage accounts (and may do what analysts do);
//! - every figure that crosses organisations is protected for everyone (suppressed and
//!   perturbed, docs/disclosure.md), and figures by employer or setting are limited to
//!   what the role covers.
//!
//! Interfaces ask here and turn a [`Denied`] into their own form (a 403 page, an API
//! error, an exit code); nothing else decides a permission.

use observatory_analysis::Query;
pub use observatory_store::accounts::{Role, User};

use crate::query::Protection;

/// Who is asking: every service operation is given one.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A signed-in user of the web app or the API: what they may see and do follows
    /// their role and scope.
    User(&'a User),
    /// The local operator at the command line. Whoever can open the database file (or
    /// holds the PostgreSQL credentials) already holds every record in it, so the
    /// operator may do everything, and chooses how figures are protected (the query
    /// contract's default is primary suppression).
    Operator,
}

impl<'a> From<&'a User> for Actor<'a> {
    fn from(user: &'a User) -> Actor<'a> {
        Actor::User(user)
    }
}

/// Why an actor may not do something, in words to show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Denied {}

fn deny<T>(why: &str) -> Result<T, Denied> {
    Err(Denied(why.to_string()))
}

/// Whether the user submits returns at all (an employer user with an employer).
pub fn may_submit(user: &User) -> Result<(), Denied> {
    if user.role == Role::Employer && !user.employers.is_empty() {
        Ok(())
    } else {
        deny(
            "Returns are submitted by employer users. Ask the service administrator if you need to submit for an employer.",
        )
    }
}

/// Whether the actor may submit returns for this employer (and see its records and
/// submissions exactly).
pub fn may_submit_for<'a>(actor: impl Into<Actor<'a>>, employer: &str) -> bool {
    match actor.into() {
        Actor::Operator => true,
        Actor::User(user) => {
            user.role == Role::Employer && user.employers.iter().any(|e| e == employer)
        }
    }
}

/// Whether the actor may see the returns tracker of this area.
pub fn may_track<'a>(actor: impl Into<Actor<'a>>, area: &str) -> bool {
    let Actor::User(user) = actor.into() else {
        return true;
    };
    match user.role {
        Role::Admin | Role::Analyst => true,
        Role::Planner => user.areas.iter().any(|a| a == area),
        Role::Employer | Role::Partner => false,
    }
}

/// Whether the actor may read a strategy covering these areas: the operator,
/// administrators and analysts every strategy; planners those of areas they all plan;
/// strategy partners those of the areas they work in.
pub fn may_read_strategy(actor: Actor, areas: &[String]) -> Result<(), Denied> {
    let ok = match actor {
        Actor::Operator => true,
        Actor::User(u) => match u.role {
            Role::Admin | Role::Analyst => true,
            Role::Planner => areas.iter().all(|a| u.areas.contains(a)),
            Role::Partner => areas.iter().any(|a| u.areas.contains(a)),
            Role::Employer => false,
        },
    };
    if ok {
        Ok(())
    } else {
        deny("You can only see the strategies of the areas you plan for or work with.")
    }
}

/// Whether the user uses the strategies pages at all: everyone but employer users.
pub fn may_use_strategies(user: &User) -> Result<(), Denied> {
    if user.role == Role::Employer {
        deny("Strategies are for area planners, analysts and strategy partners.")
    } else {
        Ok(())
    }
}

/// Whether the actor may change a strategy covering these areas (write, edit, import):
/// the operator, and planners who plan every one of its areas. Analysts and
/// administrators read every strategy but the plan is the area's to write.
pub fn may_change_strategy(actor: Actor, areas: &[String]) -> Result<(), Denied> {
    let ok = match actor {
        Actor::Operator => true,
        Actor::User(u) => u.role == Role::Planner && areas.iter().all(|a| u.areas.contains(a)),
    };
    if ok {
        Ok(())
    } else {
        deny("Only the area planners of a strategy's areas can change it.")
    }
}

/// Whether the actor may make workforce projections and read saved scenarios: the
/// operator, administrators, analysts and planners. Projections rest on the same
/// protected figures each of them may already query, so any area may be projected;
/// employers and strategy partners have no projections pages.
pub fn may_project(actor: Actor) -> Result<(), Denied> {
    match actor {
        Actor::Operator => Ok(()),
        Actor::User(u) if matches!(u.role, Role::Admin | Role::Analyst | Role::Planner) => Ok(()),
        Actor::User(_) => deny("Projections are for area planners and analysts."),
    }
}

/// Whether the actor may save or change a scenario projecting these areas (none:
/// England): the operator, administrators and analysts any; planners those of areas
/// they all plan.
pub fn may_change_scenario(actor: Actor, areas: &[String]) -> Result<(), Denied> {
    may_project(actor)?;
    let ok = match actor {
        Actor::Operator => true,
        Actor::User(u) => match u.role {
            Role::Admin | Role::Analyst => true,
            Role::Planner => !areas.is_empty() && areas.iter().all(|a| u.areas.contains(a)),
            Role::Employer | Role::Partner => false,
        },
    };
    if ok {
        Ok(())
    } else {
        deny(
            "Planners save scenarios for the areas they plan for: add where = [\"area=...\"] with your area.",
        )
    }
}

/// Whether the actor may replace a population projection already imported under a
/// name others' scenarios use: the operator, administrators and analysts. Anyone who
/// may project may import one under a new name.
pub fn may_replace_population_projection(actor: Actor) -> Result<(), Denied> {
    match actor {
        Actor::Operator => Ok(()),
        Actor::User(u) if matches!(u.role, Role::Admin | Role::Analyst) => Ok(()),
        Actor::User(_) => {
            deny("A population projection with this name is already imported: choose another name.")
        }
    }
}

/// Whether the actor may update what someone owns in a strategy covering these areas (an
/// action's status and note, a value recorded for an objective): whoever may change the
/// strategy, and the owner (by their account's email) where they may read it.
pub fn may_update_owned(
    actor: Actor,
    areas: &[String],
    owner_email: Option<&str>,
) -> Result<(), Denied> {
    if may_change_strategy(actor, areas).is_ok() {
        return Ok(());
    }
    match actor {
        Actor::User(u)
            if owner_email.is_some_and(|e| e.eq_ignore_ascii_case(&u.email))
                && may_read_strategy(actor, areas).is_ok() =>
        {
            Ok(())
        }
        _ => deny("You can only update the actions and objectives you own."),
    }
}

/// Whether the actor may set an area's statistical neighbours: whoever follows its
/// returns (its planners, analysts, administrators and the operator).
pub fn may_set_neighbours<'a>(actor: impl Into<Actor<'a>>, area: &str) -> Result<(), Denied> {
    if may_track(actor, area) {
        Ok(())
    } else {
        Err(Denied(format!(
            "You cannot set the statistical neighbours of {}",
            observatory_domain::codes().area_name(area)
        )))
    }
}

/// Whether the user may approve or reopen returns of this area.
pub fn may_approve(user: &User, area: &str) -> bool {
    user.role == Role::Planner && user.areas.iter().any(|a| a == area)
}

/// Whether the user manages accounts.
pub fn may_administer(user: &User) -> Result<(), Denied> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        deny("Only administrators can manage users.")
    }
}

/// Whether the user curates the evidence library (moderation, editing, staff emails).
pub fn may_curate(user: &User) -> bool {
    matches!(user.role, Role::Admin | Role::Analyst)
}

/// Whether the actor may change the evidence library: add, edit and import items, attach
/// files, register studies, open and close calls, moderate submissions, link decisions
/// and rebuild the search index. Reading the library is open to everyone (evidence is
/// for sharing), and anyone holding a call's public link may answer it.
pub fn may_change_evidence(actor: &Actor) -> Result<(), Denied> {
    match actor {
        Actor::Operator => Ok(()),
        Actor::User(u) if may_curate(u) => Ok(()),
        Actor::User(_) => {
            deny("Only national analysts and administrators can change the evidence library.")
        }
    }
}

/// Whether a reader of the evidence library (None: signed out) sees its staff side: who
/// added an item (a staff member's email), the moderation queue with the submitters'
/// addresses, and the files sent to calls. Only those who may change the library do.
pub fn sees_evidence_staff_side(reader: Option<&Actor>) -> bool {
    reader.is_some_and(|a| may_change_evidence(a).is_ok())
}

/// Whether the user sees the dashboards and the returns tracker (everyone but employer
/// users, who have their own figures page).
pub fn may_use_dashboard(user: &User) -> Result<(), Denied> {
    if user.role == Role::Partner {
        deny(
            "The dashboard is for area planners and national analysts; the strategies you work on are under Strategies.",
        )
    } else if user.role == Role::Employer {
        deny(
            "The dashboard is for area planners and national analysts; your organisation's figures are under Your figures.",
        )
    } else {
        Ok(())
    }
}

/// Whether the user may see figures for the whole country rather than one area.
pub fn sees_national(user: &User) -> bool {
    matches!(user.role, Role::Admin | Role::Analyst)
}

/// The areas of the user's own scope (`None`: every area).
pub fn own_areas(user: &User) -> Option<&[String]> {
    match user.role {
        Role::Planner => Some(&user.areas),
        Role::Employer | Role::Partner => Some(&[]),
        Role::Admin | Role::Analyst => None,
    }
}

/// Whether an administrator may give account `target` this role and active flag: never
/// their own administrator role away, so the service cannot be left without one by
/// accident.
pub fn may_set_account(admin: &User, target: i64, role: Role, active: bool) -> Result<(), Denied> {
    may_administer(admin)?;
    if target == admin.id && (!active || role != Role::Admin) {
        return deny("You cannot remove your own administrator role or deactivate yourself");
    }
    Ok(())
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

/// How the actor's answer to `q` is protected. A user gets exact figures only for an
/// employer user's own records; anything that crosses organisations gets primary
/// suppression at `threshold` and the cell key method, whatever they `asked` for, and
/// figures by employer or setting are refused outside the user's scope. The operator
/// gets what they asked for, by default the query contract's primary suppression.
pub fn protection_for(
    actor: Actor,
    q: &Query,
    threshold: u64,
    asked: Option<Protection>,
) -> Result<Protection, Denied> {
    let user = match actor {
        Actor::Operator => return Ok(asked.unwrap_or(Protection::Suppressed(threshold))),
        Actor::User(user) => user,
    };
    let employers = values(q, "employer");
    let own = user.role == Role::Employer
        && !employers.is_empty()
        && employers
            .iter()
            .all(|e| user.employers.iter().any(|m| m == e));
    if own {
        return Ok(Protection::Exact);
    }
    let fine_grained = mentions(q, "employer") || mentions(q, "setting");
    if fine_grained {
        match user.role {
            Role::Admin | Role::Analyst => {}
            Role::Planner => {
                let areas = values(q, "area");
                if areas.is_empty() || !areas.iter().all(|a| user.areas.iter().any(|m| m == a)) {
                    return deny(
                        "figures by employer or setting are available for your own areas only: filter on area too (area=...)",
                    );
                }
            }
            Role::Employer | Role::Partner => {
                return deny(
                    "figures by employer or setting are available for your own organisation only: filter on employer=YOUR-ID",
                );
            }
        }
    }
    Ok(Protection::CellKey(threshold))
}

/// Whether the actor may run an operation only the command line offers today (bulk
/// imports, registering employers, reference data, data quality reports naming
/// employers, benchmarks, standards, mobility tables, the publication, synthetic data):
/// the local operator, until a page offers it with a rule of its own here.
pub fn may_operate(actor: Actor) -> Result<(), Denied> {
    match actor {
        Actor::Operator => Ok(()),
        Actor::User(_) => deny("This is done by the service's operator, at the command line."),
    }
}

/// Whether the actor may read the standard publication's tables. The publication is made
/// for release: every table is protected together (primary and secondary suppression at
/// the service's threshold, proven by the audit) before anyone sees a figure, so every
/// signed-in user and the operator may read it. Choosing another protection (rounding)
/// and writing its files stays the operator's ([`may_operate`]).
pub fn may_read_publication(actor: Actor) -> Result<(), Denied> {
    match actor {
        Actor::Operator | Actor::User(_) => Ok(()),
    }
}

/// Whether the actor may see every area at once (the operator, national analysts,
/// administrators).
pub fn may_see_national(actor: Actor) -> Result<(), Denied> {
    match actor {
        Actor::Operator => Ok(()),
        Actor::User(user) if sees_national(user) => Ok(()),
        Actor::User(_) => deny("You can see the returns of your own areas only: choose an area."),
    }
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

    const CROSS: Result<Protection, Denied> = Ok(Protection::CellKey(5));

    /// What a user gets, having asked for exact figures (which only their own records are).
    fn protection_of(user: &User, q: &Query, threshold: u64) -> Result<Protection, Denied> {
        protection_for(Actor::User(user), q, threshold, Some(Protection::Exact))
    }

    #[test]
    fn the_operator_gets_the_protection_asked_for() {
        let q = q(&["employer"], &[]);
        assert_eq!(
            protection_for(Actor::Operator, &q, 5, None),
            Ok(Protection::Suppressed(5))
        );
        assert_eq!(
            protection_for(Actor::Operator, &q, 7, Some(Protection::Exact)),
            Ok(Protection::Exact)
        );
    }

    #[test]
    fn employers_see_their_own_records_exactly_and_nothing_finer_of_others() {
        let e = user(Role::Employer, &[], &["N-1"]);
        assert_eq!(
            protection_of(&e, &q(&["role"], &[("employer", "N-1")]), 5),
            Ok(Protection::Exact)
        );
        assert_eq!(protection_of(&e, &q(&["sector"], &[]), 5), CROSS);
        assert!(protection_of(&e, &q(&["employer"], &[]), 5).is_err());
        assert!(protection_of(&e, &q(&[], &[("employer", "N-2")]), 5).is_err());
        assert!(
            protection_of(&e, &q(&[], &[("employer", "N-1"), ("employer", "N-2")]), 5).is_err()
        );
    }

    #[test]
    fn everything_across_organisations_is_protected() {
        for role in [Role::Admin, Role::Analyst] {
            let u = user(role, &[], &[]);
            assert_eq!(protection_of(&u, &q(&["employer"], &[]), 5), CROSS);
            assert_eq!(protection_of(&u, &q(&[], &[("employer", "N-1")]), 5), CROSS);
        }
        let p = user(Role::Planner, &["E1"], &[]);
        assert_eq!(
            protection_of(&p, &q(&["employer"], &[("area", "E1")]), 5),
            CROSS
        );
        assert!(protection_of(&p, &q(&["employer"], &[("area", "E2")]), 5).is_err());
        assert!(protection_of(&p, &q(&["setting"], &[]), 5).is_err());
        assert_eq!(protection_of(&p, &q(&["sector"], &[]), 5), CROSS);
    }

    #[test]
    fn tracking_approval_and_submission_follow_the_scopes() {
        let p = user(Role::Planner, &["E1"], &[]);
        assert!(may_track(&p, "E1") && !may_track(&p, "E2"));
        assert!(may_approve(&p, "E1") && !may_approve(&p, "E2"));
        assert!(may_submit(&p).is_err() && may_use_dashboard(&p).is_ok());
        assert_eq!(own_areas(&p), Some(&["E1".to_string()][..]));
        let a = user(Role::Analyst, &[], &[]);
        assert!(may_track(&a, "E2") && !may_approve(&a, "E2"));
        assert!(may_curate(&a) && may_administer(&a).is_err() && sees_national(&a));
        let e = user(Role::Employer, &[], &["N-1"]);
        assert!(may_submit_for(&e, "N-1") && !may_submit_for(&e, "N-2"));
        assert!(may_submit(&e).is_ok() && may_use_dashboard(&e).is_err());
        assert!(!may_track(&e, "E1") && !may_curate(&e));
        assert!(!may_submit_for(&a, "N-1"));
    }

    #[test]
    fn the_evidence_library_is_changed_by_curators_and_the_operator_only() {
        for role in [Role::Admin, Role::Analyst] {
            let u = user(role, &[], &[]);
            assert!(may_change_evidence(&Actor::from(&u)).is_ok());
            assert!(sees_evidence_staff_side(Some(&Actor::from(&u))));
        }
        for (role, areas, employers) in [
            (Role::Planner, &["E1"][..], &[][..]),
            (Role::Employer, &[][..], &["N-1"][..]),
        ] {
            let u = user(role, areas, employers);
            let denied = may_change_evidence(&Actor::from(&u)).unwrap_err();
            assert!(denied.0.contains("analysts and administrators"), "{denied}");
            assert!(!sees_evidence_staff_side(Some(&Actor::User(&u))));
        }
        assert!(may_change_evidence(&Actor::Operator).is_ok());
        assert!(sees_evidence_staff_side(Some(&Actor::Operator)));
        assert!(!sees_evidence_staff_side(None));
    }

    #[test]
    fn the_publication_is_read_by_everyone_and_made_by_the_operator() {
        for role in [Role::Admin, Role::Analyst, Role::Planner, Role::Employer] {
            let u = user(role, &["E1"], &["N-1"]);
            assert!(may_read_publication(Actor::User(&u)).is_ok());
            assert!(may_operate(Actor::User(&u)).is_err());
        }
        assert!(may_read_publication(Actor::Operator).is_ok());
    }

    #[test]
    fn administrators_cannot_lock_themselves_out() {
        let admin = user(Role::Admin, &[], &[]);
        assert!(may_set_account(&admin, 1, Role::Analyst, true).is_err());
        assert!(may_set_account(&admin, 1, Role::Admin, false).is_err());
        assert!(may_set_account(&admin, 1, Role::Admin, true).is_ok());
        assert!(may_set_account(&admin, 2, Role::Employer, false).is_ok());
        let analyst = user(Role::Analyst, &[], &[]);
        assert!(may_set_account(&analyst, 2, Role::Employer, true).is_err());
    }
}
