//! Keys live behind a two-method trait: the engine asks which algorithm a key signs with and
//! hands it the canonical SignedInfo octets; it never sees key bytes or PINs. File keys
//! (PKCS#12, PEM) are in `file`; the PKCS#11 token backend slots in beside them.

pub mod file;
mod key;
#[cfg(feature = "pkcs11")]
pub mod keygen;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
pub mod unlock;
pub mod uri;

use crate::error::Result;
pub use key::{LoadedKey, Signer};

/// Loads `--key`: a `pkcs11:` URI, a PKCS#12 file, or a PEM key (with `--cert`).
pub fn load(
    key: &str,
    cert: Option<&std::path::Path>,
    chain: Option<&std::path::Path>,
    pin: &unlock::Unlock,
) -> Result<LoadedKey> {
    if key.starts_with("pkcs11:") {
        let uri = uri::Pkcs11Uri::parse(key)?;
        #[cfg(feature = "pkcs11")]
        return pkcs11::open(&uri, cert, chain, pin);
        #[cfg(not(feature = "pkcs11"))]
        return Err(crate::error::Error::arg(
            format!("--key {:?}", uri.token.unwrap_or_default()),
            "this docseal was built without PKCS#11 tokens (the pkcs11 feature)",
        ));
    } else {
        file::load(std::path::Path::new(key), cert, chain, pin)
    }
}
