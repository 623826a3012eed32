//! Putting the seal picture into the document: at a keyword, a cell or the end, floating in front
//! of the text with no wrapping, marked so a verifier can tell which signature binds it.
//!
//! Placement only adds and edits parts (picture, drawing, relationships, content types) through
//! the package editor; the signature made afterwards covers them all.

pub mod anchor_xml;
pub mod docx;
pub mod main_part;
pub mod marker;
pub mod measure;
mod picture_part;
mod request;
pub mod text_map;
pub mod webext;
pub mod xlsx;

use crate::error::{Error, Result};
use crate::opc::PackageEdit;
pub use main_part::{main_part, template_to_document, Kind};
pub use marker::SealMark;
pub use picture_part::EMU_PER_MM;
pub(crate) use picture_part::{add_picture, REL_IMAGE};
pub use request::{check_offset, Occurrence, PlaceRequest, Placed, Placement};

/// Places the seal; refuses a document that is already signed (the picture would break it).
pub fn place(edit: &mut PackageEdit, req: &PlaceRequest) -> Result<Placed> {
    if edit.is_signed() {
        return Err(Error::AlreadySigned);
    }
    if !(5.0..=150.0).contains(&req.size_mm) {
        return Err(Error::arg(
            format!("--size-mm {:?}", req.size_mm),
            "expected 5 to 150",
        ));
    }
    check_offset(req.offset_mm)?;
    let main = main_part(edit)?;
    match main.kind {
        Kind::Docx => docx::place(edit, &main.name, req),
        Kind::Xlsx => xlsx::place(edit, &main.name, req),
    }
}
