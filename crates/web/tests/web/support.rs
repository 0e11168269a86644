//! A running server with a throw-away database, seeded accounts and small returns, and
//! a plain HTTP client that keeps its own session cookie and CSRF token.

use observatory_census::ReturnMeta;
use observatory_service::{Job, ReadContext, store_one};
use observatory_store::accounts::{NewUser, Role};
use observatory_store::testing::PgDb;
use observatory_store::{Location, Store};
use observatory_web::{AppState, Config, auth};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const CENSUS: &str = "2025-11-01";
pub const PASSWORD: &str = "correct horse battery staple";
/// Area A1 holds employer E1 (and E3), area A2 employer E2.
pub const A1: &str = "E06000001";
pub const A2: &str = "E06000002";

pub struct Server {
    pub base: String,
    pub state: Arc<AppState>,
    /// The database below the service, for setting up and inspecting.
    pub store: Store,
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database, dropped with the server.
    pg: Option<PgDb>,
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Start a server on 127.0.0.1:0 with the accounts of every role and, if `data`, a
/// small return from each of E1, E2 and E3.
pub async fn start(backend: Backend, data: bool, tweak: impl FnOnce(&mut Config)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let (location, pg) = match backend {
        Backend::Sqlite => (Location::Sqlite(dir.path().join("web.db")), None),
        Backend::Postgres => {
            let pg = PgDb::create("obs_web");
            (pg.location(), Some(pg))
        }
    };
    let store = Store::open(&location, true).await.unwrap();
    let key = dir.path().join("person.key");
    observatory_store::secret::create(&key).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = Config::new(key);
    config.public_url = base.clone();
    tweak(&mut config);
    let state = Arc::new(AppState::new(store.clone().into(), config));
    let users: [(&str, Role, &[&str], &[&str]); 5] = [
        ("admin@t.example", Role::Admin, &[], &[]),
        ("analyst@t.example", Role::Analyst, &[], &[]),
        ("planner@t.example", Role::Planner, &[A1], &[]),
        ("employer@t.example", Role::Employer, &[], &["E1"]),
        ("other@t.example", Role::Employer, &[], &["E2"]),
    ];
    let server = Server {
        base,
        state: state.clone(),
        store,
        dir,
        pg,
    };
    for (email, role, areas, employers) in users {
        server.add_user(email, role, areas, employers).await;
    }
    if data {
        for (e, area, n) in [("E1", A1, 12), ("E2", A2, 9), ("E3", A1, 7)] {
            let zip = return_zip(server.dir.path(), &format!("{e}-seed"), area, n, false);
            server.import(e, &zip).await;
        }
    }
    tokio::spawn(observatory_web::serve_on(listener, state));
    server
}

impl Server {
    /// An account with the test password, its areas and employers.
    pub async fn add_user(&self, email: &str, role: Role, areas: &[&str], employers: &[&str]) {
        let hash = auth::hash_password(PASSWORD.into()).await.unwrap();
        let areas: Vec<String> = areas.iter().map(|s| s.to_string()).collect();
        let employers: Vec<String> = employers.iter().map(|s| s.to_string()).collect();
        self.store
            .create_user(&NewUser {
                email,
                name: email,
                role,
                password_hash: Some(&hash),
                areas: &areas,
                employers: &employers,
            })
            .await
            .unwrap();
    }

    /// Import a return the way the command line does (for setting up).
    pub async fn import(&self, employer: &str, path: &Path) {
        self.import_at(employer, path, CENSUS).await
    }

    /// Import a return for another census date.
    pub async fn import_at(&self, employer: &str, path: &Path, census_date: &str) {
        let ctx = ReadContext::load(&self.state.config.key_path, &self.state.db, None, 10)
            .await
            .unwrap();
        let job = Job {
            meta: ReturnMeta {
                employer_id: employer.into(),
                employer_name: Some(format!("Employer {employer}")),
                census_date: census_date.parse().unwrap(),
            },
            path: path.to_path_buf(),
        };
        let mut outcome = ctx.read(&job);
        assert!(
            outcome.data.is_some(),
            "{:?}",
            outcome.report.errors().collect::<Vec<_>>()
        );
        store_one(&self.state.db, &job, &mut outcome, false, "test")
            .await
            .unwrap();
    }

    /// Generate a synthetic census (the same people across census years) and import every
    /// return of it the way the command line does; the posts imported.
    pub async fn import_generated(&self, opts: &observatory_synth::GenerateOptions) -> usize {
        let data = self.dir.path().join("generated");
        let summary = observatory_synth::generate(opts, &data, &|_| {}).unwrap();
        let ctx = ReadContext::load(&self.state.config.key_path, &self.state.db, None, 200)
            .await
            .unwrap();
        let mut posts = 0;
        for rec in csv::Reader::from_path(&summary.manifest).unwrap().records() {
            let f = rec.unwrap();
            let job = Job {
                meta: ReturnMeta {
                    employer_id: f[0].into(),
                    employer_name: Some(f[1].into()),
                    census_date: f[2].parse().unwrap(),
                },
                path: data.join(&f[3]),
            };
            let mut outcome = ctx.read(&job);
            posts += outcome.data.as_ref().map_or(0, |d| d.workers.len());
            store_one(&self.state.db, &job, &mut outcome, false, "test")
                .await
                .unwrap();
        }
        posts
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client signed in as `email`.
    pub async fn client(&self, email: &str) -> Client {
        let mut c = Client::new(self);
        let res = c.sign_in(email, PASSWORD).await;
        assert_eq!(
            res.status(),
            303,
            "sign-in of {email}: {}",
            res.text().await.unwrap()
        );
        c
    }

    /// A new API token of `email` (created through the page, as a person would).
    pub async fn token(&self, email: &str) -> String {
        let c = self.client(email).await;
        let html = c
            .post_form("/account/tokens", &[("name", "test")])
            .await
            .text()
            .await
            .unwrap();
        between(&html, "<code id=\"new-token\">", "</code>").to_string()
    }
}

/// The `name=value` of the first cookie a response sets.
pub fn first_cookie(res: &reqwest::Response) -> String {
    res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// A page's title.
pub fn title(html: &str) -> &str {
    between(html, "<title>", "</title>")
}

pub fn between<'a>(s: &'a str, a: &str, b: &str) -> &'a str {
    let i = s.find(a).unwrap_or_else(|| panic!("{a} not in {s}")) + a.len();
    let j = s[i..].find(b).unwrap() + i;
    &s[i..j]
}

/// A browser-like client: no redirects followed, its own cookies and CSRF token.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
    /// Sent as X-Forwarded-For (believed only by a server configured to).
    pub forwarded_for: Option<String>,
}

impl Client {
    pub fn new(server: &Server) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: server.base.clone(),
            cookies: vec![],
            csrf: String::new(),
            forwarded_for: None,
        }
    }

    pub fn cookies_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !val.is_empty() {
                self.cookies.push((k.to_string(), val.to_string()));
            }
        }
    }

    fn from(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.forwarded_for {
            Some(ip) => req.header("x-forwarded-for", format!("10.0.0.1, {ip}")),
            None => req,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.from(self.http.get(format!("{}{path}", self.base)))
            .header("cookie", self.cookies_header())
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut fields: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        fields.extend_from_slice(form);
        self.http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookies_header())
            .form(&fields)
            .send()
            .await
            .unwrap()
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> reqwest::Response {
        let page = self.get("/sign-in").await;
        self.keep_cookies(&page);
        let html = page.text().await.unwrap();
        let csrf = between(&html, "name=\"csrf\" value=\"", "\"").to_string();
        let res = self
            .from(self.http.post(format!("{}/sign-in", self.base)))
            .header("cookie", self.cookies_header())
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        if res.status() == 303 {
            let home = self.get("/").await.text().await.unwrap();
            self.csrf = between(&home, "name=\"csrf\" value=\"", "\"").to_string();
        }
        res
    }

    /// Upload a return through the page's form.
    pub async fn upload(&self, employer: &str, path: &Path) -> reqwest::Response {
        self.upload_dated(employer, path, &[("census_date", CENSUS)])
            .await
    }

    /// Upload a return with the census date typed as these fields.
    pub async fn upload_dated(
        &self,
        employer: &str,
        path: &Path,
        date: &[(&'static str, &str)],
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new()
            .text("csrf", self.csrf.clone())
            .text("employer", employer.to_string());
        for (k, v) in date {
            form = form.text(*k, v.to_string());
        }
        let form = form.part("file", file_part(path));
        self.http
            .post(format!("{}/submit", self.base))
            .header("cookie", self.cookies_header())
            .multipart(form)
            .send()
            .await
            .unwrap()
    }
}

pub fn file_part(path: &Path) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(std::fs::read(path).unwrap())
        .file_name(path.file_name().unwrap().to_string_lossy().into_owned())
}

/// An API call with a token.
pub async fn api(server: &Server, token: &str, method: &str, path: &str) -> reqwest::Response {
    let http = reqwest::Client::new();
    let url = server.url(path);
    let req = if method == "POST" {
        http.post(url)
    } else {
        http.get(url)
    };
    req.bearer_auth(token).send().await.unwrap()
}

/// Upload through the API.
pub async fn api_upload(
    server: &Server,
    token: &str,
    employer: &str,
    path: &Path,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part("file", file_part(path));
    reqwest::Client::new()
        .post(server.url(&format!(
            "/api/returns?employer={employer}&census_date={CENSUS}"
        )))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A small return as a zip of the four CSV files: `n` workers in one setting of `area`.
/// `bad` puts an impossible fte in row 3 and an unknown gender in row 5 of workers.csv.
pub fn return_zip(dir: &Path, name: &str, area: &str, n: usize, bad: bool) -> PathBuf {
    return_zip_for(dir, name, area, n, bad, CENSUS)
}

/// As [`return_zip`], for another census date (its leaver left in June of that year).
pub fn return_zip_for(
    dir: &Path,
    name: &str,
    area: &str,
    n: usize,
    bad: bool,
    census_date: &str,
) -> PathBuf {
    let settings = format!(
        "setting_id,setting_name,setting_type,area_code,employing_sector,provision\nS1,Main site,full_daycare,{area},private,universal\n"
    );
    let mut workers = String::from(
        "worker_ref,setting_id,role,contract,fte,start_date,gender,ethnicity,disability,birth_year,qualification_level,qualification_status,annual_pay\n",
    );
    for i in 0..n {
        let fte = if bad && i == 1 { "1.5" } else { "1.0" };
        let gender = if bad && i == 3 {
            "unknown"
        } else if i % 4 == 0 {
            "male"
        } else {
            "female"
        };
        workers.push_str(&format!(
            "W{i},S1,early_years_practitioner,permanent,{fte},2020-01-0{},{gender},WBRI,no,{},3,achieved,24000\n",
            1 + i % 9,
            1970 + i
        ));
    }
    let leavers = format!(
        "worker_ref,setting_id,role,contract,fte,leave_date,reason,destination\nL1,S1,early_years_practitioner,permanent,1.0,{}-06-01,resignation,same_sector\n",
        &census_date[..4]
    );
    let vacancies = "setting_id,role,vacant_posts,vacant_fte\nS1,room_leader,1,1.0\n";
    let path = dir.join(format!("{name}.zip"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (file, body) in [
        ("settings.csv", settings.as_str()),
        ("workers.csv", &workers),
        ("leavers.csv", &leavers),
        ("vacancies.csv", vacancies),
    ] {
        zip.start_file(file, opts).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// Run a test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::support::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::support::Backend::Postgres).await;
            }
        }
    };
}

impl Server {
    /// A single figure at the latest census date as a user whose question crosses
    /// organisations is shown it (perturbed by the cell key method), and exactly, both
    /// computed in the test process from the server's own database.
    pub async fn figure(&self, measure: &str, filters: &[(&str, &str)]) -> (f64, f64) {
        use observatory_service::query::{Protection, answer_protected};
        let store = &self.store;
        let date = *store.census_dates().await.unwrap().last().unwrap();
        let cubes = observatory_service::cubes::load(&self.state.db, &[date], |_| ())
            .await
            .unwrap();
        let refs: Vec<_> = cubes.iter().collect();
        let q = observatory_analysis::Query {
            measure: measure.into(),
            by: vec![],
            filters: filters
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        };
        let value = |p| {
            answer_protected(&refs, &q, p, &Default::default())
                .unwrap()
                .rows[0]
                .value
                .unwrap()
        };
        (
            value(Protection::CellKey(self.state.config.threshold)),
            value(Protection::Exact),
        )
    }
}

impl Server {
    /// Runs SQL on a PostgreSQL server's own database (to break it on purpose).
    pub fn pg_sql(&self, sql: &str) {
        self.pg.as_ref().expect("a PostgreSQL server").execute(sql);
    }
}
