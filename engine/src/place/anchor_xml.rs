//! The DrawingML for a floating seal picture: a `wp:anchor` for Word, an `xdr:oneCellAnchor` for
//! Excel. Namespaces are declared on the elements themselves so the snippets fit any document.

use crate::dsig::xml_out::escape_attr;

pub const NS_A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
pub const NS_PIC: &str = "http://schemas.openxmlformats.org/drawingml/2006/picture";
pub const NS_WP: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
pub const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
pub const NS_XDR: &str = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing";

/// Where a Word anchor sits.
pub enum WordPosition {
    /// Offsets (EMU) from the character the anchor run stands before, and from the top of its
    /// paragraph.
    AtCharacter { x: i64, y: i64 },
    /// Right-aligned in the margins, `y` below the paragraph.
    RightOfParagraph { y: i64 },
}

fn picture(rel_id: &str, id: u32, descr: &str, cx: i64, cy: i64, pic_prefix: &str) -> String {
    let descr = escape_attr(descr);
    format!(
        "<a:graphic xmlns:a=\"{NS_A}\"><a:graphicData uri=\"{NS_PIC}\"><pic:pic xmlns:pic=\"{NS_PIC}\">\
<pic:nvPicPr><pic:cNvPr id=\"{id}\" name=\"{pic_prefix}seal{id}.png\" descr=\"{descr}\"/><pic:cNvPicPr><a:picLocks noChangeAspect=\"1\"/></pic:cNvPicPr></pic:nvPicPr>\
<pic:blipFill><a:blip xmlns:r=\"{NS_R}\" r:embed=\"{rel_id}\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>\
<pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom><a:noFill/></pic:spPr>\
</pic:pic></a:graphicData></a:graphic>"
    )
}

/// A run holding a floating picture in front of the text, not wrapping it.
pub fn word_run(rel_id: &str, id: u32, descr: &str, cx: i64, cy: i64, pos: WordPosition) -> String {
    let (h, v) = match pos {
        WordPosition::AtCharacter { x, y } => (
            format!("<wp:positionH relativeFrom=\"character\"><wp:posOffset>{x}</wp:posOffset></wp:positionH>"),
            format!("<wp:positionV relativeFrom=\"paragraph\"><wp:posOffset>{y}</wp:posOffset></wp:positionV>"),
        ),
        WordPosition::RightOfParagraph { y } => (
            "<wp:positionH relativeFrom=\"margin\"><wp:align>right</wp:align></wp:positionH>".to_string(),
            format!("<wp:positionV relativeFrom=\"paragraph\"><wp:posOffset>{y}</wp:posOffset></wp:positionV>"),
        ),
    };
    format!(
        "<w:r><w:drawing><wp:anchor xmlns:wp=\"{NS_WP}\" distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\" simplePos=\"0\" relativeHeight=\"251659264\" behindDoc=\"0\" locked=\"0\" layoutInCell=\"1\" allowOverlap=\"1\">\
<wp:simplePos x=\"0\" y=\"0\"/>{h}{v}<wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/><wp:wrapNone/>\
<wp:docPr id=\"{id}\" name=\"docseal seal {id}\" descr=\"{}\"/><wp:cNvGraphicFramePr><a:graphicFrameLocks xmlns:a=\"{NS_A}\" noChangeAspect=\"1\"/></wp:cNvGraphicFramePr>\
{}</wp:anchor></w:drawing></w:r>",
        escape_attr(descr),
        picture(rel_id, id, descr, cx, cy, "")
    )
}

/// A spreadsheet anchor: top-left corner in cell (col,row) plus offsets (EMU), and its size.
pub struct CellAnchor {
    pub col: u32,
    pub col_off: i64,
    pub row: u32,
    pub row_off: i64,
}

pub fn sheet_anchor(
    rel_id: &str,
    id: u32,
    descr: &str,
    cx: i64,
    cy: i64,
    at: &CellAnchor,
) -> String {
    let pic = picture(rel_id, id, descr, cx, cy, "");
    // In a spreadsheet drawing the picture element is xdr:pic with the same content model.
    let pic = pic
        .replace(&format!("<a:graphic xmlns:a=\"{NS_A}\"><a:graphicData uri=\"{NS_PIC}\"><pic:pic xmlns:pic=\"{NS_PIC}\">"), &format!("<xdr:pic xmlns:a=\"{NS_A}\">"))
        .replace("</pic:pic></a:graphicData></a:graphic>", "</xdr:pic>")
        .replace("<pic:", "<xdr:")
        .replace("</pic:", "</xdr:");
    format!(
        "<xdr:oneCellAnchor xmlns:xdr=\"{NS_XDR}\"><xdr:from><xdr:col>{}</xdr:col><xdr:colOff>{}</xdr:colOff><xdr:row>{}</xdr:row><xdr:rowOff>{}</xdr:rowOff></xdr:from>\
<xdr:ext cx=\"{cx}\" cy=\"{cy}\"/>{pic}<xdr:clientData/></xdr:oneCellAnchor>",
        at.col, at.col_off, at.row, at.row_off
    )
}

/// A new, empty spreadsheet drawing part.
pub fn empty_sheet_drawing() -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<xdr:wsDr xmlns:xdr=\"{NS_XDR}\" xmlns:a=\"{NS_A}\"></xdr:wsDr>")
}
