//! Certificate paths: a seal center root → intermediate → seal chain is valid, and each of the
//! RFC 5280 failures a verifier must catch is refused for its own reason: a wrong anchor, an
//! intermediate expired at the best signature time, a "CA" without the CA flag, a seal
//! certificate that may not sign.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair,
    KeyUsagePurpose,
};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

fn params(cn: &str, ca: bool) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, "Path Test Seal Center");
    p.distinguished_name = dn;
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(365);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
    }
    p
}

fn root(cn: &str) -> CertifiedIssuer<'static, KeyPair> {
    CertifiedIssuer::self_signed(params(cn, true), KeyPair::generate().unwrap()).unwrap()
}

/// Seals `contract.docx` with a leaf under `intermediate` (itself under `root`); returns the
/// sealed file.
fn seal_through(
    dir: &Path,
    root: &CertifiedIssuer<'static, KeyPair>,
    intermediate: CertificateParams,
    leaf: CertificateParams,
) -> PathBuf {
    seal_through_with(dir, root, intermediate, leaf, |_, _| {})
}

/// The same, and `after` sees the intermediate (as issuer) and the leaf's serial: to write a CRL.
fn seal_through_with(
    dir: &Path,
    root: &CertifiedIssuer<'static, KeyPair>,
    intermediate: CertificateParams,
    mut leaf: CertificateParams,
    after: impl FnOnce(&CertifiedIssuer<'static, KeyPair>, &rcgen::SerialNumber),
) -> PathBuf {
    let serial = rcgen::SerialNumber::from_slice(&[0x0D, 0x5E, 0xA1]);
    leaf.serial_number = Some(serial.clone());
    let issuer =
        CertifiedIssuer::signed_by(intermediate, KeyPair::generate().unwrap(), root).unwrap();
    after(&issuer, &serial);
    let int_pem = issuer.pem();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    let (k, c, ch) = (
        dir.join("seal.key"),
        dir.join("seal.pem"),
        dir.join("chain.pem"),
    );
    std::fs::write(&k, leaf_key.serialize_pem()).unwrap();
    std::fs::write(&c, leaf_cert.pem()).unwrap();
    std::fs::write(&ch, int_pem).unwrap();
    sign_in(dir, "sealed.docx")
}

/// Signs `contract.docx` into `dir/name` with the `seal.key`, `seal.pem` and `chain.pem` there.
fn sign_in(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let file = |n: &str| dir.join(n).to_str().unwrap().to_string();
    let o = docseal(&[
        "sign",
        samples().join("contract.docx").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--key",
        &file("seal.key"),
        "--cert",
        &file("seal.pem"),
        "--chain",
        &file("chain.pem"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

fn verify_trusting(file: &Path, anchor: &CertifiedIssuer<'static, KeyPair>) -> serde_json::Value {
    let a = file.with_file_name("anchor.pem");
    std::fs::write(&a, anchor.pem()).unwrap();
    let o = docseal(&[
        "verify",
        "--json",
        "--trust",
        a.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()[0].clone()
}

fn trust_message(r: &serde_json::Value) -> String {
    r["signatures"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "untrusted-signer" || f["code"] == "certificate-not-valid")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn a_three_level_chain_is_valid() {
    let dir = scratch("path-ok");
    let ca = root("Path Test Root");
    let f = seal_through(
        &dir,
        &ca,
        params("Path Test Intermediate", true),
        params("Path Test Seal", false),
    );
    let r = verify_trusting(&f, &ca);
    assert_eq!(r["verdict"], "valid", "{r:#}");
}

#[test]
fn a_wrong_anchor_is_refused() {
    let dir = scratch("path-anchor");
    let ca = root("Path Test Root");
    let f = seal_through(
        &dir,
        &ca,
        params("Path Test Intermediate", true),
        params("Path Test Seal", false),
    );
    let other = root("Another Root");
    let r = verify_trusting(&f, &other);
    assert_eq!(r["verdict"], "untrusted", "{r:#}");
    assert!(
        trust_message(&r).contains("does not chain to a configured trust anchor"),
        "{r:#}"
    );
}

#[test]
fn an_intermediate_expired_at_the_best_signature_time_is_refused() {
    let dir = scratch("path-expired");
    let ca = root("Path Test Root");
    let mut int = params("Path Test Expired Intermediate", true);
    int.not_before = OffsetDateTime::now_utc() - Duration::days(400);
    int.not_after = OffsetDateTime::now_utc() - Duration::days(30);
    let f = seal_through(&dir, &ca, int, params("Path Test Seal", false));
    let r = verify_trusting(&f, &ca);
    assert_eq!(r["verdict"], "untrusted", "{r:#}");
    let m = trust_message(&r);
    assert!(
        m.contains("Path Test Expired Intermediate") && m.contains("is not valid at"),
        "{m}"
    );
}

#[test]
fn a_ca_without_the_ca_flag_is_refused() {
    let dir = scratch("path-noca");
    let ca = root("Path Test Root");
    let mut int = params("Path Test Not A CA", false);
    int.is_ca = IsCa::ExplicitNoCa;
    let f = seal_through(&dir, &ca, int, params("Path Test Seal", false));
    let r = verify_trusting(&f, &ca);
    // KeyInfo then also carries what looks like a second end-entity certificate, which the
    // KeyInfo rule refuses on its own (invalid); the path names the missing CA flag either way.
    assert_ne!(r["verdict"], "valid", "{r:#}");
    assert!(trust_message(&r).contains("is not a CA"), "{r:#}");
}

#[test]
fn a_seal_certificate_that_may_not_sign_is_refused() {
    let dir = scratch("path-ku");
    let ca = root("Path Test Root");
    let mut leaf = params("Path Test Encryption Only", false);
    leaf.key_usages = vec![KeyUsagePurpose::KeyEncipherment];
    let f = seal_through(&dir, &ca, params("Path Test Intermediate", true), leaf);
    let r = verify_trusting(&f, &ca);
    assert_eq!(r["verdict"], "untrusted", "{r:#}");
    assert!(
        trust_message(&r).contains("neither digitalSignature nor nonRepudiation"),
        "{r:#}"
    );
}

#[test]
fn an_intermediate_whose_key_usage_lacks_key_cert_sign_is_refused() {
    // webpki accepts this path (it does not read a CA's keyUsage): docseal's own rule must
    // still hold when webpki's verified path is taken as the answer.
    let dir = scratch("path-kcs");
    let ca = root("Path Test Root");
    let mut int = params("Path Test CRL Signer Only", true);
    int.key_usages = vec![KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let f = seal_through(&dir, &ca, int, params("Path Test Seal", false));
    let r = verify_trusting(&f, &ca);
    assert_eq!(r["verdict"], "untrusted", "{r:#}");
    assert!(trust_message(&r).contains("lacks keyCertSign"), "{r:#}");
}

#[test]
fn a_path_longer_than_an_intermediate_allows_is_refused() {
    // Root → intermediate allowing no CA below it → second intermediate → seal. (A root's own
    // pathLenConstraint is not applied: RFC 5280 §6.1 takes the anchor as input, not as a
    // certificate of the path.)
    let dir = scratch("path-len");
    let ca = root("Path Test Root");
    let mut upper = params("Path Test Upper Intermediate", true);
    upper.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let upper = CertifiedIssuer::signed_by(upper, KeyPair::generate().unwrap(), &ca).unwrap();
    let f = seal_through(
        &dir,
        &upper,
        params("Path Test Lower Intermediate", true),
        params("Path Test Seal", false),
    );
    // The signature carries the lower intermediate; the upper one goes in beside it.
    let chain = dir.join("chain.pem");
    let lower = std::fs::read_to_string(&chain).unwrap();
    std::fs::write(&chain, format!("{lower}{}", upper.pem())).unwrap();
    let f2 = sign_in(&dir, "sealed-2.docx");
    // Trusting the upper intermediate directly, the path is short enough.
    assert_eq!(verify_trusting(&f, &upper)["verdict"], "valid");
    let r = verify_trusting(&f2, &ca);
    assert_eq!(r["verdict"], "untrusted", "{r:#}");
    assert!(trust_message(&r).contains("allows 0 intermediate"), "{r:#}");
}

/// A CRL from `issuer` that lists `serial` as revoked a day ago, written DER to `path`.
fn write_crl(
    issuer: &CertifiedIssuer<'static, KeyPair>,
    serial: &rcgen::SerialNumber,
    path: &Path,
) {
    let now = OffsetDateTime::now_utc();
    let crl = rcgen::CertificateRevocationListParams {
        this_update: now - Duration::hours(1),
        next_update: now + Duration::days(7),
        crl_number: rcgen::SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![rcgen::RevokedCertParams {
            serial_number: serial.clone(),
            revocation_time: now - Duration::days(1),
            reason_code: Some(rcgen::RevocationReason::KeyCompromise),
            invalidity_date: None,
        }],
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    }
    .signed_by(issuer)
    .unwrap();
    std::fs::write(path, crl.der()).unwrap();
}

/// Serves the file at `path` to every GET on a loopback port; returns the port.
fn serve_file(path: PathBuf) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = std::fs::read(&path).unwrap_or_default();
            let _ = s.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            );
            let _ = s.write_all(&body);
        }
    });
    port
}

#[test]
fn the_crl_at_the_certificate_s_distribution_point_is_read() {
    let dir = scratch("path-dp");
    let ca = root("Path Test Root");
    let crl_path = dir.join("seal center.crl");
    let port = serve_file(crl_path.clone());
    let mut leaf = params("Path Test Lost Seal", false);
    // A file: point first: a document may not make the verifier read a local file, so only the
    // http: one answers.
    leaf.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
        uris: vec![
            format!(
                "file://{}",
                crl_path.display().to_string().replace(' ', "%20")
            ),
            format!("http://127.0.0.1:{port}/seal-center.crl"),
        ],
    }];
    let f = seal_through_with(
        &dir,
        &ca,
        params("Path Test Intermediate", true),
        leaf,
        |issuer, serial| write_crl(issuer, serial, &crl_path),
    );
    let a = f.with_file_name("anchor.pem");
    std::fs::write(&a, ca.pem()).unwrap();
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--json", "--trust", a.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(f.to_str().unwrap());
        serde_json::from_slice::<serde_json::Value>(&docseal(&args).stdout).unwrap()[0].clone()
    };
    // No --crl: the distribution point answers, once its loopback host is allowed.
    let r = verify(&["--crl-allow", &format!("127.0.0.1:{port}")]);
    assert_eq!(r["verdict"], "revoked", "{r:#}");
    assert_eq!(r["signatures"][0]["revocation"]["source"], "crl");
    let notes = r["signatures"][0]["findings"].to_string();
    assert!(notes.contains("crl-not-fetched"), "{notes}");
    // Not allowed, the loopback point is not fetched: nothing says the seal was lost, and the
    // report says revocation was not checked.
    let r = verify(&[]);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    assert!(r.to_string().contains("revocation-unchecked"), "{r:#}");
    // --offline leaves it unread too.
    let r = verify(&["--offline"]);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    assert_eq!(r["signatures"][0]["revocation"]["status"], "unknown");
}

#[test]
fn an_unreachable_distribution_point_is_not_fatal() {
    let dir = scratch("path-dp-down");
    let ca = root("Path Test Root");
    // Port 1 (tcpmux) lies outside the ephemeral range every test server here is given, so
    // nothing of this run listens there, as it might on a port picked and let go.
    let port = 1;
    let mut leaf = params("Path Test Seal", false);
    leaf.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
        uris: vec![format!("http://127.0.0.1:{port}/seal-center.crl")],
    }];
    let f = seal_through(&dir, &ca, params("Path Test Intermediate", true), leaf);
    let r = verify_trusting(&f, &ca);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    let s = &r["signatures"][0];
    assert_eq!(s["revocation"]["status"], "unknown");
    assert!(
        s["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "crl-unreachable"),
        "{s:#}"
    );
}
