//! The OPC Relationships Transform (ECMA-376 Part 2, §13.2.4.24 "Relationships Transform
//! Algorithm"), followed by C14N 1.0.
//!
//! Step 2: "The package implementer shall sort relationship elements by @Id value in
//! lexicographical order … [and] remove all <Relationship> elements that do not have either an
//! @Id value that matches any @SourceId value or a @Type value that matches any @SourceType
//! value." Step 3 removes every character between the elements and the contents of each
//! element, and adds `TargetMode="Internal"` where it is absent.
//!
//! We rebuild the selected elements from their attribute values rather than editing the parsed
//! tree: whitespace between elements, other namespaces and element content can then not leak into
//! the digest, which is why the pretty-printed `.rels` parts Office 2007 wrote verify here.

use super::{canonical_text, Method};
use crate::error::Result;
use crate::opc::Relationship;

pub const NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// Which relationships the transform keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    pub source_ids: Vec<String>,
    pub source_types: Vec<String>,
}

impl Selector {
    pub fn keeps(&self, r: &Relationship) -> bool {
        self.source_ids.contains(&r.id) || self.source_types.contains(&r.rel_type)
    }
}

/// The canonical octets the digest of a relationships reference is computed over.
pub fn transform(part: &str, rels: &[Relationship], selector: &Selector) -> Result<Vec<u8>> {
    transform_with_prefix(part, rels, selector, &[])
}

/// LibreOffice's variant (its xmlsec relationship transform, seen in LibreOffice 7.4): every
/// child of `<Relationships>` that is not an element — a line break, a comment — is written as
/// an empty element named after the libxml2 node (`<text></text>`) ahead of the sorted
/// relationships. It differs from the standard only when the part has such children; we accept
/// it so LibreOffice's signatures verify, since the extra nodes carry no meaning.
pub fn transform_libreoffice(
    part: &str,
    rels: &[Relationship],
    selector: &Selector,
    stray: &[&str],
) -> Result<Vec<u8>> {
    transform_with_prefix(part, rels, selector, stray)
}

fn transform_with_prefix(
    part: &str,
    rels: &[Relationship],
    selector: &Selector,
    stray: &[&str],
) -> Result<Vec<u8>> {
    let mut kept: Vec<&Relationship> = rels.iter().filter(|r| selector.keeps(r)).collect();
    kept.sort_by(|a, b| a.id.cmp(&b.id));
    let mut xml = format!("<Relationships xmlns=\"{NS}\">");
    for name in stray {
        xml.push_str(&format!("<{name}></{name}>"));
    }
    for r in kept {
        let mode = if r.external { "External" } else { "Internal" };
        xml.push_str(&format!(
            "<Relationship Id=\"{}\" Type=\"{}\" Target=\"{}\" TargetMode=\"{}\"/>",
            attr(&r.id),
            attr(&r.rel_type),
            attr(&r.target),
            mode
        ));
    }
    xml.push_str("</Relationships>");
    canonical_text(part, &xml, Method::C14N_10)
}

fn attr(v: &str) -> String {
    crate::xml::escape_attr(v)
}
