//! Certificate revocation lists (RFC 5280 §5): how the seal center says a seal was lost.

use der::{Decode, Encode};
use x509_cert::crl::CertificateList;

use super::cert::Cert;
use crate::crypto::{self, EcdsaEncoding};
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Crl {
    parsed: CertificateList,
}

impl Crl {
    /// A CRL in DER or PEM.
    pub fn load(bytes: &[u8]) -> Result<Crl> {
        let der = if bytes.starts_with(b"-----BEGIN") {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| Error::Certificate("CRL PEM is not text".into()))?;
            let body = text
                .split("-----BEGIN X509 CRL-----")
                .nth(1)
                .and_then(|b| b.split("-----END X509 CRL-----").next())
                .ok_or_else(|| Error::Certificate("no X509 CRL block in PEM file".into()))?;
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(
                    body.chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>(),
                )
                .map_err(|e| Error::Certificate(format!("bad base64 in CRL: {e}")))?
        } else {
            bytes.to_vec()
        };
        let parsed = CertificateList::from_der(&der)
            .map_err(|e| Error::Certificate(format!("not a CRL: {e}")))?;
        Ok(Crl { parsed })
    }

    /// Is this CRL signed by `issuer`?
    pub fn issued_by(&self, issuer: &Cert) -> bool {
        let tbs = &self.parsed.tbs_cert_list;
        if tbs.issuer.to_der().ok() != Some(issuer.subject_der()) {
            return false;
        }
        let Some(alg) = crypto::x509_algorithm(&self.parsed.signature_algorithm.oid) else {
            return false;
        };
        let (Ok(tbs_der), Ok(spki)) = (tbs.to_der(), issuer.spki_der()) else {
            return false;
        };
        let Some(sig) = self.parsed.signature.as_bytes() else {
            return false;
        };
        crypto::verify(&spki, alg, &tbs_der, sig, EcdsaEncoding::Der)
    }

    /// A sentence saying when `cert` was revoked, if this CRL lists it.
    pub fn revocation_of(&self, cert: &Cert) -> Option<String> {
        self.parsed
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find_map(|r| {
                (r.serial_number.as_bytes() == cert.serial_bytes()).then(|| {
                    let when = r.revocation_date.to_unix_duration().as_secs() as i64;
                    let when = time::OffsetDateTime::from_unix_timestamp(when)
                        .map(crate::datetime::format_time)
                        .unwrap_or_default();
                    format!(
                        "the seal certificate {} was revoked on {when}",
                        cert.subject()
                    )
                })
            })
    }
}
