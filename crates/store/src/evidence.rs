//! Storage of the evidence library: items (with tags and attachments), the research
//! register, calls for evidence and their submissions, and links from strategy decisions.
//! Values are checked by the evidence crate before they get here; this module only keeps
//! them, in one transaction per change, and bumps a generation counter that tells a
//! search index on disk whether it is behind.
//!
//! By what it does: the records ([`model`]: what the evidence crate checks and the pages
//! show), how they map to rows and the SQL steps every write shares (`rows`), and the
//! queries of each part of the library (`items`, `register`, `calls`, `decisions`),
//! each an `impl Store` block.

mod model;
#[macro_use]
mod rows;
mod calls;
mod decisions;
mod items;
mod register;

pub use model::*;

#[cfg(test)]
mod tests;
