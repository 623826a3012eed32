//! Word: the seal floats in front of the text (`wp:anchor`, `behindDoc="0"`, `wrapNone`), anchored
//! in the paragraph that holds the keyword. The run holding the keyword's middle character is split
//! there and the anchor placed between the halves, so "centred on the keyword" needs no text
//! measurement: half the seal's width to the left of that character, half its height above the
//! middle of the line.

use quick_xml::events::Event;

use super::anchor_xml::{self, WordPosition};
use super::measure;
use super::picture_part::{add_picture, max_object_id, EMU_PER_MM, REL_IMAGE};
use super::request::{Occurrence, PlaceRequest, Placed, Placement};
use super::text_map::{self, Paragraph, Segment};
use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::xml::ns::W;
use crate::xml::{edit, El, Scanner, Scope};

/// Parts searched for the keyword, in order: the body, then headers, then footers.
fn text_parts(edit: &PackageEdit, main: &PartName) -> Result<Vec<PartName>> {
    let mut out = vec![main.clone()];
    let list = edit.relationships_of(Some(main))?;
    for kind in ["/header", "/footer"] {
        out.extend(
            list.iter()
                .filter(|r| r.rel_type.ends_with(kind))
                .filter_map(|r| r.target_part(Some(main)))
                .filter(|p| edit.exists(p)),
        );
    }
    Ok(out)
}

/// The document's default run font: size from styles.xml's docDefaults (else Word's 11 pt) and
/// family (`w:rFonts/@w:ascii`, else Calibri, the theme font Word 2007 and later start with).
fn default_font(edit: &PackageEdit, main: &PartName) -> (f64, String) {
    let styles = edit
        .relationships_of(Some(main))
        .ok()
        .and_then(|l| l.into_iter().find(|r| r.rel_type.ends_with("/styles")))
        .and_then(|r| r.target_part(Some(main)))
        .and_then(|p| edit.read_text(&p).ok());
    let (mut size, mut family) = (11.0, "Calibri".to_string());
    let Some(xml) = styles else {
        return (size, family);
    };
    let mut s = Scanner::new(&xml);
    let mut in_defaults = false;
    while let Ok(Some(item)) = s.next_item() {
        match &item.event {
            Event::Start(e) if s.is(e, W, "rPrDefault") => in_defaults = true,
            Event::End(e) if s.is_end(e, W, "rPrDefault") => break,
            Event::Start(e) | Event::Empty(e) if in_defaults && s.is(e, W, "sz") => {
                if let Some(half) = s
                    .attr(e, Some(W), "val")
                    .and_then(|v| v.trim().parse::<f64>().ok())
                {
                    size = half / 2.0;
                }
            }
            Event::Start(e) | Event::Empty(e) if in_defaults && s.is(e, W, "rFonts") => {
                if let Some(f) = s.attr(e, Some(W), "ascii") {
                    family = f;
                }
            }
            _ => {}
        }
    }
    (size, family)
}

/// The font family a run's properties name (`w:rFonts/@w:ascii`), read with the paragraph's
/// bindings.
fn run_family(rpr: &str, scope: &Scope) -> Option<String> {
    let mut s = Scanner::resume(rpr, 0, scope.clone());
    while let Ok(Some(item)) = s.next_item() {
        if let Event::Start(e) | Event::Empty(e) = &item.event {
            if s.is(e, W, "rFonts") {
                return s.attr(e, Some(W), "ascii");
            }
        }
    }
    None
}

/// Where the anchor run goes in the part's XML.
enum Insert {
    /// In a new right-aligned paragraph at this byte offset (before the body's final sectPr), or
    /// into an empty `<w:body/>`.
    NewParagraph(edit::Located, Option<usize>),
    /// Between the halves of this run, split at this byte offset.
    SplitRun(Segment, usize, Scope),
}

/// Where a floating object goes in a Word document: the part, its text, the anchor's position
/// and where its run is inserted. Seals and seal slots are placed the same way.
pub(crate) struct WordSpot {
    pub part: PartName,
    xml: String,
    pub position: WordPosition,
    insert: Insert,
    /// A drawing object id no other object of the document's text parts has.
    pub drawing_id: u32,
}

pub fn place(edit: &mut PackageEdit, main: &PartName, req: &PlaceRequest) -> Result<Placed> {
    let cx = (req.size_mm * EMU_PER_MM).round() as i64;
    let cy = (req.picture.height_for(req.size_mm) * EMU_PER_MM).round() as i64;
    let spot = spot(edit, main, &req.placement, (cx, cy), req.offset_mm)?;
    let id = spot.drawing_id;
    let image_part = add_picture(edit, main.directory(), "docseal-seal", &req.picture.png)?;
    let rel_id = edit.add_relationship(Some(&spot.part), REL_IMAGE, &image_part)?;
    let descr = req.mark.to_descr();
    let run = anchor_xml::word_run(&rel_id, id, &descr, cx, cy, spot.position);
    let part = spot.part.clone();
    put_run(edit, spot, &run);
    Ok(Placed {
        image_part,
        in_part: part,
        kind: super::main_part::Kind::Docx,
    })
}

/// The next free drawing object id across the document's parts (the main part's text given).
fn next_drawing_id(edit: &PackageEdit, parts: &[PartName], main_xml: &str) -> Result<u32> {
    let mut max = max_object_id(main_xml.as_bytes());
    for p in &parts[1..] {
        max = max.max(max_object_id(&edit.read(p)?));
    }
    Ok(max + 1)
}

/// Finds where an object of size (cx, cy) EMU goes for `placement`, centred on a keyword or
/// right-aligned below the last paragraph, moved by `offset_mm`.
pub(crate) fn spot(
    edit: &PackageEdit,
    main: &PartName,
    placement: &Placement,
    (cx, cy): (i64, i64),
    offset_mm: (f64, f64),
) -> Result<WordSpot> {
    let parts = text_parts(edit, main)?;
    let main_xml = edit.read_text(main)?;
    let drawing_id = next_drawing_id(edit, &parts, &main_xml)?;
    let (dx, dy) = (
        (offset_mm.0 * EMU_PER_MM) as i64,
        (offset_mm.1 * EMU_PER_MM) as i64,
    );

    let (part, xml, position, insert) = match placement {
        Placement::Cell(_) => {
            return Err(Error::PlacementNotApplicable {
                placement: "--at-cell".into(),
                kind: "a Word document (use --at-text or --at-end)".into(),
            })
        }
        Placement::End => {
            let (body, before) = body_end(&main_xml, main.as_str())?;
            (
                main.clone(),
                main_xml,
                WordPosition::RightOfParagraph { y: dy },
                Insert::NewParagraph(body, before),
            )
        }
        Placement::Text { needle, occurrence } => {
            let found = find_keyword(edit, &parts, main_xml, needle, *occurrence)?;
            let (part, xml, map, para, start) = found;
            let n = needle.chars().count();
            let mid = start + n / 2;
            let (seg, at) = para.locate(mid).ok_or_else(|| {
                Error::NowhereToPlace(format!("cannot place a seal inside {needle:?}"))
            })?;
            // The document's defaults (styles.xml) only where the run does not say.
            let own_family = run_family(&seg.rpr, &para.scope);
            let (size, family) = match (seg.size_pt, own_family) {
                (Some(size), Some(family)) => (size, family),
                (size, family) => {
                    let (default_size, default_family) = default_font(edit, main);
                    (
                        size.unwrap_or(default_size),
                        family.unwrap_or(default_family),
                    )
                }
            };
            let family = measure::installed_family(&family);
            // Vertically the anchor is measured from the top of its paragraph: Word and
            // LibreOffice agree on that, not on "line". The keyword's line in a wrapped paragraph
            // and its distance from the line's start are measured with the font it is drawn in,
            // in the text width of the page.
            let width = if part == *main {
                map.text_width_pt()
            } else {
                text_map::paragraphs(main.as_str(), &edit.read_text(main)?)?.text_width_pt()
            };
            let (line, from_start_pt) = measure::position(&para.text, mid, width, &family, size);
            let line = line as f64;
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
            let seg = seg.clone();
            let scope = para.scope.clone();
            let from_line_start = (from_start_pt * 12_700.0) as i64;
            (
                part,
                xml,
                WordPosition::AtCharacter {
                    x,
                    y,
                    from_line_start,
                },
                Insert::SplitRun(seg, at, scope),
            )
        }
    };
    Ok(WordSpot {
        part,
        xml,
        position,
        insert,
        drawing_id,
    })
}

/// Inserts the run `run` at the spot and stores the edited part.
pub(crate) fn put_run(edit: &mut PackageEdit, spot: WordSpot, run: &El) {
    let WordSpot {
        part, xml, insert, ..
    } = spot;
    let edited = match insert {
        Insert::NewParagraph(body, before) => {
            let p = El::new(W, "p")
                .child(El::new(W, "pPr").child(El::new(W, "jc").ns_attr(W, "val", "right")))
                .child(run.clone());
            let markup = p.write(&body.inner);
            match before {
                Some(at) => edit::insert(&xml, at, &markup),
                None => edit::append_child(&xml, &body, &markup),
            }
        }
        Insert::SplitRun(seg, at, scope) => split_run_at(&xml, &seg, at, &run.write(&scope)),
    };
    edit.put(part, edited.into_bytes());
}

/// The body element and where a last paragraph goes: before the body's own `w:sectPr` (which
/// must stay its last child, ECMA-376 Part 1 §17.2.2), or at its end (`None`: an empty
/// `<w:body/>`, opened by the caller).
///
/// The body's start is near the top and its end and final `sectPr` near the bottom of a part that
/// may be megabytes long, so both ends are read and the middle jumped over; where the jump cannot
/// be confirmed, the whole part is read.
fn body_end(xml: &str, part: &str) -> Result<(edit::Located, Option<usize>)> {
    let bad = |e: quick_xml::Error| Error::xml(part, format!("malformed XML: {e}"));
    let mut s = Scanner::new(xml);
    let mut body = None;
    while let Some(item) = s.next_item().map_err(bad)? {
        if let Event::Start(e) | Event::Empty(e) = &item.event {
            if s.is(e, W, "body") {
                let located = edit::Located {
                    start: item.start,
                    start_end: item.end,
                    end_start: None,
                    qname: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                    inner: s.scope().clone(),
                };
                if matches!(item.event, Event::Empty(_)) {
                    return Ok((located, None));
                }
                body = Some(located);
                break;
            }
        }
    }
    let mut body =
        body.ok_or_else(|| Error::NowhereToPlace(format!("{part} has no document body")))?;
    if let Some((end, sect)) = body_tail(xml, &body) {
        body.end_start = Some(end);
        return Ok((body, sect.or(Some(end))));
    }
    // Read the body through, child by child.
    let depth = body.inner.depth();
    let mut last_sect = None;
    while let Some(item) = s.next_item().map_err(bad)? {
        match &item.event {
            Event::Start(e) | Event::Empty(e)
                if s.scope().depth() == depth + 1 && s.is(e, W, "sectPr") =>
            {
                last_sect = Some(item.start)
            }
            Event::End(_) if s.scope().depth() == depth => {
                body.end_start = Some(item.start);
                return Ok((body, last_sect.or(Some(item.start))));
            }
            _ => {}
        }
    }
    Err(Error::xml(part, "the document body is not closed"))
}

/// The body's end tag and its last child `sectPr`, found from the end of the part: `None` when
/// what is found there cannot be confirmed (the caller then reads the body through).
fn body_tail(xml: &str, body: &edit::Located) -> Option<(usize, Option<usize>)> {
    let end = memchr::memmem::rfind(xml.as_bytes(), format!("</{}>", body.qname).as_bytes())?;
    // The end tag must close the body: read from it with the body's scope.
    let mut s = Scanner::resume(xml, end, body.inner.clone());
    match s.next_item().ok()??.event {
        Event::End(_) if s.scope().depth() == body.inner.depth() => {}
        _ => return None,
    }
    let prefix = body.inner.prefix_of(W, true)?;
    let tag = if prefix.is_empty() {
        "<sectPr".to_string()
    } else {
        format!("<{prefix}:sectPr")
    };
    // The body's sectPr is its last child (ECMA-376 Part 1 §17.6.17), so the body's last markup
    // must be that sectPr's end tag or the empty sectPr itself; otherwise there is none, and
    // searching the whole body backwards for one would read megabytes for nothing.
    let last_markup = memchr::memrchr(b'<', &xml.as_bytes()[body.start_end..end])
        .map_or("", |i| &xml[body.start_end + i..end]);
    let ends_a_sect_pr = last_markup.starts_with(&format!("</{}", &tag[1..]))
        || (last_markup.starts_with(&tag) && last_markup.trim_end().ends_with("/>"));
    if !ends_a_sect_pr {
        return Some((end, None));
    }
    let Some(sect) = memchr::memmem::rfind(&xml.as_bytes()[body.start_end..end], tag.as_bytes())
        .map(|i| body.start_end + i)
    else {
        return Some((end, None));
    };
    // A direct child: the body's end follows the sectPr's end, with nothing but space between.
    let mut s = Scanner::resume(xml, sect, body.inner.clone());
    let base = body.inner.depth();
    let mut sect_end = None;
    while let Ok(Some(item)) = s.next_item() {
        match &item.event {
            Event::Start(e) | Event::Empty(e) if item.start == sect => {
                if !s.is(e, W, "sectPr") {
                    return None;
                }
                if matches!(item.event, Event::Empty(_)) {
                    sect_end = Some(item.end);
                    break;
                }
            }
            Event::End(_) if s.scope().depth() == base + 1 => {
                sect_end = Some(item.end);
                break;
            }
            _ if item.start >= end => return None,
            _ => {}
        }
    }
    let rest = xml.get(sect_end?..end)?;
    rest.trim().is_empty().then_some((end, Some(sect)))
}

type Found = (PartName, String, text_map::TextMap, Paragraph, usize);

/// The part (with its text and map), paragraph and character index of the chosen occurrence.
fn find_keyword(
    edit: &PackageEdit,
    parts: &[PartName],
    main_xml: String,
    needle: &str,
    occurrence: Occurrence,
) -> Result<Found> {
    if needle.trim().is_empty() {
        return Err(Error::arg("--at-text", "needs some text to look for"));
    }
    let pat: Vec<char> = needle.chars().collect();
    let mut found: Vec<(usize, usize, usize)> = Vec::new();
    let mut maps = Vec::new();
    let mut main_xml = Some(main_xml);
    for (pi, part) in parts.iter().enumerate() {
        let xml = match main_xml.take() {
            Some(x) => x,
            None => edit.read_text(part)?,
        };
        let map = text_map::paragraphs(part.as_str(), &xml)?;
        for (i, p) in map.paragraphs.iter().enumerate() {
            let chars: Vec<char> = p.text.chars().collect();
            for at in 0..chars.len().saturating_sub(pat.len() - 1) {
                if chars[at..at + pat.len()] == pat[..] {
                    found.push((pi, i, at));
                }
            }
        }
        maps.push((xml, map));
    }
    let count = found.len();
    let (pi, i, at) = occurrence
        .pick(found)
        .ok_or_else(|| occurrence.missing(needle, count))?;
    let (xml, map) = maps.swap_remove(pi);
    let para = map.paragraphs[i].clone();
    Ok((parts[pi].clone(), xml, map, para, at))
}

/// Splits the run at byte `at` (inside the `w:t` of `seg`) and puts `insert` between the halves:
/// the second half opens with the run's own start tag and properties, so it reads as before.
fn split_run_at(xml: &str, seg: &Segment, at: usize, insert: &str) -> String {
    let (tag_start, tag_end) = seg.t_tag;
    let tag = &xml[tag_start..tag_end];
    // Both halves keep their spaces (xml:space, Namespaces in XML: the `xml` prefix is always bound).
    let preserved = if tag.contains("xml:space") {
        tag.to_string()
    } else {
        preserve(tag, &seg.t_name)
    };
    let t_open = preserve(&format!("<{}>", seg.t_name), &seg.t_name);
    format!(
        "{}{}{}</{}></{}>{insert}{}{}{t_open}{}",
        &xml[..tag_start],
        preserved,
        &xml[tag_end..at],
        seg.t_name,
        seg.run_name,
        seg.run_tag,
        seg.rpr,
        &xml[at..]
    )
}

/// `<w:t ...>` with `xml:space="preserve"` added after the name.
fn preserve(tag: &str, name: &str) -> String {
    let after = 1 + name.len();
    format!("{} xml:space=\"preserve\"{}", &tag[..after], &tag[after..])
}
