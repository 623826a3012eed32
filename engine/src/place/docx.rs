//! Word: the seal floats in front of the text (`wp:anchor`, `behindDoc="0"`, `wrapNone`), anchored
//! in the paragraph that holds the keyword. The run holding the keyword's middle character is split
//! there and the anchor placed between the halves, so "centred on the keyword" needs no text
//! measurement: half the seal's width to the left of that character, half its height above the
//! middle of the line.

use super::anchor_xml::{self, WordPosition};
use super::text_map::{self, Paragraph};
use super::{
    add_relationship, current_text, ensure_png_type, fresh_part, relative_target, Occurrence,
    PlaceRequest, Placed, Placement, EMU_PER_MM, REL_IMAGE,
};
use crate::error::{Error, Result};
use crate::opc::{rels, Changes, Package, PartName};

/// Parts searched for the keyword, in order: the body, then headers, then footers.
fn text_parts(pkg: &Package, main: &PartName) -> Result<Vec<PartName>> {
    let mut out = vec![main.clone()];
    let rels_part = main.rels_part();
    if pkg.entry(&rels_part).is_some() {
        let list = rels::parse(rels_part.as_str(), &pkg.read_text(&rels_part)?)?;
        for kind in ["/header", "/footer"] {
            out.extend(
                list.iter()
                    .filter(|r| r.rel_type.ends_with(kind))
                    .filter_map(|r| r.target_part(Some(main))),
            );
        }
    }
    Ok(out)
}

/// The next free drawing object id across the document's parts.
fn next_drawing_id(pkg: &Package, parts: &[PartName], main_xml: &str) -> Result<u32> {
    let mut max = 0u32;
    for (i, p) in parts.iter().enumerate() {
        let other;
        let xml = if i == 0 {
            main_xml
        } else {
            other = pkg.read_text(p)?;
            &other
        };
        for at in memchr::memmem::find_iter(xml.as_bytes(), b"docPr id=\"") {
            let rest = &xml[at + 10..];
            if let Some(n) = rest.split('"').next().and_then(|v| v.parse::<u32>().ok()) {
                max = max.max(n);
            }
        }
    }
    Ok(max + 1)
}

/// The width of the text column in points, from the last section's page size and margins
/// (A4 with 2.5 cm margins when the document does not say).
fn text_width_pt(xml: &str) -> f64 {
    let attr = |tag: &str, name: &str| -> Option<f64> {
        let t = xml.rfind(tag)?;
        let rest = &xml[t..t + xml[t..].find('>')?];
        let a = rest.find(&format!("{name}=\""))? + name.len() + 2;
        rest[a..].split('"').next()?.parse::<f64>().ok()
    };
    let twips = match (
        attr("<w:pgSz", "w:w"),
        attr("<w:pgMar", "w:left"),
        attr("<w:pgMar", "w:right"),
    ) {
        (Some(w), Some(l), Some(r)) => w - l - r,
        _ => 11_906.0 - 2.0 * 1_418.0,
    };
    (twips / 20.0).max(72.0)
}

/// Default font size of the document, from styles.xml's docDefaults, else Word's 11 pt.
fn default_size_pt(pkg: &Package, main: &PartName) -> f64 {
    let styles = PartName::new(&format!("{}styles.xml", main.directory()));
    let xml = styles
        .ok()
        .filter(|s| pkg.entry(s).is_some())
        .and_then(|s| pkg.read_text(&s).ok());
    xml.and_then(|x| {
        let d = x.find("<w:docDefaults")?;
        let rest = &x[d..x[d..].find("</w:docDefaults>").map_or(x.len(), |e| d + e)];
        let s = rest.find("<w:sz w:val=\"")? + 13;
        rest[s..]
            .split('"')
            .next()?
            .parse::<f64>()
            .ok()
            .map(|h| h / 2.0)
    })
    .unwrap_or(11.0)
}

/// Where the anchor run goes in the part's XML.
enum Insert {
    /// In a new right-aligned paragraph at this byte offset (before the final sectPr).
    NewParagraph(usize),
    /// Between the halves of this run, split at this byte offset.
    SplitRun(text_map::Segment, usize),
}

pub fn place(
    pkg: &Package,
    changes: &mut Changes,
    main: &PartName,
    req: &PlaceRequest,
) -> Result<Placed> {
    let parts = text_parts(pkg, main)?;
    let main_xml = pkg.read_text(main)?;
    let id = next_drawing_id(pkg, &parts, &main_xml)?;
    let cx = (req.size_mm * EMU_PER_MM).round() as i64;
    let cy = (req.picture.height_for(req.size_mm) * EMU_PER_MM).round() as i64;
    let (dx, dy) = (
        (req.offset_mm.0 * EMU_PER_MM) as i64,
        (req.offset_mm.1 * EMU_PER_MM) as i64,
    );
    let descr = req.mark.to_descr();

    let (part, position, insert) = match &req.placement {
        Placement::Cell(_) => {
            return Err(Error::Usage(
                "--at-cell is for Excel workbooks; use --at-text or --at-end".into(),
            ))
        }
        Placement::End => {
            let xml = &main_xml;
            let at = xml
                .rfind("<w:sectPr")
                .filter(|&s| xml[s..].contains("</w:body>"))
                .or_else(|| xml.rfind("</w:body>"))
                .ok_or_else(|| Error::Refused(format!("{main} has no document body")))?;
            (
                main.clone(),
                WordPosition::RightOfParagraph { y: dy },
                Insert::NewParagraph(at),
            )
        }
        Placement::Text { needle, occurrence } => {
            let (part, para, start) = find_keyword(pkg, &parts, needle, *occurrence)?;
            let n = needle.chars().count();
            let mid = start + n / 2;
            let (seg, at) = para
                .locate(mid)
                .ok_or_else(|| Error::Refused(format!("cannot place a seal inside {needle:?}")))?;
            let size = seg.size_pt.unwrap_or_else(|| default_size_pt(pkg, main));
            // Vertically the anchor is measured from the top of its paragraph: Word and
            // LibreOffice agree on that, not on "line". The keyword's line in a wrapped paragraph
            // is estimated from the characters before it and the text width of the page.
            let per_line = (text_width_pt(&main_xml) / (size * 0.5)).max(1.0);
            let line = (mid as f64 / per_line).floor();
            let line_height = size * 1.17;
            let line_mid = ((line * line_height + size * 0.62) * 12_700.0) as i64;
            // An odd-length keyword splits before its middle character: move half a character right.
            let half_char = if n % 2 == 1 {
                (size * 0.25 * 12_700.0) as i64
            } else {
                0
            };
            let x = -cx / 2 + half_char + dx;
            let y = line_mid - cy / 2 + dy;
            (
                part,
                WordPosition::AtCharacter { x, y },
                Insert::SplitRun(seg.clone(), at),
            )
        }
    };

    let image_part = fresh_part(
        pkg,
        changes,
        &format!("{}media/docseal-seal", main.directory()),
        "png",
    )?;
    changes.put(pkg, image_part.clone(), req.picture.png.clone());
    ensure_png_type(pkg, changes)?;
    let rel_id = add_relationship(
        pkg,
        changes,
        &part,
        REL_IMAGE,
        &relative_target(&part, &image_part),
    )?;
    let xml = if part == *main {
        Some(main_xml)
    } else {
        current_text(pkg, changes, &part)?
    };
    let xml = xml.ok_or_else(|| Error::NotAPackage(format!("{part} is missing")))?;
    let run = anchor_xml::word_run(&rel_id, id, &descr, cx, cy, position);
    let edited = match insert {
        Insert::NewParagraph(at) => format!(
            "{}<w:p><w:pPr><w:jc w:val=\"right\"/></w:pPr>{run}</w:p>{}",
            &xml[..at],
            &xml[at..]
        ),
        Insert::SplitRun(seg, at) => split_run_at(&xml, &seg, at, &run),
    };
    changes.put(pkg, part.clone(), edited.into_bytes());
    Ok(Placed {
        image_part,
        in_part: part,
        kind: super::Kind::Docx,
    })
}

/// The part, paragraph and character index of the chosen occurrence.
fn find_keyword(
    pkg: &Package,
    parts: &[PartName],
    needle: &str,
    occurrence: Occurrence,
) -> Result<(PartName, Paragraph, usize)> {
    if needle.trim().is_empty() {
        return Err(Error::Usage("--at-text needs some text to look for".into()));
    }
    let mut found = Vec::new();
    for part in parts {
        let xml = pkg.read_text(part)?;
        for p in text_map::paragraphs(part.as_str(), &xml)? {
            let chars: Vec<char> = p.text.chars().collect();
            let pat: Vec<char> = needle.chars().collect();
            for i in 0..chars.len().saturating_sub(pat.len() - 1) {
                if chars[i..i + pat.len()] == pat[..] {
                    found.push((part.clone(), p.clone(), i));
                }
            }
        }
    }
    let count = found.len();
    occurrence.pick(found).ok_or_else(|| {
        if count == 0 {
            Error::Refused(format!("the text {needle:?} is not in the document"))
        } else {
            Error::Refused(format!("the text {needle:?} occurs {count} time(s); occurrence {occurrence:?} does not exist"))
        }
    })
}

/// Splits the run at byte `at` (inside the `w:t` of `seg`) and puts `insert` between the halves.
fn split_run_at(xml: &str, seg: &text_map::Segment, at: usize, insert: &str) -> String {
    let (tag_start, tag_end) = seg.t_tag;
    let tag = &xml[tag_start..tag_end];
    // Both halves keep their spaces.
    let preserved = if tag.contains("xml:space") {
        tag.to_string()
    } else {
        tag.replacen("<w:t", "<w:t xml:space=\"preserve\"", 1)
    };
    format!(
        "{}{}{}</w:t></w:r>{insert}<w:r>{}<w:t xml:space=\"preserve\">{}",
        &xml[..tag_start],
        preserved,
        &xml[tag_end..at],
        seg.rpr,
        &xml[at..]
    )
}
