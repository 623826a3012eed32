//! What we refuse in any XML part before a parser sees it: document type declarations (they carry
//! entity declarations, the way into XXE and billion-laughs), and nesting beyond a fixed depth.

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::{Error, LimitError, Result};

/// Decodes a part to UTF-8 text (UTF-8 with or without BOM, or UTF-16 with BOM, as XML allows).
pub fn xml_text<'a>(part: &str, bytes: &'a [u8]) -> Result<std::borrow::Cow<'a, str>> {
    use std::borrow::Cow;
    let utf16 = |be: bool| -> Result<Cow<'a, str>> {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if be {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units)
            .map(Cow::Owned)
            .map_err(|_| Error::xml(part, "invalid UTF-16"))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => std::str::from_utf8(rest).map(Cow::Borrowed),
        [0xFF, 0xFE, ..] => return utf16(false),
        [0xFE, 0xFF, ..] => return utf16(true),
        _ => std::str::from_utf8(bytes).map(Cow::Borrowed),
    }
    .map_err(|e| Error::xml(part, format!("not UTF-8 text ({e})")))
}

/// True when the start of an XML part (as stored) declares a document type. Checked on the raw
/// bytes so that parts we only hash are covered too; UTF-16 is matched as well.
pub fn has_doctype(prefix: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"<!DOCTYPE";
    const NEEDLE16: &[u8] = b"<\0!\0D\0O\0C\0T\0Y\0P\0E\0";
    const NEEDLE16BE: &[u8] = b"\0<\0!\0D\0O\0C\0T\0Y\0P\0E";
    [NEEDLE, NEEDLE16, NEEDLE16BE]
        .iter()
        .any(|n| memchr::memmem::find(prefix, n).is_some())
}

/// Refuses DTDs and excessive depth in a whole part; returns the text for a parser to use.
pub fn check<'a>(
    part: &str,
    bytes: &'a [u8],
    max_depth: usize,
) -> Result<std::borrow::Cow<'a, str>> {
    let text = xml_text(part, bytes)?;
    let mut reader = Reader::from_str(&text);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::DocType(_)) => {
                return Err(Error::xml(
                    part,
                    "document type declarations (DTD, entities) are refused",
                ))
            }
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > max_depth {
                    return Err(LimitError::XmlTooDeep {
                        part: part.to_string(),
                        limit: max_depth,
                    }
                    .into());
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(Error::xml(
                    part,
                    format!("malformed XML at byte {}: {e}", reader.buffer_position()),
                ))
            }
        }
    }
    Ok(text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn refuses_doctype_and_depth() {
        let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><a>&lol;</a>"#;
        assert!(check("/x.xml", laughs, 10).is_err());
        assert!(has_doctype(laughs));
        let deep = "<a>".repeat(20) + &"</a>".repeat(20);
        assert!(matches!(
            check("/x.xml", deep.as_bytes(), 10),
            Err(Error::Limit(_))
        ));
        assert!(check("/x.xml", b"<a><b/></a>", 10).is_ok());
    }
}
