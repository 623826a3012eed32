//! Reading the slots of a package: every `v:shape` holding an `o:signatureline`, in Word's text
//! parts and in VML drawings (Excel's `legacyDrawing`), with where it stands.

use quick_xml::events::Event;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::xml::ns::{O, R, V, W};
use crate::xml::Scanner;

/// The content type of a VML drawing part (ECMA-376 Part 1 §15.2.21 / Part 4 §14).
pub const CT_VML: &str = "application/vnd.openxmlformats-officedocument.vmlDrawing";

/// The byte string without which a part holds no signature line.
pub const NEEDLE: &[u8] = b"signatureline";

/// Can a part of this content type hold a signature line? Word's text parts and VML drawings.
pub fn may_hold_slot(content_type: &str) -> bool {
    content_type == CT_VML || crate::place::main_part::is_word_text(content_type)
}

/// A signature line in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// `o:signatureline/@id`, as written: what a filling signature's `SetupID` must equal.
    pub id: String,
    /// `o:suggestedsigner`: the party ("Party B").
    pub label: String,
    /// `o:suggestedsigner2`: who is expected to seal.
    pub signer_hint: Option<String>,
    /// The part holding the line's markup.
    pub part: PartName,
    /// The picture shown while the slot is empty (`v:imagedata`).
    pub placeholder: Option<PartName>,
    /// Where the slot stands, as a SHA-256 (hex) of its part, its paragraph (ordinal and the text
    /// before it there) and its markup: the same value means the same place and shape.
    pub place: String,
    /// Width and height in points, from the shape's style.
    pub size_pt: Option<(f64, f64)>,
    /// The shape is docseal's markup (its alternative text says so): a slot before any seal
    /// signed the slot list. Unsigned, so it only decides how an unsealed line is reported;
    /// after the first seal the signed list decides.
    pub ours: bool,
}

/// The alternative text docseal gives a slot's shape (`slot::word::line_shape`).
pub const OUR_ALT: &str = "docseal seal slot";

/// The slots of the package, in part and document order. `may_hold` tells of parts known (from
/// digesting them) to hold no signature line: they are not read.
pub fn find(view: &PackageEdit, may_hold: &dyn Fn(&PartName) -> bool) -> Result<Vec<Slot>> {
    let mut out = Vec::new();
    for name in view.names().into_values() {
        if !view.content_type(&name).is_some_and(may_hold_slot) || !may_hold(&name) {
            continue;
        }
        let bytes = view.read(&name)?;
        if memchr::memmem::find(&bytes, NEEDLE).is_none() {
            continue;
        }
        let text = view.read_xml(&name)?;
        out.extend(in_part(view, &name, &text)?);
    }
    Ok(out)
}

/// The lines of one part.
fn in_part(view: &PackageEdit, part: &PartName, text: &str) -> Result<Vec<Slot>> {
    let bad = |e: quick_xml::Error| Error::xml(part.as_str(), format!("malformed XML: {e}"));
    let rels = view.relationships_of(Some(part)).unwrap_or_default();
    let mut s = Scanner::new(text);
    let mut out = Vec::new();
    let mut paragraph = 0u32;
    let mut before = String::new();
    let mut in_t = false;
    // The shape being read: where it starts, its style, its line and its picture reference.
    struct Open {
        start: usize,
        style: Option<String>,
        ours: bool,
        line: Option<(String, String, Option<String>)>,
        rel_id: Option<String>,
    }
    let mut open: Option<Open> = None;
    while let Some(item) = s.next_item().map_err(bad)? {
        match &item.event {
            Event::Start(e) | Event::Empty(e) => {
                if s.is(e, W, "p") {
                    paragraph += 1;
                    before.clear();
                } else if s.is(e, W, "t") {
                    in_t = matches!(item.event, Event::Start(_));
                } else if open.is_none() && s.is(e, V, "shape") {
                    open = Some(Open {
                        start: item.start,
                        style: s.attr(e, None, "style"),
                        ours: s
                            .attr(e, None, "alt")
                            .is_some_and(|a| a.starts_with(OUR_ALT)),
                        line: None,
                        rel_id: None,
                    });
                    if matches!(item.event, Event::Empty(_)) {
                        open = None;
                    }
                } else if let Some(o) = open.as_mut() {
                    if s.is(e, O, "signatureline") {
                        if let Some(id) = s.attr(e, None, "id") {
                            o.line = Some((
                                id,
                                s.attr(e, Some(O), "suggestedsigner").unwrap_or_default(),
                                s.attr(e, Some(O), "suggestedsigner2")
                                    .filter(|h| !h.is_empty()),
                            ));
                        }
                    } else if s.is(e, V, "imagedata") {
                        // Word links the picture with r:id, Excel with o:relid.
                        o.rel_id = s
                            .attr(e, Some(R), "id")
                            .or_else(|| s.attr(e, Some(O), "relid"));
                    }
                }
            }
            Event::End(e) if s.is_end(e, W, "t") => in_t = false,
            Event::End(e) if s.is_end(e, V, "shape") => {
                if let Some(o) = open.take() {
                    if let Some((id, label, hint)) = o.line {
                        let markup = &text[o.start..item.end];
                        let mut h = Sha256::new();
                        h.update(part.key().as_bytes());
                        h.update(b"\n");
                        h.update(paragraph.to_string().as_bytes());
                        h.update(b"\n");
                        h.update(before.as_bytes());
                        h.update(b"\n");
                        h.update(markup.as_bytes());
                        out.push(Slot {
                            id,
                            label,
                            signer_hint: hint,
                            part: part.clone(),
                            placeholder: o.rel_id.and_then(|id| {
                                rels.iter()
                                    .find(|r| r.id == id)
                                    .and_then(|r| r.target_part(Some(part)))
                            }),
                            place: crate::trust::cert::hex_upper(&h.finalize()),
                            size_pt: o.style.as_deref().and_then(size_pt),
                            ours: o.ours,
                        });
                    }
                }
            }
            Event::Text(t) if in_t => before.push_str(&String::from_utf8_lossy(t)),
            _ => {}
        }
    }
    Ok(out)
}

/// Width and height from a VML style ("width:113.4pt;height:113.4pt"), in points.
pub fn size_pt(style: &str) -> Option<(f64, f64)> {
    let mut w = None;
    let mut h = None;
    for decl in style.split(';') {
        let Some((k, v)) = decl.split_once(':') else {
            continue;
        };
        let v = v.trim();
        let pt = [
            ("pt", 1.0),
            ("in", 72.0),
            ("cm", 72.0 / 2.54),
            ("mm", 72.0 / 25.4),
            ("px", 0.75),
        ]
        .iter()
        .find_map(|(unit, f)| {
            v.strip_suffix(unit)
                .and_then(|n| n.trim().parse::<f64>().ok())
                .map(|n| n * f)
        });
        match k.trim() {
            "width" => w = pt,
            "height" => h = pt,
            _ => {}
        }
    }
    Some((w?, h?))
}
