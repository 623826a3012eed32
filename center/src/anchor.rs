//! The audit log's anchor outside the database: the newest signed head this center has committed,
//! kept in the data directory (`audit-head.json`). The database can be rolled back by whoever can
//! write to it — delete the last rows and put an older signed head back — and every head it
//! then holds is still the center's signature. What it cannot do is make the center forget a
//! head it signed later: before anything is appended, and before `audit --verify` says anything,
//! the database must still hold the row this head names, with the same hash
//! ([`crate::audit::check_anchors`]).
//!
//! Each instance keeps its own copy (two centers on one PostgreSQL have two data directories):
//! each copy only ever trails the shared database, so each is an anchor on its own.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::audit::Head;
use crate::error::{Error, Result};
use crate::files;

pub struct Anchor {
    path: PathBuf,
    /// The newest head this process wrote: the file is never moved back by a slower writer.
    written: Mutex<Option<Head>>,
}

impl Anchor {
    pub fn new(path: &Path) -> Anchor {
        Anchor {
            path: path.to_path_buf(),
            written: Mutex::new(None),
        }
    }

    /// The newest head on record outside the database: the file's, or this process's newer one.
    /// A file that cannot be read as a head is a broken log, not an absent anchor.
    pub fn newest(&self) -> Result<Option<Head>> {
        let file = self.read_file()?;
        let mine = self.written.lock().ok().and_then(|w| w.clone());
        Ok(match (file, mine) {
            (Some(f), Some(m)) => Some(if m.seq > f.seq { m } else { f }),
            (f, m) => f.or(m),
        })
    }

    fn read_file(&self) -> Result<Option<Head>> {
        if !self.path.exists() {
            return Ok(None);
        }
        serde_json::from_slice(&files::read(&self.path)?)
            .map(Some)
            .map_err(|e| Error::AuditBroken {
                seq: 0,
                reason: format!("{} is damaged: {e}", self.path.display()),
            })
    }

    /// Records a head that was committed: the file moves forward only. Two workers finishing
    /// out of order, or a second process on the same directory, can leave it a little behind
    /// the database — an older anchor, never a false alarm.
    pub fn advance(&self, head: &Head) -> Result<()> {
        let Ok(mut written) = self.written.lock() else {
            return Err(Error::Io("the audit anchor's lock is poisoned".into()));
        };
        let on_file = self.read_file().ok().flatten().map(|h| h.seq).unwrap_or(0);
        let mine = written.as_ref().map(|h| h.seq).unwrap_or(0);
        if head.seq <= on_file.max(mine) {
            return Ok(());
        }
        let json = serde_json::to_vec_pretty(head).map_err(|e| Error::Io(e.to_string()))?;
        files::create_private(&self.path, &json)?;
        *written = Some(head.clone());
        Ok(())
    }
}
