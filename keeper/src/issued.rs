//! A seal the center issued: its seal data (GB/T 38540 SESeal), whose picture is the one placed
//! and which is signed into the signature, and the token its key is on.

use docseal::seal_data::SealData;
use docseal_center_client::registry::Seal;

use crate::error::{Error, Mismatch, Result};

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
    /// From a registry record; `None` for a seal registered before the center made seal data.
    pub fn from_record(seal: &Seal) -> Result<Option<IssuedSeal>> {
        let Some(der) = seal.seal_data() else {
            return Ok(None);
        };
        let data = SealData::read(&der).map_err(|e| Error::Refused {
            seal: seal.id.clone(),
            reason: docseal_center_client::Error::Invalid(format!("its seal data: {e}")),
        })?;
        Ok(Some(IssuedSeal {
            id: seal.id.clone(),
            der,
            data,
            token_uri: seal.token_uri.clone(),
            approval_required: seal.approval_required(),
        }))
    }

    /// The key's certificate must be one the seal data lists.
    pub fn check_key(&self, cert: &docseal::Cert) -> Result<()> {
        if self.data.lists(cert) {
            Ok(())
        } else {
            Err(Error::NotTheSealsKey {
                seal: self.id.clone(),
                subject: cert.subject(),
                mismatch: Mismatch::Issued,
            })
        }
    }

    /// The picture to place: exactly the seal data's.
    pub fn picture(&self) -> Result<docseal::pictures::SealPicture> {
        Ok(docseal::pictures::SealPicture::from_png(
            self.data.picture().to_vec(),
        )?)
    }

    /// The size the seal data gives, in millimetres.
    pub fn size_mm(&self) -> f64 {
        f64::from(self.data.size_mm().0)
    }
}
