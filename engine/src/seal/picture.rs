//! A picture to stamp: a PNG whose transparent pixels let the text under the seal show.

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct SealPicture {
    pub png: Vec<u8>,
    pub width_px: u32,
    pub height_px: u32,
}

impl SealPicture {
    /// Checks a PNG: decodable, with an alpha channel, and transparent at its corners (a seal on
    /// white paper would hide the words under it).
    pub fn from_png(png: Vec<u8>) -> Result<SealPicture> {
        let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .map_err(|e| Error::Picture(format!("the seal picture is not a readable PNG ({e})")))?;
        if !img.color().has_alpha() {
            return Err(Error::Picture(
                "the seal picture has no transparency (no alpha channel); use `docseal image --from-scan` to make one".into(),
            ));
        }
        let rgba = img.to_rgba8();
        let (w, h) = rgba.dimensions();
        let corners = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)];
        if corners.iter().any(|&(x, y)| rgba.get_pixel(x, y)[3] > 16) {
            return Err(Error::Picture(
                "the seal picture is not transparent around the seal (its corners are opaque); use `docseal image --from-scan`".into(),
            ));
        }
        Ok(SealPicture {
            png,
            width_px: w,
            height_px: h,
        })
    }

    /// Height for a given width, keeping the aspect ratio.
    pub fn height_for(&self, width: f64) -> f64 {
        width * self.height_px as f64 / self.width_px.max(1) as f64
    }
}
