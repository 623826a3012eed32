//! Signatures per second through a SoftHSM2 token beside a file key, on one and two threads.
//! Makes its own test PKI and token under the target directory. Run:
//!   cargo bench -p docseal --bench token

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use docseal::signer::{self, unlock::Unlock, Signer};

fn rate(signer: &dyn Signer, threads: usize, per_thread: usize) -> f64 {
    let data = vec![0x42u8; 1200]; // about the size of a canonical SignedInfo
    signer.sign(&data).unwrap();
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    std::hint::black_box(signer.sign(&data).unwrap());
                }
            });
        }
    });
    (threads * per_thread) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-token");
    let _ = std::fs::remove_dir_all(&root);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let pki = root.join("pki");
    assert!(Command::new("bash")
        .arg(repo.join("tests/make-test-pki.sh"))
        .arg(&pki)
        .status()
        .unwrap()
        .success());
    let tok = root.join("token");
    if !Command::new("bash")
        .arg(repo.join("tests/make-test-token.sh"))
        .arg(&tok)
        .arg(&pki)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
    {
        println!("SoftHSM2 is not installed: no token figures");
        return;
    }
    std::env::set_var("SOFTHSM2_CONF", tok.join("softhsm2.conf"));
    let pin = Unlock {
        module: Some("/usr/lib/softhsm/libsofthsm2.so".into()),
        ..Unlock::with_secret("123456")
    };
    let file_rsa = signer::load(
        pki.join("rsa.key").to_str().unwrap(),
        Some(&pki.join("rsa.pem")),
        None,
        &pin,
    )
    .unwrap();
    let file_ec = signer::load(
        pki.join("ec.key").to_str().unwrap(),
        Some(&pki.join("ec.pem")),
        None,
        &pin,
    )
    .unwrap();
    let tok_rsa = signer::load(
        "pkcs11:token=SealKey;object=Official%20Seal",
        None,
        None,
        &pin,
    )
    .unwrap();
    let tok_ec = signer::load(
        "pkcs11:token=SealKey;object=Finance%20Seal",
        None,
        None,
        &pin,
    )
    .unwrap();
    println!(
        "{:<28} {:>12} {:>12}",
        "signer", "1 thread/s", "2 threads/s"
    );
    for (name, k, n) in [
        ("file key RSA-2048", &file_rsa, 300),
        ("SoftHSM2 RSA-2048", &tok_rsa, 300),
        ("file key EC P-256", &file_ec, 1000),
        ("SoftHSM2 EC P-256", &tok_ec, 1000),
    ] {
        println!(
            "{:<28} {:>12.0} {:>12.0}",
            name,
            rate(k.signer.as_ref(), 1, n),
            rate(k.signer.as_ref(), 2, n / 2)
        );
    }
}
