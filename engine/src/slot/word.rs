//! A slot in a Word document: a floating VML shape with an `o:signatureline`, in a run of its own
//! at the keyword (or right-aligned below the last paragraph), placed as seals are.
//!
//! Word writes signature lines as `w:pict/v:shape` with `v:imagedata r:id` and `o:signatureline`
//! (ECMA-376 Part 4 §14.2.2.30); [MS-ODRAWXML] §2.2.9.2 allows a DrawingML fallback, which Word
//! itself does not write in Transitional documents, so neither do we.

use super::{DEFAULT_PROVIDER, O, V};
use crate::error::Result;
use crate::opc::{PackageEdit, PartName};
use crate::place::anchor_xml::WordPosition;
use crate::place::{docx, EMU_PER_MM, REL_IMAGE};
use crate::xml::ns::{R, W};
use crate::xml::El;

const PT_PER_MM: f64 = 72.0 / 25.4;
const EMU_PER_PT: f64 = 12_700.0;

pub fn add(
    edit: &mut PackageEdit,
    main: &PartName,
    req: &super::SlotRequest,
    id: &str,
    png: &[u8],
) -> Result<PartName> {
    let (w_mm, h_mm) = req.size_mm;
    let cx = (w_mm * EMU_PER_MM).round() as i64;
    let cy = (h_mm * EMU_PER_MM).round() as i64;
    let spot = docx::spot(edit, main, &req.placement, (cx, cy), req.offset_mm)?;
    let picture = store_placeholder(edit, main.directory(), png)?;
    let rel_id = edit.add_relationship(Some(&spot.part), REL_IMAGE, &picture)?;
    let size = format!(
        "width:{:.2}pt;height:{:.2}pt",
        w_mm * PT_PER_MM,
        h_mm * PT_PER_MM
    );
    // In front of the text, not wrapping it (no w10:wrap): as the seal itself floats. From the
    // column's edge, not the character's: LibreOffice reads no `char` base in VML (measure.rs).
    let style = match spot.position {
        WordPosition::AtCharacter {
            x,
            y,
            from_line_start,
        } => format!(
            "position:absolute;margin-left:{:.2}pt;margin-top:{:.2}pt;{size};z-index:251659265;mso-position-horizontal-relative:text;mso-position-vertical-relative:text",
            (from_line_start + x) as f64 / EMU_PER_PT,
            y as f64 / EMU_PER_PT
        ),
        WordPosition::RightOfParagraph { y } => format!(
            "position:absolute;margin-left:0;margin-top:{:.2}pt;{size};z-index:251659265;mso-position-horizontal:right;mso-position-horizontal-relative:margin;mso-position-vertical-relative:text",
            y as f64 / EMU_PER_PT
        ),
    };
    let shape = line_shape(
        &format!("docseal_slot_{}", spot.drawing_id),
        &style,
        El::new(V, "imagedata")
            .ns_attr(R, "id", &rel_id)
            .ns_attr(O, "title", ""),
        id,
        req,
    );
    let run = El::new(W, "r").child(El::new(W, "pict").child(shape));
    let part = spot.part.clone();
    docx::put_run(edit, spot, &run);
    Ok(part)
}

/// Stores the placeholder picture as a new part.
pub(super) fn store_placeholder(edit: &mut PackageEdit, dir: &str, png: &[u8]) -> Result<PartName> {
    let part = edit.fresh_part(&format!("{dir}media/docseal-slot"), "png")?;
    edit.put(part.clone(), png.to_vec());
    edit.declare_content_type(&part, "image/png")?;
    Ok(part)
}

/// The `v:shape` of a signature line, as Word and Excel write it: not filled and not stroked (a
/// VML shape is white with a black outline by default, which would hide the text under a
/// transparent seal), the picture, the edit locks Office puts on every line, and the line.
pub(super) fn line_shape(
    shape_id: &str,
    style: &str,
    imagedata: El,
    line_id: &str,
    req: &super::SlotRequest,
) -> El {
    let mut line = El::new(O, "signatureline")
        .ns_attr(V, "ext", "edit")
        .attr("id", line_id)
        .attr("provid", DEFAULT_PROVIDER)
        .ns_attr(O, "suggestedsigner", &req.label);
    if let Some(hint) = &req.signer_hint {
        line = line.ns_attr(O, "suggestedsigner2", hint);
    }
    line = line
        .attr("showsigndate", "f")
        .attr("issignatureline", "t");
    El::new(V, "shape")
        .attr("id", shape_id)
        .attr("alt", format!("docseal seal slot: {}", req.label))
        .attr("style", style)
        .attr("filled", "f")
        .attr("stroked", "f")
        .child(imagedata)
        .child(
            El::new(O, "lock")
                .ns_attr(V, "ext", "edit")
                .attr("ungrouping", "t")
                .attr("rotation", "t")
                .attr("cropping", "t")
                .attr("verticies", "t")
                .attr("text", "t")
                .attr("grouping", "t"),
        )
        .child(line)
}
