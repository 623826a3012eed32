//! The signed objects of seal slots.
//!
//! - `#idSealSlots`: the slots the document had when it was sealed — line id, label, where it
//!   stands and the digest of its empty picture — so that a slot added, moved or filled with a
//!   picture afterwards is named as such, not only as "changed".
//! - `#idValidSigLnImg` and `#idInvalidSigLnImg`: "When this signature is of type 2 (Signature
//!   Line), there shall be two additional objects in the signature" ([MS-OI29500] §3.7.1.18).
//!   Both are referenced from SignedInfo as Office does, so the picture shown in a slot cannot be
//!   swapped without breaking the signature (LibreOffice ignores unreferenced ones).

use base64::Engine;
use sha2::{Digest, Sha256};

pub use super::facet::SlotFill;
use super::facet::{FacetInput, SignedObject};
use super::names::*;
use super::xml_out::Xml;
use crate::error::Result;

pub const SLOTS_ID: &str = "idSealSlots";
pub const VALID_IMAGE_ID: &str = "idValidSigLnImg";
pub const INVALID_IMAGE_ID: &str = "idInvalidSigLnImg";

/// A slot as a signature recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservedSlot {
    pub id: String,
    pub label: String,
    /// `slot::Slot::place`.
    pub place: String,
    /// SHA-256 (hex) of the empty slot's picture.
    pub picture: String,
}

/// Lists the document's slots. Written by every docseal signature, also when there are none: an
/// empty list says that no slot existed, so one added later is not one the first seal reserved.
pub fn slot_list(input: &FacetInput) -> Result<Option<SignedObject>> {
    let slots = crate::slot::find(input.edit, &|p| input.digested.may_hold_slot(p))?;
    let mut list = format!("<SealSlots xmlns=\"{NS_DOCSEAL}\">");
    for s in &slots {
        let picture = match &s.placeholder {
            Some(p) if input.edit.exists(p) => picture_digest(&input.edit.read(p)?),
            _ => String::new(),
        };
        list.push_str(&format!(
            "<Slot Id=\"{}\" Label=\"{}\" Place=\"{}\" Picture=\"{picture}\"/>",
            crate::xml::escape_attr(&s.id),
            crate::xml::escape_attr(&s.label),
            s.place
        ));
    }
    list.push_str("</SealSlots>");
    let mut x = Xml::default();
    let ids = input.ids;
    x.open("Object", &[("Id", &ids.of(SLOTS_ID))])
        .open("SignatureProperties", &[])
        .open(
            "SignatureProperty",
            &[
                ("Id", &ids.of("idSealSlotList")),
                ("Target", &format!("#{}", ids.of(SIGNATURE_ID))),
            ],
        )
        .raw(&list)
        .close("SignatureProperty")
        .close("SignatureProperties")
        .close("Object");
    Ok(Some(SignedObject {
        id: ids.of(SLOTS_ID),
        reference_type: TYPE_OBJECT,
        c14n_transform: false,
        xml: x.0,
    }))
}

/// The SHA-256 (hex) of a slot's empty picture, as the slot list records it.
pub fn picture_digest(bytes: &[u8]) -> String {
    crate::trust::cert::hex_upper(&Sha256::digest(bytes))
}

pub fn valid_image(input: &FacetInput) -> Result<Option<SignedObject>> {
    Ok(input
        .slot
        .map(|s| image_object(input.ids.of(VALID_IMAGE_ID), &s.valid)))
}

pub fn invalid_image(input: &FacetInput) -> Result<Option<SignedObject>> {
    Ok(input
        .slot
        .map(|s| image_object(input.ids.of(INVALID_IMAGE_ID), &s.invalid)))
}

/// An image as the text of an Object, base64 on one line: "the image ... base64 encoded"
/// ([MS-OI29500] §3.7.1.18); any line break would be part of the digest.
fn image_object(id: String, png: &[u8]) -> SignedObject {
    let mut x = Xml::default();
    x.open("Object", &[("Id", &id)])
        .raw(&base64::engine::general_purpose::STANDARD.encode(png))
        .close("Object");
    SignedObject {
        id,
        reference_type: TYPE_OBJECT,
        c14n_transform: false,
        xml: x.0,
    }
}
