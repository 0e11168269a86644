//! Generates the demo or the national synthetic census and reports how long it took:
//! `cargo run --release -p observatory-synth --example generate -- national /tmp/census`
//! (or `-- custom /tmp/census <areas> <posts per area>` for a national-style run of any size).

use observatory_synth::{GenerateOptions, expected_posts, generate};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("demo");
    let out = args
        .get(2)
        .map(String::as_str)
        .unwrap_or("/tmp/observatory-synth");
    let opts = match which {
        "national" => GenerateOptions::national(),
        "custom" => {
            let areas: usize = args.get(3).map_or(Ok(10), |a| a.parse())?;
            let posts: usize = args.get(4).map_or(Ok(20_000), |a| a.parse())?;
            GenerateOptions {
                areas: observatory_synth::national_area_codes(areas),
                posts_per_area: posts,
                ..GenerateOptions::national()
            }
        }
        _ => GenerateOptions::demo(),
    };
    let expected = expected_posts(&opts);
    let done = AtomicU64::new(0);
    let started = Instant::now();
    let summary = generate(&opts, std::path::Path::new(out), &|n| {
        done.fetch_add(n, Ordering::Relaxed);
    })?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{which}: {} returns from {} employers, {} worker rows (expected about {expected}), in {secs:.1} s",
        summary.returns,
        summary.employers,
        done.load(Ordering::Relaxed)
    );
    for (d, n) in &summary.posts_by_date {
        println!("  {d}: {n} posts");
    }
    println!("manifest: {}", summary.manifest.display());
    Ok(())
}
