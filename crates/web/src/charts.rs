//! The pages' charts, from the one chart module the publication uses too
//! ([`observatory_domain::charts`]), and the one HTML escaping.

pub use observatory_domain::charts::{Point, bars, line};
pub use observatory_domain::html::escape as esc;
