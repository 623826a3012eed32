//! The workbook part: its sheets in tab order (ECMA-376 Part 1 §18.2.19 `sheet`), the shared
//! strings (§18.4.9 `sst`), and the default font (the first `font` of the styles part, §18.8.22),
//! which sets Excel's column and row units.

use quick_xml::events::Event;

use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::xml::ns::{R, SML};
use crate::xml::Scanner;

pub struct Sheet {
    pub name: String,
    pub part: PartName,
    /// A worksheet (not a chart sheet, dialog sheet or macro sheet).
    pub is_worksheet: bool,
    /// `state="hidden"` or `"veryHidden"`.
    pub hidden: bool,
}

fn malformed(part: &PartName, e: quick_xml::Error) -> Error {
    Error::xml(part.as_str(), format!("malformed XML: {e}"))
}

/// The workbook's sheets, in tab order.
pub fn sheets(edit: &PackageEdit, workbook: &PartName) -> Result<Vec<Sheet>> {
    let xml = edit.read_text(workbook)?;
    let list = edit.relationships_of(Some(workbook))?;
    let mut out = Vec::new();
    let mut s = Scanner::new(&xml);
    while let Some(item) = s.next_item().map_err(|e| malformed(workbook, e))? {
        let (Event::Empty(e) | Event::Start(e)) = &item.event else {
            continue;
        };
        if !s.is(e, SML, "sheet") {
            continue;
        }
        let (Some(name), Some(rid)) = (s.attr(e, None, "name"), s.attr(e, Some(R), "id")) else {
            continue;
        };
        let hidden = s.attr(e, None, "state").is_some_and(|v| v != "visible");
        if let Some(rel) = list.iter().find(|r| r.id == rid) {
            if let Some(part) = rel.target_part(Some(workbook)).filter(|p| edit.exists(p)) {
                out.push(Sheet {
                    name,
                    part,
                    is_worksheet: rel.rel_type.ends_with("/worksheet"),
                    hidden,
                });
            }
        }
    }
    Ok(out)
}

/// The part a workbook relationship of this type names (`/styles`, `/sharedStrings`).
fn related(edit: &PackageEdit, workbook: &PartName, suffix: &str) -> Option<PartName> {
    edit.relationships_of(Some(workbook))
        .ok()?
        .into_iter()
        .find(|r| r.rel_type.ends_with(suffix))
        .and_then(|r| r.target_part(Some(workbook)))
        .filter(|p| edit.exists(p))
}

/// Shared strings, by index: the text of each `si`, rich-text runs joined, phonetic runs left out.
pub fn shared_strings(edit: &PackageEdit, workbook: &PartName) -> Result<Vec<String>> {
    let Some(sst) = related(edit, workbook, "/sharedStrings") else {
        return Ok(vec![]);
    };
    let xml = edit.read_text(&sst)?;
    let mut out = Vec::new();
    let mut s = Scanner::new(&xml);
    let mut cur: Option<String> = None;
    let (mut in_t, mut in_phonetic) = (false, false);
    while let Some(item) = s.next_item().map_err(|e| malformed(&sst, e))? {
        match &item.event {
            Event::Start(e) if s.is(e, SML, "si") => cur = Some(String::new()),
            Event::Empty(e) if s.is(e, SML, "si") => out.push(String::new()),
            Event::Start(e) if s.is(e, SML, "rPh") => in_phonetic = true,
            Event::End(e) if s.is_end(e, SML, "rPh") => in_phonetic = false,
            Event::Start(e) if s.is(e, SML, "t") => in_t = !in_phonetic,
            Event::End(e) if s.is_end(e, SML, "t") => in_t = false,
            Event::Text(t) if in_t => {
                if let Some(c) = cur.as_mut() {
                    c.push_str(&t.unescape().map_err(|e| malformed(&sst, e))?);
                }
            }
            Event::End(e) if s.is_end(e, SML, "si") => out.extend(cur.take()),
            _ => {}
        }
    }
    Ok(out)
}

/// The workbook's default font, which sets column and row units.
pub struct DefaultFont {
    pub name: String,
    pub size_pt: f64,
}

impl DefaultFont {
    pub fn read(edit: &PackageEdit, workbook: &PartName) -> DefaultFont {
        let mut font = DefaultFont {
            name: "Calibri".into(),
            size_pt: 11.0,
        };
        let Some(xml) = related(edit, workbook, "/styles").and_then(|p| edit.read_text(&p).ok())
        else {
            return font;
        };
        let mut s = Scanner::new(&xml);
        let mut in_first_font = false;
        while let Ok(Some(item)) = s.next_item() {
            match &item.event {
                Event::Start(e) if s.is(e, SML, "font") => in_first_font = true,
                Event::End(e) if s.is_end(e, SML, "font") => break,
                Event::Start(e) | Event::Empty(e) if in_first_font => {
                    if s.is(e, SML, "name") {
                        if let Some(v) = s.attr(e, None, "val") {
                            font.name = v;
                        }
                    } else if s.is(e, SML, "sz") {
                        if let Some(v) = s.attr(e, None, "val").and_then(|v| v.trim().parse().ok())
                        {
                            font.size_pt = v;
                        }
                    }
                }
                _ => {}
            }
        }
        font
    }
    /// The widest digit at 96 dpi, rounded as Excel does; 7 px (Calibri 11) when the font is not
    /// installed.
    pub fn digit_px(&self) -> f64 {
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
    pub fn row_pt(&self) -> f64 {
        (self.size_pt * 15.0 / 11.0 * 4.0).round() / 4.0
    }
}
