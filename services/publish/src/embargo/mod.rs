//! Embargoes: a story that must not be published before a time (its
//! `embargoed`, read by normalize from every format that carries one) is held
//! by publish and released at that time.
//!
//! - **Where held**: in Kafka, on the compacted topic `publish.embargo_topic`
//!   (default `<kafka.group_prefix>.publish.embargoed`, so
//!   `newswire.publish.embargoed`), keyed by the story's uri: the enriched
//!   story as it arrived, with its headers and its own Kafka key
//!   (`newswire-held-key`). It is written in the same transaction as the
//!   input's offset and publish's other output, so a story is held exactly
//!   when its input counts as processed; nothing lives only on a local disk.
//!   In memory, publish keeps the held set ([`held::HeldSet`]) to know what is due.
//! - **How released**: the runtime asks publish for due work on every turn of
//!   its loop (at least every 100 ms: [`newswire_shared::stage::Stage::due`]).
//!   A story whose time has come is routed like any story (the same rules,
//!   receipts, webhook outbox and kill rules: [`crate::routing`]) in one
//!   transaction with the tombstone of its held record. A release aborted or
//!   lost to a crash is due again; a committed one is gone from the topic.
//!   So: never before its time, within about a second of it, exactly once.
//! - **Restart, crash and rebalance**: each held story belongs to the input
//!   partition it came from ([`held::slice_of`]); an instance holds and
//!   releases the stories of the partitions it owns. Whenever the group gives
//!   it a partition it did not have (at start-up too, after its producer has
//!   fenced any transaction a killed predecessor left open), it reads the whole
//!   topic, every partition, to its end (read_committed) before it processes
//!   anything ([`restore`], [`state::Embargoes::on_assigned`]); a partition
//!   that moves away takes its held stories with it, and a release handed out
//!   before a rebalance is taken back (the runtime aborts it).
//! - **While held** ([`decision`]): a kill or a withhold cancels the held story
//!   (tombstone) and is routed as usual: only subscribers who received the
//!   story (those who take embargoed stories at once) get the notice. A newer
//!   version replaces the held one (still embargoed: held until its own time;
//!   not embargoed or its time passed: the embargo is lifted and it goes out
//!   now). A version below the held one changes nothing for those who wait.
//! - **Opt-in**: a subscription with `embargo = "deliver"` receives embargoed
//!   stories at once, with `embargoed` set; `"hold"` (the default) receives
//!   them at release. `newswire.published` is released like a holding
//!   subscriber. A subscriber that received the story early is not sent it
//!   again at release (its receipt has that version).
//! - **Race window**: a kill that reaches publish after the release's
//!   transaction committed is routed as a kill to everyone who by then has the
//!   story. A kill sent by the agency a moment before the embargo time can
//!   therefore arrive after the release when the pipeline is slower than the
//!   remaining time (normally under a second; longer under lag): the story is
//!   then delivered and killed, in that order, never left uncorrected.

pub mod decision;
pub mod events;
pub mod held;
pub mod restore;
pub mod state;

use serde::{Deserialize, Serialize};

/// What a subscription does with an embargoed story (`embargo = "hold" | "deliver"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbargoChoice {
    /// Receive it when the embargo ends (the default).
    #[default]
    Hold,
    /// Receive it at once, with its `embargoed` time set, and honour it yourself.
    Deliver,
}

#[cfg(test)]
mod publisher_tests;
