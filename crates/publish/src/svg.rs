//! The publication's charts and escaping, from the one chart module the web pages use
//! too ([`observatory_domain::charts`]).

pub use observatory_domain::charts::{Bar, bar_chart};
pub use observatory_domain::html::escape;
