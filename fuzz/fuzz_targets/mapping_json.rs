//! An employer's mapping profile (JSON).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = observatory_census::MappingProfile::from_json(text);
});
