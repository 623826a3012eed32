//! The round official seal: an outer ring, the unit name along the upper arc, a five-pointed star
//! in the middle, a line of text below it and an optional serial along the lower arc — red ink on
//! a transparent ground. Drawn as SVG (millimetre units) and rendered by resvg with the system's
//! fonts; a name no installed font can show is refused rather than drawn as empty boxes.

use std::sync::{Arc, OnceLock};

use resvg::usvg::{self, fontdb};

use crate::error::{Error, Result};
use crate::xml::escape_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The official seal.
    Round,
    /// The finance seal: an oval, 4:3.
    Oval,
}

#[derive(Debug, Clone)]
pub struct SealSpec {
    pub name: String,
    pub text: Option<String>,
    pub serial: Option<String>,
    pub size_mm: f32,
    pub color: [u8; 3],
    pub dpi: u32,
    pub shape: Shape,
}

impl SealSpec {
    pub fn new(name: &str) -> Self {
        SealSpec {
            name: name.to_string(),
            text: None,
            serial: None,
            size_mm: 42.0,
            color: [0xd4, 0, 0],
            dpi: 600,
            shape: Shape::Round,
        }
    }
    fn width_mm(&self) -> f32 {
        self.size_mm
    }
    fn height_mm(&self) -> f32 {
        match self.shape {
            Shape::Round => self.size_mm,
            Shape::Oval => self.size_mm * 0.75,
        }
    }
}

/// Fonts we ask for, in order: CJK-capable first so Chinese unit names render.
pub const FONT_FAMILIES: &[&str] = &[
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
    "WenQuanYi Zen Hei",
    "DejaVu Sans",
    "Liberation Sans",
];

/// The system's fonts, loaded once.
pub fn fonts() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        Arc::new(db)
    })
    .clone()
}

/// Parses "#d40000" or "d40000".
pub fn parse_color(s: &str) -> Result<[u8; 3]> {
    let h = s.trim_start_matches('#');
    let bad = || Error::arg(format!("--color {s:?}"), "expected a colour like #d40000");
    if h.len() != 6 {
        return Err(bad());
    }
    let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).map_err(|_| bad());
    Ok([byte(0)?, byte(2)?, byte(4)?])
}

/// The first of our font families that has a glyph for every character of `text`.
pub fn covering_family(db: &fontdb::Database, text: &str) -> Option<&'static str> {
    FONT_FAMILIES.iter().copied().find(|family| {
        let query = fontdb::Query {
            families: &[fontdb::Family::Name(family)],
            ..fontdb::Query::default()
        };
        let Some(id) = db.query(&query) else {
            return false;
        };
        db.with_face_data(id, |data, index| {
            ttf_parser::Face::parse(data, index)
                .map(|face| {
                    text.chars()
                        .filter(|c| !c.is_whitespace())
                        .all(|c| face.glyph_index(c).is_some())
                })
                .unwrap_or(false)
        })
        .unwrap_or(false)
    })
}

/// CJK and full-width characters: square glyphs, a line may break between any two.
pub(crate) fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Advance of a string in em, measured with the font that will draw it (bold, as the seal is),
/// or estimated when the font cannot be read: CJK glyphs are square, Latin ones about 0.6 em.
fn advance_em(text: &str, family: &str) -> f32 {
    let db = fonts();
    let query = fontdb::Query {
        families: &[fontdb::Family::Name(family)],
        weight: fontdb::Weight::BOLD,
        ..fontdb::Query::default()
    };
    let measured = db.query(&query).and_then(|id| {
        db.with_face_data(id, |data, index| {
            let face = ttf_parser::Face::parse(data, index).ok()?;
            let upem = face.units_per_em() as f32;
            text.chars()
                .map(|c| {
                    face.glyph_index(c)
                        .and_then(|g| face.glyph_hor_advance(g))
                        .map(|a| a as f32 / upem)
                })
                .sum::<Option<f32>>()
        })?
    });
    measured.unwrap_or_else(|| {
        text.chars()
            .map(|c| {
                if is_wide(c) {
                    1.0
                } else if c == ' ' {
                    0.3
                } else {
                    0.62
                }
            })
            .sum()
    })
}

/// The seal as an SVG document in millimetres. `family` is the font family to use.
pub fn svg(spec: &SealSpec, family: &str) -> String {
    let (w, h) = (spec.width_mm(), spec.height_mm());
    let (cx, cy) = (w / 2.0, h / 2.0);
    let ring = w * 0.035;
    let color = format!(
        "#{:02x}{:02x}{:02x}",
        spec.color[0], spec.color[1], spec.color[2]
    );
    let (rx, ry) = (w / 2.0 - ring / 2.0 - 0.2, h / 2.0 - ring / 2.0 - 0.2);
    let mut s = String::new();
    s.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{w}mm\" height=\"{h}mm\" viewBox=\"0 0 {w} {h}\">"
    ));
    s.push_str(&format!(
        "<ellipse cx=\"{cx}\" cy=\"{cy}\" rx=\"{rx:.3}\" ry=\"{ry:.3}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{ring:.3}\"/>"
    ));

    // The name along the upper arc, 240° of it, glyph tops towards the ring.
    // 240° of arc is 4.19 radii; the name may use 92% of it, the rest keeps its ends apart.
    let name_size = fit_font(
        &spec.name,
        family,
        w * 0.13,
        4.19 * ((rx + ry) / 2.0 - ring - w * 0.11) * 0.88,
    );
    let (ax, ay) = (
        rx - ring * 0.9 - name_size * 0.95,
        ry - ring * 0.9 - name_size * 0.95,
    );
    let arc = arc_path(cx, cy, ax, ay, 210.0, -30.0, true);
    let spacing = letter_spacing(&spec.name, family, name_size, 4.19 * (ax + ay) / 2.0 * 0.88);
    s.push_str(&format!("<defs><path id=\"upper\" d=\"{arc}\"/>"));
    let serial_size = w * 0.055;
    if spec.serial.is_some() {
        let (bx, by) = (
            rx - ring * 0.9 - serial_size * 0.2,
            ry - ring * 0.9 - serial_size * 0.2,
        );
        s.push_str(&format!(
            "<path id=\"lower\" d=\"{}\"/>",
            arc_path(cx, cy, bx, by, 235.0, 305.0, false)
        ));
    }
    s.push_str("</defs>");
    s.push_str(&format!(
        "<text font-family=\"{family}\" font-size=\"{name_size:.3}\" font-weight=\"bold\" fill=\"{color}\" letter-spacing=\"{spacing:.3}\"><textPath xlink:href=\"#upper\" startOffset=\"50%\" text-anchor=\"middle\">{}</textPath></text>",
        escape_text(&spec.name)
    ));

    // The five-pointed star.
    let r_star = w.min(h) * 0.17;
    s.push_str(&format!(
        "<path d=\"{}\" fill=\"{color}\"/>",
        star(cx, cy - h * 0.01, r_star)
    ));

    if let Some(text) = &spec.text {
        let size = fit_font(text, family, w * 0.075, w * 0.5);
        s.push_str(&format!(
            "<text x=\"{cx}\" y=\"{:.3}\" font-family=\"{family}\" font-size=\"{size:.3}\" font-weight=\"bold\" fill=\"{color}\" text-anchor=\"middle\">{}</text>",
            cy + h * 0.26,
            escape_text(text)
        ));
    }
    if let Some(serial) = &spec.serial {
        s.push_str(&format!(
            "<text font-family=\"{family}\" font-size=\"{serial_size:.3}\" fill=\"{color}\" letter-spacing=\"{:.3}\"><textPath xlink:href=\"#lower\" startOffset=\"50%\" text-anchor=\"middle\">{}</textPath></text>",
            serial_size * 0.12,
            escape_text(serial)
        ));
    }
    s.push_str("</svg>");
    s
}

/// A font size no larger than `max` at which `text` fits in `room` millimetres.
fn fit_font(text: &str, family: &str, max: f32, room: f32) -> f32 {
    let em = advance_em(text, family).max(1.0);
    (room / em).min(max)
}

/// Spacing that spreads the text over most of the arc, as seal engravers do.
fn letter_spacing(text: &str, family: &str, size: f32, arc_len: f32) -> f32 {
    let n = text.chars().count().max(1) as f32;
    ((arc_len - advance_em(text, family) * size) / n).clamp(0.0, size * 0.8)
}

/// An elliptical arc from angle `a0` to `a1` (degrees, counter-clockwise from 3 o'clock).
/// `over_top` draws it clockwise on screen (through 12 o'clock), else through 6 o'clock.
fn arc_path(cx: f32, cy: f32, rx: f32, ry: f32, a0: f32, a1: f32, over_top: bool) -> String {
    let p = |a: f32| {
        (
            cx + rx * a.to_radians().cos(),
            cy - ry * a.to_radians().sin(),
        )
    };
    let (x0, y0) = p(a0);
    let (x1, y1) = p(a1);
    let sweep_deg = if over_top { a0 - a1 } else { a1 - a0 };
    let large = if sweep_deg > 180.0 { 1 } else { 0 };
    let sweep = if over_top { 1 } else { 0 };
    format!("M {x0:.3} {y0:.3} A {rx:.3} {ry:.3} 0 {large} {sweep} {x1:.3} {y1:.3}")
}

fn star(cx: f32, cy: f32, r: f32) -> String {
    let inner = r * 0.382;
    let mut d = String::new();
    for i in 0..10 {
        let rr = if i % 2 == 0 { r } else { inner };
        let a = (90.0 + 36.0 * i as f32).to_radians();
        let (x, y) = (cx + rr * a.cos(), cy - rr * a.sin());
        d.push_str(&format!(
            "{}{x:.3} {y:.3} ",
            if i == 0 { "M " } else { "L " }
        ));
    }
    d.push('Z');
    d
}

/// Renders the seal to a PNG with an alpha channel.
pub fn render_png(spec: &SealSpec) -> Result<Vec<u8>> {
    let db = fonts();
    let all_text = format!(
        "{}{}{}",
        spec.name,
        spec.text.as_deref().unwrap_or(""),
        spec.serial.as_deref().unwrap_or("")
    );
    let family = covering_family(&db, &all_text).ok_or_else(|| {
        Error::Picture(format!(
            "no installed font has glyphs for every character of {all_text:?}; install fonts-noto-cjk"
        ))
    })?;
    let svg = svg(spec, family);
    render_svg(&svg, spec.width_mm(), spec.height_mm(), spec.dpi)
}

/// Renders an SVG sized in millimetres at `dpi`.
pub fn render_svg(svg: &str, w_mm: f32, h_mm: f32, dpi: u32) -> Result<Vec<u8>> {
    let opt = usvg::Options {
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opt)
        .map_err(|e| Error::Picture(format!("seal drawing: {e}")))?;
    let px = |mm: f32| ((mm / 25.4) * dpi as f32).round().max(1.0) as u32;
    let (pw, ph) = (px(w_mm), px(h_mm));
    let mut pixmap = resvg::tiny_skia::Pixmap::new(pw, ph)
        .ok_or_else(|| Error::Picture("seal picture too large".into()))?;
    let size = tree.size();
    let transform = resvg::tiny_skia::Transform::from_scale(
        pw as f32 / size.width(),
        ph as f32 / size.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| Error::Picture(format!("encoding the seal picture: {e}")))
}
