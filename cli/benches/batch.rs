//! `docseal batch` on 1,000 generated 200 KB documents, beside the floor summed over the same
//! files (read the file, inflate and SHA-256 every part, raw-copy every entry, write the copy;
//! one thread), with a file key on
//! one and two jobs, and through SoftHSM2; and the whole-process cost of one `docseal verify` of
//! each of the four benchmark inputs beside a process that does only the floor work on it.
//!
//! A stamp also changes a part, so its floor adds deflating that part again (level 3), as any
//! writer must that does not keep the part's unchanged deflate blocks; docseal keeps them, so
//! the stamp is shown against the plain floor too.
//!
//! Goals (issue 9): two jobs on two cores within 8 s and within 1.3 × the summed floor.
//!
//! Run: cargo bench -p docseal-cli --bench batch   (DOCSEAL_BATCH_FILES=N for another count;
//! DOCSEAL_BATCH_FILES=0 times process start alone)

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../../engine/benches/inputs/mod.rs"]
mod inputs;
use inputs::*;

const DOCSEAL: &str = env!("CARGO_BIN_EXE_docseal");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Wall time of one run of a command, which must succeed.
fn timed(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let o = cmd.output().unwrap();
    let took = start.elapsed();
    assert!(
        o.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    took
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--floor-process") {
        std::hint::black_box(floor(&std::fs::read(&args[i + 1]).unwrap()));
        return;
    }
    let n: usize = std::env::var("DOCSEAL_BATCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-batch");
    let _ = std::fs::remove_dir_all(&dir);
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    let mut rng = Rng(0xBA7C_4000);
    let mut floor_sum = Duration::ZERO;
    let mut bytes_total = 0usize;
    let floor_out = dir.join("floor");
    std::fs::create_dir_all(&floor_out).unwrap();
    for i in 0..n {
        let doc = docx(text(&mut rng, 5000), vec![]);
        bytes_total += doc.len();
        let name = format!("doc{i:04}.docx");
        std::fs::write(input.join(&name), doc).unwrap();
        // The floor of one file: read it, inflate and hash every part, copy every entry, and
        // write the copy (the disk flush is left out: a batch flushes once per group of files).
        floor_sum += median(
            || {
                let doc = std::fs::read(input.join(&name)).unwrap();
                std::fs::write(floor_out.join(&name), floor(&doc)).unwrap();
            },
            3,
        );
    }
    let pki = dir.join("pki");
    assert!(Command::new("bash")
        .arg(repo().join("tests/make-test-pki.sh"))
        .arg(&pki)
        .status()
        .unwrap()
        .success());
    let file_key = [
        "--key".to_string(),
        pki.join("rsa.key").display().to_string(),
        "--cert".to_string(),
        pki.join("rsa.pem").display().to_string(),
    ];
    // Sealing needs at least one private-key operation per document beside the floor.
    let key = docseal::signer::file::load(
        &pki.join("rsa.key"),
        Some(&pki.join("rsa.pem")),
        None,
        &docseal::keys::Unlock::default(),
    )
    .unwrap();
    let one_signature = median(|| drop(key.signer.sign(b"SignedInfo").unwrap()), 41);
    let floor_total = floor_sum + one_signature * n as u32;
    if n > 0 {
        println!(
        "{n} DOCX files of {:.0} KB; floor summed over them (one thread): {:.2} s, plus one RSA-2048 signature each ({:.2} ms): {:.2} s",
        bytes_total as f64 / n as f64 / 1024.0,
        floor_sum.as_secs_f64(),
        ms(one_signature),
        floor_total.as_secs_f64()
    );
        println!(
            "{:<34} {:>8} {:>10} {:>16}",
            "run", "seconds", "files/s", "÷ (floor ÷ jobs)"
        );
    }
    let run = |label: &str, out: &str, extra: &[&str], key: &[String], env: &[(&str, String)]| {
        if n == 0 {
            return;
        }
        let jobs: f64 = extra
            .iter()
            .position(|a| *a == "--jobs")
            .and_then(|i| extra.get(i + 1))
            .and_then(|j| j.parse().ok())
            .unwrap_or(1.0);
        let mut c = Command::new(DOCSEAL);
        c.arg("batch")
            .arg(&input)
            .arg("-o")
            .arg(dir.join(out))
            .args(extra)
            .args(key)
            .arg("--quiet");
        for (k, v) in env {
            c.env(k, v);
        }
        let t = timed(&mut c);
        // A stamp changes a part (the picture's anchor goes into document.xml), which must be
        // deflated again: that belongs to its floor too.
        let floor = if extra.contains(&"--sign-only") {
            floor_total
        } else {
            let first = "doc0000.docx";
            let recompress = recompress_changed(
                &std::fs::read(input.join(first)).unwrap(),
                &std::fs::read(dir.join(out).join(first)).unwrap(),
            );
            floor_total + median(recompress, 3) * n as u32
        };
        println!(
            "{label:<34} {:>8.2} {:>10.0} {:>16.2}",
            t.as_secs_f64(),
            n as f64 / t.as_secs_f64(),
            t.as_secs_f64() / (floor.as_secs_f64() / jobs)
        );
        if floor != floor_total {
            // docseal keeps the unchanged deflate blocks (opc::splice), so the stamp is also
            // shown against the floor without the allowance for deflating the changed part.
            println!(
                "{:<34} {:>8} {:>10} {:>16.2}",
                "  (÷ floor without re-deflating)",
                "",
                "",
                t.as_secs_f64() / (floor_total.as_secs_f64() / jobs)
            );
        }
    };
    run(
        "sign, file key, --jobs 1",
        "sign1",
        &["--sign-only", "--jobs", "1"],
        &file_key,
        &[],
    );
    run(
        "sign, file key, --jobs 2",
        "sign2",
        &["--sign-only", "--jobs", "2"],
        &file_key,
        &[],
    );
    run(
        "stamp at end, file key, --jobs 2",
        "stamp2",
        &["--name", "Bench Co.", "--at-end", "--jobs", "2"],
        &file_key,
        &[],
    );
    run(
        "rerun: all finished (verified)",
        "sign2",
        &["--sign-only", "--jobs", "2"],
        &file_key,
        &[],
    );
    // The same run through SoftHSM2: one login, sessions per worker.
    let token = dir.join("token");
    let made = (n > 0).then(|| {
        Command::new("bash")
            .arg(repo().join("tests/make-test-token.sh"))
            .arg(&token)
            .arg(&pki)
            .output()
            .unwrap()
    });
    if made.as_ref().is_some_and(|m| m.status.success()) {
        std::fs::write(token.join("pin.txt"), "123456\n").unwrap();
        let key = [
            "--key".to_string(),
            "pkcs11:token=SealKey;object=Official%20Seal".to_string(),
            "--pin-file".to_string(),
            token.join("pin.txt").display().to_string(),
        ];
        let env = [
            (
                "SOFTHSM2_CONF",
                token.join("softhsm2.conf").display().to_string(),
            ),
            (
                "DOCSEAL_PKCS11_MODULE",
                "/usr/lib/softhsm/libsofthsm2.so".to_string(),
            ),
        ];
        run(
            "sign, SoftHSM2, --jobs 1",
            "hsm1",
            &["--sign-only", "--jobs", "1"],
            &key,
            &env,
        );
        run(
            "sign, SoftHSM2, --jobs 2",
            "hsm2",
            &["--sign-only", "--jobs", "2"],
            &key,
            &env,
        );
    } else if made.is_some() {
        println!(
            "(SoftHSM2 runs skipped: make-test-token.sh failed; apt-get install softhsm2 opensc)"
        );
    }

    // Process start: a whole-process `docseal verify` of each benchmark input, beside two
    // floors. The floor process is this bench binary run again with --floor-process: linked the
    // same way as docseal, it reads the file and does the floor work on it, nothing else. The
    // second floor is starting /bin/true plus the in-process floor of the file.
    drop(key);
    let start = median(
        || {
            timed(&mut Command::new("/bin/true"));
        },
        41,
    );
    let version = median(
        || {
            timed(Command::new(DOCSEAL).arg("--version"));
        },
        41,
    );
    println!(
        "process start: docseal --version {:.2} ms, /bin/true {:.2} ms",
        ms(version),
        ms(start)
    );
    println!(
        "{:<16} {:>10} {:>14} {:>6} {:>14} {:>6}",
        "verify", "docseal ms", "floor proc ms", "ratio", "true+floor ms", "ratio"
    );
    let me = std::env::current_exe().unwrap();
    for (name, bytes) in benchmark_inputs() {
        let unsigned = dir.join(format!("start-{name}"));
        let signed = dir.join(format!("start-signed-{name}"));
        std::fs::write(&unsigned, &bytes).unwrap();
        timed(
            Command::new(DOCSEAL)
                .arg("sign")
                .arg(&unsigned)
                .arg("-o")
                .arg(&signed)
                .args(&file_key),
        );
        let signed_bytes = std::fs::read(&signed).unwrap();
        let runs = if bytes.len() > 10_000_000 { 11 } else { 101 };
        // Run by run, docseal and the floor process alternate: this machine's speed drifts by
        // a quarter from one minute to the next, and two medians taken minutes apart would
        // compare the drift. The medians are of the alternated runs.
        let mut verify_runs = Vec::with_capacity(runs);
        let mut floor_runs = Vec::with_capacity(runs);
        for _ in 0..=runs {
            verify_runs.push(timed(
                Command::new(DOCSEAL)
                    .arg("verify")
                    .arg(&signed)
                    .arg("--trust")
                    .arg(pki.join("ca.pem")),
            ));
            floor_runs.push(timed(Command::new(&me).arg("--floor-process").arg(&signed)));
        }
        let median_of = |mut v: Vec<Duration>| {
            // The first pair warms the caches.
            v.remove(0);
            v.sort();
            v[v.len() / 2]
        };
        let verify = median_of(verify_runs);
        let floor_process = median_of(floor_runs);
        let true_floor = start + median(|| drop(std::hint::black_box(floor(&signed_bytes))), runs);
        println!(
            "{name:<16} {:>10.2} {:>14.2} {:>6.2} {:>14.2} {:>6.2}",
            ms(verify),
            ms(floor_process),
            ms(verify) / ms(floor_process),
            ms(true_floor),
            ms(verify) / ms(true_floor)
        );
    }
}
