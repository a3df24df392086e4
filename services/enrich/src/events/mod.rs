//! Event clustering (issue 18): which news event a story reports, across feeds
//! and days, decided online as stories arrive.
//!
//! [`clusterer`] is the pure core (measured offline on the UCI News Aggregator
//! dev months by `devtools`' `event-eval`: `docs/event-clustering.md`);
//! [`store`] keeps its state in a changelog-backed store so that a restart
//! changes no assignment; the [`crate::Enricher`] stage assigns each story
//! once it is enriched.

pub mod clusterer;
pub mod records;
pub mod stage;
pub mod store;
pub mod terms;
pub mod vocabulary;

pub use clusterer::{event_id, event_label, Assignment, AssignmentKind, ClusterSettings, EventClusterer, Placed, StoryText};
pub use records::{ClusterRecord, StoryRecord};
pub use stage::{EventClustering, EventMetrics};
pub use store::EventStore;
