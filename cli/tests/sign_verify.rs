//! Signing and verifying our own output: every sample, RSA and ECDSA, twice, deterministically.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use docseal::dsig::SignOptions;
use docseal::signer::{file, unlock::Unlock};

const SAMPLES: &[&str] = &["contract.docx", "report.docx", "ledger.xlsx"];

#[test]
fn every_sample_signed_with_rsa_and_ec_verifies_valid_with_trust_and_untrusted_without() {
    let dir = scratch("sv");
    for s in SAMPLES {
        for (alg, sign) in [("rsa", sign_rsa as fn(&_, &_)), ("ec", sign_ec)] {
            let out = dir.join(format!("{alg}-{s}"));
            sign(&samples().join(s), &out);
            let r = verify_json(&out, true);
            assert_eq!(r["verdict"], "valid", "{s} {alg}: {r:#}");
            let sig = &r["signatures"][0];
            assert_eq!(
                sig["algorithm"],
                if alg == "rsa" {
                    "rsa-sha256"
                } else {
                    "ecdsa-sha256"
                }
            );
            assert!(sig["signer"]
                .as_str()
                .unwrap()
                .contains("Example Trading Co. Ltd."));
            assert!(r["unsigned_parts"].as_array().unwrap().is_empty());
            assert_eq!(verify_json(&out, false)["verdict"], "untrusted");
        }
    }
}

#[test]
fn signing_twice_keeps_the_first_signature_intact() {
    let dir = scratch("twice");
    let once = dir.join("once.docx");
    let twice = dir.join("twice.docx");
    sign_rsa(&samples().join("report.docx"), &once);
    sign_ec(&once, &twice);
    let r = verify_json(&twice, true);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    let sigs = r["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert!(sigs.iter().all(|s| s["intact"] == true));
    // No part the first signature covers was rewritten.
    let a = read_zip(&once);
    let b = read_zip(&twice);
    for (name, bytes, _) in &a {
        if name.starts_with("word/") {
            assert_eq!(
                Some(bytes),
                b.iter().find(|x| &x.0 == name).map(|x| &x.1),
                "{name} changed"
            );
        }
    }
}

#[test]
fn unchanged_entries_are_copied_raw() {
    let dir = scratch("raw");
    let out = dir.join("raw.docx");
    sign_rsa(&samples().join("report.docx"), &out);
    let raw = |p: &std::path::Path| {
        let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
        (0..z.len())
            .map(|i| {
                let f = z.by_index_raw(i).unwrap();
                (f.name().to_string(), f.crc32(), f.compressed_size())
            })
            .collect::<Vec<_>>()
    };
    let before = raw(&samples().join("report.docx"));
    let after = raw(&out);
    for b in before.iter().filter(|b| b.0.starts_with("word/")) {
        assert!(after.contains(b), "{} was recompressed", b.0);
    }
}

#[test]
fn output_never_overwrites_the_input() {
    let dir = scratch("same");
    let doc = dir.join("doc.docx");
    std::fs::copy(samples().join("contract.docx"), &doc).unwrap();
    let o = sign_cli(&doc, &doc, &[("--key", "rsa.key"), ("--cert", "rsa.pem")]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read(&doc).unwrap(),
        std::fs::read(samples().join("contract.docx")).unwrap()
    );
}

#[test]
fn wrong_pkcs12_password_is_refused_and_nothing_is_written() {
    let dir = scratch("pw");
    let out = dir.join("out.docx");
    let bad = dir.join("bad-pin.txt");
    std::fs::write(&bad, "nope\n").unwrap();
    let contract = samples().join("contract.docx");
    let o = sign_cli(
        &contract,
        &out,
        &[("--key", "rsa.p12"), ("--pin-file", bad.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("wrong password"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);
    assert!(!out.exists());
    let o = sign_cli(&contract, &out, &[("--key", "rsa.p12")]);
    assert!(stderr(&o).contains("needs a password"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn a_certificate_of_another_key_is_refused() {
    let dir = scratch("mismatch");
    let out = dir.join("out.docx");
    let o = sign_cli(
        &samples().join("contract.docx"),
        &out,
        &[("--key", "rsa.key"), ("--cert", "ec.pem")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("does not belong to this private key"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

/// With an injected clock and the committed test-only key, signing gives the same bytes every
/// time, and the bytes we committed as golden.
#[test]
fn signing_is_deterministic() {
    let data = repo().join("engine/tests/data");
    let key = file::load(
        &data.join("golden-key.pem"),
        Some(&data.join("golden-cert.pem")),
        None,
        &Unlock::default(),
    )
    .unwrap();
    let time = time::OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap();
    let opts = SignOptions {
        signer: key.signer.as_ref(),
        certs: &key.chain,
        time,
        comments: "golden",
        tsa: None,
        ltv: None,
        seal_data: None,
        approval: None,
        slot: None,
    };
    let input = std::fs::read(samples().join("report.docx")).unwrap();
    let a = docseal::sign::sign_bytes(input.clone(), &opts).unwrap();
    let b = docseal::sign::sign_bytes(input, &opts).unwrap();
    assert_eq!(a, b);
    let digest: String = sha2_hex(&a);
    let golden_file = data.join("golden-report.sha256");
    match std::fs::read_to_string(&golden_file) {
        Ok(g) => assert_eq!(
            g.trim(),
            digest,
            "signed bytes differ from the golden digest"
        ),
        Err(_) => {
            std::fs::write(&golden_file, format!("{digest}\n")).unwrap();
            panic!(
                "golden digest written to {}; commit it",
                golden_file.display()
            );
        }
    }
}

fn sha2_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}
