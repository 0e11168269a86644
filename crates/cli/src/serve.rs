//! `observatory serve` (the web app and API) and `observatory users` (accounts from the
//! command line, e.g. the first administrator); `demo` ends here too, with demo accounts
//! and the web app serving the demo area.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use observatory_service::accounts::{self, NewAccount, Role};
use observatory_service::{Actor, Database};
use observatory_web::{AppState, Config};
use std::sync::Arc;

use crate::Cli;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  observatory serve\n  observatory --db postgres://observatory@db/census serve --addr 0.0.0.0:8080\n\nCreate the first administrator with `observatory users add --email you@example.org --role admin`."
)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Disclosure threshold for figures across organisations (never below 3).
    #[arg(long, default_value_t = observatory_domain::DEFAULT_SUPPRESSION_THRESHOLD)]
    pub threshold: u64,
    /// Largest return file accepted, in megabytes.
    #[arg(long, default_value_t = 50)]
    pub max_upload_mb: u64,
    /// Where people reach the service, e.g. https://observatory.example.org: the base of
    /// invitation and feed links (never the request's Host header). Default:
    /// http://ADDR, the address listened on.
    #[arg(long, env = "OBSERVATORY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Behind a reverse proxy: the header in which it passes the client's address (e.g.
    /// X-Forwarded-For; the last address in it is taken), for sign-in throttling. Only
    /// set it if every request comes through that proxy; by default the connection's
    /// address is used and no header is believed.
    #[arg(long, env = "OBSERVATORY_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    /// Where uploaded returns are kept while they are checked (made mode 0700; emptied
    /// at start). Default: beside the SQLite database (DB.uploads), or
    /// observatory-uploads beside the key file for PostgreSQL.
    #[arg(long, env = "OBSERVATORY_UPLOAD_DIR")]
    pub upload_dir: Option<std::path::PathBuf>,
}

impl ServeArgs {
    fn config(&self, cli: &Cli, listening: std::net::SocketAddr) -> Result<Config> {
        observatory_service::query::check_threshold(self.threshold)?;
        let mut c = Config::new(cli.key_path());
        c.threshold = self.threshold;
        c.max_upload_mb = self.max_upload_mb;
        c.public_url = match &self.public_url {
            Some(u) => observatory_web::state::public_url(u)?,
            None => format!("http://{listening}"),
        };
        c.client_ip_header = self
            .client_ip_header
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| h.to_ascii_lowercase());
        c.upload_dir = self.upload_dir.clone();
        Ok(c)
    }
}

/// Serve until stopped (Ctrl-C).
pub async fn serve(cli: &Cli, db: Database, a: &ServeArgs) -> Result<i32> {
    let listener = tokio::net::TcpListener::bind(&a.addr)
        .await
        .with_context(|| format!("cannot listen on {} (is something else using it?)", a.addr))?;
    let config = a.config(cli, listener.local_addr()?)?;
    println!(
        "The web app is at http://{}/ (stop it with Ctrl-C); links it hands out start {}/",
        listener.local_addr()?,
        config.public_url
    );
    let state = Arc::new(AppState::new(db, config));
    observatory_web::serve_on(listener, state).await?;
    Ok(0)
}

pub async fn run(cli: &Cli, a: &ServeArgs) -> Result<i32> {
    serve(cli, cli.database().await?, a).await
}

#[derive(Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    pub command: UsersCommand,
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create an account with a random password (printed once).
    #[command(
        after_help = "Examples:\n  observatory users add --email admin@example.org --role admin\n  observatory users add --email planner@example.org --role planner --area E06000056\n  observatory users add --email hr@nursery.example --role employer --employer N-204"
    )]
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        /// admin, analyst, planner or employer.
        #[arg(long)]
        role: String,
        /// An area an area planner plans for (repeat for more).
        #[arg(long)]
        area: Vec<String>,
        /// An employer an employer user returns for (repeat for more).
        #[arg(long)]
        employer: Vec<String>,
    },
    /// List the accounts.
    List,
}

pub async fn users(cli: &Cli, a: &UsersArgs) -> Result<i32> {
    let db = cli.database().await?;
    match &a.command {
        UsersCommand::Add {
            email,
            name,
            role,
            area,
            employer,
        } => {
            let role = Role::parse(role)?;
            let account = NewAccount {
                email,
                name,
                role,
                areas: area,
                employers: employer,
            };
            let pw = accounts::add_with_password(&db, Actor::Operator, &account).await?;
            println!(
                "Created {} ({}). Password (shown once; change it after signing in): {pw}",
                email.trim().to_lowercase(),
                role.label()
            );
        }
        UsersCommand::List => {
            for u in accounts::all(&db, Actor::Operator).await? {
                let scope = [u.areas.join(","), u.employers.join(",")].concat();
                println!(
                    "{}\t{}\t{}\t{}",
                    u.email,
                    u.role.as_str(),
                    scope,
                    if u.active { "active" } else { "deactivated" }
                );
            }
        }
    }
    Ok(0)
}

/// The end of `demo`: one account per role on the demo area, each printed with what it
/// may see and its password when it has a new one (random; shown only now), then the
/// web app on `addr`.
pub async fn demo_accounts_and_serve(
    cli: &Cli,
    db: Database,
    addr: &str,
    area: &str,
    (employer, employer_name): (String, Option<String>),
    renew: bool,
) -> Result<()> {
    let codes = observatory_domain::codes();
    let area_name = format!("{} ({area})", codes.area_name(area));
    let employer_label = format!(
        "{} ({employer}) in {}",
        employer_name.as_deref().unwrap_or("the demo employer"),
        codes.area_name(area)
    );
    let demo = [
        (
            "admin@demo.example",
            Role::Admin,
            vec![],
            vec![],
            "manages accounts; sees every area".to_string(),
        ),
        (
            "analyst@demo.example",
            Role::Analyst,
            vec![],
            vec![],
            "sees every area; curates the evidence library".to_string(),
        ),
        (
            "planner@demo.example",
            Role::Planner,
            vec![area.to_string()],
            vec![],
            format!("sees and approves the returns of {area_name}"),
        ),
        (
            "employer@demo.example",
            Role::Employer,
            vec![],
            vec![employer.clone()],
            format!("submits returns for {employer_label}"),
        ),
        (
            "partner@demo.example",
            Role::Partner,
            vec![area.to_string()],
            vec![],
            format!("reads the strategy of {area_name}; updates the actions they own"),
        ),
    ];
    println!("\nDemo accounts:");
    let mut kept = false;
    for (email, role, areas, employers, sees) in demo {
        let account = NewAccount {
            email,
            name: "",
            role,
            areas: &areas,
            employers: &employers,
        };
        let pw = accounts::add_or_renew(&db, Actor::Operator, &account, renew).await?;
        kept |= pw.is_none();
        println!(
            "  {email:<24} {:<18} {:<21} {sees}",
            role.label(),
            pw.as_deref().unwrap_or("(password kept)")
        );
    }
    if kept {
        println!(
            "Passwords are shown only when they are set. For new ones: observatory --db {} demo --new-passwords",
            cli.db
        );
    }
    let args = ServeArgs {
        addr: addr.to_string(),
        threshold: observatory_domain::DEFAULT_SUPPRESSION_THRESHOLD,
        max_upload_mb: 50,
        public_url: None,
        client_ip_header: None,
        upload_dir: None,
    };
    serve(cli, db, &args).await?;
    Ok(())
}
