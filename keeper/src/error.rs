//! What can stop the keeper's work, by cause: the engine's own errors kept whole, and the seal
//! center's word kept apart from them, so that a front end can tell "the center refused this
//! seal" from "the certificate is not valid" without reading messages.

use std::fmt;

#[derive(Debug)]
pub enum Error {
    /// The engine refused (the document, the key, the PIN, the TSA…).
    Engine(docseal::Error),
    /// The seal center refused the seal: unknown, suspended or revoked.
    Refused {
        seal: String,
        reason: docseal_center_client::Error,
    },
    /// The seal center could not be used before anything was touched (address, TLS, login).
    Center(docseal_center_client::Error),
    /// The key is not the one the seal was registered or issued with.
    NotTheSealsKey {
        seal: String,
        subject: String,
        mismatch: Mismatch,
    },
    /// The use needed an approval the center would not give.
    ApprovalRefused { seal: String, reason: String },
    /// A seal whose every use needs an approval, used without a seal center.
    ApprovalNeedsCenter { seal: String },
    /// A seal whose every use needs an approval of one document, asked to seal many.
    ApprovalPerDocument { seal: String },
    /// Stamping without a picture: none issued, none given.
    NoPicture,
}

/// Which record the key disagrees with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// The registry's certificate fingerprint.
    Registered,
    /// The certificates the seal data (GB/T 38540 SESeal) lists.
    Issued,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A stable code for programs (the server's JSON `error`), never a message.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Engine(e) => e.code(),
            Error::Refused { .. } => "seal-refused",
            Error::Center(_) => "center-unavailable",
            Error::NotTheSealsKey { .. } => "not-the-seals-key",
            Error::ApprovalRefused { .. } => "approval-refused",
            Error::ApprovalNeedsCenter { .. } => "approval-needs-center",
            Error::ApprovalPerDocument { .. } => "approval-per-document",
            Error::NoPicture => "no-picture",
        }
    }

    /// The engine's error, when it is one.
    pub fn engine(&self) -> Option<&docseal::Error> {
        match self {
            Error::Engine(e) => Some(e),
            _ => None,
        }
    }
}

impl From<docseal::Error> for Error {
    fn from(e: docseal::Error) -> Error {
        Error::Engine(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Engine(e) => write!(f, "{e}"),
            Error::Refused { seal, reason } => {
                write!(f, "seal {seal} is refused by the seal center: {reason}")
            }
            Error::Center(e) => write!(f, "the seal center: {e}"),
            Error::NotTheSealsKey {
                seal,
                subject,
                mismatch: Mismatch::Registered,
            } => write!(
                f,
                "the key's certificate ({subject}) is not the certificate of seal {seal}"
            ),
            Error::NotTheSealsKey {
                seal,
                subject,
                mismatch: Mismatch::Issued,
            } => write!(
                f,
                "seal {seal} is issued to another certificate than the key's ({subject})"
            ),
            Error::ApprovalRefused { seal, reason } => write!(f, "seal {seal}: {reason}"),
            Error::ApprovalNeedsCenter { seal } => write!(
                f,
                "seal {seal} needs an approval for each use: use it through the seal center (--center or --data-dir)"
            ),
            Error::ApprovalPerDocument { seal } => write!(
                f,
                "seal {seal} needs an approval for each document: seal them one at a time with stamp"
            ),
            Error::NoPicture => write!(
                f,
                "no seal picture: give one (--image seal.png, or --name to draw one), or use a seal the center issued"
            ),
        }
    }
}

impl std::error::Error for Error {}
