//! Logging: one `tracing` subscriber for every service, text or JSON.

use tracing_subscriber::EnvFilter;

use crate::config::LogConfig;

/// Installs the global subscriber: JSON lines when `log.format = "json"`
/// (`NEWSWIRE_LOG_FORMAT=json`), human-readable text otherwise. `RUST_LOG`, when
/// set, overrides `log.filter`. Calling it twice is harmless (tests do).
pub fn init(config: &LogConfig) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::try_new(&config.filter).unwrap_or_else(|_| EnvFilter::new("info")));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if config.format == "json" {
        builder.json().flatten_event(true).with_current_span(true).try_init()
    } else {
        builder.with_target(false).try_init()
    };
}
