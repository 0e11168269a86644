//! A child population projection file (the ONS SNPP layout, CSV).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = observatory_projection::population::PopulationProjection::read_csv(data);
});
