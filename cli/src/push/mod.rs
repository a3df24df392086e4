//! `newswire push PATH…`: backfilling files and folders of stories into
//! ingest's push API with bounded concurrency, a progress bar and a closing
//! summary.

mod files;
mod run;
mod summary;

pub use files::{collect_files, content_type_for};
pub use run::{run_push, PushOptions};
pub use summary::{FileOutcome, Summary};
