//! `[Content_Types].xml` (ECMA-376 Part 2 §10.1.2): Default by extension, Override by part name.
//! Read by namespace (Office writes `<Types>`, some tools `<ns0:Types>`), and extended in the
//! package's own style.

use std::collections::HashMap;

use quick_xml::events::Event;

use super::part_name::{name_key, PartName};
use crate::error::{Error, Result};
use crate::xml::{edit, ns, El, Scanner};

pub const PART: &str = "/[Content_Types].xml";

#[derive(Debug, Clone, Default)]
pub struct ContentTypes {
    defaults: HashMap<String, String>,
    overrides: HashMap<String, String>,
}

/// How a new part gets its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declaration {
    /// A `Default` for the extension already gives it.
    Present,
    Default {
        extension: String,
    },
    Override,
}

impl ContentTypes {
    pub fn parse(text: &str) -> Result<Self> {
        let mut ct = ContentTypes::default();
        let mut s = Scanner::new(text);
        let bad = |e| Error::xml(PART, format!("malformed XML: {e}"));
        let mut root_seen = false;
        while let Some(item) = s.next_item().map_err(bad)? {
            let (Event::Start(e) | Event::Empty(e)) = &item.event else {
                continue;
            };
            if !root_seen {
                if !s.is(e, ns::CT, "Types") {
                    return Err(Error::xml(
                        PART,
                        "the root element is not a content-types <Types>",
                    ));
                }
                root_seen = true;
            } else if s.is(e, ns::CT, "Default") {
                if let (Some(ext), Some(t)) =
                    (s.attr(e, None, "Extension"), s.attr(e, None, "ContentType"))
                {
                    // §10.1.2.2.2: extensions compare case-insensitively; a second Default for one
                    // is a second answer to which type a part has.
                    if ct.defaults.insert(ext.to_ascii_lowercase(), t).is_some() {
                        return Err(Error::AmbiguousContentTypes(format!(
                            "two Defaults for the extension {ext:?}"
                        )));
                    }
                }
            } else if s.is(e, ns::CT, "Override") {
                if let (Some(p), Some(t)) =
                    (s.attr(e, None, "PartName"), s.attr(e, None, "ContentType"))
                {
                    if ct.overrides.insert(name_key(&p), t).is_some() {
                        return Err(Error::AmbiguousContentTypes(format!(
                            "two Overrides for the part {p} (part names compare case-insensitively)"
                        )));
                    }
                }
            }
        }
        if !root_seen {
            return Err(Error::xml(PART, "no <Types> element"));
        }
        Ok(ct)
    }

    /// The content type of a part, by override first, then by extension.
    pub fn of(&self, part: &PartName) -> Option<&str> {
        if let Some(t) = self.overrides.get(&part.key()) {
            return Some(t);
        }
        part.extension()
            .and_then(|ext| self.defaults.get(&ext))
            .map(String::as_str)
    }

    /// How to give `part` the type `content_type` in this package's style: nothing when a Default
    /// already does; a Default for an extension the package does not use yet (as Office writes
    /// `png`, `rels`, `sigs`); otherwise an Override, which changes no other part's type — the
    /// package that lists each relationships part as an Override gets one more Override.
    pub fn declaration(
        &self,
        part: &PartName,
        content_type: &str,
        extension_in_use: bool,
    ) -> Declaration {
        match part.extension() {
            Some(ext) => match self.defaults.get(&ext) {
                Some(t) if t == content_type => Declaration::Present,
                Some(_) => Declaration::Override,
                None if extension_in_use => Declaration::Override,
                None => Declaration::Default { extension: ext },
            },
            None => Declaration::Override,
        }
    }

    /// Records a declaration in the model (the XML is edited by [`declare`]).
    fn record(&mut self, part: &PartName, content_type: &str, d: &Declaration) {
        match d {
            Declaration::Present => {}
            Declaration::Default { extension } => {
                self.defaults
                    .insert(extension.clone(), content_type.to_string());
            }
            Declaration::Override => {
                self.overrides.insert(part.key(), content_type.to_string());
            }
        }
    }
}

/// Adds the declaration to the XML of `[Content_Types].xml` (as the last child of `Types`, with
/// the prefix in use there) and to the model.
pub fn declare(
    xml: &str,
    model: &mut ContentTypes,
    part: &PartName,
    content_type: &str,
    d: &Declaration,
) -> Result<Option<String>> {
    let el = match d {
        Declaration::Present => return Ok(None),
        Declaration::Default { extension } => El::new(ns::CT, "Default")
            .attr("Extension", extension)
            .attr("ContentType", content_type),
        Declaration::Override => El::new(ns::CT, "Override")
            .attr("PartName", part.as_str())
            .attr("ContentType", content_type),
    };
    let root = edit::root(xml, PART, ns::CT, "Types")?;
    let out = edit::append_child(xml, &root, &el.write(&root.inner));
    model.record(part, content_type, d);
    Ok(Some(out))
}

/// Changes the content type an `Override` gives `part`: the element is written anew, in place,
/// with the prefix in use there; everything else stays as it was.
pub fn set_override(
    xml: &str,
    model: &mut ContentTypes,
    part: &PartName,
    content_type: &str,
) -> Result<String> {
    let mut s = Scanner::new(xml);
    let bad = |e| Error::xml(PART, format!("malformed XML: {e}"));
    while let Some(item) = s.next_item().map_err(bad)? {
        let (Event::Start(e) | Event::Empty(e)) = &item.event else {
            continue;
        };
        if !s.is(e, ns::CT, "Override")
            || s.attr(e, None, "PartName").map(|p| name_key(&p)) != Some(part.key())
        {
            continue;
        }
        let mut scope = s.scope().clone();
        // The new element carries the same declarations the old one made for itself.
        scope.pop();
        let el = El::new(ns::CT, "Override")
            .attr("PartName", part.as_str())
            .attr("ContentType", content_type)
            .write(&scope);
        let end = match item.event {
            Event::Empty(_) => item.end,
            _ => {
                // An Override has no content; skip to its end tag.
                let mut end = item.end;
                while let Some(next) = s.next_item().map_err(bad)? {
                    if matches!(next.event, Event::End(_)) {
                        end = next.end;
                        break;
                    }
                }
                end
            }
        };
        model.overrides.insert(part.key(), content_type.to_string());
        return Ok(format!("{}{el}{}", &xml[..item.start], &xml[end..]));
    }
    Err(Error::xml(
        PART,
        format!("no Override gives {part} its content type"),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_types_read_and_extended_in_place() {
        let xml = format!(
            "<ns0:Types xmlns:ns0=\"{}\"><ns0:Override PartName=\"/_rels/.rels\" ContentType=\"r\"/></ns0:Types>",
            ns::CT
        );
        let mut ct = ContentTypes::parse(&xml).unwrap();
        let rels = PartName::new("/_rels/.rels").unwrap();
        assert_eq!(ct.of(&rels), Some("r"));
        let new = PartName::new("/word/_rels/document.xml.rels").unwrap();
        let d = ct.declaration(&new, "r", true);
        assert_eq!(d, Declaration::Override);
        let out = declare(&xml, &mut ct, &new, "r", &d).unwrap().unwrap();
        assert!(out.ends_with("<ns0:Override PartName=\"/word/_rels/document.xml.rels\" ContentType=\"r\"/></ns0:Types>"));
        assert_eq!(ct.of(&new), Some("r"));
        let png = PartName::new("/word/media/a.png").unwrap();
        assert_eq!(
            ct.declaration(&png, "image/png", false),
            Declaration::Default {
                extension: "png".into()
            }
        );
    }

    #[test]
    fn foreign_root_refused() {
        assert!(ContentTypes::parse("<Types xmlns=\"urn:x\"/>").is_err());
    }
}
