//! Sign and verify beside the floor, on inputs built from a seed.
//!
//! The floor is what any tool must do at least: inflate and SHA-256 every part, and raw-copy every
//! entry into a new archive (single thread). Targets (issue 2): verify ≤ 1.3 × floor + 2 ms;
//! sign ≤ 1.3 × (floor + recompressing the changed parts at level 3) + 2 ms. Where LibreOffice is
//! installed, its warm verification time of the same files is printed beside ours.
//!
//! Run: cargo bench -p docseal --bench floor

#![allow(clippy::unwrap_used)]

use std::path::Path;

use docseal::dsig::SignOptions;
use docseal::place::Placement;
use docseal::signer::{file, unlock::Unlock};
use docseal::stamp::StampOptions;

mod inputs;
use inputs::*;

fn main() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-inputs");
    std::fs::create_dir_all(&dir).unwrap();
    let inputs = benchmark_inputs();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let key = file::load(
        &data.join("golden-key.pem"),
        Some(&data.join("golden-cert.pem")),
        None,
        &Unlock::default(),
    )
    .unwrap();
    let opts = SignOptions {
        signer: key.signer.as_ref(),
        certs: &key.chain,
        time: time::OffsetDateTime::now_utc(),
        comments: "bench",
        tsa: None,
        ltv: None,
        seal_data: None,
        approval: None,
        slot: None,
    };
    let vopts = docseal::VerifyOptions::default();
    let mut spec = docseal::seal::SealSpec::new("Example Trading Co. Ltd.");
    spec.dpi = 300;
    let picture =
        docseal::seal::SealPicture::from_png(docseal::seal::draw::render_png(&spec).unwrap())
            .unwrap();

    println!(
        "{:<15} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9} {:>11} {:>10}",
        "input",
        "size MB",
        "floor",
        "verify",
        "sign",
        "sign-rc",
        "stamp",
        "stamp-rc",
        "ver/flr",
        "sign/(f+r)",
        "stamp/(f+r)",
        "LO verify"
    );
    let mut signed_files = Vec::new();
    let mut rows = Vec::new();
    for (name, bytes) in &inputs {
        let runs = if bytes.len() > 20 << 20 { 7 } else { 21 };
        let shared = std::sync::Arc::new(bytes.clone());
        let signed = docseal::sign::sign_bytes(shared.clone(), &opts).unwrap();
        let signed_shared = std::sync::Arc::new(signed.clone());
        let path = dir.join(name);
        std::fs::write(&path, &signed).unwrap();
        signed_files.push(path);
        let placement = if name.ends_with(".xlsx") {
            Placement::Cell("Data!C3".into())
        } else {
            Placement::End
        };
        let sopts = StampOptions {
            sign: SignOptions {
                signer: key.signer.as_ref(),
                certs: &key.chain,
                time: opts.time,
                comments: "bench",
                tsa: None,
                ltv: None,
                seal_data: None,
                approval: None,
                slot: None,
            },
            picture: &picture,
            size_mm: 42.0,
            offset_mm: (0.0, 0.0),
            placement,
            open_pane: None,
            reserve: &[],
            into_slot: None,
        };
        let stamped = docseal::stamp::stamp_bytes(shared.clone(), &sopts).unwrap();
        let f = median(|| drop(std::hint::black_box(floor(bytes))), runs);
        let v = median(
            || {
                drop(std::hint::black_box(docseal::verify::verify_bytes(
                    name,
                    signed_shared.clone(),
                    &vopts,
                )))
            },
            runs,
        );
        let s = median(
            || {
                drop(std::hint::black_box(
                    docseal::sign::sign_bytes(shared.clone(), &opts).unwrap(),
                ))
            },
            runs,
        );
        let r = median(recompress_changed(bytes, &signed), runs);
        let st = median(
            || {
                drop(std::hint::black_box(
                    docseal::stamp::stamp_bytes(shared.clone(), &sopts).unwrap(),
                ))
            },
            runs,
        );
        let sr = median(recompress_changed(bytes, &stamped), runs);
        rows.push((name, bytes.len(), [f, v, s, r, st, sr].map(ms)));
    }
    let lo = libreoffice_verify_seconds(&signed_files);
    for (i, (name, size, [f, v, s, r, st, sr])) in rows.iter().enumerate() {
        let lo_ms = lo.as_ref().map(|l| l[i] * 1000.0);
        println!(
            "{:<15} {:>7.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>9.2} {:>9.2} {:>11.2} {:>10}",
            name, *size as f64 / 1e6, f, v, s, r, st, sr, v / f, s / (f + r), st / (f + sr),
            lo_ms.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into())
        );
        let met = |ok: bool| if ok { "met" } else { "MISSED" };
        println!(
            "{:<15} targets: verify {}, sign {}, stamp {}{}",
            "",
            met(*v <= 1.3 * f + 2.0),
            met(*s <= 1.3 * (f + r) + 2.0),
            met(*st <= 1.3 * (f + sr) + 2.0),
            lo_ms
                .map(|l| format!("; verify {:.1}x faster than LibreOffice", l / v))
                .unwrap_or_default()
        );
    }
}
