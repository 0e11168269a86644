//! The domain of the children's workforce census: the code lists every value is drawn
//! from, the records a return holds, and the small rules (ages, working pattern, FTE
//! arithmetic) that every other crate must apply the same way. Nothing here knows about
//! files, databases or screens, so every layer above can depend on it. Two pieces of
//! markup live here too, as plain strings, because the publication and the web pages must
//! write them the same way and share no crate above this one: HTML escaping ([`html`])
//! and the SVG charts ([`charts`]).

pub mod charts;
pub mod codes;
pub mod export;
pub mod html;
pub mod input;
pub mod records;
pub mod rules;
pub mod titles;
pub mod units;

pub use codes::{CodeList, Codes, MeasureInfo, Role, codes};
pub use records::*;
pub use rules::{DEFAULT_SUPPRESSION_THRESHOLD, MIN_SUPPRESSION_THRESHOLD};
pub use units::{Unit, long_date, uk_time, uk_today};
