//! The picture as a part of the package, and the drawing object ids beside it.

use crate::error::Result;
use crate::opc::{PackageEdit, PartName};

pub const EMU_PER_MM: f64 = 36_000.0;

pub(crate) const REL_IMAGE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";

/// Stores a picture (the seal; a slot's empty frame) as a new part `{dir}media/{name}N.png` with
/// its content type.
pub(crate) fn add_picture(
    edit: &mut PackageEdit,
    dir: &str,
    name: &str,
    png: &[u8],
) -> Result<PartName> {
    let part = edit.fresh_part(&format!("{dir}media/{name}"), "png")?;
    edit.put(part.clone(), png.to_vec());
    edit.declare_content_type(&part, "image/png")?;
    Ok(part)
}

/// The largest drawing object id (`docPr`/`cNvPr` `id`, any prefix) in a part's bytes. Being
/// generous here only skips a number; a clash would make Word repair the document.
pub(crate) fn max_object_id(xml: &[u8]) -> u32 {
    let mut max = 0u32;
    for name in [&b"docPr"[..], b"cNvPr"] {
        for at in memchr::memmem::find_iter(xml, name) {
            let Some(lt) = xml[..at].iter().rposition(|&c| c == b'<') else {
                continue;
            };
            let Some(gt) = memchr::memchr(b'>', &xml[at..]) else {
                continue;
            };
            let tag = String::from_utf8_lossy(&xml[lt + 1..at + gt]);
            let tag = tag.trim_end_matches('/');
            let qname_len = tag.find(char::is_whitespace).unwrap_or(tag.len());
            let start = quick_xml::events::BytesStart::from_content(tag, qname_len);
            let scope = crate::xml::Scope::default();
            if let Some(id) = crate::xml::scan::attr_in(&scope, &start, None, "id")
                .and_then(|v| v.trim().parse::<u32>().ok())
            {
                max = max.max(id);
            }
        }
    }
    max
}
