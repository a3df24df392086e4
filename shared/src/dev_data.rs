//! The rule for checks that need the development material beside the repo
//! (`../shared`: IPTC's schemas and examples, the extraction sets): CI always
//! has it, so there a missing folder is a failure; in a user's clone it is
//! absent, and the check says so loudly and is skipped.

/// Reports that the material at `what` is missing: panics when `CI=true`,
/// else prints `SKIPPED: <what> not found`. Call it, then skip the check.
pub fn missing(what: impl std::fmt::Display) {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{what} not found (CI=true: CI always has ../shared, so this check must run)");
    println!("SKIPPED: {what} not found");
}
