//! The session's CSRF token, which the server checks and every client sends.

/// The session's CSRF token: derived from the bearer token, so the server keeps no second
/// secret, and a page that can read it could read the bearer token too.
pub fn csrf_token(bearer: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::audit::hex(&Sha256::digest(format!("docseal-csrf:{bearer}").as_bytes()))
}
