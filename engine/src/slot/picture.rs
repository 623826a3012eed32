//! The pictures of a slot: the empty frame shown until it is sealed, and the two a filling
//! signature carries — the seal as it shows when the signature holds (`idValidSigLnImg`) and
//! crossed out for when it breaks (`idInvalidSigLnImg`, [MS-OI29500] §3.7.1.18). PNG: LibreOffice
//! reads any format its graphic filters know, and Word 2010 and later take PNG (Apache POI and
//! docx4j write it).

use crate::error::{Error, Result};
use crate::seal::draw::{covering_family, fonts, render_svg};
use crate::xml::escape_text;

/// Resolution of the placeholder: enough for print, small in the package.
const PLACEHOLDER_DPI: u32 = 200;

/// An empty frame with the slot's label, the expected signer and "seal here" in both languages.
pub fn placeholder(label: &str, hint: Option<&str>, (w, h): (f64, f64)) -> Result<Vec<u8>> {
    let all = format!("{label}{}盖章处 Seal here", hint.unwrap_or(""));
    let family = covering_family(&fonts(), &all).ok_or_else(|| {
        Error::Picture(format!(
            "no installed font has glyphs for every character of {all:?}; install fonts-noto-cjk"
        ))
    })?;
    let (w, h) = (w as f32, h as f32);
    let big = (h * 0.13).min(w / (label.chars().count().max(6) as f32 * 0.62));
    let small = big * 0.7;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}mm\" height=\"{h}mm\" viewBox=\"0 0 {w} {h}\">\
<rect x=\"0.5\" y=\"0.5\" width=\"{rw}\" height=\"{rh}\" rx=\"2\" fill=\"none\" stroke=\"#8c8c8c\" stroke-width=\"0.45\" stroke-dasharray=\"2.2 1.4\"/>\
<g font-family=\"{family}\" text-anchor=\"middle\" fill=\"#6e6e6e\">\
<text x=\"{cx}\" y=\"{ly}\" font-size=\"{big}\" font-weight=\"bold\">{label}</text>",
        rw = w - 1.0,
        rh = h - 1.0,
        cx = w / 2.0,
        ly = h * 0.45,
        label = escape_text(label),
    );
    if let Some(hint) = hint {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"{small}\">{}</text>",
            w / 2.0,
            h * 0.45 + big * 1.3,
            escape_text(hint)
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"#9a9a9a\">盖章处 · Seal here</text></g></svg>",
        w / 2.0,
        h - big * 0.9,
        small * 0.85
    ));
    render_svg(&svg, w, h, PLACEHOLDER_DPI)
}

/// The seal picture fitted into a slot of `size_pt` (centred, aspect kept, transparent around),
/// and the same crossed out: the valid and invalid line images.
pub fn fill_images(seal_png: &[u8], size_pt: Option<(f64, f64)>) -> Result<(Vec<u8>, Vec<u8>)> {
    let seal = image::load_from_memory_with_format(seal_png, image::ImageFormat::Png)
        .map_err(|e| Error::Picture(e.to_string()))?
        .to_rgba8();
    let (sw, sh) = seal.dimensions();
    let valid = match size_pt {
        Some((w, h)) if w > 0.0 && h > 0.0 && ((w / h) - (sw as f64 / sh as f64)).abs() > 0.01 => {
            // Pad to the slot's aspect: the line image is stretched over the whole shape.
            let (cw, ch) = if w / h > sw as f64 / sh as f64 {
                (((sh as f64) * w / h).round() as u32, sh)
            } else {
                (sw, ((sw as f64) * h / w).round() as u32)
            };
            let mut canvas = image::RgbaImage::new(cw.max(1), ch.max(1));
            // Copied, not blended: the verifier finds the seal's own pixels in the middle.
            image::imageops::replace(
                &mut canvas,
                &seal,
                i64::from(cw.saturating_sub(sw) / 2),
                i64::from(ch.saturating_sub(sh) / 2),
            );
            let mut out = Vec::new();
            canvas
                .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
                .map_err(|e| Error::Picture(e.to_string()))?;
            out
        }
        _ => seal_png.to_vec(),
    };
    let invalid = crate::seal::cross_out::cross_out(&valid)?;
    Ok((valid, invalid))
}
