//! Unreadable or hostile input: one line, exit 2, quickly, nothing written, memory bounded.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

fn expect_refused(file: &Path, what: &str, needle: &str) {
    let t = Instant::now();
    let o = docseal(&["verify", file.to_str().unwrap()]);
    let took = t.elapsed();
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(2), "{what}: {out}");
    assert_eq!(
        out.trim_end().lines().count(),
        1,
        "{what}: not one line: {out}"
    );
    assert!(out.contains(needle), "{what}: {out:?} lacks {needle:?}");
    assert!(took < Duration::from_secs(1), "{what}: took {took:?}");
    // Signing it is refused the same way, and writes nothing.
    let dst = file.with_extension("signed.docx");
    let o = sign_cli(file, &dst, &[("--key", "rsa.key"), ("--cert", "rsa.pem")]);
    assert_eq!(o.status.code(), Some(2), "{what}: sign {}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end().lines().count(),
        1,
        "{what}: {}",
        stderr(&o)
    );
    assert!(!dst.exists(), "{what}: output written");
}

fn zip_of(path: &Path, entries: &[(&str, &[u8])]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (n, b) in entries {
        z.start_file(*n, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b).unwrap();
    }
    z.finish().unwrap();
}

const CT: &[u8] = br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#;

#[test]
fn not_a_zip() {
    let f = scratch("bad").join("text.docx");
    std::fs::write(&f, "this is not a document\n").unwrap();
    expect_refused(&f, "not a zip", "not a readable ZIP");
}

#[test]
fn empty_file() {
    let f = scratch("bad").join("empty.docx");
    std::fs::write(&f, "").unwrap();
    expect_refused(&f, "empty", "empty");
}

#[test]
fn a_directory() {
    let d = scratch("bad").join("folder.docx");
    std::fs::create_dir_all(&d).unwrap();
    let o = docseal(&["verify", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("is a directory"), "{}", stdout(&o));
}

#[test]
fn truncated_zip() {
    let f = scratch("bad").join("truncated.docx");
    let b = std::fs::read(samples().join("report.docx")).unwrap();
    std::fs::write(&f, &b[..b.len() / 2]).unwrap();
    expect_refused(&f, "truncated", "ZIP");
}

#[test]
fn zip_bomb() {
    let f = scratch("bad").join("bomb.docx");
    let zeros = vec![0u8; 64 << 20];
    zip_of(
        &f,
        &[("[Content_Types].xml", CT), ("word/document.xml", &zeros)],
    );
    expect_refused(&f, "bomb", "ZIP bomb");
}

#[test]
fn path_traversal_names() {
    for (i, name) in ["../evil.xml", "/etc/evil.xml", "word/../../evil.xml"]
        .iter()
        .enumerate()
    {
        let f = scratch("bad").join(format!("traversal{i}.docx"));
        zip_of(&f, &[("[Content_Types].xml", CT), (name, b"<x/>")]);
        expect_refused(&f, name, "unsafe entry name");
    }
}

#[test]
fn case_colliding_names() {
    let f = scratch("bad").join("case.docx");
    zip_of(
        &f,
        &[
            ("[Content_Types].xml", CT),
            ("word/document.xml", b"<a/>"),
            ("word/Document.xml", b"<b/>"),
        ],
    );
    expect_refused(
        &f,
        "case collision",
        "differs from another entry only by case",
    );
}

#[test]
fn xxe_and_billion_laughs() {
    let xxe = br#"<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&x;</Types>"#;
    let f = scratch("bad").join("xxe.docx");
    zip_of(&f, &[("[Content_Types].xml", xxe)]);
    expect_refused(&f, "xxe", "document type declarations");

    let mut laughs = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#);
    for i in 1..10 {
        laughs.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!(
                "&lol{};",
                if i == 1 {
                    String::new()
                } else {
                    (i - 1).to_string()
                }
            )
            .repeat(10)
        ));
    }
    laughs.push_str("]><w:document xmlns:w=\"urn:w\">&lol9;</w:document>");
    let f = scratch("bad").join("laughs.docx");
    zip_of(
        &f,
        &[
            ("[Content_Types].xml", CT),
            ("word/document.xml", laughs.as_bytes()),
        ],
    );
    expect_refused(&f, "billion laughs", "document type declarations");
}

#[test]
fn bad_usage_exits_2() {
    let o = docseal(&["verify"]);
    assert_eq!(o.status.code(), Some(2));
    let o = docseal(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}
