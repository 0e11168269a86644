//! The evidence library through its public API, on SQLite and on PostgreSQL: the index
//! following the database, the research register, calls and moderation, citation
//! imports with duplicates, the gap map and feeds of the demo content.

mod calls;
mod library;
