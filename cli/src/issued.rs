//! A seal the center issued, for `stamp --seal ID`: its seal data (GB/T 38540 SESeal), whose
//! picture is the one placed and which is signed into the signature, and the token its key is
//! on — from a running center (`--center`) or from the center's data directory (`--data-dir`).

use docseal::seal_data::SealData;
use docseal::Error;
use std::path::Path;

pub struct IssuedSeal {
    pub id: String,
    /// The SESeal's DER, as the center signed it.
    pub der: Vec<u8>,
    pub data: SealData,
    pub token_uri: Option<String>,
    /// Each use needs an approved request for the document's bytes.
    pub approval_required: bool,
}

impl IssuedSeal {
    /// From a registry record.
    pub fn from_record(seal: &docseal_center::registry::Seal) -> Result<IssuedSeal, Error> {
        let der = seal.seal_data().ok_or_else(|| {
            Error::arg(
                "--seal",
                format!(
                    "seal {} has no seal data (registered before the center made it)",
                    seal.id
                ),
            )
        })?;
        let data = SealData::read(&der).map_err(|e| Error::arg("--seal", e))?;
        Ok(IssuedSeal {
            id: seal.id.clone(),
            der,
            data,
            token_uri: seal.token_uri.clone(),
            approval_required: seal.approval_required(),
        })
    }

    /// From the center's data directory; a suspended or revoked seal is refused.
    pub fn from_data_dir(dir: &Path, id: &str) -> Result<IssuedSeal, Error> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::arg("--data-dir", e))?;
        let seal = rt
            .block_on(docseal_center::Center::usable_seal_in(dir, id))
            .map_err(crate::reporting::center_error)?;
        IssuedSeal::from_record(&seal)
    }

    /// The key's certificate must be one the seal data lists.
    pub fn check_key(&self, cert: &docseal::Cert) -> Result<(), Error> {
        if self.data.lists(cert) {
            Ok(())
        } else {
            Err(Error::CertificateNotValid {
                subject: cert.subject(),
                reason: format!("seal {} is issued to another certificate", self.id),
            })
        }
    }

    /// The picture to place: exactly the seal data's.
    pub fn picture(&self) -> Result<docseal::pictures::SealPicture, Error> {
        docseal::pictures::SealPicture::from_png(self.data.picture().to_vec())
    }
}
