//! A standards file (TOML).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = observatory_analysis::standards::Standards::from_toml(text, "fuzz.toml");
});
