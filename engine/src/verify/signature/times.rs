//! The signature's times: the time it claims, the signing certificate XAdES binds, and the
//! time-stamps that prove (or fail to prove) when it existed.

use crate::algorithm::DigestAlg;
use crate::dsig::parse::{self};
use crate::verify::finding::Finding;
use crate::verify::timestamps::{self, TimestampKind};

use super::check::SignatureCheck;
use super::references::Signed;

/// When the signature says it was made — XAdES SigningTime first, then the package object's
/// mdssi:SignatureTime — and what its time-stamps prove.
pub(super) fn judge_times(
    check: &mut SignatureCheck,
    sig: &parse::ParsedSignature,
    signed: &Signed,
) {
    // Signing time: XAdES first, then the package object's mdssi:SignatureTime.
    check.xades = sig.xades.is_some();
    if let Some(xades) = &sig.xades {
        if !xades
            .id
            .as_ref()
            .is_some_and(|id| signed.referenced_ids.contains(id))
        {
            check.error(
                "unsigned-signed-properties",
                "the XAdES SignedProperties are not covered by SignedInfo",
            );
        }
        check.signed_at = xades.signing_time.clone();
        check_signing_certificate(check, xades);
    }
    if check.signed_at.is_none() {
        check.signed_at = signed
            .manifest_objects
            .iter()
            .find_map(|o| o.signature_time.clone());
    }

    // Time-stamps: a token that does not prove what it says makes the signature invalid, as a
    // changed signed object would (it is the evidence the verdict relies on).
    check.timestamps = timestamps::check(&sig.root);
    let (ltv_certs, ltv_crls) = timestamps::long_term_values(&sig.root);
    check.pool.extend(ltv_certs);
    check.embedded_crls = ltv_crls;
    let problems: Vec<_> = check
        .timestamps
        .iter()
        .filter_map(|t| t.result.as_ref().err().map(|e| (t.kind, e.clone())))
        .collect();
    for (kind, p) in problems {
        match kind {
            TimestampKind::Signature => check.error(p.code(), p.to_string()),
            // The X-L time-stamp proves when the validation data was gathered, not the
            // signature: one that does not match leaves that time unproven and the signature
            // as it is (its own time-stamp, its CRLs, each checked on its own). Seen in the
            // Belgian eID DSS's early X-L signatures: their SignatureTimeStamp holds, their
            // SigAndRefsTimeStamp matches no reading of XAdES §7.5.1 (docs/design-notes.md).
            TimestampKind::SigAndRefs => {
                let part = check.part.to_string();
                check.findings.push(Finding::warning(
                    p.code(),
                    Some(&part),
                    format!(
                        "the long-term data's time-stamp (SigAndRefsTimeStamp) does not prove its data ({p}): when the validation data was gathered is not proven; the signature and its own time-stamp are judged without it"
                    ),
                ));
            }
        }
    }
}

/// XAdES SigningCertificate / SigningCertificateV2: the certificate's digest must be that of the
/// certificate the SignatureValue verified with.
fn check_signing_certificate(check: &mut SignatureCheck, xades: &parse::XadesSigned) {
    let Some(digests) = &xades.signing_certificates else {
        check.error(
            "signing-certificate-missing",
            "XAdES SignedProperties name no signing certificate",
        );
        return;
    };
    let Some(signer) = check.signer.clone() else {
        return;
    };
    let matched = digests
        .iter()
        .any(|d| match (DigestAlg::from_uri(&d.method), &d.value) {
            (Some(alg), Some(value)) => alg.digest(signer.der()) == *value,
            _ => false,
        });
    if !matched {
        check.error(
            "signing-certificate-mismatch",
            "the certificate in KeyInfo is not the one the XAdES SigningCertificate names (certificate swapped?)",
        );
    }
}
