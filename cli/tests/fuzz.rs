//! A mutational fuzzer that runs on stable Rust, for six targets: the package reader,
//! `verify_bytes` end to end, the RelationshipTransform, the content-types parser, stamping at a
//! fixed seal, and RFC 3161 time-stamp tokens. Seeds are the samples, the corpus and tokens from
//! the test TSA; each round mutates a seed (bit flips, byte runs, splices, and mutations inside a
//! part that is then re-zipped, so the XML parsers see the damage too) and runs the target. A
//! panic, one input taking longer than 10 s, or one holding more than 512 MiB, fails the test and
//! saves the input under `target/fuzz-findings/` to be made a regression test. The targets
//! themselves are `docseal::fuzzing`, so another harness can drive the same calls.
//!
//! CI runs each target for DOCSEAL_FUZZ_SECONDS (default 12), from a seed of its own unless
//! DOCSEAL_FUZZ_SEED is given (printed with each result, so a finding can be replayed); a longer
//! campaign:
//! `DOCSEAL_FUZZ_SECONDS=720 cargo test --release -p docseal-cli --test fuzz -- --nocapture`.

#![allow(clippy::unwrap_used)]
// The counting allocator below is the one place a test needs `unsafe`: GlobalAlloc is an unsafe
// trait. It only forwards to the system allocator.
#![allow(unsafe_code)]

mod common;
use common::*;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Live heap bytes, and whether they ever passed the cap: an input that makes a target hold more
/// than 512 MiB is a finding like a panic (the bound for hostile input). Counted for the
/// whole process, so a target running beside another is blamed only when it is the one that
/// crossed the line — good enough for a bound this far above what any seed needs.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static OVER_CAP: AtomicBool = AtomicBool::new(false);
const MEMORY_CAP: usize = 512 << 20;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null()
            && LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size() > MEMORY_CAP
        {
            OVER_CAP.store(true, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            if LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size > MEMORY_CAP {
                OVER_CAP.store(true, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

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
    // Each run explores other inputs unless a seed is given; the seed is printed with a finding
    // so that a failure seen once in CI can be replayed: the same seed mutates the same seed
    // files the same way (the TSA's tokens are made afresh, so theirs only nearly).
    let rng_seed = match std::env::var("DOCSEAL_FUZZ_SEED") {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("DOCSEAL_FUZZ_SEED={v:?} is not a number")),
        // The clock as well as the pid: in a container the pid is often the same every run.
        Err(_) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            0x5EED ^ nanos ^ u64::from(std::process::id()) << 32
        }
    };
    let mut rng = Rng(rng_seed | 1);
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
        let over_cap = OVER_CAP.swap(false, Ordering::Relaxed);
        if outcome.is_err() || took > Duration::from_secs(10) || over_cap {
            std::fs::create_dir_all(&findings).unwrap();
            let path = findings.join(format!("{name}-{runs}.bin"));
            std::fs::write(&path, &input).unwrap();
            panic!(
                "{name}: {} on input {runs} of DOCSEAL_FUZZ_SEED={rng_seed}, saved as {path:?} \
                 ({:.1} s)",
                if outcome.is_err() {
                    "panic"
                } else if over_cap {
                    "over 512 MiB"
                } else {
                    "slow"
                },
                took.as_secs_f64()
            );
        }
    }
    eprintln!(
        "fuzz {name}: {runs} executions of DOCSEAL_FUZZ_SEED={rng_seed} in {:.0} s, no finding",
        start.elapsed().as_secs_f64()
    );
}

#[test]
fn fuzz_package_reader() {
    campaign("package", &seeds(), true, docseal::fuzzing::package_reader);
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
    campaign("verify", &signed, true, docseal::fuzzing::verify);
}

/// Every entry of the seeds whose name satisfies `wanted`.
fn entries(limit: usize, wanted: impl Fn(&str) -> bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for s in seeds().iter().take(limit) {
        if let Ok(mut z) = zip::ZipArchive::new(Cursor::new(s)) {
            for i in 0..z.len() {
                let mut f = z.by_index(i).unwrap();
                if wanted(f.name()) {
                    let mut d = Vec::new();
                    f.read_to_end(&mut d).unwrap();
                    out.push(d);
                }
            }
        }
    }
    out
}

#[test]
fn fuzz_relationship_transform() {
    let rels = entries(30, |n| n.ends_with(".rels"));
    campaign(
        "rels-transform",
        &rels,
        false,
        docseal::fuzzing::rels_transform,
    );
}

#[test]
fn fuzz_content_types() {
    let cts = entries(40, |n| n == "[Content_Types].xml");
    campaign(
        "content-types",
        &cts,
        false,
        docseal::fuzzing::content_types,
    );
}

/// Tokens from the test PKI's TSA (`openssl ts`), over SHA-256 and SHA-1 imprints, with and
/// without the TSA's certificate.
fn timestamp_tokens() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (i, (digest, cert)) in [("-sha256", true), ("-sha1", false)].iter().enumerate() {
        let data = scratch("fuzz-tokens").join(format!("data{i}"));
        std::fs::write(&data, b"fuzz").unwrap();
        let query = data.with_extension("tsq");
        let mut args = vec![
            "ts",
            "-query",
            "-data",
            data.to_str().unwrap(),
            digest,
            "-out",
            query.to_str().unwrap(),
        ];
        if *cert {
            args.push("-cert");
        }
        assert!(std::process::Command::new("openssl")
            .args(&args)
            .status()
            .unwrap()
            .success());
        let query = std::fs::read(&query).unwrap();
        out.push(tsa_reply(&query, true).expect("the test TSA answers"));
    }
    out
}

#[test]
fn fuzz_timestamp_token() {
    campaign(
        "timestamp-token",
        &timestamp_tokens(),
        false,
        docseal::fuzzing::timestamp_token,
    );
}

#[test]
fn fuzz_stamp_placement() {
    let data = repo().join("engine/tests/data");
    let fixture = docseal::fuzzing::StampFixture::load(
        &data.join("golden-key.pem"),
        &data.join("golden-cert.pem"),
    )
    .unwrap();
    let seeds: Vec<Vec<u8>> = ["contract.docx", "report.docx", "ledger.xlsx"]
        .iter()
        .map(|s| std::fs::read(samples().join(s)).unwrap())
        .collect();
    campaign("stamp", &seeds, true, |b| {
        docseal::fuzzing::stamp(b, &fixture)
    });
}
