//! Keys live behind a two-method trait: the engine asks which algorithm a key signs with and
//! hands it the canonical SignedInfo octets; it never sees key bytes or PINs. File keys
//! (PKCS#12, PEM) are in `file`; the PKCS#11 token backend slots in beside them.

pub mod file;
pub mod keygen;
pub mod pkcs11;
pub mod unlock;
pub mod uri;

use crate::algorithm::SignatureAlg;
use crate::error::Result;

pub trait Signer: Send + Sync {
    /// The XML-DSig signature algorithm this key produces.
    fn algorithm(&self) -> SignatureAlg;
    /// Signs `data` (the key hashes it); returns the XML-DSig SignatureValue octets
    /// (PKCS#1 v1.5 for RSA, r‖s for ECDSA).
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>>;
}

/// Loads `--key`: a `pkcs11:` URI, a PKCS#12 file, or a PEM key (with `--cert`).
pub fn load(
    key: &str,
    cert: Option<&std::path::Path>,
    chain: Option<&std::path::Path>,
    pin: &unlock::Unlock,
) -> Result<file::LoadedKey> {
    if key.starts_with("pkcs11:") {
        pkcs11::open(&uri::Pkcs11Uri::parse(key)?, cert, chain, pin)
    } else {
        file::load(std::path::Path::new(key), cert, chain, pin)
    }
}

/// Appends the `--chain` certificates that are not there yet (the leaf stays first).
pub(crate) fn add_chain(
    certs: &mut Vec<crate::trust::Cert>,
    chain: Option<&std::path::Path>,
) -> Result<()> {
    if let Some(c) = chain {
        for x in crate::trust::Cert::load_file(c)? {
            if !certs.contains(&x) {
                certs.push(x);
            }
        }
    }
    Ok(())
}
