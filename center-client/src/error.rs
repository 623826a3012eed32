//! The one error type of the seal center, shared by its server and its clients. Each variant names a condition a caller can act on;
//! `code()` gives the stable name the CLI prints and the API returns.

use std::fmt;

#[derive(Debug)]
pub enum Error {
    /// The data directory holds no center yet (`docseal center init`).
    NotInitialised(String),
    /// `init` on a data directory that already holds a center.
    AlreadyInitialised(String),
    /// The store could not be opened, read or written.
    Store(String),
    /// No seal with this id.
    NoSuchSeal(String),
    /// No user with this name.
    NoSuchUser(String),
    /// A seal cannot move from its status to the one asked for (e.g. reinstate a revoked seal).
    BadTransition {
        seal: String,
        from: String,
        to: String,
    },
    /// Wrong name or password.
    BadLogin,
    /// Too many failed logins; try again after the given number of seconds.
    Throttled { seconds: i64 },
    /// The actor's role does not allow the operation.
    Forbidden(String),
    /// A value given to the center is not acceptable (names the field and why).
    Invalid(String),
    /// A certificate, key or CRL could not be made or read.
    Crypto(String),
    /// A file in the data directory could not be read or written.
    Io(String),
    /// The audit log's chain or its signed head does not hold (names the row).
    AuditBroken { seq: i64, reason: String },
    /// A seal that is suspended or revoked may not be used.
    SealNotActive { seal: String, status: String },
    /// The center could not be reached (the client queues its reports).
    Unreachable(String),
    /// A change without the session's CSRF token, or from another origin.
    CsrfRefused(String),
    /// The token named for an enrolment could not be used: not there, a wrong PIN, a key
    /// label taken. `cause` is the engine's code for it (`no-token`, `wrong-pin`, …).
    Token {
        cause: &'static str,
        message: String,
    },
}

impl Error {
    /// A token's refusal, keeping the engine's code.
    pub fn token(e: docseal::Error) -> Error {
        Error::Token {
            cause: e.code(),
            message: e.to_string(),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotInitialised(_) => "center-not-initialised",
            Error::AlreadyInitialised(_) => "center-already-initialised",
            Error::Store(_) => "store-failed",
            Error::NoSuchSeal(_) => "no-such-seal",
            Error::NoSuchUser(_) => "no-such-user",
            Error::BadTransition { .. } => "bad-transition",
            Error::BadLogin => "bad-login",
            Error::Throttled { .. } => "login-throttled",
            Error::Forbidden(_) => "forbidden",
            Error::Invalid(_) => "invalid-input",
            Error::Crypto(_) => "crypto-failed",
            Error::Io(_) => "io-failed",
            Error::AuditBroken { .. } => "audit-broken",
            Error::SealNotActive { .. } => "seal-not-active",
            Error::Unreachable(_) => "center-unreachable",
            Error::CsrfRefused(_) => "csrf-refused",
            Error::Token { .. } => "token-failed",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotInitialised(d) => {
                write!(
                    f,
                    "{d} holds no seal center (run `docseal center init` first)"
                )
            }
            Error::AlreadyInitialised(d) => write!(f, "{d} already holds a seal center"),
            Error::Store(e) => write!(f, "the center's store failed: {e}"),
            Error::NoSuchSeal(id) => write!(f, "no seal with id {id}"),
            Error::NoSuchUser(n) => write!(f, "no user named {n}"),
            Error::BadTransition { seal, from, to } => {
                write!(f, "seal {seal} is {from}; it cannot become {to}")
            }
            Error::BadLogin => write!(f, "wrong user name or password"),
            Error::Throttled { seconds } => {
                write!(f, "too many failed logins; try again in {seconds} s")
            }
            Error::Forbidden(what) => write!(f, "not allowed: {what}"),
            Error::Invalid(what) => write!(f, "{what}"),
            Error::Crypto(e) => write!(f, "{e}"),
            Error::Io(e) => write!(f, "{e}"),
            Error::AuditBroken { seq, reason } => {
                write!(f, "the audit log is broken at row {seq}: {reason}")
            }
            Error::SealNotActive { seal, status } => {
                write!(f, "seal {seal} is {status} and may not be used")
            }
            Error::Unreachable(e) => write!(f, "the seal center cannot be reached: {e}"),
            Error::CsrfRefused(why) => write!(f, "refused: {why}"),
            Error::Token { message, .. } => write!(f, "the token: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::Store(e.to_string())
    }
}
