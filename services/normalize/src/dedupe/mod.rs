//! Content dedupe and version handling, with state in sled.
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
//! - State is staged while a batch is processed and written only after Kafka
//!   committed the batch's output ([`crate::Normalizer`]'s `on_commit`), so a
//!   crash never turns a first copy into a "duplicate" of itself; it expires
//!   after a window (`normalize.dedupe_window_days`).
//!
//! With several normalize instances in one consumer group, each partition (and
//! so each story key, i.e. each uri of one feed) belongs to one instance at a
//! time, so version handling stays exact. Content dedupe across feeds compares
//! only stories that reach the same instance: copies with different keys on
//! partitions owned by different instances are not recognised as duplicates,
//! and state does not move with a partition on rebalance. Run one instance, or
//! accept that cross-feed dedupe is best-effort when scaled out.

pub mod decision;
pub mod fingerprint;
pub mod metrics;
pub mod store;

#[cfg(test)]
mod calibration;
