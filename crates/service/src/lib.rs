//! Application services shared by the command line and the web app. Both must import a
//! return, load the query cubes and answer a query in exactly the same way (the same
//! checks, the same audit trail, the same JSON), so that work lives here once and the
//! two interfaces only translate their own inputs and outputs.

pub mod completeness;
pub mod cubes;
pub mod import;
pub mod output;
pub mod query;

pub use completeness::Completeness;
pub use cubes::CubeCache;
pub use import::{Job, KeySource, ReadContext, parse_date, store_batch, store_one};
pub use observatory_store::blocking;
