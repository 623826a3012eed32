//! `docseal verify --mark`: a copy of a document in which every seal picture that no valid
//! signature binds is crossed out in grey with the word INVALID, and from which the signatures are
//! removed — the copy is plainly not a sealed document, and shows why.

use crate::dsig::names::*;
use crate::dsig::slots::INVALID_IMAGE_ID;
use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::verify::{Report, SealStatus};

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

/// Crosses out the unbound seals of `report` and drops every signature.
pub fn mark(edit: &mut PackageEdit, report: &Report) -> Result<()> {
    for seal in report
        .seals
        .iter()
        .filter(|s| matches!(s.status, SealStatus::Copied | SealStatus::Unbound))
    {
        let Ok(part) = PartName::new(&seal.image_part) else {
            continue;
        };
        if seal.slot.is_none() {
            if !edit.exists(&part) || edit.changes().get(&part).is_some() {
                continue;
            }
            let crossed = cross_out(&edit.read(&part)?)?;
            edit.put(part, crossed);
            continue;
        }
        // A slot whose seal does not hold shows, in the copy, the crossed-out seal its signature
        // carries (`idInvalidSigLnImg`) instead of its empty frame: once the signatures are gone
        // the slot would otherwise look as if no one had sealed it.
        let Some(Ok(signature)) = seal.signature.as_deref().map(PartName::new) else {
            continue;
        };
        if edit.content_type(&part) != Some("image/png") {
            continue;
        }
        if let Some(crossed) = invalid_line_image(edit, &signature) {
            edit.put(part, crossed);
        }
    }
    // No signature survives: the copy must not pass for a sealed document.
    for name in edit.names().into_values() {
        if name.key().starts_with(SIGNATURE_DIR) {
            edit.remove(&name);
        }
    }
    let kept: Vec<_> = edit
        .relationships_of(None)?
        .into_iter()
        .filter(|r| r.rel_type != REL_ORIGIN)
        .collect();
    edit.set_relationships(None, &kept)
}

/// The crossed-out line image a signature carries, when it is a PNG.
fn invalid_line_image(edit: &PackageEdit, signature: &PartName) -> Option<Vec<u8>> {
    let text = edit.read_xml(signature).ok()?;
    let doc = crate::c14n::XmlDoc::parse(signature.as_str(), &text).ok()?;
    let ids = Ids::for_part(signature);
    let node = [ids.of(INVALID_IMAGE_ID), INVALID_IMAGE_ID.to_string()]
        .iter()
        .find_map(|id| doc.elements_with_id(id).pop())?;
    let png = crate::dsig::parse::b64(&node.get_content())?;
    png.starts_with(b"\x89PNG").then_some(png)
}

/// Writes a copy of `input` to `output` with every seal the report does not call bound crossed
/// out and the signatures removed (`verify --mark`); never the input itself.
pub fn mark_file(input: &std::path::Path, report: &Report, output: &std::path::Path) -> Result<()> {
    crate::opc::new_file::refuse_same_file(input, output)?;
    let pkg = crate::opc::Package::open(input, crate::opc::Limits::default())?;
    let mut edit = PackageEdit::new(&pkg);
    mark(&mut edit, report)?;
    edit.write_file(output)
}
