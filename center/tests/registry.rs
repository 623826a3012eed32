//! The center's registry, CRL and audit log, each run on SQLite and on a real PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use docseal_center::ca::KeyType;
use docseal_center::registry::{Reason, Role, Status};
use docseal_center::{Center, Error, InitOptions, NewSeal};
use rcgen::PublicKeyData;
use sqlx::Row;
use std::path::Path;
use std::process::Command;

const ADMIN_PW: &str = "admin-password-1";

async fn init(dir: &Path, database: Option<String>, key_type: KeyType) -> Center {
    Center::init(
        dir,
        InitOptions {
            name: "Test Seal Center".into(),
            key_type,
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
    .unwrap()
}

fn new_seal(holder: &str, name: &str) -> NewSeal {
    NewSeal {
        cert_pem: String::new(),
        holder: holder.into(),
        name: Some(name.into()),
        unit: Some("Example Trading".into()),
        kind: "contract".into(),
        picture_png: None,
        approval_required: false,
        token_uri: None,
    }
}

fn spki() -> Vec<u8> {
    rcgen::KeyPair::generate()
        .unwrap()
        .subject_public_key_info()
}

/// `openssl crl -text` of a CRL, after openssl checked its signature against the CA.
fn crl_text(dir: &Path, der: &[u8]) -> String {
    let f = dir.join("check.crl");
    std::fs::write(&f, der).unwrap();
    let o = Command::new("openssl")
        .args([
            "crl", "-inform", "DER", "-noout", "-text", "-verify", "-CAfile",
        ])
        .arg(dir.join("ca.pem"))
        .arg("-in")
        .arg(&f)
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success() && all.contains("verify OK"), "{all}");
    all
}

fn serial_of(pem: &str) -> String {
    docseal::Cert::load_all(pem.as_bytes()).unwrap()[0].serial_hex()
}

async fn lifecycle(dir: &Path, database: Option<String>, key_type: KeyType) {
    let center = init(dir, database, key_type).await;
    let admin = center.login("admin", ADMIN_PW).await.unwrap();
    center
        .add_user(&admin, "keeper1", Role::Keeper, "keeper-password-1")
        .await
        .unwrap();
    center
        .add_user(&admin, "auditor1", Role::Auditor, "auditor-password-1")
        .await
        .unwrap();
    let a = center
        .issue_seal(&admin, &spki(), new_seal("keeper1", "Contract Seal A"), 365)
        .await
        .unwrap();
    let b = center
        .issue_seal(&admin, &spki(), new_seal("keeper2", "Contract Seal B"), 365)
        .await
        .unwrap();
    // The seal id is in the certificate's subject, and the CRL distribution point is there.
    let cert = docseal::Cert::load_all(a.cert_pem.as_bytes()).unwrap();
    assert!(cert[0].subject().contains(&a.id), "{}", cert[0].subject());
    assert!(crl_text(dir, &center.crl().await.unwrap()).contains("No Revoked Certificates"));

    // Only the seal's own keeper or an administrator may report it; an auditor changes nothing.
    let keeper = center.login("keeper1", "keeper-password-1").await.unwrap();
    let auditor = center
        .login("auditor1", "auditor-password-1")
        .await
        .unwrap();
    assert!(matches!(
        center.suspend(&keeper, &b.id, Reason::Lost).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        center.suspend(&auditor, &a.id, Reason::Lost).await,
        Err(Error::Forbidden(_))
    ));
    let reported = center.suspend(&keeper, &a.id, Reason::Lost).await.unwrap();
    assert_eq!(reported.status, Status::Suspended);
    assert!(matches!(
        center.check_usable(&a.id).await,
        Err(Error::SealNotActive { .. })
    ));
    let text = crl_text(dir, &center.crl().await.unwrap());
    assert!(text.contains(&serial_of(&a.cert_pem)), "{text}");
    assert!(text.contains("Certificate Hold"), "{text}");
    assert!(!text.contains(&serial_of(&b.cert_pem)), "{text}");

    // Confirmed lost: permanent, keyCompromise, and the revocation time stays the report time.
    assert!(matches!(
        center.revoke(&keeper, &a.id, Reason::Lost).await,
        Err(Error::Forbidden(_))
    ));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let revoked = center.revoke(&admin, &a.id, Reason::Lost).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(reported.status_at));
    let text = crl_text(dir, &center.crl().await.unwrap());
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(matches!(
        center.reinstate(&admin, &a.id).await,
        Err(Error::BadTransition { .. })
    ));

    // Found again: a suspended seal is reinstated and leaves the CRL.
    center.suspend(&admin, &b.id, Reason::Lost).await.unwrap();
    assert!(crl_text(dir, &center.crl().await.unwrap()).contains(&serial_of(&b.cert_pem)));
    center.reinstate(&admin, &b.id).await.unwrap();
    assert!(!crl_text(dir, &center.crl().await.unwrap()).contains(&serial_of(&b.cert_pem)));
    center.check_usable(&b.id).await.unwrap();

    let v = center.verify_audit(None).await.unwrap();
    assert!(v.rows >= 12, "{v:?}");
}

#[tokio::test]
async fn a_lost_seal_is_suspended_at_once_then_revoked_or_reinstated_on_sqlite() {
    lifecycle(&scratch("life-sqlite"), None, KeyType::Ec).await;
}

#[tokio::test]
async fn a_lost_seal_is_suspended_at_once_then_revoked_or_reinstated_on_postgres() {
    let pg = Postgres::start("life");
    lifecycle(&scratch("life-pg"), Some(pg.url.clone()), KeyType::Rsa).await;
}

async fn tamper(dir: &Path, database: Option<String>) {
    let center = init(dir, database, KeyType::Ec).await;
    let admin = center.login("admin", ADMIN_PW).await.unwrap();
    let s = center
        .issue_seal(&admin, &spki(), new_seal("keeper1", "Finance Seal"), 365)
        .await
        .unwrap();
    center.suspend(&admin, &s.id, Reason::Stolen).await.unwrap();
    let rows = center.verify_audit(None).await.unwrap().rows;
    assert_eq!(rows, 4, "init, login, issue, suspend");
    let store = center.store();
    let exec = |sql: &str| {
        let q = store.sql(sql);
        async move { sqlx::query(&q).execute(store.pool()).await.unwrap() }
    };

    // One edited row is named.
    exec("UPDATE audit SET detail = 'lost' WHERE action = 'seal-suspend'").await;
    let suspend_row = center
        .audit(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.event.action == "seal-suspend")
        .unwrap()
        .seq;
    match center.verify_audit(None).await {
        Err(Error::AuditBroken { seq, reason }) => {
            assert_eq!(seq, suspend_row, "{reason}");
            assert!(reason.contains("edited"), "{reason}");
        }
        other => panic!("an edited row passed: {other:?}"),
    }
    exec("UPDATE audit SET detail = 'stolen' WHERE action = 'seal-suspend'").await;
    center.verify_audit(None).await.unwrap();

    // A deleted tail is caught by the signed head, in the store and in the data directory.
    exec(&format!("DELETE FROM audit WHERE seq = {rows}")).await;
    match center.verify_audit(None).await {
        Err(Error::AuditBroken { seq, .. }) => assert_eq!(seq, rows),
        other => panic!("a deleted last row passed: {other:?}"),
    }
    // Rolling the stored head back does not help: the data directory keeps its own copy.
    exec(&format!(
        "UPDATE audit_head SET seq = {}, hash = (SELECT hash FROM audit WHERE seq = {})",
        rows - 1,
        rows - 1
    ))
    .await;
    assert!(matches!(
        center.verify_audit(None).await,
        Err(Error::AuditBroken { .. })
    ));
}

#[tokio::test]
async fn an_edited_or_deleted_audit_row_is_named_on_sqlite() {
    tamper(&scratch("tamper-sqlite"), None).await;
}

#[tokio::test]
async fn an_edited_or_deleted_audit_row_is_named_on_postgres() {
    let pg = Postgres::start("tamper");
    tamper(&scratch("tamper-pg"), Some(pg.url.clone())).await;
}

#[tokio::test]
async fn failed_logins_are_throttled_and_recorded() {
    let dir = scratch("throttle");
    let center = init(&dir, None, KeyType::Ec).await;
    for _ in 0..5 {
        assert!(matches!(
            center.login("admin", "wrong-password").await,
            Err(Error::BadLogin)
        ));
    }
    // Even the right password waits now.
    assert!(matches!(
        center.login("admin", ADMIN_PW).await,
        Err(Error::Throttled { .. })
    ));
    assert!(matches!(
        center.login("nobody", ADMIN_PW).await,
        Err(Error::BadLogin)
    ));
    let log = center.audit(&Default::default()).await.unwrap();
    let failed = log
        .iter()
        .filter(|e| e.event.action == "login" && e.event.outcome == "bad-login")
        .count();
    assert_eq!(failed, 5);
    // A name that does not exist is counted in a summary row, not a row of its own per try.
    assert!(log.iter().any(|e| e.event.action == "login-unknown"));
    assert!(log.iter().any(|e| e.event.outcome == "login-throttled"));
    // Files of the data directory are private.
    use std::os::unix::fs::PermissionsExt;
    for f in ["ca.key", "center.db", "center.json", "audit-head.json"] {
        let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
}

#[tokio::test]
async fn a_crl_a_day_old_is_issued_again_when_it_is_read() {
    let dir = scratch("crl-daily");
    let center = init(&dir, None, KeyType::Ec).await;
    let first = crl_text(&dir, &center.crl().await.unwrap());
    // Read again at once: the same CRL.
    assert_eq!(first, crl_text(&dir, &center.crl().await.unwrap()));
    let store = center.store();
    sqlx::query(&store.sql("UPDATE crl SET issued_at = issued_at - 90000"))
        .execute(store.pool())
        .await
        .unwrap();
    let again = crl_text(&dir, &center.crl().await.unwrap());
    assert_ne!(first, again, "a day-old CRL must be re-issued");
    let number = |t: &str| {
        t.split("X509v3 CRL Number:")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("")
            .to_string()
    };
    assert_ne!(number(&first), number(&again), "{again}");
}

#[tokio::test]
async fn an_approval_is_used_once_for_its_bytes_and_not_after_it_expires() {
    use docseal_center::approvals::NewRequest;
    let dir = scratch("approvals");
    let center = init(&dir, None, KeyType::Ec).await;
    let admin = center.login("admin", ADMIN_PW).await.unwrap();
    center
        .add_user(&admin, "keeper1", Role::Keeper, "keeper-password-1")
        .await
        .unwrap();
    center
        .add_user(&admin, "approver1", Role::Approver, "approver-password-1")
        .await
        .unwrap();
    let keeper = center.login("keeper1", "keeper-password-1").await.unwrap();
    let approver = center
        .login("approver1", "approver-password-1")
        .await
        .unwrap();
    let seal = center
        .issue_seal(&admin, &spki(), new_seal("keeper1", "Contract Seal"), 30)
        .await
        .unwrap();
    center
        .set_approval_policy(&admin, &seal.id, true)
        .await
        .unwrap();
    assert!(center.requires_approval(&seal.id).await.unwrap());
    let digest = "ab".repeat(32);
    let ask = |d: &str| NewRequest {
        seal_id: seal.id.clone(),
        document: "contract.docx".into(),
        document_sha256: d.to_string(),
        reason: Some("Q4".into()),
    };
    // Nobody decides their own request, and a keeper decides none.
    let r = center
        .request_approval(&keeper, ask(&digest))
        .await
        .unwrap();
    assert!(matches!(
        center.decide(&keeper, &r.id, true, None).await,
        Err(Error::Forbidden(_))
    ));
    // Pending is not approved; approved is used once, for those bytes only.
    assert!(center
        .consume_approval(&keeper, &r.id, &seal.id, &digest)
        .await
        .is_err());
    center.decide(&approver, &r.id, true, None).await.unwrap();
    assert!(center
        .consume_approval(&keeper, &r.id, &seal.id, &"cd".repeat(32))
        .await
        .is_err());
    let used = center
        .consume_approval(&keeper, &r.id, &seal.id, &digest)
        .await
        .unwrap();
    assert_eq!(used.decided_by.as_deref(), Some("approver1"));
    assert!(center
        .consume_approval(&keeper, &r.id, &seal.id, &digest)
        .await
        .is_err());
    // An approval older than seven days is refused.
    let late = center
        .request_approval(&keeper, ask(&digest))
        .await
        .unwrap();
    center
        .decide(&approver, &late.id, true, None)
        .await
        .unwrap();
    sqlx::query("UPDATE approvals SET expires_at = 1 WHERE id = $1")
        .bind(&late.id)
        .execute(center.store().pool())
        .await
        .unwrap();
    match center
        .consume_approval(&keeper, &late.id, &seal.id, &digest)
        .await
    {
        Err(Error::Forbidden(why)) => assert!(why.contains("expired"), "{why}"),
        other => panic!("an expired approval was {other:?}"),
    }
    // A rejected one is refused by name; every step is in the log, and the log holds.
    let no = center
        .request_approval(&keeper, ask(&digest))
        .await
        .unwrap();
    center
        .decide(&approver, &no.id, false, Some("no".into()))
        .await
        .unwrap();
    match center
        .consume_approval(&keeper, &no.id, &seal.id, &digest)
        .await
    {
        Err(Error::Forbidden(why)) => assert!(why.contains("rejected"), "{why}"),
        other => panic!("a rejected approval was {other:?}"),
    }
    let log = center.audit(&Default::default()).await.unwrap();
    for action in [
        "seal-policy",
        "approval-request",
        "approval-approve",
        "approval-reject",
        "approval-use",
    ] {
        assert!(log.iter().any(|e| e.event.action == action), "{action}");
    }
    center.verify_audit(None).await.unwrap();
}

/// The rows and the stored head, as an attacker with write access to the database sees them.
async fn rows_and_head(center: &Center) -> (i64, Option<i64>) {
    let store = center.store();
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM audit")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    let head = docseal_center::audit::head(store)
        .await
        .unwrap()
        .map(|h| h.seq);
    (rows, head)
}

/// Every way of putting the log back is refused before anything is appended: a login, a report,
/// an administrator's change and the check itself all answer `audit-broken`, and the database
/// is left as the attacker left it.
async fn refused_after(center: &Center, dir: &Path, what: &str) {
    let before = rows_and_head(center).await;
    for attempt in 0..2 {
        let broken = match center.verify_audit(None).await {
            Err(Error::AuditBroken { .. }) => true,
            other => panic!("{what}: the check said {other:?}"),
        };
        assert!(broken);
        assert!(
            matches!(
                center.login("admin", ADMIN_PW).await,
                Err(Error::AuditBroken { .. })
            ),
            "{what}: a login was let through (attempt {attempt})"
        );
    }
    // A center opened afresh on the same directory (a new process) refuses too.
    let again = Center::open(dir).await.unwrap();
    assert!(matches!(
        again.login("admin", ADMIN_PW).await,
        Err(Error::AuditBroken { .. })
    ));
    assert!(matches!(
        again.verify_audit(None).await,
        Err(Error::AuditBroken { .. })
    ));
    assert_eq!(
        rows_and_head(center).await,
        before,
        "{what}: something was appended"
    );
}

async fn rollback(dir: &Path, database: Option<String>) {
    let center = init(dir, database.clone(), KeyType::Ec).await;
    let admin = center.login("admin", ADMIN_PW).await.unwrap();
    let s = center
        .issue_seal(&admin, &spki(), new_seal("keeper1", "Finance Seal"), 365)
        .await
        .unwrap();
    let keeper_report = |n: usize| {
        let mut r = docseal_center::client::Report::new("stamp", "ok").unwrap();
        r.event.seal_id = Some(s.id.clone());
        r.event.document = Some(format!("doc{n}.docx"));
        r
    };
    let r = keeper_report(1);
    center
        .record(&admin, &r.event_id, r.event.clone(), None)
        .await
        .unwrap();
    let old_head = docseal_center::audit::head(center.store())
        .await
        .unwrap()
        .unwrap();
    center.suspend(&admin, &s.id, Reason::Stolen).await.unwrap();
    center.reinstate(&admin, &s.id).await.unwrap();
    let (rows, _) = rows_and_head(&center).await;
    assert!(rows >= 6, "{rows}");
    let store = center.store();
    let exec = |sql: String| {
        let q = store.sql(&sql);
        async move { sqlx::query(&q).execute(store.pool()).await.unwrap() }
    };
    let put_head = |h: docseal_center::audit::Head| {
        let q = store.sql("UPDATE audit_head SET seq = $1, hash = $2, at = $3, signature = $4");
        async move {
            sqlx::query(&q)
                .bind(h.seq)
                .bind(h.hash)
                .bind(h.at)
                .bind(h.signature)
                .execute(store.pool())
                .await
                .unwrap()
        }
    };

    // 1. The tail cut off and the stored head put back to an older one the center really signed:
    //    the database alone is consistent, the data directory's head is not there any more.
    exec(format!("DELETE FROM audit WHERE seq > {}", old_head.seq)).await;
    put_head(old_head.clone()).await;
    refused_after(&center, dir, "tail truncation with the head rolled back").await;

    // 2. The whole log wiped: broken, not empty.
    exec("DELETE FROM audit".into()).await;
    exec("DELETE FROM audit_head".into()).await;
    refused_after(&center, dir, "a wiped log").await;

    // 3. The data directory's copy rolled back too (the attacker can write there as well): the
    //    head a client was shown is the anchor left, and the center refuses its report.
    let fresh = scratch(&format!(
        "rollback-client-{}",
        if database.is_some() { "pg" } else { "sqlite" }
    ));
    let c2 = init(&fresh, None, KeyType::Ec).await;
    let admin2 = c2.login("admin", ADMIN_PW).await.unwrap();
    let s2 = c2
        .issue_seal(&admin2, &spki(), new_seal("keeper1", "Second Seal"), 365)
        .await
        .unwrap();
    let report = |n: usize| {
        let mut r = docseal_center::client::Report::new("stamp", "ok").unwrap();
        r.event.seal_id = Some(s2.id.clone());
        r.event.document = Some(format!("doc{n}.docx"));
        r
    };
    let r1 = report(1);
    let (_, early) = c2
        .record(&admin2, &r1.event_id, r1.event, None)
        .await
        .unwrap();
    let head_file = std::fs::read(fresh.join("audit-head.json")).unwrap();
    let r2 = report(2);
    let (_, seen) = c2
        .record(&admin2, &r2.event_id, r2.event, Some(&early))
        .await
        .unwrap();
    assert!(seen.seq > early.seq);
    let st = c2.store();
    sqlx::query(&st.sql(&format!("DELETE FROM audit WHERE seq > {}", early.seq)))
        .execute(st.pool())
        .await
        .unwrap();
    sqlx::query(&st.sql("UPDATE audit_head SET seq = $1, hash = $2, at = $3, signature = $4"))
        .bind(early.seq)
        .bind(&early.hash)
        .bind(early.at)
        .bind(&early.signature)
        .execute(st.pool())
        .await
        .unwrap();
    std::fs::write(fresh.join("audit-head.json"), &head_file).unwrap();
    let c2 = Center::open(&fresh).await.unwrap();
    // The database and the directory agree with each other now; only the client knows better.
    let r3 = report(3);
    match c2
        .record(&admin2, &r3.event_id, r3.event, Some(&seen))
        .await
    {
        Err(Error::AuditBroken { seq, .. }) => assert_eq!(seq, early.seq + 1),
        other => panic!("a report from a client that saw a later head was {other:?}"),
    }
    assert!(matches!(
        c2.verify_audit(Some(&seen)).await,
        Err(Error::AuditBroken { .. })
    ));
}

#[tokio::test]
async fn a_rolled_back_or_wiped_log_is_refused_and_nothing_is_appended_on_sqlite() {
    rollback(&scratch("rollback-sqlite"), None).await;
}

#[tokio::test]
async fn a_rolled_back_or_wiped_log_is_refused_and_nothing_is_appended_on_postgres() {
    let pg = Postgres::start("rollback");
    rollback(&scratch("rollback-pg"), Some(pg.url.clone())).await;
}
