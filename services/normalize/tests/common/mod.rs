//! What the normalize crate's integration tests share.

/// The Content-Type a feed would send with the fixture file `name`.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("json") => "application/json",
        Some("html") => "text/html",
        Some("xml") => "application/xml",
        Some("gz") => "application/gzip",
        _ if name.contains("7901") => "application/vnd.iptc.7901",
        _ => "text/plain",
    }
}
