//! The mark a seal drawing carries in its alternative text (`docPr`/`cNvPr` `descr`): who sealed,
//! the certificate's SHA-256, and the signature part that covers the picture. It reads as a
//! sentence for screen readers and parses back for the verifier.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealMark {
    pub holder: String,
    pub fingerprint: String,
    pub signature_part: String,
}

const PREFIX: &str = "Electronic seal of ";

impl SealMark {
    pub fn to_descr(&self) -> String {
        format!(
            "{PREFIX}{} (docseal; certificate SHA-256 {}; signature {})",
            self.holder.replace(['(', ')', ';'], " "),
            self.fingerprint,
            self.signature_part
        )
    }

    pub fn parse(descr: &str) -> Option<SealMark> {
        let rest = descr.strip_prefix(PREFIX)?;
        let open = rest.rfind(" (docseal; ")?;
        let holder = rest[..open].to_string();
        let inner = rest[open + " (docseal; ".len()..].strip_suffix(')')?;
        let mut fingerprint = None;
        let mut signature_part = None;
        for field in inner.split("; ") {
            if let Some(v) = field.strip_prefix("certificate SHA-256 ") {
                fingerprint = Some(v.to_string());
            } else if let Some(v) = field.strip_prefix("signature ") {
                signature_part = Some(v.to_string());
            }
        }
        Some(SealMark {
            holder,
            fingerprint: fingerprint?,
            signature_part: signature_part?,
        })
    }
}

/// What every seal mark contains, to find parts that may hold one without parsing them.
pub const NEEDLE: &[u8] = b"(docseal; certificate SHA-256 ";

/// Quick test whether a part could contain seal marks.
pub fn mentions_seal(xml: &[u8]) -> bool {
    memchr::memmem::find(xml, NEEDLE).is_some()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let m = SealMark {
            holder: "CN=Example (Seal)".into(),
            fingerprint: "AB12".into(),
            signature_part: "/_xmlsignatures/sig1.xml".into(),
        };
        let back = SealMark::parse(&m.to_descr()).unwrap();
        assert_eq!(back.fingerprint, "AB12");
        assert_eq!(back.signature_part, "/_xmlsignatures/sig1.xml");
        assert!(SealMark::parse("a picture").is_none());
    }
}
