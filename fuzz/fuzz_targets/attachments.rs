//! Attachments to evidence items (PDF, DOCX, plain text), read the way every interface
//! reads them: recognised by content, text extracted in the capped worker process. Any
//! bytes give text or a plain refusal; the worker's failures never reach this process.
#![no_main]
use libfuzzer_sys::fuzz_target;
use observatory_evidence::extract::{LIMITS, attachment_blocking};

fuzz_target!(|data: &[u8]| {
    let _ = attachment_blocking("fuzz.bin", data.to_vec(), &LIMITS);
});
