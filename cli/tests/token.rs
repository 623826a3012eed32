//! Signing on a real PKCS#11 token: a SoftHSM2 token of each test's own (its own
//! SOFTHSM2_CONF in a temp dir) with an RSA and an EC seal key generated on the token.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::PathBuf;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// This test's token's SOFTHSM2_CONF.
fn token() -> PathBuf {
    test_token().join("softhsm2.conf")
}

fn env() -> [(&'static str, String); 2] {
    [
        ("SOFTHSM2_CONF", token().display().to_string()),
        ("DOCSEAL_PKCS11_MODULE", MODULE.to_string()),
    ]
}

fn pin_file(name: &str) -> String {
    token()
        .parent()
        .unwrap()
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

const RSA: &str = "pkcs11:token=SealKey;object=Official%20Seal";
const EC: &str = "pkcs11:token=SealKey;id=%02";

#[test]
fn sign_and_stamp_on_the_token_verify_valid_and_libreoffice_agrees() {
    let dir = scratch("token-sign");
    let mut outs = Vec::new();
    for (key, name) in [(RSA, "rsa"), (EC, "ec")] {
        let signed = dir.join(format!("{name}-signed.docx"));
        let o = docseal_env(
            &[
                "sign",
                samples().join("report.docx").to_str().unwrap(),
                "-o",
                signed.to_str().unwrap(),
                "--key",
                key,
                "--pin-file",
                &pin_file("pin.txt"),
            ],
            &env(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let stamped = dir.join(format!("{name}-stamped.xlsx"));
        let o = docseal_env(
            &[
                "stamp",
                samples().join("ledger.xlsx").to_str().unwrap(),
                "-o",
                stamped.to_str().unwrap(),
                "--key",
                key,
                "--pin-file",
                &pin_file("pin.txt"),
                "--name",
                "Example Trading Co. Ltd.",
                "--at-cell",
                "Orders!E20",
            ],
            &env(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        for f in [&signed, &stamped] {
            let r = verify_json(f, true);
            assert_eq!(r["verdict"], "valid", "{r:#}");
            assert_eq!(
                r["signatures"][0]["algorithm"],
                if name == "rsa" {
                    "rsa-sha256"
                } else {
                    "ecdsa-sha256"
                }
            );
        }
        outs.push(signed);
        outs.push(stamped);
    }
    if libreoffice_missing() {
        return;
    }
    for (f, r) in outs.iter().zip(lo_verify(&outs, &pki().join("ca.pem"))) {
        assert_eq!(r["document_signature_state"], "PARTIAL_OK", "{f:?}: {r}");
        assert_eq!(r["signatures"][0]["certificate_valid"], true, "{f:?}: {r}");
    }
}

fn expect_refused(key: &str, pin: &str, needle: &str) {
    let out = scratch("token-errors").join(format!("{}.docx", needle.len()));
    let o = docseal_env(
        &[
            "sign",
            samples().join("contract.docx").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--key",
            key,
            "--pin-file",
            &pin_file(pin),
        ],
        &env(),
    );
    assert_eq!(o.status.code(), Some(2), "{needle}: {}", stderr(&o));
    assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(needle),
        "expected {needle:?}: {}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn token_errors_name_the_problem() {
    expect_refused(RSA, "wrong-pin.txt", "wrong PIN for token \"SealKey\"");
    expect_refused(
        "pkcs11:token=NoSuchToken;object=Official%20Seal",
        "pin.txt",
        "no token labelled \"NoSuchToken\" (tokens present: \"SealKey\")",
    );
    expect_refused(
        "pkcs11:token=SealKey;object=Official%20Seal?module-path=/nonexistent/libpkcs11.so",
        "pin.txt",
        "PKCS#11 module /nonexistent/libpkcs11.so: no such file",
    );
    expect_refused(
        "pkcs11:token=SealKey;object=Lost%20Seal",
        "pin.txt",
        "no private key \"Lost Seal\" on token \"SealKey\"",
    );
    expect_refused(
        "pkcs11:token=SealKey;object=Official%20Seal?pin-value=123456",
        "pin.txt",
        "PIN in the pkcs11 URI is refused",
    );
}

#[test]
fn tokens_lists_the_seals_with_their_uris() {
    let o = docseal_env(&["tokens"], &env());
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(s.contains("token \"SealKey\""), "{s}");
    assert!(
        s.contains("Example Trading Co. Ltd. Official Seal")
            && s.contains("Example Trading Co. Ltd. Finance Seal"),
        "{s}"
    );
    assert!(
        s.contains("pkcs11:token=SealKey;object=Official%20Seal;id=%01"),
        "{s}"
    );
    assert!(
        s.contains("pkcs11:token=SealKey;object=Finance%20Seal;id=%02"),
        "{s}"
    );
}

#[test]
fn the_private_keys_never_leave_the_token() {
    use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
    use cryptoki::object::{Attribute, AttributeType, ObjectClass};
    use cryptoki::session::UserType;
    // This test process talks to the token directly, as docseal does.
    std::env::set_var("SOFTHSM2_CONF", token());
    let ctx = Pkcs11::new(MODULE).unwrap();
    ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .unwrap();
    let slot = ctx
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| {
            ctx.get_token_info(*s)
                .map(|i| i.label().trim() == "SealKey")
                .unwrap_or(false)
        })
        .unwrap();
    let session = ctx.open_ro_session(slot).unwrap();
    session
        .login(
            UserType::User,
            Some(&cryptoki::types::AuthPin::from("123456".to_string())),
        )
        .unwrap();
    let keys = session
        .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
        .unwrap();
    assert_eq!(keys.len(), 2);
    for k in keys {
        let attrs = session
            .get_attributes(k, &[AttributeType::Extractable, AttributeType::Sensitive])
            .unwrap();
        assert!(attrs.contains(&Attribute::Extractable(false)), "{attrs:?}");
        assert!(attrs.contains(&Attribute::Sensitive(true)), "{attrs:?}");
        // Reading the key's value is refused by the token.
        assert!(session
            .get_attributes(k, &[AttributeType::Value])
            .map(|v| v.is_empty())
            .unwrap_or(true));
    }
}

/// The key policy holds on a token too: a 1024-bit RSA key made on the token, with a
/// certificate from the test CA, signs nothing.
#[test]
fn a_weak_rsa_key_on_the_token_is_refused_for_a_new_seal() {
    let dir = test_token();
    let p11 = |args: &[&str]| {
        let o = std::process::Command::new("pkcs11-tool")
            .args([
                "--module",
                MODULE,
                "--token-label",
                "SealKey",
                "--login",
                "--pin",
                "123456",
            ])
            .args(args)
            .env("SOFTHSM2_CONF", token())
            .output()
            .unwrap();
        assert!(o.status.success(), "pkcs11-tool {args:?}: {}", stderr(&o));
    };
    p11(&[
        "--keypairgen",
        "--key-type",
        "rsa:1024",
        "--id",
        "03",
        "--label",
        "Old Seal",
    ]);
    let pubkey = dir.join("pub03.der");
    p11(&[
        "--read-object",
        "--type",
        "pubkey",
        "--id",
        "03",
        "-o",
        pubkey.to_str().unwrap(),
    ]);
    let pem = dir.join("pub03.pem");
    let cert = dir.join("cert03.der");
    for args in [
        vec![
            "pkey",
            "-pubin",
            "-inform",
            "DER",
            "-in",
            pubkey.to_str().unwrap(),
            "-out",
            pem.to_str().unwrap(),
        ],
        vec![
            "x509",
            "-new",
            "-CA",
            pki().join("ca.pem").to_str().unwrap(),
            "-CAkey",
            pki().join("ca.key").to_str().unwrap(),
            "-force_pubkey",
            pem.to_str().unwrap(),
            "-subj",
            "/CN=Old Seal",
            "-days",
            "30",
            "-outform",
            "DER",
            "-out",
            cert.to_str().unwrap(),
        ],
    ] {
        let o = std::process::Command::new("openssl")
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
    }
    p11(&[
        "--write-object",
        cert.to_str().unwrap(),
        "--type",
        "cert",
        "--id",
        "03",
        "--label",
        "Old Seal",
    ]);
    expect_refused(
        "pkcs11:token=SealKey;id=%03",
        "pin.txt",
        "an RSA key of 1024 bits is too weak for a new seal",
    );
}
