//! The post-sign steps that make XAdES-T and XAdES-X-L signatures (ETSI EN 319 132-1 §5.3 and
//! §5.5; XAdES 1.3.2 §7.3, §7.4, §7.5, §7.6), spelled as Office 2010 SP1 writes them:
//! `xd:SignatureTimeStamp` over the canonical SignatureValue; then `xd:CompleteCertificateRefs`,
//! `xd:CertificateValues`, `xd:CompleteRevocationRefs`, `xd:RevocationValues`, and last
//! `xd:SigAndRefsTimeStamp` over the SignatureValue, the time-stamps and the references. What a
//! time-stamp covers is computed by one function, `covered_bytes`, for signing and verifying.

use base64::Engine;
use libxml::tree::Node;
use serde::Serialize;

use super::names::*;
use crate::algorithm::DigestAlg;
use crate::c14n::{self, Method, XmlDoc};
use crate::error::{Error, Result};
use crate::timestamp::client::{self, TsaRequest};
use crate::trust::{Cert, Crl};

/// How the unsigned properties are written while signing (`xades.rs` writes this constant), so
/// that these steps find them: an empty element Office 2010 needs even when nothing else is there.
pub const EMPTY_UNSIGNED_SIGNATURE_PROPERTIES: &str = "<xd:UnsignedSignatureProperties/>";
const END_UNSIGNED_SIGNATURE_PROPERTIES: &str = "</xd:UnsignedSignatureProperties>";

/// Which XAdES property holds a time-stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimestampKind {
    /// `SignatureTimeStamp` (§7.3): over the SignatureValue.
    Signature,
    /// `SigAndRefsTimeStamp` (§7.5.1): over the SignatureValue, the SignatureTimeStamps, and the
    /// complete certificate and revocation references.
    SigAndRefs,
}

impl TimestampKind {
    pub fn local_name(self) -> &'static str {
        match self {
            TimestampKind::Signature => "SignatureTimeStamp",
            TimestampKind::SigAndRefs => "SigAndRefsTimeStamp",
        }
    }
    fn id(self) -> &'static str {
        match self {
            TimestampKind::Signature => "idSignatureTimeStamp",
            TimestampKind::SigAndRefs => "idSigAndRefsTimeStamp",
        }
    }
}

/// The bytes a time-stamp of `kind` covers, each node canonicalised with `method` as part of the
/// whole signature document (so inclusive C14N renders the namespaces in scope on it, as Office
/// and xmlsec do), concatenated in the order §7.5.1 gives — whatever order they are written in.
/// `root` is the `ds:Signature`, `props` its UnsignedSignatureProperties, `signature_stamps` the
/// SignatureTimeStamps that precede a SigAndRefsTimeStamp.
pub fn covered_bytes(
    kind: TimestampKind,
    root: &Node,
    props: &Node,
    signature_stamps: &[Node],
    method: Method,
) -> Result<Vec<u8>> {
    let value = c14n::child(root, NS_DSIG, "SignatureValue")
        .ok_or_else(|| Error::xml("(signature)", "no SignatureValue"))?;
    let mut nodes = vec![value];
    if kind == TimestampKind::SigAndRefs {
        nodes.extend(signature_stamps.iter().cloned());
        nodes.extend(c14n::child(props, NS_XADES, "CompleteCertificateRefs"));
        nodes.extend(c14n::child(props, NS_XADES, "CompleteRevocationRefs"));
    }
    let mut out = Vec::new();
    for n in &nodes {
        out.extend(c14n::canonical_subtree(n, method)?);
    }
    Ok(out)
}

/// Adds a SignatureTimeStamp from `tsa` to a finished signature document (XAdES-T).
pub fn add_signature_timestamp(document: &str, tsa: &TsaRequest) -> Result<String> {
    let document = match document
        .matches(EMPTY_UNSIGNED_SIGNATURE_PROPERTIES)
        .count()
    {
        // docseal wrote this document a moment ago; the empty element is spelled exactly once.
        1 => document.replacen(
            EMPTY_UNSIGNED_SIGNATURE_PROPERTIES,
            &format!("<xd:UnsignedSignatureProperties>{END_UNSIGNED_SIGNATURE_PROPERTIES}"),
            1,
        ),
        _ => {
            return Err(Error::xml(
                "(signature)",
                "no single place for the unsigned signature properties",
            ))
        }
    };
    add_timestamp(&document, TimestampKind::Signature, tsa)
}

/// The long-term data of XAdES-X-L, then the SigAndRefsTimeStamp that seals it: `chain` is the
/// signer's chain without the signer (Office lists the CAs), `crls` the revocation lists that
/// show the chain good at signing time.
pub fn add_long_term_data(
    document: &str,
    chain: &[Cert],
    crls: &[Crl],
    digest: DigestAlg,
    tsa: &TsaRequest,
) -> Result<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut x = String::new();
    x.push_str("<xd:CompleteCertificateRefs><xd:CertRefs>");
    for c in chain {
        x.push_str(&format!(
            "<xd:Cert><xd:CertDigest>{}</xd:CertDigest><xd:IssuerSerial><X509IssuerName>{}</X509IssuerName><X509SerialNumber>{}</X509SerialNumber></xd:IssuerSerial></xd:Cert>",
            digest_elements(digest, c.der()),
            escape(&c.issuer()),
            decimal(c.serial_bytes())
        ));
    }
    x.push_str("</xd:CertRefs></xd:CompleteCertificateRefs><xd:CertificateValues>");
    for c in chain {
        x.push_str(&format!(
            "<xd:EncapsulatedX509Certificate>{}</xd:EncapsulatedX509Certificate>",
            b64.encode(c.der())
        ));
    }
    x.push_str("</xd:CertificateValues><xd:CompleteRevocationRefs><xd:CRLRefs>");
    for crl in crls {
        x.push_str(&format!(
            "<xd:CRLRef><xd:DigestAlgAndValue>{}</xd:DigestAlgAndValue><xd:CRLIdentifier><xd:Issuer>{}</xd:Issuer><xd:IssueTime>{}</xd:IssueTime></xd:CRLIdentifier></xd:CRLRef>",
            digest_elements(digest, crl.der()),
            escape(&crl.issuer()),
            crate::datetime::format_time(crl.this_update())
        ));
    }
    x.push_str("</xd:CRLRefs></xd:CompleteRevocationRefs><xd:RevocationValues><xd:CRLValues>");
    for crl in crls {
        x.push_str(&format!(
            "<xd:EncapsulatedCRLValue>{}</xd:EncapsulatedCRLValue>",
            b64.encode(crl.der())
        ));
    }
    x.push_str("</xd:CRLValues></xd:RevocationValues>");
    let document = insert_before_end(document, &x)?;
    add_timestamp(&document, TimestampKind::SigAndRefs, tsa)
}

/// Asks `tsa` for a token over what a time-stamp of `kind` covers in `document` as it stands,
/// and appends it to the unsigned signature properties.
fn add_timestamp(document: &str, kind: TimestampKind, tsa: &TsaRequest) -> Result<String> {
    let doc = XmlDoc::parse("(signature)", document)?;
    let root = doc
        .root()
        .ok_or_else(|| Error::xml("(signature)", "no root element"))?;
    let props = super::parse::find(&root, NS_XADES, "UnsignedSignatureProperties")
        .ok_or_else(|| Error::xml("(signature)", "no UnsignedSignatureProperties"))?;
    let stamps: Vec<Node> = c14n::children(&props, NS_XADES, "SignatureTimeStamp").collect();
    let data = covered_bytes(kind, &root, &props, &stamps, Method::C14N_10)?;
    let granted = client::request(tsa, &data)?;
    let element = format!(
        "<xd:{name} Id=\"{id}\"><CanonicalizationMethod Algorithm=\"{C14N_10}\"/><xd:EncapsulatedTimeStamp>{token}</xd:EncapsulatedTimeStamp></xd:{name}>",
        name = kind.local_name(),
        id = kind.id(),
        token = base64::engine::general_purpose::STANDARD.encode(&granted.der)
    );
    insert_before_end(document, &element)
}

fn insert_before_end(document: &str, xml: &str) -> Result<String> {
    match document.matches(END_UNSIGNED_SIGNATURE_PROPERTIES).count() {
        1 => Ok(document.replacen(
            END_UNSIGNED_SIGNATURE_PROPERTIES,
            &format!("{xml}{END_UNSIGNED_SIGNATURE_PROPERTIES}"),
            1,
        )),
        _ => Err(Error::xml(
            "(signature)",
            "no single place for the unsigned signature properties",
        )),
    }
}

fn digest_elements(alg: DigestAlg, data: &[u8]) -> String {
    format!(
        "<DigestMethod Algorithm=\"{}\"/><DigestValue>{}</DigestValue>",
        alg.uri(),
        base64::engine::general_purpose::STANDARD.encode(alg.digest(data))
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A certificate serial (big-endian two's complement, positive) in decimal, as
/// `ds:X509SerialNumber` wants it (XML-DSig §4.4.4: an integer).
pub fn decimal(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0];
    for &b in bytes {
        let mut carry = b as u32;
        for d in digits.iter_mut() {
            let v = *d as u32 * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn serials_are_written_in_decimal() {
        assert_eq!(super::decimal(&[0]), "0");
        assert_eq!(super::decimal(&[0x01, 0x00]), "256");
        // The Belgium Root CA2 serial Office 2010 wrote.
        assert_eq!(
            super::decimal(&0x2AFF_BE9F_A2F0_E987u64.to_be_bytes()),
            "3098404661496965511"
        );
    }
}
