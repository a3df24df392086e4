//! The webhook signature: `X-Newswire-Signature: t=<unix seconds>,v1=<hex>` where
//! `<hex>` is HMAC-SHA256 with the subscriber's secret over `"<t>.<body>"`.
//!
//! Signing the timestamp with the body lets a receiver refuse replays: it checks
//! the MAC in constant time, then that `t` is recent (say within five minutes).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Newswire-Signature";
/// The header that carries the delivery id (stable across retries: dedupe on it).
pub const DELIVERY_HEADER: &str = "X-Newswire-Delivery";
/// The header that carries the story uri.
pub const STORY_URI_HEADER: &str = "X-Newswire-Story-Uri";
/// The header that carries the story version.
pub const STORY_VERSION_HEADER: &str = "X-Newswire-Story-Version";
/// On a re-send by `newswire replay`: the replay's id. The delivery id stays the
/// original's; a receiver that drops repeats by delivery id should let a request
/// carrying this header through (the subscriber asked for it again).
pub const REPLAY_HEADER: &str = "X-Newswire-Replay";

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is not `t=<digits>,v1=<hex>`.
    #[error("malformed signature header: {0}")]
    Malformed(&'static str),
    /// The MAC does not match the body and timestamp.
    #[error("signature does not match")]
    Mismatch,
    /// The timestamp is further from now than the tolerance.
    #[error("timestamp {timestamp} is {skew} s away from now, more than the {tolerance} s allowed")]
    Stale {
        /// The signed timestamp.
        timestamp: i64,
        /// Seconds between it and now.
        skew: i64,
        /// The tolerance.
        tolerance: i64,
    },
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` signed with `secret` at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex::encode(mac(secret, timestamp, body).finalize().into_bytes()))
}

/// Checks a header value against `body` and `secret`, and that its timestamp is
/// within `tolerance_s` of `now` (Unix seconds). Compares in constant time.
pub fn verify(header: &str, secret: &[u8], body: &[u8], now: i64, tolerance_s: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = Some(t.parse::<i64>().map_err(|_| SignatureError::Malformed("t is not a number"))?),
            Some(("v1", v)) => signatures.push(hex::decode(v).map_err(|_| SignatureError::Malformed("v1 is not hex"))?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed("no t="))?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed("no v1="));
    }
    let expected = mac(secret, timestamp, body);
    if !signatures.iter().any(|s| expected.clone().verify_slice(s).is_ok()) {
        return Err(SignatureError::Mismatch);
    }
    let skew = (now - timestamp).abs();
    if skew > tolerance_s {
        return Err(SignatureError::Stale { timestamp, skew, tolerance: tolerance_s });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        // Here the data is "<t>.<body>", so t and body are chosen to spell it.
        let header = sign(b"Jefe", 0, b"what do ya want for nothing?");
        assert!(header.starts_with("t=0,v1="), "{header}");
        let mut plain = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        plain.update(b"0.what do ya want for nothing?");
        assert_eq!(header, format!("t=0,v1={}", hex::encode(plain.finalize().into_bytes())));
    }

    #[test]
    fn hmac_implementation_matches_rfc_4231() {
        let mut plain = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        plain.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(plain.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_signed_body_verifies_and_any_change_is_refused() {
        let header = sign(b"secret", 1_700_000_000, b"{\"uri\":\"urn:x\"}");
        assert_eq!(verify(&header, b"secret", b"{\"uri\":\"urn:x\"}", 1_700_000_010, 300), Ok(()));
        assert_eq!(verify(&header, b"secret", b"{\"uri\":\"urn:y\"}", 1_700_000_010, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify(&header, b"other", b"{\"uri\":\"urn:x\"}", 1_700_000_010, 300), Err(SignatureError::Mismatch));
        let moved = header.replace("t=1700000000", "t=1700000001");
        assert_eq!(verify(&moved, b"secret", b"{\"uri\":\"urn:x\"}", 1_700_000_010, 300), Err(SignatureError::Mismatch));
    }

    #[test]
    fn an_old_signature_is_refused_as_a_replay() {
        let header = sign(b"secret", 1_700_000_000, b"body");
        assert!(matches!(verify(&header, b"secret", b"body", 1_700_001_000, 300), Err(SignatureError::Stale { .. })));
    }

    #[test]
    fn malformed_headers_say_what_is_missing() {
        assert_eq!(verify("v1=00", b"s", b"b", 0, 300), Err(SignatureError::Malformed("no t=")));
        assert_eq!(verify("t=1", b"s", b"b", 0, 300), Err(SignatureError::Malformed("no v1=")));
        assert_eq!(verify("t=x,v1=00", b"s", b"b", 0, 300), Err(SignatureError::Malformed("t is not a number")));
    }
}
