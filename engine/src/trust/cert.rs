//! An X.509 certificate as we use it: DER bytes kept for digests, the parsed form for names,
//! serials, validity and keys.

use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::error::{Error, Result};

#[derive(Clone, Debug)]
pub struct Cert {
    der: Vec<u8>,
    parsed: Certificate,
}

impl PartialEq for Cert {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Cert {
    pub fn from_der(der: Vec<u8>) -> Result<Cert> {
        let parsed = Certificate::from_der(&der)
            .map_err(|e| Error::Certificate(format!("not an X.509 certificate: {e}")))?;
        Ok(Cert { der, parsed })
    }

    /// Every certificate in a PEM file (or one DER certificate).
    pub fn load_all(bytes: &[u8]) -> Result<Vec<Cert>> {
        if bytes.starts_with(b"-----")
            || bytes.iter().take(64).all(|b| b.is_ascii())
                && bytes.windows(11).any(|w| w == b"-----BEGIN ")
        {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| Error::Certificate("PEM file is not text".into()))?;
            let mut out = Vec::new();
            for block in text.split("-----BEGIN CERTIFICATE-----").skip(1) {
                let body = block
                    .split("-----END CERTIFICATE-----")
                    .next()
                    .unwrap_or("");
                let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                use base64::Engine;
                let der = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| {
                        Error::Certificate(format!("bad base64 in PEM certificate: {e}"))
                    })?;
                out.push(Cert::from_der(der)?);
            }
            if out.is_empty() {
                return Err(Error::Certificate(
                    "no CERTIFICATE block in PEM file".into(),
                ));
            }
            Ok(out)
        } else {
            Ok(vec![Cert::from_der(bytes.to_vec())?])
        }
    }

    /// Every certificate in a PEM or DER file.
    pub fn load_file(path: &std::path::Path) -> Result<Vec<Cert>> {
        Cert::load_all(&std::fs::read(path).map_err(|e| Error::io(path, e))?)
    }

    /// Every certificate of every `.pem`, `.crt`, `.cer` and `.der` file in a folder (not its
    /// subfolders), in name order: an anchor folder such as `--trust-dir`.
    pub fn load_dir(dir: &std::path::Path) -> Result<Vec<Cert>> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        matches!(
                            e.to_ascii_lowercase().as_str(),
                            "pem" | "crt" | "cer" | "der"
                        )
                    })
            })
            .collect();
        files.sort();
        let mut out = Vec::new();
        for f in files {
            out.extend(Cert::load_file(&f)?);
        }
        if out.is_empty() {
            return Err(Error::Certificate(format!(
                "{}: no certificate files (.pem, .crt, .cer, .der)",
                dir.display()
            )));
        }
        Ok(out)
    }
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    pub fn parsed(&self) -> &Certificate {
        &self.parsed
    }
    pub fn subject(&self) -> String {
        super::dn::text(&self.parsed.tbs_certificate.subject)
    }
    /// The subject's common name (the last CN, as RFC 4514 strings list them most specific
    /// first), or the whole subject when it has none: what a person calls the seal.
    pub fn common_name(&self) -> String {
        let subject = self.subject();
        subject
            .split(',')
            .find_map(|p| p.trim().strip_prefix("CN="))
            .map(str::to_string)
            .unwrap_or(subject)
    }

    pub fn issuer(&self) -> String {
        super::dn::text(&self.parsed.tbs_certificate.issuer)
    }
    pub fn subject_der(&self) -> Vec<u8> {
        self.parsed
            .tbs_certificate
            .subject
            .to_der()
            .unwrap_or_default()
    }
    pub fn issuer_der(&self) -> Vec<u8> {
        self.parsed
            .tbs_certificate
            .issuer
            .to_der()
            .unwrap_or_default()
    }
    pub fn serial_hex(&self) -> String {
        hex_upper(self.parsed.tbs_certificate.serial_number.as_bytes())
    }
    pub fn serial_bytes(&self) -> &[u8] {
        self.parsed.tbs_certificate.serial_number.as_bytes()
    }
    pub fn fingerprint_sha256(&self) -> String {
        hex_upper(&Sha256::digest(&self.der))
    }
    pub fn not_before(&self) -> OffsetDateTime {
        to_time(
            self.parsed
                .tbs_certificate
                .validity
                .not_before
                .to_unix_duration(),
        )
    }
    pub fn not_after(&self) -> OffsetDateTime {
        to_time(
            self.parsed
                .tbs_certificate
                .validity
                .not_after
                .to_unix_duration(),
        )
    }
    pub fn valid_at(&self, t: OffsetDateTime) -> bool {
        self.not_before() <= t && t <= self.not_after()
    }
    /// The SubjectPublicKeyInfo, DER.
    /// Whether `signature` (DER for ECDSA) over `data` was made with this certificate's key, in
    /// the algorithm family of the certificate's own signature (a CA signs as it was signed).
    pub fn verifies(&self, data: &[u8], signature: &[u8]) -> bool {
        let (Ok(spki), Some(alg)) = (
            self.spki_der(),
            crate::crypto::x509_algorithm(&self.parsed.signature_algorithm.oid),
        ) else {
            return false;
        };
        crate::crypto::verify(
            &spki,
            alg,
            data,
            signature,
            crate::crypto::EcdsaEncoding::Der,
        )
    }

    pub fn spki_der(&self) -> Result<Vec<u8>> {
        self.parsed
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| Error::Certificate(format!("certificate key: {e}")))
    }
    /// The TBSCertificate, DER (what the issuer signed).
    pub fn tbs_der(&self) -> Result<Vec<u8>> {
        self.parsed
            .tbs_certificate
            .to_der()
            .map_err(|e| Error::Certificate(format!("certificate: {e}")))
    }
    pub fn is_self_issued(&self) -> bool {
        self.subject_der() == self.issuer_der()
    }
    /// The subjectKeyIdentifier extension's bytes, if present (how CMS may name a signer).
    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        self.extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>(
            const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
        )
        .map(|ski| ski.0.as_bytes().to_vec())
    }
    /// basicConstraints cA=true.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints().is_some_and(|bc| bc.ca)
    }
    /// The basicConstraints extension (RFC 5280 §4.2.1.9), if present.
    pub fn basic_constraints(&self) -> Option<x509_cert::ext::pkix::BasicConstraints> {
        self.extension(const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS)
    }
    /// The keyUsage extension (RFC 5280 §4.2.1.3), if present; absent means unrestricted.
    pub fn key_usage(&self) -> Option<x509_cert::ext::pkix::KeyUsage> {
        self.extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE)
    }
    /// The first extension `oid` that decodes as `T` (RFC 5280 §4.2), if present.
    /// The URIs of the CRL distribution points (RFC 5280 §4.2.1.13), whatever their scheme: the
    /// caller decides which it would fetch.
    pub fn crl_distribution_points(&self) -> Vec<String> {
        use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
        use x509_cert::ext::pkix::CrlDistributionPoints;
        self.extension::<CrlDistributionPoints>(
            const_oid::db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
        )
        .into_iter()
        .flat_map(|dps| dps.0.into_iter())
        .filter_map(|dp| match dp.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .collect()
    }

    pub fn extension<T: for<'a> der::Decode<'a>>(
        &self,
        oid: const_oid::ObjectIdentifier,
    ) -> Option<T> {
        self.parsed
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .filter(|e| e.extn_id == oid)
            .find_map(|e| T::from_der(e.extn_value.as_bytes()).ok())
    }
}

fn to_time(d: std::time::Duration) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(d.as_secs() as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
