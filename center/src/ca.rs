//! The center's certificate authority: its own certificate and key, the seal certificates it
//! issues, the CRLs it signs (RFC 5280 §5), and signatures over the audit log's head.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    DistinguishedName, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, RevokedCertParams,
    SerialNumber,
};
use std::path::Path;
use time::{Duration, OffsetDateTime};

use crate::error::{Error, Result};
use crate::files;

pub const CERT_FILE: &str = "ca.pem";
pub const KEY_FILE: &str = "ca.key";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// ECDSA on P-256 with SHA-256.
    Ec,
    /// RSA-3072, PKCS#1 v1.5 with SHA-256.
    Rsa,
}

pub struct Ca {
    cert_pem: String,
    cert_der: Vec<u8>,
    key: KeyPair,
}

/// What a seal certificate names: the seal's name, its unit, and its id in the registry.
pub struct SealSubject<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub unit: Option<&'a str>,
}

impl Ca {
    /// A new CA: a fresh key of `key_type` and a self-signed certificate for `name`, valid
    /// twenty years, allowed to sign certificates and CRLs and nothing below a seal.
    pub fn create(name: &str, key_type: KeyType) -> Result<Ca> {
        let key = match key_type {
            KeyType::Ec => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?,
            KeyType::Rsa => rsa_3072()?,
        };
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, name);
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + Duration::days(365 * 20);
        params.serial_number = Some(random_serial()?);
        let cert = params.self_signed(&key)?;
        Ok(Ca {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key,
        })
    }

    /// The organisation's own CA: its certificate and its PKCS#8 key, both PEM.
    pub fn import(cert_pem: &str, key_pem: &str) -> Result<Ca> {
        use rcgen::PublicKeyData;
        let key = KeyPair::from_pem(key_pem)
            .map_err(|e| Error::Crypto(format!("the CA key cannot be read: {e}")))?;
        let cert = docseal::trust::Cert::load_all(cert_pem.as_bytes())
            .ok()
            .and_then(|c| c.into_iter().next())
            .ok_or_else(|| Error::Crypto("the CA certificate cannot be read".into()))?;
        if cert.spki_der().ok().as_deref() != Some(key.subject_public_key_info().as_slice()) {
            return Err(Error::Invalid(
                "the CA key does not belong to the CA certificate".into(),
            ));
        }
        // An issuer is only accepted if rcgen can read it as one.
        Issuer::from_ca_cert_pem(cert_pem, &key)?;
        Ok(Ca {
            cert_pem: cert_pem.to_string(),
            cert_der: cert.der().to_vec(),
            key,
        })
    }

    pub fn load(dir: &Path) -> Result<Ca> {
        let cert = files::read(&dir.join(CERT_FILE))?;
        let key = files::read(&dir.join(KEY_FILE))?;
        Ca::import(
            &String::from_utf8_lossy(&cert),
            &String::from_utf8_lossy(&key),
        )
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        files::create_private(&dir.join(KEY_FILE), self.key.serialize_pem().as_bytes())?;
        files::create_private(&dir.join(CERT_FILE), self.cert_pem.as_bytes())
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    fn issuer(&self) -> Result<Issuer<'static, &KeyPair>> {
        Ok(Issuer::from_ca_cert_pem(&self.cert_pem, &self.key)?)
    }

    /// A seal certificate for the public key `spki_der`: keyUsage digitalSignature and
    /// nonRepudiation (RFC 5280 §4.2.1.3; "contentCommitment"), the center's CRL distribution
    /// point (§4.2.1.13), and the seal id as the subject's serialNumber attribute (X.520 §6.2.9).
    pub fn issue_seal(
        &self,
        spki_der: &[u8],
        subject: &SealSubject,
        crl_url: &str,
        valid_days: i64,
    ) -> Result<String> {
        let public = rcgen::SubjectPublicKeyInfo::from_der(spki_der)
            .map_err(|e| Error::Invalid(format!("the seal's public key cannot be read: {e}")))?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        if let Some(unit) = subject.unit {
            dn.push(DnType::OrganizationName, unit);
        }
        dn.push(DnType::CommonName, subject.name);
        dn.push(
            DnType::CustomDnType(vec![2, 5, 4, 5]),
            rcgen::DnValue::PrintableString(
                subject
                    .id
                    .try_into()
                    .map_err(|_| Error::Invalid("a seal id must be printable".into()))?,
            ),
        );
        params.distinguished_name = dn;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![crl_url.to_string()],
        }];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + Duration::days(valid_days);
        params.serial_number = Some(random_serial()?);
        Ok(params.signed_by(&public, &self.issuer()?)?.pem())
    }

    /// A CRL numbered `number` listing `revoked`, valid for two days; the center issues one on
    /// every change and at least daily (RFC 5280 §5.1.2.5: nextUpdate is when the next is due
    /// at the latest).
    pub fn crl(&self, number: u64, revoked: Vec<RevokedCertParams>) -> Result<Vec<u8>> {
        let now = OffsetDateTime::now_utc();
        let params = CertificateRevocationListParams {
            this_update: now,
            next_update: now + Duration::days(2),
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs: revoked,
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.issuer()?)?.der().to_vec())
    }

    /// Signs `message` with the CA key (the algorithm of the CA certificate).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        use rcgen::SigningKey;
        Ok(self.key.sign(message)?)
    }

    /// Checks a signature made by [`Ca::sign`].
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(cert) = docseal::trust::Cert::from_der(self.cert_der.clone()) else {
            return false;
        };
        let (Ok(spki), Some(alg)) = (
            cert.spki_der(),
            docseal::crypto::x509_algorithm(&cert.parsed().signature_algorithm.oid),
        ) else {
            return false;
        };
        docseal::crypto::verify(
            &spki,
            alg,
            message,
            signature,
            docseal::crypto::EcdsaEncoding::Der,
        )
    }
}

/// A positive 127-bit serial (RFC 5280 §4.1.2.2: unique, at most 20 octets).
fn random_serial() -> Result<SerialNumber> {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b).map_err(|e| Error::Crypto(format!("no randomness: {e}")))?;
    b[0] &= 0x7f;
    b[0] |= 0x40;
    Ok(SerialNumber::from_slice(&b))
}

fn rsa_3072() -> Result<KeyPair> {
    use pkcs8::EncodePrivateKey;
    let key = rsa::RsaPrivateKey::new(&mut OsRandom, 3072)
        .map_err(|e| Error::Crypto(format!("RSA key generation: {e}")))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|e| Error::Crypto(format!("RSA key encoding: {e}")))?;
    KeyPair::from_pkcs8_der_and_sign_algo(
        &rustls_pki_types::PrivatePkcs8KeyDer::from(der.as_bytes()),
        &rcgen::PKCS_RSA_SHA256,
    )
    .map_err(Into::into)
}

/// The operating system's random source, for the rsa crate's key generation.
struct OsRandom;

impl rsa::rand_core::RngCore for OsRandom {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // Without randomness no key may be made; a failure here is unrecoverable.
        #[allow(clippy::expect_used)]
        getrandom::getrandom(dest).expect("the operating system's random source failed");
    }
    fn try_fill_bytes(
        &mut self,
        dest: &mut [u8],
    ) -> std::result::Result<(), rsa::rand_core::Error> {
        getrandom::getrandom(dest)
            .map_err(|e| rsa::rand_core::Error::from(std::num::NonZeroU32::from(e.code())))
    }
}

impl rsa::rand_core::CryptoRng for OsRandom {}
