//! TSA policy identifiers (RFC 3161 §2.4.2, TSAPolicyId). A policy may be a UUID OID
//! (2.25.<128-bit integer>, ITU-T X.667 §6.3: an OID anyone may mint without registering an
//! arc), whose arc does not fit the 32-bit arcs of `const-oid`; so policies are kept as the
//! OBJECT IDENTIFIER's DER and read or written here (X.690 §8.19: each subidentifier in base
//! 128, high bit set on all but its last octet; the first joins the first two arcs as 40·x+y).

use der::asn1::Any;
use der::{Tag, Tagged};

/// The dotted form of a DER OBJECT IDENTIFIER, or `None` if it is not one.
pub fn text(oid: &Any) -> Option<String> {
    if oid.tag() != Tag::ObjectIdentifier {
        return None;
    }
    let mut arcs: Vec<u128> = Vec::new();
    let mut value: u128 = 0;
    let mut pending = false;
    for &b in oid.value() {
        // A subidentifier never starts with 0x80 (X.690 §8.19.2: the fewest octets).
        if !pending && b == 0x80 {
            return None;
        }
        value = value.checked_mul(128)?.checked_add(u128::from(b & 0x7f))?;
        pending = b & 0x80 != 0;
        if !pending {
            arcs.push(value);
            value = 0;
        }
    }
    let (&first, rest) = arcs.split_first().filter(|_| !pending)?;
    let (x, y) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut s = format!("{x}.{y}");
    for a in rest {
        s.push('.');
        s.push_str(&a.to_string());
    }
    Some(s)
}

/// The DER OBJECT IDENTIFIER of a dotted policy, or `None` if it is not an OID.
pub fn from_text(dotted: &str) -> Option<Any> {
    let arcs: Vec<u128> = dotted
        .split('.')
        .map(|a| a.parse().ok())
        .collect::<Option<_>>()?;
    let (&x, rest) = arcs.split_first()?;
    let (&y, rest) = rest.split_first()?;
    if x > 2 || (x < 2 && y > 39) {
        return None;
    }
    let mut body = Vec::new();
    for arc in std::iter::once(x * 40 + y).chain(rest.iter().copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        body.extend(groups.iter().rev());
    }
    Any::new(Tag::ObjectIdentifier, body).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn uuid_and_short_oids_go_both_ways() {
        for s in [
            "2.25.28044449390625831162059490370498651254",
            "1.3.6.1.4.1.4146.2.2",
            "0.4.0.2023.1.1",
        ] {
            assert_eq!(text(&from_text(s).unwrap()).as_deref(), Some(s));
        }
        // The same bytes as const-oid writes where it can.
        let short = from_text("1.3.6.1.4.1.4146.2.2").unwrap();
        let known = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.4146.2.2");
        assert_eq!(short.value(), known.as_bytes());
        assert!(from_text("3.1").is_none() && from_text("1.40").is_none());
        assert!(from_text("1.2.x").is_none());
        let padded = Any::new(Tag::ObjectIdentifier, vec![0x2a, 0x80, 0x01]).unwrap();
        assert!(text(&padded).is_none());
        let cut = Any::new(Tag::ObjectIdentifier, vec![0x2a, 0x81]).unwrap();
        assert!(text(&cut).is_none());
    }
}
