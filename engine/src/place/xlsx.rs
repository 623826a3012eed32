//! Excel: the seal goes into the sheet's drawing part (created, or extended when the sheet has
//! one), as a one-cell anchor whose picture is centred on the cell — found by reference
//! (`Sheet1!E20`) or by the text it shows (shared or inline strings).

use quick_xml::events::Event;
use quick_xml::Reader;

use super::anchor_xml::{self, CellAnchor};
use super::{
    add_relationship, current_text, ensure_png_type, fresh_part, relative_target, PlaceRequest,
    Placed, Placement, EMU_PER_MM, REL_IMAGE,
};
use crate::error::{Error, Result};
use crate::opc::{rels, Changes, Package, PartName};

const REL_DRAWING: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing";
const CT_DRAWING: &str = "application/vnd.openxmlformats-officedocument.drawing+xml";
const EMU_PER_PX: f64 = 9_525.0;
const EMU_PER_PT: f64 = 12_700.0;

struct Sheet {
    name: String,
    part: PartName,
}

fn sheets(pkg: &Package, workbook: &PartName) -> Result<Vec<Sheet>> {
    let xml = pkg.read_text(workbook)?;
    let rels_part = workbook.rels_part();
    let list = rels::parse(rels_part.as_str(), &pkg.read_text(&rels_part)?)?;
    let mut out = Vec::new();
    let mut reader = Reader::from_str(&xml);
    loop {
        match reader
            .read_event()
            .map_err(|e| Error::xml(workbook.as_str(), e))?
        {
            Event::Empty(e) | Event::Start(e) if e.local_name().as_ref() == b"sheet" => {
                let mut name = None;
                let mut rid = None;
                for a in e.attributes().flatten() {
                    let v = a
                        .unescape_value()
                        .map(|v| v.into_owned())
                        .unwrap_or_default();
                    match a.key.as_ref() {
                        b"name" => name = Some(v),
                        k if k.ends_with(b":id") => rid = Some(v),
                        _ => {}
                    }
                }
                if let (Some(name), Some(rid)) = (name, rid) {
                    if let Some(part) = list
                        .iter()
                        .find(|r| r.id == rid)
                        .and_then(|r| r.target_part(Some(workbook)))
                    {
                        out.push(Sheet { name, part });
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// "E20" → (column 4, row 19), zero-based.
pub fn parse_cell(r: &str) -> Option<(u32, u32)> {
    let letters: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits = &r[letters.len()..];
    if letters.is_empty()
        || letters.len() > 3
        || digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let col = letters
        .to_ascii_uppercase()
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + (b - b'A' + 1) as u32)
        - 1;
    let row = digits.parse::<u32>().ok()?.checked_sub(1)?;
    (col < 16_384 && row < 1_048_576).then_some((col, row))
}

/// Column widths (in character units) and row heights (points) as the sheet states them.
struct Geometry {
    /// Width of the widest digit of the workbook's default font, in pixels (Excel's unit).
    digit_px: f64,
    default_col: f64,
    cols: Vec<(u32, u32, f64)>,
    default_row_pt: f64,
    rows: Vec<(u32, f64)>,
}

impl Geometry {
    /// Reads widths and heights up to row `last_row` (the rest of sheetData is not needed).
    fn read(xml: &str, font: &DefaultFont, last_row: u32) -> Geometry {
        let digit_px = font.digit_px();
        let mut g = Geometry {
            digit_px,
            default_col: 8.0 + 5.0 / digit_px,
            cols: vec![],
            default_row_pt: font.row_pt(),
            rows: vec![],
        };
        let mut reader = Reader::from_str(xml);
        while let Ok(ev) = reader.read_event() {
            match ev {
                Event::Empty(e) | Event::Start(e) => {
                    let attr = |k: &[u8]| {
                        e.try_get_attribute(k)
                            .ok()
                            .flatten()
                            .and_then(|a| String::from_utf8_lossy(&a.value).parse::<f64>().ok())
                    };
                    match e.local_name().as_ref() {
                        b"sheetFormatPr" => {
                            if let Some(w) = attr(b"defaultColWidth") {
                                g.default_col = w;
                            } else if let Some(b) = attr(b"baseColWidth") {
                                g.default_col = b + 5.0 / g.digit_px;
                            }
                            if let Some(h) = attr(b"defaultRowHeight") {
                                g.default_row_pt = h;
                            }
                        }
                        b"col" => {
                            if let (Some(min), Some(max), Some(w)) =
                                (attr(b"min"), attr(b"max"), attr(b"width"))
                            {
                                g.cols.push((min as u32 - 1, max as u32 - 1, w));
                            }
                        }
                        b"row" => {
                            let r = attr(b"r").map(|r| r as u32 - 1);
                            if r.is_some_and(|r| r > last_row + 200) {
                                break;
                            }
                            if let (Some(r), Some(ht)) = (r, attr(b"ht")) {
                                g.rows.push((r, ht));
                            }
                        }
                        _ => {}
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        g
    }

    /// Width of a column in EMU (Excel: pixels = trunc((256·w + trunc(128/d)) / 256 · d) for the
    /// default font's digit width d).
    fn col_emu(&self, c: u32) -> f64 {
        let w = self
            .cols
            .iter()
            .find(|(a, b, _)| *a <= c && c <= *b)
            .map_or(self.default_col, |x| x.2);
        let d = self.digit_px;
        ((256.0 * w + (128.0 / d).trunc()) / 256.0 * d).trunc() * EMU_PER_PX
    }
    fn row_emu(&self, r: u32) -> f64 {
        self.rows
            .iter()
            .find(|(x, _)| *x == r)
            .map_or(self.default_row_pt, |x| x.1)
            * EMU_PER_PT
    }
    /// Finds the cell holding the absolute offset `x` along columns: (index, offset inside it).
    fn locate(&self, mut pos: f64, size: impl Fn(u32) -> f64) -> (u32, f64) {
        let mut i = 0;
        pos = pos.max(0.0);
        while pos >= size(i) && i < 16_383 {
            pos -= size(i);
            i += 1;
        }
        (i, pos)
    }
}

/// The workbook's default font (the first font of styles.xml), which sets column and row units.
struct DefaultFont {
    name: String,
    size_pt: f64,
}

impl DefaultFont {
    fn read(pkg: &Package, workbook: &PartName) -> DefaultFont {
        let fallback = DefaultFont {
            name: "Calibri".into(),
            size_pt: 11.0,
        };
        let Ok(rels_part) = Ok::<_, ()>(workbook.rels_part()) else {
            return fallback;
        };
        let styles = pkg
            .read_xml(&rels_part)
            .ok()
            .and_then(|x| rels::parse(rels_part.as_str(), &x).ok())
            .and_then(|l| l.into_iter().find(|r| r.rel_type.ends_with("/styles")))
            .and_then(|r| r.target_part(Some(workbook)))
            .and_then(|p| pkg.read_text(&p).ok());
        let Some(xml) = styles else { return fallback };
        let Some(f) = xml.find("<font>").or_else(|| xml.find("<font ")) else {
            return fallback;
        };
        let font = &xml[f..f + xml[f..].find("</font>").unwrap_or(0)];
        let val = |tag: &str| {
            font.find(tag)
                .and_then(|i| font[i..].split("val=\"").nth(1))
                .and_then(|v| v.split('"').next())
                .map(str::to_string)
        };
        DefaultFont {
            name: val("<name ").unwrap_or(fallback.name),
            size_pt: val("<sz ")
                .and_then(|v| v.parse().ok())
                .unwrap_or(fallback.size_pt),
        }
    }

    /// The widest digit at 96 dpi, rounded as Excel does; 7 px (Calibri 11) when the font is not
    /// installed.
    fn digit_px(&self) -> f64 {
        let db = crate::seal::draw::fonts();
        let aliases: &[&str] = match self.name.as_str() {
            "Calibri" => &["Calibri", "Carlito"],
            "Arial" => &["Arial", "Liberation Sans"],
            n => &[n],
        };
        let families: Vec<resvg::usvg::fontdb::Family> = aliases
            .iter()
            .map(|a| resvg::usvg::fontdb::Family::Name(a))
            .collect();
        let query = resvg::usvg::fontdb::Query {
            families: &families,
            ..Default::default()
        };
        db.query(&query)
            .and_then(|id| {
                db.with_face_data(id, |data, index| {
                    let face = ttf_parser::Face::parse(data, index).ok()?;
                    let widest = ('0'..='9')
                        .filter_map(|c| face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)))
                        .max()?;
                    Some(
                        (widest as f64 / face.units_per_em() as f64 * self.size_pt * 96.0 / 72.0)
                            .round(),
                    )
                })?
            })
            .unwrap_or(7.0)
    }

    /// The default row height: Excel's 15 pt for an 11 pt font, in proportion otherwise.
    fn row_pt(&self) -> f64 {
        (self.size_pt * 15.0 / 11.0 * 4.0).round() / 4.0
    }
}

/// Shared strings, by index.
fn shared_strings(pkg: &Package, workbook: &PartName) -> Result<Vec<String>> {
    let rels_part = workbook.rels_part();
    let list = rels::parse(rels_part.as_str(), &pkg.read_text(&rels_part)?)?;
    let Some(sst) = list
        .iter()
        .find(|r| r.rel_type.ends_with("/sharedStrings"))
        .and_then(|r| r.target_part(Some(workbook)))
    else {
        return Ok(vec![]);
    };
    let xml = pkg.read_text(&sst)?;
    let mut out = Vec::new();
    let mut reader = Reader::from_str(&xml);
    let mut cur: Option<String> = None;
    let mut in_t = false;
    loop {
        match reader
            .read_event()
            .map_err(|e| Error::xml(sst.as_str(), e))?
        {
            Event::Start(e) if e.local_name().as_ref() == b"si" => cur = Some(String::new()),
            Event::Start(e) if e.local_name().as_ref() == b"t" => in_t = true,
            Event::End(e) if e.local_name().as_ref() == b"t" => in_t = false,
            Event::Text(t) if in_t => {
                if let Some(c) = cur.as_mut() {
                    c.push_str(&t.unescape().map_err(|e| Error::xml(sst.as_str(), e))?);
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"si" => out.extend(cur.take()),
            Event::Empty(e) if e.local_name().as_ref() == b"si" => out.push(String::new()),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Cells whose text contains `needle`, in sheet and document order.
fn cells_with_text(
    pkg: &Package,
    sheet: &Sheet,
    strings: &[String],
    needle: &str,
) -> Result<Vec<(u32, u32)>> {
    let xml = pkg.read_text(&sheet.part)?;
    let mut out = Vec::new();
    let mut reader = Reader::from_str(&xml);
    let (mut cell, mut kind) = (None::<(u32, u32)>, String::new());
    let (mut in_v, mut in_t, mut text) = (false, false, String::new());
    loop {
        match reader
            .read_event()
            .map_err(|e| Error::xml(sheet.part.as_str(), e))?
        {
            Event::Start(e) if e.local_name().as_ref() == b"c" => {
                cell = e
                    .try_get_attribute("r")
                    .ok()
                    .flatten()
                    .and_then(|a| parse_cell(&String::from_utf8_lossy(&a.value)));
                kind = e
                    .try_get_attribute("t")
                    .ok()
                    .flatten()
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                    .unwrap_or_default();
                text.clear();
            }
            Event::Start(e) if e.local_name().as_ref() == b"v" => in_v = true,
            Event::End(e) if e.local_name().as_ref() == b"v" => in_v = false,
            Event::Start(e) if e.local_name().as_ref() == b"t" => in_t = true,
            Event::End(e) if e.local_name().as_ref() == b"t" => in_t = false,
            Event::Text(t) if in_v || in_t => text.push_str(&t.unescape().unwrap_or_default()),
            Event::End(e) if e.local_name().as_ref() == b"c" => {
                let shown = match kind.as_str() {
                    "s" => text
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| strings.get(i))
                        .cloned()
                        .unwrap_or_default(),
                    "inlineStr" | "str" => text.clone(),
                    _ => String::new(),
                };
                if shown.contains(needle) {
                    out.extend(cell);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Where the `<drawing>` element goes: before the first element the schema puts after it.
fn insert_drawing_element(sheet_xml: &str, rel_id: &str) -> Result<String> {
    let el = format!(
        "<drawing xmlns:r=\"{}\" r:id=\"{rel_id}\"/>",
        anchor_xml::NS_R
    );
    const AFTER: &[&str] = &[
        "<legacyDrawing",
        "<legacyDrawingHF",
        "<drawingHF",
        "<picture",
        "<oleObjects",
        "<controls",
        "<webPublishItems",
        "<tableParts",
        "<extLst",
        "</worksheet>",
    ];
    // All of these follow sheetData, so only the tail of a (possibly huge) sheet is searched.
    let tail_start = sheet_xml
        .rfind("</sheetData>")
        .or_else(|| sheet_xml.rfind("<sheetData/>"))
        .unwrap_or(0);
    let tail = &sheet_xml[tail_start..];
    let at = AFTER
        .iter()
        .filter_map(|t| {
            tail.find(t)
                .or_else(|| tail.find(&t.replacen('<', "<x:", 1)))
        })
        .min()
        .map(|i| tail_start + i)
        .ok_or_else(|| Error::xml("worksheet", "no </worksheet>"))?;
    Ok(format!("{}{el}{}", &sheet_xml[..at], &sheet_xml[at..]))
}

pub fn place(
    pkg: &Package,
    changes: &mut Changes,
    workbook: &PartName,
    req: &PlaceRequest,
) -> Result<Placed> {
    let all = sheets(pkg, workbook)?;
    let first = all
        .first()
        .ok_or_else(|| Error::Refused("the workbook has no sheets".into()))?;
    let (sheet, (col, row)) = match &req.placement {
        Placement::End => {
            return Err(Error::Usage(
                "--at-end is for Word documents; use --at-cell or --at-text".into(),
            ))
        }
        Placement::Cell(spec) => {
            let (name, cell) = match spec.rsplit_once('!') {
                Some((n, c)) => (Some(n.trim_matches('\'')), c),
                None => (None, spec.as_str()),
            };
            let sheet = match name {
                Some(n) => all.iter().find(|s| s.name == n).ok_or_else(|| {
                    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                    Error::Refused(format!(
                        "no sheet named {n:?} (sheets: {})",
                        names.join(", ")
                    ))
                })?,
                None => first,
            };
            let rc = parse_cell(&cell.replace('$', "")).ok_or_else(|| {
                Error::Refused(format!("{cell:?} is not a cell reference like E20"))
            })?;
            (sheet, rc)
        }
        Placement::Text { needle, occurrence } => {
            let strings = shared_strings(pkg, workbook)?;
            let mut found = Vec::new();
            for s in &all {
                for rc in cells_with_text(pkg, s, &strings, needle)? {
                    found.push((s, rc));
                }
            }
            let count = found.len();
            occurrence.pick(found).ok_or_else(|| {
                if count == 0 {
                    Error::Refused(format!("no cell shows the text {needle:?}"))
                } else {
                    Error::Refused(format!(
                        "{count} cell(s) show {needle:?}; occurrence {occurrence:?} does not exist"
                    ))
                }
            })?
        }
    };

    let sheet_xml = current_text(pkg, changes, &sheet.part)?
        .ok_or_else(|| Error::NotAPackage(format!("{} is missing", sheet.part)))?;
    let g = Geometry::read(&sheet_xml, &DefaultFont::read(pkg, workbook), row);
    let cx = req.size_mm * EMU_PER_MM;
    let cy = req.picture.height_for(req.size_mm) * EMU_PER_MM;
    let x_centre: f64 = (0..col).map(|c| g.col_emu(c)).sum::<f64>() + g.col_emu(col) / 2.0;
    let y_centre: f64 = (0..row).map(|r| g.row_emu(r)).sum::<f64>() + g.row_emu(row) / 2.0;
    let left = x_centre - cx / 2.0 + req.offset_mm.0 * EMU_PER_MM;
    let top = y_centre - cy / 2.0 + req.offset_mm.1 * EMU_PER_MM;
    let (c0, col_off) = g.locate(left, |c| g.col_emu(c));
    let (r0, row_off) = g.locate(top, |r| g.row_emu(r));
    let at = CellAnchor {
        col: c0,
        col_off: col_off as i64,
        row: r0,
        row_off: row_off as i64,
    };

    // The sheet's drawing part: the one it has, or a new one.
    let sheet_rels = sheet.part.rels_part();
    let existing = match current_text(pkg, changes, &sheet_rels)? {
        Some(x) => rels::parse(sheet_rels.as_str(), &x)?
            .into_iter()
            .filter(|r| {
                r.rel_type == REL_DRAWING && sheet_xml.contains(&format!("r:id=\"{}\"", r.id))
            })
            .find_map(|r| r.target_part(Some(&sheet.part))),
        None => None,
    };
    let drawing = match existing {
        Some(d) => d,
        None => {
            let d = fresh_part(pkg, changes, "/xl/drawings/drawing", "xml")?;
            changes.put(
                pkg,
                d.clone(),
                anchor_xml::empty_sheet_drawing().into_bytes(),
            );
            crate::dsig::machinery::add_content_type(
                pkg,
                changes,
                &format!("<Override PartName=\"{d}\" ContentType=\"{CT_DRAWING}\"/>"),
            )?;
            let rid = add_relationship(
                pkg,
                changes,
                &sheet.part,
                REL_DRAWING,
                &relative_target(&sheet.part, &d),
            )?;
            let sheet_xml = current_text(pkg, changes, &sheet.part)?.unwrap_or_default();
            changes.put(
                pkg,
                sheet.part.clone(),
                insert_drawing_element(&sheet_xml, &rid)?.into_bytes(),
            );
            d
        }
    };
    let drawing_xml = current_text(pkg, changes, &drawing)?
        .ok_or_else(|| Error::NotAPackage(format!("{drawing} is missing")))?;
    let id = drawing_xml.matches("cNvPr id=\"").count() as u32 + 0x5EA1;

    let image_part = fresh_part(pkg, changes, "/xl/media/docseal-seal", "png")?;
    changes.put(pkg, image_part.clone(), req.picture.png.clone());
    ensure_png_type(pkg, changes)?;
    let rel_id = add_relationship(
        pkg,
        changes,
        &drawing,
        REL_IMAGE,
        &relative_target(&drawing, &image_part),
    )?;
    let anchor =
        anchor_xml::sheet_anchor(&rel_id, id, &req.mark.to_descr(), cx as i64, cy as i64, &at);
    let close = drawing_xml
        .rfind("</xdr:wsDr>")
        .or_else(|| drawing_xml.rfind("</wsDr>"))
        .ok_or_else(|| Error::xml(drawing.as_str(), "no </xdr:wsDr>"))?;
    let new = format!("{}{anchor}{}", &drawing_xml[..close], &drawing_xml[close..]);
    changes.put(pkg, drawing.clone(), new.into_bytes());
    Ok(Placed {
        image_part,
        in_part: drawing,
        kind: super::Kind::Xlsx,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(parse_cell("A1"), Some((0, 0)));
        assert_eq!(parse_cell("E20"), Some((4, 19)));
        assert_eq!(parse_cell("AA3"), Some((26, 2)));
        assert_eq!(parse_cell("E0"), None);
        assert_eq!(parse_cell("20E"), None);
        assert_eq!(parse_cell("XFE1"), None);
    }
}
