//! What the normalize crate's integration tests share.

/// The Content-Type a feed would send with the fixture file `name`.
pub use newswire_shared::golden::fixture_content_type as content_type;
