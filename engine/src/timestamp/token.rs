//! Reading and checking an RFC 3161 time-stamp token: a CMS SignedData (RFC 5652) whose content is
//! a TSTInfo. The CMS and TSP structures are decoded by RustCrypto's `cms` and `x509-tsp` crates;
//! neither checks signatures, so the checks RFC 3161 §2.4.2 and RFC 5652 §5.4 ask of a verifier
//! are here: the message imprint, the content type and message digest attributes, the signature
//! over the signed attributes, the ESS signing-certificate binding (RFC 5816), and the TSA
//! certificate's purpose.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, Int, OctetString};
use der::{Decode, Encode, Sequence, Tag, Tagged};
use time::OffsetDateTime;
use x509_cert::ext::pkix::name::GeneralName;
use x509_tsp::{Accuracy, MessageImprint};

use crate::algorithm::{DigestAlg, SignatureAlg};
use crate::crypto::{self, EcdsaEncoding};
use crate::trust::Cert;

pub(super) const ID_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
pub(super) const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
pub(super) const ID_CONTENT_TYPE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
pub(super) const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
pub(super) const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub(super) const ID_KP_TIME_STAMPING: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// TSTInfo (RFC 3161 §2.4.2), with `genTime` kept raw: RFC 3161 allows fractional seconds
/// ("YYYYMMDDhhmmss[.s...]Z"), which DER's GeneralizedTime type in der 0.7 refuses, and
/// x509-tsp 0.1's TstInfo uses that type. OpenSSL writes fractions when `clock_precision_digits`
/// is set, and so do many public TSAs.
#[derive(Clone, Debug, Sequence)]
pub(super) struct TstInfo {
    pub(super) version: Int,
    /// Kept as DER: a UUID policy (2.25.…) has an arc beyond `ObjectIdentifier`'s.
    pub(super) policy: Any,
    pub(super) message_imprint: MessageImprint,
    pub(super) serial_number: Int,
    pub(super) gen_time: Any,
    #[asn1(optional = "true")]
    pub(super) accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    pub(super) ordering: bool,
    #[asn1(optional = "true")]
    pub(super) nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(super) tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub(super) extensions: Option<x509_cert::ext::Extensions>,
}

/// ESSCertID (RFC 2634 §5.4.1): SHA-1 of the TSA certificate.
#[derive(Clone, Debug, Sequence)]
struct EssCertId {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct SigningCertificate {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// ESSCertIDv2 (RFC 5035 §4): the hash algorithm defaults to SHA-256.
#[derive(Clone, Debug, Sequence)]
pub(super) struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub(super) hash_algorithm: Option<x509_cert::spki::AlgorithmIdentifierOwned>,
    pub(super) cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub(super) issuer_serial: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
pub(super) struct SigningCertificateV2 {
    pub(super) certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub(super) policies: Option<Any>,
}

/// Why a token does not prove what it claims. Each maps to a finding code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not a CMS SignedData over a TSTInfo, or undecodable.
    Malformed(String),
    /// The token's imprint is not the digest of the data it is said to time-stamp.
    ImprintMismatch,
    /// The TSA's signature, its message digest, or its signing-certificate binding is wrong.
    SignatureInvalid(String),
    /// The signer certificate is not in the token.
    TsaCertificateMissing,
    /// The signer certificate is not a time-stamping certificate (RFC 3161 §2.3).
    NotATsaCertificate(String),
}

impl std::fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenProblem::Malformed(why) => write!(f, "the time-stamp token is malformed: {why}"),
            TokenProblem::ImprintMismatch => write!(
                f,
                "the time-stamp token is for other data (its message imprint does not match)"
            ),
            TokenProblem::SignatureInvalid(why) => {
                write!(f, "the time-stamp token's signature is invalid: {why}")
            }
            TokenProblem::TsaCertificateMissing => {
                write!(
                    f,
                    "the time-stamp token does not carry the TSA's certificate"
                )
            }
            TokenProblem::NotATsaCertificate(who) => write!(
                f,
                "{who} signed the time-stamp token but is not a time-stamping certificate"
            ),
        }
    }
}

impl TokenProblem {
    pub fn code(&self) -> &'static str {
        match self {
            TokenProblem::Malformed(_) => "timestamp-malformed",
            TokenProblem::ImprintMismatch => "timestamp-imprint-mismatch",
            TokenProblem::SignatureInvalid(_) => "timestamp-signature-invalid",
            TokenProblem::TsaCertificateMissing => "timestamp-tsa-certificate-missing",
            TokenProblem::NotATsaCertificate(_) => "timestamp-not-tsa-certificate",
        }
    }
}

/// A token whose signature and imprint checked out: what it proves.
#[derive(Debug, Clone)]
pub struct Timestamp {
    /// `genTime`, to the second (fractions are cut: RFC 3161 times are compared to certificate
    /// and CRL times, which have whole seconds).
    pub time: OffsetDateTime,
    /// `genTime` as the TSA wrote it.
    pub time_text: String,
    pub digest: DigestAlg,
    /// The certificate whose key signed the token.
    pub tsa: Cert,
    /// Every certificate the token carries (for the TSA's path).
    pub certs: Vec<Cert>,
    pub nonce: Option<Vec<u8>>,
    pub policy: String,
}

/// Parses `token` (a TimeStampToken, i.e. a ContentInfo) and checks it against `data`, the bytes
/// that were time-stamped.
pub fn check(token: &[u8], data: &[u8]) -> Result<Timestamp, TokenProblem> {
    let malformed = |what: &str, e: der::Error| TokenProblem::Malformed(format!("{what}: {e}"));
    let token = super::ber::to_der(token).map_err(TokenProblem::Malformed)?;
    let ci = ContentInfo::from_der(&token).map_err(|e| malformed("ContentInfo", e))?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(TokenProblem::Malformed(format!(
            "content type {} is not SignedData",
            ci.content_type
        )));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| malformed("SignedData", e))?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(TokenProblem::Malformed(format!(
            "encapsulated content {} is not a TSTInfo",
            sd.encap_content_info.econtent_type
        )));
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| TokenProblem::Malformed("no TSTInfo".into()))?;
    let tst_der = econtent
        .decode_as::<OctetString>()
        .map_err(|e| malformed("TSTInfo octets", e))?
        .as_bytes()
        .to_vec();
    let tst = TstInfo::from_der(&tst_der).map_err(|e| malformed("TSTInfo", e))?;

    let digest = digest_alg(&tst.message_imprint.hash_algorithm.oid).ok_or_else(|| {
        TokenProblem::Malformed(format!(
            "unknown imprint hash {}",
            tst.message_imprint.hash_algorithm.oid
        ))
    })?;
    if tst.message_imprint.hashed_message.as_bytes() != digest.digest(data).as_slice() {
        return Err(TokenProblem::ImprintMismatch);
    }
    let (time, time_text) = gen_time(&tst.gen_time)?;

    let certs: Vec<Cert> = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => c.to_der().ok(),
            CertificateChoices::Other(_) => None,
        })
        .filter_map(|der| Cert::from_der(der).ok())
        .collect();
    let mut signers = sd.signer_infos.0.iter();
    let (Some(si), None) = (signers.next(), signers.next()) else {
        return Err(TokenProblem::Malformed(
            "a time-stamp token has exactly one SignerInfo".into(),
        ));
    };
    let tsa = signer_certificate(si, &certs).ok_or(TokenProblem::TsaCertificateMissing)?;
    check_signer_info(si, &tst_der, &tsa)?;
    if !has_time_stamping_purpose(&tsa) {
        return Err(TokenProblem::NotATsaCertificate(tsa.subject()));
    }
    Ok(Timestamp {
        time,
        time_text,
        digest,
        tsa,
        certs,
        nonce: tst.nonce.map(|n| n.as_bytes().to_vec()),
        policy: super::policy::text(&tst.policy).unwrap_or_default(),
    })
}

/// RFC 5652 §5.4: with signed attributes, the signature covers their DER encoding as a SET OF,
/// and the message-digest attribute must equal the digest of the content; the content-type
/// attribute must name the content. RFC 3161 §2.4.1 adds the ESS signing certificate.
fn check_signer_info(si: &SignerInfo, content: &[u8], tsa: &Cert) -> Result<(), TokenProblem> {
    let invalid = |why: &str| TokenProblem::SignatureInvalid(why.to_string());
    let dalg = digest_alg(&si.digest_alg.oid)
        .ok_or_else(|| invalid(&format!("unknown digest algorithm {}", si.digest_alg.oid)))?;
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| invalid("no signed attributes"))?;
    let attr = |oid: ObjectIdentifier| -> Option<&Any> {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
    };
    let content_type = attr(ID_CONTENT_TYPE)
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| invalid("no content-type attribute"))?;
    if content_type != ID_CT_TST_INFO {
        return Err(invalid("the content-type attribute is not TSTInfo"));
    }
    let message_digest = attr(ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or_else(|| invalid("no message-digest attribute"))?;
    if message_digest.as_bytes() != dalg.digest(content).as_slice() {
        return Err(invalid("the TSTInfo was changed after the TSA signed it"));
    }
    check_signing_certificate_attribute(
        attr(ID_SIGNING_CERTIFICATE),
        attr(ID_SIGNING_CERTIFICATE_V2),
        tsa,
    )?;

    let alg = signature_alg(&si.signature_algorithm.oid, dalg).ok_or_else(|| {
        invalid(&format!(
            "unknown signature algorithm {}",
            si.signature_algorithm.oid
        ))
    })?;
    let signed = attrs
        .to_der()
        .map_err(|e| invalid(&format!("signed attributes: {e}")))?;
    let spki = tsa
        .spki_der()
        .map_err(|_| invalid("the TSA certificate's key is unreadable"))?;
    if crypto::verify(
        &spki,
        alg,
        &signed,
        si.signature.as_bytes(),
        EcdsaEncoding::Der,
    ) {
        Ok(())
    } else {
        Err(invalid(
            "the signature does not verify with the TSA's certificate",
        ))
    }
}

/// The first ESSCertID(v2) must be the hash of the certificate that signed (RFC 5816 §2.2.1),
/// so that a token cannot be re-attributed to another certificate with the same key.
fn check_signing_certificate_attribute(
    v1: Option<&Any>,
    v2: Option<&Any>,
    tsa: &Cert,
) -> Result<(), TokenProblem> {
    let invalid = |why: &str| TokenProblem::SignatureInvalid(why.to_string());
    let (alg, hash) = if let Some(v) = v2 {
        let sc: SigningCertificateV2 = v
            .decode_as()
            .map_err(|e| invalid(&format!("signingCertificateV2: {e}")))?;
        let first = sc
            .certs
            .first()
            .ok_or_else(|| invalid("empty signingCertificateV2"))?;
        let alg = match &first.hash_algorithm {
            None => DigestAlg::Sha256,
            Some(a) => {
                digest_alg(&a.oid).ok_or_else(|| invalid("unknown signingCertificateV2 hash"))?
            }
        };
        (alg, first.cert_hash.as_bytes().to_vec())
    } else if let Some(v) = v1 {
        let sc: SigningCertificate = v
            .decode_as()
            .map_err(|e| invalid(&format!("signingCertificate: {e}")))?;
        let first = sc
            .certs
            .first()
            .ok_or_else(|| invalid("empty signingCertificate"))?;
        (DigestAlg::Sha1, first.cert_hash.as_bytes().to_vec())
    } else {
        return Err(invalid(
            "no signing-certificate attribute (RFC 3161 §2.4.1)",
        ));
    };
    if alg.digest(tsa.der()) == hash {
        Ok(())
    } else {
        Err(invalid(
            "the signing-certificate attribute names another certificate",
        ))
    }
}

fn signer_certificate(si: &SignerInfo, certs: &[Cert]) -> Option<Cert> {
    match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            let issuer = ias.issuer.to_der().ok()?;
            certs
                .iter()
                .find(|c| {
                    c.issuer_der() == issuer && c.serial_bytes() == ias.serial_number.as_bytes()
                })
                .cloned()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => certs
            .iter()
            .find(|c| c.subject_key_id().as_deref() == Some(ski.0.as_bytes()))
            .cloned(),
    }
}

/// RFC 3161 §2.3: the TSA's certificate has an extended key usage of id-kp-timeStamping only.
/// Only its presence is required here; Office's and OpenSSL's TSAs mark it critical as asked.
fn has_time_stamping_purpose(cert: &Cert) -> bool {
    cert.extension::<x509_cert::ext::pkix::ExtendedKeyUsage>(
        const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
    )
    .is_some_and(|eku| eku.0.contains(&ID_KP_TIME_STAMPING))
}

pub fn digest_alg(oid: &ObjectIdentifier) -> Option<DigestAlg> {
    use const_oid::db::rfc5912::*;
    Some(match *oid {
        ID_SHA_1 => DigestAlg::Sha1,
        ID_SHA_256 => DigestAlg::Sha256,
        ID_SHA_384 => DigestAlg::Sha384,
        ID_SHA_512 => DigestAlg::Sha512,
        _ => return None,
    })
}

pub fn digest_oid(alg: DigestAlg) -> ObjectIdentifier {
    use const_oid::db::rfc5912::*;
    match alg {
        DigestAlg::Sha1 => ID_SHA_1,
        DigestAlg::Sha256 => ID_SHA_256,
        DigestAlg::Sha384 => ID_SHA_384,
        DigestAlg::Sha512 => ID_SHA_512,
    }
}

/// CMS lets the SignerInfo name just `rsaEncryption` with the digest beside it (Office's Belgian
/// TSA does); otherwise it is an X.509 signature algorithm.
fn signature_alg(oid: &ObjectIdentifier, digest: DigestAlg) -> Option<SignatureAlg> {
    if *oid == RSA_ENCRYPTION {
        return Some(SignatureAlg::Rsa(digest));
    }
    crypto::x509_algorithm(oid)
}

/// `genTime` (RFC 3161 §2.4.2): "YYYYMMDDhhmmss[.s...]Z", UTC, no trailing zeros in a fraction.
fn gen_time(any: &Any) -> Result<(OffsetDateTime, String), TokenProblem> {
    let bad = || TokenProblem::Malformed("genTime is not a GeneralizedTime in UTC".into());
    if any.tag() != Tag::GeneralizedTime {
        return Err(bad());
    }
    let text = std::str::from_utf8(any.value()).map_err(|_| bad())?;
    let body = text.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if let Some(f) = fraction {
        if f.is_empty() || f.ends_with('0') || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
    }
    let n = |r: std::ops::Range<usize>| whole[r].parse::<u32>().map_err(|_| bad());
    let month = time::Month::try_from(n(4..6)? as u8).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(n(0..4)? as i32, month, n(6..8)? as u8)
        .map_err(|_| bad())?;
    let t = time::Time::from_hms(n(8..10)? as u8, n(10..12)? as u8, n(12..14)? as u8)
        .map_err(|_| bad())?;
    Ok((date.with_time(t).assume_utc(), text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gt(s: &str) -> Any {
        Any::new(Tag::GeneralizedTime, s.as_bytes()).expect("any")
    }

    #[test]
    fn gen_time_takes_fractions_and_refuses_malformed_ones() {
        let (t, text) = gen_time(&gt("20261127162520.017Z")).expect("fraction");
        assert_eq!(text, "20261127162520.017Z");
        assert_eq!(t.unix_timestamp(), 1_795_796_720);
        assert!(gen_time(&gt("20110820051839Z")).is_ok());
        for bad in [
            "20261127162520.170Z",
            "20261127162520.Z",
            "20261127162520",
            "2026112716252Z",
        ] {
            assert!(gen_time(&gt(bad)).is_err(), "{bad}");
        }
    }
}
