//! A whole return read within the default limits: an XLSX, ODS, XLS or zip file, or a
//! folder whose CSV parts are the bytes (chosen by the first byte). Any bytes give tables
//! or a report, never a crash or a runaway.
#![no_main]
use libfuzzer_sys::fuzz_target;
use observatory_census::{Limits, Report};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = match kind % 5 {
        4 => {
            for part in ["settings", "workers"] {
                std::fs::write(dir.path().join(format!("{part}.csv")), bytes).expect("write");
            }
            dir.path().to_path_buf()
        }
        k => {
            let ext = ["xlsx", "ods", "xls", "zip"][k as usize];
            let path = dir.path().join(format!("return.{ext}"));
            std::fs::write(&path, bytes).expect("write");
            path
        }
    };
    let mut report = Report::default();
    let _ = observatory_census::source::load(&path, &Limits::default(), &mut report);
});
