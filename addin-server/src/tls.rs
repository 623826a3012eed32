//! The per-machine local CA and the loopback server certificate, made on first start with rcgen
//! and kept in the data directory. No private key is ever shipped: each machine makes its own.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

use crate::error::ServerError;

pub struct LocalPki {
    pub ca_pem: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub created: bool,
}

/// A private key: mode 0600 from its creation (not made readable, then narrowed) and whole or
/// absent (a start killed half-way must not leave a key that fails every later start).
pub(crate) fn write_private(path: &Path, text: &str) -> Result<(), ServerError> {
    docseal_center_client::files::create_private(path, text.as_bytes())
        .map_err(|e| ServerError::Setup(e.to_string()))
}

fn rc(e: rcgen::Error) -> ServerError {
    ServerError::Setup(format!("making the local certificates: {e}"))
}

/// A fresh self-signed CA that may issue end-entity certificates only, valid ten years.
pub fn new_ca(
    common_name: &str,
    organization: &str,
) -> Result<rcgen::CertifiedIssuer<'static, KeyPair>, ServerError> {
    let key = KeyPair::generate().map_err(rc)?;
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, organization);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(3650);
    rcgen::CertifiedIssuer::self_signed(p, key).map_err(rc)
}

/// The CA, server certificate and key under `dir`, made if missing.
pub fn ensure(dir: &Path) -> Result<LocalPki, ServerError> {
    std::fs::create_dir_all(dir).map_err(|e| ServerError::io(dir, e))?;
    let pki = LocalPki {
        ca_pem: dir.join("local-ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
        created: false,
    };
    if pki.ca_pem.exists() && pki.server_cert.exists() && pki.server_key.exists() {
        return Ok(pki);
    }
    let issuer = new_ca("docseal local CA (this machine only)", "docseal")?;

    let server_key = KeyPair::generate().map_err(rc)?;
    let mut leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .map_err(rc)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(825);
    let cert = leaf.signed_by(&server_key, &issuer).map_err(rc)?;

    write_private(&pki.server_key, &server_key.serialize_pem())?;
    docseal::write_bytes_atomically(&pki.server_cert, cert.pem().as_bytes())?;
    docseal::write_bytes_atomically(&pki.ca_pem, issuer.pem().as_bytes())?;
    Ok(LocalPki {
        created: true,
        ..pki
    })
}

/// How to make browsers and Office trust the local CA, per platform.
pub fn trust_instructions(ca: &Path) -> String {
    let ca = ca.display();
    format!(
        "Trust the local CA once so Office and browsers accept https://localhost:\n\
  Windows: certutil -user -addstore Root \"{ca}\"\n\
  macOS:   security add-trusted-cert -r trustRoot -k ~/Library/Keychains/login.keychain-db \"{ca}\"\n\
  Linux:   sudo cp \"{ca}\" /usr/local/share/ca-certificates/docseal-local-ca.crt && sudo update-ca-certificates"
    )
}

/// The rustls configuration serving the loopback certificate.
pub fn server_config(pki: &LocalPki) -> Result<rustls::ServerConfig, ServerError> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| ServerError::io(p, e));
    let certs: Vec<_> = rustls_pemfile::certs(&mut read(&pki.server_cert)?.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| ServerError::Setup(format!("{}: {e}", pki.server_cert.display())))?;
    let key = rustls_pemfile::private_key(&mut read(&pki.server_key)?.as_slice())
        .map_err(|e| ServerError::Setup(format!("{}: {e}", pki.server_key.display())))?
        .ok_or_else(|| {
            ServerError::Setup(format!("{}: no private key", pki.server_key.display()))
        })?;
    rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| ServerError::Setup(format!("TLS: {e}")))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| ServerError::Setup(format!("TLS: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_server_key_is_private_from_its_creation_and_kept_on_the_next_start() {
        let dir = std::env::temp_dir().join(format!("docseal-local-pki-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let made = ensure(&dir).unwrap();
        assert!(made.created);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&made.server_key), 0o600);
        let key = std::fs::read(&made.server_key).unwrap();
        assert!(key.starts_with(b"-----BEGIN PRIVATE KEY-----"));
        let again = ensure(&dir).unwrap();
        assert!(!again.created);
        assert_eq!(std::fs::read(&again.server_key).unwrap(), key);
        // Nothing but the three files: no temporary sibling left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
