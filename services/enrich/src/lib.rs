//! newswire's enrich stage: adds the metadata subscribers route and search on.
//!
//! [`enrich`] (in [`enricher`], with the [`Enricher`] stage) is the pure core: it lays the article's text out once
//! ([`text::Document`]), finds entity mentions (the NER model, honorific and
//! title rules in [`entities::rules`], the gazetteer in [`places`]), merges them
//! into entities ([`entities::merge`]), and derives topics ([`topics`]), quotes
//! ([`quotes`]), keywords ([`keywords`]), the summary ([`summary`]) and counts
//! ([`stats`]); [`enrichment::apply`] writes them into the article.

pub mod config;
pub mod enricher;
pub mod enrichment;
pub mod events;
pub mod entities;
pub mod external;
pub mod gazetteer;
pub mod keywords;
pub mod language;
pub mod ner;
pub mod places;
pub mod quotes;
pub mod resources;
pub mod stats;
pub mod summary;
pub mod text;
pub mod topics;

pub use enricher::{analyse, enrich, Enricher};
pub use enrichment::Findings;
pub use resources::Resources;
