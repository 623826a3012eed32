//! What opens a key: its PIN or password — given by the front end, read from a file the front
//! end names, or asked of the person through the front end's own prompt — and, for a token,
//! which PKCS#11 module to load. Never the command line, never the environment behind the
//! caller's back: a server that takes the PIN from a request stays one that needs it. The
//! secret is wiped from memory when dropped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Asks the person for a secret, given what it is for ("PIN for token SealKey"): a terminal
/// prompt without echo, a dialog.
pub type Ask = Arc<dyn Fn(&str) -> std::io::Result<Zeroizing<String>> + Send + Sync>;

/// How to unlock a key.
#[derive(Clone, Default)]
pub struct Unlock {
    /// The secret itself, when the front end already has it.
    pub secret: Option<Zeroizing<String>>,
    /// A file holding it (its first line).
    pub file: Option<PathBuf>,
    /// Asked of the person when neither is given; `None` for servers and batch jobs.
    pub ask: Option<Ask>,
    /// The PKCS#11 module for a `pkcs11:` key whose URI names none.
    pub module: Option<PathBuf>,
}

impl std::fmt::Debug for Unlock {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlock")
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("file", &self.file)
            .field("ask", &self.ask.is_some())
            .field("module", &self.module)
            .finish()
    }
}

impl Unlock {
    /// Only this secret (a server's request, a test).
    pub fn with_secret(secret: &str) -> Unlock {
        Unlock {
            secret: Some(Zeroizing::new(secret.to_string())),
            ..Unlock::default()
        }
    }

    /// The secret, or `None` when no source has one.
    pub fn get(&self, what: &str) -> Result<Option<Zeroizing<String>>> {
        if let Some(v) = &self.secret {
            return Ok(Some(v.clone()));
        }
        if let Some(f) = &self.file {
            return read_pin_file(f).map(Some);
        }
        if let Some(ask) = &self.ask {
            return ask(what)
                .map(Some)
                .map_err(|e| Error::PinUnreadable(e.to_string()));
        }
        Ok(None)
    }
}

fn read_pin_file(path: &Path) -> Result<Zeroizing<String>> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?);
    Ok(Zeroizing::new(
        text.trim_end_matches(['\r', '\n']).to_string(),
    ))
}
