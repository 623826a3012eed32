//! Hostile input through revocation: documents whose certificates point their CRL distribution
//! points at this host's files, at endless answers, at redirects into loopback, at private
//! addresses and at servers that never answer. The verifier reads no file, makes no request for
//! a signer nobody trusts, stays under 100 MiB and spends one time budget (5 s) per
//! verification, measured from outside with `/usr/bin/time -v`.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// What a test server does with each connection.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Says it sends 2 GiB, and sends zeros until the reader leaves.
    Endless,
    /// Redirects to the given port on loopback.
    RedirectTo(u16),
    /// Reads the request and never answers.
    BlackHole,
    /// Answers 404.
    NotFound,
}

/// A server on loopback that counts the connections it was made to take.
struct TestServer {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl TestServer {
    fn start(behaviour: Behaviour) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf);
                    match behaviour {
                        Behaviour::Endless => {
                            let _ = s.write_all(
                                b"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: 2147483648\r\n\r\n",
                            );
                            let zeros = vec![0u8; 64 << 10];
                            for _ in 0..(2usize << 30) / zeros.len() {
                                if s.write_all(&zeros).is_err() {
                                    break;
                                }
                            }
                        }
                        Behaviour::RedirectTo(to) => {
                            let _ = s.write_all(
                                format!("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{to}/secret\r\nContent-Length: 0\r\n\r\n")
                                    .as_bytes(),
                            );
                        }
                        Behaviour::BlackHole => {
                            std::thread::sleep(std::time::Duration::from_secs(60));
                        }
                        Behaviour::NotFound => {
                            let _ =
                                s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                        }
                    }
                });
            }
        });
        TestServer { port, hits }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/center.crl", self.port)
    }

    fn allow(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
}

/// A CA of its own in `dir` (made once), and a document signed by a seal it issued whose CRL
/// distribution points are `points`; `self_signed` makes the seal its own issuer instead.
fn signed_with_points(dir: &Path, name: &str, points: &[String], self_signed: bool) -> PathBuf {
    if !dir.join("ca.pem").exists() {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "30",
                "-subj",
                "/CN=Hostile Test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
    }
    let dps = points
        .iter()
        .map(|p| format!("URI:{p}"))
        .collect::<Vec<_>>()
        .join(",");
    let ext = format!(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\ncrlDistributionPoints={dps}\n"
    );
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    let (key, cert) = (format!("{name}.key"), format!("{name}.pem"));
    let subject = format!("/CN=Hostile Seal {name}");
    if self_signed {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &cert,
                "-days",
                "30",
                "-subj",
                &subject,
                "-addext",
                "keyUsage=critical,digitalSignature",
                "-addext",
                &format!("crlDistributionPoints={dps}"),
            ],
        );
    } else {
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &subject,
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "30",
                "-extfile",
                &format!("{name}.ext"),
                "-out",
                &cert,
            ],
        );
    }
    let out = dir.join(format!("{name}.docx"));
    let o = sign_cli(
        &samples().join("contract.docx"),
        &out,
        &[
            ("--key", dir.join(&key).to_str().unwrap()),
            ("--cert", dir.join(&cert).to_str().unwrap()),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

/// `docseal verify --json ARGS` under `/usr/bin/time -v`: the report, seconds, peak KiB.
fn verify_measured(args: &[&str]) -> (serde_json::Value, f64, u64) {
    let o = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_docseal"))
        .args(["verify", "--json"])
        .args(args)
        .output()
        .expect("/usr/bin/time (apt-get install time)");
    let err = stderr(&o);
    let field = |name: &str| {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):");
    let mut secs = 0.0;
    for part in wall.split(':') {
        secs = secs * 60.0 + part.parse::<f64>().unwrap_or(f64::MAX);
    }
    let rss = field("Maximum resident set size (kbytes):")
        .parse()
        .unwrap_or(u64::MAX);
    let report: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{err}", stdout(&o)));
    println!(
        "verify of {}: {secs:.2} s, {rss} KiB peak",
        args.last().copied().unwrap_or("")
    );
    (report[0].clone(), secs, rss)
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["signatures"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["findings"].as_array().cloned().unwrap_or_default())
        .map(|f| {
            format!(
                "{}: {}",
                f["code"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

const MEMORY_KIB: u64 = 100 << 10;

#[test]
fn a_file_point_is_never_read_trusted_or_not() {
    let dir = scratch("hostile-crl-file");
    let trusted = signed_with_points(&dir, "zero", &["file:///dev/zero".into()], false);
    let ca = dir.join("ca.pem");
    let (r, secs, rss) =
        verify_measured(&["--trust", ca.to_str().unwrap(), trusted.to_str().unwrap()]);
    assert_eq!(r["verdict"], "valid", "{r}");
    let found = codes(&r);
    assert!(
        found
            .iter()
            .any(|c| c.starts_with("crl-not-fetched") && c.contains("file:///dev/zero")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|c| c.starts_with("revocation-unchecked")),
        "{found:?}"
    );
    assert!(rss < MEMORY_KIB, "{rss} KiB");
    assert!(secs < 5.0, "{secs} s");
    // A second slash does not make it another point that is read.
    let twice = signed_with_points(&dir, "zero2", &["file:///dev//zero".into()], true);
    let (r, _, rss) = verify_measured(&[
        "--trust",
        dir.join("zero2.pem").to_str().unwrap(),
        twice.to_str().unwrap(),
    ]);
    assert!(
        codes(&r).iter().any(|c| c.starts_with("crl-not-fetched")),
        "{r}"
    );
    assert!(rss < MEMORY_KIB, "{rss} KiB");
}

#[test]
fn a_signer_nobody_trusts_makes_the_verifier_fetch_nothing() {
    let dir = scratch("hostile-crl-untrusted");
    let watcher = TestServer::start(Behaviour::NotFound);
    let doc = signed_with_points(
        &dir,
        "rogue",
        &[watcher.url(), "file:///dev/zero".into()],
        true,
    );
    // Allowed or not, trusted by nobody: nothing is fetched, nothing is read.
    let (r, _, rss) = verify_measured(&["--crl-allow", &watcher.allow(), doc.to_str().unwrap()]);
    assert_eq!(r["verdict"], "untrusted", "{r}");
    assert_eq!(
        watcher.hits(),
        0,
        "a request was made for an untrusted signer"
    );
    assert!(!codes(&r).iter().any(|c| c.starts_with("crl-")), "{r}");
    assert!(rss < MEMORY_KIB, "{rss} KiB");
}

#[test]
fn an_endless_answer_is_cut_at_sixteen_mib() {
    let dir = scratch("hostile-crl-endless");
    let endless = TestServer::start(Behaviour::Endless);
    let doc = signed_with_points(&dir, "endless", &[endless.url()], false);
    let ca = dir.join("ca.pem");
    let (r, secs, rss) = verify_measured(&[
        "--trust",
        ca.to_str().unwrap(),
        "--crl-allow",
        &endless.allow(),
        doc.to_str().unwrap(),
    ]);
    assert_eq!(endless.hits(), 1);
    let found = codes(&r);
    assert!(
        found
            .iter()
            .any(|c| c.starts_with("crl-unreachable") && c.contains("16 MiB")),
        "{found:?}"
    );
    assert!(rss < MEMORY_KIB, "{rss} KiB");
    assert!(secs < 8.0, "{secs} s");
}

#[test]
fn redirects_loopback_and_private_addresses_are_not_followed() {
    let dir = scratch("hostile-crl-redirect");
    let inside = TestServer::start(Behaviour::NotFound);
    let redirector = TestServer::start(Behaviour::RedirectTo(inside.port));
    let ca = dir.join("ca.pem");
    // An allowed point that redirects into loopback: the redirect is not followed.
    let doc = signed_with_points(&dir, "redirect", &[redirector.url()], false);
    let (r, _, _) = verify_measured(&[
        "--trust",
        ca.to_str().unwrap(),
        "--crl-allow",
        &redirector.allow(),
        doc.to_str().unwrap(),
    ]);
    assert_eq!(redirector.hits(), 1);
    assert_eq!(inside.hits(), 0, "the redirect into loopback was followed");
    assert!(codes(&r).iter().any(|c| c.contains("redirects to")), "{r}");
    // Loopback and private points that nobody allowed: no connection at all.
    let doc = signed_with_points(
        &dir,
        "private",
        &[
            inside.url(),
            "http://10.255.255.1/center.crl".into(),
            "http://169.254.169.254/latest/meta-data/".into(),
        ],
        false,
    );
    let (r, secs, _) = verify_measured(&["--trust", ca.to_str().unwrap(), doc.to_str().unwrap()]);
    assert_eq!(
        inside.hits(),
        0,
        "a loopback point nobody allowed was fetched"
    );
    let refused: Vec<String> = codes(&r)
        .into_iter()
        .filter(|c| c.starts_with("crl-unreachable") && c.contains("private or reserved"))
        .collect();
    assert_eq!(refused.len(), 3, "{r}");
    assert!(
        secs < 5.0,
        "{secs} s: a refused address is refused before any connection"
    );
}

#[test]
fn three_black_holes_cost_one_time_budget() {
    let dir = scratch("hostile-crl-holes");
    let holes: Vec<TestServer> = (0..3)
        .map(|_| TestServer::start(Behaviour::BlackHole))
        .collect();
    let urls: Vec<String> = holes.iter().map(TestServer::url).collect();
    let doc = signed_with_points(&dir, "holes", &urls, false);
    let ca = dir.join("ca.pem");
    let mut args = vec!["--trust".to_string(), ca.display().to_string()];
    for h in &holes {
        args.extend(["--crl-allow".to_string(), h.allow()]);
    }
    args.push(doc.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (r, secs, rss) = verify_measured(&args);
    assert!(holes.iter().all(|h| h.hits() == 1), "each point asked once");
    let unanswered = codes(&r)
        .iter()
        .filter(|c| c.starts_with("crl-unreachable"))
        .count();
    assert_eq!(unanswered, 3, "{r}");
    // The budget is 5 s for all three together, not 5 s each; the bound leaves room for a debug
    // build on two busy cores.
    assert!(secs < 9.0, "{secs} s for three black holes");
    assert_eq!(r["verdict"], "valid", "{r}");
    assert!(rss < MEMORY_KIB, "{rss} KiB");
}
