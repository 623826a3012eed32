//! RFC 7512 `pkcs11:` URIs: `pkcs11:token=SealKey;object=Official%20Seal;id=%01?module-path=...`.
//! A PIN in the URI (`pin-value`) is refused: PINs never travel on a command line.

use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pkcs11Uri {
    pub token: Option<String>,
    pub serial: Option<String>,
    pub object: Option<String>,
    pub id: Option<Vec<u8>>,
    pub module_path: Option<String>,
}

fn decode(v: &str) -> Result<Vec<u8>> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = v
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(hex.ok_or_else(|| {
                Error::arg("pkcs11 URI", format!("bad %-escape near {:?}", &v[i..]))
            })?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn text(v: &str) -> Result<String> {
    String::from_utf8(decode(v)?).map_err(|_| Error::arg("pkcs11 URI", "a value is not UTF-8"))
}

impl Pkcs11Uri {
    pub fn parse(uri: &str) -> Result<Pkcs11Uri> {
        let rest = uri
            .strip_prefix("pkcs11:")
            .ok_or_else(|| Error::arg(format!("{uri:?}"), "not a pkcs11: URI"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut u = Pkcs11Uri::default();
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (k, v) = attr.split_once('=').ok_or_else(|| {
                Error::arg("pkcs11 URI", format!("attribute {attr:?} has no value"))
            })?;
            match k {
                "token" => u.token = Some(text(v)?),
                "serial" => u.serial = Some(text(v)?),
                "object" => u.object = Some(text(v)?),
                "id" => u.id = Some(decode(v)?),
                "type"
                | "manufacturer"
                | "model"
                | "library-manufacturer"
                | "library-description"
                | "library-version"
                | "slot-id"
                | "slot-description"
                | "slot-manufacturer" => {}
                other => {
                    return Err(Error::arg(
                        "pkcs11 URI",
                        format!("unknown attribute {other:?}"),
                    ))
                }
            }
        }
        for attr in query.split('&').filter(|a| !a.is_empty()) {
            let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
            match k {
                "module-path" => u.module_path = Some(text(v)?),
                "pin-value" | "pin-source" => {
                    return Err(Error::arg(
                        "--key",
                        "a PIN in the pkcs11 URI is refused; give it with --pin-file, DOCSEAL_PIN or at the prompt",
                    ))
                }
                _ => {}
            }
        }
        Ok(u)
    }

    /// The URI naming one object of a token (what `docseal tokens` prints).
    pub fn format(token: &str, object: Option<&str>, id: &[u8]) -> String {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        };
        let mut s = format!("pkcs11:token={}", enc(token));
        if let Some(o) = object {
            s.push_str(&format!(";object={}", enc(o)));
        }
        if !id.is_empty() {
            s.push_str(";id=");
            s.push_str(&id.iter().map(|b| format!("%{b:02X}")).collect::<String>());
        }
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc7512() {
        let u = Pkcs11Uri::parse(
            "pkcs11:token=SealKey;object=Official%20Seal;id=%01?module-path=/usr/lib/x.so",
        )
        .unwrap();
        assert_eq!(u.token.as_deref(), Some("SealKey"));
        assert_eq!(u.object.as_deref(), Some("Official Seal"));
        assert_eq!(u.id, Some(vec![1]));
        assert_eq!(u.module_path.as_deref(), Some("/usr/lib/x.so"));
        assert!(Pkcs11Uri::parse("pkcs11:token=A?pin-value=1234").is_err());
        assert_eq!(
            Pkcs11Uri::format("SealKey", Some("Official Seal"), &[1]),
            "pkcs11:token=SealKey;object=Official%20Seal;id=%01"
        );
    }
}
