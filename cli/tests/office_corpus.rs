//! Documents signed by Microsoft Office (2007, 2010, 2010 SP1 with XAdES-X-L), by a POI-style
//! Java signer and by LibreOffice 7.4 verify, and their tampered copies are refused for the right
//! reason. Optional: skips with a message when `../shared/interop/samples` is absent.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let d = shared()?.join("interop/samples");
    if d.is_dir() {
        Some(d)
    } else {
        None
    }
}

macro_rules! corpus_or_skip {
    () => {
        match corpus() {
            Some(d) => d,
            None => {
                eprintln!("skipped: ../shared/interop/samples is not here");
                return;
            }
        }
    };
}

type Variant = (&'static str, &'static str, Box<dyn Fn(&mut Entries)>);

const SIGNED: &[&str] = &[
    "poi/hello-world-signed.docx",
    "poi/hello-world-signed-twice.docx",
    "poi/hello-world-office-2010-technical-preview.docx",
    "poi/ms-office-2010-signed.docx",
    "poi/hyperlink-example-signed.docx",
    "poi/Office2010-SP1-XAdES-X-L.docx",
    "poi/signed.docx",
    "poi/office2007prettyPrintedRels.docx",
    "poi/hello-world-signed.xlsx",
    "poi/ms-office-2010-signed.xlsx",
    "libreoffice-7.4/lo-signed.docx",
    "libreoffice-7.4/lo-signed.xlsx",
];

#[test]
fn every_signed_sample_is_intact_and_untrusted_without_anchors() {
    let dir = corpus_or_skip!();
    for s in SIGNED {
        let r = verify_json(&dir.join(s), false);
        assert_eq!(r["verdict"], "untrusted", "{s}: {r:#}");
        let sigs = r["signatures"].as_array().unwrap();
        assert!(!sigs.is_empty());
        assert!(sigs.iter().all(|x| x["intact"] == true), "{s}: {r:#}");
    }
}

#[test]
fn both_signatures_of_the_twice_signed_document_are_checked() {
    let dir = corpus_or_skip!();
    let r = verify_json(&dir.join("poi/hello-world-signed-twice.docx"), false);
    let signers: Vec<&str> = r["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["signer"].as_str().unwrap())
        .collect();
    assert_eq!(signers.len(), 2);
    assert!(
        signers.iter().any(|s| s.contains("Bryan Brouckaert"))
            && signers.iter().any(|s| s.contains("Bart Hanssens"))
    );
}

#[test]
fn sha1_signatures_carry_a_warning() {
    let dir = corpus_or_skip!();
    let r = verify_json(&dir.join("poi/ms-office-2010-signed.docx"), false);
    assert!(r["signatures"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "weak-algorithm"));
}

#[test]
fn the_libreoffice_pair_is_valid_with_its_ca() {
    let dir = corpus_or_skip!();
    let ca = dir.join("libreoffice-7.4/oracle-test-ca.pem");
    for s in [
        "libreoffice-7.4/lo-signed.docx",
        "libreoffice-7.4/lo-signed.xlsx",
    ] {
        let o = docseal(&[
            "verify",
            "--trust",
            ca.to_str().unwrap(),
            dir.join(s).to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{s}: {}", stdout(&o));
        assert!(stdout(&o).contains(": valid"), "{}", stdout(&o));
    }
}

#[test]
fn unsigned_samples_are_unsigned() {
    let dir = corpus_or_skip!();
    for s in [
        "poi/hello-world-unsigned.docx",
        "poi/hello-world-office-2010-technical-preview-unsigned.docx",
        "poi/hello-world-unsigned.xlsx",
        "poi/bug58630.xlsx",
    ] {
        assert_eq!(
            verify_json(&dir.join(s), false)["verdict"],
            "unsigned",
            "{s}"
        );
    }
}

/// Tampered copies of Office-made files, made here (the same variants as the oracle's make-tampered).
#[test]
fn tampered_office_files_are_refused_for_the_right_reason() {
    let dir = corpus_or_skip!();
    let out = scratch("corpus");
    for s in [
        "poi/ms-office-2010-signed.docx",
        "poi/ms-office-2010-signed.xlsx",
        "poi/hello-world-signed.docx",
        "libreoffice-7.4/lo-signed.docx",
    ] {
        let src = dir.join(s);
        let main = if s.ends_with(".xlsx") {
            "xl/sharedStrings.xml"
        } else {
            "word/document.xml"
        };
        let removable = if s.ends_with(".xlsx") {
            "xl/styles.xml"
        } else {
            "word/webSettings.xml"
        };
        let stem = s.replace('/', "_");
        let variants: Vec<Variant> = vec![
            (
                "content",
                "digest-mismatch",
                Box::new(move |e: &mut Vec<_>| {
                    let b = entry(e, main);
                    let i = b
                        .windows(2)
                        .position(|w| w[0] == b'>' && w[1].is_ascii_alphabetic())
                        .unwrap()
                        + 1;
                    b[i] = if b[i] == b'X' { b'Y' } else { b'X' };
                }),
            ),
            (
                "sigvalue",
                "signature-value-invalid",
                Box::new(|e: &mut Vec<_>| {
                    let b = entry(e, "_xmlsignatures/sig1.xml");
                    let i = b
                        .windows(16)
                        .position(|w| w == b"<SignatureValue>")
                        .unwrap()
                        + 16;
                    b[i] = if b[i] == b'A' { b'B' } else { b'A' };
                }),
            ),
            (
                "removed",
                "part-missing",
                Box::new(move |e: &mut Vec<_>| e.retain(|x| x.0 != removable)),
            ),
            (
                "extra",
                "unsigned-part",
                Box::new(|e: &mut Vec<_>| {
                    e.push((
                        "extra/unsigned.xml".into(),
                        b"<x/>".to_vec(),
                        zip::CompressionMethod::Deflated,
                    ))
                }),
            ),
        ];
        for (name, code, edit) in variants {
            let f = out.join(format!(
                "{stem}.{name}.{}",
                if s.ends_with(".xlsx") { "xlsx" } else { "docx" }
            ));
            rewrite(&src, &f, |e| edit(e));
            let r = verify_json(&f, false);
            assert_eq!(r["verdict"], "invalid", "{s} {name}: {r:#}");
            assert!(
                error_codes(&r).iter().any(|c| c == code),
                "{s} {name}: {:?}",
                error_codes(&r)
            );
        }
        let f = out.join(format!("{stem}.core.docx"));
        rewrite(&src, &f, |e| {
            let b = entry(e, "docProps/core.xml");
            let i = b
                .windows(2)
                .position(|w| w[0] == b'>' && w[1].is_ascii_alphanumeric())
                .unwrap()
                + 1;
            b[i] = if b[i] == b'1' { b'2' } else { b'1' };
        });
        assert_eq!(verify_json(&f, false)["verdict"], "untrusted", "{s} core");
    }
}
