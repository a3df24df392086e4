//! Pull feeds: configured RSS/Atom URLs polled on their own schedule with
//! conditional GET, exponential backoff on errors, a refusal of private
//! addresses unless allowed, and an alert when a feed goes quiet.

pub mod address;
pub mod backoff;
pub mod fetch;
pub mod poller;
