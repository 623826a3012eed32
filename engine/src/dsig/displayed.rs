//! What a Word document shows of data that Office leaves unsigned. A DOCPROPERTY field (and the
//! AUTHOR, TITLE... fields) shows document properties; a content control with a
//! `w:dataBinding` shows a custom XML data store, or the core or extended properties themselves.
//! Such data must then be signed, or someone could change what a sealed document shows without
//! touching a signed part.

use std::collections::BTreeSet;

use quick_xml::events::Event;

use crate::xml::{ns, Scanner};

pub use crate::place::main_part::is_word_text;

/// Data store ids Word gives the property parts in `w:dataBinding/@w:storeItemID`.
pub const STORE_CORE_PROPERTIES: &str = "{6C3C8BC8-F283-45AE-878A-BAB7291924A1}";
pub const STORE_EXTENDED_PROPERTIES: &str = "{6668398D-A668-4E3E-A5EB-62B293D839F1}";

/// Field names (ECMA-376 Part 1 §17.16.5) whose result is a document property.
const PROPERTY_FIELDS: &[&str] = &[
    "DOCPROPERTY",
    "AUTHOR",
    "TITLE",
    "SUBJECT",
    "KEYWORDS",
    "COMMENTS",
    "LASTSAVEDBY",
    "INFO",
];

/// What one part (or a whole document) displays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Displays {
    /// A field shows document properties.
    pub property_field: Option<String>,
    /// Store item ids of data-bound content controls (upper case, with braces).
    pub stores: BTreeSet<String>,
    /// A data binding names no store: Word then searches every custom XML part.
    pub any_store: bool,
}

impl Displays {

    pub fn is_empty(&self) -> bool {
        self.property_field.is_none() && self.stores.is_empty() && !self.any_store
    }
}

/// Byte strings without which a part displays nothing of the kind (`w:instrText`,
/// `w:fldSimple/@w:instr`, `w:dataBinding`): a part where none occurs needs no parse.
pub const NEEDLES: &[&[u8]] = &[b"instr", b"dataBinding"];

/// Scans one Word part. Field instructions may be split over several `w:instrText` runs; they are
/// joined per field (between its `begin` and `separate` characters), as Word reads them.
pub fn scan(xml: &[u8]) -> Displays {
    let mut out = Displays::default();
    if !NEEDLES
        .iter()
        .any(|n| memchr::memmem::find(xml, n).is_some())
    {
        return out;
    }
    let text = String::from_utf8_lossy(xml);
    let mut s = Scanner::new(&text);
    // Open fields, innermost last: the instruction while it is read, `None` once separated.
    let mut fields: Vec<Option<String>> = Vec::new();
    let mut in_instr = false;
    let check = |instr: &str, out: &mut Displays| {
        let first = instr.split_whitespace().next().unwrap_or("");
        if out.property_field.is_none()
            && PROPERTY_FIELDS
                .iter()
                .any(|f| first.eq_ignore_ascii_case(f))
        {
            out.property_field = Some(first.to_ascii_uppercase());
        }
    };
    while let Ok(Some(item)) = s.next_item() {
        match &item.event {
            Event::Start(e) | Event::Empty(e) => {
                if s.is(e, ns::W, "fldSimple") {
                    if let Some(instr) = s.attr(e, Some(ns::W), "instr") {
                        check(&instr, &mut out);
                    }
                } else if s.is(e, ns::W, "fldChar") {
                    match s.attr(e, Some(ns::W), "fldCharType").as_deref() {
                        Some("begin") => fields.push(Some(String::new())),
                        Some("separate") => {
                            if let Some(open) = fields.last_mut() {
                                if let Some(instr) = open.take() {
                                    check(&instr, &mut out);
                                }
                            }
                        }
                        Some("end") => {
                            if let Some(Some(instr)) = fields.pop() {
                                check(&instr, &mut out);
                            }
                        }
                        _ => {}
                    }
                } else if s.is(e, ns::W, "instrText") {
                    in_instr = matches!(item.event, Event::Start(_));
                } else if e.local_name().as_ref() == b"dataBinding" {
                    // w:dataBinding, and the same element in Word's later namespaces.
                    let id = e
                        .attributes()
                        .with_checks(false)
                        .flatten()
                        .find(|a| crate::xml::scope::split(a.key.as_ref()).1 == "storeItemID")
                        .and_then(|a| {
                            a.unescape_value()
                                .ok()
                                .map(|v| v.trim().to_ascii_uppercase())
                        });
                    match id {
                        Some(id) if !id.is_empty() => {
                            out.stores.insert(id);
                        }
                        _ => out.any_store = true,
                    }
                }
            }
            Event::Text(t) if in_instr => {
                if let (Some(Some(instr)), Ok(t)) = (fields.last_mut(), t.unescape()) {
                    instr.push_str(&t);
                }
            }
            Event::End(e) if s.is_end(e, ns::W, "instrText") => in_instr = false,
            _ => {}
        }
    }
    // An instruction left open (no separate/end) still counts.
    for instr in fields.into_iter().flatten() {
        check(&instr, &mut out);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn doc(body: &str) -> Vec<u8> {
        format!(
            "<w:document xmlns:w=\"{}\"><w:body>{body}</w:body></w:document>",
            ns::W
        )
        .into_bytes()
    }

    #[test]
    fn finds_split_property_fields_and_bindings() {
        let split = doc(
            r#"<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DOC</w:instrText></w:r><w:r><w:instrText xml:space="preserve">PROPERTY Company </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Acme</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>"#,
        );
        assert_eq!(scan(&split).property_field.as_deref(), Some("DOCPROPERTY"));
        let simple = doc(
            r#"<w:p><w:fldSimple w:instr=" title \* MERGEFORMAT "><w:r><w:t>T</w:t></w:r></w:fldSimple></w:p>"#,
        );
        assert_eq!(scan(&simple).property_field.as_deref(), Some("TITLE"));
        let page = doc(r#"<w:p><w:fldSimple w:instr=" PAGE "/></w:p>"#);
        assert!(scan(&page).is_empty());
        let bound = doc(
            r#"<w:sdt><w:sdtPr><w:dataBinding w:xpath="/a" w:storeItemID="{6c3c8bc8-f283-45ae-878a-bab7291924a1}"/></w:sdtPr></w:sdt>"#,
        );
        assert!(scan(&bound).stores.contains(STORE_CORE_PROPERTIES));
        let default_ns = format!("<document xmlns=\"{}\"><body><p><fldSimple xmlns:w=\"{}\" w:instr=\"AUTHOR\"/></p></body></document>", ns::W, ns::W);
        assert_eq!(
            scan(default_ns.as_bytes()).property_field.as_deref(),
            Some("AUTHOR")
        );
    }
}
