//! Writing a package: parts that changed are deflated (level 3, fast and still small), every other
//! entry is copied raw — same compressed bytes, same CRC — so nothing signed earlier can change.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;

use super::package::Package;
use super::part_name::PartName;
use crate::error::{Error, Result};

/// New content for existing parts, and new parts, in the order they are to be written.
#[derive(Debug, Default, Clone)]
pub struct Changes {
    pub replaced: Vec<(PartName, Vec<u8>)>,
    pub added: Vec<(PartName, Vec<u8>)>,
    /// Parts left out of the output.
    pub removed: Vec<PartName>,
}

impl Changes {
    /// Sets the content of a part, replacing it if the package has it, adding it otherwise.
    pub fn put(&mut self, pkg: &Package, name: PartName, bytes: Vec<u8>) {
        self.removed.retain(|r| r.key() != name.key());
        let list = if pkg.entry(&name).is_some() {
            &mut self.replaced
        } else {
            &mut self.added
        };
        match list.iter_mut().find(|(n, _)| n.key() == name.key()) {
            Some(slot) => slot.1 = bytes,
            None => list.push((name, bytes)),
        }
    }

    /// Leaves a part out of the output.
    pub fn remove(&mut self, name: &PartName) {
        self.replaced.retain(|(n, _)| n.key() != name.key());
        self.added.retain(|(n, _)| n.key() != name.key());
        if !self.is_removed(name) {
            self.removed.push(name.clone());
        }
    }

    pub fn is_removed(&self, name: &PartName) -> bool {
        self.removed.iter().any(|r| r.key() == name.key())
    }

    /// The pending content of a part, if this change set has it.
    pub fn get(&self, name: &PartName) -> Option<&[u8]> {
        self.replaced
            .iter()
            .chain(&self.added)
            .find(|(n, _)| n.key() == name.key())
            .map(|(_, b)| b.as_slice())
    }
}

const LEVEL: i64 = 3;
/// The ZIP compression method of deflated entries (APPNOTE.TXT 4.4.5).
const DEFLATED: u16 = 8;

fn options(name: &PartName) -> SimpleFileOptions {
    // A fixed timestamp keeps output byte-identical for identical input (golden tests, caching).
    let base = SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    // Pictures are compressed already; deflating them again costs time and saves nothing.
    match name.extension().as_deref() {
        Some("png" | "jpg" | "jpeg" | "gif") => {
            base.compression_method(zip::CompressionMethod::Stored)
        }
        _ => base
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(LEVEL)),
    }
}

/// Writes `pkg` with `changes` applied to `out` (any seekable sink).
pub fn write_to<W: Write + Seek>(pkg: &Package, changes: &Changes, out: W) -> Result<W> {
    let zerr = |e: zip::result::ZipError| Error::Write(e.to_string());
    let ioerr = |e: std::io::Error| Error::Write(e.to_string());
    let mut archive = pkg.archive()?;
    let mut zw = zip::ZipWriter::new(out);
    for entry in pkg.entries() {
        if changes.removed.iter().any(|r| r.key() == entry.name.key()) {
            continue;
        }
        if let Some(new) = changes
            .replaced
            .iter()
            .find(|(n, _)| n.key() == entry.name.key())
            .map(|(_, b)| b)
        {
            match spliced(pkg, entry, new) {
                Some(one) => {
                    let mut one = zip::ZipArchive::new(std::io::Cursor::new(one)).map_err(zerr)?;
                    let raw = one.by_index_raw(0).map_err(zerr)?;
                    zw.raw_copy_file_rename(raw, entry.name.zip_name())
                        .map_err(zerr)?;
                }
                None => {
                    zw.start_file(entry.name.zip_name(), options(&entry.name))
                        .map_err(zerr)?;
                    zw.write_all(new).map_err(ioerr)?;
                }
            }
        } else {
            let raw = archive.by_index_raw(entry.index).map_err(zerr)?;
            zw.raw_copy_file(raw).map_err(zerr)?;
        }
    }
    for (name, bytes) in &changes.added {
        zw.start_file(name.zip_name(), options(name))
            .map_err(zerr)?;
        zw.write_all(bytes).map_err(ioerr)?;
    }
    zw.finish().map_err(zerr)
}

/// A changed part whose beginning is unchanged, deflated by keeping the old compressed blocks of
/// that beginning (`opc::splice`), as a one-entry archive for the writer to copy raw.
fn spliced(pkg: &Package, entry: &super::Entry, new: &[u8]) -> Option<Vec<u8>> {
    if entry.method != DEFLATED || new.len() > u32::MAX as usize {
        return None;
    }
    let raw = super::splice::splice(pkg.stored(entry), new, LEVEL as u32)
        .filter(|raw| raw.len() <= u32::MAX as usize)?;
    Some(one_entry_archive(
        entry.name.zip_name().as_bytes(),
        &raw,
        crc32fast::hash(new),
        new.len() as u32,
    ))
}

/// A ZIP archive of one deflated entry whose data is `raw` (APPNOTE.TXT 6.3: local file header
/// §4.3.7, central directory header §4.3.12, end of central directory record §4.3.16). The zip
/// crate writes only data it compresses itself, and copies raw only from an archive it reads, so
/// the spliced data goes through this archive; the crate then writes the entry's real headers.
fn one_entry_archive(name: &[u8], raw: &[u8], crc32: u32, size: u32) -> Vec<u8> {
    const VERSION_NEEDED: u16 = 20; // deflate
    const DOS_DATE_1980_01_01: u16 = (1 << 5) | 1;
    let mut out = Vec::with_capacity(raw.len() + 2 * name.len() + 100);
    let le16 = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
    let le32 = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    // Local file header.
    le32(&mut out, 0x0403_4b50);
    for v in [VERSION_NEEDED, 0, DEFLATED, 0, DOS_DATE_1980_01_01] {
        le16(&mut out, v);
    }
    for v in [crc32, raw.len() as u32, size] {
        le32(&mut out, v);
    }
    le16(&mut out, name.len() as u16);
    le16(&mut out, 0);
    out.extend_from_slice(name);
    out.extend_from_slice(raw);
    // Central directory header.
    let central = out.len() as u32;
    le32(&mut out, 0x0201_4b50);
    for v in [
        VERSION_NEEDED,
        VERSION_NEEDED,
        0,
        DEFLATED,
        0,
        DOS_DATE_1980_01_01,
    ] {
        le16(&mut out, v);
    }
    for v in [crc32, raw.len() as u32, size] {
        le32(&mut out, v);
    }
    for v in [name.len() as u16, 0, 0, 0, 0] {
        le16(&mut out, v);
    }
    le32(&mut out, 0); // external attributes
    le32(&mut out, 0); // offset of the local header
    out.extend_from_slice(name);
    // End of central directory.
    let central_size = out.len() as u32 - central;
    le32(&mut out, 0x0605_4b50);
    for v in [0, 0, 1, 1] {
        le16(&mut out, v);
    }
    le32(&mut out, central_size);
    le32(&mut out, central);
    le16(&mut out, 0);
    out
}

/// Writes the package into memory.
pub fn to_bytes(pkg: &Package, changes: &Changes) -> Result<Vec<u8>> {
    let capacity = pkg.size()
        + changes
            .replaced
            .iter()
            .chain(&changes.added)
            .map(|(_, b)| b.len())
            .sum::<usize>();
    Ok(write_to(
        pkg,
        changes,
        std::io::Cursor::new(Vec::with_capacity(capacity)),
    )?
    .into_inner())
}

/// Writes the package to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file and a failure leaves nothing behind.
pub fn write_file(pkg: &Package, changes: &Changes, path: &Path) -> Result<()> {
    write_atomically(path, |file| {
        let w = write_to(pkg, changes, BufWriter::new(file))?;
        w.into_inner()
            .map_err(|e| Error::io(path, e.into_error()))?
            .sync_all()
            .map_err(|e| Error::io(path, e))
    })
}

/// Writes `bytes` to `path` atomically, flushed to disk before the rename.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |mut f| {
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| Error::io(path, e))
    })
}

/// Creates `path` atomically: `fill` writes a temporary sibling which is then renamed into place.
pub fn write_atomically(path: &Path, fill: impl FnOnce(File) -> Result<()>) -> Result<()> {
    super::new_file::refuse_non_file(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path.file_name().ok_or_else(|| Error::InvalidArgument {
        arg: path.display().to_string(),
        reason: "not a file name".into(),
    })?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    // Named for the file asked for: the temporary name means nothing to the reader.
    let file = File::create(&tmp).map_err(|e| Error::io(path, e))?;
    let result =
        fill(file).and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
