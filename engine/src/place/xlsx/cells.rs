//! Cells: references ("E20", ECMA-376 Part 1 §18.17.2.3 A1 style) and the cells whose shown text
//! contains a keyword (shared, inline and formula strings), and the used range of a sheet.

use quick_xml::events::Event;

use crate::error::{Error, Result};
use crate::opc::PartName;
use crate::xml::ns::SML;
use crate::xml::Scanner;

/// "E20" → (column 4, row 19), zero-based.
pub fn parse_cell(r: &str) -> Option<(u32, u32)> {
    let letters: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits = &r[letters.len()..];
    if letters.is_empty()
        || letters.len() > 3
        || digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let col = letters
        .to_ascii_uppercase()
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + (b - b'A' + 1) as u32)
        - 1;
    let row = digits.parse::<u32>().ok()?.checked_sub(1)?;
    (col < 16_384 && row < 1_048_576).then_some((col, row))
}

/// Cells whose text contains `needle`, in document order.
pub fn with_text(
    part: &PartName,
    xml: &str,
    strings: &[String],
    needle: &str,
) -> Result<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    let mut s = Scanner::new(xml);
    let (mut cell, mut kind) = (None::<(u32, u32)>, String::new());
    let (mut in_v, mut in_t, mut text) = (false, false, String::new());
    while let Some(item) = s
        .next_item()
        .map_err(|e| Error::xml(part.as_str(), format!("malformed XML: {e}")))?
    {
        match &item.event {
            Event::Start(e) if s.is(e, SML, "c") => {
                cell = s.attr(e, None, "r").and_then(|r| parse_cell(&r));
                kind = s.attr(e, None, "t").unwrap_or_default();
                text.clear();
            }
            Event::Start(e) if s.is(e, SML, "v") => in_v = true,
            Event::End(e) if s.is_end(e, SML, "v") => in_v = false,
            Event::Start(e) if s.is(e, SML, "t") => in_t = true,
            Event::End(e) if s.is_end(e, SML, "t") => in_t = false,
            Event::Text(t) if in_v || in_t => text.push_str(&t.unescape().unwrap_or_default()),
            Event::End(e) if s.is_end(e, SML, "c") => {
                let shown = match kind.as_str() {
                    "s" => text
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| strings.get(i))
                        .cloned()
                        .unwrap_or_default(),
                    "inlineStr" | "str" => text.clone(),
                    _ => String::new(),
                };
                if shown.contains(needle) {
                    out.extend(cell);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(parse_cell("A1"), Some((0, 0)));
        assert_eq!(parse_cell("E20"), Some((4, 19)));
        assert_eq!(parse_cell("AA3"), Some((26, 2)));
        assert_eq!(parse_cell("E0"), None);
        assert_eq!(parse_cell("20E"), None);
        assert_eq!(parse_cell("XFE1"), None);
    }
}
