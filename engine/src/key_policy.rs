//! The stated key policy: which keys docseal makes seals with, and which it believes when
//! verifying. NIST SP 800-131A Rev. 2 §3 disallows RSA keys under 2048 bits for making digital
//! signatures and keeps them "legacy use" for verifying; keys under 1024 bits are factorable
//! today and prove nothing. ECDSA keys are P-256 only (the one curve docseal reads).

use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;

use crate::error::{Error, Result};
use crate::trust::Cert;

/// The smallest RSA key a new seal is made with.
pub const RSA_MIN_BITS_TO_SIGN: usize = 2048;
/// The smallest RSA key a signature is believed from.
pub const RSA_MIN_BITS_TO_VERIFY: usize = 1024;

/// What the policy says of a signer's key when verifying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    Strong,
    /// Believed, but reported: a key that may no longer make new signatures.
    Weak {
        bits: usize,
    },
    /// Not believed at all.
    Broken {
        bits: usize,
    },
}

/// The modulus size of an RSA key (SubjectPublicKeyInfo DER), or `None` for other keys.
pub fn rsa_bits(spki_der: &[u8]) -> Option<usize> {
    rsa::RsaPublicKey::from_public_key_der(spki_der)
        .ok()
        .map(|k| k.n().bits())
}

/// The strength of the key in `spki_der` for verifying.
pub fn strength(spki_der: &[u8]) -> Strength {
    match rsa_bits(spki_der) {
        Some(bits) if bits < RSA_MIN_BITS_TO_VERIFY => Strength::Broken { bits },
        Some(bits) if bits < RSA_MIN_BITS_TO_SIGN => Strength::Weak { bits },
        _ => Strength::Strong,
    }
}

/// Refuses to make a new seal with the key of `leaf` when the policy disallows it.
pub fn check_signing_key(leaf: &Cert) -> Result<()> {
    match leaf.spki_der().ok().and_then(|k| rsa_bits(&k)) {
        Some(bits) if bits < RSA_MIN_BITS_TO_SIGN => Err(Error::UnsupportedKey(format!(
            "an RSA key of {bits} bits is too weak for a new seal (NIST SP 800-131A: at least {RSA_MIN_BITS_TO_SIGN})"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use base64::Engine;

    /// Public keys made with `openssl genrsa BITS | openssl pkey -pubout -outform DER`.
    const SPKI_768: &str = "MHwwDQYJKoZIhvcNAQEBBQADawAwaAJhALfLbCsHgwju8omTvLgKw136AW+OBnz+TF8P6QwBKVWfQY4Iwyec/lpVdbEPLM9ScW69KuwtD2hBKWMDEpc0EMDCfF+foGWsZJP3yTs30lCqjVpSh4RMKi5QuvI43pIEgQIDAQAB";
    const SPKI_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDRLrZT290wQoq9itYzV06aX9e6H+pSGRYeBW/SAr2RwZVJJCz2NoQOVzqcNUf6wjej4RCgyRRwsrzuuNo+zbUJuOeEHhOdJyRShu2liO4CR8ZXWzwK28vg83WWso/LZEctr3FvDbaimPybxkS5YY6B8UyY6VgrUoeR9JqD4FrrEwIDAQAB";
    const SPKI_2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwY+kbAd1aIicE9Es4TZHeopHz7JgvQbPkUB3h3l6zV2tH/NlD9JkJuPRaEMn0hh5uzAknEoOqBpJb/PMqR+2cRdqEIUj4YknlVSeQsF4U3h3+yfFS5/OAjL+BIW14Pkhdi3FlV6lznGXAY+X+rGmkS8P7IYgjg+bABG3aB63GYuikKuY7O9bbG0wXX8AXevJKxd6BP2zmOIo46p/BtrIO5zOXQXnkMB67jefE5/dyEGjU/lijEFnuxLphvVQqn5v5Lz0npof2nv4MDaL12SfF08zMY0AY4maFY45Ss3YtEIjzLXUFAgyxyUvYZismw2k5rAEsuinsbjsRmiaMwMLXwIDAQAB";

    fn der(b64: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    }

    #[test]
    fn rsa_keys_are_judged_by_their_size() {
        assert_eq!(strength(&der(SPKI_768)), Strength::Broken { bits: 768 });
        assert_eq!(strength(&der(SPKI_1024)), Strength::Weak { bits: 1024 });
        assert_eq!(strength(&der(SPKI_2048)), Strength::Strong);
        assert_eq!(rsa_bits(b"not a key"), None);
    }
}
