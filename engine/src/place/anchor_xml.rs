//! The DrawingML for a floating seal picture: a `wp:anchor` for Word (ECMA-376 Part 1 §20.4.2.3),
//! an `xdr:oneCellAnchor` for Excel (§20.5.2.24). Built as trees of expanded names, so the markup
//! fits whatever prefixes the document uses where it goes.

use crate::xml::ns::{A, PIC, R, W, WP, XDR};
use crate::xml::El;

/// Where a Word anchor sits.
#[derive(Debug, Clone, Copy)]
pub enum WordPosition {
    /// Offsets (EMU) from the character the anchor run stands before, and from the top of its
    /// paragraph; and that character's measured distance from the start of its line.
    AtCharacter {
        x: i64,
        y: i64,
        from_line_start: i64,
    },
    /// Right-aligned in the margins, `y` below the paragraph.
    RightOfParagraph { y: i64 },
}

/// The picture's properties, shared by `pic:pic` and `xdr:pic` (the same content model, §20.2.2.5
/// and §20.5.2.25, in two namespaces).
fn picture(pic_ns: &'static str, rel_id: &str, id: u32, descr: &str, cx: i64, cy: i64) -> El {
    El::new(pic_ns, "pic")
        .child(
            El::new(pic_ns, "nvPicPr")
                .child(
                    El::new(pic_ns, "cNvPr")
                        .attr("id", id)
                        .attr("name", format!("seal{id}.png"))
                        .attr("descr", descr),
                )
                .child(
                    El::new(pic_ns, "cNvPicPr")
                        .child(El::new(A, "picLocks").attr("noChangeAspect", 1)),
                ),
        )
        .child(
            El::new(pic_ns, "blipFill")
                .child(El::new(A, "blip").ns_attr(R, "embed", rel_id))
                .child(El::new(A, "stretch").child(El::new(A, "fillRect"))),
        )
        .child(
            El::new(pic_ns, "spPr")
                .child(
                    El::new(A, "xfrm")
                        .child(El::new(A, "off").attr("x", 0).attr("y", 0))
                        .child(El::new(A, "ext").attr("cx", cx).attr("cy", cy)),
                )
                .child(
                    El::new(A, "prstGeom")
                        .attr("prst", "rect")
                        .child(El::new(A, "avLst")),
                )
                .child(El::new(A, "noFill")),
        )
}

/// A run holding a floating picture in front of the text, not wrapping it.
pub fn word_run(rel_id: &str, id: u32, descr: &str, cx: i64, cy: i64, pos: WordPosition) -> El {
    let (h, v) = match pos {
        WordPosition::AtCharacter { x, y, .. } => (
            El::new(WP, "positionH")
                .attr("relativeFrom", "character")
                .child(El::new(WP, "posOffset").text(x.to_string())),
            El::new(WP, "positionV")
                .attr("relativeFrom", "paragraph")
                .child(El::new(WP, "posOffset").text(y.to_string())),
        ),
        WordPosition::RightOfParagraph { y } => (
            El::new(WP, "positionH")
                .attr("relativeFrom", "margin")
                .child(El::new(WP, "align").text("right")),
            El::new(WP, "positionV")
                .attr("relativeFrom", "paragraph")
                .child(El::new(WP, "posOffset").text(y.to_string())),
        ),
    };
    let anchor = El::new(WP, "anchor")
        .attr("distT", 0)
        .attr("distB", 0)
        .attr("distL", 0)
        .attr("distR", 0)
        .attr("simplePos", 0)
        .attr("relativeHeight", 251_659_264)
        .attr("behindDoc", 0)
        .attr("locked", 0)
        .attr("layoutInCell", 1)
        .attr("allowOverlap", 1)
        .child(El::new(WP, "simplePos").attr("x", 0).attr("y", 0))
        .child(h)
        .child(v)
        .child(El::new(WP, "extent").attr("cx", cx).attr("cy", cy))
        .child(
            El::new(WP, "effectExtent")
                .attr("l", 0)
                .attr("t", 0)
                .attr("r", 0)
                .attr("b", 0),
        )
        .child(El::new(WP, "wrapNone"))
        .child(
            El::new(WP, "docPr")
                .attr("id", id)
                .attr("name", format!("docseal seal {id}"))
                .attr("descr", descr),
        )
        .child(
            El::new(WP, "cNvGraphicFramePr")
                .child(El::new(A, "graphicFrameLocks").attr("noChangeAspect", 1)),
        )
        .child(
            El::new(A, "graphic").child(
                El::new(A, "graphicData")
                    .attr("uri", PIC)
                    .child(picture(PIC, rel_id, id, descr, cx, cy)),
            ),
        );
    El::new(W, "r").child(El::new(W, "drawing").child(anchor))
}

/// A spreadsheet anchor: top-left corner in cell (col,row) plus offsets (EMU), and its size.
pub struct CellAnchor {
    pub col: u32,
    pub col_off: i64,
    pub row: u32,
    pub row_off: i64,
}

pub fn sheet_anchor(rel_id: &str, id: u32, descr: &str, cx: i64, cy: i64, at: &CellAnchor) -> El {
    El::new(XDR, "oneCellAnchor")
        .child(
            El::new(XDR, "from")
                .child(El::new(XDR, "col").text(at.col.to_string()))
                .child(El::new(XDR, "colOff").text(at.col_off.to_string()))
                .child(El::new(XDR, "row").text(at.row.to_string()))
                .child(El::new(XDR, "rowOff").text(at.row_off.to_string())),
        )
        .child(El::new(XDR, "ext").attr("cx", cx).attr("cy", cy))
        .child(picture(XDR, rel_id, id, descr, cx, cy))
        .child(El::new(XDR, "clientData"))
}

/// A new, empty spreadsheet drawing part.
pub fn empty_sheet_drawing() -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<xdr:wsDr xmlns:xdr=\"{XDR}\" xmlns:a=\"{A}\" xmlns:r=\"{R}\"></xdr:wsDr>")
}
