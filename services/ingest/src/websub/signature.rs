//! The `X-Hub-Signature` of a hub's content distribution: `<method>=<hex HMAC
//! of the body with the subscription's hub.secret>`. sha256, sha384 and sha512
//! are checked; sha1 (which the WebSub recommendation still allows) is refused
//! with its own reason, as this build carries no SHA-1.

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};

use crate::rejection::Rejection;

/// The header a hub signs its pushes with.
pub const HEADER: &str = "x-hub-signature";

/// `sha256=<hex>`: what a hub sends for `body` under `secret` (for tests and tools).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex::encode(digest::<Hmac<Sha256>>(secret, body).unwrap_or_default()))
}

fn digest<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8]) -> Option<Vec<u8>> {
    let mut mac = <M as Mac>::new_from_slice(secret).ok()?;
    mac.update(body);
    Some(mac.finalize().into_bytes().to_vec())
}

fn matches<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8], expected: &[u8]) -> bool {
    match <M as Mac>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(body);
            mac.verify_slice(expected).is_ok()
        }
        Err(_) => false,
    }
}

/// Checks a push's `X-Hub-Signature` against the subscription's `secret`:
/// missing or unreadable is 401, a signature that does not match is 403.
pub fn verify(secret: &[u8], header: Option<&str>, body: &[u8]) -> Result<(), Rejection> {
    let Some(header) = header else {
        return Err(Rejection::new(401, "signature_required", format!("a hub's push must carry {HEADER}: <method>=<hex HMAC of the body>")));
    };
    let (method, hex_mac) = header.trim().split_once('=').ok_or_else(|| {
        Rejection::new(401, "bad_signature", format!("{HEADER} must be <method>=<hex>, e.g. sha256=…"))
    })?;
    let expected = hex::decode(hex_mac.trim())
        .map_err(|_| Rejection::new(401, "bad_signature", format!("{HEADER}'s signature is not hex")))?;
    let ok = match method.trim().to_ascii_lowercase().as_str() {
        "sha256" => matches::<Hmac<Sha256>>(secret, body, &expected),
        "sha384" => matches::<Hmac<Sha384>>(secret, body, &expected),
        "sha512" => matches::<Hmac<Sha512>>(secret, body, &expected),
        other => {
            return Err(Rejection::new(
                401,
                "unsupported_signature_method",
                format!("{HEADER} uses {other:?}; sha256, sha384 or sha512 is accepted"),
            ))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Rejection::new(403, "signature_mismatch", format!("{HEADER} does not match the body under this subscription's secret")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hubs_signature_is_checked_against_the_body_and_secret() {
        let body = b"<feed/>";
        let signed = sign(b"secret-1", body);
        assert!(verify(b"secret-1", Some(&signed), body).is_ok());
        assert_eq!(verify(b"secret-2", Some(&signed), body).unwrap_err().error, "signature_mismatch");
        assert_eq!(verify(b"secret-1", Some(&signed), b"<feed>changed</feed>").unwrap_err().status, 403);
        assert_eq!(verify(b"secret-1", None, body).unwrap_err().error, "signature_required");
        assert_eq!(verify(b"secret-1", Some("sha256"), body).unwrap_err().error, "bad_signature");
        assert_eq!(verify(b"secret-1", Some("sha256=zz"), body).unwrap_err().error, "bad_signature");
        assert_eq!(verify(b"secret-1", Some("sha1=00"), body).unwrap_err().error, "unsupported_signature_method");
        let sha512 = format!("sha512={}", hex::encode(digest::<Hmac<Sha512>>(b"secret-1", body).unwrap()));
        assert!(verify(b"secret-1", Some(&sha512), body).is_ok());
    }
}
