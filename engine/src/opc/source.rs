//! A document file read whole, refusing what is not one before it is read.
//!
//! A tree handed to `batch` or `verify --recursive` may hold anything under a document's name: a
//! link to `/dev/zero` or `/dev/urandom` (which never end), another device (whose mere opening
//! may act: a watchdog starts, a tape rewinds), a socket, a FIFO (whose plain open waits for a
//! writer that never comes), a file still growing. Devices and sockets are refused by their
//! metadata without being opened. A FIFO is opened without blocking, so one with no writer reads
//! as empty and is refused as such, while `docseal verify /dev/stdin < x.docx` and `<(…)` still
//! work. Everything read stops one byte past the size limit.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use rustix::fs::{Mode, OFlags};

use super::limits::Limits;
use crate::error::{Error, LimitError, Result};

/// The bytes of the document file at `path`: a regular file or a pipe, within
/// `limits.max_file_size`.
pub fn read_document(path: &Path, limits: Limits) -> Result<Vec<u8>> {
    let refuse = |why: &str| Error::io(path, std::io::Error::other(why.to_string()));
    let io = |e: std::io::Error| Error::io(path, e);
    let judge = |meta: &std::fs::Metadata| {
        let kind = meta.file_type();
        if kind.is_dir() {
            Err(refuse("is a directory, not a document"))
        } else if kind.is_file() || kind.is_fifo() {
            Ok(())
        } else {
            Err(refuse("is a device or a socket, not a document"))
        }
    };
    let before = std::fs::metadata(path).map_err(io)?;
    judge(&before)?;
    let file = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map(File::from)
    .map_err(|e| io(e.into()))?;
    // The descriptor's own metadata decides: the name may have been swapped since the stat.
    let meta = file.metadata().map_err(io)?;
    judge(&meta)?;
    if (meta.dev(), meta.ino()) != (before.dev(), before.ino()) {
        return Err(refuse("was replaced while it was opened"));
    }
    // Blocking again: a pipe's writer may be slower than the reader.
    rustix::fs::fcntl_setfl(&file, rustix::fs::OFlags::empty()).map_err(|e| io(e.into()))?;
    let too_large = |size: u64| LimitError::PartTooLarge {
        part: path.display().to_string(),
        size,
        limit: limits.max_file_size,
    };
    if meta.len() > limits.max_file_size {
        return Err(too_large(meta.len()).into());
    }
    // A file that grows while it is read (or a pipe) is read up to one byte past the limit.
    let mut bytes = super::prefault::buffer(meta.len());
    file.take(limits.max_file_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limits.max_file_size {
        return Err(too_large(bytes.len() as u64).into());
    }
    Ok(bytes)
}
