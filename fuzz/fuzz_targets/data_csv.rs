//! The small CSV data files: population profiles and series breaks.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = observatory_analysis::PopulationProfile::from_csv(text);
    let _ = observatory_analysis::SeriesBreaks::from_csv(text);
});
