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
    let values_are_xml = kept
        .iter()
        .all(|r| is_xml_text(&r.id) && is_xml_text(&r.rel_type) && is_xml_text(&r.target));
    let form = canonical_form(&kept, stray);
    if values_are_xml {
        Ok(form.into_bytes())
    } else {
        // libxml2 refuses the text, as it did for every such part before this shortcut.
        canonical_text(part, &form, Method::C14N_10)
    }
}

/// The transformed part written directly in its C14N 1.0 form, which is what libxml2 made of the
/// part built as a plain document before (held to it by a test): no XML declaration, the default
/// namespace declared on the root, attributes in lexicographic order (§2.2 "Attribute Nodes ...
/// sorted"; `Id`, `Target`, `TargetMode`, `Type`), values escaped as `escape_attr` does (`&amp;`,
/// `&lt;`, `&quot;`, `&#x9;`, `&#xA;`, `&#xD;`) and empty elements as start-end pairs. It spares a
/// parse and a canonicalisation per relationships reference (issue 9).
fn canonical_form(kept: &[&Relationship], stray: &[&str]) -> String {
    let mut out = format!("<Relationships xmlns=\"{NS}\">");
    for name in stray {
        out.push_str(&format!("<{name}></{name}>"));
    }
    for r in kept {
        out.push_str(&format!(
            "<Relationship Id=\"{}\" Target=\"{}\" TargetMode=\"{}\" Type=\"{}\"></Relationship>",
            attr(&r.id),
            attr(&r.target),
            mode(r),
            attr(&r.rel_type),
        ));
    }
    out.push_str("</Relationships>");
    out
}

fn mode(r: &Relationship) -> &'static str {
    if r.external {
        "External"
    } else {
        "Internal"
    }
}

/// Only characters XML 1.0 allows (§2.2 `Char`): anything else makes libxml2 refuse the
/// document, and that refusal is kept.
fn is_xml_text(v: &str) -> bool {
    v.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    })
}

fn attr(v: &str) -> String {
    crate::xml::escape_attr(v)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The transformed part as docseal built it for libxml2 to canonicalise before the direct
    /// form: the reference the direct form is held to.
    fn document(kept: &[&Relationship], stray: &[&str]) -> String {
        let mut xml = format!("<Relationships xmlns=\"{NS}\">");
        for name in stray {
            xml.push_str(&format!("<{name}></{name}>"));
        }
        for r in kept {
            xml.push_str(&format!(
                "<Relationship Id=\"{}\" Type=\"{}\" Target=\"{}\" TargetMode=\"{}\"/>",
                attr(&r.id),
                attr(&r.rel_type),
                attr(&r.target),
                mode(r)
            ));
        }
        xml.push_str("</Relationships>");
        xml
    }

    fn rel(id: &str, rel_type: &str, target: &str, external: bool) -> Relationship {
        Relationship {
            id: id.to_string(),
            rel_type: rel_type.to_string(),
            target: target.to_string(),
            external,
        }
    }

    /// The direct canonical form is what libxml2 makes of the document, for values with every
    /// character C14N escapes, markup characters, CJK and astral text.
    #[test]
    fn direct_form_is_what_libxml2_canonicalises() {
        let rels = vec![
            rel("rId2", "http://t/image", "media/图 1.png", false),
            rel("rId1", "http://t/a&b<c>\"d'e", "x\ty\nz\r w", true),
            rel(
                "rId10",
                "http://t/hyperlink",
                "https://例子.cn/?q=1&r=2#frag😀",
                true,
            ),
            rel("rId3", "http://t/unkept", "x", false),
        ];
        let selector = Selector {
            source_ids: vec!["rId1".into(), "rId2".into(), "rId10".into()],
            source_types: vec![],
        };
        for stray in [&[][..], &["text", "comment"][..]] {
            let mut kept: Vec<&Relationship> = rels.iter().filter(|r| selector.keeps(r)).collect();
            kept.sort_by(|a, b| a.id.cmp(&b.id));
            let by_libxml2 = canonical_text("t", &document(&kept, stray), Method::C14N_10).unwrap();
            let direct = transform_with_prefix("t", &rels, &selector, stray).unwrap();
            assert_eq!(
                String::from_utf8(direct).unwrap(),
                String::from_utf8(by_libxml2).unwrap()
            );
        }
    }

    #[test]
    fn a_value_xml_cannot_hold_is_still_refused() {
        let rels = vec![rel("rId1", "http://t/x", "a\u{1}b", false)];
        let selector = Selector {
            source_ids: vec!["rId1".into()],
            source_types: vec![],
        };
        assert!(transform("t", &rels, &selector).is_err());
    }
}
