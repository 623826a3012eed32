//! Keys in files: PKCS#12 (`.p12`/`.pfx`, password-protected, with its certificate chain) or a
//! PEM private key (PKCS#8, PKCS#1 or SEC1) with the certificate given separately.

use pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::RsaPrivateKey;
use std::path::Path;

use super::key::{add_chain, LoadedKey, Signer};
use super::unlock::Unlock;
use crate::algorithm::SignatureAlg;
use crate::error::{Error, Result};
use crate::trust::Cert;

/// A private key held in memory.
pub enum FileKey {
    Rsa(Box<RsaKey>),
    EcP256(p256::ecdsa::SigningKey),
}

/// An RSA key, with ring's form of it where ring takes the key: ring signs a 2048-bit value
/// several times faster than the pure-Rust bignums, which a batch of thousands of documents
/// signed with one file key notices.
pub struct RsaKey {
    key: RsaPrivateKey,
    fast: Option<ring::rsa::KeyPair>,
}

impl RsaKey {
    fn new(key: RsaPrivateKey) -> RsaKey {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let fast = key
            .to_pkcs1_der()
            .ok()
            .and_then(|der| ring::rsa::KeyPair::from_der(der.as_bytes()).ok());
        RsaKey { key, fast }
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2).
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        if let Some(fast) = &self.fast {
            let mut sig = vec![0u8; fast.public().modulus_len()];
            let rng = ring::rand::SystemRandom::new();
            if fast
                .sign(&ring::signature::RSA_PKCS1_SHA256, &rng, data, &mut sig)
                .is_ok()
            {
                return Ok(sig);
            }
        }
        let digest = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(data));
        self.key
            .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
            .map_err(|e| Error::SigningFailed(format!("RSA: {e}")))
    }
}

impl Signer for FileKey {
    fn algorithm(&self) -> SignatureAlg {
        match self {
            FileKey::Rsa(_) => SignatureAlg::RSA_SHA256,
            FileKey::EcP256(_) => SignatureAlg::ECDSA_SHA256,
        }
    }

    fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        use ecdsa::signature::Signer as _;
        match self {
            FileKey::Rsa(key) => key.sign(data),
            FileKey::EcP256(key) => {
                let sig: p256::ecdsa::Signature = key.sign(data);
                Ok(sig.to_bytes().to_vec())
            }
        }
    }
}

impl FileKey {
    fn from_pkcs8_der(der: &[u8]) -> Result<FileKey> {
        if let Ok(k) = RsaPrivateKey::from_pkcs8_der(der) {
            return FileKey::rsa(k);
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
            return Ok(FileKey::EcP256(k.into()));
        }
        Err(Error::UnsupportedKey(
            "the private key is neither RSA nor ECDSA P-256".into(),
        ))
    }

    fn rsa(k: RsaPrivateKey) -> Result<FileKey> {
        use rsa::traits::PublicKeyParts;
        let bits = k.size() * 8;
        if !(2048..=4096).contains(&bits) {
            return Err(Error::UnsupportedKey(format!(
                "RSA keys of 2048 to 4096 bits are accepted, this one has {bits}"
            )));
        }
        Ok(FileKey::Rsa(Box::new(RsaKey::new(k))))
    }

    /// The public key, as SubjectPublicKeyInfo DER.
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        let r = match self {
            FileKey::Rsa(k) => k.key.to_public_key().to_public_key_der(),
            FileKey::EcP256(k) => k.verifying_key().to_public_key_der(),
        };
        r.map(|d| d.as_bytes().to_vec())
            .map_err(|e| Error::UnsupportedKey(format!("public key: {e}")))
    }
}

/// Loads `--key` (PKCS#12, or PEM with `--cert`), adds `--chain`, and checks that the leaf
/// certificate belongs to the key.
pub fn load(
    key: &Path,
    cert: Option<&Path>,
    chain: Option<&Path>,
    pin: &Unlock,
) -> Result<LoadedKey> {
    let bytes = std::fs::read(key).map_err(|e| Error::io(key, e))?;
    let is_pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
    let (file_key, mut certs) = if is_pem {
        load_pem(key, &bytes)?
    } else {
        load_pkcs12(key, &bytes, pin)?
    };
    if let Some(c) = cert {
        let loaded = Cert::load_file(c)?;
        certs.retain(|x| !loaded.contains(x));
        certs.splice(0..0, loaded);
    }
    add_chain(&mut certs, chain)?;
    let public = file_key.public_key_der()?;
    // The leaf is the certificate of this key, wherever the file put it.
    let leaf_at = certs
        .iter()
        .position(|c| c.spki_der().ok().as_deref() == Some(&public))
        .ok_or_else(|| {
            if certs.is_empty() {
                Error::CertificateMissing {
                    key: key.display().to_string(),
                }
            } else {
                Error::KeyFile {
                    path: key.display().to_string(),
                    reason: "the certificate does not belong to this private key".into(),
                }
            }
        })?;
    let leaf = certs.remove(leaf_at);
    certs.insert(0, leaf);
    Ok(LoadedKey {
        signer: Box::new(file_key),
        chain: certs,
    })
}

fn load_pem(path: &Path, bytes: &[u8]) -> Result<(FileKey, Vec<Cert>)> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::KeyFile {
        path: path.display().to_string(),
        reason: "PEM file is not text".into(),
    })?;
    let bad = |e: String| Error::KeyFile {
        path: path.display().to_string(),
        reason: e,
    };
    let key = if text.contains("-----BEGIN PRIVATE KEY-----") {
        let (_, doc) = pkcs8::SecretDocument::from_pem(text).map_err(|e| bad(e.to_string()))?;
        FileKey::from_pkcs8_der(doc.as_bytes())?
    } else if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
        FileKey::rsa(RsaPrivateKey::from_pkcs1_pem(text).map_err(|e| bad(e.to_string()))?)?
    } else if text.contains("-----BEGIN EC PRIVATE KEY-----") {
        use p256::elliptic_curve::SecretKey;
        let k: SecretKey<p256::NistP256> = SecretKey::from_sec1_pem(text)
            .map_err(|_| bad("not an EC P-256 private key".into()))?;
        FileKey::EcP256(k.into())
    } else if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(bad(
            "encrypted PEM keys are not supported; use a PKCS#12 file".into(),
        ));
    } else {
        return Err(bad("no private key in this PEM file".into()));
    };
    let certs = if text.contains("-----BEGIN CERTIFICATE-----") {
        Cert::load_all(bytes)?
    } else {
        Vec::new()
    };
    Ok((key, certs))
}

fn load_pkcs12(path: &Path, bytes: &[u8], pin: &Unlock) -> Result<(FileKey, Vec<Cert>)> {
    let open = |password: &str| p12_keystore::KeyStore::from_pkcs12(bytes, password);
    let store = match pin.get(&format!("Password for {}", path.display()))? {
        Some(pw) => open(&pw).map_err(|e| pkcs12_error(path, e, true))?,
        None => open("").map_err(|e| pkcs12_error(path, e, false))?,
    };
    let (_, chain) = store.private_key_chain().ok_or_else(|| Error::KeyFile {
        path: path.display().to_string(),
        reason: "the PKCS#12 file holds no private key".into(),
    })?;
    let key = FileKey::from_pkcs8_der(chain.key())?;
    let certs = chain
        .chain()
        .iter()
        .map(|c| Cert::from_der(c.as_der().to_vec()))
        .collect::<Result<Vec<_>>>()?;
    Ok((key, certs))
}

fn pkcs12_error(path: &Path, e: p12_keystore::error::Error, had_password: bool) -> Error {
    use p12_keystore::error::Error as P12;
    let file = format!("the PKCS#12 file {}", path.display());
    match e {
        // The MAC over the file is keyed by the password: it fails exactly when the password does.
        P12::MacError(_) if had_password => Error::WrongPassword { file },
        P12::MacError(_) => Error::PasswordNeeded { file },
        other => Error::KeyFile {
            path: path.display().to_string(),
            reason: format!("not a usable PKCS#12 file ({other})"),
        },
    }
}
