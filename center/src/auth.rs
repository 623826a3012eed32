//! Who is asking, and whether they may: the bearer session, the origin and CSRF token of a
//! change, and the roles the route allows. Every route's rule is in one table
//! ([`crate::routes`]); this is the one place that applies it, before the handler runs.

use std::sync::Arc;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest};

use crate::error::Error;
use crate::registry::{Actor, Role};
use crate::Center;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a session: the login, the CA certificate, the CRL, the TSA, the page.
    Public,
    /// Anyone logged in.
    Session,
    /// Users with one of these roles. What a role may do to a given seal or request (a keeper
    /// and their own seal, the requester and their approval) is checked by the center itself.
    Roles(&'static [Role]),
}

pub const ADMIN: &[Role] = &[Role::Administrator];
pub const KEEPERS: &[Role] = &[Role::Administrator, Role::Keeper];
pub const READERS: &[Role] = &[Role::Administrator, Role::Auditor];
pub const APPROVERS: &[Role] = &[Role::Administrator, Role::Approver];
pub const EVERYONE: &[Role] = &[
    Role::Administrator,
    Role::Keeper,
    Role::Auditor,
    Role::Approver,
];

pub fn bearer(req: &HttpRequest) -> Result<&str, Error> {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(Error::BadLogin)
}

pub use docseal_center_client::csrf::csrf_token;

/// The user the route's middleware let through (see [`authorize`]).
pub fn actor(req: &HttpRequest) -> Result<Actor, Error> {
    req.extensions()
        .get::<Actor>()
        .cloned()
        .ok_or(Error::BadLogin)
}

/// The origin of a URL (`scheme://host[:port]`), for comparing a Referer with our own.
fn origin_of(url: &str) -> Option<&str> {
    let rest = url.find("://").map(|i| i + 3)?;
    let end = url[rest..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| rest + i);
    Some(&url[..end])
}

/// A change (any method but GET and HEAD) must come from this origin when the client says
/// where it comes from — the Fetch standard's `Origin`, else the `Referer` — and carry the
/// session's CSRF token (OWASP's synchronizer token pattern).
fn check_change(req: &HttpRequest, token: &str) -> Result<(), Error> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let ours = header("host").map(|h| format!("https://{h}"));
    let claimed = match (header("origin"), header("referer")) {
        (Some(o), _) => Some(o),
        (None, Some(r)) => Some(origin_of(r).unwrap_or(r)),
        (None, None) => None,
    };
    if let Some(from) = claimed {
        if ours.as_deref() != Some(from) {
            return Err(Error::CsrfRefused(format!(
                "a change from {}, another origin",
                crate::names::for_terminal(from)
            )));
        }
    }
    if header("x-csrf-token") != Some(csrf_token(token).as_str()) {
        return Err(Error::CsrfRefused(
            "a change without the session's CSRF token".into(),
        ));
    }
    Ok(())
}

/// The logged-in user, if the route lets them through.
async fn admit(center: &Center, req: &HttpRequest, access: Access) -> Result<Actor, Error> {
    let token = bearer(req)?;
    let actor = center.session(token).await?;
    if !matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) {
        check_change(req, token)?;
    }
    match access {
        Access::Roles(roles) if !roles.contains(&actor.role) => Err(Error::Forbidden(format!(
            "{} {} is for the {} role(s); {} is {}",
            req.method(),
            req.match_pattern().unwrap_or_default(),
            roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            actor.name,
            actor.role.as_str()
        ))),
        _ => Ok(actor),
    }
}

/// The middleware every route is wrapped in, with its rule from the table: a refusal is
/// answered here, before the handler reads the body; an admitted user is handed to the handler.
pub async fn authorize(
    access: Access,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if access == Access::Public {
        return next.call(req).await;
    }
    let Some(center) = req.app_data::<web::Data<Arc<Center>>>().cloned() else {
        return Ok(req.error_response(crate::http_error::ApiError(Error::Store(
            "the center is not set up".into(),
        ))));
    };
    match admit(&center, req.request(), access).await {
        Ok(actor) => {
            req.extensions_mut().insert(actor);
            next.call(req).await
        }
        Err(e) => Ok(req.error_response(crate::http_error::ApiError(e))),
    }
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn a_referer_is_compared_by_its_origin() {
        assert_eq!(
            origin_of("https://127.0.0.1:8444/admin/?x=1"),
            Some("https://127.0.0.1:8444")
        );
        assert_eq!(
            origin_of("https://evil.example"),
            Some("https://evil.example")
        );
        assert_eq!(origin_of("nonsense"), None);
    }
}
