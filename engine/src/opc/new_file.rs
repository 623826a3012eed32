//! Creating an output file so that no reader — and no crash, SIGKILL included — ever leaves half
//! of it under its name: on Linux the bytes go into an unnamed file (`O_TMPFILE`) that is linked
//! into place only when complete; a killed process leaves nothing behind. Elsewhere (or on a file
//! system without `O_TMPFILE`) a temporary sibling is written and renamed.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path`; an existing file is replaced only when `overwrite` is set.
pub fn write_new_file(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    if !overwrite && path.exists() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::AlreadyExists, "exists already"),
        ));
    }
    #[cfg(target_os = "linux")]
    if let Some(done) = unnamed::write(path, bytes, overwrite) {
        return done;
    }
    super::write::write_atomically(path, |mut file| {
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(path, e))
    })
}

#[cfg(target_os = "linux")]
mod unnamed {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::path::Path;

    use rustix::fs::{linkat, openat, AtFlags, Mode, OFlags, CWD};

    use crate::error::{Error, Result};

    /// `None` when the file system has no `O_TMPFILE`: the caller falls back.
    pub fn write(path: &Path, bytes: &[u8], overwrite: bool) -> Option<Result<()>> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let fd = openat(
            CWD,
            dir,
            OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o644),
        )
        .ok()?;
        let mut file = std::fs::File::from(fd);
        if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
            return Some(Err(Error::io(path, e)));
        }
        let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
        let link = |to: &Path| {
            linkat(CWD, proc_path.as_str(), CWD, to, AtFlags::SYMLINK_FOLLOW)
                .map_err(|e| Error::io(to, e.into()))
        };
        if !overwrite {
            return Some(link(path));
        }
        // linkat never replaces: link under a fresh name, complete already, then rename over.
        let file_name = path.file_name()?.to_string_lossy().into_owned();
        let staged = dir.join(format!(".{file_name}.{}.new", std::process::id()));
        Some(link(&staged).and_then(|()| {
            std::fs::rename(&staged, path).map_err(|e| {
                let _ = std::fs::remove_file(&staged);
                Error::io(path, e)
            })
        }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn writes_refuses_and_overwrites() {
        let dir = std::env::temp_dir().join(format!("docseal-new-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("out.docx");
        let _ = std::fs::remove_file(&f);
        write_new_file(&f, b"one", false).unwrap();
        assert!(write_new_file(&f, b"two", false).is_err());
        assert_eq!(std::fs::read(&f).unwrap(), b"one");
        write_new_file(&f, b"three", true).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"three");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
