//! Creating output files so that no reader — and no crash, SIGKILL included — ever sees half of
//! one under its name, and so that a run making many files pays for few disk flushes.
//!
//! A file is first *staged*: on Linux its bytes go into an unnamed file (`O_TMPFILE`), which a
//! killed process leaves nowhere; elsewhere (or on a file system without `O_TMPFILE`) into a
//! temporary sibling. Staged files are then *committed* as a group: their data is flushed, they
//! are named, and the names are flushed. A group of many files costs two flushes of the file
//! system (`syncfs`) instead of one `fsync` per file — the group commit of databases, and what
//! Git's `core.fsyncMethod = batch` does for objects.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Bytes written for `path` and not yet visible under it.
pub struct Staged {
    path: PathBuf,
    overwrite: bool,
    file: File,
    /// The temporary sibling holding the bytes, when the file is not unnamed.
    temp: Option<PathBuf>,
}

impl Staged {
    #[cfg(any(test, feature = "testing"))]
    /// The name the file gets when committed.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // Still staged when dropped: the commit did not happen or failed for this file.
        if let Some(t) = &self.temp {
            let _ = std::fs::remove_file(t);
        }
    }
}

/// Refuses to write over what is not a plain file. The rename (or link) that names a new file
/// replaces whatever has the name: a device, a pipe or a socket would become a regular file
/// (`-o /dev/null`, run as root, would leave the system without its `/dev/null`), and so would a
/// symbolic link, which the rename replaces rather than follows (`-o /dev/stdout` would lose
/// the system's link, whatever it leads to).
pub fn refuse_non_file(path: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        // Nothing there (or nothing readable): the write itself says what is wrong.
        return Ok(());
    };
    let kind = meta.file_type();
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "is a folder, not a file to write"
    } else if kind.is_symlink() {
        "is a symbolic link (name the file it leads to)"
    } else {
        "is a device, a pipe or a socket, not a file to write"
    };
    Err(Error::io(path, std::io::Error::other(what)))
}

/// Writes `bytes` to `path`; an existing file is replaced only when `overwrite` is set.
pub fn write_new_file(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    let staged = stage(path, bytes, overwrite)?;
    commit(vec![staged])
        .pop()
        .unwrap_or_else(|| Err(Error::Write("nothing was committed".into())))
}

/// Writes `bytes` for `path` without naming or flushing them yet.
pub fn stage(path: &Path, bytes: &[u8], overwrite: bool) -> Result<Staged> {
    refuse_non_file(path)?;
    if !overwrite && path.exists() {
        return Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::AlreadyExists, "exists already"),
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    #[cfg(target_os = "linux")]
    if let Some(mut file) = unnamed::create(dir) {
        file.write_all(bytes).map_err(|e| Error::io(path, e))?;
        return Ok(Staged {
            path: path.to_path_buf(),
            overwrite,
            file,
            temp: None,
        });
    }
    let file_name = path.file_name().ok_or_else(|| Error::InvalidArgument {
        arg: path.display().to_string(),
        reason: "not a file name".into(),
    })?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    // Named for the file asked for: the temporary name means nothing to the reader.
    let file = File::create(&temp).map_err(|e| Error::io(path, e))?;
    // Made before writing, so that a failed write removes the temporary file on drop.
    let mut staged = Staged {
        path: path.to_path_buf(),
        overwrite,
        file,
        temp: Some(temp),
    };
    staged
        .file
        .write_all(bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(staged)
}

/// Makes staged files durable and visible: one result per file, in order. A file is named only
/// after its bytes reached the disk, so a power cut never leaves a named file with lost data.
pub fn commit(staged: Vec<Staged>) -> Vec<Result<()>> {
    let group = staged.len() > 1;
    let mut flushed = Flushed::default();
    let mut results: Vec<Result<()>> = staged
        .iter()
        .map(|s| {
            if group {
                flushed.flush_fs(&s.file)
            } else {
                s.file.sync_all()
            }
            .map_err(|e| Error::io(&s.path, e))
        })
        .collect();
    for (s, r) in staged.into_iter().zip(results.iter_mut()) {
        if r.is_ok() {
            *r = name(s);
        }
    }
    // The new names are metadata of their folders; one more flush makes them durable together.
    if group {
        flushed.flush_again();
    }
    results
}

fn name(mut s: Staged) -> Result<()> {
    if let Some(temp) = s.temp.take() {
        if !s.overwrite && s.path.exists() {
            let _ = std::fs::remove_file(&temp);
            return Err(Error::io(
                &s.path,
                std::io::Error::new(std::io::ErrorKind::AlreadyExists, "exists already"),
            ));
        }
        return std::fs::rename(&temp, &s.path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            Error::io(&s.path, e)
        });
    }
    #[cfg(target_os = "linux")]
    return unnamed::link(&s.file, &s.path, s.overwrite);
    #[cfg(not(target_os = "linux"))]
    Err(Error::Write("an unnamed file outside Linux".into()))
}

/// The file systems flushed so far in a group commit, by device.
#[derive(Default)]
struct Flushed {
    devices: Vec<(u64, File)>,
}

impl Flushed {
    /// Flushes the file system holding `file`, once per group.
    fn flush_fs(&mut self, file: &File) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            let dev = rustix::fs::fstat(file)?.st_dev;
            if self.devices.iter().any(|(d, _)| *d == dev) {
                return Ok(());
            }
            rustix::fs::syncfs(file)?;
            self.devices.push((dev, file.try_clone()?));
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        file.sync_all()
    }

    fn flush_again(&self) {
        #[cfg(target_os = "linux")]
        for (_, f) in &self.devices {
            let _ = rustix::fs::syncfs(f);
        }
    }
}

#[cfg(target_os = "linux")]
mod unnamed {
    use std::fs::File;
    use std::os::fd::AsRawFd;
    use std::path::Path;

    use rustix::fs::{linkat, openat, AtFlags, Mode, OFlags, CWD};

    use crate::error::{Error, Result};

    /// `None` when the file system has no `O_TMPFILE`: the caller falls back.
    pub fn create(dir: &Path) -> Option<File> {
        let fd = openat(
            CWD,
            dir,
            OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o644),
        )
        .ok()?;
        Some(File::from(fd))
    }

    pub fn link(file: &File, path: &Path, overwrite: bool) -> Result<()> {
        let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
        let link = |to: &Path| {
            linkat(CWD, proc_path.as_str(), CWD, to, AtFlags::SYMLINK_FOLLOW)
                .map_err(|e| Error::io(to, e.into()))
        };
        if !overwrite {
            return link(path);
        }
        // linkat never replaces: link under a fresh name, complete already, then rename over.
        let file_name = path
            .file_name()
            .ok_or_else(|| Error::InvalidArgument {
                arg: path.display().to_string(),
                reason: "not a file name".into(),
            })?
            .to_string_lossy()
            .into_owned();
        let dir = path.parent().unwrap_or(Path::new("."));
        let staged = dir.join(format!(".{file_name}.{}.new", std::process::id()));
        link(&staged)?;
        std::fs::rename(&staged, path).map_err(|e| {
            let _ = std::fs::remove_file(&staged);
            Error::io(path, e)
        })
    }
}
/// Never overwrite an input: a failure half-way would lose the only copy.
pub fn refuse_same_file(input: &Path, output: &Path) -> Result<()> {
    let same = match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::SameFile {
            path: output.to_path_buf(),
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A folder for one test under Cargo's target directory (its `tmp`, which integration
    /// tests know as CARGO_TARGET_TMPDIR).
    fn scratch(name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/tmp")
            .join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn writes_refuses_and_overwrites() {
        let dir = scratch("docseal-new-file");
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

    #[test]
    fn a_group_is_named_only_when_committed() {
        let dir = scratch("docseal-new-group");
        std::fs::create_dir_all(&dir).unwrap();
        let names = ["a.docx", "b.docx", "c.docx"];
        let staged: Vec<Staged> = names
            .iter()
            .map(|n| stage(&dir.join(n), n.as_bytes(), false).unwrap())
            .collect();
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "named before commit"
        );
        // A file that appeared meanwhile is kept; only that one fails.
        std::fs::write(dir.join("b.docx"), b"theirs").unwrap();
        let results = commit(staged);
        assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
        assert_eq!(std::fs::read(dir.join("a.docx")).unwrap(), b"a.docx");
        assert_eq!(std::fs::read(dir.join("b.docx")).unwrap(), b"theirs");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
        // Staged and dropped: nothing is left behind.
        drop(stage(&dir.join("d.docx"), b"d", false).unwrap());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
