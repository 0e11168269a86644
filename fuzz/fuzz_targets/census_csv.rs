//! One CSV part of a return: any bytes give a table or a report, never a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;
use observatory_census::Report;
use observatory_census::source::csv_table;

fuzz_target!(|data: &[u8]| {
    let mut report = Report::default();
    let _ = csv_table(data, "workers.csv", "workers", &mut report);
});
