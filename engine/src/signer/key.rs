//! What the engine knows of a key: a two-method trait — which algorithm it signs with, and
//! sign these canonical SignedInfo octets — and the certificate chain that comes with it. It never
//! sees key bytes or PINs.

use crate::algorithm::SignatureAlg;
use crate::error::Result;
use crate::trust::Cert;

pub trait Signer: Send + Sync {
    /// The XML-DSig signature algorithm this key produces.
    fn algorithm(&self) -> SignatureAlg;
    /// Signs `data` (the key hashes it); returns the XML-DSig SignatureValue octets
    /// (PKCS#1 v1.5 for RSA, r‖s for ECDSA).
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>>;
}

/// A loaded key with its certificate chain (leaf first).
pub struct LoadedKey {
    pub signer: Box<dyn Signer>,
    pub chain: Vec<Cert>,
}

/// Appends the `--chain` certificates that are not there yet (the leaf stays first).
pub(crate) fn add_chain(certs: &mut Vec<Cert>, chain: Option<&std::path::Path>) -> Result<()> {
    if let Some(c) = chain {
        for x in Cert::load_file(c)? {
            if !certs.contains(&x) {
                certs.push(x);
            }
        }
    }
    Ok(())
}
