//! Making a seal's key on a token ("enrollment"): a key pair generated on the token, never
//! extractable, and later the certificate the center issued for it, stored beside it under the
//! same CKA_ID (PKCS#11 v2.40 §4.6: a key and its certificate share CKA_ID), so that the
//! `pkcs11:` URI and `docseal tokens` find the pair.

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::{Decode, Encode};
use std::sync::Mutex;

use super::key::Signer;
use super::pkcs11::{login, p11, Mech, TokenKey};
use super::unlock::Unlock;
use super::uri::Pkcs11Uri;
use crate::algorithm::SignatureAlg;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// ECDSA on P-256.
    Ec,
    /// RSA, 3072 bits.
    Rsa,
}

/// A key pair just made on a token.
pub struct TokenKeyPair {
    /// The public key as SubjectPublicKeyInfo DER.
    pub spki_der: Vec<u8>,
    /// CKA_ID shared by the key pair (and the certificate to come).
    pub id: Vec<u8>,
    pub label: String,
    signer: TokenKey,
}

impl TokenKeyPair {
    /// Signs on the token (for the certificate request).
    pub fn signer(&self) -> &dyn Signer {
        &self.signer
    }

    /// Stores `cert_der` on the token beside the key, under the same CKA_ID and label.
    pub fn store_certificate(&self, cert_der: &[u8]) -> Result<()> {
        let cert = crate::trust::Cert::from_der(cert_der.to_vec())?;
        if cert.spki_der()? != self.spki_der {
            return Err(Error::KeyMismatch {
                subject: cert.subject(),
            });
        }
        let session = self
            .signer
            .pool
            .lock()
            .map_err(|_| Error::SigningFailed("the session pool is poisoned".into()))?
            .pop()
            .ok_or_else(|| Error::SigningFailed("no session to the token".into()))?;
        let made = session.create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Label(self.label.as_bytes().to_vec()),
            Attribute::Id(self.id.clone()),
            Attribute::Subject(cert.subject_der()),
            Attribute::Value(cert_der.to_vec()),
        ]);
        if let Ok(mut p) = self.signer.pool.lock() {
            p.push(session);
        }
        made.map(|_| ())
            .map_err(|e| p11("storing the certificate", e))
    }
}

impl Signer for TokenKeyPair {
    fn algorithm(&self) -> SignatureAlg {
        self.signer.algorithm()
    }

    fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        self.signer.sign(data)
    }
}

/// prime256v1 as ECParameters (RFC 5480 §2.1.1: namedCurve).
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Generates a key pair labelled `label` on the token `uri` names (logged in with the PIN).
/// The private key is sensitive and never extractable. Refuses a label already in use.
pub fn generate(
    uri: &Pkcs11Uri,
    label: &str,
    key_type: KeyType,
    pin: &Unlock,
) -> Result<TokenKeyPair> {
    let (ctx, token, session) = login(uri, pin, true)?;
    let taken = session
        .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
        .map_err(|e| p11("looking for the label", e))?;
    if !taken.is_empty() {
        return Err(Error::arg(
            format!("--label {label:?}"),
            format!(
                "token {:?} already holds an object with this label",
                token.label
            ),
        ));
    }
    let mut id = vec![0u8; 8];
    getrandom::getrandom(&mut id)
        .map_err(|e| Error::SigningFailed(format!("no randomness: {e}")))?;
    let common = |private: bool| {
        let mut a = vec![
            Attribute::Token(true),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.clone()),
        ];
        if private {
            a.extend([
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Sign(true),
            ]);
        } else {
            a.push(Attribute::Verify(true));
        }
        a
    };
    let (mechanism, mut public_template) = match key_type {
        KeyType::Ec => (
            Mechanism::EccKeyPairGen,
            vec![Attribute::EcParams(P256_PARAMS.to_vec())],
        ),
        KeyType::Rsa => (
            Mechanism::RsaPkcsKeyPairGen,
            vec![
                Attribute::ModulusBits(3072.into()),
                Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
            ],
        ),
    };
    public_template.extend(common(false));
    let (public, private) = session
        .generate_key_pair(&mechanism, &public_template, &common(true))
        .map_err(|e| p11("generating the key pair", e))?;
    let spki_der = public_key_der(&session, public, key_type)?;
    let (alg, mech) = match key_type {
        KeyType::Ec => (SignatureAlg::ECDSA_SHA256, Mech::Ecdsa),
        KeyType::Rsa => (SignatureAlg::RSA_SHA256, Mech::Sha256RsaPkcs),
    };
    Ok(TokenKeyPair {
        spki_der,
        id,
        label: label.to_string(),
        signer: TokenKey {
            ctx,
            slot: token.slot,
            key: private,
            alg,
            mech,
            pool: Mutex::new(vec![session]),
            returned: std::sync::Condvar::new(),
        },
    })
}

fn der_err(e: der::Error) -> Error {
    Error::UnsupportedKey(format!("public key encoding: {e}"))
}

/// The public half of a key pair just made on the token, as SubjectPublicKeyInfo DER.
fn public_key_der(session: &Session, public: ObjectHandle, key_type: KeyType) -> Result<Vec<u8>> {
    Ok(match key_type {
        KeyType::Ec => {
            let point = session
                .get_attributes(public, &[AttributeType::EcPoint])
                .map_err(|e| p11("reading the public key", e))?
                .into_iter()
                .find_map(|a| match a {
                    Attribute::EcPoint(p) => Some(p),
                    _ => None,
                })
                .ok_or_else(|| Error::UnsupportedKey("the token gave no EC point".into()))?;
            // CKA_EC_POINT is the DER OCTET STRING of the point (PKCS#11 v2.40 §2.3.3).
            let point = der::asn1::OctetString::from_der(&point)
                .map(|o| o.into_bytes())
                .unwrap_or(point);
            spki::SubjectPublicKeyInfoOwned {
                algorithm: spki::AlgorithmIdentifierOwned {
                    oid: const_oid::db::rfc5912::ID_EC_PUBLIC_KEY,
                    parameters: Some(der::Any::from_der(&P256_PARAMS).map_err(der_err)?),
                },
                subject_public_key: der::asn1::BitString::from_bytes(&point).map_err(der_err)?,
            }
            .to_der()
            .map_err(der_err)?
        }
        KeyType::Rsa => {
            use pkcs8::EncodePublicKey;
            let attrs = session
                .get_attributes(
                    public,
                    &[AttributeType::Modulus, AttributeType::PublicExponent],
                )
                .map_err(|e| p11("reading the public key", e))?;
            let (mut n, mut e) = (None, None);
            for a in attrs {
                match a {
                    Attribute::Modulus(m) => n = Some(m),
                    Attribute::PublicExponent(x) => e = Some(x),
                    _ => {}
                }
            }
            let (Some(n), Some(e)) = (n, e) else {
                return Err(Error::UnsupportedKey(
                    "the token gave no RSA modulus".into(),
                ));
            };
            rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(&n),
                rsa::BigUint::from_bytes_be(&e),
            )
            .map_err(|e| Error::UnsupportedKey(format!("RSA public key: {e}")))?
            .to_public_key_der()
            .map_err(|e| Error::UnsupportedKey(format!("RSA public key: {e}")))?
            .as_bytes()
            .to_vec()
        }
    })
}
