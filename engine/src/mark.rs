//! `docseal verify --mark`: a copy of a document in which every seal picture that no valid
//! signature binds is crossed out in grey with the word INVALID, and from which the signatures are
//! removed — the copy is plainly not a sealed document, and shows why.

use crate::dsig::names::*;
use crate::dsig::slots::INVALID_IMAGE_ID;
use crate::error::Result;
use crate::opc::{PackageEdit, PartName};
use crate::verify::{Report, SealStatus};

/// Crosses out the unbound seals of `report` and drops every signature.
pub fn mark(edit: &mut PackageEdit, report: &Report) -> Result<()> {
    for seal in report
        .seals
        .iter()
        .filter(|s| matches!(s.status, SealStatus::Copied | SealStatus::Unbound))
    {
        let Ok(part) = PartName::new(&seal.image_part) else {
            continue;
        };
        if seal.slot.is_none() {
            if !edit.exists(&part) || edit.changes().get(&part).is_some() {
                continue;
            }
            let crossed = crate::seal::cross_out::cross_out(&edit.read(&part)?)?;
            edit.put(part, crossed);
            continue;
        }
        // A slot whose seal does not hold shows, in the copy, the crossed-out seal its signature
        // carries (`idInvalidSigLnImg`) instead of its empty frame: once the signatures are gone
        // the slot would otherwise look as if no one had sealed it.
        let Some(Ok(signature)) = seal.signature.as_deref().map(PartName::new) else {
            continue;
        };
        if edit.content_type(&part) != Some("image/png") {
            continue;
        }
        if let Some(crossed) = invalid_line_image(edit, &signature) {
            edit.put(part, crossed);
        }
    }
    // No signature survives: the copy must not pass for a sealed document.
    for name in edit.names().into_values() {
        if name.key().starts_with(SIGNATURE_DIR) {
            edit.remove(&name);
        }
    }
    let kept: Vec<_> = edit
        .relationships_of(None)?
        .into_iter()
        .filter(|r| r.rel_type != REL_ORIGIN)
        .collect();
    edit.set_relationships(None, &kept)
}

/// The crossed-out line image a signature carries, when it is a PNG.
fn invalid_line_image(edit: &PackageEdit, signature: &PartName) -> Option<Vec<u8>> {
    let text = edit.read_xml(signature).ok()?;
    let doc = crate::c14n::XmlDoc::parse(signature.as_str(), &text).ok()?;
    let ids = Ids::for_part(signature);
    let node = [ids.of(INVALID_IMAGE_ID), INVALID_IMAGE_ID.to_string()]
        .iter()
        .find_map(|id| doc.elements_with_id(id).pop())?;
    let png = crate::dsig::parse::b64(&node.get_content())?;
    png.starts_with(b"\x89PNG").then_some(png)
}

/// Writes a copy of `input` to `output` with every seal the report does not call bound crossed
/// out and the signatures removed (`verify --mark`); never the input itself.
pub fn mark_file(input: &std::path::Path, report: &Report, output: &std::path::Path) -> Result<()> {
    crate::opc::new_file::refuse_same_file(input, output)?;
    let pkg = crate::opc::Package::open(input, crate::opc::Limits::default())?;
    let mut edit = PackageEdit::new(&pkg);
    mark(&mut edit, report)?;
    edit.write_file(output)
}
