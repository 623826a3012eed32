//! Every route of the center's HTTPS API and who may call it, in one table. The table is what is
//! served: each line registers its handler wrapped in [`auth::authorize`] with its rule, so a
//! route cannot exist without one, and the test that walks every route with every role
//! (`center/tests/roles.rs`) reads the same table.
//!
//! What each role may do, in words:
//! - administrators: everything;
//! - keepers: their own seals (list, record, picture, usable, report lost), approval requests
//!   for them and the use of their own approvals, reports of what they stamped or verified;
//! - auditors: read the registry, the users, the approvals and the audit log; change nothing;
//! - approvers: read the seals and the approval requests, and approve or reject them (never
//!   their own); not the audit log, not the users.

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::auth::{self, Access, ADMIN, APPROVERS, EVERYONE, KEEPERS, READERS};
use crate::server::*;

/// One route: method (lower case), path pattern, rule.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// A registration carries its picture (a 600 dpi PNG is a few hundred KB); every other JSON
/// body is small.
const PICTURE_JSON: usize = 8 << 20;
/// A TimeStampReq is a hash and a few fields: a few hundred bytes.
const TSA_REQUEST_LIMIT: usize = 16 * 1024;

/// Resources in the order actix matches them (a literal segment before a `{placeholder}` of the
/// same position), each with its methods, their rules and their handlers.
macro_rules! api {
    ($( $path:literal $([$($data:expr),*])? { $( $method:ident $access:expr => $handler:path ),+ $(,)? } )*) => {
        /// The table: every route of [`api`] with its rule.
        pub const ROUTES: &[Route] = &[
            $( $( Route { method: stringify!($method), path: $path, access: $access }, )+ )*
        ];

        /// The routes of the HTTPS API.
        pub fn api(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        $( $( .app_data($data) )* )?
                        $( .route(web::$method().to($handler).wrap(from_fn(
                            move |req, next| auth::authorize($access, req, next),
                        ))) )+
                );
            )*
        }
    };
}

api! {
    "/api/login" { post Access::Public => login }
    "/api/logout" { post Access::Session => logout }
    "/api/permissions" { get Access::Session => permissions }
    "/api/users" {
        get Access::Roles(READERS) => users,
        post Access::Roles(ADMIN) => add_user,
    }
    "/admin" { get Access::Public => admin_home }
    "/admin/{path:.*}" { get Access::Public => admin }
    "/api/seals" [web::JsonConfig::default().limit(PICTURE_JSON)] {
        get Access::Roles(EVERYONE) => seals,
        post Access::Roles(ADMIN) => add_seal,
    }
    "/api/seals/enroll" { post Access::Roles(ADMIN) => enroll }
    "/api/seals/{id}" { get Access::Roles(EVERYONE) => seal }
    "/api/seals/{id}/picture" { get Access::Roles(EVERYONE) => picture }
    "/api/seals/{id}/usable" { get Access::Roles(KEEPERS) => usable }
    "/api/seals/{id}/suspend" { post Access::Roles(KEEPERS) => suspend }
    "/api/seals/{id}/revoke" { post Access::Roles(ADMIN) => revoke }
    "/api/seals/{id}/reinstate" { post Access::Roles(ADMIN) => reinstate }
    "/api/seals/{id}/policy" { post Access::Roles(ADMIN) => policy }
    "/api/status/{fingerprint}" { get Access::Session => status }
    "/api/approvals" {
        post Access::Roles(KEEPERS) => request_approval,
        get Access::Roles(EVERYONE) => approvals,
    }
    "/api/approvals/{id}/consume" { post Access::Roles(KEEPERS) => consume }
    "/api/approvals/{id}/{verb}" { post Access::Roles(APPROVERS) => decide }
    "/api/reports" { post Access::Roles(KEEPERS) => report }
    "/api/audit" { get Access::Roles(READERS) => audit }
    "/api/audit/verify" { get Access::Roles(READERS) => audit_verify }
    "/ca.pem" { get Access::Public => ca }
    "/crl/{name}" { get Access::Public => crl }
    "/tsa" [web::PayloadConfig::new(TSA_REQUEST_LIMIT)] { post Access::Public => tsa }
}

/// The routes of the plain-HTTP listener: the CRL, and the TSA for clients that speak RFC 3161
/// over plain HTTP (its answers are signed, like the CRL).
pub fn crl_only(cfg: &mut web::ServiceConfig) {
    cfg.route("/crl/{name}", web::get().to(crl)).service(
        web::resource("/tsa")
            .app_data(web::PayloadConfig::new(TSA_REQUEST_LIMIT))
            .route(web::post().to(tsa)),
    );
}

/// The rule for `method` on a path `pattern` of [`ROUTES`].
pub fn access_of(method: &str, pattern: &str) -> Option<Access> {
    ROUTES
        .iter()
        .find(|r| r.method.eq_ignore_ascii_case(method) && r.path == pattern)
        .map(|r| r.access)
}

/// What `role` may call, as "METHOD /path/{pattern}" lines: the admin page hides what the table
/// would refuse, read from the same table the server enforces.
pub fn allowed_for(role: crate::registry::Role) -> Vec<String> {
    ROUTES
        .iter()
        .filter(|r| match r.access {
            Access::Public | Access::Session => true,
            Access::Roles(roles) => roles.contains(&role),
        })
        .map(|r| format!("{} {}", r.method.to_ascii_uppercase(), r.path))
        .collect()
}

/// `GET /api/permissions`: what the session's role may call ([`allowed_for`]).
async fn permissions(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, crate::http_error::ApiError> {
    let a = auth::actor(&req)?;
    Ok(actix_web::HttpResponse::Ok().json(allowed_for(a.role)))
}
