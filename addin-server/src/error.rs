//! The server's one error type: what went wrong at start-up, in a sentence.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum ServerError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Setup(String),
    Engine(docseal::Error),
}

impl ServerError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        ServerError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            ServerError::Setup(s) => write!(f, "{s}"),
            ServerError::Engine(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ServerError {}

impl From<docseal::Error> for ServerError {
    fn from(e: docseal::Error) -> Self {
        ServerError::Engine(e)
    }
}
