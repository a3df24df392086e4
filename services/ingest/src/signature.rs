//! Optional per-feed HMAC-SHA256 signatures of the request body.
//!
//! A feed configured with a signing secret must send
//! `X-Newswire-Timestamp: <unix seconds>` and
//! `X-Newswire-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>`,
//! computed over the body exactly as sent (before any Content-Encoding is
//! undone). Timestamps further than the tolerance from now are refused, so a
//! captured request cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::rejection::Rejection;

/// Header carrying the signing time, in Unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-newswire-timestamp";
/// Header carrying `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "x-newswire-signature";

/// The signature a sender computes: `sha256=<hex>` of `"<timestamp>." + body`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).map(|m| hex::encode(m.finalize().into_bytes()));
    format!("sha256={}", digest.unwrap_or_default())
}

/// Checks a request's signature headers against `secret`.
/// Missing or stale headers are 401; a signature that does not match is 403.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<(), Rejection> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(Rejection::new(
            401,
            "signature_required",
            format!("this feed must sign its pushes: send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} (sha256=<hex HMAC of \"<timestamp>.\" + body>)"),
        ));
    };
    let timestamp: i64 = timestamp.trim().parse().map_err(|_| {
        Rejection::new(401, "bad_timestamp", format!("{TIMESTAMP_HEADER} {timestamp:?} is not Unix seconds"))
    })?;
    if now_secs.abs_diff(timestamp) > tolerance_secs.unsigned_abs() {
        return Err(Rejection::new(
            401,
            "stale_timestamp",
            format!(
                "{TIMESTAMP_HEADER} is {}s away from the server's clock; at most {tolerance_secs}s is accepted",
                now_secs.saturating_sub(timestamp)
            ),
        ));
    }
    let expected = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| Rejection::new(401, "bad_signature", format!("{SIGNATURE_HEADER} must be sha256=<hex>")))?;
    mac(secret, timestamp, body)
        .ok_or_else(|| Rejection::new(500, "internal", "the feed's signing secret is unusable"))?
        .verify_slice(&expected)
        .map_err(|_| Rejection::new(403, "bad_signature", "the signature does not match the body and timestamp"))
}

/// The keyed MAC over `"<timestamp>." + body` (HMAC takes keys of any length,
/// so `None` does not happen in practice).
fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn a_fresh_correct_signature_passes() {
        let sig = sign(b"k", NOW - 10, b"body");
        assert!(verify(b"k", Some(&(NOW - 10).to_string()), Some(&sig), b"body", NOW, 300).is_ok());
    }

    #[test]
    fn a_wrong_secret_or_changed_body_is_403() {
        let sig = sign(b"k", NOW, b"body");
        let ts = NOW.to_string();
        assert_eq!(verify(b"other", Some(&ts), Some(&sig), b"body", NOW, 300).unwrap_err().status, 403);
        assert_eq!(verify(b"k", Some(&ts), Some(&sig), b"bodY", NOW, 300).unwrap_err().status, 403);
    }

    #[test]
    fn missing_malformed_or_stale_headers_are_401() {
        let ts = (NOW - 301).to_string();
        let sig = sign(b"k", NOW - 301, b"body");
        assert_eq!(verify(b"k", Some(&ts), Some(&sig), b"body", NOW, 300).unwrap_err().error, "stale_timestamp");
        assert_eq!(verify(b"k", None, Some(&sig), b"body", NOW, 300).unwrap_err().error, "signature_required");
        assert_eq!(verify(b"k", Some("yesterday"), Some(&sig), b"body", NOW, 300).unwrap_err().error, "bad_timestamp");
        let extreme = i64::MIN.to_string();
        assert_eq!(verify(b"k", Some(&extreme), Some(&sig), b"body", NOW, 300).unwrap_err().error, "stale_timestamp");
        assert_eq!(verify(b"k", Some(&NOW.to_string()), Some("md5=00"), b"body", NOW, 300).unwrap_err().status, 401);
    }
}
