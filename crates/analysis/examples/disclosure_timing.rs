//! Timing check for disclosure control at national scale, so the speed claim can be
//! quoted: a national-like table of posts by area x sector x career level (150 areas,
//! 8 sectors, 6 levels, every margin: 9,513 cells) with realistic, skewed counts and
//! about a tenth of the cells below the threshold; then the same with a three-level
//! geography (areas within regions within England). Each is protected, then audited
//! from the published figures alone. Run in release:
//!
//!     cargo run --release -p observatory-analysis --example disclosure_timing [-- AREAS]

use std::collections::HashMap;
use std::time::Instant;

use observatory_analysis::audit::audit_tables;
use observatory_analysis::{Control, Hierarchy, QueryResult, TOTAL_KEY, protect_linked};

/// A deterministic pseudo-random fraction in [0, 1) for each `i` (Fibonacci hashing),
/// so runs are comparable.
fn unit(i: u64) -> f64 {
    (i.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) as f64 / (1u64 << 53) as f64
}

const SECTOR_SHARES: [f64; 8] = [0.40, 0.20, 0.15, 0.10, 0.07, 0.05, 0.02, 0.01];
const LEVEL_SHARES: [f64; 6] = [0.30, 0.30, 0.20, 0.12, 0.06, 0.02];
const REGIONS: usize = 9;

/// Posts per (area, sector, level): area sizes spread over two orders of magnitude,
/// with noise, so small sectors and senior levels in small areas fall below 5.
fn counts(areas: usize) -> Vec<[[u64; 6]; 8]> {
    let mut draw = 0u64;
    let mut next = || {
        draw += 1;
        unit(draw)
    };
    (0..areas)
        .map(|_| {
            let size = 700.0 * (60f64).powf(next());
            let mut a = [[0u64; 6]; 8];
            for (s, row) in a.iter_mut().enumerate() {
                for (l, v) in row.iter_mut().enumerate() {
                    let mu = size * SECTOR_SHARES[s] * LEVEL_SHARES[l];
                    *v = (mu * (0.5 + next())).round() as u64;
                }
            }
            a
        })
        .collect()
}

/// The table with every margin, as a query with totals would give it; `regions`
/// adds a row per region (areas `r`, `r + REGIONS`, ... make up region `r`).
fn table(c: &[[[u64; 6]; 8]], regions: bool) -> QueryResult {
    let area = |a: usize| format!("E{:08}", 6_000_000 + a);
    let region = |r: usize| format!("R{r}");
    let mut cells: HashMap<(String, String, String), u64> = HashMap::new();
    for (a, sectors) in c.iter().enumerate() {
        let geos = if regions {
            vec![area(a), region(a % REGIONS), TOTAL_KEY.into()]
        } else {
            vec![area(a), TOTAL_KEY.into()]
        };
        for (s, levels) in sectors.iter().enumerate() {
            for (l, &v) in levels.iter().enumerate() {
                for g in &geos {
                    for sk in [format!("sector{s}"), TOTAL_KEY.into()] {
                        for lk in [format!("level{l}"), TOTAL_KEY.into()] {
                            *cells.entry((g.clone(), sk.clone(), lk)).or_default() += v;
                        }
                    }
                }
            }
        }
    }
    let mut keys: Vec<_> = cells.into_iter().collect();
    keys.sort();
    let rows: Vec<serde_json::Value> = keys
        .into_iter()
        .map(|((g, s, l), v)| {
            serde_json::json!({"keys": [g, s, l], "value": v as f64, "numerator": v as f64,
                "denominator": null, "basis": v, "suppressed": false})
        })
        .collect();
    serde_json::from_value(serde_json::json!({"measure": "posts", "kind": "count",
        "by": ["area", "sector", "career_level"], "rows": rows}))
    .expect("a query result")
}

fn run(name: &str, mut t: QueryResult, hierarchies: &[Hierarchy]) {
    let interior: Vec<_> = t
        .rows
        .iter()
        .filter(|r| r.keys.iter().all(|k| k != TOTAL_KEY) && !r.keys[0].starts_with('R'))
        .collect();
    let small = interior.iter().filter(|r| r.basis < 5).count();
    println!(
        "{name}: {} cells ({} interior, {small} = {:.1} % of them below 5)",
        t.rows.len(),
        interior.len(),
        100.0 * small as f64 / interior.len() as f64
    );
    let control = Control::default();
    let start = Instant::now();
    let summary = protect_linked(std::slice::from_mut(&mut t), hierarchies, &control);
    let protect = start.elapsed().as_secs_f64();
    println!(
        "  protect: {protect:.2} s: {} primary, {} secondary, {} audit rounds, {} LPs, {} unresolved",
        summary.primary,
        summary.secondary,
        summary.rounds,
        summary.lp_solves,
        summary.unresolved.len()
    );
    let start = Instant::now();
    let findings = audit_tables(std::slice::from_ref(&t), hierarchies, control.threshold);
    println!(
        "  audit from the published table alone: {:.2} s, {} findings",
        start.elapsed().as_secs_f64(),
        findings.len()
    );
    for f in findings.iter().take(5) {
        println!("    {f}");
    }
}

fn main() {
    let areas: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(150);
    let c = counts(areas);
    run(
        &format!("{areas} areas x 8 sectors x 6 levels"),
        table(&c, false),
        &[],
    );
    let hierarchies: Vec<Hierarchy> = (0..REGIONS)
        .map(|r| Hierarchy {
            breakdown: "area".into(),
            parent: format!("R{r}"),
            children: (r..areas)
                .step_by(REGIONS)
                .map(|a| format!("E{:08}", 6_000_000 + a))
                .collect(),
        })
        .collect();
    run(
        "the same within 9 regions (three-level geography)",
        table(&c, true),
        &hierarchies,
    );
}
