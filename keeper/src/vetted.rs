//! Which addresses a URL taken from a document may reach. A certificate's CRL distribution point
//! is written by whoever made the certificate; fetched blindly it is a request forgery from the
//! verifier's host — to its loopback services, its intranet, a cloud metadata address. Only
//! public addresses are reached, unless the operator allowed a host (the configured seal
//! center's, `--crl-allow`).
//!
//! The check is made on the addresses the connection will use (ureq's resolver is replaced), so
//! a name that resolves to a public address when checked and to a private one when connected
//! (DNS rebinding) cannot slip between the two.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// A host the operator allows whatever its address, with its port when given (`host[:port]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    host: String,
    port: Option<u16>,
}

impl Allowed {
    /// `host`, `host:port`, `[v6]:port` or a bare IPv6 address.
    pub fn parse(s: &str) -> Option<Allowed> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p.parse().ok()?),
                None if after.is_empty() => None,
                None => return None,
            };
            return Some(Allowed {
                host: host.to_ascii_lowercase(),
                port,
            });
        }
        if s.parse::<Ipv6Addr>().is_ok() {
            return Some(Allowed {
                host: s.to_ascii_lowercase(),
                port: None,
            });
        }
        let (host, port) = match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.parse().ok()?)),
            None => (s, None),
        };
        Some(Allowed {
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    fn admits(&self, host: &str, port: u16) -> bool {
        self.host == host && self.port.is_none_or(|p| p == port)
    }
}

/// An address a document may make this host reach: not loopback, private, link-local,
/// unique-local, multicast, unspecified, shared (RFC 6598) or reserved for documentation and
/// benchmarks (RFC 6890's special-purpose registries).
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x0064 && s[1] == 0xff9b))
        }
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || o[0] >= 240
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0))
}

/// ureq's resolver, keeping only the addresses a document may reach.
#[derive(Debug)]
pub struct VettedResolver {
    inner: DefaultResolver,
    allowed: Arc<Vec<Allowed>>,
}

impl VettedResolver {
    pub fn new(allowed: Arc<Vec<Allowed>>) -> VettedResolver {
        VettedResolver {
            inner: DefaultResolver::default(),
            allowed,
        }
    }
}

/// The host of `uri` as an allow entry names it: lower case, without IPv6 brackets.
fn host_of(uri: &Uri) -> Option<(String, u16)> {
    let host = uri
        .host()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("https") => 443,
        _ => 80,
    });
    Some((host, port))
}

impl Resolver for VettedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = self.inner.resolve(uri, config, timeout)?;
        let (host, port) = host_of(uri).ok_or(ureq::Error::HostNotFound)?;
        if self.allowed.iter().any(|a| a.admits(&host, port)) {
            return Ok(resolved);
        }
        let mut kept = self.empty();
        for addr in resolved.iter().filter(|a| public(a.ip())) {
            kept.push(*addr);
        }
        if kept.is_empty() {
            let first = resolved
                .first()
                .map(|a| a.ip().to_string())
                .unwrap_or_default();
            let which = if first == host {
                host
            } else {
                format!("{host} is at {first},")
            };
            return Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!(
                    "{which} a loopback, private or reserved address a document may not make this host reach (allow it with --crl-allow)"
                ),
            )));
        }
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_and_reserved_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(
                !public(ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))),
                "{ip}"
            );
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(
                public(ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))),
                "{ip}"
            );
        }
    }

    #[test]
    fn allow_entries_name_a_host_and_maybe_a_port() {
        let a = Allowed::parse("127.0.0.1:8444").unwrap_or(Allowed {
            host: String::new(),
            port: None,
        });
        assert!(a.admits("127.0.0.1", 8444));
        assert!(!a.admits("127.0.0.1", 80));
        assert_eq!(
            Allowed::parse("[::1]:80"),
            Some(Allowed {
                host: "::1".into(),
                port: Some(80)
            })
        );
        assert_eq!(
            Allowed::parse("CRL.Example.org"),
            Some(Allowed {
                host: "crl.example.org".into(),
                port: None
            })
        );
        assert_eq!(Allowed::parse("host:notaport"), None);
    }
}
