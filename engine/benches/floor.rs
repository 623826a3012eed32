//! Sign and verify beside the floor, on inputs built from a seed.
//!
//! The floor is what any tool must do at least: inflate and SHA-256 every part, and raw-copy every
//! entry into a new archive (single thread). Targets (issue 2): verify ≤ 1.3 × floor + 2 ms;
//! sign ≤ 1.3 × (floor + recompressing the changed parts at level 3) + 2 ms. Where LibreOffice is
//! installed, its warm verification time of the same files is printed beside ours.
//!
//! Run: cargo bench -p docseal --bench floor

#![allow(clippy::unwrap_used)]

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use docseal::dsig::SignOptions;
use docseal::place::Placement;
use docseal::signer::{file, pin::PinSource};
use docseal::stamp::StampOptions;
use sha2::Digest;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

const WORDS: &[&str] = &[
    "seal", "contract", "delivery", "goods", "price", "the", "of", "and", "shall", "within",
    "days", "party", "payment", "annex", "terms", "company",
];
const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn zip(parts: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, b) in parts {
        z.start_file(
            n,
            zip::write::SimpleFileOptions::default().compression_level(Some(6)),
        )
        .unwrap();
        z.write_all(&b).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn docx(body: String, images: Vec<Vec<u8>>) -> Vec<u8> {
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    let mut parts = Vec::new();
    for (i, img) in images.into_iter().enumerate() {
        rels.push_str(&format!(
            r#"<Relationship Id="rIdImg{i}" Type="{REL}/image" Target="media/image{i}.png"/>"#
        ));
        parts.push((format!("word/media/image{i}.png"), img));
    }
    rels.push_str("</Relationships>");
    let mut all = vec![
        ("[Content_Types].xml".to_string(), br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.to_vec()),
        ("_rels/.rels".to_string(), format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>"#).into_bytes()),
        ("word/document.xml".to_string(), format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document {W}><w:body>{body}</w:body></w:document>").into_bytes()),
        ("word/_rels/document.xml.rels".to_string(), rels.into_bytes()),
    ];
    all.extend(parts);
    zip(all)
}

fn text(rng: &mut Rng, paragraphs: usize) -> String {
    let mut s = String::new();
    for _ in 0..paragraphs {
        s.push_str("<w:p><w:r><w:t xml:space=\"preserve\">");
        for _ in 0..40 {
            s.push_str(WORDS[(rng.next() % WORDS.len() as u64) as usize]);
            s.push(' ');
        }
        s.push_str("</w:t></w:r></w:p>");
    }
    s
}

fn xlsx(rng: &mut Rng, rows: usize) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for r in 1..=rows {
        sheet.push_str(&format!(r#"<row r="{r}"><c r="A{r}"><v>{}</v></c><c r="B{r}"><v>{}.{}</v></c><c r="C{r}" t="inlineStr"><is><t>{}</t></is></c><c r="D{r}"><v>{}</v></c><c r="E{r}"><v>{}</v></c></row>"#, rng.next() % 1_000_000, rng.next() % 10_000, rng.next() % 100, WORDS[(rng.next() % 16) as usize], rng.next() % 100_000_000, rng.next()));
    }
    sheet.push_str("</sheetData></worksheet>");
    zip(vec![
        ("[Content_Types].xml".into(), br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_vec()),
        ("_rels/.rels".into(), format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#).into_bytes()),
        ("xl/workbook.xml".into(), br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_vec()),
        ("xl/_rels/workbook.xml.rels".into(), format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#).into_bytes()),
        ("xl/worksheets/sheet1.xml".into(), sheet.into_bytes()),
    ])
}

/// Inflate + SHA-256 every part, raw-copy every entry: single-threaded, in memory.
fn floor(bytes: &[u8]) {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut h = sha2::Sha256::new();
        loop {
            let n = f.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        std::hint::black_box(h.finalize());
    }
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len() + 4096)));
    for i in 0..z.len() {
        w.raw_copy_file(z.by_index_raw(i).unwrap()).unwrap();
    }
    std::hint::black_box(w.finish().unwrap());
}

/// Recompressing, at level 3, the parts an operation changed or added (found by comparing the
/// output's entries with the input's CRCs).
fn recompress_changed(input: &[u8], output: &[u8]) -> impl Fn() {
    let mut before = zip::ZipArchive::new(Cursor::new(input.to_vec())).unwrap();
    let crcs: Vec<(String, u32)> = (0..before.len())
        .map(|i| {
            let f = before.by_index_raw(i).unwrap();
            (f.name().to_string(), f.crc32())
        })
        .collect();
    let mut z = zip::ZipArchive::new(Cursor::new(output.to_vec())).unwrap();
    let mut changed = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        if crcs.iter().any(|(n, c)| n == f.name() && *c == f.crc32()) {
            continue;
        }
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        changed.push(b);
    }
    move || {
        for b in &changed {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(3));
            e.write_all(b).unwrap();
            std::hint::black_box(e.finish().unwrap());
        }
    }
}

fn median(mut f: impl FnMut(), runs: usize) -> Duration {
    f();
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[runs / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn libreoffice_verify_seconds(files: &[PathBuf]) -> Option<Vec<f64>> {
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/oracle/lo-verify");
    if !Path::new("/usr/bin/soffice").exists() {
        return None;
    }
    // Each file twice: the second pass is warm (NSS, libxmlsec and the file cache initialised).
    let mut args: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    args.extend(files.iter().map(|p| p.as_path()));
    let out = std::process::Command::new("/usr/bin/python3")
        .arg(oracle)
        .arg("--no-load")
        .args(&args)
        .output()
        .ok()?;
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Some(
        lines[files.len()..]
            .iter()
            .map(|v| v["seconds"].as_f64().unwrap_or(f64::NAN))
            .collect(),
    )
}

fn main() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-inputs");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(0x5EA1_D0C5);
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("text-200k.docx", docx(text(&mut rng, 6000), vec![])),
        (
            "images-5m.docx",
            docx(
                text(&mut rng, 20),
                (0..10).map(|_| rng.bytes(500_000)).collect(),
            ),
        ),
        ("rows-100k.xlsx", xlsx(&mut rng, 100_000)),
        (
            "big-50m.docx",
            docx(
                text(&mut rng, 200),
                (0..50).map(|_| rng.bytes(1_000_000)).collect(),
            ),
        ),
    ];
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let key = file::load(
        &data.join("golden-key.pem"),
        Some(&data.join("golden-cert.pem")),
        None,
        &PinSource::default(),
    )
    .unwrap();
    let opts = SignOptions {
        signer: key.signer.as_ref(),
        certs: &key.chain,
        time: time::OffsetDateTime::now_utc(),
        comments: "bench",
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
            },
            picture: &picture,
            size_mm: 42.0,
            offset_mm: (0.0, 0.0),
            placement,
            open_pane: None,
        };
        let stamped = docseal::stamp::stamp_bytes(shared.clone(), &sopts).unwrap();
        let f = median(|| floor(bytes), runs);
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
