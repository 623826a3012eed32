//! RFC 5280 path validation by rustls-webpki: path building over the anchors and the
//! certificates the signature carries, signatures, validity at the judged time, basic and name
//! constraints, path length, critical extensions. webpki is built for TLS, so two things are
//! set for seals: extended key usage is not required (seal and CA certificates rarely carry it;
//! a TSA's timeStamping purpose is checked where tokens are), and what a seal additionally needs
//! (the leaf may sign documents, issuers have keyCertSign) is checked by `trust::check`.

use std::time::Duration;

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use time::OffsetDateTime;
use webpki::{EndEntityCert, ExtendedKeyUsageValidator, KeyPurposeIdIter};

use super::Cert;

/// Seals have no extended key usage to demand: any, or none, is accepted on every certificate of
/// the path (webpki applies the validator to each).
struct AnyPurpose;

impl ExtendedKeyUsageValidator for AnyPurpose {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        // Still read them all, so a malformed extension is refused.
        for purpose in iter {
            purpose?;
        }
        Ok(())
    }
}

/// The path webpki verified from `leaf` through `pool` to one of `anchors` at `at`, as docseal's
/// certificates: `leaf`, the issuers above it, and the anchor last. `Err` says why there is none,
/// in a sentence.
pub fn verified_path(
    leaf: &Cert,
    pool: &[Cert],
    anchors: &[Cert],
    at: OffsetDateTime,
) -> Result<Vec<Cert>, String> {
    let anchor_ders: Vec<CertificateDer<'_>> = anchors
        .iter()
        .map(|a| CertificateDer::from(a.der()))
        .collect();
    // Each parsed anchor with the certificate it came from (an anchor webpki cannot read is
    // left out, as before).
    let (trust_anchors, anchor_of): (Vec<TrustAnchor<'_>>, Vec<&Cert>) = anchor_ders
        .iter()
        .zip(anchors)
        .filter_map(|(d, a)| webpki::anchor_from_trusted_cert(d).ok().map(|t| (t, a)))
        .unzip();
    let intermediates: Vec<CertificateDer<'_>> = pool
        .iter()
        .filter(|c| *c != leaf)
        .map(|c| CertificateDer::from(c.der()))
        .collect();
    let leaf_der = CertificateDer::from(leaf.der());
    let ee = EndEntityCert::try_from(&leaf_der).map_err(|e| describe(&e))?;
    let time = UnixTime::since_unix_epoch(Duration::from_secs(at.unix_timestamp().max(0) as u64));
    let path = ee
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &trust_anchors,
            &intermediates,
            time,
            AnyPurpose,
            None,
            None,
        )
        .map_err(|e| describe(&e))?;
    let mut chain = vec![leaf.clone()];
    for issuer in path.intermediate_certificates() {
        let der = issuer.der();
        let cert = pool
            .iter()
            .find(|c| c.der() == der.as_ref())
            .ok_or_else(|| {
                "the verified path holds a certificate that was not given".to_string()
            })?;
        chain.push(cert.clone());
    }
    let anchor = trust_anchors
        .iter()
        .position(|t| t == path.anchor())
        .map(|i| anchor_of[i])
        .ok_or_else(|| "the verified path ends at an anchor that was not given".to_string())?;
    chain.push(anchor.clone());
    Ok(chain)
}

fn describe(e: &webpki::Error) -> String {
    use webpki::Error::*;
    match e {
        UnknownIssuer => "the certificate does not chain to a configured trust anchor".into(),
        CertExpired { .. } | CertNotValidYet { .. } => {
            "a certificate of the path is not valid at the time judged".into()
        }
        EndEntityUsedAsCa => "a certificate that is not a CA issued another".into(),
        CaUsedAsEndEntity => "a CA certificate signed the document".into(),
        PathLenConstraintViolated => "the path is longer than a CA's pathLenConstraint allows".into(),
        UnsupportedSignatureAlgorithmContext(_)
        | UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "a certificate of the path is signed with an algorithm not accepted for certificates (SHA-1 no longer resists forgery)".into()
        }
        InvalidSignatureForPublicKey => "a certificate's signature does not verify with its issuer's key".into(),
        UnsupportedCriticalExtension => "a certificate of the path has a critical extension no verifier may ignore".into(),
        NameConstraintViolation => "a certificate of the path breaks its issuer's name constraints".into(),
        other => format!("the certificate path is not valid ({other})"),
    }
}
