//! Deterministic XML writing: fixed prefixes, fixed attribute order, no pretty-printing, and the
//! escaping rules of C14N so the bytes we write are already close to canonical.

pub use crate::xml::{escape_attr, escape_text};

/// A small builder that appends elements to a string.
#[derive(Default)]
pub struct Xml(pub String);

impl Xml {
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.0.push('<');
        self.0.push_str(name);
        for (k, v) in attrs {
            self.0.push_str(&format!(" {k}=\"{}\"", escape_attr(v)));
        }
        self.0.push('>');
        self
    }
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.0.push_str(&format!("</{name}>"));
        self
    }
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.open(name, attrs);
        self.0.pop();
        self.0.push_str("/>");
        self
    }
    pub fn text_element(&mut self, name: &str, text: &str) -> &mut Self {
        if text.is_empty() {
            return self.empty(name, &[]);
        }
        self.open(name, &[]);
        self.0.push_str(&escape_text(text));
        self.close(name)
    }
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.0.push_str(xml);
        self
    }
}
