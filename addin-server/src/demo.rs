//! The demo seal: a file key and certificate made in the data directory on first start, issued by
//! a demo seal-center CA, every name saying DEMO so nobody mistakes it for a real seal.

use std::path::{Path, PathBuf};

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, KeyUsagePurpose};

use crate::app::SealConfig;
use crate::error::ServerError;

pub struct Demo {
    pub ca: PathBuf,
    pub seal: SealConfig,
}

fn rc(e: rcgen::Error) -> ServerError {
    ServerError::Setup(format!("making the demo seal: {e}"))
}

pub fn ensure(dir: &Path) -> Result<Demo, ServerError> {
    std::fs::create_dir_all(dir).map_err(|e| ServerError::io(dir, e))?;
    let (ca, key, cert) = (
        dir.join("demo-ca.pem"),
        dir.join("demo-seal.key"),
        dir.join("demo-seal.pem"),
    );
    if !(ca.exists() && key.exists() && cert.exists()) {
        let issuer = crate::tls::new_ca("docseal DEMO seal center", "docseal demo")?;
        let seal_key = KeyPair::generate().map_err(rc)?;
        let mut leaf = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(
            DnType::CommonName,
            "Example Trading Co. Ltd. DEMO Seal (not for real documents)",
        );
        dn.push(DnType::OrganizationName, "Example Trading Co. Ltd. (demo)");
        leaf.distinguished_name = dn;
        leaf.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        let c = leaf.signed_by(&seal_key, &issuer).map_err(rc)?;
        crate::tls::write_private(&key, &seal_key.serialize_pem())?;
        docseal::write_bytes_atomically(&cert, c.pem().as_bytes())?;
        docseal::write_bytes_atomically(&ca, issuer.pem().as_bytes())?;
    }
    Ok(Demo {
        ca,
        seal: SealConfig {
            id: "demo".into(),
            label: "Example Trading Co. Ltd. (DEMO)".into(),
            key: key.display().to_string(),
            cert: Some(cert),
            image: None,
            demo: true,
            center_id: None,
            approval_required: false,
        },
    })
}
