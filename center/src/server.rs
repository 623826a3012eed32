//! The center's HTTPS API (actix-web over rustls). Every call but the CRL is authenticated with
//! a bearer token from `POST /api/login`; sessions expire after eight hours.
//!
//! The CRL is also served over plain HTTP on its own listener when asked: a CRL is signed, and a
//! verifier fetching it must not need the center's TLS certificate first (RFC 5280 §4.2.1.13
//! distribution points are usually http: for this reason).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;
use std::sync::Arc;

use crate::audit::Filter;
use crate::error::Error;
use crate::registry::{Actor, Reason, Role};
use crate::Center;

pub const SESSION_HOURS: i64 = 8;

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::BadLogin => StatusCode::UNAUTHORIZED,
            Error::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Forbidden(_) | Error::CsrfRefused(_) => StatusCode::FORBIDDEN,
            Error::NoSuchSeal(_) | Error::NoSuchUser(_) => StatusCode::NOT_FOUND,
            Error::BadTransition { .. } | Error::SealNotActive { .. } => StatusCode::CONFLICT,
            Error::Invalid(_) => StatusCode::BAD_REQUEST,
            Error::Unreachable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = serde_json::json!({"error": self.code(), "message": self.to_string()});
        // What a client acts on beyond the code: which row broke, how long to wait.
        match self {
            Error::AuditBroken { seq, reason } => {
                body["seq"] = (*seq).into();
                body["reason"] = reason.as_str().into();
            }
            Error::Throttled { seconds } => body["seconds"] = (*seconds).into(),
            _ => {}
        }
        let mut r = HttpResponse::build(self.status_code());
        if let Error::Throttled { seconds } = self {
            r.insert_header(("retry-after", seconds.to_string()));
        }
        r.json(body)
    }
}

type Shared = web::Data<Arc<Center>>;

fn bearer(req: &HttpRequest) -> Result<&str, Error> {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(Error::BadLogin)
}

/// The session's CSRF token: derived from the bearer token, so the server keeps no second
/// secret, and a page that can read it could read the bearer token too.
pub fn csrf_token(bearer: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::audit::hex(&Sha256::digest(format!("docseal-csrf:{bearer}").as_bytes()))
}

/// The logged-in user. A change (any method but GET) must also come from this origin, when the
/// client says where it comes from, and carry the session's CSRF token (OWASP's synchronizer
/// token pattern; the origin check is the Fetch standard's `Origin` header).
async fn actor(center: &Center, req: &HttpRequest) -> Result<Actor, Error> {
    let token = bearer(req)?;
    let actor = center.session(token).await?;
    if req.method() != actix_web::http::Method::GET {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        if let (Some(origin), Some(host)) = (header("origin"), header("host")) {
            if origin != format!("https://{host}") {
                return Err(Error::CsrfRefused(format!(
                    "a change from {origin}, another origin"
                )));
            }
        }
        if header("x-csrf-token") != Some(csrf_token(token).as_str()) {
            return Err(Error::CsrfRefused(
                "a change without the session's CSRF token".into(),
            ));
        }
    }
    Ok(actor)
}

#[derive(Deserialize)]
struct Login {
    name: String,
    password: String,
}

async fn login(c: Shared, body: web::Json<Login>) -> Result<HttpResponse, Error> {
    let a = c.login(&body.name, &body.password).await?;
    let (token, expires_at) = c.open_session(&a, SESSION_HOURS).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "token": token, "csrf": csrf_token(&token), "expires_at": expires_at, "name": a.name, "role": a.role
    })))
}

async fn logout(c: Shared, req: HttpRequest) -> Result<HttpResponse, Error> {
    actor(&c, &req).await?;
    c.close_session(bearer(&req)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn users(c: Shared, req: HttpRequest) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    if a.role == Role::Keeper {
        return Err(Error::Forbidden(
            "the user list is for administrators and auditors".into(),
        ));
    }
    Ok(HttpResponse::Ok().json(c.users().await?))
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
    role: String,
    password: String,
}

async fn add_user(
    c: Shared,
    req: HttpRequest,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
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

async fn admin(path: web::Path<String>) -> HttpResponse {
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

async fn seals(c: Shared, req: HttpRequest) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    let all = c.seals().await?;
    // A keeper's picker shows the seals they keep.
    let list: Vec<serde_json::Value> = all
        .iter()
        .filter(|s| a.role != Role::Keeper || s.holder == a.name)
        .map(public)
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

async fn seal(c: Shared, req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, Error> {
    actor(&c, &req).await?;
    Ok(HttpResponse::Ok().json(public(&c.seal(&id).await?)))
}

async fn picture(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    use base64::Engine;
    actor(&c, &req).await?;
    let s = c.seal(&id).await?;
    let png = s
        .picture_b64
        .as_deref()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .ok_or_else(|| Error::NoSuchSeal(format!("{} (no picture)", s.id)))?;
    Ok(HttpResponse::Ok().content_type("image/png").body(png))
}

/// 200 when the seal may be used now, 409 naming its status otherwise: clients ask before the
/// token is touched.
async fn usable(c: Shared, req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, Error> {
    actor(&c, &req).await?;
    Ok(HttpResponse::Ok().json(shown(&c.check_usable(&id).await?, true)))
}

#[derive(Deserialize)]
struct WithReason {
    reason: String,
}

async fn suspend(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<WithReason>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    let s = c.suspend(&a, &id, Reason::parse(&body.reason)?).await?;
    Ok(HttpResponse::Ok().json(public(&s)))
}

async fn revoke(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<WithReason>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    let s = c.revoke(&a, &id, Reason::parse(&body.reason)?).await?;
    Ok(HttpResponse::Ok().json(public(&s)))
}

async fn reinstate(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    Ok(HttpResponse::Ok().json(public(&c.reinstate(&a, &id).await?)))
}

#[derive(Deserialize)]
struct AddBody {
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
async fn add_seal(
    c: Shared,
    req: HttpRequest,
    body: web::Json<AddBody>,
) -> Result<HttpResponse, Error> {
    use base64::Engine;
    let a = actor(&c, &req).await?;
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
struct EnrollBody {
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
async fn enroll(
    c: Shared,
    req: HttpRequest,
    body: web::Json<EnrollBody>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    let b = body.into_inner();
    let enrollment = crate::Enrollment {
        token: b.token,
        label: None,
        key_type: if b.rsa {
            docseal::keys::KeyType::Rsa
        } else {
            docseal::keys::KeyType::Ec
        },
        pin: docseal::keys::PinSource {
            value: Some(zeroize::Zeroizing::new(b.pin)),
            file: None,
            prompt: false,
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
struct Policy {
    approval: String,
}

async fn policy(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<Policy>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    let required = match body.approval.as_str() {
        "required" => true,
        "none" => false,
        other => {
            return Err(Error::Invalid(format!(
                "approval is required or none, not {other:?}"
            )))
        }
    };
    c.set_approval_policy(&a, &id, required).await?;
    Ok(HttpResponse::Ok().json(public(&c.seal(&id).await?)))
}

async fn request_approval(
    c: Shared,
    req: HttpRequest,
    body: web::Json<crate::approvals::NewRequest>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    Ok(HttpResponse::Ok().json(c.request_approval(&a, body.into_inner()).await?))
}

#[derive(Deserialize)]
struct StatusQuery {
    status: Option<String>,
}

async fn approvals(
    c: Shared,
    req: HttpRequest,
    q: web::Query<StatusQuery>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    Ok(HttpResponse::Ok().json(c.approvals(&a, q.status.as_deref()).await?))
}

#[derive(Deserialize)]
struct Decision {
    reason: Option<String>,
}

/// An approver's decision: `approve` or `reject`.
async fn decide(
    c: Shared,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Decision>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    let (id, verb) = path.into_inner();
    let approve = match verb.as_str() {
        "approve" => true,
        "reject" => false,
        other => return Err(Error::Invalid(format!("approve or reject, not {other:?}"))),
    };
    Ok(HttpResponse::Ok().json(c.decide(&a, &id, approve, body.reason.clone()).await?))
}

#[derive(Deserialize)]
struct Consume {
    seal_id: String,
    document_sha256: String,
}

/// A stamp takes its approval, once.
async fn consume(
    c: Shared,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<Consume>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    Ok(HttpResponse::Ok().json(
        c.consume_approval(&a, &id, &body.seal_id, &body.document_sha256)
            .await?,
    ))
}

/// A client's report of a stamp, a signature or a verification through a server.
async fn report(
    c: Shared,
    req: HttpRequest,
    body: web::Json<ReportBody>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    if !matches!(body.report.event.action.as_str(), "stamp" | "sign" | "verify") {
        return Err(Error::Invalid(format!(
            "a client reports stamp, sign or verify, not {:?}",
            body.report.event.action
        )));
    }
    let body = body.into_inner();
    let (seq, head) = c
        .record(&a, &body.report.event_id, body.report.event, body.seen_head.as_ref())
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"seq": seq, "head": head})))
}

/// A report as posted: the report, and the newest signed head the client was shown before.
#[derive(Deserialize)]
struct ReportBody {
    #[serde(flatten)]
    report: crate::client::Report,
    seen_head: Option<crate::audit::Head>,
}

#[derive(Deserialize)]
struct AuditQuery {
    seal: Option<String>,
    since: Option<i64>,
}

async fn audit(
    c: Shared,
    req: HttpRequest,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    if a.role == Role::Keeper {
        return Err(Error::Forbidden(
            "the audit log is for administrators and auditors".into(),
        ));
    }
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
struct SeenHead {
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

async fn audit_verify(
    c: Shared,
    req: HttpRequest,
    q: web::Query<SeenHead>,
) -> Result<HttpResponse, Error> {
    let a = actor(&c, &req).await?;
    if a.role == Role::Keeper {
        return Err(Error::Forbidden(
            "the audit log is for administrators and auditors".into(),
        ));
    }
    Ok(HttpResponse::Ok().json(c.verify_audit(q.into_inner().head().as_ref()).await?))
}

/// The seal CA's certificate (public), for clients that verify this center's seals.
async fn ca(c: Shared) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/x-pem-file")
        .body(c.ca().cert_pem().to_string())
}

async fn crl(c: Shared) -> Result<HttpResponse, Error> {
    Ok(HttpResponse::Ok()
        .content_type("application/pkix-crl")
        .body(c.crl().await?))
}

/// RFC 3161 §3.4: a DER TimeStampReq posted as application/timestamp-query, a TimeStampResp
/// back as application/timestamp-reply — refusals too, with their PKIFailureInfo. No login: a
/// time-stamp says only when some hash existed, and clients of a TSA carry no credentials.
async fn tsa(c: Shared, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Error> {
    let kind = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !kind.starts_with("application/timestamp-query") {
        return Err(Error::Invalid(
            "a time-stamp request is sent as application/timestamp-query".into(),
        ));
    }
    let answer = c
        .tsa()
        .map_err(|e| Error::Unreachable(format!("the time-stamp authority: {e}")))?
        .answer(&body);
    Ok(HttpResponse::Ok()
        .content_type("application/timestamp-reply")
        .body(answer.response))
}

/// The routes of the HTTPS API.
pub fn api(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/login", web::post().to(login))
        .route("/api/logout", web::post().to(logout))
        .route("/api/users", web::get().to(users))
        .route("/api/users", web::post().to(add_user))
        .route(
            "/admin",
            web::get().to(|| async {
                HttpResponse::MovedPermanently()
                    .insert_header(("location", "/admin/"))
                    .finish()
            }),
        )
        .route("/admin/{path:.*}", web::get().to(admin))
        .service(
            web::resource("/api/seals")
                // A registration carries its picture (a 600 dpi PNG is a few hundred KB).
                .app_data(web::JsonConfig::default().limit(8 << 20))
                .route(web::get().to(seals))
                .route(web::post().to(add_seal)),
        )
        .route("/api/seals/enroll", web::post().to(enroll))
        .route("/api/seals/{id}", web::get().to(seal))
        .route("/api/seals/{id}/picture", web::get().to(picture))
        .route("/api/seals/{id}/usable", web::get().to(usable))
        .route("/api/seals/{id}/suspend", web::post().to(suspend))
        .route("/api/seals/{id}/revoke", web::post().to(revoke))
        .route("/api/seals/{id}/reinstate", web::post().to(reinstate))
        .route("/api/seals/{id}/policy", web::post().to(policy))
        .route("/api/approvals", web::post().to(request_approval))
        .route("/api/approvals", web::get().to(approvals))
        .route("/api/approvals/{id}/consume", web::post().to(consume))
        .route("/api/approvals/{id}/{verb}", web::post().to(decide))
        .route("/api/reports", web::post().to(report))
        .route("/api/audit", web::get().to(audit))
        .route("/api/audit/verify", web::get().to(audit_verify))
        .route("/ca.pem", web::get().to(ca))
        .route("/crl/{name}", web::get().to(crl))
        .service(
            web::resource("/tsa")
                .app_data(web::PayloadConfig::new(TSA_REQUEST_LIMIT))
                .route(web::post().to(tsa)),
        );
}

/// A TimeStampReq is a hash and a few fields: a few hundred bytes.
const TSA_REQUEST_LIMIT: usize = 16 * 1024;

/// The routes of the plain-HTTP listener: the CRL, and the TSA for clients that speak RFC 3161
/// over plain HTTP (its answers are signed, like the CRL).
pub fn crl_only(cfg: &mut web::ServiceConfig) {
    cfg.route("/crl/{name}", web::get().to(crl)).service(
        web::resource("/tsa")
            .app_data(web::PayloadConfig::new(TSA_REQUEST_LIMIT))
            .route(web::post().to(tsa)),
    );
}
