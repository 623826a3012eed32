//! Public-key signature checks for XML-DSig values and X.509 certificates.

use ecdsa::signature::hazmat::PrehashVerifier;
use pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};

use crate::algorithm::{DigestAlg, SignatureAlg};

/// How an ECDSA value is encoded: XML-DSig uses r‖s (RFC 4050), X.509 uses DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcdsaEncoding {
    Concatenated,
    Der,
}

/// An ECDSA P-256 value as r‖s — what XML-DSig (RFC 4050) and PKCS#11's `CKM_ECDSA` give — as
/// the DER `Ecdsa-Sig-Value` that X.509 and CRLs (RFC 3279 §2.2.3) and CMS (RFC 5753 §7.2) want.
pub fn ecdsa_der(concatenated: &[u8]) -> Option<Vec<u8>> {
    p256::ecdsa::Signature::from_slice(concatenated)
        .ok()
        .map(|s| s.to_der().as_bytes().to_vec())
}

/// Does `sig` sign `data` under the key in `spki_der` with `alg`?
pub fn verify(
    spki_der: &[u8],
    alg: SignatureAlg,
    data: &[u8],
    sig: &[u8],
    enc: EcdsaEncoding,
) -> bool {
    // ring's constant-time arithmetic checks a 2048-bit RSA signature about ten times faster
    // than the pure-Rust bignums below; they stay for what ring refuses to take (keys under
    // 1024 bits, SHA-384 under 2048, the DigestInfo without NULL, curves other than P-256).
    if ring_verify(spki_der, alg, data, sig, enc) {
        return true;
    }
    let digest = alg.digest().digest(data);
    match alg {
        SignatureAlg::Rsa(d) => {
            let Ok(key) = RsaPublicKey::from_public_key_der(spki_der) else {
                return false;
            };
            let scheme = match d {
                DigestAlg::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
                DigestAlg::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                DigestAlg::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                DigestAlg::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            if key.verify(scheme, &digest, sig).is_ok() {
                return true;
            }
            key.verify(digest_info_without_null(d), &digest, sig)
                .is_ok()
        }
        SignatureAlg::Ecdsa(_) => {
            let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der) else {
                return false;
            };
            let sig = match enc {
                EcdsaEncoding::Concatenated => p256::ecdsa::Signature::from_slice(sig),
                EcdsaEncoding::Der => p256::ecdsa::Signature::from_der(sig),
            };
            let Ok(sig) = sig else { return false };
            key.verify_prehash(&digest, &sig).is_ok()
        }
    }
}

fn ring_verify(
    spki_der: &[u8],
    alg: SignatureAlg,
    data: &[u8],
    sig: &[u8],
    enc: EcdsaEncoding,
) -> bool {
    use ring::signature as rs;
    let Ok(spki) = spki::SubjectPublicKeyInfoRef::try_from(spki_der) else {
        return false;
    };
    let Some(key) = spki.subject_public_key.as_bytes() else {
        return false;
    };
    let params: &dyn rs::VerificationAlgorithm = match (alg, enc) {
        (SignatureAlg::Rsa(DigestAlg::Sha1), _) => {
            &rs::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
        }
        (SignatureAlg::Rsa(DigestAlg::Sha256), _) => {
            &rs::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        }
        (SignatureAlg::Rsa(DigestAlg::Sha384), _) => &rs::RSA_PKCS1_2048_8192_SHA384,
        (SignatureAlg::Rsa(DigestAlg::Sha512), _) => {
            &rs::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        }
        (SignatureAlg::Ecdsa(_), _) if spki.algorithm.parameters_oid().ok() != Some(P256) => {
            return false
        }
        (SignatureAlg::Ecdsa(DigestAlg::Sha256), EcdsaEncoding::Der) => &rs::ECDSA_P256_SHA256_ASN1,
        (SignatureAlg::Ecdsa(DigestAlg::Sha256), EcdsaEncoding::Concatenated) => {
            &rs::ECDSA_P256_SHA256_FIXED
        }
        (SignatureAlg::Ecdsa(DigestAlg::Sha384), EcdsaEncoding::Der) => &rs::ECDSA_P256_SHA384_ASN1,
        _ => return false,
    };
    rs::UnparsedPublicKey::new(params, key)
        .verify(data, sig)
        .is_ok()
}

/// id-ecPublicKey's namedCurve prime256v1 (RFC 5480 §2.1.1.1).
const P256: const_oid::ObjectIdentifier = const_oid::db::rfc5912::SECP_256_R_1;

/// The signature algorithm of an X.509 signatureAlgorithm OID.
/// The X.509 signature algorithm OID of `alg` (RFC 5754 §3; ECDSA with SHA-1 is not made, so
/// it names SHA-256): the inverse of [`x509_algorithm`].
pub fn x509_oid(alg: SignatureAlg) -> const_oid::ObjectIdentifier {
    use const_oid::db::rfc5912::*;
    match alg {
        SignatureAlg::Rsa(DigestAlg::Sha1) => SHA_1_WITH_RSA_ENCRYPTION,
        SignatureAlg::Rsa(DigestAlg::Sha256) => SHA_256_WITH_RSA_ENCRYPTION,
        SignatureAlg::Rsa(DigestAlg::Sha384) => SHA_384_WITH_RSA_ENCRYPTION,
        SignatureAlg::Rsa(DigestAlg::Sha512) => SHA_512_WITH_RSA_ENCRYPTION,
        SignatureAlg::Ecdsa(DigestAlg::Sha384) => ECDSA_WITH_SHA_384,
        SignatureAlg::Ecdsa(DigestAlg::Sha512) => ECDSA_WITH_SHA_512,
        SignatureAlg::Ecdsa(_) => ECDSA_WITH_SHA_256,
    }
}

pub fn x509_algorithm(oid: &const_oid::ObjectIdentifier) -> Option<SignatureAlg> {
    use const_oid::db::rfc5912::*;
    Some(match *oid {
        SHA_1_WITH_RSA_ENCRYPTION => SignatureAlg::Rsa(DigestAlg::Sha1),
        SHA_256_WITH_RSA_ENCRYPTION => SignatureAlg::Rsa(DigestAlg::Sha256),
        SHA_384_WITH_RSA_ENCRYPTION => SignatureAlg::Rsa(DigestAlg::Sha384),
        SHA_512_WITH_RSA_ENCRYPTION => SignatureAlg::Rsa(DigestAlg::Sha512),
        ECDSA_WITH_SHA_256 => SignatureAlg::Ecdsa(DigestAlg::Sha256),
        ECDSA_WITH_SHA_384 => SignatureAlg::Ecdsa(DigestAlg::Sha384),
        ECDSA_WITH_SHA_512 => SignatureAlg::Ecdsa(DigestAlg::Sha512),
        _ => return None,
    })
}

/// Some Java signers (the tool behind POI's office2007prettyPrintedRels.docx) encode the
/// PKCS#1 DigestInfo with the hash AlgorithmIdentifier's parameters absent instead of NULL.
/// RFC 8017 §9.2 note 2 asks verifiers to accept both encodings.
fn digest_info_without_null(d: DigestAlg) -> Pkcs1v15Sign {
    let (oid, len): (&[u8], usize) = match d {
        DigestAlg::Sha1 => (&[0x2b, 0x0e, 0x03, 0x02, 0x1a], 20),
        DigestAlg::Sha256 => (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01], 32),
        DigestAlg::Sha384 => (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02], 48),
        DigestAlg::Sha512 => (&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03], 64),
    };
    let alg_id_len = 2 + oid.len();
    let mut prefix = vec![
        0x30,
        (2 + alg_id_len + 2 + len) as u8,
        0x30,
        alg_id_len as u8,
        0x06,
        oid.len() as u8,
    ];
    prefix.extend_from_slice(oid);
    prefix.extend_from_slice(&[0x04, len as u8]);
    Pkcs1v15Sign {
        hash_len: Some(len),
        prefix: prefix.into_boxed_slice(),
    }
}
