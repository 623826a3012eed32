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
    key: CaKey,
}

/// Where the CA key is: a file in the data directory, or a token (an HSM) named by a
/// `pkcs11:` URI, which signs and never gives the key out.
enum CaKey {
    File(Box<KeyPair>),
    Token(OnToken),
}

struct OnToken {
    signer: std::sync::Arc<dyn docseal::keys::Signer>,
    public_bits: Vec<u8>,
    alg: &'static rcgen::SignatureAlgorithm,
}

impl OnToken {
    fn new(signer: std::sync::Arc<dyn docseal::keys::Signer>, spki_der: &[u8]) -> Result<OnToken> {
        use der::Decode;
        let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der)
            .map_err(|e| Error::Crypto(format!("the CA's public key: {e}")))?;
        let alg = if spki.algorithm.oid == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
            &rcgen::PKCS_ECDSA_P256_SHA256
        } else {
            &rcgen::PKCS_RSA_SHA256
        };
        Ok(OnToken {
            signer,
            public_bits: spki.subject_public_key.raw_bytes().to_vec(),
            alg,
        })
    }
}

impl rcgen::PublicKeyData for CaKey {
    fn der_bytes(&self) -> &[u8] {
        match self {
            CaKey::File(k) => k.der_bytes(),
            CaKey::Token(t) => &t.public_bits,
        }
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            CaKey::File(k) => k.algorithm(),
            CaKey::Token(t) => t.alg,
        }
    }
}

impl rcgen::SigningKey for CaKey {
    fn sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, rcgen::Error> {
        match self {
            CaKey::File(k) => k.sign(msg),
            CaKey::Token(t) => {
                let sig = t
                    .signer
                    .sign(msg)
                    .map_err(|_| rcgen::Error::RemoteKeyError)?;
                if std::ptr::eq(t.alg, &rcgen::PKCS_ECDSA_P256_SHA256) {
                    // A token's CKM_ECDSA gives r‖s; X.509 and CRLs want Ecdsa-Sig-Value
                    // (RFC 3279 §2.2.3).
                    return docseal::keys::ecdsa_der(&sig).ok_or(rcgen::Error::RemoteKeyError);
                }
                Ok(sig)
            }
        }
    }
}

/// The CA key on a token: its URI, and the PIN's file (else DOCSEAL_CA_PIN, else a prompt).
pub struct TokenRef<'a> {
    pub uri: &'a str,
    pub pin_file: Option<&'a Path>,
}

impl TokenRef<'_> {
    fn pin(&self) -> docseal::keys::Unlock {
        crate::unlock::unlock(self.pin_file, &["DOCSEAL_CA_PIN"])
    }
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
            KeyType::Ec => {
                KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(ca_error)?
            }
            KeyType::Rsa => rsa_3072()?,
        };
        Ca::self_signed(name, CaKey::File(Box::new(key)))
    }

    /// A new CA whose key is generated on a token (an HSM) and never leaves it; the
    /// certificate is stored on the token beside the key, too.
    pub fn create_on_token(name: &str, key_type: KeyType, token: &TokenRef) -> Result<Ca> {
        use docseal::keys as keygen;
        let uri = docseal::keys::Pkcs11Uri::parse(token.uri)
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let label = uri.object.clone().unwrap_or_else(|| name.to_string());
        let kt = match key_type {
            KeyType::Ec => keygen::KeyType::Ec,
            KeyType::Rsa => keygen::KeyType::Rsa,
        };
        let pair = std::sync::Arc::new(
            keygen::generate(&uri, &label, kt, &token.pin())
                .map_err(|e| Error::Crypto(e.to_string()))?,
        );
        let on = OnToken::new(pair.clone(), &pair.spki_der)?;
        let ca = Ca::self_signed(name, CaKey::Token(on))?;
        pair.store_certificate(&ca.cert_der)
            .map_err(|e| Error::Crypto(e.to_string()))?;
        Ok(ca)
    }

    /// The organisation's CA whose key is on a token: its certificate, and the key's URI.
    pub fn on_token(cert_pem: &str, token: &TokenRef) -> Result<Ca> {
        let cert = docseal::Cert::load_all(cert_pem.as_bytes())
            .ok()
            .and_then(|c| c.into_iter().next())
            .ok_or_else(|| Error::Crypto("the CA certificate cannot be read".into()))?;
        let tmp = std::env::temp_dir().join(format!("docseal-ca-{}.pem", std::process::id()));
        std::fs::write(&tmp, cert_pem).map_err(|e| Error::Io(e.to_string()))?;
        let loaded = docseal::keys::load(token.uri, Some(&tmp), None, &token.pin());
        let _ = std::fs::remove_file(&tmp);
        let loaded = loaded.map_err(|e| Error::Crypto(format!("the CA key: {e}")))?;
        let spki = cert.spki_der().map_err(|e| Error::Crypto(e.to_string()))?;
        let ca = Ca {
            cert_pem: cert_pem.to_string(),
            cert_der: cert.der().to_vec(),
            key: CaKey::Token(OnToken::new(std::sync::Arc::from(loaded.signer), &spki)?),
        };
        // The token's key must be the certificate's: one signature tells.
        let probe = b"docseal CA key check";
        if !ca.verify(probe, &ca.sign(probe)?) {
            return Err(Error::Invalid(
                "the key on the token does not belong to the CA certificate".into(),
            ));
        }
        Issuer::from_ca_cert_pem(cert_pem, &ca.key).map_err(ca_error)?;
        Ok(ca)
    }

    fn self_signed(name: &str, key: CaKey) -> Result<Ca> {
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
        let cert = params.self_signed(&key).map_err(ca_error)?;
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
        let cert = docseal::Cert::load_all(cert_pem.as_bytes())
            .ok()
            .and_then(|c| c.into_iter().next())
            .ok_or_else(|| Error::Crypto("the CA certificate cannot be read".into()))?;
        if cert.spki_der().ok().as_deref() != Some(key.subject_public_key_info().as_slice()) {
            return Err(Error::Invalid(
                "the CA key does not belong to the CA certificate".into(),
            ));
        }
        // An issuer is only accepted if rcgen can read it as one.
        Issuer::from_ca_cert_pem(cert_pem, &key).map_err(ca_error)?;
        Ok(Ca {
            cert_pem: cert_pem.to_string(),
            cert_der: cert.der().to_vec(),
            key: CaKey::File(Box::new(key)),
        })
    }

    /// The CA of a data directory: `ca.pem`, with `ca.key` beside it or the key on `token`.
    pub fn load(dir: &Path, token: Option<&TokenRef>) -> Result<Ca> {
        let cert = String::from_utf8_lossy(&files::read(&dir.join(CERT_FILE))?).into_owned();
        match token {
            Some(t) => Ca::on_token(&cert, t),
            None => {
                let key = files::read(&dir.join(KEY_FILE))?;
                Ca::import(&cert, &String::from_utf8_lossy(&key))
            }
        }
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        if let CaKey::File(key) = &self.key {
            files::create_private(&dir.join(KEY_FILE), key.serialize_pem().as_bytes())?;
        }
        files::create_private(&dir.join(CERT_FILE), self.cert_pem.as_bytes())
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    fn issuer(&self) -> Result<Issuer<'static, &CaKey>> {
        Issuer::from_ca_cert_pem(&self.cert_pem, &self.key).map_err(ca_error)
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
        Ok(params
            .signed_by(&public, &self.issuer()?)
            .map_err(ca_error)?
            .pem())
    }

    /// The certificate of the center's time-stamp authority for `spki_der`: extended key usage
    /// id-kp-timeStamping only, marked critical (RFC 3161 §2.3), key usage digitalSignature and
    /// nonRepudiation, valid ten years.
    pub fn issue_tsa(&self, spki_der: &[u8], name: &str, crl_url: &str) -> Result<String> {
        use der::Encode;
        let public = rcgen::SubjectPublicKeyInfo::from_der(spki_der)
            .map_err(|e| Error::Invalid(format!("the TSA's public key cannot be read: {e}")))?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, name);
        params.distinguished_name = dn;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        let purposes = vec![const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8")]
            .to_der()
            .map_err(|e| Error::Crypto(format!("extended key usage: {e}")))?;
        let mut eku = rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 37], purposes);
        eku.set_criticality(true);
        params.custom_extensions = vec![eku];
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![crl_url.to_string()],
        }];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + Duration::days(365 * 10);
        params.serial_number = Some(random_serial()?);
        Ok(params
            .signed_by(&public, &self.issuer()?)
            .map_err(ca_error)?
            .pem())
    }

    /// The certificate of the center's seal maker for `spki_der`: key usage digitalSignature,
    /// extended key usage "seal making" only (critical), so that the maker's key signs seal data
    /// and nothing a verifier would take for a seal; valid ten years.
    pub fn issue_maker(&self, spki_der: &[u8], name: &str, crl_url: &str) -> Result<String> {
        let public = rcgen::SubjectPublicKeyInfo::from_der(spki_der).map_err(|e| {
            Error::Invalid(format!("the seal maker's public key cannot be read: {e}"))
        })?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, name);
        params.distinguished_name = dn;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        // SEQUENCE { OBJECT IDENTIFIER seal-making } (its arc is too long for const-oid).
        let oid = docseal::keys::ID_KP_SEAL_MAKING_DER;
        let mut purposes = vec![0x30, (oid.len() + 2) as u8, 0x06, oid.len() as u8];
        purposes.extend_from_slice(oid);
        let mut eku = rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 37], purposes);
        eku.set_criticality(true);
        params.custom_extensions = vec![eku];
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![crl_url.to_string()],
        }];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::minutes(5);
        params.not_after = now + Duration::days(365 * 10);
        params.serial_number = Some(random_serial()?);
        Ok(params
            .signed_by(&public, &self.issuer()?)
            .map_err(ca_error)?
            .pem())
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
        Ok(params
            .signed_by(&self.issuer()?)
            .map_err(ca_error)?
            .der()
            .to_vec())
    }

    /// Signs `message` with the CA key (the algorithm of the CA certificate).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        use rcgen::SigningKey;
        self.key.sign(message).map_err(ca_error)
    }

    /// The X.509 algorithm of [`Ca::sign`]'s signatures.
    pub fn signature_oid(&self) -> const_oid::ObjectIdentifier {
        use rcgen::PublicKeyData;
        if std::ptr::eq(self.key.algorithm(), &rcgen::PKCS_ECDSA_P256_SHA256) {
            const_oid::db::rfc5912::ECDSA_WITH_SHA_256
        } else {
            const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION
        }
    }

    /// Checks a signature made by [`Ca::sign`].
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        docseal::Cert::from_der(self.cert_der.clone()).is_ok_and(|c| c.verifies(message, signature))
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
    .map_err(ca_error)
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

/// An rcgen failure as the center's error.
pub(crate) fn ca_error(e: rcgen::Error) -> Error {
    Error::Crypto(format!("certificate authority: {e}"))
}
