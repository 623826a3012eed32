//! RFC 3161 time-stamps (XAdES-T) and trust judged at the proven time: a local TSA (`openssl ts
//! -reply` behind a small HTTP handler, milliseconds in genTime), tampered tokens, an unreachable
//! TSA, and revocation dates before and after the time-stamp.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

fn sign_with(input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    let p = pki();
    let key = p.join("rsa.p12");
    let pin = p.join("pin.txt");
    let mut args = vec![
        "sign",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--pin-file",
        pin.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    docseal(&args)
}

fn verify_with(file: &Path, crl: Option<&Path>) -> serde_json::Value {
    let ca = pki().join("ca.pem");
    let mut args = vec!["verify", "--json", "--trust", ca.to_str().unwrap()];
    if let Some(c) = crl {
        args.extend(["--crl", c.to_str().unwrap()]);
    }
    args.push(file.to_str().unwrap());
    let o = docseal(&args);
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()[0].clone()
}

fn timestamped(name: &str) -> PathBuf {
    let out = scratch("ts").join(name);
    let url = tsa();
    let o = sign_with(&samples().join("contract.docx"), &out, &["--tsa", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

#[test]
fn a_timestamped_seal_is_valid_at_the_tsa_time_and_libreoffice_agrees() {
    let out = timestamped("ts.docx");
    let r = verify_with(&out, None);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    let s = &r["signatures"][0];
    assert_eq!(s["time_source"], "timestamp", "{s:#}");
    assert_eq!(s["timestamp"]["intact"], true);
    assert_eq!(s["timestamp"]["trusted"], true);
    assert_eq!(s["timestamp"]["digest"], "sha256");
    assert!(s["timestamp"]["tsa"]
        .as_str()
        .unwrap()
        .contains("Test Time-Stamping Authority"));
    assert_eq!(s["best_time"], s["timestamp"]["time"]);
    if !libreoffice_missing() {
        let v = lo_verify(std::slice::from_ref(&out), &pki().join("ca.pem"));
        assert_eq!(v[0]["document_signature_state"], "PARTIAL_OK", "{:?}", v[0]);
        assert_eq!(v[0]["signatures"][0]["signature_valid"], true, "{:?}", v[0]);
    }
}

#[test]
fn sha1_timestamps_as_office_asks_for_them_verify() {
    let out = scratch("ts-sha1").join("ts1.docx");
    let url = tsa();
    let o = sign_with(
        &samples().join("ledger.xlsx"),
        &out,
        &["--tsa", &url, "--tsa-digest", "sha1"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r = verify_with(&out, None);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    assert_eq!(r["signatures"][0]["timestamp"]["digest"], "sha1");
}

#[test]
fn a_tampered_timestamp_token_makes_the_seal_invalid() {
    let out = timestamped("tamper.docx");
    let dir = scratch("ts-tamper");
    let mut entries = read_zip(&out);
    let text = String::from_utf8(entry(&mut entries, "_xmlsignatures/sig1.xml").clone()).unwrap();
    let start =
        text.find("<xd:EncapsulatedTimeStamp>").unwrap() + "<xd:EncapsulatedTimeStamp>".len();
    let end = text[start..].find('<').unwrap() + start;
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut token = b64.decode(&text[start..end]).unwrap();
    // One byte in the middle of the token: the TSTInfo or the TSA's signature.
    let at = token.len() / 2;
    token[at] ^= 0x01;
    let tampered = format!("{}{}{}", &text[..start], b64.encode(&token), &text[end..]);
    let bad = dir.join("bad.docx");
    *entry(&mut entries, "_xmlsignatures/sig1.xml") = tampered.into_bytes();
    write_zip(&bad, &entries);
    let r = verify_with(&bad, None);
    assert_eq!(r["verdict"], "invalid", "{r:#}");
    let codes: Vec<&str> = r["signatures"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.iter().any(|c| c.starts_with("timestamp-")),
        "{codes:?}"
    );
}

#[test]
fn an_unreachable_tsa_writes_nothing() {
    // Port 1 (tcpmux) lies outside the ephemeral range every test server here is given, so
    // nothing of this run listens there, as it might on a port picked and let go.
    let port = 1;
    let out = scratch("ts-down").join("never.docx");
    let o = sign_with(
        &samples().join("contract.docx"),
        &out,
        &["--tsa", &format!("http://127.0.0.1:{port}/tsa")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot be reached"), "{}", stderr(&o));
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    assert!(!out.exists());
}

/// A CRL from the test CA that lists the RSA seal as revoked at `when` (openssl's index date).
fn crl_revoking_rsa_at(name: &str, when: time::OffsetDateTime) -> PathBuf {
    let p = pki();
    let dir = scratch(&format!("crl-{name}"));
    for f in ["ca.pem", "ca.key", "rsa.pem"] {
        std::fs::copy(p.join(f), dir.join(f)).unwrap();
    }
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca=tca\n[tca]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=30\n",
    )
    .unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
    let run = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&[
        "ca",
        "-config",
        "ca.cnf",
        "-keyfile",
        "ca.key",
        "-cert",
        "ca.pem",
        "-revoke",
        "rsa.pem",
        "-crl_reason",
        "keyCompromise",
    ]);
    // index.txt: R <expiry> <revocation>,<reason> <serial> unknown <subject>; set the date.
    let index = std::fs::read_to_string(dir.join("index.txt")).unwrap();
    let stamp = format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        when.year() % 100,
        when.month() as u8,
        when.day(),
        when.hour(),
        when.minute(),
        when.second()
    );
    let fields: Vec<&str> = index.trim_end().split('\t').collect();
    let reason = fields[2]
        .split_once(',')
        .map(|(_, r)| r)
        .unwrap_or("keyCompromise");
    let mut edited: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    edited[2] = format!("{stamp},{reason}");
    std::fs::write(dir.join("index.txt"), edited.join("\t") + "\n").unwrap();
    run(&[
        "ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-gencrl", "-out",
        "lost.crl",
    ]);
    dir.join("lost.crl")
}

#[test]
fn revocation_after_the_timestamp_keeps_the_seal_valid_with_a_note() {
    let out = timestamped("before-loss.docx");
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let crl = crl_revoking_rsa_at("later", later);
    let r = verify_with(&out, Some(&crl));
    assert_eq!(r["verdict"], "valid", "{r:#}");
    let s = &r["signatures"][0];
    assert_eq!(s["revocation"]["status"], "good", "{s:#}");
    assert!(s["revocation"]["revoked_at"].is_string());
    assert!(s["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "revoked-after-signing"));
}

#[test]
fn revocation_before_the_timestamp_is_revoked() {
    let out = timestamped("after-loss.docx");
    let earlier = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let crl = crl_revoking_rsa_at("earlier", earlier);
    let r = verify_with(&out, Some(&crl));
    assert_eq!(r["verdict"], "revoked", "{r:#}");
    let s = &r["signatures"][0];
    assert_eq!(s["revocation"]["status"], "revoked");
    assert_eq!(s["revocation"]["reason"], "KeyCompromise");
    let f = s["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "revoked")
        .unwrap();
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("sealed after the seal was reported lost"),
        "{f}"
    );
}

#[test]
fn without_a_timestamp_a_revoked_seal_is_revoked_now() {
    let out = scratch("no-ts").join("plain.docx");
    sign_rsa(&samples().join("contract.docx"), &out);
    // Revoked a minute ago: after the claimed signing time, but nothing proves that time.
    let crl = crl_revoking_rsa_at(
        "now",
        time::OffsetDateTime::now_utc() - time::Duration::minutes(1),
    );
    let r = verify_with(&out, Some(&crl));
    assert_eq!(r["verdict"], "revoked", "{r:#}");
    let s = &r["signatures"][0];
    assert_eq!(s["time_source"], "verification-time");
    let f = s["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "revoked")
        .unwrap();
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("signing time not proven"),
        "{f}"
    );
}

/// The first signature's report of an Office- or POI-signed sample in ../shared, or `None` (and a
/// line saying the optional test is skipped) when ../shared is absent.
fn shared_sample_signature(name: &str) -> Option<serde_json::Value> {
    let Some(dir) = shared().map(|s| s.join("interop/samples")) else {
        eprintln!("skipped: ../shared/interop/samples is absent (optional test)");
        return None;
    };
    let f = dir.join(name);
    let o = docseal(&["verify", "--json", f.to_str().unwrap()]);
    let r = serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap();
    Some(r[0]["signatures"][0].clone())
}

#[test]
fn the_office_2010_xl_sample_reports_both_timestamps() {
    let Some(s) = shared_sample_signature("poi/Office2010-SP1-XAdES-X-L.docx") else {
        return;
    };
    let s = &s;
    assert_eq!(s["intact"], true, "{s:#}");
    let ts = s["timestamps"].as_array().unwrap();
    assert_eq!(ts.len(), 2, "{s:#}");
    assert_eq!(ts[0]["kind"], "signature");
    assert_eq!(ts[1]["kind"], "sig-and-refs");
    for t in ts {
        assert_eq!(t["intact"], true, "{t:#}");
        assert_eq!(t["digest"], "sha1");
        assert!(
            t["tsa"]
                .as_str()
                .unwrap()
                .contains("Time Stamping Authority"),
            "{t}"
        );
    }
    assert_eq!(ts[0]["time"], "2011-08-20T05:18:39Z");
    assert_eq!(ts[1]["time"], "2011-08-20T05:18:40Z");
}

#[test]
fn long_term_data_embeds_the_chain_and_crl_and_time_stamps_them() {
    let out = scratch("ltv").join("ltv.docx");
    let url = tsa();
    let crl = pki().join("lost-ec.crl");
    let o = sign_with(
        &samples().join("contract.docx"),
        &out,
        &["--tsa", &url, "--ltv", "--crl", crl.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // No --crl at verification: the embedded CRL answers.
    let r = verify_with(&out, None);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    let s = &r["signatures"][0];
    let ts = s["timestamps"].as_array().unwrap();
    assert_eq!(ts.len(), 2, "{s:#}");
    assert_eq!(ts[1]["kind"], "sig-and-refs");
    assert!(
        ts.iter()
            .all(|t| t["intact"] == true && t["trusted"] == true),
        "{s:#}"
    );
    assert_eq!(s["revocation"]["status"], "good", "{s:#}");
    assert_eq!(s["revocation"]["source"], "crl");
    // Office 2010 SP1's order of the unsigned signature properties.
    let mut entries = read_zip(&out);
    let sig = String::from_utf8(entry(&mut entries, "_xmlsignatures/sig1.xml").clone()).unwrap();
    let order: Vec<usize> = [
        "<xd:SignatureTimeStamp",
        "<xd:CompleteCertificateRefs",
        "<xd:CertificateValues",
        "<xd:CompleteRevocationRefs",
        "<xd:RevocationValues",
        "<xd:SigAndRefsTimeStamp",
    ]
    .iter()
    .map(|e| sig.find(e).unwrap_or_else(|| panic!("no {e}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // Editing a reference the SigAndRefsTimeStamp covers breaks that time-stamp: it no longer
    // proves when the validation data was gathered, which is said as a warning. The signed
    // content and the signature's own time-stamp stand (design note "Whose signature line is
    // it": the eID DSS evidence).
    let bad = scratch("ltv").join("ltv-bad.docx");
    *entry(&mut entries, "_xmlsignatures/sig1.xml") = sig
        .replacen("<xd:IssueTime>", "<xd:IssueTime>1", 1)
        .into_bytes();
    write_zip(&bad, &entries);
    let r = verify_with(&bad, None);
    let s = &r["signatures"][0];
    let stamps = s["timestamps"].as_array().unwrap();
    assert_eq!(stamps[0]["intact"], true, "{r:#}");
    assert_eq!(stamps[1]["kind"], "sig-and-refs", "{r:#}");
    assert_eq!(stamps[1]["intact"], false, "{r:#}");
    let mismatch = s["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "timestamp-imprint-mismatch")
        .unwrap_or_else(|| panic!("{r:#}"));
    assert_eq!(mismatch["severity"], "warning", "{r:#}");
    assert_eq!(s["time_source"], "timestamp", "{r:#}");
    if !libreoffice_missing() {
        let v = lo_verify(std::slice::from_ref(&out), &pki().join("ca.pem"));
        assert_eq!(v[0]["document_signature_state"], "PARTIAL_OK", "{:?}", v[0]);
    }
}

#[test]
fn long_term_data_that_shows_the_seal_lost_is_refused() {
    let p = pki();
    let out = scratch("ltv-lost").join("lost.docx");
    let url = tsa();
    let o = docseal(&[
        "sign",
        samples().join("contract.docx").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--key",
        p.join("ec.key").to_str().unwrap(),
        "--cert",
        p.join("ec.pem").to_str().unwrap(),
        "--chain",
        p.join("ca.pem").to_str().unwrap(),
        "--tsa",
        &url,
        "--ltv",
        "--crl",
        p.join("lost-ec.crl").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("was revoked on"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn apache_poi_s_ber_encoded_timestamps_verify() {
    // POI (BouncyCastle) writes its tokens in BER: indefinite lengths, a segmented eContent.
    let Some(s) = shared_sample_signature("poi/signed.docx") else {
        return;
    };
    let s = &s;
    assert_eq!(s["intact"], true, "{s:#}");
    let ts = s["timestamps"].as_array().unwrap();
    assert!(!ts.is_empty(), "{s:#}");
    assert!(ts.iter().all(|t| t["intact"] == true), "{s:#}");
}

#[test]
fn an_expired_seal_stays_valid_when_a_timestamp_proves_it_sealed_in_time() {
    // A seal certificate valid for one day, and a verifier whose clock is pinned three days on.
    let p = pki();
    let dir = scratch("short-lived");
    let run = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let (ca, ca_key) = (p.join("ca.pem"), p.join("ca.key"));
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .unwrap();
    run(&[
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "short.key",
        "-out",
        "short.csr",
        "-subj",
        "/CN=Short-lived Seal",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "short.csr",
        "-CA",
        ca.to_str().unwrap(),
        "-CAkey",
        ca_key.to_str().unwrap(),
        "-set_serial",
        "4242",
        "-days",
        "1",
        "-extfile",
        "leaf.ext",
        "-out",
        "short.pem",
    ]);
    let url = tsa();
    let seal = |name: &str, extra: &[&str]| {
        let out = dir.join(name);
        let mut args: Vec<String> = vec![
            "sign".into(),
            samples()
                .join("contract.docx")
                .to_str()
                .unwrap()
                .to_string(),
            "-o".into(),
            out.to_str().unwrap().to_string(),
            "--key".into(),
            dir.join("short.key").to_str().unwrap().to_string(),
            "--cert".into(),
            dir.join("short.pem").to_str().unwrap().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = docseal(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        out
    };
    let stamped = seal("in-time.docx", &["--tsa", &url]);
    let plain = seal("claimed.docx", &[]);
    let opts = docseal::VerifyOptions {
        trust: docseal::trust::Validator {
            anchors: docseal::trust::Cert::load_file(&ca).unwrap(),
            now: Some(time::OffsetDateTime::now_utc() + time::Duration::days(3)),
            ..Default::default()
        },
        ..Default::default()
    };
    let r = docseal::verify_file(&stamped, &opts);
    assert_eq!(r.verdict, docseal::Verdict::Valid, "{r:#?}");
    assert_eq!(
        r.signatures[0].time_source,
        Some(docseal::verify::TimeSource::Timestamp)
    );
    let r = docseal::verify_file(&plain, &opts);
    assert_eq!(r.verdict, docseal::Verdict::Untrusted, "{r:#?}");
    let f = r.signatures[0]
        .findings
        .iter()
        .find(|f| f.code == "certificate-not-valid")
        .unwrap();
    assert!(
        f.message.contains("signing time not proven"),
        "{}",
        f.message
    );
}

#[test]
fn batch_time_stamps_every_seal() {
    let dir = scratch("ts-batch");
    let (input, output) = (dir.join("in"), dir.join("out"));
    std::fs::create_dir_all(&input).unwrap();
    for s in ["contract.docx", "ledger.xlsx"] {
        std::fs::copy(samples().join(s), input.join(s)).unwrap();
    }
    let p = pki();
    let url = tsa();
    let o = docseal(&[
        "batch",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--sign-only",
        "--key",
        p.join("rsa.p12").to_str().unwrap(),
        "--pin-file",
        p.join("pin.txt").to_str().unwrap(),
        "--tsa",
        &url,
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for s in ["contract.docx", "ledger.xlsx"] {
        let r = verify_with(&output.join(s), None);
        assert_eq!(r["verdict"], "valid", "{s}: {r:#}");
        assert_eq!(r["signatures"][0]["time_source"], "timestamp", "{s}: {r:#}");
    }
}
