//! Application services shared by the command line and the web app. Both must import a
//! return, load the query cubes and answer a query in exactly the same way (the same
//! checks, the same audit trail, the same JSON), so that work lives here once and the
//! two interfaces only translate their own inputs and outputs.

pub mod accounts;
pub mod answers;
pub mod bench;
pub mod benchmarks;
pub mod completeness;
pub mod cubes;
pub mod database;
pub mod error;
pub mod estimates;
pub mod import;
pub mod installation;
pub mod library;
pub mod manifest;
pub mod mobility;
pub mod neighbours;
pub mod output;
pub mod policy;
pub mod populations;
pub mod projections;
pub mod publication;
pub mod quality;
pub mod query;
pub mod reference;
pub mod returns;
pub mod standards;
pub mod strategy;
pub mod synthetic;
pub mod topics;

pub use answers::{Answer, Answers, Ask};
pub use completeness::Completeness;
pub use cubes::CubeCache;
pub use database::{Database, Location};
pub use error::ServiceError;
pub use import::{Job, KeySource, ReadContext, parse_date, store_batch, store_one};
pub use observatory_store::blocking;
pub use policy::Actor;
