//! Two enrolments of one seal name started together, on one SoftHSM2 token: one seal, one key.
//! (A test binary of its own: SOFTHSM2_CONF is set for the whole process.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;

use docseal_center::ca::KeyType;
use docseal_center::{Center, Enrollment, Error, InitOptions, NewSeal};
use std::process::Command;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn enrollment() -> Enrollment {
    Enrollment {
        token: "pkcs11:token=Keeper".into(),
        label: None,
        key_type: docseal::keys::KeyType::Ec,
        pin: docseal::keys::Unlock {
            module: Some(MODULE.into()),
            ..docseal::keys::Unlock::with_secret("123456")
        },
        text: None,
        days: 30,
    }
}

fn seal(name: &str) -> NewSeal {
    NewSeal {
        cert_pem: String::new(),
        holder: "keeper1".into(),
        name: Some(name.into()),
        unit: None,
        kind: "official".into(),
        picture_png: None,
        approval_required: false,
        token_uri: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_enrolments_of_one_name_at_once_make_one_seal_and_one_key() {
    let dir = scratch("enrol-race");
    let hsm = dir.join("hsm");
    std::fs::create_dir_all(hsm.join("tokens")).unwrap();
    let conf = hsm.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            hsm.join("tokens").display()
        ),
    )
    .unwrap();
    std::env::set_var("SOFTHSM2_CONF", &conf);
    std::env::set_var("DOCSEAL_PKCS11_MODULE", MODULE);
    let made = Command::new("softhsm2-util")
        .args(["--init-token", "--free", "--label", "Keeper"])
        .args(["--so-pin", "87654321", "--pin", "123456"])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let center = Center::init(
        &dir.join("center"),
        InitOptions {
            name: "Enrolment Center".into(),
            key_type: KeyType::Ec,
            import: None,
            ca_token: None,
            ca_cert: None,
            tsa_token: None,
            database: None,
            crl_url: None,
            admin_password: "admin-password-1".into(),
        },
    )
    .await
    .unwrap();
    let admin = center.login("admin", "admin-password-1").await.unwrap();
    let (one, two) = tokio::join!(
        center.enroll(&admin, enrollment(), seal("Contract Seal")),
        center.enroll(&admin, enrollment(), seal("Contract Seal")),
    );
    let made: Vec<_> = [&one, &two].into_iter().filter(|r| r.is_ok()).collect();
    assert_eq!(made.len(), 1, "{one:?}\n{two:?}");
    let refused = if one.is_ok() { &two } else { &one };
    match refused {
        Err(Error::Invalid(why)) => assert!(why.contains("Contract Seal"), "{why}"),
        other => panic!("the second enrolment was {other:?}"),
    }
    assert_eq!(center.seals().await.unwrap().len(), 1);
    let objects = Command::new("pkcs11-tool")
        .args([
            "--module",
            MODULE,
            "--token-label",
            "Keeper",
            "--login",
            "--pin",
            "123456",
        ])
        .args(["--list-objects", "--type", "privkey"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&objects.stdout);
    assert_eq!(
        listing.matches("label:      Contract Seal").count(),
        1,
        "{listing}"
    );
    // Afterwards the name is taken by the seal, and a look-alike of it too.
    let again = center
        .enroll(&admin, enrollment(), seal("contract seal"))
        .await;
    assert!(matches!(again, Err(Error::Invalid(_))), "{again:?}");
}
