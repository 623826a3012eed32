//! Seal slots: Office signature lines (ECMA-376 Part 4 §14.2.2.30 `o:signatureline`) placed while
//! a document is still drafted, one per party. A slot is filled later by a signature of its own
//! (`SetupID` = the line's id, `SignatureType` 2, and the seal picture as `idValidSigLnImg`), which
//! adds only signature machinery, so every earlier seal stays intact: Office's countersigning
//! model ([MS-OI29500] §3.7.1.10 and §3.7.1.18). Why signature lines rather than a DrawingML
//! placeholder: `docs/design-notes.md`, "Seal slots are Office signature lines".

pub mod found;
pub mod picture;
mod request;
pub mod sheet;
pub mod word;

pub use found::{find, may_hold_slot, Slot, NEEDLE};

use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::place::{main_part, Kind};

pub(crate) use request::checked_label;
pub use request::{new_line_id, SlotRequest};

/// A slot added: its line id and where it went.
#[derive(Debug, Clone)]
pub struct AddedSlot {
    pub id: String,
    pub label: String,
    pub in_part: PartName,
}

/// Adds an empty slot. Refused in a signed document: the slot's markup changes parts every
/// signature covers ("after the first person signs ... no changes to the file can be made",
/// Microsoft's description of signature lines), and a slot added later could carry anything.
pub fn add(edit: &mut PackageEdit, req: &SlotRequest) -> Result<AddedSlot> {
    if edit.is_signed() {
        return Err(Error::SlotAfterSeal);
    }
    let label = checked_label(&req.label, "--label")?;
    if !(5.0..=150.0).contains(&req.size_mm.0) || !(5.0..=150.0).contains(&req.size_mm.1) {
        return Err(Error::arg("--size-mm", "expected 5 to 150"));
    }
    crate::place::check_offset(req.offset_mm)?;
    if find(edit, &|_| true)?.iter().any(|s| s.label == label) {
        return Err(Error::SlotExists {
            label: label.to_string(),
        });
    }
    let id = new_line_id()?;
    let png = picture::placeholder(label, req.signer_hint.as_deref(), req.size_mm)?;
    let main = main_part(edit)?;
    let req = SlotRequest {
        label: label.to_string(),
        ..req.clone()
    };
    let in_part = match main.kind {
        Kind::Docx => word::add(edit, &main.name, &req, &id, &png)?,
        Kind::Xlsx => sheet::add(edit, &main.name, &req, &id, &png)?,
    };
    Ok(AddedSlot {
        id,
        label: req.label,
        in_part,
    })
}

/// Adds a slot to `input`, written to `output` atomically (never the input itself).
pub fn add_file(
    input: &std::path::Path,
    output: &std::path::Path,
    req: &SlotRequest,
) -> Result<AddedSlot> {
    crate::opc::new_file::refuse_same_file(input, output)?;
    let pkg = crate::opc::Package::open(input, crate::opc::Limits::default())?;
    let mut edit = PackageEdit::new(&pkg);
    let added = add(&mut edit, req)?;
    edit.write_file(output)?;
    Ok(added)
}

/// Adds a slot to a package in memory (the add-in server's path).
pub fn add_bytes(
    input: impl Into<crate::opc::package::Bytes>,
    req: &SlotRequest,
) -> Result<(AddedSlot, Vec<u8>)> {
    let pkg = crate::opc::Package::from_bytes(input, crate::opc::Limits::default())?;
    let mut edit = PackageEdit::new(&pkg);
    let added = add(&mut edit, req)?;
    Ok((added, edit.to_bytes()?))
}

/// The slots of a file.
pub fn list_file(path: &std::path::Path) -> Result<Vec<Slot>> {
    let pkg = crate::opc::Package::open(path, crate::opc::Limits::default())?;
    find(&PackageEdit::new(&pkg), &|_| true)
}
