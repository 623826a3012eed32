//! Seal slots (issue 14): a contract drafted with a slot per party, sealed by party A on a
//! SoftHSM2 token and then by party B with another key, a witness and a countersignature after
//! them — every seal stays valid in docseal and in LibreOffice, and LibreOffice draws each seal in
//! its slot at its keyword. The attacks on slots each get a finding of their own.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// Party A's seal: the RSA key generated on the test token.
const TOKEN_KEY: &str = "pkcs11:token=SealKey;object=Official%20Seal";

/// The test token's SOFTHSM2_CONF and PIN file.
fn token() -> (PathBuf, PathBuf) {
    (
        test_token().join("softhsm2.conf"),
        test_token().join("pin.txt"),
    )
}

/// `docseal slot add` with a label and placement.
fn slot_add(input: &Path, out: &Path, label: &str, place: &[&str]) {
    let mut args = vec![
        "slot",
        "add",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--label",
        label,
        "--signer-hint",
        "Example Trading Co. Ltd.",
    ];
    args.extend(place);
    let o = docseal(&args);
    assert!(o.status.success(), "slot add {label}: {}", stderr(&o));
}

/// Party A seals into its slot with the key on the token.
fn seal_on_token(input: &Path, out: &Path, slot: &str, seal: &Path) -> std::process::Output {
    let (conf, pin) = token();
    docseal_env(
        &[
            "stamp",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--key",
            TOKEN_KEY,
            "--pin-file",
            pin.to_str().unwrap(),
            "--image",
            seal.to_str().unwrap(),
            "--into-slot",
            slot,
        ],
        &[
            ("SOFTHSM2_CONF", conf.to_str().unwrap()),
            ("DOCSEAL_PKCS11_MODULE", MODULE),
        ],
    )
}

/// Another party seals into its slot with the test PKI's EC key (a file).
fn seal_with_file(input: &Path, out: &Path, slot: &str, seal: &Path) -> std::process::Output {
    let (k, c) = (pki().join("ec.key"), pki().join("ec.pem"));
    docseal(&[
        "stamp",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--key",
        k.to_str().unwrap(),
        "--cert",
        c.to_str().unwrap(),
        "--image",
        seal.to_str().unwrap(),
        "--into-slot",
        slot,
    ])
}

/// The seals of a report as (slot label, status), sorted.
fn seals(r: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = r["seals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["slot"].as_str().unwrap_or("").to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Expected (slot label, status) pairs, sorted as `seals` gives them.
fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = list
        .iter()
        .map(|(l, s)| (l.to_string(), s.to_string()))
        .collect();
    out.sort();
    out
}

/// A ledger with a second party's name in a cell of its own (E10), beside the seller's (E20).
fn two_party_ledger(dir: &Path) -> PathBuf {
    let out = dir.join("ledger-two-parties.xlsx");
    rewrite(&samples().join("ledger.xlsx"), &out, |e| {
        replace_in(
            e,
            "xl/worksheets/sheet1.xml",
            "<row r=\"20\">",
            "<row r=\"10\"><c r=\"E10\" s=\"1\" t=\"inlineStr\"><is><t>Northwind Import GmbH</t></is></c></row><row r=\"20\">",
        )
    });
    out
}

/// The drafts: slots for Party A and Party B at the parties' names, in a contract and a ledger.
struct Drafts {
    dir: PathBuf,
    seal_a: PathBuf,
    seal_b: PathBuf,
    docx: PathBuf,
    xlsx: PathBuf,
}

fn drafts(tag: &str) -> Drafts {
    let dir = scratch(tag);
    let seal_a = dir.join("seal-a.png");
    let seal_b = dir.join("seal-b.png");
    for (name, out) in [
        ("Example Trading Co. Ltd.", &seal_a),
        ("Northwind Import GmbH", &seal_b),
    ] {
        let o = docseal(&[
            "image",
            "--name",
            name,
            "--dpi",
            "200",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let one = dir.join("one-slot.docx");
    let docx = dir.join("draft.docx");
    slot_add(
        &samples().join("contract.docx"),
        &one,
        "Party A",
        &[
            "--at-text",
            "Example Trading Co. Ltd.",
            "--occurrence",
            "last",
        ],
    );
    slot_add(
        &one,
        &docx,
        "Party B",
        &["--at-text", "Northwind Import GmbH"],
    );
    let ledger = two_party_ledger(&dir);
    let one = dir.join("one-slot.xlsx");
    let xlsx = dir.join("draft.xlsx");
    slot_add(&ledger, &one, "Party A", &["--at-cell", "Orders!E20"]);
    slot_add(
        &one,
        &xlsx,
        "Party B",
        &["--at-text", "Northwind Import GmbH"],
    );
    Drafts {
        dir,
        seal_a,
        seal_b,
        docx,
        xlsx,
    }
}

/// Party A then Party B, into their slots: (after A, after both).
fn both_parties(d: &Drafts, draft: &Path) -> (PathBuf, PathBuf) {
    let ext = draft.extension().unwrap().to_str().unwrap();
    let a = d.dir.join(format!("sealed-a-{ext}.{ext}"));
    let ab = d.dir.join(format!("sealed-ab-{ext}.{ext}"));
    let o = seal_on_token(draft, &a, "Party A", &d.seal_a);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = seal_with_file(&a, &ab, "Party B", &d.seal_b);
    assert!(o.status.success(), "{}", stderr(&o));
    (a, ab)
}

/// Words of a PDF page with their boxes (points).
type Words = Vec<(String, f64, f64, f64, f64)>;

/// Page 1 of each document as LibreOffice renders it at 100 dpi (one start for all), with the
/// words of the page and their boxes.
fn render(dir: &Path, docs: &[PathBuf]) -> Vec<(image::RgbImage, Words)> {
    let st = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("lo-profile").display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .args(docs)
        .output()
        .expect("soffice");
    assert!(st.status.success(), "{}", stderr(&st));
    docs.iter()
        .map(|doc| {
            let pdf = dir.join(doc.file_name().unwrap()).with_extension("pdf");
            let stem = pdf.with_extension("page");
            assert!(Command::new("pdftoppm")
                .args(["-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile"])
                .arg(&pdf)
                .arg(&stem)
                .status()
                .unwrap()
                .success());
            let page = image::open(format!("{}.png", stem.display()))
                .unwrap()
                .to_rgb8();
            (page, words(&pdf))
        })
        .collect()
}

/// Centres (in mm from the page's top left) of the red ink within 30 mm of a phrase on page 1,
/// and the phrase's centre.
fn red_near(
    page: &image::RgbImage,
    words: &[(String, f64, f64, f64, f64)],
    phrase: &str,
    dpi: f64,
) -> ((f64, f64), (f64, f64)) {
    let (x0, y0, x1, y1) =
        phrase_box(words, phrase).unwrap_or_else(|| panic!("{phrase} not on page 1"));
    let mm = |pt: f64| pt / 72.0 * 25.4;
    let key = (mm((x0 + x1) / 2.0), mm((y0 + y1) / 2.0));
    let px_mm = 25.4 / dpi;
    let red: Vec<(f64, f64)> = page
        .enumerate_pixels()
        .filter(|(_, _, p)| p[0] > 150 && p[1] < 90 && p[2] < 90)
        .map(|(x, y, _)| (x as f64 * px_mm, y as f64 * px_mm))
        .filter(|(x, y)| (x - key.0).abs() < 30.0 && (y - key.1).abs() < 30.0)
        .collect();
    assert!(red.len() > 500, "no seal near {phrase:?}");
    let (min_x, max_x) = red
        .iter()
        .fold((f64::MAX, 0.0f64), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_y, max_y) = red
        .iter()
        .fold((f64::MAX, 0.0f64), |(a, b), p| (a.min(p.1), b.max(p.1)));
    (((min_x + max_x) / 2.0, (min_y + max_y) / 2.0), key)
}

#[test]
fn two_parties_seal_their_slots_and_every_seal_holds_in_docseal_and_libreoffice() {
    let d = drafts("two-parties");
    let ca = pki().join("ca.pem");
    let mut finals = Vec::new();
    for draft in [&d.docx, &d.xlsx] {
        // The draft: two empty slots, no seal yet.
        let r = verify_json(draft, true);
        assert_eq!(r["verdict"], "unsigned", "{r:#}");
        assert_eq!(
            seals(&r),
            pairs(&[("Party A", "empty"), ("Party B", "empty")])
        );
        let (a, ab) = both_parties(&d, draft);

        // After A: valid, one seal bound and one slot empty, which is information only.
        let r = verify_json(&a, true);
        assert_eq!(r["verdict"], "valid", "{draft:?}: {r:#}");
        assert_eq!(
            seals(&r),
            pairs(&[("Party A", "bound"), ("Party B", "empty")])
        );
        let empty: Vec<_> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "slot-empty")
            .collect();
        assert_eq!(empty.len(), 1, "{r:#}");
        assert_eq!(empty[0]["severity"], "info");
        let text = stdout(&docseal(&[
            "verify",
            "--trust",
            ca.to_str().unwrap(),
            a.to_str().unwrap(),
        ]));
        assert!(
            text.contains("1 of 2 slots sealed; empty: Party B"),
            "{text}"
        );

        // After B: two bound seals by two signers, and A's signature untouched.
        let r = verify_json(&ab, true);
        assert_eq!(r["verdict"], "valid", "{draft:?}: {r:#}");
        assert_eq!(
            seals(&r),
            pairs(&[("Party A", "bound"), ("Party B", "bound")])
        );
        let signers: Vec<&str> = r["seals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["signer"].as_str().unwrap())
            .collect();
        assert_ne!(signers[0], signers[1]);
        let before = read_zip(&a);
        let after = read_zip(&ab);
        for (name, bytes, _) in &before {
            if name == "[Content_Types].xml" || name.ends_with("origin.sigs.rels") {
                continue;
            }
            let now = &after.iter().find(|e| &e.0 == name).unwrap().1;
            assert_eq!(now, bytes, "{name} changed when B sealed");
        }
        finals.push(ab);
    }

    if libreoffice_missing() {
        return;
    }
    // LibreOffice: both signatures valid, each naming its slot's line.
    for (f, r) in finals.iter().zip(lo_verify(&finals, &ca)) {
        assert_eq!(r["document_signature_state"], "PARTIAL_OK", "{f:?}: {r}");
        let sigs = r["signatures"].as_array().unwrap();
        assert_eq!(sigs.len(), 2, "{f:?}: {r}");
        for s in sigs {
            assert_eq!(s["signature_valid"], true, "{f:?}: {r}");
            assert_eq!(s["certificate_valid"], true, "{f:?}: {r}");
            assert!(
                s["signature_line_id"].as_str().unwrap().starts_with('{'),
                "{r}"
            );
        }
    }
    // LibreOffice draws each party's seal in its slot, on its name.
    let docs: Vec<PathBuf> = finals.iter().cloned().chain([d.docx.clone()]).collect();
    const DPI: f64 = 100.0;
    for (f, (page, words)) in docs.iter().zip(render(&d.dir, &docs)) {
        if f == &d.docx {
            // The draft's slots are grey frames: no red anywhere.
            let red = page
                .pixels()
                .filter(|p| p[0] > 150 && p[1] < 90 && p[2] < 90)
                .count();
            assert!(red < 50, "the unsealed draft shows red ({red} pixels)");
            continue;
        }
        for phrase in ["Example Trading Co. Ltd.", "Northwind Import GmbH"] {
            let (seal, key) = red_near(&page, &words, phrase, DPI);
            let (dx, dy) = (seal.0 - key.0, seal.1 - key.1);
            assert!(
                dx.abs() < 5.0 && dy.abs() < 5.0,
                "{f:?}: the seal at {phrase:?} is {dx:.1} mm, {dy:.1} mm from it"
            );
        }
    }
}

/// A witness seals the third slot and a countersignature without a picture follows: every
/// earlier seal stays valid, in docseal and in LibreOffice.
#[test]
fn a_third_party_and_a_countersignature_keep_every_earlier_seal() {
    let d = drafts("third-party");
    let three = d.dir.join("three-slots.docx");
    slot_add(
        &d.docx,
        &three,
        "Witness",
        &["--at-text", "Date: 24 November 2026"],
    );
    let (_, ab) = both_parties(&d, &three);
    let abw = d.dir.join("witnessed.docx");
    let (k, c) = (pki().join("rsa.key"), pki().join("rsa.pem"));
    let o = docseal(&[
        "stamp",
        ab.to_str().unwrap(),
        "-o",
        abw.to_str().unwrap(),
        "--key",
        k.to_str().unwrap(),
        "--cert",
        c.to_str().unwrap(),
        "--name",
        "Witness Notary Office",
        "--into-slot",
        "Witness",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let counter = d.dir.join("countersigned.docx");
    sign_ec(&abw, &counter);
    let r = verify_json(&counter, true);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    assert_eq!(r["signatures"].as_array().unwrap().len(), 4, "{r:#}");
    assert_eq!(
        seals(&r),
        pairs(&[
            ("Party A", "bound"),
            ("Party B", "bound"),
            ("Witness", "bound")
        ])
    );
    if libreoffice_missing() {
        return;
    }
    let r = &lo_verify(std::slice::from_ref(&counter), &pki().join("ca.pem"))[0];
    let sigs = r["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 4, "{r}");
    assert!(sigs.iter().all(|s| s["signature_valid"] == true), "{r}");
}

/// `stamp --reserve`: party A's seal is placed as a picture and B's slot reserved in the same
/// pass; B then seals into it and both hold.
#[test]
fn stamp_reserves_a_slot_for_the_other_party() {
    let d = drafts("reserve");
    let a = d.dir.join("a-reserved.docx");
    let (k, c) = (pki().join("rsa.key"), pki().join("rsa.pem"));
    let o = docseal(&[
        "stamp",
        samples().join("contract.docx").to_str().unwrap(),
        "-o",
        a.to_str().unwrap(),
        "--key",
        k.to_str().unwrap(),
        "--cert",
        c.to_str().unwrap(),
        "--image",
        d.seal_a.to_str().unwrap(),
        "--at-text",
        "Example Trading Co. Ltd.",
        "--occurrence",
        "last",
        "--reserve",
        "Party B@Northwind Import GmbH",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = verify_json(&a, true);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    assert_eq!(seals(&r), pairs(&[("", "bound"), ("Party B", "empty")]));
    let ab = d.dir.join("ab-reserved.docx");
    let o = seal_with_file(&a, &ab, "Party B", &d.seal_b);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = verify_json(&ab, true);
    assert_eq!(r["verdict"], "valid", "{r:#}");
    assert!(seals(&r).iter().all(|(_, st)| st == "bound"), "{r:#}");
    if libreoffice_missing() {
        return;
    }
    let r = &lo_verify(&[ab], &pki().join("ca.pem"))[0];
    assert_eq!(r["signatures"].as_array().unwrap().len(), 2, "{r}");
    assert!(
        r["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["signature_valid"] == true),
        "{r}"
    );
}

/// What a keeper can get wrong is refused with the reason, and nothing is written.
#[test]
fn slot_mistakes_are_refused_clearly() {
    let d = drafts("slot-refusals");
    let out = d.dir.join("never.docx");
    // A second slot of the same name.
    let o = docseal(&[
        "slot",
        "add",
        d.docx.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--label",
        "Party B",
        "--at-end",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("already has a seal slot \"Party B\""),
        "{}",
        stderr(&o)
    );
    // A slot that does not exist names the empty ones.
    let o = seal_with_file(&d.docx, &out, "Party C", &d.seal_b);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("empty slots: Party B, Party A"),
        "{}",
        stderr(&o)
    );
    // A slot cannot be added once the document is sealed, and a slot takes one seal.
    let a = d.dir.join("a.docx");
    let o = seal_with_file(&d.docx, &a, "Party A", &d.seal_a);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = docseal(&[
        "slot",
        "add",
        a.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--label",
        "Party C",
        "--at-end",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("already sealed"), "{}", stderr(&o));
    let o = seal_with_file(&a, &out, "Party A", &d.seal_b);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("is sealed already"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// Every attack on slots is invalid, with a finding of its own.
#[test]
fn attacks_on_slots_are_each_named() {
    let d = drafts("slot-attacks");
    let (a, ab) = both_parties(&d, &d.docx);
    let check = |file: &Path, code: &str| {
        let r = verify_json(file, true);
        assert_eq!(r["verdict"], "invalid", "{file:?}: {r:#}");
        let codes = error_codes(&r);
        assert!(
            codes.iter().any(|c| c == code),
            "{file:?}: no {code} in {codes:?}"
        );
    };
    let slot_picture = |entries: &Entries| {
        entries
            .iter()
            .find(|e| e.0.starts_with("word/media/docseal-slot") && e.0.contains("slot2"))
            .or_else(|| {
                entries
                    .iter()
                    .find(|e| e.0.starts_with("word/media/docseal-slot"))
            })
            .unwrap()
            .0
            .clone()
    };

    // 1. B's empty slot filled with a copy of B's seal picture, without a signature.
    let pasted = d.dir.join("pasted.docx");
    let png = std::fs::read(&d.seal_b).unwrap();
    rewrite(&a, &pasted, |e| {
        let name = slot_picture(e);
        *entry(e, &name) = png.clone();
    });
    check(&pasted, "copied-seal");

    // 2. B's slot filled with B's signature made for another document: the same draft with
    // other terms, sealed by B, its signature moved into A's sealed copy.
    let other = d.dir.join("other-terms.docx");
    rewrite(&d.docx, &other, |e| {
        replace_in(e, "word/document.xml", "thirty days", "ninety days")
    });
    let other_b = d.dir.join("other-terms-b.docx");
    let o = seal_with_file(&other, &other_b, "Party B", &d.seal_b);
    assert!(o.status.success(), "{}", stderr(&o));
    let moved = d.dir.join("moved-signature.docx");
    let donor = read_zip(&other_b);
    let target = read_zip(&ab);
    let mut e = target.clone();
    // Replace B's real signature (sig2 in `ab`) with the one from the other document.
    *entry(&mut e, "_xmlsignatures/sig2.xml") = donor
        .iter()
        .find(|x| x.0 == "_xmlsignatures/sig1.xml")
        .unwrap()
        .1
        .clone();
    write_zip(&moved, &e);
    check(&moved, "copied-seal");

    // 3. A slot added after the first seal: the same draft with a third slot, carrying A's
    // signature.
    let three = d.dir.join("three.docx");
    slot_add(&d.docx, &three, "Party C", &["--at-text", "Hamburg"]);
    let added = d.dir.join("added-slot.docx");
    let signed = read_zip(&a);
    rewrite(&three, &added, |e| transplant_signature(e, &signed));
    check(&added, "slot-not-reserved");

    // 4. A slot moved: B's slot shifted on the page after A sealed.
    let shifted = d.dir.join("moved-slot.docx");
    rewrite(&ab, &shifted, |e| {
        let doc = String::from_utf8(entry(e, "word/document.xml").clone()).unwrap();
        let at = doc.find("margin-top:").unwrap();
        let moved = format!(
            "{}margin-top:1{}",
            &doc[..at],
            &doc[at + "margin-top:".len()..]
        );
        *entry(e, "word/document.xml") = moved.into_bytes();
    });
    check(&shifted, "slot-moved");

    // 5. The pictures of the two filled slots swapped between their signatures.
    let swapped = d.dir.join("swapped.docx");
    rewrite(&ab, &swapped, |e| {
        let take = |e: &mut Entries, name: &str| String::from_utf8(entry(e, name).clone()).unwrap();
        let (s1, s2) = (
            take(e, "_xmlsignatures/sig1.xml"),
            take(e, "_xmlsignatures/sig2.xml"),
        );
        let image = |s: &str, id: &str| {
            let open = format!("<Object Id=\"{id}\">");
            let a = s.find(&open).unwrap() + open.len();
            let b = a + s[a..].find("</Object>").unwrap();
            s[a..b].to_string()
        };
        let mut n1 = s1.clone();
        let mut n2 = s2.clone();
        for id in ["idValidSigLnImg", "idInvalidSigLnImg"] {
            let (i1, i2) = (image(&s1, id), image(&s2, id));
            n1 = n1.replace(&i1, &i2);
            n2 = n2.replace(&i2, &i1);
        }
        *entry(e, "_xmlsignatures/sig1.xml") = n1.into_bytes();
        *entry(e, "_xmlsignatures/sig2.xml") = n2.into_bytes();
    });
    check(&swapped, "slot-picture-changed");
}

/// A slot seal whose signature breaks is not shown as a seal: LibreOffice draws the crossed-out
/// picture its signature carries (`idInvalidSigLnImg`), as Word does by [MS-OI29500] §3.7.1.18.
#[test]
fn libreoffice_draws_a_broken_slot_seal_crossed_out() {
    if libreoffice_missing() {
        return;
    }
    let d = drafts("crossed-out");
    let (_, ab) = both_parties(&d, &d.docx);
    let tampered = d.dir.join("tampered.docx");
    rewrite(&ab, &tampered, |e| {
        replace_in(e, "word/document.xml", "thirty days", "ninety days")
    });
    let r = verify_json(&tampered, true);
    assert_eq!(r["verdict"], "invalid");
    assert!(seals(&r).iter().all(|(_, st)| st == "unbound"), "{r:#}");
    let pages = render(&d.dir, &[tampered.clone(), ab.clone()]);
    let grey_near = |(page, words): &(image::RgbImage, Words)| {
        ["Example Trading Co. Ltd.", "Northwind Import GmbH"].map(|phrase| {
            let (x0, y0, x1, y1) = phrase_box(words, phrase).unwrap();
            let c = (
                (x0 + x1) / 2.0 / 72.0 * 100.0,
                (y0 + y1) / 2.0 / 72.0 * 100.0,
            );
            page.enumerate_pixels()
                .filter(|(x, y, _)| {
                    (*x as f64 - c.0).abs() < 80.0 && (*y as f64 - c.1).abs() < 80.0
                })
                .filter(|(_, _, p)| {
                    (100..160).contains(&p[0]) && p[0].abs_diff(p[1]) < 8 && p[1].abs_diff(p[2]) < 8
                })
                .count()
        })
    };
    let broken = grey_near(&pages[0]);
    let intact = grey_near(&pages[1]);
    for i in 0..2 {
        assert!(
            broken[i] > 1500 && broken[i] > 3 * intact[i].max(1),
            "no grey cross over seal {i}: {broken:?} grey pixels broken, {intact:?} intact"
        );
    }
}

/// Documents of the corpus (Word, Excel, LibreOffice, WPS, Google ... `tests/corpus`): the
/// first of each producer and every third one (debug builds draw pictures slowly) takes a slot
/// at its end and a seal in it: the draft verifies unsigned with one empty slot, the
/// sealed copy valid with the slot bound; the slot's markup validates against the ECMA-376 VML
/// schemas, and LibreOffice calls a sample of the seals intact.
#[test]
fn every_corpus_document_takes_a_slot_and_a_seal_in_it() {
    use docseal::slots::{add_bytes, SlotRequest};
    use docseal::{Placement, Verdict};
    let dir = scratch("corpus-slots");
    let key = docseal::signer::file::load(
        &pki().join("rsa.key"),
        Some(&pki().join("rsa.pem")),
        None,
        &docseal::keys::Unlock::default(),
    )
    .unwrap();
    // 150 dpi: enough to check, and quick to draw and cross out in a debug build.
    let mut spec = docseal::pictures::SealSpec::new("Slot Corpus Co. Ltd.");
    spec.dpi = 150;
    let picture =
        docseal::pictures::SealPicture::from_png(docseal::pictures::render_png(&spec).unwrap())
            .unwrap();
    let verify_opts = docseal::VerifyOptions {
        trust: docseal::Validator {
            anchors: docseal::Cert::load_file(&pki().join("ca.pem")).unwrap(),
            ..docseal::Validator::default()
        },
        ..docseal::VerifyOptions::default()
    };
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/corpus/docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    docs.sort();
    let producer = |p: &Path| {
        p.file_name()
            .unwrap()
            .to_string_lossy()
            .split("__")
            .next()
            .unwrap()
            .to_string()
    };
    let docs: Vec<&PathBuf> = docs
        .iter()
        .enumerate()
        .filter(|(i, p)| i % 3 == 0 || *i == 0 || producer(p) != producer(&docs[i - 1]))
        .map(|(_, p)| p)
        .collect();
    let (mut done, mut shapes, mut sealed) = (0, Vec::new(), Vec::new());
    for path in docs {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        if docseal::verify_bytes(&name, bytes.clone(), &verify_opts).verdict == Verdict::Error {
            continue; // refused for a documented reason (the corpus test says which)
        }
        let req = SlotRequest {
            label: "Party B".into(),
            signer_hint: Some("Northwind Import GmbH".into()),
            placement: Placement::End,
            size_mm: (40.0, 40.0),
            offset_mm: (0.0, 0.0),
        };
        let (_, draft) = add_bytes(bytes.clone(), &req).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = docseal::verify_bytes(&name, draft.clone(), &verify_opts);
        assert_eq!(r.verdict, Verdict::Unsigned, "{name}: {:?}", r.findings);
        assert_eq!(r.seals.len(), 1, "{name}");
        assert_eq!(r.seals[0].status, docseal::SealStatus::Empty, "{name}");
        let opts = docseal::StampOptions {
            sign: docseal::SignOptions {
                signer: key.signer.as_ref(),
                certs: &key.chain,
                time: time::OffsetDateTime::now_utc(),
                comments: "",
                tsa: None,
                ltv: None,
                seal_data: None,
                approval: None,
                slot: None,
            },
            picture: &picture,
            size_mm: 40.0,
            offset_mm: (0.0, 0.0),
            placement: Placement::End,
            open_pane: None,
            reserve: &[],
            into_slot: Some("Party B"),
        };
        let out = match docseal::stamp_bytes(draft.clone(), &opts) {
            Ok(out) => out,
            // Refused for a reason the README names, as any seal of it is (tests/corpus.rs).
            Err(e) if ["unsealable-entry", "ambiguous-content-types"].contains(&e.code()) => {
                continue
            }
            Err(e) => panic!("{name}: {e}"),
        };
        let r = docseal::verify_bytes(&name, out.clone(), &verify_opts);
        assert_eq!(r.verdict, Verdict::Valid, "{name}: {:?}", r.findings);
        assert_eq!(r.seals.len(), 1, "{name}");
        assert_eq!(r.seals[0].status, docseal::SealStatus::Bound, "{name}");
        assert_eq!(r.seals[0].slot.as_deref(), Some("Party B"), "{name}");
        // The slot's shape, with the namespaces it uses declared on it, for the schema.
        let draft_path = dir.join(format!("draft-{name}"));
        std::fs::write(&draft_path, &draft).unwrap();
        for (part, content, _) in read_zip(&draft_path) {
            let text = String::from_utf8_lossy(&content);
            let Some(at) = text.find("alt=\"docseal seal slot: ") else {
                continue;
            };
            let start = text[..at].rfind('<').unwrap();
            let end = at
                + text[at..]
                    .find("</v:shape>")
                    .unwrap_or_else(|| panic!("{name} {part}"))
                + 10;
            let mut shape = text[start..end].to_string();
            let open_end = shape.find(' ').unwrap();
            for (p, uri) in [
                ("v", "urn:schemas-microsoft-com:vml"),
                ("o", "urn:schemas-microsoft-com:office:office"),
                ("x", "urn:schemas-microsoft-com:office:excel"),
                (
                    "r",
                    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                ),
            ] {
                if !shape[..shape.find('>').unwrap()].contains(&format!("xmlns:{p}=")) {
                    shape.insert_str(open_end, &format!(" xmlns:{p}=\"{uri}\""));
                }
            }
            shapes.push(shape);
        }
        done += 1;
        if done % 8 == 1 {
            let p = dir.join(format!("sealed-{name}"));
            std::fs::write(&p, &out).unwrap();
            sealed.push(p);
        }
    }
    assert!(done > 70, "only {done} corpus documents");
    assert_eq!(shapes.len(), done, "one slot shape per document");
    let files: Vec<PathBuf> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = dir.join(format!("shape-{i}.xml"));
            std::fs::write(&p, s).unwrap();
            p
        })
        .collect();
    let o = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(repo().join("tests/schemas/ISO-IEC29500-4_2016/vml-main.xsd"))
        .args(&files)
        .output()
        .expect("xmllint (libxml2-utils)");
    assert!(
        o.status.success(),
        "slot markup does not validate:\n{}",
        stderr(&o)
            .lines()
            .filter(|l| !l.ends_with(" validates"))
            .take(20)
            .collect::<Vec<_>>()
            .join("\n")
    );
    if libreoffice_missing() {
        return;
    }
    for (f, r) in sealed.iter().zip(lo_verify(&sealed, &pki().join("ca.pem"))) {
        assert_eq!(r["signatures"][0]["signature_valid"], true, "{f:?}: {r}");
        assert!(
            r["signatures"][0]["signature_line_id"].as_str().is_some(),
            "{f:?}: {r}"
        );
    }
}

/// `verify --mark` on a document whose slot seals broke: the signatures go, and each slot shows
/// its seal crossed out instead of an empty frame.
#[test]
fn mark_shows_broken_slot_seals_crossed_out() {
    let d = drafts("mark-slots");
    let (_, ab) = both_parties(&d, &d.docx);
    let tampered = d.dir.join("tampered.docx");
    rewrite(&ab, &tampered, |e| {
        replace_in(e, "word/document.xml", "thirty days", "ninety days")
    });
    let marked = d.dir.join("marked.docx");
    let ca = pki().join("ca.pem");
    let o = docseal(&[
        "verify",
        "--trust",
        ca.to_str().unwrap(),
        tampered.to_str().unwrap(),
        "--mark",
        marked.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let before = read_zip(&tampered);
    let after = read_zip(&marked);
    assert!(!after.iter().any(|e| e.0.starts_with("_xmlsignatures/")));
    let frames: Vec<&Entry> = after
        .iter()
        .filter(|e| e.0.starts_with("word/media/docseal-slot"))
        .collect();
    assert_eq!(frames.len(), 2);
    for (name, bytes, _) in frames {
        let was = &before.iter().find(|e| &e.0 == name).unwrap().1;
        assert_ne!(bytes, was, "{name} still shows the empty frame");
        // The crossed-out seal: red ink with grey over it.
        let img = image::load_from_memory(bytes).unwrap().to_rgba8();
        let red = img
            .pixels()
            .filter(|p| p[0] > 150 && p[1] < 90 && p[2] < 90 && p[3] > 200)
            .count();
        let grey = img
            .pixels()
            .filter(|p| (100..160).contains(&p[0]) && p[0].abs_diff(p[1]) < 8 && p[3] > 200)
            .count();
        assert!(
            red > 1000 && grey > 1000,
            "{name}: {red} red, {grey} grey pixels"
        );
    }
}
