//! The text of WordprocessingML paragraphs, with a map from each character back to its place in
//! the XML, so a keyword split across runs ("Example " in one run, "Trading Co." in the next) is
//! still found, and the run holding any of its characters can be split there. Elements are
//! matched by namespace: `w:p`, `ns0:p` and a default-namespace `p` are the same paragraph.

use quick_xml::events::Event;

use crate::error::{Error, Result};
use crate::xml::ns::W;
use crate::xml::{Scanner, Scope};

/// A `w:t` element's text, in a run.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Character offset of this segment in the paragraph text.
    pub start_char: usize,
    /// Byte offset in the XML of each character of the segment, and one past the last.
    pub char_bytes: Vec<usize>,
    /// Byte range of the `<w:t ...>` start tag.
    pub t_tag: (usize, usize),
    /// The `w:t` element's name as written, to close it.
    pub t_name: String,
    /// The run's start tag, verbatim, to open the second half of a split run.
    pub run_tag: String,
    /// The run's name as written, to close it.
    pub run_name: String,
    /// The run's properties, verbatim (`<w:rPr>...</w:rPr>`), to repeat when the run is split.
    pub rpr: String,
    /// The run's font size in points, when it says.
    pub size_pt: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Paragraph {
    pub text: String,
    pub segments: Vec<Segment>,
    /// The bindings in scope inside the paragraph: what a run inserted into it sees.
    pub scope: Scope,
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

/// The paragraphs of a part, and the page geometry its section properties give.
#[derive(Debug, Clone, Default)]
pub struct TextMap {
    pub paragraphs: Vec<Paragraph>,
    /// The last `w:pgSz/@w:w` and `w:pgMar` left and right margins, in twentieths of a point.
    pub page_width: Option<f64>,
    pub margins: (Option<f64>, Option<f64>),
}

impl TextMap {
    /// The width of the text column in points (A4 with 2.5 cm margins when the part does not say).
    pub fn text_width_pt(&self) -> f64 {
        let twips = match (self.page_width, self.margins) {
            (Some(w), (Some(l), Some(r))) => w - l - r,
            _ => 11_906.0 - 2.0 * 1_418.0,
        };
        (twips / 20.0).max(72.0)
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

/// The run being read.
#[derive(Default)]
struct Run {
    tag: String,
    name: String,
    depth: usize,
    rpr: String,
    rpr_start: Option<usize>,
    size_pt: Option<f64>,
}

/// Every paragraph of a part (innermost `w:p` for nested ones, such as text boxes).
pub fn paragraphs(part: &str, xml: &str) -> Result<TextMap> {
    let mut s = Scanner::new(xml);
    let mut map = TextMap::default();
    let mut stack: Vec<Paragraph> = Vec::new();
    // Runs being read, innermost last (a text box's runs sit inside a drawing inside a run).
    let mut runs: Vec<Run> = Vec::new();
    let mut in_t: Option<((usize, usize), String)> = None;
    let twips = |s: &Scanner, e: &quick_xml::events::BytesStart, name: &str| {
        s.attr(e, Some(W), name)
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    while let Some(item) = s
        .next_item()
        .map_err(|e| Error::xml(part, format!("malformed XML: {e}")))?
    {
        match &item.event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(item.event, Event::Empty(_));
                let depth = s.scope().depth();
                if s.is(e, W, "p") && !empty {
                    stack.push(Paragraph {
                        text: String::new(),
                        segments: vec![],
                        scope: s.scope().clone(),
                    });
                } else if s.is(e, W, "r") && !empty {
                    runs.push(Run {
                        tag: xml[item.start..item.end].to_string(),
                        name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                        depth,
                        ..Run::default()
                    });
                } else if let Some(r) = runs.last_mut() {
                    let in_run = depth == r.depth + 1;
                    if s.is(e, W, "rPr") && in_run {
                        if empty {
                            r.rpr = xml[item.start..item.end].to_string();
                        } else {
                            r.rpr_start = Some(item.start);
                        }
                    } else if s.is(e, W, "sz") && r.rpr_start.is_some() {
                        r.size_pt = s
                            .attr(e, Some(W), "val")
                            .and_then(|v| v.trim().parse::<f64>().ok())
                            .map(|half| half / 2.0);
                    } else if s.is(e, W, "t") && in_run && !empty {
                        in_t = Some((
                            (item.start, item.end),
                            String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                        ));
                    } else if s.is(e, W, "tab") && in_run && in_t.is_none() {
                        if let Some(p) = stack.last_mut() {
                            p.text.push('\t');
                        }
                    }
                }
                if s.is(e, W, "pgSz") {
                    map.page_width = twips(&s, e, "w").or(map.page_width);
                } else if s.is(e, W, "pgMar") {
                    map.margins = (twips(&s, e, "left"), twips(&s, e, "right"));
                }
            }
            Event::Text(_) => {
                if let (Some(p), Some((tag, t_name)), Some(r)) =
                    (stack.last_mut(), &in_t, runs.last())
                {
                    let (text, offs) = char_offsets(&xml[item.start..item.end], item.start);
                    p.segments.push(Segment {
                        start_char: p.text.chars().count(),
                        char_bytes: offs,
                        t_tag: *tag,
                        t_name: t_name.clone(),
                        run_tag: r.tag.clone(),
                        run_name: r.name.clone(),
                        rpr: r.rpr.clone(),
                        size_pt: r.size_pt,
                    });
                    p.text.push_str(&text);
                }
            }
            Event::End(e) => {
                if s.is_end(e, W, "t") {
                    in_t = None;
                } else if s.is_end(e, W, "rPr") {
                    // The run's own properties, not those of a tracked change inside them.
                    if let Some(r) = runs.last_mut().filter(|r| s.scope().depth() == r.depth + 1) {
                        if let Some(start) = r.rpr_start.take() {
                            r.rpr = xml[start..item.end].to_string();
                        }
                    }
                } else if s.is_end(e, W, "r") {
                    if runs.last().is_some_and(|r| r.depth == s.scope().depth()) {
                        runs.pop();
                    }
                } else if s.is_end(e, W, "p") {
                    if let Some(p) = stack.pop() {
                        map.paragraphs.push(p);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(map)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn finds_text_split_across_runs_and_entities() {
        let xml = format!(
            r#"<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Example Tra</w:t></w:r><w:r><w:t>ding &amp; Co.</w:t></w:r></w:p></w:body></w:document>"#
        );
        let ps = paragraphs("t", &xml).unwrap().paragraphs;
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

    #[test]
    fn default_namespace_paragraphs() {
        let xml = format!(
            r#"<document xmlns="{W}"><body><p><r><t>Seal here</t></r></p></body></document>"#
        );
        let ps = paragraphs("t", &xml).unwrap().paragraphs;
        assert_eq!(ps[0].text, "Seal here");
        assert_eq!(ps[0].segments[0].run_name, "r");
        assert_eq!(ps[0].segments[0].t_name, "t");
    }
}
