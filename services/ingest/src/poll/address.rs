//! Refusing feed URLs that resolve to private, loopback or otherwise
//! non-public addresses (so a configured feed cannot be used to reach the
//! internal network), unless the feed is explicitly allowed to. Every hop of
//! a redirect is checked the same way as the configured URL.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why a feed URL may not be polled.
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    /// The URL has no host.
    #[error("the URL {0} has no host")]
    NoHost(String),
    /// The host did not resolve.
    #[error("{host} does not resolve: {reason}")]
    Unresolvable {
        /// The host name.
        host: String,
        /// The resolver's error.
        reason: String,
    },
    /// The host resolves to an address that is not public.
    #[error(
        "{host} resolves to {addr}, a private or loopback address; set allow_private = true (or list the address in allow_addresses) for this feed to poll it"
    )]
    Private {
        /// The host name.
        host: String,
        /// The offending address.
        addr: IpAddr,
    },
}

/// Where a feed's requests may connect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Any address, private and loopback ones too.
    pub allow_private: bool,
    /// These non-public addresses besides the public ones.
    pub allow_addresses: Vec<IpAddr>,
}

impl AddressPolicy {
    /// Whether a request may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip) || self.allow_addresses.contains(&ip)
    }
}

/// Whether `ip` is a public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link local
        || first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
}

/// Resolves `host:port` and returns the address to connect to, refusing
/// any the `policy` does not permit. The poller connects to exactly this
/// address, so a second DNS answer cannot swap in a private one.
pub async fn resolve_checked(host: &str, port: u16, policy: &AddressPolicy) -> Result<SocketAddr, AddressError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| AddressError::Unresolvable { host: host.to_owned(), reason: e.to_string() })?
        .collect();
    if let Some(bad) = addrs.iter().find(|a| !policy.permits(a.ip())) {
        return Err(AddressError::Private { host: host.to_owned(), addr: bad.ip() });
    }
    addrs
        .into_iter()
        .next()
        .ok_or_else(|| AddressError::Unresolvable { host: host.to_owned(), reason: "no addresses".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn loopback_feeds_are_refused_unless_allowed() {
        let public_only = AddressPolicy::default();
        let err = resolve_checked("127.0.0.1", 80, &public_only).await.unwrap_err();
        assert!(matches!(err, AddressError::Private { .. }), "{err}");
        assert!(matches!(resolve_checked("localhost", 80, &public_only).await, Err(AddressError::Private { .. })));
        let any = AddressPolicy { allow_private: true, ..AddressPolicy::default() };
        assert_eq!(resolve_checked("127.0.0.1", 8080, &any).await.unwrap(), "127.0.0.1:8080".parse().unwrap());
        let one = AddressPolicy { allow_addresses: vec!["127.0.0.1".parse().unwrap()], ..AddressPolicy::default() };
        assert!(resolve_checked("127.0.0.1", 8080, &one).await.is_ok());
        assert!(matches!(resolve_checked("127.0.0.2", 8080, &one).await, Err(AddressError::Private { .. })), "only the listed address");
        assert!(matches!(resolve_checked("169.254.169.254", 80, &one).await, Err(AddressError::Private { .. })));
    }
}
