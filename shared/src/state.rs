//! On-disk state beside Kafka (re-push marks, dedupe records, deliveries): sled,
//! opened the same way by every service.

use std::path::Path;

/// sled's page cache per store. Its default is 1 GiB, which let a stage's memory
/// grow far past what its small working set needs; the state stays on disk.
pub const SLED_CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// Opens (or creates) the sled database in `dir` with newswire's settings.
pub fn open_sled(dir: &Path) -> sled::Result<sled::Db> {
    sled::Config::new().path(dir).cache_capacity(SLED_CACHE_BYTES).open()
}

/// A throw-away sled database for tests, with the same settings.
pub fn temporary_sled() -> sled::Result<sled::Db> {
    sled::Config::new().temporary(true).cache_capacity(SLED_CACHE_BYTES).open()
}
