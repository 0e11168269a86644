//! The administrator's users: invitations, roles and their scopes (areas for planners,
//! employers for employer users).

use askama::Template;
use axum::extract::{Path, State};
use observatory_service::accounts::{self, NewAccount, Role, User};
use observatory_service::{ServiceError, policy};
use serde::Deserialize;
use std::sync::Arc;

use crate::auth::{Posted, Viewer};
use crate::error::PageError;
use crate::pages::{Layout, Message, PageResult, html, see_other};
use crate::state::AppState;

fn require_admin(v: &Viewer) -> Result<(), PageError> {
    Ok(policy::may_administer(&v.user)?)
}

fn role_choices(current: Option<Role>) -> Vec<(&'static str, &'static str, bool)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.label(), Some(*r) == current))
        .collect()
}

#[derive(Template)]
#[template(path = "users.html")]
struct Users {
    l: Layout,
    users: Vec<User>,
    roles: Vec<(&'static str, &'static str, bool)>,
    email: String,
    name: String,
    areas: String,
    employers: String,
    errors: Vec<(&'static str, String)>,
}

/// The users and the invitation form, with what was typed in it if it had errors.
async fn users_page(
    state: &AppState,
    v: &Viewer,
    typed: Option<&InviteForm>,
    errors: Vec<(&'static str, String)>,
) -> PageResult {
    let f = |pick: fn(&InviteForm) -> &String| typed.map(pick).cloned().unwrap_or_default();
    html(&Users {
        l: Layout::new(state, v, "Users", "/admin/users").erring(&errors),
        users: accounts::users(&state.db, &v.user).await?,
        roles: role_choices(typed.and_then(|t| Role::parse(&t.role).ok())),
        email: f(|t| &t.email),
        name: f(|t| &t.name),
        areas: f(|t| &t.areas),
        employers: f(|t| &t.employers),
        errors,
    })
}

pub async fn users(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    require_admin(&v)?;
    users_page(&state, &v, None, vec![]).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    areas: String,
    #[serde(default)]
    employers: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    reinvite: Option<String>,
}

/// The items of a comma-separated field (names may hold spaces).
/// Items typed one a line or separated by commas or semicolons.
pub(crate) fn list(s: &str) -> Vec<String> {
    s.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// A role with its areas and employers.
type Scoped = (Role, Vec<String>, Vec<String>);
/// A form field's id and what is wrong with it.
type FieldError = (&'static str, String);

/// Check a role and its scopes: planners need areas, employer users employers, and each
/// must be one the service knows (it names the nearest when not).
async fn role_and_scopes(
    state: &AppState,
    f: &InviteForm,
) -> Result<Result<Scoped, FieldError>, PageError> {
    let (role, areas, employers) = match role_and_needed_scopes(f) {
        Ok(x) => x,
        Err(e) => return Ok(Err(e)),
    };
    Ok(accounts::checked_scope(&state.db, &areas, &employers)
        .await?
        .map(|(a, e)| (role, a, e))
        .map_err(|p| (p.field, p.message)))
}

/// A role and the scopes it needs: planners need areas, employer users employers.
fn role_and_needed_scopes(f: &InviteForm) -> Result<Scoped, FieldError> {
    let role = Role::parse(&f.role).map_err(|_| ("role-admin", "Choose a role".to_string()))?;
    let (areas, employers) = (list(&f.areas), list(&f.employers));
    match role {
        Role::Planner | Role::Partner if areas.is_empty() => Err((
            "areas",
            if role == Role::Planner {
                "Enter the areas an area planner plans for"
            } else {
                "Enter the areas whose strategies a strategy partner works on"
            }
            .to_string(),
        )),
        Role::Employer if employers.is_empty() => Err((
            "employers",
            "Enter the employers an employer user returns for".to_string(),
        )),
        Role::Planner | Role::Partner => Ok((role, areas, vec![])),
        Role::Employer => Ok((role, vec![], employers)),
        _ => Ok((role, vec![], vec![])),
    }
}

/// An address worth sending an invitation to: one @ with something either side, a dot
/// in the domain and no spaces (whether it exists only the post can tell).
pub(crate) fn plausible_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// A one-time invitation link for a user (valid 7 days), on the configured public URL
/// (never the request's Host header, which anyone can set).
pub async fn invitation_link(
    state: &AppState,
    user_id: i64,
    admin: &User,
) -> Result<String, ServiceError> {
    let token = accounts::invite(&state.db, admin, user_id).await?;
    Ok(format!("{}/invitation/{token}", state.config.public_url))
}

pub async fn invite(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<InviteForm>,
) -> PageResult {
    require_admin(&v)?;
    let (role, areas, employers) = match role_and_scopes(&state, &f).await? {
        Ok(x) => x,
        Err(e) => return users_page(&state, &v, Some(&f), vec![e]).await,
    };
    if !plausible_email(&f.email) {
        return users_page(
            &state,
            &v,
            Some(&f),
            vec![(
                "email",
                "Enter an email address, like name@example.org".into(),
            )],
        )
        .await;
    }
    let account = NewAccount {
        email: &f.email,
        name: &f.name,
        role,
        areas: &areas,
        employers: &employers,
    };
    let id = match accounts::add_account(&state.db, (&v.user).into(), &account, None).await {
        Ok(id) => id,
        Err(ServiceError::Invalid(e)) => {
            return users_page(&state, &v, Some(&f), vec![("email", e)]).await;
        }
        Err(e) => return Err(e.into()),
    };
    let link = invitation_link(&state, id, &v.user).await?;
    html(&Message {
        l: Layout::new(&state, &v, "Invitation created", "/admin/users"),
        heading: "Invitation created".into(),
        paragraphs: vec![format!(
            "Send this link to {} (it works once, for 7 days).",
            f.email.trim()
        )],
        secret: link,
        next_href: "/admin/users".into(),
        next_label: "Back to users".into(),
    })
}

#[derive(Template)]
#[template(path = "user_edit.html")]
struct UserEdit {
    l: Layout,
    user: User,
    roles: Vec<(&'static str, &'static str, bool)>,
    areas: String,
    employers: String,
    active: bool,
    errors: Vec<(&'static str, String)>,
}

/// The edit page: the stored account, or what was typed when it had errors.
fn user_edit(
    state: &AppState,
    v: &Viewer,
    user: User,
    typed: Option<&InviteForm>,
    errors: Vec<(&'static str, String)>,
) -> PageResult {
    let (role, areas, employers, active) = match typed {
        Some(t) => (
            Role::parse(&t.role).ok(),
            t.areas.clone(),
            t.employers.clone(),
            t.active.is_some(),
        ),
        None => (
            Some(user.role),
            user.areas.join(", "),
            user.employers.join(", "),
            user.active,
        ),
    };
    html(&UserEdit {
        l: Layout::new(state, v, "Change a user", "/admin/users").erring(&errors),
        roles: role_choices(role),
        areas,
        employers,
        active,
        user,
        errors,
    })
}

pub async fn user_form(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult {
    let user = account(&state, &v, id).await?;
    user_edit(&state, &v, user, None, vec![])
}

/// The account an administrator is editing.
async fn account(state: &AppState, v: &Viewer, id: i64) -> Result<User, PageError> {
    require_admin(v)?;
    Ok(accounts::user(&state.db, &v.user, id).await?)
}

pub async fn update_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    Posted { viewer: v, form: f }: Posted<InviteForm>,
) -> PageResult {
    let user = account(&state, &v, id).await?;
    let (role, areas, employers) = match role_and_scopes(&state, &f).await? {
        Ok(x) => x,
        Err(e) => return user_edit(&state, &v, user, Some(&f), vec![e]),
    };
    let active = f.active.is_some();
    if let Err(denied) = policy::may_set_account(&v.user, id, role, active) {
        return user_edit(&state, &v, user, Some(&f), vec![("role-admin", denied.0)]);
    }
    accounts::set_account(&state.db, &v.user, id, role, &areas, &employers, active).await?;
    if f.reinvite.is_some() {
        let link = invitation_link(&state, id, &v.user).await?;
        return html(&Message {
            l: Layout::new(&state, &v, "Invitation created", "/admin/users"),
            heading: "Changes saved".into(),
            paragraphs: vec![format!(
                "A new invitation link for {} (it works once, for 7 days):",
                user.email
            )],
            secret: link,
            next_href: "/admin/users".into(),
            next_label: "Back to users".into(),
        });
    }
    Ok(see_other("/admin/users"))
}
