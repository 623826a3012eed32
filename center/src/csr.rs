//! A PKCS#10 certificate request (RFC 2986) for a key on a token, signed on the token: the
//! request proves to the center that the keeper's token holds the private key.

use crate::error::Error;
use docseal::keys::TokenKeyPair;

/// The token key as rcgen sees a remote key: its public key and a signing function.
struct OnToken<'a> {
    pair: &'a TokenKeyPair,
    public_bits: Vec<u8>,
    alg: &'static rcgen::SignatureAlgorithm,
}

impl rcgen::PublicKeyData for OnToken<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public_bits
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.alg
    }
}

impl rcgen::SigningKey for OnToken<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let sig = self
            .pair
            .signer()
            .sign(msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)?;
        if std::ptr::eq(self.alg, &rcgen::PKCS_ECDSA_P256_SHA256) {
            // CKM_ECDSA gives r‖s; X.509 wants Ecdsa-Sig-Value (RFC 3279 §2.2.3).
            return docseal::keys::ecdsa_der(&sig).ok_or(rcgen::Error::RemoteKeyError);
        }
        Ok(sig)
    }
}

/// A request for `pair`'s key with `common_name`, signed on the token.
pub fn request(pair: &TokenKeyPair, common_name: &str) -> Result<Vec<u8>, Error> {
    use der::Decode;
    let spki = spki::SubjectPublicKeyInfoRef::from_der(&pair.spki_der)
        .map_err(|e| Error::Crypto(format!("the token's public key: {e}")))?;
    let alg = if spki.algorithm.oid == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
        &rcgen::PKCS_ECDSA_P256_SHA256
    } else {
        &rcgen::PKCS_RSA_SHA256
    };
    let key = OnToken {
        pair,
        public_bits: spki.subject_public_key.raw_bytes().to_vec(),
        alg,
    };
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params
        .serialize_request(&key)
        .map(|r| r.der().to_vec())
        .map_err(|e| Error::Crypto(format!("certificate request: {e}")))
}
