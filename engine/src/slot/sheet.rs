//! A slot in a workbook: a signature line in the sheet's VML drawing (`legacyDrawing`), which is
//! where Excel keeps them, anchored to cells by `x:Anchor` (ECMA-376 Part 4 §14.3.2.1 ClientData)
//! and placed as seals are: centred on a cell, or below the used range.

use super::found::CT_VML;
use super::request::SlotRequest;
use super::word::line_shape;
use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::place::xlsx::{self, sheet_tail, AFTER_DRAWING};
use crate::place::{add_picture, EMU_PER_MM, REL_IMAGE};
use crate::xml::ns::{O, V, X};
use crate::xml::ns::{R, SML};
use crate::xml::{edit, El, Scope};

const REL_VML: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing";
const EMU_PER_PX: f64 = 9_525.0;
const EMU_PER_PT: f64 = 12_700.0;

pub fn add(
    edit: &mut PackageEdit,
    workbook: &PartName,
    req: &SlotRequest,
    id: &str,
    png: &[u8],
) -> Result<PartName> {
    let (w_mm, h_mm) = req.size_mm;
    let (cx, cy) = (w_mm * EMU_PER_MM, h_mm * EMU_PER_MM);
    let spot = xlsx::spot(edit, workbook, &req.placement, (cx, cy), req.offset_mm)?;
    let g = &spot.geometry;
    let px = |emu: f64| (emu / EMU_PER_PX).round() as i64;
    let (c0, x0) = g.locate_col(spot.left);
    let (r0, y0) = g.locate_row(spot.top);
    let (c1, x1) = g.locate_col(spot.left + cx);
    let (r1, y1) = g.locate_row(spot.top + cy);
    // LeftColumn, LeftOffset, TopRow, TopOffset, RightColumn, RightOffset, BottomRow,
    // BottomOffset; offsets in pixels (§14.3.2.2 Anchor).
    let anchor = format!(
        "{c0}, {}, {r0}, {}, {c1}, {}, {r1}, {}",
        px(x0),
        px(y0),
        px(x1),
        px(y1)
    );
    let (vml, fresh) = legacy_drawing(edit, &spot.sheet, &spot.sheet_xml)?;
    let picture = add_picture(edit, workbook.directory(), "docseal-slot", png)?;
    let rel_id = edit.add_relationship(Some(&vml), REL_IMAGE, &picture)?;
    let text = edit.read_text(&vml)?;
    let shape_no = next_shape_number(&text);
    let style = format!(
        "position:absolute;margin-left:{:.2}pt;margin-top:{:.2}pt;width:{:.2}pt;height:{:.2}pt;z-index:{}",
        spot.left / EMU_PER_PT,
        spot.top / EMU_PER_PT,
        cx / EMU_PER_PT,
        cy / EMU_PER_PT,
        shape_no
    );
    let shape = line_shape(
        &format!("_x0000_s{shape_no}"),
        &style,
        El::new(V, "imagedata")
            .ns_attr(O, "relid", &rel_id)
            .ns_attr(O, "title", ""),
        id,
        req,
    )
    .child(
        El::new(X, "ClientData")
            .attr("ObjectType", "Pict")
            .child(El::new(X, "SizeWithCells"))
            .child(El::new(X, "Anchor").text(anchor))
            .child(El::new(X, "CF").text("Pict"))
            .child(El::new(X, "AutoPict")),
    );
    // Excel's VML is not always well-formed XML, so an existing part is not parsed: the shape
    // goes before its last end tag and declares what it uses itself.
    let mut scope = Scope::default();
    if fresh {
        scope.bind("v", V);
        scope.bind("o", O);
        scope.bind("x", X);
    }
    let markup = shape.write(&scope);
    let at = text
        .rfind("</")
        .ok_or_else(|| Error::xml(vml.as_str(), "the VML drawing is not closed"))?;
    edit.put(vml.clone(), edit::insert(&text, at, &markup).into_bytes());
    Ok(vml)
}

/// The sheet's VML drawing: the one its `legacyDrawing` names, or a new one (then `true`).
fn legacy_drawing(
    edit: &mut PackageEdit,
    sheet: &PartName,
    sheet_xml: &str,
) -> Result<(PartName, bool)> {
    let tail = sheet_tail(sheet_xml, sheet, "legacyDrawing", &AFTER_DRAWING[1..])?;
    if let Some(rid) = &tail.rid {
        let existing = edit
            .relationships_of(Some(sheet))?
            .into_iter()
            .find(|r| &r.id == rid && r.rel_type == REL_VML)
            .and_then(|r| r.target_part(Some(sheet)))
            .filter(|p| edit.exists(p));
        return existing
            .map(|p| (p, false))
            .ok_or_else(|| Error::MissingPart {
                part: format!("the VML drawing {rid} of {sheet}"),
            });
    }
    // Shape ids are _x0000_s{1024·n + k} for the part's o:idmap n, unique in the workbook.
    let idmap = next_idmap(edit);
    let part = edit.fresh_part("/xl/drawings/vmlDrawing", "vml")?;
    let text = format!(
        "<xml xmlns:v=\"{V}\" xmlns:o=\"{O}\" xmlns:x=\"{X}\"><o:shapelayout v:ext=\"edit\"><o:idmap v:ext=\"edit\" data=\"{idmap}\"/></o:shapelayout></xml>"
    );
    edit.put(part.clone(), text.into_bytes());
    edit.declare_content_type(&part, CT_VML)?;
    let rid = edit.add_relationship(Some(sheet), REL_VML, &part)?;
    let el = El::new(SML, "legacyDrawing").ns_attr(R, "id", &rid);
    let new = edit::insert(sheet_xml, tail.insert_at, &el.write(&tail.scope));
    edit.put(sheet.clone(), new.into_bytes());
    Ok((part, true))
}

/// One more than the largest `o:idmap` number of the workbook's VML parts.
fn next_idmap(edit: &PackageEdit) -> u32 {
    let mut max = 0;
    for name in edit.names().into_values() {
        if edit.content_type(&name) != Some(CT_VML) {
            continue;
        }
        let Ok(bytes) = edit.read(&name) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (at, _) in text.match_indices("idmap") {
            let rest = &text[at..];
            let Some(d) = rest.find("data=") else {
                continue;
            };
            let value: String = rest[d + 6..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ',')
                .collect();
            for n in value.split(',').filter_map(|n| n.parse::<u32>().ok()) {
                max = max.max(n);
            }
        }
    }
    max + 1
}

/// The next shape number in a VML part: past every `_x0000_s` id and its `o:idmap` block.
fn next_shape_number(text: &str) -> u64 {
    let idmap = text
        .find("data=\"")
        .and_then(|d| {
            text[d + 6..]
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse::<u64>().ok())
        })
        .unwrap_or(1);
    let mut max = 1024 * idmap;
    for (at, _) in text.match_indices("_x0000_s") {
        let n: String = text[at + 8..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = n.parse::<u64>() {
            max = max.max(n);
        }
    }
    max + 1
}
