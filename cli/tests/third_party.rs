//! Documents that others signed — Word with the Belgian eID tools, the eID DSS and applet
//! projects, Aspose.Words, GroupDocs.Signature, SignServer — judged as their makers and Apache
//! POI judge them: intact, and `untrusted` while no anchor is given. Optional: the samples live in
//! `../shared/interop/samples/third-party/` (SOURCES.md there says where each comes from); the
//! test skips with a message without them.
//!
//! Where docseal's own rule is stricter, the table says so and the README names the rule: an
//! unsigned `attachedTemplate` relationship (a remote-template swap is a known attack) is
//! `invalid`; a certificate expired when it signed, and a path signed with SHA-1, are not
//! trusted even with their root.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// (file, verdict without anchors, its warning and error codes, verdict with the roots the
/// sample carries and `--at` its claimed signing time — `None` when it carries none —, the
/// program that made it, the Office signature lines it has).
type Row = (
    &'static str,
    &'static str,
    &'static [&'static str],
    Option<&'static str>,
    &'static str,
    usize,
);

const CNV: &str = "certificate-not-valid";
const SHA1: &str = "weak-algorithm";
const TSU: &str = "timestamp-untrusted";
const NO_IMG: &str = "signature-line-image-missing";
/// 1024-bit RSA (Aspose's and GroupDocs' test certificates, Belgian eID cards of the time):
/// believed, but too weak for a new seal.
const WEAK: &str = "weak-key";

const TABLE: &[Row] = &[
    (
        "aspose-words+aspose.words-for-.net__digitally signed.docx",
        "untrusted",
        &[CNV, SHA1, WEAK],
        None,
        "Word 2007",
        0,
    ),
    // Signed in 2017 with a certificate valid 2014–2015: expired when it signed.
    (
        "aspose-words+aspose.words-for-.net__document.encrypteddocument_out.docx",
        "untrusted",
        &[CNV, SHA1, WEAK],
        Some("untrusted"),
        "Word 2007",
        1,
    ),
    (
        "aspose-words+aspose.words-for-.net__document.newsignatureline.docx_out.docx",
        "untrusted",
        &[CNV, NO_IMG, SHA1, WEAK],
        Some("untrusted"),
        "Word 2007",
        1,
    ),
    (
        "aspose-words+aspose.words-for-.net__document.signed.existingsignatureline.docx",
        "untrusted",
        &[CNV, NO_IMG, SHA1, WEAK],
        Some("untrusted"),
        "Word 2007",
        1,
    ),
    (
        "aspose-words+aspose.words-for-.net__document.signed_out.docx",
        "untrusted",
        &[CNV, NO_IMG, SHA1, WEAK],
        Some("untrusted"),
        "Word 2007",
        2,
    ),
    (
        "aspose-words+aspose.words-for-.net__signeddocument.docx",
        "untrusted",
        &[NO_IMG, "untrusted-signer", SHA1, WEAK],
        Some("valid"),
        "Word 2007",
        1,
    ),
    (
        "e-contract+eid-applet__hallo.docx",
        "untrusted",
        &[CNV, SHA1, WEAK],
        None,
        "Word 2010",
        0,
    ),
    (
        "e-contract+eid-applet__ms2010-signed-picture.docx",
        "untrusted",
        &[CNV, SHA1, WEAK],
        None,
        "Word 2010",
        1,
    ),
    (
        "e-contract+eid-applet__ms2010-signed.docx",
        "untrusted",
        &[CNV, SHA1, WEAK],
        None,
        "Word 2010",
        0,
    ),
    // Belgian eID paths are signed with SHA-1: not trusted, root or not.
    (
        "e-contract+eid-applet__signed-ooxml.docx",
        "untrusted",
        &[CNV, SHA1, WEAK],
        Some("untrusted"),
        "an XML-DSig signer",
        0,
    ),
    (
        "fedict+eid-dss__1.0.0.beta2-hello-world-signed.docx",
        "untrusted",
        &[CNV, TSU, SHA1, WEAK],
        Some("untrusted"),
        "an XAdES signer",
        0,
    ),
    (
        "fedict+eid-dss__1.0.2-fedict-hello-world-signed.docx",
        "untrusted",
        &[CNV, TSU, SHA1, WEAK],
        Some("untrusted"),
        "an XAdES signer",
        0,
    ),
    // Its SignatureTimeStamp holds; its SigAndRefsTimeStamp matches no reading of XAdES §7.5.1.
    (
        "fedict+eid-dss__halloxl.docx",
        "untrusted",
        &[CNV, "timestamp-imprint-mismatch", TSU, SHA1, WEAK],
        Some("untrusted"),
        "Word 2010",
        0,
    ),
    (
        "fedict+eid-dss__large-signed.docx",
        "untrusted",
        &[CNV, TSU, WEAK],
        Some("untrusted"),
        "an XAdES signer",
        0,
    ),
    (
        "fedict+eid-dss__office2010-sp1-globalsign.docx",
        "untrusted",
        &[CNV, TSU, SHA1, WEAK],
        Some("untrusted"),
        "Word 2010",
        0,
    ),
    (
        "groupdocs-signature+groupdocs.signature-for-.net__digital signatures.docx",
        "untrusted",
        &["untrusted-signer", SHA1],
        Some("valid"),
        "Word 2010",
        0,
    ),
    (
        "groupdocs-signature+groupdocs.signature-for-.net__digital signatures.xlsx",
        "untrusted",
        &["untrusted-signer", SHA1],
        Some("valid"),
        "Excel 2010",
        0,
    ),
    // An attachedTemplate relationship left unsigned: docseal's stricter rule (README).
    (
        "groupdocs-signature+groupdocs.signature-for-.net__getting started(2).docx",
        "invalid",
        &[CNV, "unsigned-relationship", SHA1, WEAK],
        Some("invalid"),
        "Word 2007",
        0,
    ),
    (
        "groupdocs-signature+groupdocs.signature-for-.net__getting started(5).docx",
        "invalid",
        &[CNV, "unsigned-relationship", SHA1, WEAK],
        Some("invalid"),
        "Word 2007",
        0,
    ),
    (
        "groupdocs-signature+groupdocs.signature-for-.net__pie chart(2).xlsx",
        "untrusted",
        &[CNV, SHA1, WEAK],
        Some("valid"),
        "Excel 2007",
        0,
    ),
    (
        "groupdocs-signature+groupdocs.signature-for-.net__pie chart(5).xlsx",
        "untrusted",
        &[CNV, SHA1, WEAK],
        Some("valid"),
        "Excel 2007",
        0,
    ),
    (
        "groupdocs-signature+groupdocs.signature-for-.net__sample_multiple_signatures.docx",
        "untrusted",
        &["untrusted-signer", SHA1],
        Some("valid"),
        "Word 2007",
        0,
    ),
    (
        "groupdocs-signature+groupdocs.signature-for-.net__sample_multiple_signatures.xlsx",
        "untrusted",
        &["untrusted-signer", SHA1],
        Some("valid"),
        "Excel 2007",
        0,
    ),
    (
        "groupdocs-signature+groupdocs.signature-for-.net__signed_sample.xlsx",
        "untrusted",
        &[CNV, SHA1],
        None,
        "Excel 2007",
        0,
    ),
    (
        "keyfactor+signserver-ce__test-out.docx",
        "untrusted",
        &[CNV, SHA1],
        None,
        "an XML-DSig signer",
        0,
    ),
];

fn samples_dir() -> Option<PathBuf> {
    let d = shared()?.join("interop/samples/third-party");
    d.is_dir().then_some(d)
}

fn verify(file: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["verify", "--json", "--offline"];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    let o = docseal(&args);
    serde_json::from_slice::<serde_json::Value>(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)))[0]
        .clone()
}

/// Warning and error codes of the report and its signatures, sorted and once each.
fn codes(r: &serde_json::Value) -> Vec<String> {
    let mut all: Vec<String> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(
            r["signatures"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s["findings"].as_array().into_iter().flatten()),
        )
        .filter(|f| f["severity"] != "info")
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    all.sort();
    all.dedup();
    all
}

/// The self-issued certificates a sample's signatures carry (its roots), as PEM.
fn roots(file: &Path) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    use std::io::Read;
    let mut out = String::new();
    // Only the signature parts are read: some samples hold entries other readers cannot inflate.
    let mut z = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    let names: Vec<String> = z
        .file_names()
        .filter(|n| n.starts_with("_xmlsignatures/") && n.ends_with(".xml"))
        .map(str::to_string)
        .collect();
    for name in names {
        let mut text = String::new();
        if z.by_name(&name)
            .and_then(|mut f| Ok(f.read_to_string(&mut text)?))
            .is_err()
        {
            continue;
        }
        for tag in ["X509Certificate>", "EncapsulatedX509Certificate>"] {
            for chunk in text.split(tag).skip(1) {
                let Some(value) = chunk.split('<').next() else {
                    continue;
                };
                let der: String = value.split_whitespace().collect();
                let Ok(der) = b64.decode(der) else { continue };
                let Ok(cert) = docseal::Cert::from_der(der.clone()) else {
                    continue;
                };
                if cert.is_self_issued() {
                    let pem = format!(
                        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                        b64.encode(&der)
                    );
                    if !out.contains(&pem) {
                        out.push_str(&pem);
                    }
                }
            }
        }
    }
    out
}

#[test]
fn documents_others_signed_are_judged_as_their_makers_and_poi_judge_them() {
    let Some(dir) = samples_dir() else {
        eprintln!("skipped: ../shared/interop/samples/third-party is not beside the project");
        return;
    };
    let scratch = scratch("third-party");
    let mut wrong = Vec::new();
    for (file, verdict, expected, with_root, program, lines) in TABLE {
        let path = dir.join(file);
        let r = verify(&path, &[]);
        let got = codes(&r);
        let want: Vec<String> = expected.iter().map(|c| c.to_string()).collect();
        if r["verdict"] != *verdict || got != want {
            wrong.push(format!(
                "{file}: {} {got:?}, expected {verdict} {want:?}",
                r["verdict"]
            ));
        }
        let made = r["signatures"][0]["made_with"]["program"]
            .as_str()
            .unwrap_or("");
        if made != *program {
            wrong.push(format!("{file}: made with {made:?}, expected {program:?}"));
        }
        let shown = r["signature_lines"].as_array().map_or(0, Vec::len);
        if shown != *lines {
            wrong.push(format!("{file}: {shown} signature lines, expected {lines}"));
        }
        // No foreign signature line is ever a broken seal.
        if got
            .iter()
            .any(|c| c.starts_with("slot-") || c == "seal-not-bound" || c == "copied-seal")
        {
            wrong.push(format!(
                "{file}: a partner's signature line judged as a docseal slot: {got:?}"
            ));
        }
        if let Some(v) = with_root {
            let pem = scratch.join(format!("{}.pem", file.replace(' ', "_")));
            std::fs::write(&pem, roots(&path)).unwrap();
            let at = r["signatures"][0]["signed_at"]
                .as_str()
                .unwrap()
                .to_string();
            let t = verify(&path, &["--trust", pem.to_str().unwrap(), "--at", &at]);
            if t["verdict"] != *v {
                wrong.push(format!(
                    "{file} with its root at {at}: {} {:?}, expected {v}",
                    t["verdict"],
                    codes(&t)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The CLI's summary of an intact partner signature on a signature line.
    let o = docseal(&[
        "verify",
        "--offline",
        dir.join("e-contract+eid-applet__ms2010-signed-picture.docx")
            .to_str()
            .unwrap(),
    ]);
    let line = stdout(&o);
    assert!(
        line.contains("untrusted — intact, signed by Bart Hanssens (Signature) with Word 2010 on a signature line;"),
        "{line}"
    );

    // Apache POI, the second judge (optional): every sample it can open is intact, as ours are.
    let files: Vec<PathBuf> = TABLE.iter().map(|t| dir.join(t.0)).collect();
    if let Some(poi) = poi_verify(&files) {
        for (f, v) in files.iter().zip(&poi) {
            if v["error"].is_null() {
                assert_eq!(v["all_valid"], true, "{}: {v}", f.display());
            }
        }
    }
}

/// The Word 2010 signature on a signature line with a picture: the line is reported, with what
/// its signature carries, and the picture Word drew for it is not taken for a docseal seal.
#[test]
fn a_partners_signature_line_is_reported_as_it_is() {
    let Some(dir) = samples_dir() else {
        eprintln!("skipped: ../shared/interop/samples/third-party is not beside the project");
        return;
    };
    let r = verify(
        &dir.join("e-contract+eid-applet__ms2010-signed-picture.docx"),
        &[],
    );
    let line = &r["signature_lines"][0];
    assert_eq!(line["suggested_signer"], "Bart Hanssens", "{r:#}");
    assert_eq!(line["signature"], "/_xmlsignatures/sig1.xml");
    assert_eq!(line["intact"], true);
    assert_eq!(line["signature_image"], true);
    assert_eq!(line["valid_image"], true);
    assert_eq!(line["invalid_image"], true);
    assert!(r["seals"].as_array().unwrap().is_empty(), "{r:#}");
    let s = &r["signatures"][0]["made_with"];
    assert_eq!(s["signature_line"], line["id"]);
    assert_eq!(s["office_version"], "14.0");
    assert_eq!(s["xades"], "XAdES-BES");
    assert_eq!(s["docseal"], false);
    // Aspose writes the line's signature without the pictures Office draws it with: a warning.
    let a = verify(
        &dir.join("aspose-words+aspose.words-for-.net__signeddocument.docx"),
        &[],
    );
    assert_eq!(a["signature_lines"][0]["valid_image"], false, "{a:#}");
    assert!(codes(&a).contains(&"signature-line-image-missing".to_string()));
    // The eID DSS time-stamp that matches: its canonicalisation is the one it names, reported.
    let x = verify(&dir.join("fedict+eid-dss__halloxl.docx"), &[]);
    let stamps = x["signatures"][0]["timestamps"].as_array().unwrap();
    assert_eq!(stamps[0]["kind"], "signature");
    assert_eq!(stamps[0]["intact"], true, "{x:#}");
    assert_eq!(
        stamps[0]["canonicalization"],
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    );
    assert_eq!(stamps[1]["kind"], "sig-and-refs");
    assert_eq!(stamps[1]["intact"], false);
}
