//! Inputs and measurements shared by the benchmarks: documents built from a seed, the floor
//! (what any tool must do at least), and medians.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::Digest;

pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

pub const WORDS: &[&str] = &[
    "seal", "contract", "delivery", "goods", "price", "the", "of", "and", "shall", "within",
    "days", "party", "payment", "annex", "terms", "company",
];
pub const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
pub const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

pub fn zip(parts: Vec<(String, Vec<u8>)>) -> Vec<u8> {
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

pub fn docx(body: String, images: Vec<Vec<u8>>) -> Vec<u8> {
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

pub fn text(rng: &mut Rng, paragraphs: usize) -> String {
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

pub fn xlsx(rng: &mut Rng, rows: usize) -> Vec<u8> {
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
pub fn floor(bytes: &[u8]) -> Vec<u8> {
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
    w.finish().unwrap().into_inner()
}

/// Recompressing, at level 3, the parts an operation changed or added (found by comparing the
/// output's entries with the input's CRCs).
pub fn recompress_changed(input: &[u8], output: &[u8]) -> impl Fn() {
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

/// The four benchmark inputs (issue 2), from one seed: text, images, rows, and a large file.
pub fn benchmark_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let mut rng = Rng(0x5EA1_D0C5);
    vec![
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
    ]
}

pub fn median(mut f: impl FnMut(), runs: usize) -> Duration {
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

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn libreoffice_verify_seconds(files: &[PathBuf]) -> Option<Vec<f64>> {
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
