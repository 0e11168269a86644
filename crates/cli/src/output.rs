//! Writing tables the ways people use them (aligned text, CSV, XLSX): shared with the
//! web app, so its downloads are the files the command line writes.

pub use observatory_service::output::{Format, TableOut, write_out};
