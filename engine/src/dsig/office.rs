//! `#idOfficeObject`: Office's `SignatureInfoV1` ([MS-OFFCRYPTO] §2.5.2.x, the digsig schema).
//! Office shows these fields in its signature details; the order is the schema's.

use super::facet::{FacetInput, SignedObject};
use super::names::*;
use super::xml_out::Xml;
use crate::algorithm::DigestAlg;
use crate::error::Result;
use base64::Engine;

pub fn office_object(input: &FacetInput) -> Result<SignedObject> {
    let mut x = Xml::default();
    let ids = input.ids;
    x.open("Object", &[("Id", &ids.of(OFFICE_OBJECT_ID))])
        .open("SignatureProperties", &[])
        .open(
            "SignatureProperty",
            &[
                ("Id", &ids.of("idOfficeV1Details")),
                ("Target", &format!("#{}", ids.of(SIGNATURE_ID))),
            ],
        )
        .raw(&format!("<SignatureInfoV1 xmlns=\"{NS_OFFICE_DIGSIG}\">"))
        // A signature filling a signature line names it ([MS-OI29500] §3.7.1.10) and carries
        // the signer's picture, from which Word may redraw the line (Apache POI's reading).
        .text_element("SetupID", input.slot.map_or("", |s| s.setup_id.as_str()))
        .text_element("SignatureText", "")
        .text_element(
            "SignatureImage",
            &input.slot.map_or(String::new(), |s| {
                base64::engine::general_purpose::STANDARD.encode(&s.seal)
            }),
        )
        .text_element("SignatureComments", input.comments)
        .text_element("WindowsVersion", "10.0")
        .text_element("OfficeVersion", "16.0")
        .text_element("ApplicationVersion", "16.0")
        .text_element("Monitors", "1")
        .text_element("HorizontalResolution", "1920")
        .text_element("VerticalResolution", "1080")
        .text_element("ColorDepth", "32")
        .text_element(
            "SignatureProviderId",
            "{00000000-0000-0000-0000-000000000000}",
        )
        .text_element("SignatureProviderUrl", "")
        .text_element("SignatureProviderDetails", "9");
    // Office 2010 assumes SHA-1 for the manifest unless told otherwise.
    if input.digest != DigestAlg::Sha1 {
        x.text_element("ManifestHashAlgorithm", input.digest.uri());
    }
    // 2: a signature line, with the idValidSigLnImg and idInvalidSigLnImg objects (§3.7.1.18).
    x.text_element(
        "SignatureType",
        if input.slot.is_some() { "2" } else { "1" },
    )
    .close("SignatureInfoV1")
    .close("SignatureProperty")
    .close("SignatureProperties")
    .close("Object");
    Ok(SignedObject {
        id: ids.of(OFFICE_OBJECT_ID),
        reference_type: TYPE_OBJECT,
        c14n_transform: false,
        xml: x.0,
    })
}
