//! A document file read whole, refusing what is not one before it is read.
//!
//! A tree handed to `batch` or `verify --recursive` may hold anything under a document's name: a
//! FIFO (whose open waits for a writer that never comes), a link to `/dev/zero` or
//! `/dev/urandom` (which never end), a file still growing. Each would hang the run or fill the
//! memory. The file is therefore opened without blocking, judged by its own descriptor (so
//! nothing can be swapped in between), and read no further than the size limit.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rustix::fs::{Mode, OFlags};

use super::limits::Limits;
use crate::error::{Error, LimitError, Result};

/// The bytes of the document file at `path`: a regular file within `limits.max_file_size`.
pub fn read_document(path: &Path, limits: Limits) -> Result<Vec<u8>> {
    let refuse = |why: &str| Error::io(path, std::io::Error::other(why.to_string()));
    // O_NONBLOCK only matters for the open of a FIFO; reads of a regular file ignore it.
    let file = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map(File::from)
    .map_err(|e| Error::io(path, e.into()))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(refuse("is a directory, not a document"));
    }
    if !meta.is_file() {
        return Err(refuse("is a device, a pipe or a socket, not a document"));
    }
    let too_large = |size: u64| LimitError::PartTooLarge {
        part: path.display().to_string(),
        size,
        limit: limits.max_file_size,
    };
    if meta.len() > limits.max_file_size {
        return Err(too_large(meta.len()).into());
    }
    // A file that grows while it is read is read whole, up to one byte past the limit.
    let mut bytes = super::prefault::buffer(meta.len());
    file.take(limits.max_file_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limits.max_file_size {
        return Err(too_large(bytes.len() as u64).into());
    }
    Ok(bytes)
}
