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

/// The HTTP status for an engine error, decided by its variant: the client learns whether to ask
/// for the PIN again (401), fix the document or the request (4xx) or call the administrator (5xx).
pub fn http_status(e: &docseal::Error) -> u16 {
    use docseal::Error as E;
    use docseal::ErrorClass;
    match e {
        E::WrongPin { .. }
        | E::WrongPassword { .. }
        | E::PinNeeded { .. }
        | E::PasswordNeeded { .. } => 401,
        E::PinLocked { .. } => 423,
        E::TokenNotFound { .. } | E::TokenRemoved => 503,
        E::TsaUnreachable { .. } | E::TsaRefused { .. } | E::TsaAnswerInvalid { .. } => 502,
        E::AlreadySigned | E::SlotAfterSeal | E::SlotExists { .. } | E::SlotFilled { .. } => 409,
        E::Foreign(_) | E::UnsupportedDocument { .. } => 415,
        _ => match e.class() {
            ErrorClass::Input | ErrorClass::Usage => 400,
            ErrorClass::Document => 422,
            ErrorClass::Key | ErrorClass::Environment => 500,
            _ => 500,
        },
    }
}

/// The HTTP status for a keeper's error: the engine's as above; the seal center's refusals are
/// the center's word (403), a center out of reach is a gateway's failure (502).
pub fn keeper_status(e: &docseal_keeper::Error) -> u16 {
    use docseal_keeper::Error as K;
    match e {
        K::Engine(e) => http_status(e),
        K::Refused { .. } | K::ApprovalRefused { .. } => 403,
        K::Center(_) => 502,
        K::NotTheSealsKey { .. } => 409,
        K::ApprovalNeedsCenter { .. } | K::ApprovalPerDocument { .. } | K::NoPicture => 400,
    }
}

/// The JSON body every refusal carries: a stable `error` code and a `message` for people.
pub fn error_response(status: u16, code: &str, message: &str) -> actix_web::HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    actix_web::HttpResponse::build(status)
        .json(serde_json::json!({ "error": code, "message": message }))
}
