//! The one error type of the engine. Every variant is something a user can act on:
//! its `Display` is a single sentence naming the file, part or key at fault.

use std::fmt;
use std::path::PathBuf;

/// Why a package could not be read, signed or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused to read or write a file.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The input is not a ZIP archive, or its directory is damaged.
    NotAZip(String),
    /// The archive exceeds one of the reading limits (a ZIP bomb, or simply too large).
    Limit(LimitError),
    /// An entry name that could escape the package or collides with another one.
    UnsafeEntryName { name: String, reason: &'static str },
    /// The archive is a ZIP but not an OPC package (no content types, no main part).
    NotAPackage(String),
    /// An XML part could not be parsed, or contains something we refuse (DTDs, entities).
    Xml { part: String, reason: String },
    /// A compression method other than stored or deflate.
    UnsupportedCompression { part: String, method: u16 },
    /// The content of an entry does not match its CRC or declared size.
    CorruptEntry { part: String, reason: String },
    /// The key, certificate or PIN could not be used.
    Key(String),
    /// A signature could not be produced (an algorithm or token refused).
    Signing(String),
    /// The request cannot be carried out on this document (already signed, keyword missing...).
    Refused(String),
    /// The command line or request was malformed.
    Usage(String),
}

/// A reading limit that the input broke, with the numbers so the message can say by how much.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitError {
    TooManyEntries {
        count: usize,
        limit: usize,
    },
    PartTooLarge {
        part: String,
        size: u64,
        limit: u64,
    },
    TotalTooLarge {
        limit: u64,
    },
    CompressionRatio {
        part: String,
        ratio: u64,
        limit: u64,
    },
    XmlTooDeep {
        part: String,
        limit: usize,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
    pub(crate) fn xml(part: impl Into<String>, reason: impl fmt::Display) -> Self {
        Error::Xml {
            part: part.into(),
            reason: reason.to_string(),
        }
    }
    /// A short stable name for programs (the `code` field of a report finding).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::NotAZip(_) => "not-a-zip",
            Error::Limit(_) => "limit-exceeded",
            Error::UnsafeEntryName { .. } => "unsafe-entry-name",
            Error::NotAPackage(_) => "not-a-package",
            Error::Xml { .. } => "malformed-xml",
            Error::UnsupportedCompression { .. } => "unsupported-compression",
            Error::CorruptEntry { .. } => "corrupt-entry",
            Error::Key(_) => "key",
            Error::Signing(_) => "signing",
            Error::Refused(_) => "refused",
            Error::Usage(_) => "usage",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            Error::NotAZip(why) => write!(f, "not a readable ZIP package: {why}"),
            Error::Limit(l) => write!(f, "{l}"),
            Error::UnsafeEntryName { name, reason } => {
                write!(f, "unsafe entry name {name:?}: {reason}")
            }
            Error::NotAPackage(why) => write!(f, "not an Office package: {why}"),
            Error::Xml { part, reason } => write!(f, "{part}: {reason}"),
            Error::UnsupportedCompression { part, method } => {
                write!(f, "{part}: unsupported compression method {method}")
            }
            Error::CorruptEntry { part, reason } => write!(f, "{part} is corrupt: {reason}"),
            Error::Key(why) => write!(f, "{why}"),
            Error::Signing(why) => write!(f, "signing failed: {why}"),
            Error::Refused(why) => write!(f, "{why}"),
            Error::Usage(why) => write!(f, "{why}"),
        }
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitError::TooManyEntries { count, limit } => {
                write!(
                    f,
                    "the package has {count} entries, more than the limit of {limit}"
                )
            }
            LimitError::PartTooLarge { part, size, limit } => {
                write!(
                    f,
                    "{part} inflates to {size} bytes, more than the limit of {limit} (a ZIP bomb?)"
                )
            }
            LimitError::TotalTooLarge { limit } => {
                write!(
                    f,
                    "the package inflates to more than {limit} bytes in all (a ZIP bomb?)"
                )
            }
            LimitError::CompressionRatio { part, ratio, limit } => {
                write!(
                    f,
                    "{part} is compressed {ratio}:1, beyond the limit of {limit}:1 (a ZIP bomb?)"
                )
            }
            LimitError::XmlTooDeep { part, limit } => {
                write!(f, "{part} nests elements deeper than {limit} levels")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<LimitError> for Error {
    fn from(l: LimitError) -> Self {
        Error::Limit(l)
    }
}
