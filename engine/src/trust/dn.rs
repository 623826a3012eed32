//! A distinguished name as text (RFC 4514 §2), exactly as x509-cert's `Display` writes it, with
//! the attribute names a seal certificate uses looked up in a short table first.
//!
//! Why not `Name::to_string`: for each attribute it asks const-oid's database for the shortest
//! name of the OID, which walks the whole database; a whole-process `docseal verify` spent
//! about 2 % of its instructions there (callgrind, issue 9). Other attributes still go to the
//! database, and a test holds the table to what the database answers.

use std::fmt::Write;

use const_oid::db::DB;
use const_oid::ObjectIdentifier;
use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Encode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

/// RFC 4519 attribute types, as const-oid's database names them (uppercased, as printed).
const COMMON: &[(ObjectIdentifier, &str)] = &[
    (ObjectIdentifier::new_unwrap("2.5.4.3"), "CN"),
    (ObjectIdentifier::new_unwrap("2.5.4.4"), "SN"),
    (ObjectIdentifier::new_unwrap("2.5.4.5"), "SERIALNUMBER"),
    (ObjectIdentifier::new_unwrap("2.5.4.6"), "C"),
    (ObjectIdentifier::new_unwrap("2.5.4.7"), "L"),
    (ObjectIdentifier::new_unwrap("2.5.4.8"), "ST"),
    (ObjectIdentifier::new_unwrap("2.5.4.9"), "STREET"),
    (ObjectIdentifier::new_unwrap("2.5.4.10"), "O"),
    (ObjectIdentifier::new_unwrap("2.5.4.11"), "OU"),
    (ObjectIdentifier::new_unwrap("2.5.4.12"), "TITLE"),
];

/// The name as text: RDNs last to first, separated by commas, multi-valued RDNs joined by `+`.
pub fn text(name: &Name) -> String {
    let mut out = String::new();
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            attribute(&mut out, atv);
        }
    }
    out
}

fn short_name(oid: &ObjectIdentifier) -> Option<String> {
    match COMMON.iter().find(|(o, _)| o == oid) {
        Some((_, name)) => Some((*name).to_string()),
        None => shortest_in_database(oid).map(str::to_ascii_uppercase),
    }
}

/// The shortest of the database's names for `oid`, the first of equals (as x509-cert picks).
fn shortest_in_database(oid: &ObjectIdentifier) -> Option<&'static str> {
    DB.find_names_for_oid(*oid)
        .fold(None, |best: Option<&str>, m| match best {
            Some(b) if b.len() <= m.len() => Some(b),
            _ => Some(m),
        })
}

/// One `type=value`; a string value is escaped (RFC 4514 §2.4), anything else is `OID=#DER`.
fn attribute(out: &mut String, atv: &AttributeTypeAndValue) {
    let value = match atv.value.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(&atv.value)
            .ok()
            .map(|s| s.as_str()),
        Tag::Utf8String => Utf8StringRef::try_from(&atv.value).ok().map(|s| s.as_str()),
        Tag::Ia5String => Ia5StringRef::try_from(&atv.value).ok().map(|s| s.as_str()),
        Tag::TeletexString => TeletexStringRef::try_from(&atv.value)
            .ok()
            .map(|s| s.as_str()),
        _ => None,
    };
    match (short_name(&atv.oid), value) {
        (Some(key), Some(value)) => {
            out.push_str(&key);
            out.push('=');
            let mut chars = value.char_indices().peekable();
            while let Some((i, c)) = chars.next() {
                match c {
                    '#' if i == 0 => out.push_str("\\#"),
                    ' ' if i == 0 || chars.peek().is_none() => out.push_str("\\ "),
                    '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                        out.push('\\');
                        out.push(c);
                    }
                    '\x00'..='\x1f' | '\x7f' => {
                        let _ = write!(out, "\\{:02x}", c as u8);
                    }
                    _ => out.push(c),
                }
            }
        }
        _ => {
            let _ = write!(out, "{}=#", atv.oid);
            for b in atv.value.to_der().unwrap_or_default() {
                let _ = write!(out, "{b:02x}");
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn the_table_says_what_the_database_says() {
        for (oid, name) in COMMON {
            assert_eq!(
                shortest_in_database(oid)
                    .map(str::to_ascii_uppercase)
                    .as_deref(),
                Some(*name),
                "{oid}"
            );
        }
    }

    #[test]
    fn text_is_what_x509_cert_prints() {
        for dn in [
            "CN=Example Trading Co. Ltd. Official Seal,O=Example Trading Co. Ltd.,C=CN",
            "CN=示例贸易有限公司 电子印章,OU=法务部+L=上海,O=示例\\, 有限公司,C=CN",
            "CN=\\ lead and trail\\ ,O=\\#hash;semi,UID=jdoe,DC=example,DC=com",
            "serialNumber=91310000MA1K,title=Seal,ST=SH,street=1 Rd,SN=Li",
            "2.5.4.97=#0c07564154434e2d31,CN=x",
        ] {
            let name = Name::from_str(dn)
                .map_err(|e| format!("{dn}: {e}"))
                .unwrap();
            assert_eq!(text(&name), name.to_string(), "{dn}");
        }
    }
}
