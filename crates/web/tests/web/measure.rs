//! Sign-in measurements (run by hand, not in CI): how long a wrong password takes for a
//! real account and for an unknown email (median of 20 in a row, and what the answers
//! said), and how many of 26 simultaneous attempts on one account had their password
//! checked. Figures in docs/security.md.
//!
//!     cargo test -p observatory-web --test web -- --ignored --nocapture measure

use crate::support::*;
use std::time::Instant;

/// POST a sign-in (the form fetched first, not timed); the time, status and which answer.
async fn attempt(s: &Server, email: &str, password: &str) -> (f64, u16, &'static str) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http.get(s.url("/sign-in")).send().await.unwrap();
    let cookie = first_cookie(&page);
    let csrf = cookie.split_once('=').unwrap().1.to_string();
    let t = Instant::now();
    let res = http
        .post(s.url("/sign-in"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let said = if status == 303 {
        "signed in"
    } else if body.contains("too many failed attempts") {
        "locked"
    } else {
        "wrong"
    };
    (ms, status, said)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run by hand with --ignored"]
async fn measure_sign_in() {
    for email in ["planner@t.example", "nobody@t.example"] {
        // A fresh server each, so one email's attempts do not count against the other's.
        let s = start(Backend::Sqlite, false, |_| {}).await;
        let mut times = vec![];
        let mut said = vec![];
        for _ in 0..20 {
            let (ms, _, what) = attempt(&s, email, "wrong password!").await;
            times.push(ms);
            said.push(what);
        }
        let first5 = times[..5].to_vec();
        println!(
            "{email}: median {:.0} ms of 20 (first 5: median {:.0} ms, {:?}); answers {:?}",
            median(times.clone()),
            median(first5.clone()),
            first5.iter().map(|t| t.round() as i64).collect::<Vec<_>>(),
            said
        );
    }
    // 25 wrong passwords and the right one at once, on an account with no failures.
    let s = std::sync::Arc::new(start(Backend::Sqlite, false, |_| {}).await);
    let mut tasks = vec![];
    for i in 0..26 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let pw = if i == 25 { PASSWORD } else { "wrong password!" };
            attempt(&s, "analyst@t.example", pw).await
        }));
    }
    let mut said = std::collections::BTreeMap::new();
    for t in tasks {
        *said.entry(t.await.unwrap().2).or_insert(0) += 1;
    }
    println!("26 at once (25 wrong, 1 right): {said:?}");
}
