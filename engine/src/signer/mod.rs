//! Keys live behind a two-method trait: the engine asks which algorithm a key signs with and
//! hands it the canonical SignedInfo octets; it never sees key bytes or PINs. File keys
//! (PKCS#12, PEM) are in `file`; the PKCS#11 token backend slots in beside them.

pub mod file;
pub mod pin;

use crate::dsig::algorithm::SignatureAlg;
use crate::error::Result;

pub trait Signer: Send + Sync {
    /// The XML-DSig signature algorithm this key produces.
    fn algorithm(&self) -> SignatureAlg;
    /// Signs `data` (the key hashes it); returns the XML-DSig SignatureValue octets
    /// (PKCS#1 v1.5 for RSA, r‖s for ECDSA).
    fn sign(&self, data: &[u8]) -> Result<Vec<u8>>;
}
