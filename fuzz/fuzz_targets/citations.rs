//! Citation files for the evidence library: RIS and BibTeX.
#![no_main]
use libfuzzer_sys::fuzz_target;
use observatory_evidence::cite::{Format, ImportOptions, parse};

fuzz_target!(|text: &str| {
    let options = ImportOptions::default();
    let _ = parse(text, Format::Ris, &options);
    let _ = parse(text, Format::Bibtex, &options);
});
