//! Putting the seal picture into the document: at a keyword, a cell or the end, floating in front
//! of the text with no wrapping, marked so a verifier can tell which signature binds it.
//!
//! Placement only adds and edits parts (picture, drawing, relationships, content types) through
//! the package editor; the signature made afterwards covers them all.

pub mod anchor_xml;
pub mod docx;
pub mod main_part;
pub mod marker;
pub mod measure;
pub mod text_map;
pub mod webext;
pub mod xlsx;

use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::seal::SealPicture;
pub use main_part::{main_part, template_to_document, Kind, MainPart};
pub use marker::SealMark;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurrence {
    First,
    Last,
    /// 1-based.
    Nth(usize),
}

impl Occurrence {
    pub fn parse(s: &str) -> Result<Occurrence> {
        match s {
            "first" => Ok(Occurrence::First),
            "last" => Ok(Occurrence::Last),
            n => n
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .map(Occurrence::Nth)
                .ok_or_else(|| {
                    Error::arg(
                        format!("--occurrence {s:?}"),
                        "expected first, last or a number from 1",
                    )
                }),
        }
    }

    /// Picks from the matches found, in document order.
    pub fn pick<T>(self, mut found: Vec<T>) -> Option<T> {
        match self {
            Occurrence::First if !found.is_empty() => Some(found.remove(0)),
            Occurrence::Last => found.pop(),
            Occurrence::Nth(n) if n <= found.len() => Some(found.remove(n - 1)),
            _ => None,
        }
    }

    /// The refusal when the match list has no such occurrence.
    pub(crate) fn missing(self, needle: &str, found: usize) -> Error {
        if found == 0 {
            Error::KeywordNotFound {
                needle: needle.to_string(),
            }
        } else {
            Error::OccurrenceMissing {
                needle: needle.to_string(),
                found,
                wanted: match self {
                    Occurrence::First => "first".into(),
                    Occurrence::Last => "last".into(),
                    Occurrence::Nth(n) => n.to_string(),
                },
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Text {
        needle: String,
        occurrence: Occurrence,
    },
    Cell(String),
    End,
}

impl Placement {
    /// The option that asked for it, for messages.
    pub fn option(&self) -> &'static str {
        match self {
            Placement::Text { .. } => "--at-text",
            Placement::Cell(_) => "--at-cell",
            Placement::End => "--at-end",
        }
    }
}

pub struct PlaceRequest<'a> {
    pub picture: &'a SealPicture,
    pub size_mm: f64,
    pub offset_mm: (f64, f64),
    pub placement: Placement,
    pub mark: SealMark,
}

/// Where a seal went.
#[derive(Debug, Clone)]
pub struct Placed {
    pub image_part: PartName,
    pub in_part: PartName,
    pub kind: Kind,
}

pub const EMU_PER_MM: f64 = 36_000.0;

pub(crate) const REL_IMAGE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";

/// Places the seal; refuses a document that is already signed (the picture would break it).
pub fn place(edit: &mut PackageEdit, req: &PlaceRequest) -> Result<Placed> {
    if edit.is_signed() {
        return Err(Error::AlreadySigned);
    }
    if !(5.0..=150.0).contains(&req.size_mm) {
        return Err(Error::arg(
            format!("--size-mm {:?}", req.size_mm),
            "expected 5 to 150",
        ));
    }
    check_offset(req.offset_mm)?;
    let main = main_part(edit)?;
    match main.kind {
        Kind::Docx => docx::place(edit, &main.name, req),
        Kind::Xlsx => xlsx::place(edit, &main.name, req),
    }
}

/// The largest move from the placement's spot, in millimetres either way. In a Word document the
/// offset is an `xsd:int` of EMU (ST_PositionOffset, ECMA-376 Part 1 §20.4.3.3): past about
/// 59 m it overflows into a document Word calls corrupt; and Word's largest page is 558.8 mm
/// (22 in), so a seal moved a metre is on no page at all. A sheet has no pages; there the same
/// bound only keeps the anchor arithmetic sane.
pub const MAX_OFFSET_MM: f64 = 1000.0;

/// Refuses an offset off every page (or not a number).
pub fn check_offset((x, y): (f64, f64)) -> Result<()> {
    let within = |v: f64| (-MAX_OFFSET_MM..=MAX_OFFSET_MM).contains(&v);
    if within(x) && within(y) {
        return Ok(());
    }
    Err(Error::arg(
        format!("--offset-mm {x:?},{y:?}"),
        format!("expected -{MAX_OFFSET_MM} to {MAX_OFFSET_MM} mm each way"),
    ))
}

/// Stores a picture (the seal; a slot's empty frame) as a new part `{dir}media/{name}N.png` with
/// its content type.
pub(crate) fn add_picture(
    edit: &mut PackageEdit,
    dir: &str,
    name: &str,
    png: &[u8],
) -> Result<PartName> {
    let part = edit.fresh_part(&format!("{dir}media/{name}"), "png")?;
    edit.put(part.clone(), png.to_vec());
    edit.declare_content_type(&part, "image/png")?;
    Ok(part)
}

/// The largest drawing object id (`docPr`/`cNvPr` `id`, any prefix) in a part's bytes. Being
/// generous here only skips a number; a clash would make Word repair the document.
pub(crate) fn max_object_id(xml: &[u8]) -> u32 {
    let mut max = 0u32;
    for name in [&b"docPr"[..], b"cNvPr"] {
        for at in memchr::memmem::find_iter(xml, name) {
            let Some(lt) = xml[..at].iter().rposition(|&c| c == b'<') else {
                continue;
            };
            let Some(gt) = memchr::memchr(b'>', &xml[at..]) else {
                continue;
            };
            let tag = String::from_utf8_lossy(&xml[lt + 1..at + gt]);
            let tag = tag.trim_end_matches('/');
            let qname_len = tag.find(char::is_whitespace).unwrap_or(tag.len());
            let start = quick_xml::events::BytesStart::from_content(tag, qname_len);
            let scope = crate::xml::Scope::default();
            if let Some(id) = crate::xml::scan::attr_in(&scope, &start, None, "id")
                .and_then(|v| v.trim().parse::<u32>().ok())
            {
                max = max.max(id);
            }
        }
    }
    max
}
