//! Markup to insert into a document, built as a small tree of expanded names and written for the
//! place it goes: each namespace gets a prefix already bound there when there is one, otherwise
//! its usual prefix (or a fresh one, when that prefix means something else there) declared on the
//! element that first needs it.

use super::escape::{escape_attr, escape_text};
use super::ns;
use super::scope::Scope;

#[derive(Debug, Clone)]
pub struct El {
    ns: &'static str,
    local: &'static str,
    attrs: Vec<(Option<&'static str>, &'static str, String)>,
    children: Vec<Node>,
}

#[derive(Debug, Clone)]
enum Node {
    El(El),
    Text(String),
}

impl El {
    pub fn new(ns: &'static str, local: &'static str) -> El {
        El {
            ns,
            local,
            attrs: vec![],
            children: vec![],
        }
    }

    /// An unqualified attribute (most DrawingML attributes).
    pub fn attr(mut self, local: &'static str, value: impl ToString) -> El {
        self.attrs.push((None, local, value.to_string()));
        self
    }

    /// A namespace-qualified attribute (`w:val`, `r:embed`, `xml:space`).
    pub fn ns_attr(mut self, ns: &'static str, local: &'static str, value: impl ToString) -> El {
        self.attrs.push((Some(ns), local, value.to_string()));
        self
    }

    pub fn child(mut self, c: El) -> El {
        self.children.push(Node::El(c));
        self
    }

    pub fn text(mut self, t: impl Into<String>) -> El {
        self.children.push(Node::Text(t.into()));
        self
    }

    /// The markup, for insertion where `scope` is in force.
    pub fn write(&self, scope: &Scope) -> String {
        let mut out = String::new();
        let mut scope = scope.clone();
        self.write_into(&mut out, &mut scope);
        out
    }

    fn write_into(&self, out: &mut String, scope: &mut Scope) {
        scope.push(&quick_xml::events::BytesStart::new("_"));
        let mut decls = Vec::new();
        let name = qualify(scope, &mut decls, self.ns, self.local, true);
        let attrs: Vec<(String, &str)> = self
            .attrs
            .iter()
            .map(|(ans, local, v)| match ans {
                Some(n) => (qualify(scope, &mut decls, n, local, false), v.as_str()),
                None => (local.to_string(), v.as_str()),
            })
            .collect();
        out.push('<');
        out.push_str(&name);
        for (p, uri) in &decls {
            out.push_str(&format!(" xmlns:{p}=\"{}\"", escape_attr(uri)));
        }
        for (k, v) in attrs {
            out.push_str(&format!(" {k}=\"{}\"", escape_attr(v)));
        }
        if self.children.is_empty() {
            out.push_str("/>");
        } else {
            out.push('>');
            for c in &self.children {
                match c {
                    Node::El(e) => e.write_into(out, scope),
                    Node::Text(t) => out.push_str(&escape_text(t)),
                }
            }
            out.push_str(&format!("</{name}>"));
        }
        scope.pop();
    }
}

/// The qualified name for `{uri}local` in `scope`, declaring a prefix (recorded in `decls` and
/// bound in `scope`) when none is usable.
fn qualify(
    scope: &mut Scope,
    decls: &mut Vec<(String, String)>,
    uri: &str,
    local: &str,
    element: bool,
) -> String {
    if uri == ns::XML {
        return format!("xml:{local}");
    }
    if let Some(p) = scope.prefix_of(uri, element) {
        return if p.is_empty() {
            local.to_string()
        } else {
            format!("{p}:{local}")
        };
    }
    let usual = ns::usual_prefix(uri);
    let prefix = std::iter::once(usual.to_string())
        .chain((1..).map(|n| format!("{usual}{n}")))
        .find(|p| scope.uri(p).is_none())
        .unwrap_or_else(|| usual.to_string());
    scope.bind(&prefix, uri);
    decls.push((prefix.clone(), uri.to_string()));
    format!("{prefix}:{local}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use quick_xml::events::BytesStart;

    fn el() -> El {
        El::new(ns::W, "r").child(
            El::new(ns::W, "t")
                .ns_attr(ns::XML, "space", "preserve")
                .text("a<b"),
        )
    }

    #[test]
    fn reuses_prefixes_in_scope() {
        let mut s = Scope::default();
        s.push(&BytesStart::from_content(
            format!("w:document xmlns:w=\"{}\"", ns::W),
            10,
        ));
        assert_eq!(
            el().write(&s),
            "<w:r><w:t xml:space=\"preserve\">a&lt;b</w:t></w:r>"
        );
    }

    #[test]
    fn default_namespace_for_elements_prefix_for_attributes() {
        let mut s = Scope::default();
        s.push(&BytesStart::from_content(
            format!("document xmlns=\"{}\"", ns::W),
            8,
        ));
        let jc = El::new(ns::W, "jc").ns_attr(ns::W, "val", "right");
        assert_eq!(
            jc.write(&s),
            format!("<jc xmlns:w=\"{}\" w:val=\"right\"/>", ns::W)
        );
    }

    #[test]
    fn declares_fresh_prefix_when_usual_one_is_taken() {
        let mut s = Scope::default();
        s.push(&BytesStart::from_content("doc xmlns:w=\"urn:other\"", 3));
        assert_eq!(
            El::new(ns::W, "r").write(&s),
            format!("<w1:r xmlns:w1=\"{}\"/>", ns::W)
        );
    }
}
