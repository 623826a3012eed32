//! The one error type of the engine. Every variant is something a program can act on (a server
//! maps it to an HTTP status, the CLI to an exit code) and its `Display` is one sentence naming
//! the file, part, key or argument at fault. Nothing here is matched by its message.

use std::fmt;

mod message;
use std::path::PathBuf;

/// Why a package could not be read, sealed or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    // --- reading the input -------------------------------------------------------------------
    /// The operating system refused to read or write a file.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The input is not a ZIP archive, or its directory is damaged.
    NotAZip(String),
    /// The input is a known file format that is not an OPC package.
    Foreign(Foreign),
    /// The archive exceeds one of the reading limits (a ZIP bomb, or simply too large).
    Limit(LimitError),
    /// The archive can be read in more than one way (an unlisted entry, a second archive, local
    /// headers that disagree with the central directory) or hides an entry (encryption).
    AmbiguousZip { entry: String, rule: String },
    /// `[Content_Types].xml` gives one extension or part two content types.
    AmbiguousContentTypes(String),
    /// An entry name that could escape the package or collides with another one.
    UnsafeEntryName { name: String, reason: &'static str },
    /// The archive is a ZIP but not an OPC package (no content types, no package relationships).
    NotAPackage(String),
    /// A part the package needs, or that a relationship or reference names, is not there.
    MissingPart { part: String },
    /// An XML part could not be parsed, or contains something we refuse (DTDs, entities).
    Xml { part: String, reason: String },
    /// A compression method other than stored or deflate.
    UnsupportedCompression { part: String, method: u16 },
    /// The content of an entry does not match its CRC or declared size.
    CorruptEntry { part: String, reason: String },
    /// The package is neither a Word document nor an Excel workbook (a presentation, a binary
    /// workbook...).
    UnsupportedDocument { main_part: String, what: String },

    // --- keys, tokens and PINs ---------------------------------------------------------------
    /// The token refused the PIN (or the PKCS#12 file its password).
    WrongPin {
        /// The token ("token \"SealKey\"") or key file the PIN was for.
        key: String,
        /// How many tries the token says are left (PKCS#11 reports it only as flags).
        tries_left: TriesLeft,
    },
    /// The PKCS#12 file's password is wrong.
    WrongPassword { file: String },
    /// The PKCS#12 file needs a password and none was given.
    PasswordNeeded { file: String },
    /// The token's PIN is locked: only its administrator can unlock it.
    PinLocked { key: String },
    /// No PIN was given and none can be asked for (no terminal).
    PinNeeded { key: String },
    /// The PIN could not be read (the file, the terminal).
    PinUnreadable(String),
    /// No token with that label is present.
    TokenNotFound {
        label: String,
        present: Vec<String>,
        /// The tokens the first of two listings found (they may differ).
        earlier: Vec<String>,
    },
    /// The token went away while in use.
    TokenRemoved,
    /// The PKCS#11 module cannot be loaded or failed.
    Pkcs11 { module: String, reason: String },
    /// No private key on the token matches the URI (`object`: the label asked for).
    KeyNotFound {
        token: String,
        object: Option<String>,
    },
    /// Several private keys on the token match the URI.
    AmbiguousKey { token: String },
    /// The key has no certificate (on the token, in the file) and none was given.
    CertificateMissing { key: String },
    /// The seal certificate is expired or not yet valid.
    CertificateNotValid { subject: String, reason: String },
    /// A key or certificate file is unreadable, or not what it claims to be.
    KeyFile { path: String, reason: String },
    /// The key's algorithm or size is not one docseal signs with, or the token lacks the mechanism.
    UnsupportedKey(String),
    /// A certificate or CRL could not be decoded.
    Certificate(String),
    /// The token refused the signing operation.
    SigningFailed(String),
    /// The key made a signature its certificate does not verify: the wrong key was selected.
    KeyMismatch { subject: String },

    // --- what this document allows -----------------------------------------------------------
    /// The document already carries a signature that a new seal picture would break.
    AlreadySigned,
    /// A seal slot cannot be added to a signed document: it would break every seal.
    SlotAfterSeal,
    /// The document has a slot with this label already.
    SlotExists { label: String },
    /// No slot with this label (`stamp --into-slot`); `free` lists the empty ones.
    NoSuchSlot { label: String, free: Vec<String> },
    /// The slot is sealed already.
    SlotFilled { label: String },
    /// The keyword to stamp at is not in the document.
    KeywordNotFound { needle: String },
    /// The keyword occurs, but not as often as the occurrence asked for.
    OccurrenceMissing {
        needle: String,
        found: usize,
        wanted: String,
    },
    /// No sheet of that name.
    NoSuchSheet { name: String, sheets: Vec<String> },
    /// Not a cell reference, or not on the sheet.
    NoSuchCell { cell: String },
    /// The placement does not apply to this kind of document (a cell in a Word document).
    PlacementNotApplicable { placement: String, kind: String },
    /// The document has nowhere to put the seal (no body, no sheet).
    NowhereToPlace(String),
    /// An entry that no signature could cover so that verification says valid.
    Unsealable { entry: String, reason: String },
    /// The seal picture is unusable (not a PNG, opaque, too large, a character no font has).
    Picture(String),
    /// The package already uses every name docseal would give a new part.
    NoFreeName { stem: String },

    // --- the request itself ------------------------------------------------------------------
    /// A command-line argument or request field is malformed.
    InvalidArgument { arg: String, reason: String },
    /// The output would overwrite the input.
    SameFile { path: PathBuf },
    /// Another input of the same batch seals to this output (`x.dotx` and `x.docx` both become
    /// `x.docx`).
    OutputTaken { output: PathBuf, by: PathBuf },
    /// The output could not be written.
    Write(String),

    // --- services the seal depends on --------------------------------------------------------
    /// The time-stamping authority could not be reached (network, DNS, timeout).
    TsaUnreachable { url: String, reason: String },
    /// The time-stamping authority answered, but refused (HTTP error or a PKIStatus other than
    /// granted).
    TsaRefused { url: String, status: String },
    /// The authority's answer would not prove the time: wrong imprint or nonce, bad signature,
    /// not a time-stamping certificate.
    TsaAnswerInvalid { url: String, reason: String },
}

/// What a token says of the tries left after a wrong PIN (PKCS#11 `CKF_USER_PIN_COUNT_LOW`,
/// `CKF_USER_PIN_FINAL_TRY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriesLeft {
    Unknown,
    Few,
    One,
}

/// A file that is not an OPC package, recognised by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Foreign {
    /// An OLE compound file holding an encrypted OOXML package (a password to open).
    Encrypted,
    /// A Word 97–2003 `.doc` (OLE compound file with a WordDocument stream).
    Word97,
    /// An Excel 97–2003 `.xls`.
    Excel97,
    /// A PowerPoint 97–2003 `.ppt`.
    PowerPoint97,
    /// Any other OLE compound file.
    Ole,
    /// An OpenDocument file (LibreOffice's own format).
    OpenDocument,
    /// A PDF.
    Pdf,
    /// Rich Text Format.
    Rtf,
}

impl fmt::Display for Foreign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Foreign::Encrypted => "password-protected: remove the password in Word or Excel first (File → Info → Protect → Encrypt with Password, clear it), then seal it",
            Foreign::Word97 => "a Word 97–2003 .doc: save it as .docx in Word, then seal it",
            Foreign::Excel97 => "an Excel 97–2003 .xls: save it as .xlsx in Excel, then seal it",
            Foreign::PowerPoint97 => "a PowerPoint 97–2003 presentation: docseal seals Word and Excel documents",
            Foreign::Ole => "an OLE compound file, not an Office Open XML document",
            Foreign::OpenDocument => "an OpenDocument file: save it as .docx or .xlsx, then seal it",
            Foreign::Pdf => "a PDF: docseal seals Word and Excel documents",
            Foreign::Rtf => "a Rich Text Format file: save it as .docx in Word, then seal it",
        })
    }
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
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
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
    pub fn arg(arg: impl Into<String>, reason: impl fmt::Display) -> Self {
        Error::InvalidArgument {
            arg: arg.into(),
            reason: reason.to_string(),
        }
    }

    /// A short stable name for programs (the `code` of a report finding or an API error).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::NotAZip(_) => "not-a-zip",
            Error::Foreign(Foreign::Encrypted) => "encrypted",
            Error::Foreign(_) => "not-ooxml",
            Error::Limit(_) => "limit-exceeded",
            Error::UnsafeEntryName { .. } => "unsafe-entry-name",
            Error::AmbiguousZip { .. } => "ambiguous-zip",
            Error::AmbiguousContentTypes(_) => "ambiguous-content-types",
            Error::NotAPackage(_) => "not-a-package",
            Error::MissingPart { .. } => "part-missing",
            Error::Xml { .. } => "malformed-xml",
            Error::UnsupportedCompression { .. } => "unsupported-compression",
            Error::CorruptEntry { .. } => "corrupt-entry",
            Error::UnsupportedDocument { .. } => "unsupported-document",
            Error::WrongPin { .. } => "wrong-pin",
            Error::WrongPassword { .. } => "wrong-password",
            Error::PasswordNeeded { .. } => "password-needed",
            Error::PinLocked { .. } => "pin-locked",
            Error::PinNeeded { .. } => "pin-needed",
            Error::PinUnreadable(_) => "pin-unreadable",
            Error::TokenNotFound { .. } => "token-not-found",
            Error::TokenRemoved => "token-removed",
            Error::Pkcs11 { .. } => "pkcs11",
            Error::KeyNotFound { .. } => "key-not-found",
            Error::AmbiguousKey { .. } => "ambiguous-key",
            Error::CertificateMissing { .. } => "certificate-missing",
            Error::CertificateNotValid { .. } => "certificate-not-valid",
            Error::KeyFile { .. } => "key-file",
            Error::UnsupportedKey(_) => "unsupported-key",
            Error::Certificate(_) => "bad-certificate",
            Error::SigningFailed(_) => "signing-failed",
            Error::TsaUnreachable { .. } => "tsa-unreachable",
            Error::TsaRefused { .. } => "tsa-refused",
            Error::TsaAnswerInvalid { .. } => "tsa-answer-invalid",
            Error::KeyMismatch { .. } => "key-mismatch",
            Error::AlreadySigned => "already-signed",
            Error::SlotAfterSeal => "slot-after-seal",
            Error::SlotExists { .. } => "slot-exists",
            Error::NoSuchSlot { .. } => "no-such-slot",
            Error::SlotFilled { .. } => "slot-filled",
            Error::KeywordNotFound { .. } => "keyword-not-found",
            Error::OccurrenceMissing { .. } => "occurrence-not-found",
            Error::NoSuchSheet { .. } => "no-such-sheet",
            Error::NoSuchCell { .. } => "no-such-cell",
            Error::PlacementNotApplicable { .. } => "placement-not-applicable",
            Error::NowhereToPlace(_) => "nowhere-to-place",
            Error::Unsealable { .. } => "unsealable-entry",
            Error::Picture(_) => "bad-picture",
            Error::NoFreeName { .. } => "no-free-name",
            Error::InvalidArgument { .. } => "invalid-argument",
            Error::SameFile { .. } => "same-file",
            Error::OutputTaken { .. } => "output-taken",
            Error::Write(_) => "write-failed",
        }
    }

    /// What kind of failure this is, for programs that only need the broad class.
    pub fn class(&self) -> ErrorClass {
        use Error::*;
        match self {
            Io { .. } | Write(_) => ErrorClass::Environment,
            TsaUnreachable { .. } | TsaRefused { .. } | TsaAnswerInvalid { .. } => {
                ErrorClass::Service
            }
            NotAZip(_)
            | Foreign(_)
            | Limit(_)
            | UnsafeEntryName { .. }
            | AmbiguousZip { .. }
            | AmbiguousContentTypes(_)
            | NotAPackage(_)
            | MissingPart { .. }
            | Xml { .. }
            | UnsupportedCompression { .. }
            | CorruptEntry { .. }
            | UnsupportedDocument { .. } => ErrorClass::Input,
            WrongPin { .. }
            | WrongPassword { .. }
            | PasswordNeeded { .. }
            | PinLocked { .. }
            | PinNeeded { .. }
            | PinUnreadable(_)
            | TokenNotFound { .. }
            | TokenRemoved
            | Pkcs11 { .. }
            | KeyNotFound { .. }
            | AmbiguousKey { .. }
            | CertificateMissing { .. }
            | CertificateNotValid { .. }
            | KeyFile { .. }
            | UnsupportedKey(_)
            | Certificate(_)
            | SigningFailed(_)
            | KeyMismatch { .. } => ErrorClass::Key,
            AlreadySigned
            | SlotAfterSeal
            | SlotExists { .. }
            | NoSuchSlot { .. }
            | SlotFilled { .. }
            | KeywordNotFound { .. }
            | OccurrenceMissing { .. }
            | NoSuchSheet { .. }
            | NoSuchCell { .. }
            | PlacementNotApplicable { .. }
            | NowhereToPlace(_)
            | Unsealable { .. }
            | Picture(_)
            | NoFreeName { .. } => ErrorClass::Document,
            InvalidArgument { .. } | SameFile { .. } | OutputTaken { .. } => ErrorClass::Usage,
        }
    }
}

/// The broad class of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The file is not a readable Word or Excel package.
    Input,
    /// The key, token or PIN cannot be used: nothing about this document.
    Key,
    /// This document cannot be sealed as asked.
    Document,
    /// The request is malformed.
    Usage,
    /// The machine refused (disk, permissions).
    Environment,
    /// A service the seal needs (the time-stamping authority) failed: nothing about this document.
    Service,
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

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn a_missing_token_names_both_listings_only_when_they_differ() {
        let same = Error::TokenNotFound {
            label: "SealKey".into(),
            present: vec!["\"Other\"".into()],
            earlier: vec!["\"Other\"".into()],
        };
        assert_eq!(
            same.to_string(),
            "no token labelled \"SealKey\" (tokens present: \"Other\")"
        );
        let flickered = Error::TokenNotFound {
            label: "SealKey".into(),
            present: vec![],
            earlier: vec!["\"SealKey\"".into()],
        };
        assert_eq!(
            flickered.to_string(),
            "no token labelled \"SealKey\" (tokens present: none; a moment before: \"SealKey\")"
        );
    }
}
