//! Event clustering (issue 18): which news event a story reports, across feeds
//! and days, decided online as stories arrive.
//!
//! **Not yet part of the stage**: [`clusterer`] is the pure core, measured
//! offline on the UCI News Aggregator dev months by `devtools`' `event-eval`
//! (`docs/event-clustering.md` has the figures and what is still to build:
//! the state store, the output, the filter, the metrics and the pipeline's
//! evaluation).

pub mod clusterer;
pub mod terms;

pub use clusterer::{Assignment, AssignmentKind, ClusterSettings, EventClusterer, StoryText};
