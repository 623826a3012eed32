//! LibreOffice is the independent judge: every sample signed by docseal with the RSA and the EC
//! seal, and signed twice, is reported intact with a valid certificate by LibreOffice's own
//! signature check (tests/oracle/lo-verify, one LibreOffice start for all files); a tampered copy
//! is reported broken.
//!
//! Needs LibreOffice (libreoffice-writer, libreoffice-calc, python3-uno, libnss3-tools), which the
//! README's test command installs. Set DOCSEAL_SKIP_LIBREOFFICE=1 to skip it on a machine without.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn lo_verify(files: &[PathBuf], ca: &Path) -> Vec<serde_json::Value> {
    let mut cmd = Command::new("/usr/bin/python3");
    cmd.arg(repo().join("tests/oracle/lo-verify"))
        .args(["--no-load", "--trust-ca"])
        .arg(ca)
        .args(files);
    let o = cmd.output().expect("run lo-verify");
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{}", stderr(&o))))
        .collect()
}

fn libreoffice_missing() -> bool {
    if std::env::var_os("DOCSEAL_SKIP_LIBREOFFICE").is_some() {
        eprintln!("skipped: DOCSEAL_SKIP_LIBREOFFICE is set");
        return true;
    }
    assert!(
        Path::new("/usr/bin/soffice").exists() || Path::new("/usr/lib/libreoffice/program/soffice").exists(),
        "LibreOffice is not installed: run the README's test command, or set DOCSEAL_SKIP_LIBREOFFICE=1"
    );
    false
}

#[test]
fn libreoffice_accepts_what_docseal_signs_and_rejects_a_tampered_copy() {
    if libreoffice_missing() {
        return;
    }
    let dir = scratch("lo");
    let mut files = Vec::new();
    for s in ["contract.docx", "report.docx", "ledger.xlsx"] {
        let rsa = dir.join(format!("rsa-{s}"));
        let ec = dir.join(format!("ec-{s}"));
        sign_rsa(&samples().join(s), &rsa);
        sign_ec(&samples().join(s), &ec);
        files.push(rsa);
        files.push(ec);
    }
    let twice = dir.join("twice-report.docx");
    sign_ec(&dir.join("rsa-report.docx"), &twice);
    files.push(twice.clone());
    let tampered = dir.join("tampered-report.docx");
    rewrite(&dir.join("rsa-report.docx"), &tampered, |e| {
        replace_in(e, "word/document.xml", "unaudited", "audited!!")
    });
    files.push(tampered.clone());

    let results = lo_verify(&files, &pki().join("ca.pem"));
    assert_eq!(results.len(), files.len());
    for (f, r) in files.iter().zip(&results) {
        let sigs = r["signatures"]
            .as_array()
            .unwrap_or_else(|| panic!("{f:?}: {r}"));
        if f == &tampered {
            assert_eq!(r["document_signature_state"], "BROKEN", "{f:?}: {r}");
            continue;
        }
        assert_eq!(r["document_signature_state"], "PARTIAL_OK", "{f:?}: {r}");
        assert_eq!(sigs.len(), if f == &twice { 2 } else { 1 }, "{f:?}: {r}");
        for s in sigs {
            assert_eq!(s["signature_valid"], true, "{f:?}: {r}");
            assert_eq!(s["certificate_valid"], true, "{f:?}: {r}");
        }
        // docseal agrees.
        assert_eq!(verify_json(f, true)["verdict"], "valid", "{f:?}");
    }
}
