//! A mutational fuzzer that runs on stable Rust, for five targets: the package reader,
//! `verify_bytes` end to end, the RelationshipTransform, the content-types parser, and stamping at a
//! fixed seal. Seeds are the samples and the corpus; each round mutates a seed (bit flips, byte
//! runs, splices, and mutations inside a part that is then re-zipped, so the XML parsers see the
//! damage too) and runs the target. A panic, or one input taking longer than 10 s, fails the test
//! and saves the input under `target/fuzz-findings/` to be made a regression test.
//!
//! CI runs each target for DOCSEAL_FUZZ_SECONDS (default 12); a longer campaign:
//! `DOCSEAL_FUZZ_SECONDS=720 cargo test --release -p docseal --test fuzz -- --nocapture`.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use docseal::opc::{Limits, Package};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seconds() -> u64 {
    std::env::var("DOCSEAL_FUZZ_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

/// Byte-level mutations.
fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        if b.is_empty() {
            b.push(rng.next() as u8);
            continue;
        }
        let at = rng.below(b.len());
        match rng.below(7) {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b[at] = rng.next() as u8,
            2 => {
                let n = rng.below(16).min(b.len() - at);
                b.drain(at..at + n);
            }
            3 => {
                let run: Vec<u8> = (0..rng.below(16) + 1).map(|_| rng.next() as u8).collect();
                b.splice(at..at, run);
            }
            4 => {
                // Interesting values: 0, 0xFF.., lengths.
                let v: [u8; 4] = match rng.below(4) {
                    0 => [0, 0, 0, 0],
                    1 => [0xFF, 0xFF, 0xFF, 0xFF],
                    2 => [0xFF, 0xFF, 0xFF, 0x7F],
                    _ => (b.len() as u32).to_le_bytes(),
                };
                for (i, x) in v.iter().enumerate() {
                    if at + i < b.len() {
                        b[at + i] = *x;
                    }
                }
            }
            5 => {
                // Splice with another seed.
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let n = rng.below(256).min(other.len() - from);
                    b.splice(at..at, other[from..from + n].iter().copied());
                }
            }
            _ => {
                // Duplicate a block.
                let n = rng.below(64).min(b.len() - at);
                let block = b[at..at + n].to_vec();
                b.splice(at..at, block);
            }
        }
    }
    b
}

/// A mutation inside one part of a package, re-zipped: what the XML parsers see.
fn mutate_part(rng: &mut Rng, zip_bytes: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let Ok(mut z) = zip::ZipArchive::new(Cursor::new(zip_bytes)) else {
        return mutate(rng, zip_bytes, seeds);
    };
    let pick = rng.below(z.len());
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..z.len() {
        let Ok(mut f) = z.by_index(i) else { continue };
        let name = f.name().to_string();
        let mut data = Vec::new();
        if f.read_to_end(&mut data).is_err() {
            continue;
        }
        if i == pick {
            data = mutate(rng, &data, seeds);
        }
        let opts = zip::write::SimpleFileOptions::default();
        if out.start_file(name, opts).is_ok() {
            let _ = out.write_all(&data);
        }
    }
    out.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in [
        samples(),
        repo().join("samples/stamped"),
        repo().join("tests/corpus/docs"),
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e != "png" && e != "md"))
            .collect();
        files.sort();
        out.extend(files.iter().step_by(4).map(|f| std::fs::read(f).unwrap()));
    }
    out
}

/// Runs `target` on mutated seeds for the time budget; a panic or a slow input fails the test
/// and is saved.
fn campaign(name: &str, seeds: &[Vec<u8>], part_level: bool, target: impl Fn(&[u8])) {
    let budget = Duration::from_secs(seconds());
    let start = Instant::now();
    let mut rng = Rng(0x5EED ^ start.elapsed().as_nanos() as u64 ^ std::process::id() as u64 | 1);
    let mut runs = 0u64;
    let findings = repo().join("target/fuzz-findings");
    while start.elapsed() < budget {
        let seed = &seeds[rng.below(seeds.len())];
        let input = if part_level && rng.below(2) == 0 {
            mutate_part(&mut rng, seed, seeds)
        } else {
            mutate(&mut rng, seed, seeds)
        };
        let t = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| target(&input)));
        let took = t.elapsed();
        runs += 1;
        if outcome.is_err() || took > Duration::from_secs(10) {
            std::fs::create_dir_all(&findings).unwrap();
            let path = findings.join(format!("{name}-{runs}.bin"));
            std::fs::write(&path, &input).unwrap();
            panic!(
                "{name}: {} on input saved as {path:?} ({:.1} s)",
                if outcome.is_err() { "panic" } else { "slow" },
                took.as_secs_f64()
            );
        }
    }
    eprintln!(
        "fuzz {name}: {runs} executions in {:.0} s, no finding",
        start.elapsed().as_secs_f64()
    );
}

#[test]
fn fuzz_package_reader() {
    campaign("package", &seeds(), true, |b| {
        if let Ok(pkg) = Package::from_bytes(b.to_vec(), Limits::default()) {
            let edit = docseal::opc::PackageEdit::new(&pkg);
            let _ = edit.relationships();
            let _ = docseal::place::main_part(&edit);
        }
    });
}

#[test]
fn fuzz_verify() {
    let mut signed = Vec::new();
    for s in ["contract.docx", "report.docx", "ledger.xlsx"] {
        let out = scratch("fuzz-verify").join(s);
        sign_rsa(&samples().join(s), &out);
        signed.push(std::fs::read(&out).unwrap());
    }
    signed.push(std::fs::read(repo().join("samples/stamped/contract.sealed.docx")).unwrap());
    let opts = docseal::VerifyOptions::default();
    campaign("verify", &signed, true, |b| {
        let _ = docseal::verify::verify_bytes("fuzz", b.to_vec(), &opts);
    });
}

#[test]
fn fuzz_relationship_transform() {
    let mut rels = Vec::new();
    for s in seeds().iter().take(30) {
        if let Ok(mut z) = zip::ZipArchive::new(Cursor::new(s)) {
            for i in 0..z.len() {
                let mut f = z.by_index(i).unwrap();
                if f.name().ends_with(".rels") {
                    let mut d = Vec::new();
                    f.read_to_end(&mut d).unwrap();
                    rels.push(d);
                }
            }
        }
    }
    campaign("rels-transform", &rels, false, |b| {
        let text = String::from_utf8_lossy(b);
        if let Ok(list) = docseal::opc::rels::parse("/_rels/.rels", &text) {
            let sel = docseal::c14n::rels_transform::Selector {
                source_ids: list.iter().map(|r| r.id.clone()).collect(),
                source_types: vec![],
            };
            let _ = docseal::c14n::rels_transform::transform("/_rels/.rels", &list, &sel);
            let _ = docseal::opc::rels::is_compact(&text);
        }
    });
}

#[test]
fn fuzz_content_types() {
    let mut cts = Vec::new();
    for s in seeds().iter().take(40) {
        if let Ok(mut z) = zip::ZipArchive::new(Cursor::new(s)) {
            if let Ok(mut f) = z.by_name("[Content_Types].xml") {
                let mut d = Vec::new();
                f.read_to_end(&mut d).unwrap();
                cts.push(d);
            }
        }
    }
    campaign("content-types", &cts, false, |b| {
        let _ = docseal::opc::content_types::ContentTypes::parse(&String::from_utf8_lossy(b));
    });
}

#[test]
fn fuzz_stamp_placement() {
    let key = golden_key();
    let picture = docseal::seal::SealPicture::from_png(
        docseal::seal::draw::render_png(&docseal::seal::SealSpec::new("Fuzz Co.")).unwrap(),
    )
    .unwrap();
    let seeds: Vec<Vec<u8>> = ["contract.docx", "report.docx", "ledger.xlsx"]
        .iter()
        .map(|s| std::fs::read(samples().join(s)).unwrap())
        .collect();
    campaign("stamp", &seeds, true, |b| {
        use docseal::place::{Occurrence, Placement};
        let placement = match b.len() % 3 {
            0 => Placement::End,
            1 => Placement::Cell("B2".into()),
            _ => Placement::Text {
                needle: "Trading".into(),
                occurrence: Occurrence::Last,
            },
        };
        let opts = docseal::stamp::StampOptions {
            sign: docseal::dsig::SignOptions {
                signer: key.signer.as_ref(),
                certs: &key.chain,
                time: time::OffsetDateTime::now_utc(),
                comments: "",
            },
            picture: &picture,
            size_mm: 40.0,
            offset_mm: (0.0, 0.0),
            placement,
            open_pane: None,
        };
        let _ = docseal::stamp::stamp_bytes(b.to_vec(), &opts);
    });
}
