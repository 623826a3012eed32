//! Canonicalisation through libxml2 (W3C C14N 1.0 / 1.1 / exclusive), and the OPC
//! RelationshipTransform that feeds it.
//!
//! SignedInfo, the Objects and SignedProperties are subtrees of the signature document. They are
//! canonicalised in place, as a node set of the parsed document (libxml's `xmlC14NExecute` with a
//! visibility callback, `subset`), so the namespace declarations in scope at their apex are rendered exactly
//! as inclusive C14N 1.0 prescribes — the same computation Office and LibreOffice do.

pub mod rels_transform;
mod subset;
mod walk;

pub use walk::find_descendant;

use libxml::parser::{Parser, ParserOptions};
use libxml::tree::c14n::{CanonicalizationMode, CanonicalizationOptions};
use libxml::tree::{Document, Node};

use crate::error::{Error, Result};

/// A canonicalisation algorithm named by its XML-DSig URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    mode: CanonicalizationMode,
    comments: bool,
}

impl Method {
    pub const C14N_10: Method = Method {
        mode: CanonicalizationMode::Canonical1_0,
        comments: false,
    };

    pub fn from_uri(uri: &str) -> Option<Method> {
        use CanonicalizationMode::*;
        let (mode, comments) = match uri {
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" => (Canonical1_0, false),
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments" => (Canonical1_0, true),
            "http://www.w3.org/2006/12/xml-c14n11" => (Canonical1_1, false),
            "http://www.w3.org/2006/12/xml-c14n11#WithComments" => (Canonical1_1, true),
            "http://www.w3.org/2001/10/xml-exc-c14n#" => (ExclusiveCanonical1_0, false),
            "http://www.w3.org/2001/10/xml-exc-c14n#WithComments" => (ExclusiveCanonical1_0, true),
            _ => return None,
        };
        Some(Method { mode, comments })
    }

    fn options(self) -> CanonicalizationOptions {
        CanonicalizationOptions {
            mode: self.mode,
            with_comments: self.comments,
            inclusive_ns_prefixes: vec![],
        }
    }
}

/// A parsed XML document (the caller has already refused DTDs, see `opc::xml_guard`).
pub struct XmlDoc {
    doc: Document,
}

impl XmlDoc {
    pub fn parse(part: &str, text: &str) -> Result<XmlDoc> {
        let options = ParserOptions {
            recover: false,
            no_net: true,
            no_error: true,
            no_warning: true,
            no_def_dtd: true,
            ..ParserOptions::default()
        };
        let doc = Parser::default()
            .parse_string_with_options(text, options)
            .map_err(|e| Error::xml(part, format!("libxml2 could not parse it ({e:?})")))?;
        Ok(XmlDoc { doc })
    }

    pub fn root(&self) -> Option<Node> {
        self.doc.get_root_element()
    }

    /// The whole document, canonicalised.
    pub fn canonical(&self, method: Method) -> Result<Vec<u8>> {
        self.doc
            .canonicalize(method.options(), None)
            .map(String::into_bytes)
            .map_err(|()| Error::xml("(document)", "canonicalisation failed"))
    }

    /// Every element carrying an `Id` attribute with this value (more than one means an attack).
    pub fn elements_with_id(&self, id: &str) -> Vec<Node> {
        self.root()
            .map(|root| walk::with_id(&root, id))
            .unwrap_or_default()
    }
}

/// The subtree rooted at `node`, canonicalised as a node set of its document.
pub fn canonical_subtree(node: &Node, method: Method) -> Result<Vec<u8>> {
    subset::canonical(node, method.mode.into(), method.comments).ok_or_else(|| {
        Error::xml(
            "(signature)",
            format!("canonicalisation of <{}> failed", node.get_name()),
        )
    })
}

/// Canonicalises a whole standalone XML text.
pub fn canonical_text(part: &str, text: &str, method: Method) -> Result<Vec<u8>> {
    XmlDoc::parse(part, text)?.canonical(method)
}

/// Element children with a given local name and namespace URI.
pub fn children<'a>(
    node: &'a Node,
    ns: &'a str,
    local: &'a str,
) -> impl Iterator<Item = Node> + 'a {
    node.get_child_elements()
        .into_iter()
        .filter(move |c| is(c, ns, local))
}

/// The first element child with this name.
pub fn child(node: &Node, ns: &str, local: &str) -> Option<Node> {
    children(node, ns, local).next()
}

/// Does this element have this namespace URI and local name?
pub fn is(node: &Node, ns: &str, local: &str) -> bool {
    walk::is_element(node, ns, local)
}

/// Text content, trimmed.
pub fn text(node: &Node) -> String {
    node.get_content().trim().to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn subtree_inherits_namespaces_in_scope() {
        let doc = XmlDoc::parse(
            "t",
            r#"<S xmlns="urn:d" xmlns:m="urn:m"><O Id="a"><m:x b="2" a="1"/></O></S>"#,
        )
        .unwrap();
        let node = doc.elements_with_id("a").pop().unwrap();
        let c = canonical_subtree(&node, Method::C14N_10).unwrap();
        assert_eq!(
            String::from_utf8(c).unwrap(),
            r#"<O xmlns="urn:d" xmlns:m="urn:m" Id="a"><m:x a="1" b="2"></m:x></O>"#
        );
    }
}
