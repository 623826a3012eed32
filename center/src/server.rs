//! The center's HTTPS API (actix-web over rustls). Every call but the CRL is authenticated with
//! a bearer token from `POST /api/login`; sessions expire after eight hours.
//!
//! The CRL is also served over plain HTTP on its own listener when asked: a CRL is signed, and a
//! verifier fetching it must not need the center's TLS certificate first (RFC 5280 §4.2.1.13
//! distribution points are usually http: for this reason).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::sync::Arc;

use crate::audit::Filter;
use crate::auth::{actor, bearer, csrf_token};
use crate::error::Error;
pub use crate::http_error::ApiError;
use crate::registry::{Reason, Role};
use crate::Center;

pub const SESSION_HOURS: i64 = 8;

type Shared = web::Data<Arc<Center>>;

#[derive(Deserialize)]
pub(crate) struct Login {
    name: String,
    password: String,
}

pub(crate) async fn login(
    c: Shared,
    req: HttpRequest,
    body: web::Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let a = c
        .login_from(&body.name, &body.password, req.peer_addr().map(|p| p.ip()))
        .await?;
    let (token, expires_at) = c.open_session(&a, SESSION_HOURS).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "token": token, "csrf": csrf_token(&token), "expires_at": expires_at, "name": a.name, "role": a.role
    })))
}

pub(crate) async fn logout(c: Shared, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    actor(&req)?;
    c.close_session(bearer(&req)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn users(c: Shared, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    actor(&req)?;
    Ok(HttpResponse::Ok().json(c.users().await?))
}

#[derive(Deserialize)]
pub(crate) struct NewUser {
    name: String,
    role: String,
    password: String,
}

pub(crate) async fn add_user(
    c: Shared,
    req: HttpRequest,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    let role = Role::parse(&body.role)?;
    Ok(HttpResponse::Ok().json(c.add_user(&a, &body.name, role, &body.password).await?))
}

/// The administrator's page: plain HTML, CSS and JS, built into the binary (no build step, no
/// files to lose), with headers that keep it from running anything else or being framed.
fn admin_file(path: &str) -> Option<(&'static str, &'static str)> {
    Some(match path {
        "" | "index.html" => (
            "text/html; charset=utf-8",
            include_str!("../admin/index.html"),
        ),
        "admin.js" => (
            "text/javascript; charset=utf-8",
            include_str!("../admin/admin.js"),
        ),
        "admin.css" => (
            "text/css; charset=utf-8",
            include_str!("../admin/admin.css"),
        ),
        "i18n/en.json" => ("application/json", include_str!("../admin/i18n/en.json")),
        "i18n/zh-CN.json" => ("application/json", include_str!("../admin/i18n/zh-CN.json")),
        _ => return None,
    })
}

pub(crate) async fn admin(path: web::Path<String>) -> HttpResponse {
    match admin_file(&path) {
        Some((kind, body)) => HttpResponse::Ok()
            .content_type(kind)
            .insert_header((
                "content-security-policy",
                "default-src 'self'; img-src 'self' blob:; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ))
            .insert_header(("x-content-type-options", "nosniff"))
            .insert_header(("referrer-policy", "no-referrer"))
            .insert_header(("cache-control", "no-cache"))
            .body(body),
        None => HttpResponse::NotFound().finish(),
    }
}

/// A seal as the API lists it: without the picture, which has its own URL, and without the
/// seal data, which the seal's `usable` answer carries to the client about to use it.
fn public(s: &crate::registry::Seal) -> serde_json::Value {
    shown(s, false)
}

fn shown(s: &crate::registry::Seal, with_seal_data: bool) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("picture_b64");
        if !with_seal_data {
            o.remove("seseal_b64");
        }
    }
    v
}

pub(crate) async fn seals(c: Shared, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    let all = c.seals().await?;
    // A keeper's picker shows the seals they keep.
    let list: Vec<serde_json::Value> = all
        .iter()
        .filter(|s| a.role != Role::Keeper || s.holder == a.name)
        .map(public)
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

pub(crate) async fn seal(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    Ok(HttpResponse::Ok().json(public(&c.seal_for(&a, &id).await?)))
}

/// A certificate's revocation status at the center, by its SHA-256 fingerprint: what a
/// verifier connected to the center asks on every verification (a suspension shows at once,
/// where a CRL fetched earlier would not yet list it). Any user may ask: the CRL says as much.
pub(crate) async fn status(
    c: Shared,
    req: HttpRequest,
    fingerprint: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    actor(&req)?;
    let s = c.seal_by_fingerprint(&fingerprint).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "seal": s.id,
        "status": s.status,
        "status_at": s.status_at,
        "reason": s.status_reason,
        "revoked_at": s.revoked_at,
        "serial": s.serial_hex,
        "checked_at": docseal_center_client::clock::now(),
    })))
}

pub(crate) async fn admin_home() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header(("location", "/admin/"))
        .finish()
}

pub(crate) async fn picture(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    use base64::Engine;
    let a = actor(&req)?;
    let s = c.seal_for(&a, &id).await?;
    let png = s
        .picture_b64
        .as_deref()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .ok_or_else(|| Error::NoSuchSeal(format!("{} (no picture)", s.id)))?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// 200 when the seal may be used now, 409 naming its status otherwise: clients ask before the
/// token is touched.
pub(crate) async fn usable(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    c.seal_for(&a, &id).await?;
    Ok(HttpResponse::Ok().json(shown(&c.check_usable(&id).await?, true)))
}

#[derive(Deserialize)]
pub(crate) struct WithReason {
    reason: String,
}

pub(crate) async fn suspend(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<WithReason>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    let s = c.suspend(&a, &id, Reason::parse(&body.reason)?).await?;
    Ok(HttpResponse::Ok().json(public(&s)))
}

pub(crate) async fn revoke(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<WithReason>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    let s = c.revoke(&a, &id, Reason::parse(&body.reason)?).await?;
    Ok(HttpResponse::Ok().json(public(&s)))
}

pub(crate) async fn reinstate(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    Ok(HttpResponse::Ok().json(public(&c.reinstate(&a, &id).await?)))
}

#[derive(Deserialize)]
pub(crate) struct AddBody {
    /// The seal certificate, PEM.
    cert_pem: String,
    holder: String,
    name: Option<String>,
    unit: Option<String>,
    kind: Option<String>,
    /// The seal picture (PNG), base64; drawn from the name when absent.
    picture_b64: Option<String>,
    #[serde(default)]
    approval_required: bool,
    /// Where the seal's key is, for clients that pick the seal.
    token_uri: Option<String>,
}

/// Registers a seal whose certificate exists already.
pub(crate) async fn add_seal(
    c: Shared,
    req: HttpRequest,
    body: web::Json<AddBody>,
) -> Result<HttpResponse, ApiError> {
    use base64::Engine;
    let a = actor(&req)?;
    let b = body.into_inner();
    let picture_png = match b.picture_b64.filter(|p| !p.is_empty()) {
        Some(p) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(p)
                .map_err(|_| Error::Invalid("the picture is not base64".into()))?,
        ),
        None => None,
    };
    let new = crate::NewSeal {
        cert_pem: b.cert_pem,
        holder: b.holder,
        name: b.name.filter(|n| !n.trim().is_empty()),
        unit: b.unit.filter(|u| !u.trim().is_empty()),
        kind: b.kind.unwrap_or_else(|| "official".into()),
        picture_png,
        approval_required: b.approval_required,
        token_uri: b.token_uri.filter(|t| !t.trim().is_empty()),
    };
    Ok(HttpResponse::Ok().json(public(&c.add_seal(&a, new).await?)))
}

#[derive(Deserialize)]
pub(crate) struct EnrollBody {
    /// `pkcs11:token=LABEL` (the token must be reachable from the center's host).
    token: String,
    pin: String,
    holder: String,
    name: String,
    unit: Option<String>,
    kind: Option<String>,
    text: Option<String>,
    #[serde(default)]
    approval_required: bool,
    #[serde(default)]
    rsa: bool,
    days: Option<i64>,
}

/// Enrolls a seal on a token the center's host can reach (the administrator's desk, an HSM):
/// the key made there, the certificate issued, the seal registered.
pub(crate) async fn enroll(
    c: Shared,
    req: HttpRequest,
    body: web::Json<EnrollBody>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    let b = body.into_inner();
    let enrollment = crate::Enrollment {
        token: b.token,
        label: None,
        key_type: if b.rsa {
            docseal::keys::KeyType::Rsa
        } else {
            docseal::keys::KeyType::Ec
        },
        pin: docseal::keys::Unlock {
            secret: Some(zeroize::Zeroizing::new(b.pin)),
            module: crate::unlock::module(),
            ..Default::default()
        },
        text: b.text,
        days: b.days.unwrap_or(3 * 365),
    };
    let new = crate::NewSeal {
        cert_pem: String::new(),
        holder: b.holder,
        name: Some(b.name),
        unit: b.unit.filter(|u| !u.trim().is_empty()),
        kind: b.kind.unwrap_or_else(|| "official".into()),
        picture_png: None,
        approval_required: b.approval_required,
        token_uri: None,
    };
    let seal = c.enroll(&a, enrollment, new).await?;
    Ok(HttpResponse::Ok().json(public(&seal)))
}

#[derive(Deserialize)]
pub(crate) struct Policy {
    approval: String,
}

pub(crate) async fn policy(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<Policy>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    let required = match body.approval.as_str() {
        "required" => true,
        "none" => false,
        other => {
            return Err(
                Error::Invalid(format!("approval is required or none, not {other:?}")).into(),
            )
        }
    };
    c.set_approval_policy(&a, &id, required).await?;
    Ok(HttpResponse::Ok().json(public(&c.seal(&id).await?)))
}

pub(crate) async fn request_approval(
    c: Shared,
    req: HttpRequest,
    body: web::Json<crate::approvals::NewRequest>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    Ok(HttpResponse::Ok().json(c.request_approval(&a, body.into_inner()).await?))
}

#[derive(Deserialize)]
pub(crate) struct StatusQuery {
    status: Option<String>,
}

pub(crate) async fn approvals(
    c: Shared,
    req: HttpRequest,
    q: web::Query<StatusQuery>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    Ok(HttpResponse::Ok().json(c.approvals(&a, q.status.as_deref()).await?))
}

#[derive(Deserialize)]
pub(crate) struct Decision {
    reason: Option<String>,
}

/// An approver's decision: `approve` or `reject`.
pub(crate) async fn decide(
    c: Shared,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    let (id, verb) = path.into_inner();
    let approve = match verb.as_str() {
        "approve" => true,
        "reject" => false,
        other => return Err(Error::Invalid(format!("approve or reject, not {other:?}")).into()),
    };
    Ok(HttpResponse::Ok().json(c.decide(&a, &id, approve, body.reason.clone()).await?))
}

#[derive(Deserialize)]
pub(crate) struct Consume {
    seal_id: String,
    document_sha256: String,
}

/// A stamp takes its approval, once.
pub(crate) async fn consume(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<Consume>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    Ok(HttpResponse::Ok().json(
        c.consume_approval(&a, &id, &body.seal_id, &body.document_sha256)
            .await?,
    ))
}

/// A client's report of a stamp, a signature or a verification through a server.
pub(crate) async fn report(
    c: Shared,
    req: HttpRequest,
    body: web::Json<ReportBody>,
) -> Result<HttpResponse, ApiError> {
    let a = actor(&req)?;
    if !matches!(
        body.report.event.action.as_str(),
        "stamp" | "sign" | "verify"
    ) {
        return Err(Error::Invalid(format!(
            "a client reports stamp, sign or verify, not {:?}",
            body.report.event.action
        ))
        .into());
    }
    let body = body.into_inner();
    let (seq, head) = c
        .record(
            &a,
            &body.report.event_id,
            body.report.event,
            body.seen_head.as_ref(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"seq": seq, "head": head})))
}

/// A report as posted: the report, and the newest signed head the client was shown before.
#[derive(Deserialize)]
pub(crate) struct ReportBody {
    #[serde(flatten)]
    report: crate::client::Report,
    seen_head: Option<crate::audit::Head>,
}

#[derive(Deserialize)]
pub(crate) struct AuditQuery {
    seal: Option<String>,
    since: Option<i64>,
}

pub(crate) async fn audit(
    c: Shared,
    req: HttpRequest,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    actor(&req)?;
    let rows = c
        .audit(&Filter {
            seal_id: q.seal.clone(),
            since: q.since,
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// A head the asking client was shown before, to check the log against (all four or none).
#[derive(Deserialize)]
pub(crate) struct SeenHead {
    seq: Option<i64>,
    hash: Option<String>,
    at: Option<i64>,
    signature: Option<String>,
}

impl SeenHead {
    fn head(self) -> Option<crate::audit::Head> {
        Some(crate::audit::Head {
            seq: self.seq?,
            hash: self.hash?,
            at: self.at?,
            signature: self.signature?,
        })
    }
}

pub(crate) async fn audit_verify(
    c: Shared,
    req: HttpRequest,
    q: web::Query<SeenHead>,
) -> Result<HttpResponse, ApiError> {
    actor(&req)?;
    Ok(HttpResponse::Ok().json(c.verify_audit(q.into_inner().head().as_ref()).await?))
}

/// The seal CA's certificate (public), for clients that verify this center's seals.
pub(crate) async fn ca(c: Shared) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .body(c.ca().cert_pem().to_string())
}

pub(crate) async fn crl(c: Shared) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .content_type("application/pkix-crl")
        .body(c.crl().await?))
}

/// RFC 3161 §3.4: a DER TimeStampReq posted as application/timestamp-query, a TimeStampResp
/// back as application/timestamp-reply — refusals too, with their PKIFailureInfo. No login: a
/// time-stamp says only when some hash existed, and clients of a TSA carry no credentials.
pub(crate) async fn tsa(
    c: Shared,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let kind = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !kind.starts_with("application/timestamp-query") {
        return Err(Error::Invalid(
            "a time-stamp request is sent as application/timestamp-query".into(),
        )
        .into());
    }
    let answer = c
        .tsa()
        .map_err(|e| Error::Unreachable(format!("the time-stamp authority: {e}")))?
        .answer(&body);
    Ok(HttpResponse::Ok()
        .content_type("application/timestamp-reply")
        .body(answer.response))
}
