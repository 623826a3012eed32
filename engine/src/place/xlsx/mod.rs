//! Excel: the seal goes into the sheet's drawing part (created, or extended when the sheet has
//! one), as a one-cell anchor whose picture is centred on the cell — found by reference
//! (`Sheet1!E20`) or by the text it shows (shared or inline strings) — or set below the used
//! range of the first visible sheet, at its right edge.

pub mod cells;
pub mod geometry;
pub mod workbook;

use quick_xml::events::Event;

use super::anchor_xml::{self, CellAnchor};
use super::picture_part::{add_picture, max_object_id, EMU_PER_MM, REL_IMAGE};
use super::request::{PlaceRequest, Placed, Placement};
use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::xml::ns::{R, SML, XDR};
use crate::xml::{edit, El, Scanner, Scope};
use cells::parse_cell;
use geometry::Geometry;
use workbook::{DefaultFont, Sheet};

const REL_DRAWING: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing";
const CT_DRAWING: &str = "application/vnd.openxmlformats-officedocument.drawing+xml";

/// Elements CT_Worksheet puts after `drawing` (ECMA-376 Part 1 §18.3.1.99): the new `drawing`
/// element goes before the first of them that the sheet has.
pub(crate) const AFTER_DRAWING: &[&str] = &[
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
];

/// What placement needs from the end of a worksheet part.
pub(crate) struct SheetTail {
    /// The `r:id` of the sheet's element asked for (`drawing`, `legacyDrawing`), when it has one.
    pub rid: Option<String>,
    /// Where a new such element goes.
    pub insert_at: usize,
    /// The bindings in scope inside the worksheet element.
    pub scope: Scope,
}

/// Reads the worksheet's top-level elements after `sheetData`, jumping over the rows: all that
/// placement touches follows them, and a sheet may hold 20 MB of rows. `element` is the one looked
/// for; a new one goes before the first of `followers` the sheet has.
pub(crate) fn sheet_tail(
    xml: &str,
    part: &PartName,
    element: &str,
    followers: &[&str],
) -> Result<SheetTail> {
    let bad = |e: quick_xml::Error| Error::xml(part.as_str(), format!("malformed XML: {e}"));
    let mut s = Scanner::new(xml);
    let mut scope = None;
    let mut tail = None;
    while let Some(item) = s.next_item().map_err(bad)? {
        let (Event::Start(e) | Event::Empty(e)) = &item.event else {
            continue;
        };
        if scope.is_none() {
            if !s.is(e, SML, "worksheet") || matches!(item.event, Event::Empty(_)) {
                return Err(Error::NowhereToPlace(format!("{part} is not a worksheet")));
            }
            scope = Some(s.scope().clone());
            continue;
        }
        if s.scope().depth() == 2 && s.is(e, SML, "sheetData") {
            if matches!(item.event, Event::Start(_)) {
                let close = format!("</{}", String::from_utf8_lossy(e.name().as_ref()));
                let end = memchr::memmem::rfind(xml.as_bytes(), close.as_bytes())
                    .ok_or_else(|| Error::xml(part.as_str(), "sheetData is not closed"))?;
                tail = Some((end, s.scope().clone()));
            }
            break;
        }
    }
    let scope = scope.ok_or_else(|| Error::NowhereToPlace(format!("{part} is empty")))?;
    let mut s = match tail {
        Some((at, inside)) => Scanner::resume(xml, at, inside),
        None => s,
    };
    let mut found = SheetTail {
        rid: None,
        insert_at: 0,
        scope: scope.clone(),
    };
    let mut insert_at = None;
    while let Some(item) = s.next_item().map_err(bad)? {
        match &item.event {
            Event::Start(e) | Event::Empty(e) if s.scope().depth() == 2 => {
                if s.is(e, SML, element) {
                    found.rid = s.attr(e, Some(R), "id");
                }
                if insert_at.is_none() && followers.iter().any(|l| s.is(e, SML, l)) {
                    insert_at = Some(item.start);
                }
            }
            Event::End(_) if s.scope().depth() == 1 => {
                found.insert_at = insert_at.unwrap_or(item.start);
                return Ok(found);
            }
            _ => {}
        }
    }
    Err(Error::xml(part.as_str(), "the worksheet is not closed"))
}

/// The used range's last row and column (zero-based), from the cells that hold something.
fn used_range(xml: &str, part: &PartName) -> Result<Option<(u32, u32)>> {
    let mut s = Scanner::new(xml);
    let mut last: Option<(u32, u32)> = None;
    let mut cell: Option<(u32, u32)> = None;
    while let Some(item) = s
        .next_item()
        .map_err(|e| Error::xml(part.as_str(), format!("malformed XML: {e}")))?
    {
        match &item.event {
            Event::Start(e) if s.is(e, SML, "c") => {
                cell = s.attr(e, None, "r").and_then(|r| parse_cell(&r));
            }
            Event::Start(e) if cell.is_some() && (s.is(e, SML, "v") || s.is(e, SML, "is")) => {
                if let Some((c, r)) = cell.take() {
                    last = Some(match last {
                        Some((lc, lr)) => (lc.max(c), lr.max(r)),
                        None => (c, r),
                    });
                }
            }
            Event::End(e) if s.is_end(e, SML, "c") => cell = None,
            _ => {}
        }
    }
    Ok(last)
}

fn first_visible_worksheet(all: &[Sheet]) -> Result<&Sheet> {
    all.iter()
        .find(|s| s.is_worksheet && !s.hidden)
        .or_else(|| all.iter().find(|s| s.is_worksheet))
        .ok_or_else(|| Error::NowhereToPlace("the workbook has no worksheet".into()))
}

/// Where a floating object goes on a workbook's sheets: the sheet, its XML and geometry, and the
/// object's top-left corner (EMU). Seals and seal slots are placed the same way.
pub(crate) struct SheetSpot {
    pub sheet: PartName,
    pub sheet_xml: String,
    pub geometry: Geometry,
    pub left: f64,
    pub top: f64,
}

pub fn place(edit: &mut PackageEdit, workbook: &PartName, req: &PlaceRequest) -> Result<Placed> {
    let cx = req.size_mm * EMU_PER_MM;
    let cy = req.picture.height_for(req.size_mm) * EMU_PER_MM;
    let SheetSpot {
        sheet,
        sheet_xml,
        geometry: g,
        left,
        top,
    } = spot(edit, workbook, &req.placement, (cx, cy), req.offset_mm)?;
    let (c0, col_off) = g.locate_col(left);
    let (r0, row_off) = g.locate_row(top);
    let at = CellAnchor {
        col: c0,
        col_off: col_off as i64,
        row: r0,
        row_off: row_off as i64,
    };

    let drawing = sheet_drawing(edit, &sheet, &sheet_xml)?;
    let drawing_xml = edit.read_text(&drawing)?;
    let id = max_object_id(drawing_xml.as_bytes()).max(0x5EA0) + 1;
    let image_part = add_picture(edit, workbook.directory(), "docseal-seal", &req.picture.png)?;
    let rel_id = edit.add_relationship(Some(&drawing), REL_IMAGE, &image_part)?;
    let anchor =
        anchor_xml::sheet_anchor(&rel_id, id, &req.mark.to_descr(), cx as i64, cy as i64, &at);
    let root = edit::root(&drawing_xml, drawing.as_str(), XDR, "wsDr")?;
    let new = edit::append_child(&drawing_xml, &root, &anchor.write(&root.inner));
    edit.put(drawing.clone(), new.into_bytes());
    Ok(Placed {
        image_part,
        in_part: drawing,
        kind: super::main_part::Kind::Xlsx,
    })
}

/// Finds the sheet and corner for an object of size (cx, cy) EMU: centred on a cell (named or
/// found by its text), or below the used range of the first visible sheet at its right edge.
pub(crate) fn spot(
    edit: &PackageEdit,
    workbook: &PartName,
    placement: &Placement,
    (cx, cy): (f64, f64),
    offset_mm: (f64, f64),
) -> Result<SheetSpot> {
    let all = workbook::sheets(edit, workbook)?;
    let font = DefaultFont::read(edit, workbook);

    // The sheet, and the top-left corner of the object on it.
    let (sheet, sheet_xml, g, left, top) = match placement {
        Placement::End => {
            let sheet = first_visible_worksheet(&all)?;
            let xml = edit.read_text(&sheet.part)?;
            let (col, row) = used_range(&xml, &sheet.part)?.unwrap_or((0, 0));
            let g = Geometry::read(&xml, &font, row + 2);
            let right = g.col_left(col) + g.col_emu(col);
            // One empty row between the last used row and the seal.
            let top = g.row_top(row + 2);
            (sheet, xml, g, (right - cx).max(0.0), top)
        }
        Placement::Cell(spec) => {
            let (name, cell) = match spec.rsplit_once('!') {
                Some((n, c)) => (Some(n.trim_matches('\'')), c),
                None => (None, spec.as_str()),
            };
            let sheet = match name {
                Some(n) => all
                    .iter()
                    .find(|s| s.name == n)
                    .ok_or_else(|| Error::NoSuchSheet {
                        name: n.to_string(),
                        sheets: all.iter().map(|s| s.name.clone()).collect(),
                    })?,
                None => first_visible_worksheet(&all)?,
            };
            if !sheet.is_worksheet {
                return Err(Error::NowhereToPlace(format!(
                    "{:?} is not a worksheet (a chart or dialog sheet has no cells)",
                    sheet.name
                )));
            }
            let (col, row) =
                parse_cell(&cell.replace('$', "")).ok_or_else(|| Error::NoSuchCell {
                    cell: cell.to_string(),
                })?;
            let xml = edit.read_text(&sheet.part)?;
            let g = Geometry::read(&xml, &font, row);
            let (left, top) = centred(&g, col, row, cx, cy);
            (sheet, xml, g, left, top)
        }
        Placement::Text { needle, occurrence } => {
            if needle.trim().is_empty() {
                return Err(Error::arg("--at-text", "needs some text to look for"));
            }
            let strings = workbook::shared_strings(edit, workbook)?;
            let mut found = Vec::new();
            for s in all.iter().filter(|s| s.is_worksheet) {
                let xml = edit.read_text(&s.part)?;
                for rc in cells::with_text(&s.part, &xml, &strings, needle)? {
                    found.push((s, rc));
                }
            }
            let count = found.len();
            let (sheet, (col, row)) = occurrence
                .pick(found)
                .ok_or_else(|| occurrence.missing(needle, count))?;
            let xml = edit.read_text(&sheet.part)?;
            let g = Geometry::read(&xml, &font, row);
            let (left, top) = centred(&g, col, row, cx, cy);
            (sheet, xml, g, left, top)
        }
    };
    Ok(SheetSpot {
        sheet: sheet.part.clone(),
        sheet_xml,
        geometry: g,
        left: left + offset_mm.0 * EMU_PER_MM,
        top: top + offset_mm.1 * EMU_PER_MM,
    })
}

/// The top-left corner of a picture of size (cx, cy) centred on a cell.
fn centred(g: &Geometry, col: u32, row: u32, cx: f64, cy: f64) -> (f64, f64) {
    let x_centre = g.col_left(col) + g.col_emu(col) / 2.0;
    let y_centre = g.row_top(row) + g.row_emu(row) / 2.0;
    (x_centre - cx / 2.0, y_centre - cy / 2.0)
}

/// The sheet's drawing part: the one its `drawing` element names, or a new one.
fn sheet_drawing(edit: &mut PackageEdit, sheet: &PartName, sheet_xml: &str) -> Result<PartName> {
    let tail = sheet_tail(sheet_xml, sheet, "drawing", AFTER_DRAWING)?;
    if let Some(rid) = &tail.rid {
        let existing = edit
            .relationships_of(Some(sheet))?
            .into_iter()
            .find(|r| &r.id == rid && r.rel_type == REL_DRAWING)
            .and_then(|r| r.target_part(Some(sheet)))
            .filter(|p| edit.exists(p));
        return existing.ok_or_else(|| Error::MissingPart {
            part: format!("the drawing {rid} of {sheet}"),
        });
    }
    let d = edit.fresh_part("/xl/drawings/drawing", "xml")?;
    edit.put(d.clone(), anchor_xml::empty_sheet_drawing().into_bytes());
    edit.declare_content_type(&d, CT_DRAWING)?;
    let rid = edit.add_relationship(Some(sheet), REL_DRAWING, &d)?;
    let el = El::new(SML, "drawing").ns_attr(R, "id", &rid);
    let new = edit::insert(sheet_xml, tail.insert_at, &el.write(&tail.scope));
    edit.put(sheet.clone(), new.into_bytes());
    Ok(d)
}
