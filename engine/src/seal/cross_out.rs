//! A seal crossed out: what a seal whose signature no longer holds looks like, in the slot's
//! "invalid" line image and in `verify --mark` copies.

use crate::error::{Error, Result};

/// The picture with a grey cross and INVALID drawn over it.
pub fn cross_out(png: &[u8]) -> Result<Vec<u8>> {
    let mut img = image::load_from_memory(png)
        .map_err(|e| Error::Picture(e.to_string()))?
        .to_rgba8();
    let (w, h) = img.dimensions();
    let (wf, hf) = (w as f32, h as f32);
    let stroke = wf.min(hf) * 0.07;
    let font = (wf * 0.2).min(hf * 0.3);
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\
<g stroke=\"#7a7a7a\" stroke-width=\"{stroke}\" stroke-linecap=\"round\" opacity=\"0.9\"><line x1=\"{s}\" y1=\"{s}\" x2=\"{x2}\" y2=\"{y2}\"/><line x1=\"{x2}\" y1=\"{s}\" x2=\"{s}\" y2=\"{y2}\"/></g>\
<rect x=\"0\" y=\"{ry}\" width=\"{w}\" height=\"{rh}\" fill=\"#ffffff\" opacity=\"0.85\"/>\
<text x=\"{cx}\" y=\"{ty}\" font-family=\"DejaVu Sans, Liberation Sans, sans-serif\" font-weight=\"bold\" font-size=\"{font}\" fill=\"#505050\" text-anchor=\"middle\">INVALID</text></svg>",
        s = stroke,
        x2 = wf - stroke,
        y2 = hf - stroke,
        ry = hf / 2.0 - font * 0.75,
        rh = font * 1.3,
        cx = wf / 2.0,
        ty = hf / 2.0 + font * 0.35
    );
    let opt = resvg::usvg::Options {
        fontdb: crate::seal::draw::fonts(),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(&svg, &opt)
        .map_err(|e| Error::Picture(format!("drawing the cross: {e}")))?;
    let mut overlay =
        resvg::tiny_skia::Pixmap::new(w, h).ok_or_else(|| Error::Picture("too large".into()))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::identity(),
        &mut overlay.as_mut(),
    );
    for (px, o) in img.pixels_mut().zip(overlay.pixels()) {
        let o = o.demultiply();
        let a = o.alpha() as f32 / 255.0;
        let blend =
            |under: u8, over: u8| (over as f32 * a + under as f32 * (1.0 - a)).round() as u8;
        px.0 = [
            blend(px[0], o.red()),
            blend(px[1], o.green()),
            blend(px[2], o.blue()),
            (a * 255.0 + px[3] as f32 * (1.0 - a)).round() as u8,
        ];
    }
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| Error::Picture(e.to_string()))?;
    Ok(out)
}
