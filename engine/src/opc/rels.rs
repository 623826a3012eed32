//! Relationships parts (ECMA-376 Part 2 §9.3): what points where, and with which type.

use quick_xml::events::Event;
use quick_xml::Reader;

use super::part_name::{resolve_target, PartName};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    pub id: String,
    pub rel_type: String,
    pub target: String,
    pub external: bool,
}

impl Relationship {
    /// The part this relationship points to, for an internal one whose target stays in the package.
    pub fn target_part(&self, source: Option<&PartName>) -> Option<PartName> {
        if self.external {
            return None;
        }
        let dir = source.map_or("/", |s| s.directory());
        PartName::new(&resolve_target(dir, &self.target)?).ok()
    }

    /// The last path segment of the type: ".../relationships/image" → "image".
    pub fn short_type(&self) -> &str {
        match self.rel_type.find("/relationships/") {
            Some(i) => &self.rel_type[i + "/relationships/".len()..],
            None => self.rel_type.rsplit('/').next().unwrap_or(&self.rel_type),
        }
    }
}

/// Parses the relationships of one part, in document order.
pub fn parse(part: &str, text: &str) -> Result<Vec<Relationship>> {
    let mut out = Vec::new();
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e))
                if e.local_name().as_ref() == b"Relationship" =>
            {
                let mut id = None;
                let mut rel_type = None;
                let mut target = None;
                let mut mode = None;
                for a in e.attributes() {
                    let a = a.map_err(|err| Error::xml(part, err))?;
                    // XML attribute-value normalisation: literal tabs and line breaks read as spaces.
                    let raw = String::from_utf8_lossy(&a.value).replace(['\t', '\n', '\r'], " ");
                    let v = quick_xml::escape::unescape(&raw)
                        .map_err(|err| Error::xml(part, err))?
                        .into_owned();
                    match a.key.as_ref() {
                        b"Id" => id = Some(v),
                        b"Type" => rel_type = Some(v),
                        b"Target" => target = Some(v),
                        b"TargetMode" => mode = Some(v),
                        _ => {}
                    }
                }
                let (Some(id), Some(rel_type), Some(target)) = (id, rel_type, target) else {
                    return Err(Error::xml(part, "a Relationship lacks Id, Type or Target"));
                };
                if out.iter().any(|r: &Relationship| r.id == id) {
                    return Err(Error::xml(
                        part,
                        format!("relationship Id {id} appears twice"),
                    ));
                }
                out.push(Relationship {
                    id,
                    rel_type,
                    target,
                    external: mode.as_deref() == Some("External"),
                });
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(Error::xml(part, e)),
        }
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

/// A relationships part holding `rels`, written compact (no text between the elements).
pub fn to_xml(rels: &[Relationship]) -> String {
    use crate::dsig::xml_out::escape_attr;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"{}\">",
        crate::c14n::rels_transform::NS
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
