//! Progress bars on the terminal, as `newswire push` draws them (indicatif hides
//! them when standard error is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps counted in `unit` ("records", "stories"), with the
/// elapsed time and a message for running totals.
pub fn bar(len: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit}  {{elapsed_precise}}  {{msg}}");
    bar.set_style(ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar
}
