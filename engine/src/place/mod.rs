//! Putting the seal picture into the document: at a keyword, a cell or the end, floating in front
//! of the text with no wrapping, marked so a verifier can tell which signature binds it.
//!
//! Placement only adds and edits parts (picture, drawing, relationships, content types) as pending
//! changes; the signature made afterwards covers them all.

pub mod anchor_xml;
pub mod docx;
pub mod marker;
pub mod text_map;
pub mod webext;
pub mod xlsx;

use crate::error::{Error, Result};
use crate::opc::{rels, Changes, Package, PartName};
use crate::seal::SealPicture;
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
                    Error::Usage(format!(
                        "--occurrence {s:?}: expected first, last or a number from 1"
                    ))
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Docx,
    Xlsx,
}

/// The main part and what kind of document it is.
pub fn main_part(pkg: &Package) -> Result<(PartName, Kind)> {
    let root = PartName::new("/_rels/.rels").map_err(|e| Error::NotAPackage(e.into()))?;
    let text = pkg.read_text(&root)?;
    let main = rels::parse(root.as_str(), &text)?
        .into_iter()
        .find(|r| r.rel_type.ends_with("/officeDocument"))
        .and_then(|r| r.target_part(None))
        .ok_or_else(|| Error::NotAPackage("no main document part".into()))?;
    let ct = pkg.content_type(&main).unwrap_or("");
    let kind = if ct.contains("wordprocessingml") {
        Kind::Docx
    } else if ct.contains("spreadsheetml") {
        Kind::Xlsx
    } else {
        return Err(Error::Refused(format!(
            "{main} is neither a Word document nor an Excel workbook ({ct})"
        )));
    };
    Ok((main, kind))
}

/// Places the seal; refuses a document that is already signed (the picture would break it).
pub fn place(pkg: &Package, changes: &mut Changes, req: &PlaceRequest) -> Result<Placed> {
    if pkg.entries().iter().any(|e| {
        e.name
            .as_str()
            .starts_with(crate::dsig::names::SIGNATURE_DIR)
    }) {
        return Err(Error::Refused(
            "the document is already signed; a new seal picture would break the earlier seal"
                .into(),
        ));
    }
    if !(5.0..=150.0).contains(&req.size_mm) {
        return Err(Error::Usage(format!(
            "--size-mm {}: expected 5 to 150",
            req.size_mm
        )));
    }
    let (main, kind) = main_part(pkg)?;
    match kind {
        Kind::Docx => docx::place(pkg, changes, &main, req),
        Kind::Xlsx => xlsx::place(pkg, changes, &main, req),
    }
}

/// A part name not yet used: /word/media/docseal-seal1.png, ...2.png
pub(crate) fn fresh_part(
    pkg: &Package,
    changes: &Changes,
    stem: &str,
    ext: &str,
) -> Result<PartName> {
    (1..1000)
        .map(|n| format!("{stem}{n}.{ext}"))
        .filter_map(|n| PartName::new(&n).ok())
        .find(|p| pkg.entry(p).is_none() && changes.get(p).is_none())
        .ok_or_else(|| Error::Refused(format!("no free part name for {stem}")))
}

/// Reads a part as it stands in the pending changes, or in the package.
pub(crate) fn current_text(
    pkg: &Package,
    changes: &Changes,
    part: &PartName,
) -> Result<Option<String>> {
    if let Some(b) = changes.get(part) {
        return Ok(Some(String::from_utf8_lossy(b).into_owned()));
    }
    if pkg.entry(part).is_some() {
        return pkg.read_text(part).map(Some);
    }
    Ok(None)
}

/// Adds a relationship from `source` to `target` (relative), creating the relationships part if
/// needed; returns its Id.
pub(crate) fn add_relationship(
    pkg: &Package,
    changes: &mut Changes,
    source: &PartName,
    rel_type: &str,
    target: &str,
) -> Result<String> {
    let rels_part = source.rels_part();
    let xml = current_text(pkg, changes, &rels_part)?.unwrap_or_else(|| {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"{}\"></Relationships>", crate::c14n::rels_transform::NS)
    });
    let existing = rels::parse(rels_part.as_str(), &xml)?;
    let id = crate::dsig::machinery::fresh_id(&existing);
    let xml = crate::dsig::machinery::add_relationship(&xml, &id, rel_type, target)?;
    changes.put(pkg, rels_part, xml.into_bytes());
    Ok(id)
}

/// Makes sure PNG parts have a content type.
pub(crate) fn ensure_png_type(pkg: &Package, changes: &mut Changes) -> Result<()> {
    let ct_part =
        PartName::new(crate::opc::content_types::PART).map_err(|e| Error::NotAPackage(e.into()))?;
    let text = current_text(pkg, changes, &ct_part)?
        .ok_or_else(|| Error::NotAPackage("no [Content_Types].xml".into()))?;
    if !crate::opc::content_types::ContentTypes::parse(&text)?.has_default("png") {
        crate::dsig::machinery::add_content_type(
            pkg,
            changes,
            "<Default Extension=\"png\" ContentType=\"image/png\"/>",
        )?;
    }
    Ok(())
}

/// The path from the directory of `from` to `to`, as relationship targets are written.
pub(crate) fn relative_target(from: &PartName, to: &PartName) -> String {
    let from_dir: Vec<&str> = from
        .directory()
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let to_parts: Vec<&str> = to.as_str().trim_start_matches('/').split('/').collect();
    let common = from_dir
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out: Vec<String> = vec!["..".to_string(); from_dir.len() - common];
    out.extend(to_parts[common..].iter().map(|s| s.to_string()));
    out.join("/")
}

pub(crate) const REL_IMAGE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";
