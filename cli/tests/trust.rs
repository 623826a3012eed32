//! Trust decisions: anchors, revocation by the seal center's CRL, the time a certificate is judged
//! at, unknown algorithms, and the exit codes that follow from the verdict.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn exit_codes_follow_the_verdict() {
    let dir = scratch("exit");
    let signed = dir.join("signed.docx");
    sign_rsa(&samples().join("contract.docx"), &signed);
    let ca = pki().join("ca.pem");
    assert_eq!(
        docseal(&[
            "verify",
            "--trust",
            ca.to_str().unwrap(),
            signed.to_str().unwrap()
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        docseal(&["verify", signed.to_str().unwrap()]).status.code(),
        Some(1),
        "untrusted is not valid"
    );
    assert_eq!(
        docseal(&["verify", samples().join("contract.docx").to_str().unwrap()])
            .status
            .code(),
        Some(1),
        "unsigned"
    );
    // A rogue CA is not an anchor for our seal.
    let rogue = pki().join("rogue.pem");
    let o = docseal(&[
        "verify",
        "--trust",
        rogue.to_str().unwrap(),
        signed.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("untrusted"), "{}", stdout(&o));
}

#[test]
fn a_seal_reported_lost_is_revoked() {
    let dir = scratch("crl");
    let signed = dir.join("finance.docx");
    sign_ec(&samples().join("report.docx"), &signed);
    let p = pki();
    let o = docseal(&[
        "verify",
        "--json",
        "--trust",
        p.join("ca.pem").to_str().unwrap(),
        "--crl",
        p.join("lost-ec.crl").to_str().unwrap(),
        signed.to_str().unwrap(),
    ]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r[0]["verdict"], "revoked", "{r:#}");
    assert_eq!(r[0]["signatures"][0]["revoked"], true);
    assert_eq!(o.status.code(), Some(1));
    // The RSA seal is not on the list.
    let other = dir.join("official.docx");
    sign_rsa(&samples().join("report.docx"), &other);
    let o = docseal(&[
        "verify",
        "--trust",
        p.join("ca.pem").to_str().unwrap(),
        "--crl",
        p.join("lost-ec.crl").to_str().unwrap(),
        other.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn certificate_validity_is_judged_at_signing_time_or_at() {
    let dir = scratch("at");
    let signed = dir.join("signed.docx");
    sign_rsa(&samples().join("contract.docx"), &signed);
    let ca = pki().join("ca.pem");
    let o = docseal(&[
        "verify",
        "--trust",
        ca.to_str().unwrap(),
        "--at",
        "2001-01-01T00:00:00Z",
        signed.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("not valid at 2001-01-01T00:00:00Z"),
        "{}",
        stdout(&o)
    );
    let o = docseal(&["verify", "--at", "yesterday", signed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_unknown_signature_algorithm_is_invalid() {
    let dir = scratch("alg");
    let signed = dir.join("signed.docx");
    sign_rsa(&samples().join("contract.docx"), &signed);
    let out = dir.join("unknown.docx");
    rewrite(&signed, &out, |e| {
        replace_in(
            e,
            "_xmlsignatures/sig1.xml",
            "xmldsig-more#rsa-sha256",
            "xmldsig-more#rsa-md5",
        )
    });
    let r = verify_json(&out, true);
    assert_eq!(r["verdict"], "invalid");
    assert!(
        error_codes(&r).contains(&"unknown-algorithm".to_string()),
        "{r:#}"
    );
}
