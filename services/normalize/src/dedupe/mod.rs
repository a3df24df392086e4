//! Content dedupe and version handling.
//!
//! - The same content (normalized headline + body) from a second uri is dropped
//!   and recorded as a duplicate of the first.
//! - A near-duplicate (SimHash within [`fingerprint::NEAR_MAX_DISTANCE`] bits)
//!   passes on, linked to the first copy's story id and marked with its uri.
//! - Versions of one uri: newer passes, older or equal is dropped; the first
//!   `canceled` passes on as a kill of the story, and the first `withheld` of a
//!   story neither killed nor withheld passes on as its withhold, whatever
//!   version number either carries (agencies reuse the killed item's number).
//!   After a kill or withhold only a version above every one seen passes: a
//!   re-publication, as publish's routing also reads it.
//! - State lives in changelog-backed stores ([`store`]): staged while a batch
//!   is processed, produced to Kafka in the batch's transaction and written
//!   to disk once it committed, so a crash never turns a first copy into a
//!   "duplicate" of itself and a lost disk is restored from Kafka. It expires
//!   after a window (`normalize.dedupe_window_days`).
//!
//! With several normalize instances, every instance holds every slice of the
//! state (the stores are replicated), so a duplicate is recognised whichever
//! instance it reaches, once that instance has read the first copy's record.
//! Inside that replication window, first copies are told apart by [`claims`]
//! written to Kafka before each batch: the first claim of a content, or of a
//! uri's version, wins on every instance. Two copies that were both passed on
//! all the same (claims unavailable, or two near-duplicates) are counted and
//! logged as a race (`newswire_dedupe_races_total{kind}`), and every instance agrees
//! afterwards which one is first.

pub mod claims;
pub mod decision;
pub mod fingerprint;
mod legacy;
pub mod metrics;
mod near_index;
pub mod records;
pub mod store;

#[cfg(test)]
mod calibration;
