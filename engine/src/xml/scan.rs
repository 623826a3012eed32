//! A streaming reader that knows, for every element, its expanded name and its byte span in the
//! text: quick-xml's event reader with a [`Scope`] kept alongside, so that callers match on
//! (namespace, local name) and edit at exact offsets.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::scope::{split, Scope};

/// One event and the bytes it came from (`start..end` in the scanned text).
pub struct Item<'a> {
    pub event: Event<'a>,
    pub start: usize,
    pub end: usize,
}

pub struct Scanner<'a> {
    reader: Reader<&'a [u8]>,
    base: usize,
    scope: Scope,
    pop_pending: bool,
}

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        Scanner::resume(text, 0, Scope::default())
    }

    /// Reads from `offset` on, with the bindings in scope there (taken from an earlier scan). Lets
    /// a caller jump over the middle of a 20 MB sheet without losing namespace context. End tags
    /// are not checked against start tags the reader never saw.
    pub fn resume(text: &'a str, offset: usize, scope: Scope) -> Self {
        let mut reader = Reader::from_str(&text[offset.min(text.len())..]);
        reader.config_mut().check_end_names = false;
        reader.config_mut().allow_unmatched_ends = true;
        Scanner {
            reader,
            base: offset,
            scope,
            pop_pending: false,
        }
    }

    /// The next event, or `None` at the end of the text.
    pub fn next_item(&mut self) -> Result<Option<Item<'a>>, quick_xml::Error> {
        if self.pop_pending {
            self.scope.pop();
            self.pop_pending = false;
        }
        let start = self.base + self.reader.buffer_position() as usize;
        let event = self.reader.read_event()?;
        let end = self.base + self.reader.buffer_position() as usize;
        match &event {
            Event::Start(e) => self.scope.push(e),
            Event::Empty(e) => {
                self.scope.push(e);
                self.pop_pending = true;
            }
            // The element's bindings stay visible while the caller looks at its end tag.
            Event::End(_) => self.pop_pending = true,
            Event::Eof => return Ok(None),
            _ => {}
        }
        Ok(Some(Item { event, start, end }))
    }

    /// The bindings in scope (inside the element just read, for a start tag).
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Does this start tag name the element `{ns}local`?
    pub fn is(&self, e: &BytesStart, ns: &str, local: &str) -> bool {
        e.local_name().as_ref() == local.as_bytes()
            && self.scope.element_ns(e.name().as_ref()) == Some(ns)
    }

    /// Does this end tag close an element named `{ns}local`?
    pub fn is_end(&self, e: &quick_xml::events::BytesEnd, ns: &str, local: &str) -> bool {
        e.local_name().as_ref() == local.as_bytes()
            && self.scope.element_ns(e.name().as_ref()) == Some(ns)
    }

    /// The value of attribute `{ns}local` (`ns` = `None` for an unprefixed attribute), unescaped.
    pub fn attr(&self, e: &BytesStart, ns: Option<&str>, local: &str) -> Option<String> {
        attr_in(&self.scope, e, ns, local)
    }
}

/// The value of an attribute by expanded name, with the bindings of `scope`.
pub fn attr_in(scope: &Scope, e: &BytesStart, ns: Option<&str>, local: &str) -> Option<String> {
    for a in e.attributes().with_checks(false).flatten() {
        let key = a.key.as_ref();
        let (_, l) = split(key);
        if l != local || scope.attribute_ns(key) != ns {
            continue;
        }
        // Most values are plain text: nothing to normalise or unescape, one copy.
        if !a
            .value
            .iter()
            .any(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r'))
        {
            if let Ok(plain) = std::str::from_utf8(&a.value) {
                return Some(plain.to_string());
            }
        }
        // Attribute-value normalisation (XML 1.0 §3.3.3): literal tabs and line breaks read as spaces.
        let raw = String::from_utf8_lossy(&a.value).replace(['\t', '\n', '\r'], " ");
        return Some(
            quick_xml::escape::unescape(&raw)
                .map(|v| v.into_owned())
                .unwrap_or(raw),
        );
    }
    None
}

#[cfg(any(test, feature = "testing"))]
/// The expanded name of an element as "{ns}local", for comparing trees up to prefixes.
pub fn expanded(scope: &Scope, qname: &[u8]) -> String {
    let (_, local) = split(qname);
    format!("{{{}}}{local}", scope.element_ns(qname).unwrap_or(""))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn matches_by_namespace_not_prefix() {
        let xml = r#"<x:worksheet xmlns:x="urn:s"><sheetData xmlns="urn:s"/><x:drawing xmlns:r="urn:r" r:id="rId1"/></x:worksheet>"#;
        let mut s = Scanner::new(xml);
        let mut seen = vec![];
        while let Some(item) = s.next_item().unwrap() {
            if let Event::Start(e) | Event::Empty(e) = &item.event {
                if s.is(e, "urn:s", "sheetData") {
                    seen.push(("sheetData", item.start));
                }
                if s.is(e, "urn:s", "drawing") {
                    assert_eq!(s.attr(e, Some("urn:r"), "id").as_deref(), Some("rId1"));
                    assert_eq!(s.attr(e, None, "id"), None);
                    seen.push(("drawing", item.start));
                }
            }
        }
        assert_eq!(seen, vec![("sheetData", 29), ("drawing", 55)]);
    }

    #[test]
    fn attribute_values_are_normalised_and_unescaped() {
        let xml = "<r xmlns=\"urn:s\" a=\"plain 图\" b=\"x&amp;y&#x9;z\" c=\"t\tl\nr\"/>";
        let mut s = Scanner::new(xml);
        let item = s.next_item().unwrap().unwrap();
        let Event::Empty(e) = &item.event else {
            panic!("not an empty element")
        };
        assert_eq!(s.attr(e, None, "a").as_deref(), Some("plain 图"));
        assert_eq!(s.attr(e, None, "b").as_deref(), Some("x&y\tz"));
        assert_eq!(s.attr(e, None, "c").as_deref(), Some("t l r"));
        assert_eq!(s.attr(e, None, "d"), None);
    }
}
