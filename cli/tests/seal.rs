//! The visible seal: drawing, cleaning scans, stamping DOCX and XLSX, binding, copied seals,
//! and the errors a keeper can act on.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn rgba(png: &[u8]) -> image::RgbaImage {
    image::load_from_memory(png).unwrap().to_rgba8()
}

fn is_red(p: &image::Rgba<u8>) -> bool {
    p[3] > 128 && p[0] > 150 && p[1] < 90 && p[2] < 90
}

fn seal_png() -> PathBuf {
    static ONCE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let out = scratch("seal").join("seal.png");
        let o = docseal(&[
            "image",
            "--name",
            "Example Trading Co. Ltd.",
            "--text",
            "Contract Seal",
            "--serial",
            "1101020012345",
            "--dpi",
            "300",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        out
    })
    .clone()
}

fn stamp(input: &Path, output: &Path, place: &[&str]) -> std::process::Output {
    let (p12, pin) = (pki().join("rsa.p12"), pki().join("pin.txt"));
    let mut args = vec![
        "stamp",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--key",
        p12.to_str().unwrap(),
        "--pin-file",
        pin.to_str().unwrap(),
    ];
    let seal = seal_png();
    args.extend(["--image", seal.to_str().unwrap()]);
    args.extend(place);
    docseal(&args)
}

#[test]
fn the_round_seal_has_transparent_corners_and_red_ink() {
    let img = rgba(&std::fs::read(seal_png()).unwrap());
    let (w, h) = img.dimensions();
    assert_eq!(w, h);
    assert!(
        (490..=500).contains(&w),
        "42 mm at 300 dpi is 496 px, got {w}"
    );
    for (x, y) in [
        (0, 0),
        (w - 1, 0),
        (0, h - 1),
        (w - 1, h - 1),
        (w / 8, h / 8),
    ] {
        assert_eq!(img.get_pixel(x, y)[3], 0, "({x},{y}) not transparent");
    }
    let red = img.pixels().filter(|p| is_red(p)).count();
    assert!(red > (w * h) as usize / 20, "too little ink: {red}");
    // The star: the centre is inked.
    assert!(is_red(img.get_pixel(w / 2, h / 2)));
}

#[test]
fn the_seal_drawing_matches_its_snapshot() {
    let mut spec = docseal::seal::SealSpec::new("Example Trading Co. Ltd.");
    spec.text = Some("Contract Seal".into());
    let svg = docseal::seal::draw::svg(&spec, "Noto Serif CJK SC");
    let snap = repo().join("engine/tests/data/seal-snapshot.svg");
    match std::fs::read_to_string(&snap) {
        Ok(s) => assert_eq!(
            s,
            svg,
            "the seal geometry changed; delete {} to accept",
            snap.display()
        ),
        Err(_) => {
            std::fs::write(&snap, &svg).unwrap();
            panic!("snapshot written to {}; commit it", snap.display());
        }
    }
    assert!(svg.contains("<textPath") && svg.contains("startOffset=\"50%\""));
    assert!(svg.contains("<ellipse"));
}

#[test]
fn a_chinese_unit_name_renders_without_tofu() {
    let db = docseal::seal::draw::fonts();
    let name = "上海示例贸易有限公司";
    let family = docseal::seal::draw::covering_family(&db, name)
        .expect("a CJK font (fonts-noto-cjk) covers the name");
    assert!(
        family.contains("CJK") || family.contains("WenQuanYi"),
        "{family}"
    );
    let mut spec = docseal::seal::SealSpec::new(name);
    spec.text = Some("合同专用章".into());
    spec.dpi = 200;
    let img = rgba(&docseal::seal::draw::render_png(&spec).unwrap());
    let (w, h) = img.dimensions();
    // Ink in the upper band where the name runs, inside the ring.
    let band = (w / 4..3 * w / 4)
        .flat_map(|x| (h / 10..h / 4).map(move |y| (x, y)))
        .filter(|&(x, y)| is_red(img.get_pixel(x, y)))
        .count();
    assert!(
        band > 200,
        "no name drawn along the upper arc ({band} red pixels)"
    );
    // A character no installed font has is refused rather than drawn as a box.
    let e = docseal::seal::draw::render_png(&docseal::seal::SealSpec::new("Seal \u{E000}"))
        .unwrap_err();
    assert!(e.to_string().contains("no installed font"), "{e}");
}

#[test]
fn a_scan_on_white_paper_becomes_transparent_and_cropped() {
    let seal = rgba(&std::fs::read(seal_png()).unwrap());
    let (w, h) = seal.dimensions();
    let mut scan = image::RgbImage::from_pixel(w + 200, h + 150, image::Rgb([246, 244, 238]));
    for (x, y, p) in seal.enumerate_pixels() {
        let a = p[3] as f32 / 255.0;
        let under = scan.get_pixel(x + 120, y + 60).0;
        let mix = |i: usize| (p[i] as f32 * a + under[i] as f32 * (1.0 - a)) as u8;
        scan.put_pixel(x + 120, y + 60, image::Rgb([mix(0), mix(1), mix(2)]));
    }
    let dir = scratch("scan");
    let scan_path = dir.join("scan.jpg");
    scan.save(&scan_path).unwrap();
    let out = dir.join("clean.png");
    let o = docseal(&[
        "image",
        "--from-scan",
        scan_path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let img = rgba(&std::fs::read(&out).unwrap());
    let (cw, ch) = img.dimensions();
    assert!(
        cw < w + 40 && ch < h + 40 && cw > w - 40,
        "not cropped to the seal: {cw}x{ch} for a {w}x{h} seal"
    );
    assert_eq!(img.get_pixel(0, 0)[3], 0, "paper is not transparent");
    assert_eq!(img.get_pixel(cw / 8, ch / 8)[3], 0);
    assert!(
        img.pixels().filter(|p| is_red(p)).count() > (cw * ch) as usize / 25,
        "ink lost"
    );
    // And it can be stamped.
    assert!(docseal::seal::SealPicture::from_png(std::fs::read(&out).unwrap()).is_ok());
}

#[test]
fn stamped_docx_and_xlsx_verify_valid_with_a_bound_seal() {
    let dir = scratch("stamp");
    for (input, place) in [
        (
            "contract.docx",
            vec![
                "--at-text",
                "Example Trading Co. Ltd.",
                "--occurrence",
                "last",
            ],
        ),
        (
            "report.docx",
            vec!["--at-text", "Trading Co. Ltd. — Confidential"],
        ),
        ("report.docx", vec!["--at-end"]),
        ("ledger.xlsx", vec!["--at-cell", "Orders!E20"]),
        ("ledger.xlsx", vec!["--at-text", "Shipments"]),
    ] {
        let out = dir.join(format!(
            "{}-{}",
            place.join("_").replace(['!', ' ', '.'], ""),
            input
        ));
        let o = stamp(&samples().join(input), &out, &place);
        assert!(o.status.success(), "{input} {place:?}: {}", stderr(&o));
        let r = verify_json(&out, true);
        assert_eq!(r["verdict"], "valid", "{input} {place:?}: {r:#}");
        let seals = r["seals"].as_array().unwrap();
        assert_eq!(seals.len(), 1, "{r:#}");
        assert_eq!(seals[0]["status"], "bound");
        let covers = r["signatures"][0]["covers"].as_array().unwrap();
        for part in [&seals[0]["image_part"], &seals[0]["in_part"]] {
            assert!(covers.contains(part), "{part} not covered");
        }
    }
}

#[test]
fn stamping_errors_are_clear_and_write_nothing() {
    let dir = scratch("stamp-errors");
    let out = dir.join("out.docx");
    let opaque = dir.join("opaque.png");
    image::RgbaImage::from_pixel(40, 40, image::Rgba([200, 0, 0, 255]))
        .save(&opaque)
        .unwrap();
    let signed = dir.join("signed.docx");
    sign_rsa(&samples().join("contract.docx"), &signed);
    let (k, c) = (pki().join("rsa.key"), pki().join("rsa.pem"));
    let key = ["--key", k.to_str().unwrap(), "--cert", c.to_str().unwrap()];
    let seal = seal_png();
    let cases: Vec<(PathBuf, Vec<&str>, &str)> = vec![
        (
            samples().join("contract.docx"),
            vec![
                "--image",
                seal.to_str().unwrap(),
                "--at-text",
                "Nowhere Ltd.",
            ],
            "is not in the document",
        ),
        (
            samples().join("contract.docx"),
            vec![
                "--image",
                seal.to_str().unwrap(),
                "--at-text",
                "Example Trading Co. Ltd.",
                "--occurrence",
                "9",
            ],
            "occurrence",
        ),
        (
            samples().join("ledger.xlsx"),
            vec!["--image", seal.to_str().unwrap(), "--at-cell", "Nosuch!A1"],
            "no sheet named",
        ),
        (
            samples().join("ledger.xlsx"),
            vec!["--image", seal.to_str().unwrap(), "--at-cell", "Orders!20E"],
            "not a cell reference",
        ),
        (
            samples().join("contract.docx"),
            vec!["--image", opaque.to_str().unwrap()],
            "transparent",
        ),
        (
            signed.clone(),
            vec!["--image", seal.to_str().unwrap()],
            "already signed",
        ),
        // A DrawingML offset is an xsd:int of EMU: a huge one would make a document Word calls
        // corrupt, and past a metre the seal is on no page.
        (
            samples().join("contract.docx"),
            vec!["--image", seal.to_str().unwrap(), "--offset-mm", "1e30,0"],
            "expected -1000 to 1000 mm",
        ),
        (
            samples().join("ledger.xlsx"),
            vec!["--image", seal.to_str().unwrap(), "--offset-mm", "0,inf"],
            "expected -1000 to 1000 mm",
        ),
        (
            samples().join("contract.docx"),
            vec!["--image", seal.to_str().unwrap(), "--size-mm", "151"],
            "expected 5 to 150",
        ),
    ];
    for (input, extra, needle) in cases {
        let mut args = vec![
            "stamp",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend(key);
        args.extend(extra.iter().copied());
        let o = docseal(&args);
        assert_eq!(o.status.code(), Some(2), "{needle}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{needle}: {}", stderr(&o));
        assert!(!out.exists(), "{needle}: output written");
    }
}

/// The stamped contract's drawing run, to move into other documents.
fn stamped_contract() -> (PathBuf, Vec<Entry>) {
    static ONCE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let out = ONCE.get_or_init(|| {
        let out = scratch("copied").join("stamped-contract.docx");
        let o = stamp(
            &samples().join("contract.docx"),
            &out,
            &[
                "--at-text",
                "Example Trading Co. Ltd.",
                "--occurrence",
                "last",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        out
    });
    (out.clone(), read_zip(out))
}

fn drawing_run(entries: &[Entry]) -> String {
    let doc = String::from_utf8(
        entries
            .iter()
            .find(|e| e.0 == "word/document.xml")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    let a = doc.find("<w:r><w:drawing>").unwrap();
    let b = doc[a..].find("</w:drawing></w:r>").unwrap() + a + "</w:drawing></w:r>".len();
    doc[a..b].to_string()
}

fn copy_seal_into_report(with_signature: bool, tag: &str) -> PathBuf {
    let (_, stamped) = stamped_contract();
    let run = drawing_run(&stamped).replace("r:embed=\"rId2\"", "r:embed=\"rId77\"");
    let out = scratch("copied").join(format!("copied-{tag}-{with_signature}.docx"));
    rewrite(&samples().join("report.docx"), &out, |e| {
        replace_in(
            e,
            "word/document.xml",
            "<w:r><w:t xml:space=\"preserve\">The figures",
            &format!("{run}<w:r><w:t xml:space=\"preserve\">The figures"),
        );
        replace_in(e, "word/_rels/document.xml.rels", "</Relationships>", "<Relationship Id=\"rId77\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/docseal-seal1.png\"/></Relationships>");
        e.push(
            stamped
                .iter()
                .find(|x| x.0 == "word/media/docseal-seal1.png")
                .unwrap()
                .clone(),
        );
        if with_signature {
            transplant_signature(e, &stamped);
        }
    });
    out
}

#[test]
fn a_seal_copied_into_another_document_is_reported() {
    for with_signature in [false, true] {
        let f = copy_seal_into_report(with_signature, "verify");
        let r = verify_json(&f, true);
        assert_eq!(r["verdict"], "invalid", "{r:#}");
        let codes = error_codes(&r);
        assert!(
            codes
                .iter()
                .any(|c| c == "copied-seal" || c == "seal-not-bound"),
            "{codes:?}"
        );
        assert!(
            r.to_string().contains("copied seal") || r.to_string().contains("copied"),
            "{r:#}"
        );
        assert_ne!(r["seals"][0]["status"], "bound");
    }
}

#[test]
fn a_swapped_seal_picture_breaks_the_seal() {
    let (stamped, _) = stamped_contract();
    let out = scratch("copied").join("swapped.docx");
    let other = rgba(&std::fs::read(seal_png()).unwrap());
    let mut swapped = other.clone();
    for p in swapped.pixels_mut() {
        if p[3] > 0 {
            p.0 = [0, 0, 200, p[3]];
        }
    }
    let mut png = Vec::new();
    swapped
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    rewrite(&stamped, &out, |e| {
        *entry(e, "word/media/docseal-seal1.png") = png
    });
    let r = verify_json(&out, true);
    assert_eq!(r["verdict"], "invalid");
    assert!(error_codes(&r).iter().any(|c| c == "digest-mismatch"));
    assert_ne!(r["seals"][0]["status"], "bound", "{r:#}");
}

#[test]
fn an_unmarked_copy_of_a_bound_seal_is_reported() {
    let (stamped, entries) = stamped_contract();
    let out = scratch("copied").join("duplicate.docx");
    let png = entries
        .iter()
        .find(|x| x.0 == "word/media/docseal-seal1.png")
        .unwrap()
        .1
        .clone();
    rewrite(&stamped, &out, |e| {
        e.push((
            "word/media/extra.png".into(),
            png,
            zip::CompressionMethod::Stored,
        ))
    });
    let r = verify_json(&out, true);
    assert_eq!(r["verdict"], "invalid");
    assert!(error_codes(&r).iter().any(|c| c == "copied-seal"), "{r:#}");
}

#[test]
fn mark_crosses_out_unbound_seals_and_drops_signatures() {
    let f = copy_seal_into_report(true, "mark");
    let marked = scratch("copied").join("marked.docx");
    let o = docseal(&[
        "verify",
        f.to_str().unwrap(),
        "--mark",
        marked.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = read_zip(&marked);
    assert!(
        !e.iter().any(|x| x.0.starts_with("_xmlsignatures/")),
        "signatures left in the marked copy"
    );
    let before = rgba(
        &read_zip(&f)
            .into_iter()
            .find(|x| x.0 == "word/media/docseal-seal1.png")
            .unwrap()
            .1,
    );
    let after = rgba(
        &e.iter()
            .find(|x| x.0 == "word/media/docseal-seal1.png")
            .unwrap()
            .1,
    );
    let (w, h) = after.dimensions();
    let grey = |p: &image::Rgba<u8>| {
        p[3] > 200 && p[0].abs_diff(p[1]) < 12 && p[1].abs_diff(p[2]) < 12 && p[0] < 200
    };
    assert!(
        after.pixels().filter(|p| grey(p)).count()
            > before.pixels().filter(|p| grey(p)).count() + (w * h) as usize / 50
    );
    // Corner-to-corner: the cross passes the quarter points.
    assert!(grey(after.get_pixel(w / 4, h / 4)) && grey(after.get_pixel(3 * w / 4, h / 4)));
    assert_eq!(verify_json(&marked, false)["verdict"], "invalid");
}

#[test]
fn the_task_pane_parts_open_with_the_document_and_are_sealed() {
    let dir = scratch("pane");
    for input in ["contract.docx", "ledger.xlsx"] {
        let out = dir.join(input);
        let place: &[&str] = if input.ends_with(".xlsx") {
            &["--at-cell", "Orders!E20", "--open-pane"]
        } else {
            &["--at-end", "--open-pane"]
        };
        let o = stamp(&samples().join(input), &out, place);
        assert!(o.status.success(), "{}", stderr(&o));
        let e = read_zip(&out);
        let root = if input.ends_with(".xlsx") {
            "xl"
        } else {
            "word"
        };
        let we = e
            .iter()
            .find(|x| x.0 == format!("{root}/webextensions/webextension1.xml"))
            .expect("webextension part");
        let we = String::from_utf8_lossy(&we.1);
        assert!(
            we.contains("Office.AutoShowTaskpaneWithDocument\" value=\"true\""),
            "{we}"
        );
        assert!(
            we.contains("5ea1d0c5-7e6b-4c4e-9d2a-3f1e0a5b8c11"),
            "the manifest's add-in id"
        );
        let rels = String::from_utf8_lossy(&e.iter().find(|x| x.0 == "_rels/.rels").unwrap().1)
            .into_owned();
        assert!(rels.contains("webextensiontaskpanes"), "{rels}");
        let r = verify_json(&out, true);
        assert_eq!(r["verdict"], "valid", "{r:#}");
        let covers = r["signatures"][0]["covers"].to_string();
        assert!(
            covers.contains("webextensions/taskpanes.xml")
                && covers.contains("webextensions/webextension1.xml"),
            "{covers}"
        );
        // Swapping the add-in afterwards breaks the seal.
        let swapped = dir.join(format!("swapped-{input}"));
        rewrite(&out, &swapped, |e| {
            replace_in(
                e,
                &format!("{root}/webextensions/webextension1.xml"),
                "5ea1d0c5",
                "deadbeef",
            )
        });
        assert_eq!(verify_json(&swapped, true)["verdict"], "invalid");
    }
}

/// The raw (still deflated) bytes of one entry.
fn stored_bytes(path: &Path, name: &str) -> Vec<u8> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let i = z.index_for_name(name).unwrap();
    let mut out = Vec::new();
    z.by_index_raw(i).unwrap().read_to_end(&mut out).unwrap();
    out
}

#[test]
fn a_long_document_keeps_its_compressed_beginning_when_stamped() {
    // A 1 MB document.xml: stamping at its end rewrites only its last deflate blocks
    // (opc::splice), and the result must still read back, verify, and satisfy LibreOffice.
    let dir = scratch("splice");
    let long = dir.join("long.docx");
    rewrite(&samples().join("report.docx"), &long, |e| {
        let doc = e
            .iter_mut()
            .find(|(n, _, _)| n == "word/document.xml")
            .unwrap();
        let xml = String::from_utf8(doc.1.clone()).unwrap();
        let at = xml.rfind("<w:sectPr").unwrap();
        // Varied text, so that the compressor closes blocks as Word's does on real prose.
        let words = [
            "seal", "party", "contract", "delivery", "invoice", "payment", "goods", "term",
            "notice", "breach", "warranty", "schedule", "annex", "price", "quantity", "date",
        ];
        let mut x: u64 = 0x5EA1_0001;
        let mut body = String::new();
        for i in 0..6000 {
            body.push_str(&format!("<w:p><w:r><w:t>Clause {i}:"));
            for _ in 0..12 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                body.push(' ');
                body.push_str(words[(x % 16) as usize]);
                body.push_str(&(x % 1000).to_string());
            }
            body.push_str("</w:t></w:r></w:p>");
        }
        doc.1 = format!("{}{body}{}", &xml[..at], &xml[at..]).into_bytes();
        doc.2 = zip::CompressionMethod::Deflated;
    });
    let out = dir.join("long-stamped.docx");
    let o = stamp(&long, &out, &["--at-end"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let before = stored_bytes(&long, "word/document.xml");
    let after = stored_bytes(&out, "word/document.xml");
    let kept = before
        .iter()
        .zip(&after)
        .take_while(|(a, b)| a == b)
        .count();
    assert!(
        kept > before.len() / 2,
        "only {kept} of {} compressed bytes kept",
        before.len()
    );
    // The zip reader checks the CRC; the content is the input's plus the seal's anchor.
    let mut entries = read_zip(&out);
    let doc = entry(&mut entries, "word/document.xml").clone();
    assert!(String::from_utf8_lossy(&doc).contains("Clause 5999"));
    assert!(drawing_run(&entries).contains("<w:drawing>"));
    let r = verify_json(&out, true);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    assert_eq!(r["seals"][0]["status"], "bound", "{r:#}");
    if !libreoffice_missing() {
        let lo = lo_verify(std::slice::from_ref(&out), &pki().join("ca.pem"));
        assert_eq!(lo[0]["signatures"][0]["signature_valid"], true, "{}", lo[0]);
    }
}
