//! `newswire push PATH…`: backfilling files and folders of stories into
//! ingest's push API with bounded concurrency, a progress bar and a closing
//! summary. The `newswire` command (crate `newswire-cli`) can mount
//! [`PushOptions`] as its `push` subcommand and call [`run_push`]; until it
//! does, the `newswire-push` binary of this crate runs it.

mod files;
mod push;
mod summary;

pub use files::{collect_files, content_type_for};
pub use push::{push_paths, run_push, PushOptions};
pub use summary::{FileOutcome, Summary};
