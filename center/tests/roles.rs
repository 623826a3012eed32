//! Every route of the center's API, called by every kind of caller — no session, an expired
//! session, a disabled user's, and each role — against the table the server is built from
//! (`docseal_center::routes::ROUTES`), on SQLite and on PostgreSQL; then what a role may do to
//! another's seal or approval.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod http;
use common::*;
use http::*;

use docseal_center::auth::Access;
use docseal_center::ca::KeyType;
use docseal_center::registry::Role;
use docseal_center::routes::ROUTES;
use docseal_center::{Center, InitOptions, NewSeal};
use rcgen::PublicKeyData;
use sha2::Digest;
use std::path::Path;

const ADMIN_PW: &str = "admin-password-1";
const PW: &str = "user-password-1";

fn new_seal(holder: &str, name: &str) -> NewSeal {
    NewSeal {
        cert_pem: String::new(),
        holder: holder.into(),
        name: Some(name.into()),
        unit: None,
        kind: "official".into(),
        picture_png: None,
        approval_required: false,
        token_uri: None,
    }
}

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    Nobody,
    Expired,
    Disabled,
    As(Role),
}

fn expected_refusal(access: Access, caller: Caller) -> Option<u16> {
    match (access, caller) {
        (Access::Public, _) => None,
        (_, Caller::Nobody | Caller::Expired | Caller::Disabled) => Some(401),
        (Access::Session, Caller::As(_)) => None,
        (Access::Roles(roles), Caller::As(r)) => (!roles.contains(&r)).then_some(403),
    }
}

async fn matrix(dir: &Path, database: Option<String>) {
    let center = Center::init(
        dir,
        InitOptions {
            name: "Roles Center".into(),
            key_type: KeyType::Ec,
            import: None,
            ca_token: None,
            ca_cert: None,
            tsa_token: None,
            database,
            crl_url: None,
            admin_password: ADMIN_PW.into(),
        },
    )
    .await
    .unwrap();
    let admin = center.login("admin", ADMIN_PW).await.unwrap();
    for (name, role) in [
        ("keeper1", Role::Keeper),
        ("keeper2", Role::Keeper),
        ("auditor1", Role::Auditor),
        ("approver1", Role::Approver),
        ("gone1", Role::Keeper),
    ] {
        center.add_user(&admin, name, role, PW).await.unwrap();
    }
    let spki = || {
        rcgen::KeyPair::generate()
            .unwrap()
            .subject_public_key_info()
    };
    let a = center
        .issue_seal(&admin, &spki(), new_seal("keeper1", "Seal A"), 30)
        .await
        .unwrap();
    center
        .issue_seal(&admin, &spki(), new_seal("keeper2", "Seal B"), 30)
        .await
        .unwrap();
    let keeper1 = center.login("keeper1", PW).await.unwrap();
    let digest = "ab".repeat(32);
    let request = center
        .request_approval(
            &keeper1,
            docseal_center::approvals::NewRequest {
                seal_id: a.id.clone(),
                document: "contract.docx".into(),
                document_sha256: digest.clone(),
                reason: None,
            },
        )
        .await
        .unwrap();
    // An expired session of keeper1's, as the store keeps sessions (the token's SHA-256).
    let expired = "e".repeat(64);
    sqlx::query(
        &center
            .store()
            .sql("INSERT INTO sessions (token_sha256, user_name, expires_at) VALUES ($1, $2, $3)"),
    )
    .bind(docseal_center::audit::hex(&sha2::Sha256::digest(
        expired.as_bytes(),
    )))
    .bind("keeper1")
    .bind(docseal_center::now() - 60)
    .execute(center.store().pool())
    .await
    .unwrap();

    let server = CenterServer::start(dir, &[]);
    let session = |name: &str, pw: &str| server.login(name, pw);
    let disabled = session("gone1", PW);
    center.disable_user(&admin, "gone1").await.unwrap();
    let callers: Vec<(Caller, Option<(String, String)>)> = vec![
        (Caller::Nobody, None),
        (
            Caller::Expired,
            Some((expired.clone(), docseal_center::auth::csrf_token(&expired))),
        ),
        (Caller::Disabled, Some(disabled)),
        (
            Caller::As(Role::Administrator),
            Some(session("admin", ADMIN_PW)),
        ),
        (Caller::As(Role::Keeper), Some(session("keeper1", PW))),
        (Caller::As(Role::Auditor), Some(session("auditor1", PW))),
        (Caller::As(Role::Approver), Some(session("approver1", PW))),
    ];
    let fill = |path: &str| {
        path.replace("{path:.*}", "index.html")
            .replace("{name}", "center.crl")
            .replace("{verb}", "approve")
            .replace("{fingerprint}", &a.fingerprint)
            .replace(
                "{id}",
                if path.starts_with("/api/approvals") {
                    &request.id
                } else {
                    &a.id
                },
            )
    };
    let headers = |s: &Option<(String, String)>| -> Vec<(String, String)> {
        match s {
            Some((token, csrf)) => vec![
                ("authorization".into(), format!("Bearer {token}")),
                ("x-csrf-token".into(), csrf.clone()),
            ],
            None => vec![],
        }
    };
    let mut seen = 0;
    let mut wrong = Vec::new();
    // Logging out ends the session the rest of the walk uses: it goes last.
    let mut routes: Vec<_> = ROUTES.iter().collect();
    routes.sort_by_key(|r| r.path == "/api/logout");
    for route in routes {
        for (caller, s) in &callers {
            let h = headers(s);
            let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (status, body) = server.call(route.method, &fill(route.path), &h, None);
            let expected = expected_refusal(route.access, *caller);
            let refused = matches!(status, 401 | 403);
            let right = match expected {
                Some(code) => status == code,
                None => !refused && status < 500,
            };
            if !right {
                wrong.push(format!(
                    "{} {} as {caller:?}: {status} {body} (expected {})",
                    route.method,
                    route.path,
                    expected.map_or("no refusal".into(), |c| c.to_string())
                ));
            }
            seen += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {seen}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(seen, ROUTES.len() * callers.len());

    // What a role may do to what is not theirs.
    let call_as = |who: (String, String), method: &str, path: &str, body: serde_json::Value| {
        let auth = format!("Bearer {}", who.0);
        server.call(
            method,
            path,
            &[
                ("authorization", auth.as_str()),
                ("x-csrf-token", who.1.as_str()),
            ],
            Some(&body),
        )
    };
    let keeper2 = session("keeper2", PW);
    for path in [
        format!("/api/seals/{}", a.id),
        format!("/api/seals/{}/picture", a.id),
        format!("/api/seals/{}/usable", a.id),
    ] {
        let (status, body) = call_as(keeper2.clone(), "get", &path, serde_json::json!({}));
        assert_eq!(status, 403, "keeper2 reading {path}: {body}");
    }
    let (status, _) = call_as(
        keeper2.clone(),
        "post",
        &format!("/api/seals/{}/suspend", a.id),
        serde_json::json!({"reason": "lost"}),
    );
    assert_eq!(status, 403, "keeper2 reporting keeper1's seal lost");
    // Approved, the request is still only its requester's to use.
    let approver = session("approver1", PW);
    let (status, body) = call_as(
        approver.clone(),
        "post",
        &format!("/api/approvals/{}/approve", request.id),
        serde_json::json!({}),
    );
    assert!(
        status == 200 || body["error"] == "invalid-input",
        "{status} {body}"
    );
    let consume = serde_json::json!({"seal_id": a.id, "document_sha256": digest});
    for who in [keeper2.clone(), session("admin", ADMIN_PW)] {
        let (status, body) = call_as(
            who,
            "post",
            &format!("/api/approvals/{}/consume", request.id),
            consume.clone(),
        );
        assert_eq!(status, 403, "someone else used keeper1's approval: {body}");
    }
    let (status, body) = call_as(
        session("keeper1", PW),
        "post",
        &format!("/api/approvals/{}/consume", request.id),
        consume,
    );
    assert_eq!(status, 200, "{body}");
    let report = |seal: &str| serde_json::json!({"event_id": format!("ev-{seal}-{}", rand_id()), "action": "stamp", "outcome": "ok", "actor": "", "seal_id": seal});
    let (status, body) = call_as(keeper2.clone(), "post", "/api/reports", report(&a.id));
    assert_eq!(
        status, 403,
        "keeper2 reported a stamp with keeper1's seal: {body}"
    );
    let (status, body) = call_as(
        session("keeper1", PW),
        "post",
        "/api/reports",
        report(&a.id),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body["head"]["signature"].is_string(), "{body}");
    // A keeper's approvals list holds only their own.
    let (_, list) = call_as(keeper2, "get", "/api/approvals", serde_json::json!({}));
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    center.verify_audit(None).await.unwrap();
}

/// The policy itself, pinned: a change to who may do what is a change to this list too.
#[test]
fn the_table_is_the_policy_written_in_the_design_note() {
    let role = |r: &Role| match r {
        Role::Administrator => "admin",
        Role::Keeper => "keeper",
        Role::Auditor => "auditor",
        Role::Approver => "approver",
    };
    let lines: Vec<String> = ROUTES
        .iter()
        .map(|r| {
            let who = match r.access {
                Access::Public => "public".to_string(),
                Access::Session => "any session".to_string(),
                Access::Roles(rs) => rs.iter().map(role).collect::<Vec<_>>().join(" "),
            };
            format!("{} {} : {who}", r.method, r.path)
        })
        .collect();
    let expected = "\
post /api/login : public
post /api/logout : any session
get /api/permissions : any session
get /api/users : admin auditor
post /api/users : admin
get /admin : public
get /admin/{path:.*} : public
get /api/seals : admin keeper auditor approver
post /api/seals : admin
post /api/seals/enroll : admin
get /api/seals/{id} : admin keeper auditor approver
get /api/seals/{id}/picture : admin keeper auditor approver
get /api/seals/{id}/usable : admin keeper
post /api/seals/{id}/suspend : admin keeper
post /api/seals/{id}/revoke : admin
post /api/seals/{id}/reinstate : admin
post /api/seals/{id}/policy : admin
get /api/status/{fingerprint} : any session
post /api/approvals : admin keeper
get /api/approvals : admin keeper auditor approver
post /api/approvals/{id}/consume : admin keeper
post /api/approvals/{id}/{verb} : admin approver
post /api/reports : admin keeper
get /api/audit : admin auditor
get /api/audit/verify : admin auditor
get /ca.pem : public
get /crl/{name} : public
post /tsa : public";
    assert_eq!(lines.join("\n"), expected);
}

fn rand_id() -> String {
    let mut b = [0u8; 8];
    getrandom::getrandom(&mut b).unwrap();
    docseal_center::audit::hex(&b)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_every_role_as_the_table_says_on_sqlite() {
    matrix(&scratch("roles-sqlite"), None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_every_role_as_the_table_says_on_postgres() {
    let pg = Postgres::start("roles");
    matrix(&scratch("roles-pg"), Some(pg.url.clone())).await;
}

/// The admin page's list of what a role may call is the table itself: an approver may decide
/// approvals and read seals, and may not suspend, revoke, add users or read the audit log.
#[test]
fn each_role_is_told_what_it_may_call() {
    let approver = docseal_center::routes::allowed_for(Role::Approver);
    for line in [
        "GET /api/seals",
        "POST /api/approvals/{id}/{verb}",
        "GET /api/permissions",
    ] {
        assert!(approver.contains(&line.to_string()), "{line}: {approver:?}");
    }
    for line in [
        "POST /api/seals/{id}/suspend",
        "POST /api/seals/{id}/revoke",
        "POST /api/users",
        "GET /api/audit",
    ] {
        assert!(
            !approver.contains(&line.to_string()),
            "{line}: {approver:?}"
        );
    }
    let admin = docseal_center::routes::allowed_for(Role::Administrator);
    assert_eq!(
        admin.len(),
        ROUTES.len(),
        "the administrator may call every route"
    );
}
