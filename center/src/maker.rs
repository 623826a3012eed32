//! The center's seal maker: the key that signs the seal data (GB/T 38540 SESeal) of every seal
//! the center registers, with a certificate of its own from the center's CA — keyUsage
//! digitalSignature, extended key usage "seal making" only — like the time-stamp authority's.
//!
//! Why not the CA key itself: an organisation's CA (imported with `init --ca-cert`) usually has
//! keyCertSign and cRLSign only (RFC 5280 §4.2.1.3), so a seal signed by it fails the check that
//! its maker may sign; and a CA key kept on an HSM for certificates and CRLs need not be asked
//! for every registration. A center made before the maker existed gets one when it next
//! registers a seal.

use std::path::Path;

use crate::ca::Ca;
use crate::error::{Error, Result};
use crate::files;

pub const CERT_FILE: &str = "maker.pem";
pub const KEY_FILE: &str = "maker.key";

pub struct Maker {
    key: rcgen::KeyPair,
    cert_der: Vec<u8>,
}

impl Maker {
    /// The maker of the center in `dir`, made now (key and certificate) when it has none.
    pub fn load_or_create(dir: &Path, ca: &Ca, ca_name: &str, crl_url: &str) -> Result<Maker> {
        let (cert, key) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
        if !cert.exists() || !key.exists() {
            use rcgen::PublicKeyData;
            let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                .map_err(crate::ca::ca_error)?;
            let pem = ca.issue_maker(
                &pair.subject_public_key_info(),
                &format!("{ca_name} Seal Maker"),
                crl_url,
            )?;
            // The key first: a certificate without its key would be a maker that cannot sign.
            files::create_private(&key, pair.serialize_pem().as_bytes())?;
            files::create_private(&cert, pem.as_bytes())?;
        }
        let key_pem = String::from_utf8(files::read(&key)?)
            .map_err(|_| Error::Crypto(format!("{} is not PEM", key.display())))?;
        let key = rcgen::KeyPair::from_pem(&key_pem)
            .map_err(|e| Error::Crypto(format!("the seal maker's key: {e}")))?;
        let cert_der = docseal::Cert::load_all(&files::read(&cert)?)
            .ok()
            .and_then(|c| c.into_iter().next())
            .map(|c| c.der().to_vec())
            .ok_or_else(|| Error::Crypto(format!("{} cannot be read", cert.display())))?;
        Ok(Maker { key, cert_der })
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// Signs `tbs` (ECDSA P-256 with SHA-256, the signature as X.509 carries it).
    pub fn sign(&self, tbs: &[u8]) -> Result<(const_oid::ObjectIdentifier, Vec<u8>)> {
        use rcgen::SigningKey;
        Ok((
            const_oid::db::rfc5912::ECDSA_WITH_SHA_256,
            self.key.sign(tbs).map_err(crate::ca::ca_error)?,
        ))
    }
}
