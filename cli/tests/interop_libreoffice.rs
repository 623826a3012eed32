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
use std::process::Command;

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
    // Stamped documents: picture placed, then signed.
    let seal = dir.join("seal.png");
    assert!(docseal(&[
        "image",
        "--name",
        "Example Trading Co. Ltd.",
        "--dpi",
        "200",
        "-o",
        seal.to_str().unwrap()
    ])
    .status
    .success());
    // Both also carry the task-pane parts, which the signature covers.
    for (input, place) in [
        ("contract.docx", ["--at-end", "--open-pane"]),
        ("ledger.xlsx", ["--at-cell=Orders!B3", "--open-pane"]),
    ] {
        let out = dir.join(format!("stamped-{input}"));
        let o = stamp_with(&samples().join(input), &out, &seal, &place);
        assert!(o.status.success(), "{}", stderr(&o));
        files.push(out);
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

/// Renders with LibreOffice, then checks that the red seal is centred on the keyword and that
/// the keyword's own dark pixels show through it.
#[test]
fn the_seal_lands_on_the_keyword_and_lets_it_show_through() {
    if libreoffice_missing() {
        return;
    }
    let dir = scratch("render");
    let seal = dir.join("seal.png");
    assert!(docseal(&[
        "image",
        "--name",
        "Example Trading Co. Ltd.",
        "--text",
        "Contract Seal",
        "--dpi",
        "300",
        "-o",
        seal.to_str().unwrap()
    ])
    .status
    .success());
    let cases = [
        (
            "contract.docx",
            "Example Trading Co. Ltd.",
            vec![
                "--at-text",
                "Example Trading Co. Ltd.",
                "--occurrence",
                "last",
            ],
        ),
        (
            "ledger.xlsx",
            "Example Trading Co. Ltd.",
            vec!["--at-text", "Example Trading"],
        ),
    ];
    let mut docs = Vec::new();
    for (input, _, place) in &cases {
        let out = dir.join(format!("stamped-{input}"));
        let o = stamp_with(&samples().join(input), &out, &seal, place);
        assert!(o.status.success(), "{}", stderr(&o));
        docs.push(out);
    }
    let profile = dir.join("lo-profile");
    let st = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .args(&docs)
        .output()
        .expect("soffice");
    assert!(st.status.success(), "{}", stderr(&st));
    const DPI: f64 = 100.0;
    for ((input, keyword, _), doc) in cases.iter().zip(&docs) {
        let pdf = doc.with_extension("pdf");
        let png_stem = dir.join(format!("page-{}", input.replace('.', "-")));
        assert!(Command::new("pdftoppm")
            .args(["-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile"])
            .arg(&pdf)
            .arg(&png_stem)
            .status()
            .unwrap()
            .success());
        let page = image::open(png_stem.with_extension("png"))
            .unwrap()
            .to_rgb8();
        let (x0, y0, x1, y1) = phrase_box(&words(&pdf), keyword)
            .unwrap_or_else(|| panic!("{keyword} not on page 1 of {input}"));
        let px = |pt: f64| pt / 72.0 * DPI;
        let red: Vec<(u32, u32)> = page
            .enumerate_pixels()
            .filter(|(_, _, p)| p[0] > 150 && p[1] < 90 && p[2] < 90)
            .map(|(x, y, _)| (x, y))
            .collect();
        assert!(red.len() > 2000, "{input}: no seal on page 1");
        let (rx0, rx1) = (
            red.iter().map(|p| p.0).min().unwrap() as f64,
            red.iter().map(|p| p.0).max().unwrap() as f64,
        );
        let (ry0, ry1) = (
            red.iter().map(|p| p.1).min().unwrap() as f64,
            red.iter().map(|p| p.1).max().unwrap() as f64,
        );
        let seal_centre = ((rx0 + rx1) / 2.0, (ry0 + ry1) / 2.0);
        let key_centre = ((px(x0) + px(x1)) / 2.0, (px(y0) + px(y1)) / 2.0);
        let mm = |d: f64| d / DPI * 25.4;
        let (dx, dy) = (
            mm(seal_centre.0 - key_centre.0),
            mm(seal_centre.1 - key_centre.1),
        );
        assert!(
            dx.abs() < 5.0 && dy.abs() < 5.0,
            "{input}: seal centre is {dx:.1} mm, {dy:.1} mm from the keyword's"
        );
        assert!(
            (mm(rx1 - rx0) - 42.0).abs() < 3.0,
            "{input}: seal is {:.1} mm wide",
            mm(rx1 - rx0)
        );
        // The keyword's dark pixels are still there under the seal.
        let dark = (px(x0) as u32..px(x1) as u32)
            .flat_map(|x| (px(y0) as u32..px(y1) as u32).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                let p = page.get_pixel(x, y);
                p[0] < 110 && p[1] < 110 && p[2] < 110
            })
            .count();
        assert!(
            dark > 150,
            "{input}: the keyword is hidden under the seal ({dark} dark pixels)"
        );
    }
}

/// Relationships parts indented before stamping (Word for Mac and many tools write them so):
/// stamping edits some of them and leaves others, and LibreOffice — whose relationship transform
/// digests the line breaks — still calls the seal intact.
#[test]
fn stamped_documents_with_indented_relationships_are_intact_in_libreoffice() {
    if libreoffice_missing() {
        return;
    }
    let dir = scratch("pretty-rels");
    let seal = seal_picture(&dir, "Indent Co.", 150);
    let mut files = Vec::new();
    for (input, place) in [
        ("contract.docx", ["--at-text", "Example Trading Co. Ltd."]),
        ("report.docx", ["--at-end", "--open-pane"]),
        ("ledger.xlsx", ["--at-cell", "Orders!E20"]),
    ] {
        let pretty = dir.join(format!("pretty-{input}"));
        rewrite(&samples().join(input), &pretty, |entries| {
            for (name, bytes, _) in entries.iter_mut() {
                if name.ends_with(".rels") {
                    let text = String::from_utf8(bytes.clone()).unwrap();
                    let indented = text
                        .replace("<Relationship ", "\n  <Relationship ")
                        .replace("</Relationships>", "\n</Relationships>");
                    assert_ne!(indented, text);
                    *bytes = indented.into_bytes();
                }
            }
        });
        let out = dir.join(format!("stamped-{input}"));
        let o = stamp_with(&pretty, &out, &seal, &place);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(verify_json(&out, true)["verdict"], "valid", "{out:?}");
        files.push(out);
    }
    for (f, r) in files.iter().zip(lo_verify(&files, &pki().join("ca.pem"))) {
        assert_eq!(r["document_signature_state"], "PARTIAL_OK", "{f:?}: {r}");
        assert_eq!(r["signatures"][0]["signature_valid"], true, "{f:?}: {r}");
        assert_eq!(r["signatures"][0]["certificate_valid"], true, "{f:?}: {r}");
    }
}

/// Macro-enabled documents written by Word and Excel: stamped, they verify valid and LibreOffice
/// agrees; the macro project is covered like any other part, so one changed byte of
/// `vbaProject.bin` breaks the seal.
#[test]
fn macro_documents_are_sealed_with_their_macros() {
    let dir = scratch("macros");
    let seal = seal_picture(&dir, "Macro Co.", 150);
    let corpus = repo().join("tests/corpus/docs");
    let mut files = Vec::new();
    for (input, place, vba) in [
        (
            "word-win__oletools__oleform-pr314.docm",
            ["--at-end", ""],
            "word/vbaProject.bin",
        ),
        (
            "excel-win__openpyxl__vba-test.xlsm",
            ["--at-cell", "B2"],
            "xl/vbaProject.bin",
        ),
    ] {
        let place: Vec<&str> = place.into_iter().filter(|p| !p.is_empty()).collect();
        let out = dir.join(format!("sealed-{input}"));
        let o = stamp_with(&corpus.join(input), &out, &seal, &place);
        assert!(o.status.success(), "{input}: {}", stderr(&o));
        let r = verify_json(&out, true);
        assert_eq!(r["verdict"], "valid", "{input}: {r:#}");
        let covers = r["signatures"][0]["covers"].as_array().unwrap();
        assert!(
            covers.iter().any(|c| c == &format!("/{vba}")),
            "{input}: {r:#}"
        );
        let changed = dir.join(format!("changed-{input}"));
        rewrite(&out, &changed, |entries| {
            let e = entries
                .iter_mut()
                .find(|e| e.0 == vba)
                .expect("vbaProject.bin");
            let mid = e.1.len() / 2;
            e.1[mid] ^= 0x01;
        });
        let r = verify_json(&changed, true);
        assert_eq!(r["verdict"], "invalid", "{input}: {r:#}");
        assert!(
            error_codes(&r).contains(&"digest-mismatch".to_string()),
            "{r:#}"
        );
        files.push(out);
    }
    if libreoffice_missing() {
        return;
    }
    for (f, r) in files.iter().zip(lo_verify(&files, &pki().join("ca.pem"))) {
        let state = r["document_signature_state"].as_str().unwrap_or("");
        assert!(state == "OK" || state == "PARTIAL_OK", "{f:?}: {r}");
        assert_eq!(r["signatures"][0]["signature_valid"], true, "{f:?}: {r}");
    }
}
