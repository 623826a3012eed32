//! How far into its line a character of a paragraph stands, measured with the font the reader will
//! draw it in. A seal floats relative to the keyword's character (`wp:positionH
//! relativeFrom="character"`), which Word and LibreOffice both honour; a VML signature line
//! cannot — LibreOffice's VML import knows page, margin and text (column) as horizontal bases but
//! not `char` (oox `lcl_SetAnchorType`) — so a slot is placed from the column's edge, at the
//! measured width of the text before the keyword.

use crate::seal::draw::{fonts, is_wide};
use resvg::usvg::fontdb;

/// Metric-compatible substitutes readers use when a document's font is not installed (the
/// table LibreOffice ships in VCL.xcu), then the generic fallbacks fontconfig gives here.
const SUBSTITUTES: &[(&str, &str)] = &[
    ("Times New Roman", "Liberation Serif"),
    ("Arial", "Liberation Sans"),
    ("Helvetica", "Liberation Sans"),
    ("Courier New", "Liberation Mono"),
    ("Calibri", "Carlito"),
    ("Cambria", "Caladea"),
];

/// The installed family a reader draws `family` with.
pub fn installed_family(family: &str) -> String {
    let db = fonts();
    let has = |f: &str| {
        db.query(&fontdb::Query {
            families: &[fontdb::Family::Name(f)],
            ..fontdb::Query::default()
        })
        .is_some()
    };
    if has(family) {
        return family.to_string();
    }
    if let Some((_, sub)) = SUBSTITUTES
        .iter()
        .find(|(f, _)| f.eq_ignore_ascii_case(family))
        .filter(|(_, sub)| has(sub))
    {
        return sub.to_string();
    }
    let lower = family.to_ascii_lowercase();
    let serif = [
        "serif", "times", "roman", "cambria", "georgia", "song", "ming", "garamond",
    ]
    .iter()
    .any(|k| lower.contains(k))
        && !lower.contains("sans");
    if serif { "DejaVu Serif" } else { "DejaVu Sans" }.to_string()
}

/// The advance of each character in points in `family` at `size_pt` (regular weight), the font
/// read once; characters the font lacks count as half an em, or a whole one for CJK.
fn advances_pt(chars: &[char], family: &str, size_pt: f64) -> Vec<f64> {
    let db = fonts();
    let query = fontdb::Query {
        families: &[fontdb::Family::Name(family)],
        ..fontdb::Query::default()
    };
    let estimate = |c: char| if is_wide(c) { 1.0 } else { 0.5 };
    let em: Vec<f64> = db
        .query(&query)
        .and_then(|id| {
            db.with_face_data(id, |data, index| {
                let face = ttf_parser::Face::parse(data, index).ok()?;
                let upem = f64::from(face.units_per_em());
                Some(
                    chars
                        .iter()
                        .map(|&c| {
                            face.glyph_index(c)
                                .and_then(|g| face.glyph_hor_advance(g))
                                .map_or(estimate(c), |a| f64::from(a) / upem)
                        })
                        .collect(),
                )
            })?
        })
        .unwrap_or_else(|| chars.iter().map(|&c| estimate(c)).collect());
    em.into_iter().map(|e| e * size_pt).collect()
}

/// The line (from 0) and the distance in points from the line's start of the boundary before
/// character `at` of a paragraph laid out greedily in `width_pt`: words break at spaces, CJK
/// characters anywhere.
pub fn position(text: &str, at: usize, width_pt: f64, family: &str, size_pt: f64) -> (usize, f64) {
    let chars: Vec<char> = text.chars().collect();
    // Tokens: a word with the spaces after it, or one wide character.
    let mut tokens: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        if is_wide(chars[i]) {
            i += 1;
        } else {
            while i < chars.len() && !chars[i].is_whitespace() && !is_wide(chars[i]) {
                i += 1;
            }
        }
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        tokens.push((start, i));
    }
    // Widths from running sums of the characters' advances: the font is read once, not per word.
    let mut sums = vec![0.0f64];
    for w in advances_pt(&chars, family, size_pt) {
        sums.push(sums[sums.len() - 1] + w);
    }
    let width_of = |a: usize, b: usize| sums[b] - sums[a];
    let (mut line, mut x) = (0usize, 0.0f64);
    for &(a, b) in &tokens {
        let word_end = (a..b)
            .rev()
            .find(|&k| !chars[k].is_whitespace())
            .map_or(a, |k| k + 1);
        let w = width_of(a, word_end);
        if x > 0.0 && x + w > width_pt {
            line += 1;
            x = 0.0;
        }
        if at < b {
            return (line, x + width_of(a, at.max(a)));
        }
        x += width_of(a, b);
    }
    (line, x)
}
