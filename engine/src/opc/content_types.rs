//! `[Content_Types].xml` (ECMA-376 Part 2 §10.1.2): Default by extension, Override by part name.

use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::HashMap;

use super::part_name::{name_key, PartName};
use crate::error::{Error, Result};

pub const PART: &str = "/[Content_Types].xml";

#[derive(Debug, Clone, Default)]
pub struct ContentTypes {
    defaults: HashMap<String, String>,
    overrides: HashMap<String, String>,
}

impl ContentTypes {
    pub fn parse(text: &str) -> Result<Self> {
        let mut ct = ContentTypes::default();
        let mut reader = Reader::from_str(text);
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                    let attr = |name: &[u8]| -> Result<Option<String>> {
                        match e.try_get_attribute(name) {
                            Ok(Some(a)) => a
                                .unescape_value()
                                .map(|v| Some(v.into_owned()))
                                .map_err(|err| Error::xml(PART, err)),
                            Ok(None) => Ok(None),
                            Err(err) => Err(Error::xml(PART, err)),
                        }
                    };
                    match e.local_name().as_ref() {
                        b"Default" => {
                            if let (Some(ext), Some(t)) =
                                (attr(b"Extension")?, attr(b"ContentType")?)
                            {
                                ct.defaults.insert(ext.to_ascii_lowercase(), t);
                            }
                        }
                        b"Override" => {
                            if let (Some(p), Some(t)) = (attr(b"PartName")?, attr(b"ContentType")?)
                            {
                                ct.overrides.insert(name_key(&p), t);
                            }
                        }
                        _ => {}
                    }
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => return Err(Error::xml(PART, e)),
            }
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

    pub fn has_default(&self, ext: &str) -> bool {
        self.defaults.contains_key(&ext.to_ascii_lowercase())
    }
}
