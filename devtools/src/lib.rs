//! newswire's development tools: the evaluation corpora (WCXB dev pages,
//! the extraction benchmark's dev set, CoNLL-2003 documents as wire stories),
//! how output is scored against their labels, and the offline evaluators in
//! `src/bin` (`extraction-eval`, `wire-text-eval`, `event-eval`). `newswire eval` (the `cli`
//! crate) scores what a running pipeline publishes with the same functions,
//! so an offline figure and a pipeline figure mean the same thing.
//!
//! Nothing here runs in a service.

pub mod conll;
pub mod extraction_dev;
pub mod scoring;
pub mod share;
pub mod uci_news;
pub mod wcxb;

use std::path::{Path, PathBuf};

/// The shared material folder: `NEWSWIRE_SHARED_DIR` when set (a git
/// worktree is not beside `../shared`), else `../shared` beside the repository.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("NEWSWIRE_SHARED_DIR") {
        Some(shared) => PathBuf::from(shared),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}
