//! newswire's publish stage: delivers each enriched story to its subscribers,
//! each in the ninjs version it chose ([`output`]), and every story as strict
//! ninjs 2.1 to `newswire.published`. The core is [`Publisher`] ([`publisher`]).
//!
//! Delivery semantics:
//! - **Kafka topics** (`newswire.published`, `<topic_prefix><subscriber>`): the
//!   records are part of the stage's Kafka transaction, with the input offset:
//!   exactly once by construction.
//! - **Who received what** (for corrections, kills and withholds, by the rules in
//!   [`routing`]) and each story's last kill or withhold notice are [`receipts`]
//!   in a changelog-backed store: written to Kafka in the same transaction as
//!   the deliveries, restored per partition on assignment, so an aborted batch
//!   leaves no trace and neither a crash nor a lost data directory loses one.
//! - **Webhooks** are queued in the [`outbox`], a changelog-backed store
//!   written in the batch's transaction (one job per subscriber, uri, version
//!   and status, exactly when its batch commits), delivered by the
//!   [`dispatcher`]'s per-subscriber workers of the instance that owns the
//!   partition, marked finished on disk at once and removed from the outbox by
//!   a later transaction: a crash or a lost disk never loses one, and a
//!   restart on the same disk never sends one twice.
//! - **Embargoed stories** are held on a compacted Kafka topic, written in the
//!   same transaction, and released by the same routing when their time comes
//!   ([`embargo`]: the rules, the opt-in, the restore and the race window).
//! - **A dead-lettered input** leaves none of this staged: its redrive is
//!   routed as new ([`Stage::on_dead_lettered`](newswire_shared::stage::Stage::on_dead_lettered)).

pub mod api;
pub mod config;
pub mod dead_letter;
pub mod dispatcher;
pub mod embargo;
pub mod filter;
pub mod live;
pub mod metrics;
pub mod outbox;
pub mod output;
pub mod publisher;
pub mod receipts;
pub mod retry;
pub mod routing;
pub mod signature;
pub mod store;
pub mod story_view;
pub mod subscription;
pub mod webhook;

pub use publisher::{delivery_id, Publisher, Subscriber};
