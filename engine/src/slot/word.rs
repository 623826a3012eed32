//! A slot in a Word document: a floating VML shape with an `o:signatureline`, in a run of its own
//! at the keyword (or right-aligned below the last paragraph), placed as seals are.
//!
//! Word writes signature lines as `w:pict/v:shape` with `v:imagedata r:id` and `o:signatureline`
//! (ECMA-376 Part 4 §14.2.2.30); [MS-ODRAWXML] §2.2.9.2 allows a DrawingML fallback, which Word
//! itself does not write in Transitional documents, so neither do we.

use super::picture;
use super::request::{checked_label, new_line_id, SlotRequest, DEFAULT_PROVIDER};
use crate::error::Result;
use crate::opc::{PackageEdit, PartName};
use crate::place::anchor_xml::WordPosition;
use crate::place::{add_picture, docx, EMU_PER_MM, REL_IMAGE};
use crate::xml::ns::{O, V};
use crate::xml::ns::{R, W};
use crate::xml::El;

const PT_PER_MM: f64 = 72.0 / 25.4;
const EMU_PER_PT: f64 = 12_700.0;

pub fn add(
    edit: &mut PackageEdit,
    main: &PartName,
    req: &SlotRequest,
    id: &str,
    png: &[u8],
) -> Result<PartName> {
    let (w_mm, h_mm) = req.size_mm;
    let cx = (w_mm * EMU_PER_MM).round() as i64;
    let cy = (h_mm * EMU_PER_MM).round() as i64;
    let spot = docx::spot(edit, main, &req.placement, (cx, cy), req.offset_mm)?;
    let picture = add_picture(edit, main.directory(), "docseal-slot", png)?;
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

/// The `v:shape` of a signature line, as Word and Excel write it: not filled and not stroked (a
/// VML shape is white with a black outline by default, which would hide the text under a
/// transparent seal), the picture, the edit locks Office puts on every line, and the line.
pub(super) fn line_shape(
    shape_id: &str,
    style: &str,
    imagedata: El,
    line_id: &str,
    req: &SlotRequest,
) -> El {
    let mut line = El::new(O, "signatureline")
        .ns_attr(V, "ext", "edit")
        .attr("id", line_id)
        .attr("provid", DEFAULT_PROVIDER)
        .ns_attr(O, "suggestedsigner", &req.label);
    if let Some(hint) = &req.signer_hint {
        line = line.ns_attr(O, "suggestedsigner2", hint);
    }
    line = line.attr("showsigndate", "f").attr("issignatureline", "t");
    El::new(V, "shape")
        .attr("id", shape_id)
        .attr("alt", format!("{}: {}", super::found::OUR_ALT, req.label))
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

/// A slot as a Flat OPC package (`pkg:package`, the form Word's `Range.insertOoxml` takes): one
/// paragraph whose run holds the line, centred on the point where it is inserted — Word places
/// `char`/`line`-relative shapes itself — and the placeholder picture. The task pane's "Add
/// seal slot here" inserts it into the open document.
pub fn flat_opc(label: &str, hint: Option<&str>, (w_mm, h_mm): (f64, f64)) -> Result<String> {
    use base64::Engine;
    let req = SlotRequest {
        label: checked_label(label, "label")?.to_string(),
        signer_hint: hint.map(str::to_string),
        placement: crate::place::Placement::End,
        size_mm: (w_mm, h_mm),
        offset_mm: (0.0, 0.0),
    };
    let png = picture::placeholder(&req.label, hint, (w_mm, h_mm))?;
    let id = new_line_id()?;
    let (w, h) = (w_mm * PT_PER_MM, h_mm * PT_PER_MM);
    let style = format!(
        "position:absolute;margin-left:{:.2}pt;margin-top:{:.2}pt;width:{w:.2}pt;height:{h:.2}pt;z-index:251659265;mso-position-horizontal-relative:char;mso-position-vertical-relative:line",
        -w / 2.0,
        -h / 2.0
    );
    let shape = line_shape(
        "docseal_slot_inserted",
        &style,
        El::new(V, "imagedata")
            .ns_attr(R, "id", "rIdDocsealSlot")
            .ns_attr(O, "title", ""),
        &id,
        &req,
    );
    let body = El::new(W, "p").child(El::new(W, "r").child(El::new(W, "pict").child(shape)));
    let mut scope = crate::xml::Scope::default();
    scope.bind("w", W);
    scope.bind("r", R);
    scope.bind("v", V);
    scope.bind("o", O);
    let rels = "http://schemas.openxmlformats.org/package/2006/relationships";
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<pkg:package xmlns:pkg=\"http://schemas.microsoft.com/office/2006/xmlPackage\">\
<pkg:part pkg:name=\"/_rels/.rels\" pkg:contentType=\"application/vnd.openxmlformats-package.relationships+xml\"><pkg:xmlData>\
<Relationships xmlns=\"{rels}\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships></pkg:xmlData></pkg:part>\
<pkg:part pkg:name=\"/word/document.xml\" pkg:contentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"><pkg:xmlData>\
<w:document xmlns:w=\"{W}\" xmlns:r=\"{R}\" xmlns:v=\"{V}\" xmlns:o=\"{O}\"><w:body>{}</w:body></w:document></pkg:xmlData></pkg:part>\
<pkg:part pkg:name=\"/word/_rels/document.xml.rels\" pkg:contentType=\"application/vnd.openxmlformats-package.relationships+xml\"><pkg:xmlData>\
<Relationships xmlns=\"{rels}\"><Relationship Id=\"rIdDocsealSlot\" Type=\"{REL_IMAGE}\" Target=\"media/docseal-slot.png\"/></Relationships></pkg:xmlData></pkg:part>\
<pkg:part pkg:name=\"/word/media/docseal-slot.png\" pkg:contentType=\"image/png\" pkg:compression=\"store\"><pkg:binaryData>{}</pkg:binaryData></pkg:part>\
</pkg:package>",
        body.write(&scope),
        base64::engine::general_purpose::STANDARD.encode(&png)
    ))
}
