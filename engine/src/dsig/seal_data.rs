//! `#idSealData`: the seal's issued data — the GB/T 38540 `SESeal` the seal center made, which
//! binds the seal picture to the certificates allowed to use it — as a signed `ds:Object`, so
//! it cannot be swapped without breaking the signature. XML-DSig §4.5 lets an Object hold any
//! content; verifiers that do not know it (Office, LibreOffice) check its reference and move on.

use base64::Engine;

pub use super::facet::Approval;
use super::facet::{FacetInput, SignedObject};
use super::names::*;
use super::xml_out::Xml;
use crate::error::Result;

pub fn seal_data_object(input: &FacetInput) -> Result<Option<SignedObject>> {
    if input.seal_data.is_none() && input.approval.is_none() {
        return Ok(None);
    }
    let mut x = Xml::default();
    let ids = input.ids;
    x.open("Object", &[("Id", &ids.of(SEAL_DATA_ID))])
        .open("SignatureProperties", &[]);
    if let Some(der) = input.seal_data {
        x.open(
            "SignatureProperty",
            &[
                ("Id", &ids.of("idSESeal")),
                ("Target", &format!("#{}", ids.of(SIGNATURE_ID))),
            ],
        )
        .raw(&format!(
            "<SESeal xmlns=\"{NS_DOCSEAL}\" Standard=\"GB/T 38540-2020\">{}</SESeal>",
            base64::engine::general_purpose::STANDARD.encode(der)
        ))
        .close("SignatureProperty");
    }
    if let Some(a) = input.approval {
        x.open(
            "SignatureProperty",
            &[
                ("Id", &ids.of("idApproval")),
                ("Target", &format!("#{}", ids.of(SIGNATURE_ID))),
            ],
        )
        .raw(&format!(
            "<Approval xmlns=\"{NS_DOCSEAL}\" Request=\"{}\" ApprovedBy=\"{}\" ApprovedAt=\"{}\"/>",
            crate::xml::escape_attr(&a.request),
            crate::xml::escape_attr(&a.approved_by),
            crate::xml::escape_attr(&a.approved_at)
        ))
        .close("SignatureProperty");
    }
    x.close("SignatureProperties").close("Object");
    Ok(Some(SignedObject {
        id: ids.of(SEAL_DATA_ID),
        reference_type: TYPE_OBJECT,
        c14n_transform: false,
        xml: x.0,
    }))
}
