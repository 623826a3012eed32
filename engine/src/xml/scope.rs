//! Namespace bindings in scope at a point of a document (Namespaces in XML 1.0 §6): a stack of
//! prefix → URI declarations, pushed by each start tag and popped by its end tag.

use quick_xml::events::BytesStart;
use quick_xml::name::PrefixDeclaration;

use super::ns;

/// The bindings in scope. The empty prefix stands for the default namespace; an empty URI undoes
/// a default declaration (`xmlns=""`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    bindings: Vec<(String, String)>,
    marks: Vec<usize>,
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            bindings: vec![("xml".into(), ns::XML.into())],
            marks: vec![],
        }
    }
}

impl Scope {
    /// Enters an element: its own declarations apply to itself and its content.
    pub fn push(&mut self, e: &BytesStart) {
        self.marks.push(self.bindings.len());
        // Most start tags declare nothing: skip parsing their attributes.
        if memchr::memmem::find(e.attributes_raw(), b"xmlns").is_none() {
            return;
        }
        for a in e.attributes().with_checks(false).flatten() {
            let prefix = match a.key.as_namespace_binding() {
                Some(PrefixDeclaration::Default) => String::new(),
                Some(PrefixDeclaration::Named(p)) => String::from_utf8_lossy(p).into_owned(),
                None => continue,
            };
            let uri = a
                .unescape_value()
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
            self.bindings.push((prefix, uri));
        }
    }

    /// Leaves the innermost element.
    pub fn pop(&mut self) {
        if let Some(m) = self.marks.pop() {
            self.bindings.truncate(m);
        }
    }

    /// How many elements deep we are.
    pub fn depth(&self) -> usize {
        self.marks.len()
    }

    /// The URI bound to a prefix ("" for the default namespace); `None` when unbound.
    pub fn uri(&self, prefix: &str) -> Option<&str> {
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, u)| u.as_str())
            .filter(|u| !u.is_empty())
    }

    /// The namespace of an element name: its prefix's binding, or the default namespace.
    pub fn element_ns(&self, qname: &[u8]) -> Option<&str> {
        match split(qname) {
            (Some(p), _) => self.uri(p),
            (None, _) => self.uri(""),
        }
    }

    /// The namespace of an attribute name: unprefixed attributes are in no namespace (§6.2).
    pub fn attribute_ns(&self, qname: &[u8]) -> Option<&str> {
        match split(qname) {
            (Some("xmlns"), _) => None,
            (Some(p), _) => self.uri(p),
            (None, _) => None,
        }
    }

    /// A prefix bound to `uri` and not hidden by a later binding of the same prefix. `allow_default`
    /// admits the default namespace (fine for element names, not for attributes).
    pub fn prefix_of(&self, uri: &str, allow_default: bool) -> Option<&str> {
        self.bindings
            .iter()
            .rev()
            .filter(|(p, u)| u == uri && (allow_default || !p.is_empty()))
            .map(|(p, _)| p.as_str())
            .find(|p| self.uri(p) == Some(uri))
    }

    #[cfg(any(test, feature = "testing"))]
    /// Every prefix in force (the innermost binding of each) and its URI, the `xml` prefix left
    /// out: what a fragment cut from here needs declared to mean the same.
    pub fn in_force(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = Vec::new();
        for (p, u) in self.bindings.iter().rev() {
            if p != "xml" && !out.iter().any(|(q, _)| q == p) {
                out.push((p, u));
            }
        }
        out.retain(|(_, u)| !u.is_empty());
        out.reverse();
        out
    }

    /// Binds a prefix at the innermost level (for markup being built).
    pub fn bind(&mut self, prefix: &str, uri: &str) {
        self.bindings.push((prefix.to_string(), uri.to_string()));
    }
}

/// "w:t" → (Some("w"), "t"); "t" → (None, "t").
pub fn split(qname: &[u8]) -> (Option<&str>, &str) {
    let s = std::str::from_utf8(qname).unwrap_or("");
    match s.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, s),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn resolves_and_shadows() {
        let mut s = Scope::default();
        s.push(&BytesStart::from_content(
            r#"a xmlns="urn:d" xmlns:w="urn:w""#,
            1,
        ));
        assert_eq!(s.element_ns(b"t"), Some("urn:d"));
        assert_eq!(s.element_ns(b"w:t"), Some("urn:w"));
        assert_eq!(s.attribute_ns(b"val"), None);
        s.push(&BytesStart::from_content(r#"b xmlns:w="urn:other""#, 1));
        assert_eq!(s.prefix_of("urn:w", true), None);
        assert_eq!(s.prefix_of("urn:d", true), Some(""));
        assert_eq!(s.prefix_of("urn:d", false), None);
        s.pop();
        assert_eq!(s.prefix_of("urn:w", false), Some("w"));
        assert_eq!(s.element_ns(b"xml:space"), Some(ns::XML));
    }
}
