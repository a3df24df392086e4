//! Pull feeds: configured RSS/Atom URLs polled politely on their own schedule
//! (conditional GET with validators kept across restarts, `Retry-After` and
//! `max-age` honoured, exponential backoff with jitter, a per-host concurrency
//! limit, our own User-Agent), redirects followed by us with every hop's
//! address checked, and an alert when a feed goes quiet.

pub mod address;
pub mod backoff;
pub mod events;
pub mod fetch;
pub mod hosts;
pub mod leader;
pub mod memory;
pub mod poller;
pub mod redirect;
pub mod schedule;
