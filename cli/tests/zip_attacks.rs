//! One reading of every package. Each family of manipulation that makes two readers see two
//! packages — or makes KeyInfo name a key that is not the signer's — is built from a signed sample
//! with a small ZIP writer and must get its exact verdict and code; the benign rewrites that Office,
//! LibreOffice and common libraries produce must stay valid.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// A minimal ZIP writer: stored entries, with the central directory we are told to write.
struct RawZip {
    bytes: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

fn crc(b: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(b);
    h.finalize()
}

impl RawZip {
    fn new() -> Self {
        RawZip {
            bytes: vec![],
            central: vec![],
            count: 0,
        }
    }
    /// A local entry; `listed` puts it in the central directory too; `flags` as given.
    fn entry(&mut self, name: &str, data: &[u8], listed: bool, flags: u16) {
        let offset = self.bytes.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes());
            }
            h.extend(20u16.to_le_bytes());
            h.extend(flags.to_le_bytes());
            h.extend(0u16.to_le_bytes()); // stored
            h.extend(0u32.to_le_bytes()); // time, date
            h.extend(crc(data).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            if central {
                h.extend([0u8; 6]); // comment len, disk, internal attrs
                h.extend(0u32.to_le_bytes()); // external attrs
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        self.bytes.extend(header(0x0403_4b50, false));
        self.bytes.extend(data);
        if listed {
            self.central.extend(header(0x0201_4b50, true));
            self.count += 1;
        }
    }
    fn finish(mut self) -> Vec<u8> {
        let cd_start = self.bytes.len() as u32;
        self.bytes.extend(&self.central);
        self.bytes.extend(0x0605_4b50u32.to_le_bytes());
        self.bytes.extend([0u8; 4]);
        self.bytes.extend(self.count.to_le_bytes());
        self.bytes.extend(self.count.to_le_bytes());
        self.bytes.extend((self.central.len() as u32).to_le_bytes());
        self.bytes.extend(cd_start.to_le_bytes());
        self.bytes.extend(0u16.to_le_bytes());
        self.bytes
    }
}

fn signed_sample() -> (PathBuf, Entries) {
    let dir = scratch("zip-attacks");
    let out = dir.join("signed.docx");
    if !out.exists() {
        sign_rsa(&samples().join("report.docx"), &out);
    }
    let entries = read_zip(&out);
    (dir, entries)
}

/// The verdict and the first error's code of `bytes`.
fn judge(dir: &Path, name: &str, bytes: &[u8]) -> (String, String) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let r = verify_json(&path, true);
    let code = error_codes(&r).first().cloned().unwrap_or_default();
    (r["verdict"].as_str().unwrap().to_string(), code)
}

fn altered(doc: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(doc)
        .replacen("unaudited", "audited!!", 1)
        .into_bytes()
}

#[test]
fn every_family_of_ambiguity_is_refused_with_its_code() {
    let (dir, entries) = signed_sample();
    let doc = entries
        .iter()
        .find(|e| e.0 == "word/document.xml")
        .unwrap()
        .1
        .clone();
    assert_ne!(
        altered(&doc),
        doc,
        "the sample must contain the word to alter"
    );
    let rebuild = |z: &mut RawZip, skip: &str| {
        for (n, b, _) in &entries {
            if n != skip {
                z.entry(n, b, true, 0);
            }
        }
    };
    let mut cases: Vec<(&str, Vec<u8>, (&str, &str))> = Vec::new();

    // Duplicate central-directory entries for one part, the altered copy first.
    let mut z = RawZip::new();
    z.entry("word/document.xml", &altered(&doc), true, 0);
    rebuild(&mut z, "");
    // (the zip crate itself refuses two central records of one name)
    cases.push(("duplicate-entry", z.finish(), ("error", "ambiguous-zip")));
    let mut z = RawZip::new();
    z.entry("Word/Document.xml", &altered(&doc), true, 0);
    rebuild(&mut z, "");
    cases.push((
        "duplicate-entry-other-case",
        z.finish(),
        ("error", "unsafe-entry-name"),
    ));

    // A local entry the central directory does not list, before the real one.
    let mut z = RawZip::new();
    z.entry("word/document.xml", &altered(&doc), false, 0);
    rebuild(&mut z, "");
    cases.push((
        "unlisted-local-entry",
        z.finish(),
        ("error", "ambiguous-zip"),
    ));

    // Two concatenated archives, each with its own end record.
    let mut first = RawZip::new();
    rebuild(&mut first, "word/document.xml");
    first.entry("word/document.xml", &altered(&doc), true, 0);
    let mut both = first.finish();
    let mut second = RawZip::new();
    rebuild(&mut second, "");
    both.extend(second.finish());
    cases.push(("concatenated-archives", both, ("error", "ambiguous-zip")));

    // A part renamed to a percent-encoded form of its name.
    let mut z = RawZip::new();
    for (n, b, _) in &entries {
        let n = if n == "word/document.xml" {
            "word/%64ocument.xml"
        } else {
            n
        };
        z.entry(n, b, true, 0);
    }
    cases.push((
        "percent-encoded-name",
        z.finish(),
        ("error", "unsafe-entry-name"),
    ));

    // The encryption flag on a signed entry.
    let mut z = RawZip::new();
    for (n, b, _) in &entries {
        z.entry(n, b, true, if n == "word/document.xml" { 1 } else { 0 });
    }
    cases.push(("encryption-flag", z.finish(), ("error", "ambiguous-zip")));

    // [Content_Types].xml with two entries for one part, differing in case and type.
    let mut z = RawZip::new();
    for (n, b, _) in &entries {
        let b = if n == "[Content_Types].xml" {
            String::from_utf8_lossy(b)
                .replacen("</Types>", "<Override PartName=\"/WORD/document.xml\" ContentType=\"application/xml\"/></Types>", 1)
                .into_bytes()
        } else {
            b.clone()
        };
        z.entry(n, &b, true, 0);
    }
    cases.push((
        "content-types-twice",
        z.finish(),
        ("error", "ambiguous-content-types"),
    ));

    // KeyInfo with an attacker's KeyValue before the genuine X509Data.
    let rogue = std::fs::read_to_string(pki().join("rogue.pem")).unwrap();
    let o = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-modulus"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(rogue.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    let hex = String::from_utf8_lossy(&o.stdout)
        .trim()
        .trim_start_matches("Modulus=")
        .to_string();
    let modulus: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let key_value = format!(
        "<KeyValue><RSAKeyValue><Modulus>{}</Modulus><Exponent>AQAB</Exponent></RSAKeyValue></KeyValue>",
        b64.encode(&modulus)
    );
    let mut z = RawZip::new();
    for (n, b, _) in &entries {
        let b = if n == "_xmlsignatures/sig1.xml" {
            String::from_utf8_lossy(b)
                .replacen(
                    "<KeyInfo><X509Data>",
                    &format!("<KeyInfo>{key_value}<X509Data>"),
                    1,
                )
                .into_bytes()
        } else {
            b.clone()
        };
        z.entry(n, &b, true, 0);
    }
    cases.push((
        "foreign-key-value",
        z.finish(),
        ("invalid", "key-info-inconsistent"),
    ));

    // A second end-entity certificate in KeyInfo (another seal of the same CA).
    let other_leaf = std::fs::read_to_string(pki().join("ec.pem")).unwrap();
    let rogue_der: String = other_leaf
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let mut z = RawZip::new();
    for (n, b, _) in &entries {
        let b = if n == "_xmlsignatures/sig1.xml" {
            String::from_utf8_lossy(b)
                .replacen(
                    "</X509Data>",
                    &format!("<X509Certificate>{rogue_der}</X509Certificate></X509Data>"),
                    1,
                )
                .into_bytes()
        } else {
            b.clone()
        };
        z.entry(n, &b, true, 0);
    }
    cases.push((
        "second-leaf",
        z.finish(),
        ("invalid", "key-info-inconsistent"),
    ));

    let mut files = Vec::new();
    for (name, bytes, (verdict, code)) in &cases {
        let got = judge(&dir, &format!("{name}.docx"), bytes);
        assert_eq!(
            (got.0.as_str(), got.1.as_str()),
            (*verdict, *code),
            "{name}"
        );
        files.push(dir.join(format!("{name}.docx")));
    }
    if libreoffice_missing() {
        return;
    }
    // What LibreOffice says of each (README: where docseal is stricter, and why).
    for (f, r) in files.iter().zip(lo_verify(&files, &pki().join("ca.pem"))) {
        eprintln!(
            "LibreOffice on {}: {}",
            f.file_name().unwrap().to_string_lossy(),
            r["document_signature_state"]
                .as_str()
                .or(r["error"].as_str())
                .unwrap_or("?")
        );
    }
}

#[test]
fn benign_rewrites_stay_valid() {
    let (dir, entries) = signed_sample();
    let write = |name: &str, list: &[(String, Vec<u8>)], opts: zip::write::SimpleFileOptions| {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (n, b) in list {
            z.start_file(n.as_str(), opts).unwrap();
            z.write_all(b).unwrap();
        }
        z.set_comment("rewritten by a test");
        let bytes = z.finish().unwrap().into_inner();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let plain: Vec<(String, Vec<u8>)> = entries
        .iter()
        .map(|(n, b, _)| (n.clone(), b.clone()))
        .collect();
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default();
    let mut reversed = plain.clone();
    reversed.reverse();
    let reindented: Vec<(String, Vec<u8>)> = plain
        .iter()
        .map(|(n, b)| {
            let b = if n.ends_with(".rels") || n == "[Content_Types].xml" {
                let t = String::from_utf8_lossy(b).into_owned();
                // Indent, and put the elements in another order.
                let (head, rest) = t.split_at(
                    t.find("<Relationship ")
                        .or_else(|| t.find("<Default "))
                        .unwrap_or(t.len()),
                );
                let close = rest.rfind("</").unwrap_or(rest.len());
                let mut els: Vec<String> = rest[..close]
                    .split("/>")
                    .filter(|e| !e.trim().is_empty())
                    .map(|e| format!("\n  {}/>", e.trim()))
                    .collect();
                els.reverse();
                format!("{head}{}\n{}", els.concat(), &rest[close..]).into_bytes()
            } else {
                b.clone()
            };
            (n.clone(), b)
        })
        .collect();
    let variants = [
        write("stored.docx", &plain, stored),
        write("reordered.docx", &reversed, deflated),
        write("zip64.docx", &plain, deflated.large_file(true)),
        write("reindented.docx", &reindented, deflated),
    ];
    for v in &variants {
        let r = verify_json(v, true);
        assert_eq!(r["verdict"], "valid", "{v:?}: {r:#}");
    }
    // Data descriptors, as a streaming writer makes them (Python's zipfile on a pipe).
    let src = dir.join("stored.docx");
    let dd = dir.join("descriptors.docx");
    let o = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,zipfile,subprocess\nsrc=zipfile.ZipFile(sys.argv[1])\np=subprocess.Popen(['cat'],stdin=subprocess.PIPE,stdout=open(sys.argv[2],'wb'))\nout=zipfile.ZipFile(p.stdin,'w',zipfile.ZIP_DEFLATED)\nfor i in src.infolist():\n  out.writestr(i.filename, src.read(i.filename))\nout.close();p.stdin.close();p.wait()",
            src.to_str().unwrap(),
            dd.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&dd).unwrap();
    assert!(
        bytes.windows(4).any(|w| w == [0x50, 0x4b, 0x07, 0x08]),
        "no data descriptor written"
    );
    assert_eq!(verify_json(&dd, true)["verdict"], "valid");
}
