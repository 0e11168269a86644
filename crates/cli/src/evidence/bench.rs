//! The search benchmark: index build time and search latency on generated items, with
//! no database (docs/performance.md).

use anyhow::Result;
use clap::Args;
use observatory_service::library::bench;
use std::path::PathBuf;

use super::{json_out, table};
use crate::output::Format;

#[derive(Args)]
pub struct BenchArgs {
    #[arg(long, default_value_t = 100_000)]
    pub items: usize,
    #[arg(long, default_value_t = 2000)]
    pub queries: usize,
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Indexing threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Where to build the index (default: a temporary folder, removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

pub fn run(b: &BenchArgs) -> Result<i32> {
    let dir = b.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("observatory-evidence-bench-{}", std::process::id()))
    });
    eprintln!(
        "Generating {} items (seed {}) and indexing them in {} ...",
        b.items,
        b.seed,
        dir.display()
    );
    let r = bench(&dir, b.items, b.queries, b.seed, b.threads)?;
    if b.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if b.format == Format::Json {
        return json_out(&r, None);
    }
    let rows = vec![
        vec!["items".into(), r.items.to_string()],
        vec!["generate (s)".into(), format!("{:.2}", r.generate_s)],
        vec!["index build (s)".into(), format!("{:.2}", r.index_build_s)],
        vec![
            "index size (MB)".into(),
            format!("{:.1}", r.index_bytes as f64 / 1_048_576.0),
        ],
        vec!["searches timed".into(), r.queries.to_string()],
        vec!["p50 (ms)".into(), format!("{:.2}", r.p50_ms)],
        vec!["p90 (ms)".into(), format!("{:.2}", r.p90_ms)],
        vec!["p99 (ms)".into(), format!("{:.2}", r.p99_ms)],
        vec!["max (ms)".into(), format!("{:.2}", r.max_ms)],
        vec![
            "mean results per search".into(),
            format!("{:.0}", r.mean_hits),
        ],
    ];
    table(
        "Evidence search benchmark",
        &["measure", "value"],
        rows,
        vec!["Goal: under 20 ms per search at 100,000 items.".into()],
    )
    .emit(b.format, None)?;
    Ok(0)
}
