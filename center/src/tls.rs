//! The center's TLS certificate: self-signed, kept in the data directory (`tls.pem`, which
//! clients are given to trust with `--center-ca`), or the organisation's own. It is not issued
//! by the seal CA on purpose: a TLS server key must never be able to pass for a seal.

use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::files;

pub const CERT_FILE: &str = "tls.pem";
pub const KEY_FILE: &str = "tls.key";

/// The certificate and key files under `dir`, made for `names` (plus localhost and 127.0.0.1)
/// if missing.
pub fn ensure(dir: &Path, names: &[String]) -> Result<(PathBuf, PathBuf)> {
    let cert = dir.join(CERT_FILE);
    let key = dir.join(KEY_FILE);
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    let mut all = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    all.extend(names.iter().cloned());
    let k = KeyPair::generate().map_err(crate::ca::ca_error)?;
    let mut p = CertificateParams::new(all).map_err(crate::ca::ca_error)?;
    p.distinguished_name
        .push(DnType::CommonName, "docseal seal center");
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::minutes(5);
    p.not_after = now + time::Duration::days(825);
    let c = p.self_signed(&k).map_err(crate::ca::ca_error)?;
    files::create_private(&key, k.serialize_pem().as_bytes())?;
    files::create_private(&cert, c.pem().as_bytes())?;
    Ok((cert, key))
}

pub fn server_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig> {
    let certs: Vec<_> = rustls_pemfile::certs(&mut files::read(cert)?.as_slice())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Crypto(format!("{}: {e}", cert.display())))?;
    let key = rustls_pemfile::private_key(&mut files::read(key)?.as_slice())
        .map_err(|e| Error::Crypto(format!("{}: {e}", key.display())))?
        .ok_or_else(|| Error::Crypto(format!("{}: no private key", key.display())))?;
    rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::Crypto(format!("TLS: {e}")))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| Error::Crypto(format!("TLS: {e}")))
}
