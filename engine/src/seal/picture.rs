//! A picture to stamp: a PNG whose transparent pixels let the text under the seal show.

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct SealPicture {
    pub png: Vec<u8>,
    pub width_px: u32,
    pub height_px: u32,
}

/// The largest seal picture, in pixels a side.
const MAX_SIDE: u32 = 8000;

impl SealPicture {
    /// Checks a PNG: decodable, with an alpha channel, and transparent at its corners (a seal on
    /// white paper would hide the words under it).
    pub fn from_png(png: Vec<u8>) -> Result<SealPicture> {
        // A PNG says its own size: a hostile one claims a picture that fills the memory when
        // decoded. A seal of 100 mm at 1,200 dpi is under 5,000 pixels a side.
        let mut reader =
            image::ImageReader::with_format(std::io::Cursor::new(&png), image::ImageFormat::Png);
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(256 << 20);
        reader.limits(limits);
        let img = reader
            .decode()
            .map_err(|e| Error::Picture(format!("the seal picture is not a readable PNG ({e})")))?;
        if img.width() == 0 || img.height() == 0 {
            return Err(Error::Picture("the seal picture is empty".into()));
        }
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

/// The printed size of a seal picture in whole millimetres: its pixels at the resolution its
/// `pHYs` chunk gives (PNG §11.3.5.3), or at 600 dpi — the resolution docseal draws seals at —
/// when it gives none. `None` when it is not a readable PNG.
pub fn size_mm(png_bytes: &[u8]) -> Option<(u32, u32)> {
    let reader = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .ok()?;
    let info = reader.info();
    let (ppm_x, ppm_y) = match info.pixel_dims {
        Some(png::PixelDimensions {
            xppu,
            yppu,
            unit: png::Unit::Meter,
        }) if xppu > 0 && yppu > 0 => (f64::from(xppu), f64::from(yppu)),
        _ => (600.0 / 0.0254, 600.0 / 0.0254),
    };
    let mm = |px: u32, ppm: f64| ((f64::from(px) / ppm) * 1000.0).round().max(1.0) as u32;
    Some((mm(info.width, ppm_x), mm(info.height, ppm_y)))
}
