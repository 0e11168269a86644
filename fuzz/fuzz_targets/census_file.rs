//! A whole return file (XLSX, ODS, XLS or zip, chosen by the first byte) read within the
//! default limits: any bytes give tables or a report, never a crash or a runaway.
#![no_main]
use libfuzzer_sys::fuzz_target;
use observatory_census::{Limits, Report};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let ext = ["xlsx", "ods", "xls", "zip"][kind as usize % 4];
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("return.{ext}"));
    std::fs::write(&path, bytes).expect("write");
    let mut report = Report::default();
    let _ = observatory_census::source::load(&path, &Limits::default(), &mut report);
});
