//! Relationships parts (ECMA-376 Part 2 §9.3): what points where, and with which type.

use quick_xml::events::Event;
use quick_xml::Reader;

use super::part_name::{resolve_target, PartName};
use crate::error::{Error, Result};
use crate::xml::{ns, Scanner};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    pub id: String,
    pub rel_type: String,
    pub target: String,
    pub external: bool,
}

/// What a relationship points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `TargetMode="External"`: outside the package.
    External,
    /// Only a fragment ("#Sheet1!A1"), as Excel writes internal hyperlinks: a place in the source
    /// part itself, not another part.
    Fragment,
    /// A part of the package (which may be missing).
    Part(PartName),
    /// A target that names no valid part (climbs above the root, a drive letter...).
    Invalid,
}

impl Relationship {
    /// Where this relationship points, resolved against its source part (`None` = the package).
    pub fn target(&self, source: Option<&PartName>) -> Target {
        if self.external {
            return Target::External;
        }
        let path = self.target.split(['#', '?']).next().unwrap_or("");
        if path.is_empty() {
            return Target::Fragment;
        }
        let dir = source.map_or("/", |s| s.directory());
        match resolve_target(dir, &self.target).map(|t| PartName::new(&t)) {
            Some(Ok(p)) => Target::Part(p),
            _ => Target::Invalid,
        }
    }

    /// The part this relationship points to, for an internal one whose target stays in the package.
    pub fn target_part(&self, source: Option<&PartName>) -> Option<PartName> {
        match self.target(source) {
            Target::Part(p) => Some(p),
            _ => None,
        }
    }

    /// The last path segment of the type: ".../relationships/image" → "image".
    pub fn short_type(&self) -> &str {
        match self.rel_type.find("/relationships/") {
            Some(i) => &self.rel_type[i + "/relationships/".len()..],
            None => self.rel_type.rsplit('/').next().unwrap_or(&self.rel_type),
        }
    }
}

/// An Id no relationship in the list uses: rId1, rId2, ...
pub fn fresh_id(existing: &[Relationship]) -> String {
    (1..)
        .map(|n| format!("rId{n}"))
        .find(|id| !existing.iter().any(|r| &r.id == id))
        .unwrap_or_default()
}

/// Parses the relationships of one part, in document order. Only `Relationship` elements of the
/// relationships namespace count (ECMA-376 Part 2 §9.3.2.2), whatever their prefix.
pub fn parse(part: &str, text: &str) -> Result<Vec<Relationship>> {
    let mut out = Vec::new();
    let mut s = Scanner::new(text);
    let mut root_seen = false;
    while let Some(item) = s
        .next_item()
        .map_err(|e| Error::xml(part, format!("malformed XML: {e}")))?
    {
        let (Event::Start(e) | Event::Empty(e)) = &item.event else {
            continue;
        };
        if !root_seen {
            if !s.is(e, ns::RELS, "Relationships") {
                return Err(Error::xml(
                    part,
                    "the root element is not a <Relationships> of the relationships namespace",
                ));
            }
            root_seen = true;
            continue;
        }
        if !s.is(e, ns::RELS, "Relationship") {
            continue;
        }
        // A relationship without an Id (Google Sheets writes one for external link paths) can be
        // referenced by nothing and selected by no transform: it is inert, and is left out.
        let Some(id) = s.attr(e, None, "Id") else {
            continue;
        };
        let (Some(rel_type), Some(target)) = (s.attr(e, None, "Type"), s.attr(e, None, "Target"))
        else {
            return Err(Error::xml(part, "a Relationship lacks Id, Type or Target"));
        };
        if out.iter().any(|r: &Relationship| r.id == id) {
            return Err(Error::xml(
                part,
                format!("relationship Id {id} appears twice"),
            ));
        }
        let external = s.attr(e, None, "TargetMode").as_deref() == Some("External");
        out.push(Relationship {
            id,
            rel_type,
            target,
            external,
        });
    }
    if !root_seen {
        return Err(Error::xml(part, "no <Relationships> element"));
    }
    Ok(out)
}

/// The node names libxml2 gives to the children of the root element that are not elements
/// ("text" for text, "comment" for comments), in document order. LibreOffice's relationship
/// transform turns each into an empty element of that name; see `c14n::rels_transform`.
pub fn stray_root_children(text: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    // Adjacent character data is one text node in libxml2.
    let mut in_text = false;
    loop {
        let event = reader.read_event();
        let is_text = matches!(event, Ok(Event::Text(_)) | Ok(Event::CData(_)));
        match event {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Text(_)) | Ok(Event::CData(_)) if depth == 1 && !in_text => out.push("text"),
            Ok(Event::Comment(_)) if depth == 1 => out.push("comment"),
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        in_text = is_text && depth == 1;
    }
    out
}

/// Is the part written compact: nothing but the XML declaration, the root element and empty
/// relationship elements? LibreOffice's relationship transform (xmlsec's, as LibreOffice ships
/// it) turns every other node into an element of its own — a comment before the root becomes
/// `<comment></comment>` beside it, a line break between relationships `<text></text>` — so only
/// a compact part digests the same for LibreOffice as for Office.
pub fn is_compact(text: &str) -> bool {
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return true,
            Ok(Event::Decl(_)) if depth == 0 => {}
            // libxml2 keeps no text node outside the root element.
            Ok(Event::Text(t)) if depth == 0 && t.iter().all(u8::is_ascii_whitespace) => {}
            Ok(Event::Start(_)) if depth == 0 => depth = 1,
            Ok(Event::Empty(_)) if depth <= 1 => {}
            Ok(Event::End(_)) if depth == 1 => depth = 0,
            _ => return false,
        }
    }
}

/// A relationships part holding `rels`, written compact (no text between the elements).
pub fn to_xml(rels: &[Relationship]) -> String {
    use crate::xml::escape_attr;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"{}\">",
        ns::RELS
    );
    for r in rels {
        let mode = if r.external {
            " TargetMode=\"External\""
        } else {
            ""
        };
        xml.push_str(&format!(
            "<Relationship Id=\"{}\" Type=\"{}\" Target=\"{}\"{mode}/>",
            escape_attr(&r.id),
            escape_attr(&r.rel_type),
            escape_attr(&r.target)
        ));
    }
    xml.push_str("</Relationships>");
    xml
}
