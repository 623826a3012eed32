//! A scanned seal on white paper made transparent: the paper becomes alpha 0, the ink keeps its
//! colour with soft edges, and the result is cropped to the seal.

use image::{ImageBuffer, Rgba, RgbaImage};

use crate::error::{Error, Result};

/// How far a pixel is from paper: 0 for the paper's own colour, 1 for full ink. Uses the darkest
/// channel, so red, blue and black ink all count, and the paper's brightness is measured rather
/// than assumed white.
fn inkness(px: [u8; 3], paper: f32) -> f32 {
    let darkest = px.iter().copied().min().unwrap_or(255) as f32;
    let lo = paper * 0.55;
    let hi = paper * 0.92;
    ((hi - darkest) / (hi - lo)).clamp(0.0, 1.0)
}

pub fn from_scan(bytes: &[u8]) -> Result<Vec<u8>> {
    let img = image::load_from_memory(bytes)
        .map_err(|e| Error::Picture(format!("not a readable PNG or JPEG scan ({e})")))?;
    let rgb = img.to_rgb8();
    let (w, h) = rgb.dimensions();
    // The paper: the 90th percentile of brightness (most of a scan is paper).
    let mut lum: Vec<u8> = rgb
        .pixels()
        .map(|p| p.0.iter().copied().min().unwrap_or(255))
        .collect();
    let k = (lum.len() * 9 / 10).min(lum.len().saturating_sub(1));
    let paper = *lum.select_nth_unstable(k).1 as f32;
    let mut out: RgbaImage = ImageBuffer::new(w, h);
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for (x, y, p) in rgb.enumerate_pixels() {
        let a = inkness(p.0, paper.max(64.0));
        if a > 0.0 {
            // Undo the paper showing through: c = a·ink + (1−a)·paper.
            let ink = |c: u8| (((c as f32) - (1.0 - a) * paper) / a).clamp(0.0, 255.0) as u8;
            out.put_pixel(
                x,
                y,
                Rgba([ink(p[0]), ink(p[1]), ink(p[2]), (a * 255.0) as u8]),
            );
            if a > 0.3 {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
        }
    }
    if x1 < x0 || y1 < y0 {
        return Err(Error::Picture("no ink found in the scan".into()));
    }
    let m = ((x1 - x0).max(y1 - y0) / 50).max(2);
    let (cx0, cy0) = (x0.saturating_sub(m), y0.saturating_sub(m));
    let (cx1, cy1) = ((x1 + m).min(w - 1), (y1 + m).min(h - 1));
    let cropped =
        image::imageops::crop_imm(&out, cx0, cy0, cx1 - cx0 + 1, cy1 - cy0 + 1).to_image();
    let mut png = Vec::new();
    cropped
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| Error::Picture(format!("encoding the seal picture: {e}")))?;
    Ok(png)
}
