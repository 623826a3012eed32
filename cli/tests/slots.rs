//! Seal slots (issue 14): a contract drafted with a slot per party, sealed by party A on a
//! SoftHSM2 token and then by party B with another key, a witness and a countersignature after
//! them — every seal stays valid in docseal and in LibreOffice, and LibreOffice draws each seal in
//! its slot at its keyword. The attacks on slots each get a finding of their own.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// Party A's seal: the RSA key generated on the test token.
const TOKEN_KEY: &str = "pkcs11:token=SealKey;object=Official%20Seal";

/// A SoftHSM2 token for this test binary (tests/make-test-token.sh), and its PIN file.
fn token() -> &'static (PathBuf, PathBuf) {
    static T: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    T.get_or_init(|| {
        let dir = scratch("slot-token");
        let o = Command::new("bash")
            .arg(repo().join("tests/make-test-token.sh"))
            .arg(&dir)
            .arg(pki())
            .output()
            .unwrap();
        assert!(o.status.success(), "make-test-token.sh: {}", stderr(&o));
        std::fs::write(dir.join("pin.txt"), "123456\n").unwrap();
        (dir.join("softhsm2.conf"), dir.join("pin.txt"))
    })
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

/// The seals of a report as (slot label, status).
fn seals(r: &serde_json::Value) -> Vec<(String, String)> {
    r["seals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["slot"].as_str().unwrap_or("").to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
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
        let o = docseal(&["image", "--name", name, "--dpi", "200", "-o", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let one = dir.join("one-slot.docx");
    let docx = dir.join("draft.docx");
    slot_add(
        &samples().join("contract.docx"),
        &one,
        "Party A",
        &["--at-text", "Example Trading Co. Ltd.", "--occurrence", "last"],
    );
    slot_add(&one, &docx, "Party B", &["--at-text", "Northwind Import GmbH"]);
    let ledger = two_party_ledger(&dir);
    let one = dir.join("one-slot.xlsx");
    let xlsx = dir.join("draft.xlsx");
    slot_add(&ledger, &one, "Party A", &["--at-cell", "Orders!E20"]);
    slot_add(&one, &xlsx, "Party B", &["--at-text", "Northwind Import GmbH"]);
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

/// Centres (in mm from the page's top left) of the red ink within 30 mm of a phrase on page 1,
/// and the phrase's centre.
fn red_near(page: &image::RgbImage, words: &[(String, f64, f64, f64, f64)], phrase: &str, dpi: f64) -> ((f64, f64), (f64, f64)) {
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
    let (min_x, max_x) = red.iter().fold((f64::MAX, 0.0f64), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (min_y, max_y) = red.iter().fold((f64::MAX, 0.0f64), |(a, b), p| (a.min(p.1), b.max(p.1)));
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
        let mut s = seals(&r);
        s.sort();
        assert_eq!(
            s,
            vec![
                ("Party A".to_string(), "empty".to_string()),
                ("Party B".to_string(), "empty".to_string())
            ]
        );
        let (a, ab) = both_parties(&d, draft);

        // After A: valid, one seal bound and one slot empty, which is information only.
        let r = verify_json(&a, true);
        assert_eq!(r["verdict"], "valid", "{draft:?}: {r:#}");
        let mut s = seals(&r);
        s.sort();
        assert_eq!(
            s,
            vec![
                ("Party A".to_string(), "bound".to_string()),
                ("Party B".to_string(), "empty".to_string())
            ]
        );
        let empty: Vec<_> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "slot-empty")
            .collect();
        assert_eq!(empty.len(), 1, "{r:#}");
        assert_eq!(empty[0]["severity"], "info");
        let text = stdout(&docseal(&["verify", "--trust", ca.to_str().unwrap(), a.to_str().unwrap()]));
        assert!(text.contains("1 of 2 slots sealed; empty: Party B"), "{text}");

        // After B: two bound seals by two signers, and A's signature untouched.
        let r = verify_json(&ab, true);
        assert_eq!(r["verdict"], "valid", "{draft:?}: {r:#}");
        let mut s = seals(&r);
        s.sort();
        assert_eq!(
            s,
            vec![
                ("Party A".to_string(), "bound".to_string()),
                ("Party B".to_string(), "bound".to_string())
            ]
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
            assert!(s["signature_line_id"].as_str().unwrap().starts_with('{'), "{r}");
        }
    }
    // LibreOffice draws each party's seal in its slot, on its name.
    let profile = d.dir.join("lo-profile");
    let st = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&d.dir)
        .args(&finals)
        .arg(&d.docx)
        .output()
        .expect("soffice");
    assert!(st.status.success(), "{}", stderr(&st));
    const DPI: f64 = 100.0;
    for f in finals.iter().chain([&d.docx]) {
        let pdf = f.with_extension("pdf");
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
        if f == &d.docx {
            // The draft's slots are grey frames: no red anywhere.
            let red = page
                .pixels()
                .filter(|p| p[0] > 150 && p[1] < 90 && p[2] < 90)
                .count();
            assert!(red < 50, "the unsealed draft shows red ({red} pixels)");
            continue;
        }
        let words = words(&pdf);
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
