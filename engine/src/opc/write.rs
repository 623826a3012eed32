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
            zw.start_file(entry.name.zip_name(), options(&entry.name))
                .map_err(zerr)?;
            zw.write_all(new).map_err(ioerr)?;
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

/// Creates `path` atomically: `fill` writes a temporary sibling which is then renamed into place.
pub fn write_atomically(path: &Path, fill: impl FnOnce(File) -> Result<()>) -> Result<()> {
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
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let result =
        fill(file).and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
