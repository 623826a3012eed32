//! The center's own time-stamp authority (RFC 3161): offices without internet still get seals
//! whose time is proven, by a key the organisation holds. Its certificate is issued by the
//! center's CA, so whoever trusts the center's seals can check its times too.
//!
//! What such a time proves is the organisation's word, kept honest by its key: unlike a
//! qualified TSA (eIDAS art. 42), nobody outside the organisation vouches for its clock.

use std::path::{Path, PathBuf};

use crate::ca::Ca;
use crate::error::{Error, Result};
use crate::files;

pub const CERT_FILE: &str = "tsa.pem";
pub const KEY_FILE: &str = "tsa.key";

/// The TSA's policy (RFC 3161 §2.4.2, TSAPolicyId): an OID under 2.25, which ITU-T X.667 §6.3
/// lets anyone mint from a UUID (here 15192a1b-b932-423b-aece-0d6c98c8e476) without registering
/// an arc. It says: time from the center host's clock, accurate to one second, SHA-256 or
/// stronger imprints only.
pub const POLICY: &str = "2.25.28044449390625831162059490370498651254";

/// Where the TSA key is: `tsa.key` in the data directory, or on a token.
pub struct KeyPlace<'a> {
    pub uri: Option<&'a str>,
    pub pin_file: Option<&'a Path>,
}

impl KeyPlace<'_> {
    fn pin(&self) -> docseal::keys::Unlock {
        crate::unlock::unlock(self.pin_file, &["DOCSEAL_TSA_PIN", "DOCSEAL_CA_PIN"])
    }
}

pub struct Tsa {
    key: docseal::keys::LoadedKey,
}

impl Tsa {
    /// Makes the TSA's key (EC P-256) and its certificate from `ca`: in `dir`, or on the token
    /// when `place.uri` is a `pkcs11:` URI (the certificate is stored there too).
    pub fn create(
        dir: &Path,
        ca: &Ca,
        ca_name: &str,
        crl_url: &str,
        place: &KeyPlace,
    ) -> Result<()> {
        let name = format!("{ca_name} Time-Stamping");
        match place.uri {
            None => {
                use rcgen::PublicKeyData;
                let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                    .map_err(crate::ca::ca_error)?;
                let cert = ca.issue_tsa(&key.subject_public_key_info(), &name, crl_url)?;
                files::create_private(&dir.join(KEY_FILE), key.serialize_pem().as_bytes())?;
                files::create_private(&dir.join(CERT_FILE), cert.as_bytes())
            }
            Some(uri) => {
                use docseal::keys as k;
                let parsed = k::Pkcs11Uri::parse(uri).map_err(|e| Error::Invalid(e.to_string()))?;
                let label = parsed.object.clone().unwrap_or_else(|| name.clone());
                let pair = k::generate(&parsed, &label, k::KeyType::Ec, &place.pin())
                    .map_err(|e| Error::Crypto(e.to_string()))?;
                let pem = ca.issue_tsa(&pair.spki_der, &name, crl_url)?;
                let der = docseal::Cert::load_all(pem.as_bytes())
                    .ok()
                    .and_then(|c| c.into_iter().next())
                    .ok_or_else(|| Error::Crypto("the TSA certificate cannot be read".into()))?;
                pair.store_certificate(der.der())
                    .map_err(|e| Error::Crypto(e.to_string()))?;
                files::create_private(&dir.join(CERT_FILE), pem.as_bytes())
            }
        }
    }

    /// The TSA of a data directory, with the CA's certificate after its own in every token.
    pub fn load(dir: &Path, ca: &Ca, place: &KeyPlace) -> Result<Tsa> {
        let cert: PathBuf = dir.join(CERT_FILE);
        let key_path = dir.join(KEY_FILE);
        let key = place
            .uri
            .map(str::to_string)
            .unwrap_or_else(|| key_path.display().to_string());
        let mut loaded = docseal::keys::load(&key, Some(&cert), None, &place.pin())
            .map_err(|e| Error::Crypto(format!("the TSA key: {e}")))?;
        if let Ok(ca_cert) = docseal::Cert::from_der(ca.cert_der().to_vec()) {
            loaded.chain.push(ca_cert);
        }
        Ok(Tsa { key: loaded })
    }

    /// Answers a DER TimeStampReq.
    pub fn answer(&self, request: &[u8]) -> docseal::tsa::Answer {
        let tsa = docseal::tsa::Tsa {
            signer: self.key.signer.as_ref(),
            certs: &self.key.chain,
            policy: POLICY,
        };
        docseal::tsa::respond(&tsa, request, time::OffsetDateTime::now_utc())
    }

    /// The TSA's certificate (PEM), for `openssl ts -verify -untrusted`.
    pub fn cert_pem(dir: &Path) -> Result<Vec<u8>> {
        files::read(&dir.join(CERT_FILE))
    }
}
