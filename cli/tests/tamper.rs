//! Tampering with a sealed document is caught, and the finding names the cause.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::PathBuf;
use zip::CompressionMethod::Deflated;

fn signed_report() -> PathBuf {
    static ONCE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let out = scratch("tamper").join("signed-report.docx");
        sign_rsa(&samples().join("report.docx"), &out);
        out
    })
    .clone()
}

/// Rewrites the signed fixture with `edit`, verifies it, and checks the verdict and the cause.
fn expect(
    name: &str,
    code: &str,
    part: Option<&str>,
    edit: impl FnOnce(&mut Entries),
) -> serde_json::Value {
    let out = scratch("tamper").join(format!("{name}.docx"));
    rewrite(&signed_report(), &out, edit);
    let r = verify_json(&out, true);
    assert_eq!(r["verdict"], "invalid", "{name}: {r:#}");
    let codes = error_codes(&r);
    assert!(
        codes.iter().any(|c| c == code),
        "{name}: expected {code}, got {codes:?}"
    );
    if let Some(p) = part {
        let all = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .chain(r["signatures"][0]["findings"].as_array().unwrap());
        assert!(
            all.filter(|f| f["code"] == code).any(|f| f["part"] == p),
            "{name}: no {code} finding for {p}: {r:#}"
        );
    }
    r
}

#[test]
fn the_untouched_fixture_is_valid() {
    assert_eq!(verify_json(&signed_report(), true)["verdict"], "valid");
}

#[test]
fn one_byte_of_every_signed_part() {
    let r = verify_json(&signed_report(), true);
    let covers: Vec<String> = r["signatures"][0]["covers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert!(covers.len() >= 7, "{covers:?}");
    for part in covers.iter().filter(|p| !p.ends_with(".rels")) {
        let zip_name = part.trim_start_matches('/').to_string();
        expect(
            &format!("byte-{}", zip_name.replace('/', "_")),
            "digest-mismatch",
            Some(part),
            |e| {
                let b = entry(e, &zip_name);
                let i = if zip_name.ends_with(".png") {
                    b.len() / 2
                } else {
                    b.iter().rposition(|c| c.is_ascii_alphabetic()).unwrap()
                };
                b[i] ^= 0x01;
            },
        );
    }
}

#[test]
fn a_signed_relationship_retargeted() {
    expect(
        "retarget",
        "digest-mismatch",
        Some("/word/_rels/document.xml.rels"),
        |e| {
            replace_in(
                e,
                "word/_rels/document.xml.rels",
                "Target=\"footer1.xml\"",
                "Target=\"header1.xml\"",
            );
        },
    );
    expect(
        "external-link",
        "digest-mismatch",
        Some("/word/_rels/document.xml.rels"),
        |e| {
            replace_in(
                e,
                "word/_rels/document.xml.rels",
                "https://example.com/annual-report",
                "https://evil.example/",
            );
        },
    );
}

#[test]
fn an_unsigned_part_added_without_a_relationship() {
    let r = expect("orphan", "unsigned-part", Some("/word/evil.xml"), |e| {
        e.push(("word/evil.xml".into(), b"<x/>".to_vec(), Deflated));
    });
    assert_eq!(r["unsigned_parts"][0], "/word/evil.xml");
}

#[test]
fn an_unsigned_part_added_with_a_relationship() {
    expect(
        "with-rel",
        "unsigned-relationship",
        Some("/word/_rels/document.xml.rels"),
        |e| {
            let png = entry(e, "word/media/image1.png").clone();
            e.push(("word/media/image2.png".into(), png, Deflated));
            replace_in(
            e,
            "word/_rels/document.xml.rels",
            "</Relationships>",
            "<Relationship Id=\"rId99\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image2.png\"/></Relationships>",
        );
        },
    );
}

#[test]
fn a_content_type_changed() {
    expect(
        "ctype",
        "content-type-mismatch",
        Some("/word/header1.xml"),
        |e| {
            replace_in(
                e,
                "[Content_Types].xml",
                "wordprocessingml.header+xml",
                "wordprocessingml.footer+xml",
            );
        },
    );
}

#[test]
fn a_signature_value_bit_flipped() {
    expect("sigvalue", "signature-value-invalid", None, |e| {
        let b = entry(e, "_xmlsignatures/sig1.xml");
        let s = String::from_utf8(b.clone()).unwrap();
        let i = s.find("<SignatureValue>").unwrap() + "<SignatureValue>".len() + 10;
        let c = s.as_bytes()[i];
        let mut v = s.into_bytes();
        v[i] = if c == b'A' { b'B' } else { b'A' };
        *b = v;
    });
}

#[test]
fn the_certificate_in_key_info_swapped() {
    let rogue = std::fs::read_to_string(pki().join("rogue.pem")).unwrap();
    let b64: String = rogue.lines().filter(|l| !l.starts_with("-----")).collect();
    let r = expect("swap-cert", "signature-value-invalid", None, |e| {
        let b = entry(e, "_xmlsignatures/sig1.xml");
        let s = String::from_utf8(b.clone()).unwrap();
        let start = s.find("<X509Certificate>").unwrap() + "<X509Certificate>".len();
        let end = s.find("</X509Certificate>").unwrap();
        *b = format!("{}{}{}", &s[..start], b64, &s[end..]).into_bytes();
    });
    assert!(
        error_codes(&r).contains(&"signing-certificate-mismatch".to_string()),
        "{r:#}"
    );
}

#[test]
fn signed_properties_edited() {
    let r = expect("xades", "digest-mismatch", None, |e| {
        let b = entry(e, "_xmlsignatures/sig1.xml");
        let s = String::from_utf8(b.clone()).unwrap();
        let i = s.find("<xd:SigningTime>").unwrap() + "<xd:SigningTime>".len();
        *b = format!("{}1999{}", &s[..i], &s[i + 4..]).into_bytes();
    });
    assert!(r.to_string().contains("SignedProperties"), "{r:#}");
}

#[test]
fn a_wrapped_duplicate_object_is_refused() {
    expect("wrapping", "duplicate-id", None, |e| {
        replace_in(
            e,
            "_xmlsignatures/sig1.xml",
            "</Signature>",
            "<Object Id=\"idPackageObject\"><Manifest/></Object></Signature>",
        );
    });
}

#[test]
fn a_signed_part_removed() {
    expect("removed", "part-missing", None, |e| {
        e.retain(|x| x.0 != "word/footer1.xml")
    });
}

#[test]
fn the_signature_part_copied_into_another_document() {
    let out = scratch("tamper").join("copied.docx");
    let signed = read_zip(&signed_report());
    rewrite(&samples().join("contract.docx"), &out, |e| {
        transplant_signature(e, &signed);
    });
    let r = verify_json(&out, true);
    assert_eq!(r["verdict"], "invalid", "{r:#}");
    let codes = error_codes(&r);
    assert!(
        codes
            .iter()
            .any(|c| c == "digest-mismatch" || c == "part-missing"),
        "{codes:?}"
    );
}

#[test]
fn core_properties_are_unsigned_by_design() {
    let out = scratch("tamper").join("core.docx");
    rewrite(&signed_report(), &out, |e| {
        replace_in(e, "docProps/core.xml", "Quarterly", "Xuarterly")
    });
    assert_eq!(verify_json(&out, true)["verdict"], "valid");
}

/// A DOCPROPERTY field shows the core properties, so sealing signs them (Office would not), and
/// changing them afterwards breaks the seal.
#[test]
fn a_docproperty_field_makes_the_properties_it_shows_signed() {
    let dir = scratch("docprop");
    let src = dir.join("docprop.docx");
    rewrite(&samples().join("contract.docx"), &src, |e| {
        add_docproperty_field(e)
    });
    let out = dir.join("docprop-signed.docx");
    sign_rsa(&src, &out);
    let r = verify_json(&out, true);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    let covers = r["signatures"][0]["covers"].as_array().unwrap();
    assert!(covers.iter().any(|c| c == "/docProps/core.xml"), "{r:#}");
    let edited = dir.join("docprop-edited.docx");
    rewrite(&out, &edited, |e| {
        replace_in(e, "docProps/core.xml", "</dc:title>", "X</dc:title>")
    });
    assert!(error_codes(&verify_json(&edited, true)).contains(&"digest-mismatch".to_string()));
}

/// Properties added after sealing to a document whose field shows them: the relationship to them
/// is of a type Office leaves unsigned, but what they show is not.
#[test]
fn properties_added_after_sealing_under_a_field_are_reported() {
    let dir = scratch("docprop-late");
    let src = dir.join("no-core.docx");
    let mut core = None;
    rewrite(&samples().join("contract.docx"), &src, |e| {
        add_docproperty_field(e);
        core = e
            .iter()
            .position(|x| x.0 == "docProps/core.xml")
            .map(|i| e.remove(i));
        replace_in(e, "_rels/.rels", "docProps/core.xml", "docProps/absent.xml");
    });
    let core = core.expect("the sample has core properties");
    let out = dir.join("no-core-signed.docx");
    sign_rsa(&src, &out);
    assert_eq!(verify_json(&out, true)["verdict"], "valid");
    let late = dir.join("late.docx");
    rewrite(&out, &late, |e| {
        replace_in(e, "_rels/.rels", "docProps/absent.xml", "docProps/core.xml");
        e.push(core);
    });
    let r = verify_json(&late, true);
    assert!(
        error_codes(&r).contains(&"unsigned-data-displayed".to_string()),
        "{r:#}"
    );
}

fn add_docproperty_field(e: &mut Entries) {
    replace_in(e, "word/document.xml", "<w:p><w:r><w:t xml:space=\"preserve\">Contract No.", "<w:p><w:fldSimple w:instr=\" DOCPROPERTY Title \"><w:r><w:t>Sales</w:t></w:r></w:fldSimple></w:p><w:p><w:r><w:t xml:space=\"preserve\">Contract No.");
}
