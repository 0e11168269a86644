//! The national projection benchmark (issue #16): every role group x 150 areas x 15
//! years x 1,000 simulations, fitted and projected on every core.
//!
//!     cargo bench -p observatory-projection --bench national

use observatory_projection::bench::{NationalConfig, national};

fn main() {
    let config = NationalConfig::default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "national projections: {} groups x {} areas, {} census years each, {} years x {} runs, {} cores",
        config.groups, config.areas, config.censuses, config.years, config.runs, cores
    );
    let r = national(&config);
    println!(
        "generated {} areas ({:.0} staff, {:.0} to {:.0} an area) in {:.2} s",
        r.projections, r.staff, r.smallest, r.largest, r.generate_seconds
    );
    println!(
        "fitted and projected {} areas ({} years x {} runs, backtest, demand and gap) on {} threads in {:.2} s",
        r.projections, r.years, r.runs, r.threads, r.project_seconds
    );
    println!(
        "{:.1} projections/s, {:.1} ms a projection ({:.1} ms of one core), {:.1} M simulated run-years/s",
        r.projections_per_second,
        1000.0 * r.project_seconds / r.projections as f64,
        1000.0 * r.project_seconds * r.threads as f64 / r.projections as f64,
        (r.projections as f64 * r.years as f64 * r.runs as f64) / r.project_seconds / 1e6
    );
    println!("checksum {:.3}", r.checksum);
    let goal = 10.0;
    println!(
        "goal: under {goal} s for the projections: {}",
        if r.project_seconds < goal {
            "met"
        } else {
            "NOT met"
        }
    );
}
