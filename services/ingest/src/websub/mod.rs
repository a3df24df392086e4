//! WebSub (W3C): a polled feed that advertises a hub (`<link rel="hub">` with
//! `rel="self"`) is subscribed to; the hub's verification and its signed
//! content pushes arrive on ingest's HTTP server at `/v1/websub/{id}`, and
//! the pushed documents take the same acceptance path as a poll's.

pub mod callback;
pub mod discover;
pub mod signature;
pub mod subscriptions;
