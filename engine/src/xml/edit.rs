//! Finding an element's exact byte span (an empty element may be `<x/>`), and inserting markup
//! into it, leaving every other byte as it was.

use quick_xml::events::Event;

use super::scan::Scanner;
use super::scope::Scope;
use crate::error::{Error, Result};

/// An element found in a text.
#[derive(Debug, Clone)]
pub struct Located {
    /// Offset of its `<`.
    pub start: usize,
    /// Offset just past its start tag's `>`.
    pub start_end: usize,
    /// Offset of its end tag's `<`, or `None` for an empty-element tag.
    pub end_start: Option<usize>,
    /// Its name as written ("x:worksheet").
    pub qname: String,
    /// The bindings in scope inside it: what markup inserted as its content sees.
    pub inner: Scope,
}

impl Located {
}

fn bad(part: &str, e: quick_xml::Error) -> Error {
    Error::xml(part, format!("malformed XML: {e}"))
}

/// The first element `{ns}local` (the root, when `path` names it), with its end.
pub fn find(text: &str, part: &str, ns: &str, local: &str) -> Result<Option<Located>> {
    let mut s = Scanner::new(text);
    while let Some(item) = s.next_item().map_err(|e| bad(part, e))? {
        match &item.event {
            Event::Start(e) if s.is(e, ns, local) => {
                let mut found = Located {
                    start: item.start,
                    start_end: item.end,
                    end_start: None,
                    qname: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                    inner: s.scope().clone(),
                };
                let depth = s.scope().depth();
                while let Some(inner) = s.next_item().map_err(|e| bad(part, e))? {
                    if matches!(inner.event, Event::End(_)) && s.scope().depth() == depth {
                        found.end_start = Some(inner.start);
                        return Ok(Some(found));
                    }
                }
                return Err(Error::xml(part, format!("<{}> is not closed", found.qname)));
            }
            Event::Empty(e) if s.is(e, ns, local) => {
                return Ok(Some(Located {
                    start: item.start,
                    start_end: item.end,
                    end_start: None,
                    qname: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                    inner: s.scope().clone(),
                }))
            }
            _ => {}
        }
    }
    Ok(None)
}

/// The root element, which must be `{ns}local`.
pub fn root(text: &str, part: &str, ns: &str, local: &str) -> Result<Located> {
    let mut s = Scanner::new(text);
    while let Some(item) = s.next_item().map_err(|e| bad(part, e))? {
        if let Event::Start(e) | Event::Empty(e) = &item.event {
            if !s.is(e, ns, local) {
                return Err(Error::xml(
                    part,
                    format!("the root element is not {{{ns}}}{local}"),
                ));
            }
            return find(text, part, ns, local)?
                .ok_or_else(|| Error::xml(part, format!("no {{{ns}}}{local} element")));
        }
    }
    Err(Error::xml(part, "no root element"))
}

/// `text` with `fragment` added as the last content of `el` (an empty-element tag is opened).
pub fn append_child(text: &str, el: &Located, fragment: &str) -> String {
    match el.end_start {
        Some(at) => insert(text, at, fragment),
        None => {
            // "<x a='1'/>" → "<x a='1'>fragment</x>"
            let tag = &text[el.start..el.start_end];
            let open = tag
                .strip_suffix("/>")
                .map(|t| t.trim_end().to_string() + ">")
                .unwrap_or_else(|| tag.to_string());
            let mut out = String::with_capacity(text.len() + fragment.len() + el.qname.len() + 3);
            out.push_str(&text[..el.start]);
            out.push_str(&open);
            out.push_str(fragment);
            out.push_str(&format!("</{}>", el.qname));
            out.push_str(&text[el.start_end..]);
            out
        }
    }
}

/// `text` with `fragment` inserted at byte `at`.
pub fn insert(text: &str, at: usize, fragment: &str) -> String {
    let mut out = String::with_capacity(text.len() + fragment.len());
    out.push_str(&text[..at]);
    out.push_str(fragment);
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn appends_into_empty_and_full_roots() {
        let xml = r#"<?xml version="1.0"?><ns0:Types xmlns:ns0="urn:ct"/>"#;
        let root = root(xml, "t", "urn:ct", "Types").unwrap();
        assert_eq!(
            append_child(xml, &root, "<ns0:Default/>"),
            r#"<?xml version="1.0"?><ns0:Types xmlns:ns0="urn:ct"><ns0:Default/></ns0:Types>"#
        );
        let xml = r#"<Types xmlns="urn:ct"><Default/></Types><!-- </Types> -->"#;
        let root = super::root(xml, "t", "urn:ct", "Types").unwrap();
        assert_eq!(
            append_child(xml, &root, "<Override/>"),
            r#"<Types xmlns="urn:ct"><Default/><Override/></Types><!-- </Types> -->"#
        );
        assert!(super::root(xml, "t", "urn:other", "Types").is_err());
    }
}
