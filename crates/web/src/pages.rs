//! The pages about people and returns: the start page, signing in and out, passwords,
//! API tokens, the administrator's users and invitations, and the area's returns
//! tracker with its approval workflow.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use observatory_store::accounts::{NewUser, Role, User};
use serde::Deserialize;
use std::sync::Arc;

use crate::auth::{
    self, MaybeViewer, PRE_CSRF_COOKIE, Posted, SESSION_COOKIE, SignInRefused, Viewer,
};
use crate::error::PageError;
use crate::state::AppState;
use observatory_service::policy;

pub type PageResult = Result<Response, PageError>;

/// One link of the service navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub current: bool,
}

/// What the page frame needs: title, navigation, who is signed in, the CSRF token.
pub struct Layout {
    pub title: String,
    pub nav: Vec<NavItem>,
    pub who: String,
    pub csrf: String,
    pub threshold: u64,
}

impl Layout {
    /// A page for someone not signed in.
    pub fn plain(title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            nav: Vec::new(),
            who: String::new(),
            csrf: String::new(),
            threshold: observatory_analysis::DEFAULT_SUPPRESSION_THRESHOLD,
        }
    }

    /// A page for a signed-in user; `current` is the path of the navigation item to mark.
    pub fn new(state: &AppState, v: &Viewer, title: &str, current: &str) -> Layout {
        let mut nav = Vec::new();
        let mut add = |href, label, hint| {
            nav.push(NavItem {
                href,
                label,
                hint,
                current: href == current,
            })
        };
        if policy::may_submit(&v.user).is_ok() {
            add(
                "/submit",
                "Submit a return",
                "send your census return, see what to fix, and your history",
            );
            add(
                "/employer",
                "Your figures",
                "your organisation against its area",
            );
        }
        if policy::may_use_dashboard(&v.user).is_ok() {
            add(
                "/dashboard",
                "Dashboard",
                "the workforce of an area, or of the country",
            );
            add(
                "/tracker",
                "Returns",
                "who has returned, who has not, approvals",
            );
        }
        add(
            "/explorer",
            "Explorer",
            "any measure, broken down and filtered",
        );
        add(
            "/evidence",
            "Evidence",
            "research, the research register, gaps and calls for evidence",
        );
        if policy::may_administer(&v.user).is_ok() {
            add("/admin/users", "Users", "invite people and set their roles");
        }
        add(
            "/account/password",
            "Your account",
            "change your password, API tokens",
        );
        Layout {
            title: title.to_string(),
            nav,
            who: format!("{} ({})", v.user.email, v.user.role.label()),
            csrf: v.csrf.clone(),
            threshold: state.config.threshold,
        }
    }
}

pub fn html(t: &impl Template) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    l: Layout,
}

pub async fn home(State(state): State<Arc<AppState>>, MaybeViewer(v): MaybeViewer) -> PageResult {
    let Some(v) = v else {
        return Ok(see_other("/sign-in"));
    };
    html(&Home {
        l: Layout::new(&state, &v, "Home", ""),
    })
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignIn {
    l: Layout,
    csrf: String,
    email: String,
    errors: Vec<(&'static str, String)>,
}

/// The pre-session CSRF token: the request's cookie if it has one, else a new one.
pub fn pre_csrf(headers: &HeaderMap) -> (String, bool) {
    match auth::cookie(headers, PRE_CSRF_COOKIE) {
        Some(t) if t.len() == 64 => (t, false),
        _ => (auth::random_token(), true),
    }
}

pub fn with_pre_csrf(state: &AppState, page: PageResult, token: &str, set: bool) -> PageResult {
    let mut res = page?;
    if set {
        res.headers_mut().append(
            header::SET_COOKIE,
            auth::set_cookie(
                PRE_CSRF_COOKIE,
                token,
                3600 * 24,
                state.config.secure_cookies,
            ),
        );
    }
    Ok(res)
}

pub async fn sign_in_form(State(state): State<Arc<AppState>>, headers: HeaderMap) -> PageResult {
    let (csrf, set) = pre_csrf(&headers);
    let page = html(&SignIn {
        l: Layout::plain("Sign in"),
        csrf: csrf.clone(),
        email: String::new(),
        errors: vec![],
    });
    with_pre_csrf(&state, page, &csrf, set)
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Check a pre-session form's token against its cookie.
pub fn check_pre_csrf(headers: &HeaderMap, token: &str) -> Result<(), PageError> {
    match auth::cookie(headers, PRE_CSRF_COOKIE) {
        Some(c) if auth::same_secret(&c, token) => Ok(()),
        _ => Err(PageError::forbidden(
            "This form has expired or did not come from this service. Go back, reload the page and try again.",
        )),
    }
}

pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    client: auth::ClientIp,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> PageResult {
    check_pre_csrf(&headers, &f.csrf)?;
    let refused = match auth::sign_in(&state, &f.email, &f.password, client).await? {
        Ok(user) => {
            let cookie = auth::start_session(&state, user.id).await?;
            let mut res = see_other("/");
            res.headers_mut().append(header::SET_COOKIE, cookie);
            return Ok(res);
        }
        Err(r) => r,
    };
    let msg = match refused {
        SignInRefused::Wrong => "Enter a correct email address and password".to_string(),
        SignInRefused::Locked { minutes } => format!(
            "There have been too many failed attempts to sign in to this account from here. Try again in {minutes} minutes"
        ),
        SignInRefused::Throttled { minutes } => format!(
            "There have been too many failed attempts to sign in from here. Try again in {minutes} minutes"
        ),
    };
    let mut res = html(&SignIn {
        l: Layout::plain("Sign in"),
        csrf: f.csrf,
        email: f.email,
        errors: vec![("email", msg)],
    })?;
    *res.status_mut() = StatusCode::UNAUTHORIZED;
    Ok(res)
}

/// A form of nothing but its CSRF token (which [`Posted`] checks): sign-out.
#[derive(Deserialize)]
pub struct CsrfForm {}

pub async fn sign_out(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, .. }: Posted<CsrfForm>,
) -> PageResult {
    state.store.delete_session(&v.session_hash).await?;
    let mut res = see_other("/sign-in");
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: Layout,
    heading: String,
    action: String,
    ask_current: bool,
    errors: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct Message {
    pub l: Layout,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub secret: String,
    pub next_href: String,
    pub next_label: String,
}

pub async fn password_form(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    html(&PasswordPage {
        l: Layout::new(&state, &v, "Change your password", "/account/password"),
        heading: "Change your password".into(),
        action: "/account/password".into(),
        ask_current: true,
        errors: vec![],
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<PasswordForm>,
) -> PageResult {
    let mut errors = vec![];
    let creds = state.store.user_by_email(&v.user.email).await?;
    let current_ok = match creds.and_then(|c| c.password_hash) {
        Some(h) => auth::verify_password(f.current.clone(), h).await,
        None => false,
    };
    if !current_ok {
        errors.push(("current", "Your current password is not right".to_string()));
    }
    if let Err(e) = auth::check_new_password(&f.password, &f.confirm) {
        errors.push(("password", e));
    }
    if !errors.is_empty() {
        return html(&PasswordPage {
            l: Layout::new(&state, &v, "Change your password", "/account/password"),
            heading: "Change your password".into(),
            action: "/account/password".into(),
            ask_current: true,
            errors,
        });
    }
    let hash = auth::hash_password(f.password).await?;
    state.store.set_password(v.user.id, &hash).await?;
    state
        .store
        .delete_other_sessions(v.user.id, &v.session_hash)
        .await?;
    html(&Message {
        l: Layout::new(&state, &v, "Password changed", "/account/password"),
        heading: "Your password has been changed".into(),
        paragraphs: vec!["You have been signed out everywhere else.".into()],
        secret: String::new(),
        next_href: "/".into(),
        next_label: "Continue".into(),
    })
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub revoked: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct Tokens {
    l: Layout,
    tokens: Vec<TokenRow>,
    new_token: String,
}

async fn tokens_page(state: &AppState, v: &Viewer, new_token: String) -> PageResult {
    let tokens = state
        .store
        .api_tokens(v.user.id)
        .await?
        .into_iter()
        .map(|(id, name, created, revoked)| TokenRow {
            id,
            name,
            created,
            revoked: revoked.unwrap_or_default(),
        })
        .collect();
    html(&Tokens {
        l: Layout::new(state, v, "API tokens", "/account/password"),
        tokens,
        new_token,
    })
}

pub async fn tokens(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    tokens_page(&state, &v, String::new()).await
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<NameForm>,
) -> PageResult {
    let token = auth::random_token();
    let name = if f.name.trim().is_empty() {
        "API token"
    } else {
        f.name.trim()
    };
    state
        .store
        .create_api_token(v.user.id, name, &auth::token_hash(&token))
        .await?;
    tokens_page(&state, &v, token).await
}

#[derive(Deserialize)]
pub struct IdForm {
    id: i64,
}

pub async fn revoke_token(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<IdForm>,
) -> PageResult {
    state.store.revoke_api_token(v.user.id, f.id).await?;
    Ok(see_other("/account/tokens"))
}

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
    areas: String,
    employers: String,
    errors: Vec<(&'static str, String)>,
}

async fn users_page(
    state: &AppState,
    v: &Viewer,
    errors: Vec<(&'static str, String)>,
) -> PageResult {
    html(&Users {
        l: Layout::new(state, v, "Users", "/admin/users"),
        users: state.store.users().await?,
        roles: role_choices(None),
        areas: String::new(),
        employers: String::new(),
        errors,
    })
}

pub async fn users(State(state): State<Arc<AppState>>, v: Viewer) -> PageResult {
    require_admin(&v)?;
    users_page(&state, &v, vec![]).await
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

fn list(s: &str) -> Vec<String> {
    s.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// A role with its areas and employers.
type Scoped = (Role, Vec<String>, Vec<String>);
/// A form field's id and what is wrong with it.
type FieldError = (&'static str, String);

/// Check a role and its scopes: planners need areas, employer users employers.
fn role_and_scopes(f: &InviteForm) -> Result<Scoped, FieldError> {
    let role = Role::parse(&f.role).map_err(|_| ("role-admin", "Choose a role".to_string()))?;
    let (areas, employers) = (list(&f.areas), list(&f.employers));
    match role {
        Role::Planner if areas.is_empty() => Err((
            "areas",
            "Enter the areas an area planner plans for".to_string(),
        )),
        Role::Employer if employers.is_empty() => Err((
            "employers",
            "Enter the employers an employer user returns for".to_string(),
        )),
        Role::Planner => Ok((role, areas, vec![])),
        Role::Employer => Ok((role, vec![], employers)),
        _ => Ok((role, vec![], vec![])),
    }
}

/// A one-time invitation link for a user (valid 7 days), on the configured public URL
/// (never the request's Host header, which anyone can set).
pub async fn invitation_link(state: &AppState, user_id: i64, by: &str) -> anyhow::Result<String> {
    let token = auth::random_token();
    let expires = (chrono::Utc::now() + chrono::Duration::days(7))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    state
        .store
        .create_invitation(user_id, &auth::token_hash(&token), by, &expires)
        .await?;
    Ok(format!("{}/invitation/{token}", state.config.public_url))
}

pub async fn invite(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<InviteForm>,
) -> PageResult {
    require_admin(&v)?;
    let (role, areas, employers) = match role_and_scopes(&f) {
        Ok(x) => x,
        Err(e) => return users_page(&state, &v, vec![e]).await,
    };
    if !f.email.contains('@') {
        return users_page(
            &state,
            &v,
            vec![(
                "email",
                "Enter an email address, like name@example.org".into(),
            )],
        )
        .await;
    }
    let id = match state
        .store
        .create_user(&NewUser {
            email: &f.email,
            name: &f.name,
            role,
            password_hash: None,
            areas: &areas,
            employers: &employers,
        })
        .await
    {
        Ok(id) => id,
        Err(e) => return users_page(&state, &v, vec![("email", format!("{e}"))]).await,
    };
    let link = invitation_link(&state, id, &v.user.email).await?;
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
    errors: Vec<(&'static str, String)>,
}

fn user_edit(
    state: &AppState,
    v: &Viewer,
    user: User,
    errors: Vec<(&'static str, String)>,
) -> PageResult {
    html(&UserEdit {
        l: Layout::new(state, v, "Change a user", "/admin/users"),
        roles: role_choices(Some(user.role)),
        areas: user.areas.join(", "),
        employers: user.employers.join(", "),
        user,
        errors,
    })
}

pub async fn user_form(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Path(id): Path<i64>,
) -> PageResult {
    require_admin(&v)?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    user_edit(&state, &v, user, vec![])
}

pub async fn update_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    Posted { viewer: v, form: f }: Posted<InviteForm>,
) -> PageResult {
    require_admin(&v)?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let (role, areas, employers) = match role_and_scopes(&f) {
        Ok(x) => x,
        Err(e) => return user_edit(&state, &v, user, vec![e]),
    };
    let active = f.active.is_some();
    if id == v.user.id && (!active || role != Role::Admin) {
        return user_edit(
            &state,
            &v,
            user,
            vec![(
                "role-admin",
                "You cannot remove your own administrator role or deactivate yourself".into(),
            )],
        );
    }
    state.store.set_role(id, role, &areas, &employers).await?;
    state.store.set_active(id, active).await?;
    if f.reinvite.is_some() {
        let link = invitation_link(&state, id, &v.user.email).await?;
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

fn invitation_page(token: &str, csrf: &str, errors: Vec<(&'static str, String)>) -> PageResult {
    let mut l = Layout::plain("Choose your password");
    l.csrf = csrf.to_string();
    html(&PasswordPage {
        l,
        heading: "Choose your password".into(),
        action: format!("/invitation/{token}"),
        ask_current: false,
        errors,
    })
}

pub async fn invitation_form(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> PageResult {
    if state
        .store
        .invitation(&auth::token_hash(&token))
        .await?
        .is_none()
    {
        return Err(PageError::Status(
            StatusCode::NOT_FOUND,
            "This invitation link has been used or has expired. Ask the service administrator for a new one.".into(),
        ));
    }
    let (csrf, set) = pre_csrf(&headers);
    with_pre_csrf(&state, invitation_page(&token, &csrf, vec![]), &csrf, set)
}

pub async fn accept_invitation(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    check_pre_csrf(&headers, &f.csrf)?;
    if let Err(e) = auth::check_new_password(&f.password, &f.confirm) {
        return invitation_page(&token, &f.csrf, vec![("password", e)]);
    }
    let hash = auth::hash_password(f.password).await?;
    if !state
        .store
        .accept_invitation(&auth::token_hash(&token), &hash)
        .await?
    {
        return Err(PageError::Status(
            StatusCode::NOT_FOUND,
            "This invitation link has been used or has expired. Ask the service administrator for a new one.".into(),
        ));
    }
    html(&Message {
        l: Layout::plain("Password set"),
        heading: "Your password is set".into(),
        paragraphs: vec!["You can now sign in with your email address and this password.".into()],
        secret: String::new(),
        next_href: "/sign-in".into(),
        next_label: "Sign in".into(),
    })
}

// ---- the returns tracker -------------------------------------------------------------

pub struct TrackerRow {
    pub id: String,
    pub name: String,
    pub expected: bool,
    pub returned: bool,
    pub submitted: String,
    pub posts: String,
    pub warnings: String,
    pub approved: bool,
    pub approved_by: String,
}

#[derive(Template)]
#[template(path = "tracker.html")]
struct Tracker {
    l: Layout,
    census_date: String,
    area: String,
    dates: Vec<String>,
    areas: Vec<String>,
    expected: usize,
    returned_expected: usize,
    missing: usize,
    response_rate: String,
    with_warnings: usize,
    approved: usize,
    can_approve: bool,
    rows: Vec<TrackerRow>,
}

#[derive(Deserialize)]
pub struct TrackerQuery {
    census_date: Option<String>,
    area: Option<String>,
}

/// The areas a user can choose from: their own, or every area with employers.
pub async fn visible_areas(state: &AppState, user: &User) -> anyhow::Result<Vec<String>> {
    Ok(match policy::own_areas(user) {
        Some(areas) => areas.to_vec(),
        None => state.store.areas().await?,
    })
}

/// The census date asked for, or the latest with returns.
pub async fn chosen_date(
    state: &AppState,
    asked: Option<&str>,
) -> Result<(NaiveDate, Vec<NaiveDate>), PageError> {
    Ok(state.answers.chosen_date(&state.store, asked).await?)
}

pub async fn tracker(
    State(state): State<Arc<AppState>>,
    v: Viewer,
    Query(q): Query<TrackerQuery>,
) -> PageResult {
    let areas = visible_areas(&state, &v.user).await?;
    let area = q
        .area
        .filter(|a| !a.is_empty())
        .or_else(|| areas.first().cloned())
        .ok_or_else(|| {
            PageError::forbidden("The returns tracker is for area planners and national analysts.")
        })?;
    if !policy::may_track(&v.user, &area) {
        return Err(PageError::forbidden(format!(
            "You cannot see the returns of area {area}."
        )));
    }
    let (date, dates) = match chosen_date(&state, q.census_date.as_deref()).await {
        Ok(d) => d,
        // Before the first return: an empty tracker, not an error.
        Err(_) if q.census_date.is_none() && state.store.census_dates().await?.is_empty() => {
            (chrono::Utc::now().date_naive(), vec![])
        }
        Err(e) => return Err(e),
    };
    let list = state.store.returns_status(date, Some(&area)).await?;
    let approvals = state.store.approvals(date).await?;
    let expected = list.iter().filter(|r| r.expected).count();
    let returned_expected = list.iter().filter(|r| r.expected && r.returned).count();
    let rows: Vec<TrackerRow> = list
        .iter()
        .map(|r| {
            let a = approvals.get(&r.employer_id);
            TrackerRow {
                id: r.employer_id.clone(),
                name: r
                    .employer_name
                    .clone()
                    .unwrap_or_else(|| r.employer_id.clone()),
                expected: r.expected,
                returned: r.returned,
                submitted: r.submitted_at.clone().unwrap_or_default(),
                posts: r.posts.map(|p| p.to_string()).unwrap_or_default(),
                warnings: r.warnings.map(|p| p.to_string()).unwrap_or_default(),
                approved: a.is_some(),
                approved_by: a.map(|a| a.approved_by.clone()).unwrap_or_default(),
            }
        })
        .collect();
    html(&Tracker {
        l: Layout::new(&state, &v, "Returns", "/tracker"),
        census_date: date.to_string(),
        area: area.clone(),
        dates: dates.iter().rev().map(|d| d.to_string()).collect(),
        areas,
        expected,
        returned_expected,
        missing: list.iter().filter(|r| !r.returned).count(),
        response_rate: if expected > 0 {
            format!("{:.1}%", 100.0 * returned_expected as f64 / expected as f64)
        } else {
            "no employers expected".into()
        },
        with_warnings: list.iter().filter(|r| r.warnings.unwrap_or(0) > 0).count(),
        approved: rows.iter().filter(|r| r.approved).count(),
        can_approve: policy::may_approve(&v.user, &area),
        rows,
    })
}

#[derive(Deserialize)]
pub struct ApprovalForm {
    employer: String,
    census_date: String,
}

/// Approve or reopen one return, as an area planner of its area.
pub async fn set_approval(
    state: &AppState,
    user: &User,
    employer: &str,
    census_date: &str,
    approve: bool,
) -> Result<(NaiveDate, String), PageError> {
    let date = observatory_service::parse_date(census_date).map_err(PageError::bad)?;
    let area = state.store.employer_area(employer).await?.ok_or_else(|| {
        PageError::Status(
            StatusCode::NOT_FOUND,
            format!("There is no employer {employer}."),
        )
    })?;
    if !policy::may_approve(user, &area) {
        return Err(PageError::forbidden(format!(
            "Only area planners of {area} can approve or reopen the returns of employer {employer}."
        )));
    }
    let done = if approve {
        state
            .store
            .approve_return(employer, date, &user.email)
            .await?
    } else {
        state
            .store
            .reopen_return(employer, date, &user.email)
            .await?
    };
    if !done {
        return Err(PageError::bad(if approve {
            format!("Employer {employer} has no return for census {date} to approve.")
        } else {
            format!(
                "The return of employer {employer} for census {date} is not approved, so there is nothing to reopen."
            )
        }));
    }
    Ok((date, area))
}

async fn approval(state: Arc<AppState>, v: Viewer, f: ApprovalForm, approve: bool) -> PageResult {
    let (date, area) = set_approval(&state, &v.user, &f.employer, &f.census_date, approve).await?;
    Ok(see_other(&format!(
        "/tracker?census_date={date}&area={area}"
    )))
}

pub async fn approve(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<ApprovalForm>,
) -> PageResult {
    approval(state, v, f, true).await
}

pub async fn reopen(
    State(state): State<Arc<AppState>>,
    Posted { viewer: v, form: f }: Posted<ApprovalForm>,
) -> PageResult {
    approval(state, v, f, false).await
}
