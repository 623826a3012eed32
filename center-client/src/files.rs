//! Files in the center's data directory: created mode 0600, replaced atomically.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` (mode 0600) through a temporary file and a rename, so a reader never
/// sees half a file and a crash never leaves one. Folders it has to make are private (0700); a
/// folder that exists keeps its mode: the file's own mode guards what it holds, and a journal
/// named `/tmp/journal.db` must not take `/tmp` away from everyone else.
pub fn create_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| Error::Io(format!("cannot write {}: {e}", path.display()));
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process and per write: two server workers may replace the same file at once.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    let written = f.write_all(bytes).and_then(|_| f.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    std::fs::rename(&tmp, path).map_err(io)
}

pub fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_folder_made_is_private_and_one_that_was_there_keeps_its_mode() {
        let dir = std::env::temp_dir().join(format!("docseal-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();

        create_private(&dir.join("journal.db"), b"").unwrap();
        assert_eq!(mode(&dir), 0o755, "a folder that was there");
        assert_eq!(mode(&dir.join("journal.db")), 0o600);

        create_private(&dir.join("new/deeper/center.json"), b"{}").unwrap();
        assert_eq!(mode(&dir.join("new")), 0o700);
        assert_eq!(mode(&dir.join("new/deeper")), 0o700);
        assert_eq!(mode(&dir.join("new/deeper/center.json")), 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
