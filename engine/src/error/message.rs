//! What each error says to a person: one line naming the problem and, where there is one, the
//! way out. A table, one arm per variant.

use std::fmt;

use super::{Error, TriesLeft};

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            Error::NotAZip(why) => write!(f, "not a readable ZIP package: {why}"),
            Error::Foreign(what) => write!(f, "not an Office Open XML document: {what}"),
            Error::Limit(l) => write!(f, "{l}"),
            Error::UnsafeEntryName { name, reason } => {
                write!(f, "unsafe entry name {name:?}: {reason}")
            }
            Error::AmbiguousContentTypes(what) => {
                write!(f, "[Content_Types].xml is ambiguous: {what}")
            }
            Error::AmbiguousZip { entry, rule } => {
                write!(
                    f,
                    "the ZIP archive can be read in two ways at {entry:?}: {rule}"
                )
            }
            Error::NotAPackage(why) => write!(f, "not an Office package: {why}"),
            Error::MissingPart { part } => write!(f, "{part} is missing from the package"),
            Error::Xml { part, reason } => write!(f, "{part}: {reason}"),
            Error::UnsupportedCompression { part, method } => {
                write!(f, "{part}: unsupported compression method {method}")
            }
            Error::CorruptEntry { part, reason } => write!(f, "{part} is corrupt: {reason}"),
            Error::UnsupportedDocument { main_part, what } => write!(f, "{main_part}: {what}"),
            Error::WrongPin { key, tries_left } => {
                write!(f, "wrong PIN for {key}")?;
                match tries_left {
                    TriesLeft::Unknown => Ok(()),
                    TriesLeft::Few => write!(f, " (few tries left before it locks)"),
                    TriesLeft::One => write!(f, " (one more wrong PIN locks it)"),
                }
            }
            Error::WrongPassword { file } => write!(f, "wrong password for {file}"),
            Error::PasswordNeeded { file } => write!(
                f,
                "{file} needs a password: give --pin-file FILE or set DOCSEAL_PIN"
            ),
            Error::PinLocked { key } => write!(
                f,
                "the PIN of {key} is locked; ask the seal administrator to unlock it"
            ),
            Error::PinNeeded { key } => write!(
                f,
                "{key} needs its PIN: give --pin-file FILE or set DOCSEAL_PIN"
            ),
            Error::PinUnreadable(why) => write!(f, "reading the PIN: {why}"),
            Error::TokenNotFound {
                label,
                present,
                earlier,
            } => write!(
                f,
                "no token labelled {label:?} (tokens present: {}{})",
                if present.is_empty() {
                    "none".to_string()
                } else {
                    present.join(", ")
                },
                if earlier == present {
                    String::new()
                } else if earlier.is_empty() {
                    "; a moment before: none".to_string()
                } else {
                    format!("; a moment before: {}", earlier.join(", "))
                }
            ),
            Error::TokenRemoved => write!(f, "the token was removed; insert it and try again"),
            Error::Pkcs11 { module, reason } => write!(f, "PKCS#11 module {module}: {reason}"),
            Error::KeyNotFound { token, object } => match object {
                Some(o) => write!(f, "no private key {o:?} on token {token:?}"),
                None => write!(f, "no private key with that id on token {token:?}"),
            },
            Error::AmbiguousKey { token } => write!(
                f,
                "several keys on token {token:?} match; name one with object= or id="
            ),
            Error::CertificateMissing { key } => {
                write!(f, "no certificate for {key}; give one with --cert")
            }
            Error::CertificateNotValid { subject, reason } => {
                write!(f, "the seal certificate {subject} {reason}")
            }
            Error::KeyFile { path, reason } => write!(f, "{path}: {reason}"),
            Error::UnsupportedKey(why) => write!(f, "{why}"),
            Error::Certificate(why) => write!(f, "{why}"),
            Error::SigningFailed(why) => write!(f, "signing failed: {why}"),
            Error::TsaUnreachable { url, reason } => write!(
                f,
                "the time-stamping authority {url} cannot be reached ({reason}); nothing was written"
            ),
            Error::TsaRefused { url, status } => write!(
                f,
                "the time-stamping authority {url} refused: {status}; nothing was written"
            ),
            Error::TsaAnswerInvalid { url, reason } => write!(
                f,
                "the time-stamping authority {url} answered with an unusable token: {reason}; nothing was written"
            ),
            Error::KeyMismatch { subject } => write!(
                f,
                "the key did not produce a signature that {subject} verifies (wrong key selected?)"
            ),
            Error::AlreadySigned => write!(
                f,
                "the document is already signed; a new seal picture would break the earlier seal"
            ),
            Error::SlotAfterSeal => write!(
                f,
                "the document is already sealed; a new seal slot would break the earlier seal (add every slot before the first seal)"
            ),
            Error::SlotExists { label } => {
                write!(f, "the document already has a seal slot {label:?}")
            }
            Error::NoSuchSlot { label, free } if free.is_empty() => {
                write!(f, "the document has no empty seal slot {label:?}")
            }
            Error::NoSuchSlot { label, free } => write!(
                f,
                "the document has no empty seal slot {label:?} (empty slots: {})",
                free.join(", ")
            ),
            Error::SlotFilled { label } => write!(f, "the seal slot {label:?} is sealed already"),
            Error::KeywordNotFound { needle } => {
                write!(f, "the text {needle:?} is not in the document")
            }
            Error::OccurrenceMissing {
                needle,
                found,
                wanted,
            } => write!(
                f,
                "the text {needle:?} occurs {found} time(s); occurrence {wanted} does not exist"
            ),
            Error::NoSuchSheet { name, sheets } => {
                write!(f, "no sheet named {name:?} (sheets: {})", sheets.join(", "))
            }
            Error::NoSuchCell { cell } => {
                write!(f, "{cell:?} is not a cell reference like E20")
            }
            Error::PlacementNotApplicable { placement, kind } => {
                write!(f, "{placement} does not apply to {kind}")
            }
            Error::NowhereToPlace(why) => write!(f, "nowhere to place the seal: {why}"),
            Error::Unsealable { entry, reason } => {
                write!(f, "cannot seal {entry}: {reason}")
            }
            Error::Picture(why) => write!(f, "seal picture: {why}"),
            Error::NoFreeName { stem } => write!(f, "no free part name for {stem}"),
            Error::InvalidArgument { arg, reason } => write!(f, "{arg}: {reason}"),
            Error::SameFile { path } => write!(
                f,
                "{}: the output must not be the input file",
                path.display()
            ),
            Error::OutputTaken { output, by } => write!(
                f,
                "{}: already the output of {} (a template and a document of the same name)",
                output.display(),
                by.display()
            ),
            Error::Write(why) => write!(f, "writing the package: {why}"),
        }
    }
}
