//! The load benchmark (run by hand, not in CI): the demo area's three census years,
//! 50 concurrent signed-in users on the dashboard, the explorer and the query API over
//! loopback; prints p50 and p99 latency and throughput for docs/performance.md.
//!
//!     cargo test --release -p observatory-web --test web -- --ignored --nocapture load

use crate::support::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

const USERS: usize = 50;
const SECONDS: u64 = 20;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run by hand with --ignored"]
async fn load_50_users() {
    let s = start(Backend::Sqlite, false, |_| {}).await;
    let opts = observatory_synth::GenerateOptions::demo();
    let area = opts.areas[0].clone();
    let t = Instant::now();
    let posts = s.import_generated(&opts).await;
    println!(
        "loaded the demo area: {posts} posts over {} census dates in {:.1} s",
        opts.census_dates.len(),
        t.elapsed().as_secs_f64()
    );
    s.store
        .create_user(&observatory_store::accounts::NewUser {
            email: "bench@t.example",
            name: "Bench",
            role: observatory_store::accounts::Role::Planner,
            password_hash: Some(
                &observatory_web::auth::hash_password(PASSWORD.into())
                    .await
                    .unwrap(),
            ),
            areas: std::slice::from_ref(&area),
            employers: &[],
        })
        .await
        .unwrap();
    let c = Arc::new(s.client("bench@t.example").await);
    let token = Arc::new(s.token("bench@t.example").await);
    let pages: Vec<(&str, String)> = vec![
        ("dashboard", format!("/dashboard?area={area}")),
        (
            "explorer",
            format!(
                "/explorer?measure=vacancy_rate&by=sector&by=employing_sector&where=area%3D{area}"
            ),
        ),
        (
            "api query",
            format!("/api/query?measure=turnover_rate&by=sector,gender&where=area={area}"),
        ),
    ];
    // Warm the cubes once, as a running server would be.
    for (_, p) in &pages {
        assert_eq!(fetch(&c, &token, p).await, 200, "{p}");
    }
    for (name, path) in pages {
        let deadline = Instant::now() + Duration::from_secs(SECONDS);
        let mut tasks = Vec::new();
        for _ in 0..USERS {
            let (c, token, path) = (c.clone(), token.clone(), path.clone());
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let status = fetch(&c, &token, &path).await;
                    assert_eq!(status, 200);
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                times
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort_by(f64::total_cmp);
        let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
        println!(
            "{name:<10} {USERS} users, {SECONDS} s: {} requests, {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms",
            all.len(),
            all.len() as f64 / SECONDS as f64,
            pct(0.50),
            pct(0.99)
        );
    }
}

/// One page (signed in by cookie) or API call (by token), read whole; its status.
async fn fetch(c: &Client, token: &str, path: &str) -> reqwest::StatusCode {
    let res = if path.starts_with("/api/") {
        c.http
            .get(format!("{}{path}", c.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    } else {
        c.get(path).await
    };
    let status = res.status();
    res.bytes().await.unwrap();
    status
}
