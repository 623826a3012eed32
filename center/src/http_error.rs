//! The center's error as an HTTP answer: a status chosen by variant, and a JSON body with the
//! stable code a client acts on.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::error::Error;

/// The center's error as an HTTP answer: its status by variant, a JSON body with the stable
/// code. (A wrapper: the error type is shared with the clients, which know nothing of HTTP
/// servers.)
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        ApiError(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            Error::BadLogin => StatusCode::UNAUTHORIZED,
            Error::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Forbidden(_) | Error::CsrfRefused(_) => StatusCode::FORBIDDEN,
            Error::NoSuchSeal(_) | Error::NoSuchUser(_) => StatusCode::NOT_FOUND,
            Error::BadTransition { .. } | Error::SealNotActive { .. } => StatusCode::CONFLICT,
            Error::Invalid(_) => StatusCode::BAD_REQUEST,
            Error::Unreachable(_) => StatusCode::SERVICE_UNAVAILABLE,
            // The request named a token this host cannot use: the request's problem.
            Error::Token { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = serde_json::json!({"error": self.0.code(), "message": self.to_string()});
        // What a client acts on beyond the code: which row broke, how long to wait.
        match &self.0 {
            Error::AuditBroken { seq, reason } => {
                body["seq"] = (*seq).into();
                body["reason"] = reason.as_str().into();
            }
            Error::Throttled { seconds } => body["seconds"] = (*seconds).into(),
            Error::Token { cause, .. } => body["cause"] = (*cause).into(),
            _ => {}
        }
        let mut r = HttpResponse::build(self.status_code());
        if let Error::Throttled { seconds } = &self.0 {
            r.insert_header(("retry-after", seconds.to_string()));
        }
        r.json(body)
    }
}
