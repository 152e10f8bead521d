//! Governance actions (`[[action]]`): the only calls that may change
//! upstream state (`act`), each granted by name.

pub mod grant;
pub mod section;

pub use grant::Actions;
pub use section::ActionSpec;
