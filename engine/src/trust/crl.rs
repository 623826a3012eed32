//! Certificate revocation lists (RFC 5280 §5): how the seal center says a seal was lost.

use der::{Decode, Encode};
use x509_cert::crl::CertificateList;

use super::cert::Cert;
use crate::crypto::{self, EcdsaEncoding};
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Crl {
    der: Vec<u8>,
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
        Ok(Crl { der, parsed })
    }

    /// A CRL file (DER or PEM), as `--crl` names it.
    pub fn load_file(path: &std::path::Path) -> Result<Crl> {
        Crl::load(&std::fs::read(path).map_err(|e| Error::io(path, e))?)
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The issuer's name, RFC 4514 string.
    pub fn issuer(&self) -> String {
        super::dn::text(&self.parsed.tbs_cert_list.issuer)
    }

    /// `thisUpdate`: when the issuer made this list.
    pub fn this_update(&self) -> time::OffsetDateTime {
        to_time(self.parsed.tbs_cert_list.this_update.to_unix_duration())
    }

    /// `nextUpdate`: after it, the list says nothing of certificates it does not list
    /// (RFC 5280 §5.1.2.5).
    pub fn next_update(&self) -> Option<time::OffsetDateTime> {
        self.parsed
            .tbs_cert_list
            .next_update
            .map(|t| to_time(t.to_unix_duration()))
    }

    /// Does this list speak for time `t`: not past its nextUpdate?
    pub fn fresh_at(&self, t: time::OffsetDateTime) -> bool {
        self.next_update().is_none_or(|n| n >= t)
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

    /// The entry for `cert`, if this CRL lists it (RFC 5280 §5.1.2.6: serial, revocationDate,
    /// and the reasonCode entry extension §5.3.1).
    pub fn revocation_of(&self, cert: &Cert) -> Option<Revocation> {
        let entry = self
            .parsed
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find(|r| r.serial_number.as_bytes() == cert.serial_bytes())?;
        let secs = entry.revocation_date.to_unix_duration().as_secs() as i64;
        let reason = entry
            .crl_entry_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_REASONS)
            .and_then(|e| x509_cert::ext::pkix::CrlReason::from_der(e.extn_value.as_bytes()).ok())
            .map(|r| format!("{r:?}"));
        Some(Revocation {
            subject: cert.subject(),
            at: time::OffsetDateTime::from_unix_timestamp(secs)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            reason,
        })
    }
}

fn to_time(d: std::time::Duration) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(d.as_secs() as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// A certificate the CRL lists as revoked.
#[derive(Debug, Clone)]
pub struct Revocation {
    pub subject: String,
    /// `revocationDate`: from this moment on, signatures by the certificate prove nothing.
    pub at: time::OffsetDateTime,
    /// The `reasonCode` entry extension (keyCompromise, ...), when the CRL gives one.
    pub reason: Option<String>,
}
