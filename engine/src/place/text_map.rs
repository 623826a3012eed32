//! The text of WordprocessingML paragraphs, with a map from each character back to its place in
//! the XML, so a keyword split across runs ("Example " in one run, "Trading Co." in the next) is
//! still found, and the run holding any of its characters can be split there.

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::{Error, Result};

/// A `w:t` element's text.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Character offset of this segment in the paragraph text.
    pub start_char: usize,
    /// Byte offset in the XML of each character of the segment, and one past the last.
    pub char_bytes: Vec<usize>,
    /// Byte range of the `<w:t ...>` start tag.
    pub t_tag: (usize, usize),
    /// The run's properties, verbatim (`<w:rPr>...</w:rPr>`), to repeat when the run is split.
    pub rpr: String,
    /// The run's font size in points, when it says.
    pub size_pt: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Paragraph {
    pub text: String,
    pub segments: Vec<Segment>,
    /// Byte offset just before `</w:p>`.
    pub end: usize,
}

impl Paragraph {
    /// The segment and byte offset of the character at `index`.
    pub fn locate(&self, index: usize) -> Option<(&Segment, usize)> {
        let seg = self
            .segments
            .iter()
            .rev()
            .find(|s| s.start_char <= index && index < s.start_char + s.char_bytes.len() - 1)?;
        Some((seg, seg.char_bytes[index - seg.start_char]))
    }
}

/// Maps each character of an XML text node to its byte offset (entity references count as one).
fn char_offsets(raw: &str, base: usize) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut offs = Vec::new();
    let mut i = 0;
    let bytes = raw.as_bytes();
    while i < raw.len() {
        if bytes[i] == b'&' {
            if let Some(end) = raw[i..].find(';') {
                let ent = &raw[i..=i + end];
                if let Ok(u) = quick_xml::escape::unescape(ent) {
                    for c in u.chars() {
                        text.push(c);
                        offs.push(base + i);
                    }
                    i += end + 1;
                    continue;
                }
            }
        }
        let c = raw[i..].chars().next().unwrap_or('\u{FFFD}');
        text.push(c);
        offs.push(base + i);
        i += c.len_utf8().max(1);
    }
    offs.push(base + raw.len());
    (text, offs)
}

/// Every paragraph of a part (innermost `w:p` for nested ones, such as text boxes).
pub fn paragraphs(part: &str, xml: &str) -> Result<Vec<Paragraph>> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut stack: Vec<Paragraph> = Vec::new();
    let mut rpr = String::new();
    let mut rpr_start: Option<usize> = None;
    let mut size_pt: Option<f64> = None;
    let mut in_t: Option<(usize, usize)> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| Error::xml(part, e))?;
        let after = reader.buffer_position() as usize;
        match ev {
            Event::Start(e) => match e.name().as_ref() {
                b"w:p" => stack.push(Paragraph {
                    text: String::new(),
                    segments: vec![],
                    end: 0,
                }),
                b"w:r" => {
                    rpr.clear();
                    size_pt = None;
                }
                b"w:rPr" => rpr_start = Some(before),
                b"w:t" => in_t = Some((before, after)),
                _ => {}
            },
            Event::Empty(e) => match e.name().as_ref() {
                b"w:tab" if in_t.is_none() => {
                    if let Some(p) = stack.last_mut() {
                        p.text.push('\t');
                    }
                }
                b"w:sz" if rpr_start.is_some() => {
                    if let Ok(Some(v)) = e.try_get_attribute("w:val") {
                        size_pt = String::from_utf8_lossy(&v.value)
                            .parse::<f64>()
                            .ok()
                            .map(|half| half / 2.0);
                    }
                }
                b"w:rPr" => rpr = xml[before..after].to_string(),
                _ => {}
            },
            Event::Text(_) if in_t.is_some() => {
                if let (Some(p), Some(tag)) = (stack.last_mut(), in_t) {
                    let (text, offs) = char_offsets(&xml[before..after], before);
                    p.segments.push(Segment {
                        start_char: p.text.chars().count(),
                        char_bytes: offs,
                        t_tag: tag,
                        rpr: rpr.clone(),
                        size_pt,
                    });
                    p.text.push_str(&text);
                }
            }
            Event::End(e) => match e.name().as_ref() {
                b"w:t" => in_t = None,
                b"w:rPr" => {
                    if let Some(s) = rpr_start.take() {
                        rpr = xml[s..after].to_string();
                    }
                }
                b"w:p" => {
                    if let Some(mut p) = stack.pop() {
                        p.end = before;
                        out.push(p);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
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
    fn finds_text_split_across_runs_and_entities() {
        let xml = r#"<w:document><w:body><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Example Tra</w:t></w:r><w:r><w:t>ding &amp; Co.</w:t></w:r></w:p></w:body></w:document>"#;
        let ps = paragraphs("t", xml).unwrap();
        assert_eq!(ps[0].text, "Example Trading & Co.");
        let (seg, at) = ps[0].locate(13).unwrap();
        assert_eq!(&xml[at..at + 1], "n");
        assert_eq!(seg.rpr, "");
        let (seg, at) = ps[0].locate(2).unwrap();
        assert_eq!(&xml[at..at + 1], "a");
        assert_eq!(seg.rpr, "<w:rPr><w:b/></w:rPr>");
        let (_, at) = ps[0].locate(16).unwrap();
        assert_eq!(&xml[at..at + 5], "&amp;");
    }
}
