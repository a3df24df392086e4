//! IPTC Media Topics: the codes enrich assigns, with their cues
//! ([`taxonomy`]), and the classifier that scores a story against them ([`classify`]).

pub mod classify;
pub mod taxonomy;

pub use classify::{classify, TopicScore};
pub use taxonomy::{Taxonomy, Topic};
