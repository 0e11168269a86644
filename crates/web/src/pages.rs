//! The page frame (layout and navigation) and the pages about one's own account: the
//! start page, signing in and out, passwords, API tokens and accepting an invitation.
//! The administrator's users are in `users.rs`, the returns tracker in `tracker.rs`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

use crate::auth::{
    self, MaybeViewer, PRE_CSRF_COOKIE, Posted, SESSION_COOKIE, SignInRefused, Viewer,
};
use crate::error::PageError;
use crate::state::AppState;
use observatory_service::{ServiceError, accounts, policy};

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
            threshold: observatory_domain::DEFAULT_SUPPRESSION_THRESHOLD,
        }
    }

    /// The same page showing form errors: its title starts "Error: " (GOV.UK's pattern,
    /// so that screen reader users hear it first).
    pub fn erring<T>(mut self, errors: &[T]) -> Layout {
        if !errors.is_empty() {
            self.title.insert_str(0, "Error: ");
        }
        self
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
        if policy::may_use_strategies(&v.user).is_ok() {
            add(
                "/strategies",
                "Strategies",
                "local workforce strategies and how their objectives stand",
            );
        }
        if policy::may_project(policy::Actor::from(&v.user)).is_ok() {
            add(
                "/projections",
                "Projections",
                "how the workforce may change, and what would close a gap",
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

pub use observatory_domain::uk_time;

/// A date typed in GOV.UK's date input (day, month, year), or what is wrong with it as
/// GOV.UK says it ("Due date must include a month", "must be a real date"). Nothing typed
/// is `None`, or "Enter the due date" when the date is required.
pub fn date_from_parts(
    label: &str,
    parts: &[String; 3],
    required: bool,
) -> Result<Option<chrono::NaiveDate>, String> {
    let missing: Vec<&str> = ["day", "month", "year"]
        .into_iter()
        .zip(parts)
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(n, _)| n)
        .collect();
    match missing.len() {
        3 if required => return Err(format!("Enter the {}", label.to_lowercase())),
        3 => return Ok(None),
        0 => {}
        _ => return Err(format!("{label} must include a {}", missing.join(" and "))),
    }
    if parts[2].trim().len() != 4 {
        return Err("Year must include 4 numbers".into());
    }
    let n: Vec<Option<u32>> = parts.iter().map(|p| p.trim().parse().ok()).collect();
    match (n[0], n[1], n[2]) {
        (Some(d), Some(m), Some(y)) => chrono::NaiveDate::from_ymd_opt(y as i32, m, d)
            .map(Some)
            .ok_or_else(|| format!("{label} must be a real date")),
        _ => Err(format!("{label} must be a real date")),
    }
}

/// A stored date ("2025-11-01") as people read it ("1 November 2025"); anything else as
/// given.
pub fn long_date_of(stored: &str) -> String {
    chrono::NaiveDate::parse_from_str(stored.trim(), "%Y-%m-%d")
        .map(observatory_domain::long_date)
        .unwrap_or_else(|_| stored.to_string())
}

pub fn html(t: &impl Template) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

pub fn see_other(to: &str) -> Response {
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
        l: Layout::plain("Sign in").erring(&[()]),
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
    accounts::end_session(&state.db, &v.session_hash).await?;
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
    let errors = accounts::change_password(
        &state.db,
        &v.user,
        &v.session_hash,
        &f.current,
        &f.password,
        &f.confirm,
    )
    .await?;
    if !errors.is_empty() {
        return html(&PasswordPage {
            l: Layout::new(&state, &v, "Change your password", "/account/password").erring(&errors),
            heading: "Change your password".into(),
            action: "/account/password".into(),
            ask_current: true,
            errors,
        });
    }
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
    let tokens = accounts::api_tokens(&state.db, &v.user)
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
    let name = if f.name.trim().is_empty() {
        "API token"
    } else {
        f.name.trim()
    };
    let token = accounts::create_api_token(&state.db, &v.user, name).await?;
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
    accounts::revoke_api_token(&state.db, &v.user, f.id).await?;
    Ok(see_other("/account/tokens"))
}

fn invitation_page(token: &str, csrf: &str, errors: Vec<(&'static str, String)>) -> PageResult {
    let mut l = Layout::plain("Choose your password").erring(&errors);
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
    if !accounts::invitation_is_live(&state.db, &token).await? {
        return Err(PageError::Status(
            StatusCode::NOT_FOUND,
            accounts::INVITATION_GONE.into(),
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
    match accounts::accept_invitation(&state.db, &token, &f.password, &f.confirm).await {
        Ok(()) => {}
        Err(ServiceError::Invalid(e)) => {
            return invitation_page(&token, &f.csrf, vec![("password", e)]);
        }
        Err(e) => return Err(e.into()),
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
