//! Where a PIN or password comes from: a file, the environment, or a prompt without echo —
//! never the command line. The value is wiped from memory when dropped.

use std::io::IsTerminal;
use std::path::Path;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub const PIN_ENV: &str = "DOCSEAL_PIN";

/// How to obtain the secret.
#[derive(Clone, Default)]
pub struct PinSource {
    /// The secret itself, when a caller (the add-in server) already has it.
    pub value: Option<Zeroizing<String>>,
    pub file: Option<std::path::PathBuf>,
    /// Whether a terminal prompt is allowed (not for servers and batch jobs).
    pub prompt: bool,
}

impl std::fmt::Debug for PinSource {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinSource")
            .field("value", &self.value.as_ref().map(|_| "***"))
            .field("file", &self.file)
            .field("prompt", &self.prompt)
            .finish()
    }
}

impl PinSource {
    /// The secret, or `None` when no source has one.
    pub fn get(&self, what: &str) -> Result<Option<Zeroizing<String>>> {
        if let Some(v) = &self.value {
            return Ok(Some(v.clone()));
        }
        if let Some(f) = &self.file {
            return read_pin_file(f).map(Some);
        }
        if let Ok(v) = std::env::var(PIN_ENV) {
            return Ok(Some(Zeroizing::new(v)));
        }
        if self.prompt && std::io::stdin().is_terminal() {
            let v = rpassword::prompt_password(format!("{what}: "))
                .map_err(|e| Error::PinUnreadable(e.to_string()))?;
            return Ok(Some(Zeroizing::new(v)));
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
