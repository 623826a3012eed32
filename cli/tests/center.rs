//! The seal center end to end, through the `docseal` command and a running `docseal-center`:
//! a seal issued by the center, stamps reported to its audit log, a lost seal suspended at
//! once and on the CRL, a later stamp refused, verdicts from the distribution point alone, and
//! reports queued while the center is down, recorded once after it is back.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const ADMIN_PW: &str = "center-admin-pw";
const KEEPER_PW: &str = "keeper-one-pw";

fn center_bin() -> PathBuf {
    let p = Path::new(env!("CARGO_BIN_EXE_docseal")).with_file_name("docseal-center");
    assert!(
        p.is_file(),
        "{} is not built: run cargo test --workspace (or cargo build -p docseal-center)",
        p.display()
    );
    p
}

/// `N` distinct free ports: all held at once while they are picked, so no two are the same.
fn free_ports<const N: usize>() -> [u16; N] {
    let held: [TcpListener; N] = std::array::from_fn(|_| TcpListener::bind("127.0.0.1:0").unwrap());
    held.map(|l| l.local_addr().unwrap().port())
}

/// A running docseal-center, stopped when dropped.
struct Server(Child);

impl Server {
    fn start(dir: &Path, port: u16, crl_port: u16) -> Server {
        Server::start_with(dir, port, crl_port, &[])
    }

    /// With extra environment (a token's configuration).
    fn start_with(dir: &Path, port: u16, crl_port: u16, env: &[(&str, &Path)]) -> Server {
        let mut child = Command::new(center_bin())
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .env("DOCSEAL_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
            .arg("--data-dir")
            .arg(dir)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--crl-listen", &format!("127.0.0.1:{crl_port}")])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        // Read on a thread, so that a center that neither listens nor ends fails the test after
        // a minute instead of hanging it.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let listening = out
                .lines()
                .map_while(Result::ok)
                .any(|l| l.contains("listening on https://"));
            let _ = tx.send(listening);
        });
        let server = Server(child);
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(true) => server,
            Ok(false) => panic!("docseal-center ended before listening"),
            Err(_) => panic!("docseal-center neither listened nor ended within a minute"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn center(dir: &Path, user: &str, pw: &str, args: &[&str]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_docseal"));
    c.arg("center")
        .arg("--data-dir")
        .arg(dir)
        .args(["--user", user]);
    c.args(args)
        .env("DOCSEAL_ADMIN_PASSWORD", ADMIN_PW)
        .env("DOCSEAL_PASSWORD", pw)
        .env("DOCSEAL_NEW_PASSWORD", KEEPER_PW)
        .output()
        .unwrap()
}

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    stdout(o)
}

fn stamp(
    input: &Path,
    out: &Path,
    key: &Path,
    cert: &Path,
    extra: &[&str],
    journal: &Path,
) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_docseal"));
    c.arg("stamp")
        .arg(input)
        .arg("-o")
        .arg(out)
        .arg("--key")
        .arg(key)
        .arg("--cert")
        .arg(cert)
        .args(if extra.contains(&"--image") {
            &["--at-end"][..]
        } else {
            &["--name", "Example Trading Co. Ltd.", "--at-end"][..]
        })
        .arg("--journal")
        .arg(journal)
        .args(extra)
        .env("DOCSEAL_CENTER_PASSWORD", KEEPER_PW)
        .output()
        .unwrap()
}

/// `docseal verify --json` trusting `ca`: the centers of these tests publish their CRLs on
/// loopback, which a verifier reaches only when told to (`--crl-allow`).
fn verdict(file: &Path, ca: &Path) -> serde_json::Value {
    let tsa_ca = pki().join("ca.pem");
    let o = docseal(&[
        "verify",
        "--json",
        "--crl-allow",
        "127.0.0.1",
        "--trust",
        ca.to_str().unwrap(),
        "--tsa-trust",
        tsa_ca.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()[0].clone()
}

fn new_key(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.key"));
    let public = dir.join(format!("{name}.pub"));
    assert!(Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out"
        ])
        .arg(&key)
        .status()
        .unwrap()
        .success());
    assert!(Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public)
        .status()
        .unwrap()
        .success());
    (key, public)
}

/// A center in `data` (init with `init_args`, and keeper1 added), and a seal for a new file key
/// issued by it and held by keeper1: (key, certificate, seal id).
fn center_with_file_seal(
    dir: &Path,
    data: &Path,
    init_args: &[&str],
    name: &str,
) -> (PathBuf, PathBuf, String) {
    let mut args = vec!["init"];
    args.extend_from_slice(init_args);
    ok(&center(data, "admin", ADMIN_PW, &args));
    ok(&center(
        data,
        "admin",
        ADMIN_PW,
        &["keeper", "add", "keeper1"],
    ));
    let (key, public) = new_key(dir, "seal");
    let cert = dir.join("seal.pem");
    let out = ok(&center(
        data,
        "admin",
        ADMIN_PW,
        &[
            "seal",
            "issue",
            "--public-key",
            public.to_str().unwrap(),
            "--holder",
            "keeper1",
            "--name",
            name,
            "--unit",
            "Example Trading",
            "-o",
            cert.to_str().unwrap(),
        ],
    ));
    let id = out.lines().last().unwrap().trim().to_string();
    (key, cert, id)
}

/// The audit log of one seal (as JSON), and the documents of its stamp entries, sorted.
fn seal_log(data: &Path, id: &str) -> (serde_json::Value, Vec<String>) {
    let log: serde_json::Value = serde_json::from_str(&ok(&center(
        data,
        "admin",
        ADMIN_PW,
        &["--json", "audit", "--seal", id],
    )))
    .unwrap();
    let mut docs: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "stamp")
        .map(|e| e["document"].as_str().unwrap().to_string())
        .collect();
    docs.sort();
    (log, docs)
}

#[test]
fn a_seal_reported_lost_is_refused_and_documents_keep_their_proven_verdicts() {
    let dir = scratch("center-life");
    let data = dir.join("center");
    let [port, crl_port] = free_ports();
    let crl_url = format!("http://127.0.0.1:{crl_port}/crl/center.crl");
    let (key, cert, id) = center_with_file_seal(
        &dir,
        &data,
        &["--name", "Example Seal Center", "--crl-url", &crl_url],
        "Example Trading Co. Ltd.",
    );
    let server = Server::start(&data, port, crl_port);
    let url = format!("https://127.0.0.1:{port}");
    let tls = data.join("tls.pem");
    let use_center = [
        "--center",
        &url,
        "--center-ca",
        tls.to_str().unwrap(),
        "--seal",
        &id,
        "--center-user",
        "keeper1",
    ];
    let journal = dir.join("journal.db");
    let doc = samples().join("contract.docx");

    // A: time-stamped; A2: not. Both reported to the audit log.
    let a = dir.join("a.docx");
    let a2 = dir.join("a2.docx");
    let tsa_url = tsa();
    let mut with_tsa = use_center.to_vec();
    with_tsa.extend(["--tsa", tsa_url.as_str()]);
    let o = stamp(&doc, &a, &key, &cert, &with_tsa, &journal);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = stamp(&doc, &a2, &key, &cert, &use_center, &journal);
    assert!(o.status.success(), "{}", stderr(&o));
    let ca = data.join("ca.pem");
    assert_eq!(verdict(&a, &ca)["verdict"], "valid", "{}", verdict(&a, &ca));
    std::thread::sleep(std::time::Duration::from_millis(1100));

    // The keeper reports the token lost: suspended at once.
    let o = ok(&center(
        &data,
        "keeper1",
        KEEPER_PW,
        &["seal", "suspend", &id, "--reason", "lost"],
    ));
    assert!(o.contains("suspended"), "{o}");
    let crl = dir.join("now.crl");
    ok(&center(
        &data,
        "admin",
        ADMIN_PW,
        &["crl", "-o", crl.to_str().unwrap()],
    ));
    let check = Command::new("openssl")
        .args([
            "crl", "-inform", "DER", "-noout", "-text", "-verify", "-CAfile",
        ])
        .arg(&ca)
        .arg("-in")
        .arg(&crl)
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&check), stderr(&check));
    assert!(
        check.status.success() && text.contains("verify OK"),
        "{text}"
    );
    assert!(text.contains("Certificate Hold"), "{text}");

    // B with the same key through the center: refused before the key is used, nothing written.
    let b = dir.join("b.docx");
    let o = stamp(&doc, &b, &key, &cert, &use_center, &journal);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("suspended"), "{}", stderr(&o));
    assert!(!b.exists());

    // C forced past the center with the file key, after the report.
    let c = dir.join("c.docx");
    let o = stamp(&doc, &c, &key, &cert, &[], &journal);
    assert!(o.status.success(), "{}", stderr(&o));

    // Verdicts from the distribution point alone: a fresh folder with only the CA certificate.
    let elsewhere = scratch("center-elsewhere");
    let ca_only = elsewhere.join("ca.pem");
    std::fs::copy(&ca, &ca_only).unwrap();
    for f in [&a, &a2, &c] {
        std::fs::copy(f, elsewhere.join(f.file_name().unwrap())).unwrap();
    }
    let va = verdict(&elsewhere.join("a.docx"), &ca_only);
    assert_eq!(
        va["verdict"], "valid",
        "sealed and time-stamped before the report: {va}"
    );
    let va2 = verdict(&elsewhere.join("a2.docx"), &ca_only);
    assert_eq!(va2["verdict"], "revoked", "{va2}");
    assert!(va2.to_string().contains("signing time not proven"), "{va2}");
    let vc = verdict(&elsewhere.join("c.docx"), &ca_only);
    assert_eq!(vc["verdict"], "revoked", "sealed after the report: {vc}");

    // The audit log: each reported stamp once, the loss report, and an intact chain.
    let log: serde_json::Value = serde_json::from_str(&ok(&center(
        &data,
        "admin",
        ADMIN_PW,
        &["--json", "audit", "--seal", &id],
    )))
    .unwrap();
    let stamps: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "stamp")
        .collect();
    assert_eq!(stamps.len(), 2, "{log}");
    assert!(stamps
        .iter()
        .all(|e| e["actor"] == "keeper1" && e["document_sha256"].is_string()));
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "seal-suspend" && e["actor"] == "keeper1"));
    ok(&center(&data, "admin", ADMIN_PW, &["audit", "--verify"]));

    // The same through the running center (--center instead of --data-dir), as an auditor would.
    let remote = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_docseal"));
        c.args([
            "center",
            "--center",
            &url,
            "--center-ca",
            tls.to_str().unwrap(),
        ])
        .args(args)
        .env("DOCSEAL_PASSWORD", ADMIN_PW)
        .output()
        .unwrap()
    };
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&remote(&["--json", "seal", "show", &id]))).unwrap();
    assert_eq!(shown["status"], "suspended", "{shown}");
    assert!(ok(&remote(&["audit", "--verify"])).contains("intact"));
    let remote_crl = dir.join("remote.crl");
    ok(&remote(&["crl", "-o", remote_crl.to_str().unwrap()]));
    let o = remote(&["keeper", "list"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    drop(server);
}

#[test]
fn stamps_made_while_the_center_is_down_are_recorded_once_after_it_returns() {
    let dir = scratch("center-offline");
    let data = dir.join("center");
    let [port, crl_port] = free_ports();
    let (key, cert, id) = center_with_file_seal(&dir, &data, &[], "Quotation Seal");
    let url = format!("https://127.0.0.1:{port}");
    // The TLS certificate is made on the server's first start.
    drop(Server::start(&data, port, crl_port));
    let tls = data.join("tls.pem");
    let use_center = [
        "--center",
        &url,
        "--center-ca",
        tls.to_str().unwrap(),
        "--seal",
        &id,
        "--center-user",
        "keeper1",
    ];
    let journal = dir.join("journal.db");
    let doc = samples().join("report.docx");

    // The center is stopped: three stamps are made and queued.
    for i in 0..3 {
        let o = stamp(
            &doc,
            &dir.join(format!("off{i}.docx")),
            &key,
            &cert,
            &use_center,
            &journal,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains("queued"), "{}", stderr(&o));
    }
    // Back: the next stamp sends the queue first.
    let server = Server::start(&data, port, crl_port);
    let o = stamp(
        &doc,
        &dir.join("on.docx"),
        &key,
        &cert,
        &use_center,
        &journal,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("queued"), "{}", stderr(&o));
    // And again, to show nothing is sent twice.
    let o = stamp(
        &doc,
        &dir.join("on2.docx"),
        &key,
        &cert,
        &use_center,
        &journal,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    drop(server);

    let (log, docs) = seal_log(&data, &id);
    assert_eq!(
        docs,
        ["off0.docx", "off1.docx", "off2.docx", "on.docx", "on2.docx"],
        "{log}"
    );
}

/// A fresh, empty SoftHSM2 token labelled "Keeper" (PIN 123456) in `dir`; its SOFTHSM2_CONF.
fn fresh_token(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.display()
        ),
    )
    .unwrap();
    let o = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "Keeper",
            "--so-pin",
            "87654321",
            "--pin",
            "123456",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .expect("softhsm2-util (apt-get install softhsm2)");
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(dir.join("pin.txt"), "123456\n").unwrap();
    conf
}

fn on_token(conf: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_docseal"))
        .args(args)
        .env("SOFTHSM2_CONF", conf)
        .env("DOCSEAL_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
        .env("DOCSEAL_ADMIN_PASSWORD", ADMIN_PW)
        .env("DOCSEAL_PASSWORD", ADMIN_PW)
        .env("DOCSEAL_NEW_PASSWORD", KEEPER_PW)
        .env("DOCSEAL_CENTER_PASSWORD", KEEPER_PW)
        .env_remove("DOCSEAL_PIN")
        .output()
        .unwrap()
}

#[test]
fn a_seal_enrolled_on_a_fresh_token_stamps_until_it_is_reported_lost() {
    let dir = scratch("center-enroll");
    let data = dir.join("center");
    let [port, crl_port] = free_ports();
    let crl_url = format!("http://127.0.0.1:{crl_port}/crl/center.crl");
    let conf = fresh_token(&dir.join("token"));
    let pin = dir.join("token/pin.txt");
    let d = data.to_str().unwrap();
    ok(&on_token(
        &conf,
        &["center", "--data-dir", d, "init", "--crl-url", &crl_url],
    ));
    ok(&on_token(
        &conf,
        &["center", "--data-dir", d, "keeper", "add", "keeper1"],
    ));
    let out = ok(&on_token(
        &conf,
        &[
            "center",
            "--data-dir",
            d,
            "enroll",
            "--token",
            "pkcs11:token=Keeper",
            "--pin-file",
            pin.to_str().unwrap(),
            "--holder",
            "keeper1",
            "--name",
            "Example Trading Co. Ltd.",
            "--text",
            "Contract Seal",
            "--kind",
            "contract",
        ],
    ));
    let id = out.lines().last().unwrap().trim().to_string();
    assert!(
        out.contains("pkcs11:token=Keeper;object=Example%20Trading%20Co.%20Ltd."),
        "{out}"
    );

    // The key was made on the token and cannot leave it; the certificate sits beside it.
    let listed = ok(&on_token(&conf, &["tokens"]));
    assert!(listed.contains("Example Trading Co. Ltd."), "{listed}");
    let objects = Command::new("pkcs11-tool")
        .args([
            "--module",
            "/usr/lib/softhsm/libsofthsm2.so",
            "--token-label",
            "Keeper",
            "--login",
            "--pin",
            "123456",
            "--list-objects",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    let objects = stdout(&objects);
    assert!(objects.contains("Certificate Object"), "{objects}");
    let private = objects.split("Private Key Object").nth(1).unwrap_or("");
    assert!(
        private.contains("always sensitive, never extractable"),
        "{objects}"
    );

    // The registry knows the seal with its picture and its token.
    let shown: serde_json::Value = serde_json::from_str(&ok(&on_token(
        &conf,
        &["center", "--data-dir", d, "--json", "seal", "show", &id],
    )))
    .unwrap();
    assert_eq!(shown["holder"], "keeper1");
    assert!(shown["picture_sha256"].is_string(), "{shown}");

    let server = Server::start(&data, port, crl_port);
    let url = format!("https://127.0.0.1:{port}");
    let tls = data.join("tls.pem");
    let uri = "pkcs11:token=Keeper;object=Example%20Trading%20Co.%20Ltd.";
    let stamp_args = |out: &Path, center: bool| {
        let mut v: Vec<String> = [
            "stamp",
            samples().join("contract.docx").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--key",
            uri,
            "--pin-file",
            pin.to_str().unwrap(),
            "--name",
            "Example Trading Co. Ltd.",
            "--at-end",
            "--journal",
            dir.join("journal.db").to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if center {
            v.extend(
                [
                    "--center",
                    &url,
                    "--center-ca",
                    tls.to_str().unwrap(),
                    "--seal",
                    &id,
                    "--center-user",
                    "keeper1",
                ]
                .map(String::from),
            );
        }
        v
    };
    let a = dir.join("a.docx");
    let args = stamp_args(&a, true);
    let o = on_token(&conf, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    let ca = data.join("ca.pem");
    assert_eq!(verdict(&a, &ca)["verdict"], "valid", "{}", verdict(&a, &ca));
    std::thread::sleep(std::time::Duration::from_millis(1100));

    ok(&center(
        &data,
        "keeper1",
        KEEPER_PW,
        &["seal", "suspend", &id, "--reason", "lost"],
    ));
    let b = dir.join("b.docx");
    let args = stamp_args(&b, true);
    let o = on_token(&conf, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!b.exists());
    // Stamped past the center after the report: revoked, from the distribution point.
    let c = dir.join("c.docx");
    let args = stamp_args(&c, false);
    let o = on_token(&conf, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        verdict(&c, &ca)["verdict"],
        "revoked",
        "{}",
        verdict(&c, &ca)
    );
    // A, sealed before the report but with no time-stamp: its time is not proven.
    let va = verdict(&a, &ca);
    assert_eq!(va["verdict"], "revoked", "{va}");
    assert!(va.to_string().contains("signing time not proven"), "{va}");
    drop(server);
}

#[path = "../../center/tests/common/mod.rs"]
mod pg;

#[test]
fn fifty_parallel_stamps_through_two_centers_on_one_postgres_keep_one_unbroken_log() {
    let postgres = pg::Postgres::start("two-centers");
    let dir = scratch("center-two");
    let first = dir.join("first");
    let [p1, p2, c1, c2] = free_ports();
    let crl_url = format!("http://127.0.0.1:{c1}/crl/center.crl");
    let (key, cert, id) = center_with_file_seal(
        &dir,
        &first,
        &["--database", &postgres.url, "--crl-url", &crl_url],
        "Busy Seal",
    );
    // The second instance: the same CA and store, its own directory.
    let second = dir.join("second");
    std::fs::create_dir_all(&second).unwrap();
    for f in ["ca.pem", "ca.key", "center.json"] {
        std::fs::copy(first.join(f), second.join(f)).unwrap();
    }
    // One picture for all: the stamps measure the center, not the drawing of seals.
    let picture = seal_picture(&dir, "Busy Seal", 150);
    let s1 = Server::start(&first, p1, c1);
    let s2 = Server::start(&second, p2, c2);
    let doc = samples().join("ledger.xlsx");

    let finished = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(String, bool)> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for i in 0..50 {
            let (port, data) = if i % 2 == 0 {
                (p1, &first)
            } else {
                (p2, &second)
            };
            let (dir, doc, key, cert, id, picture) = (&dir, &doc, &key, &cert, &id, &picture);
            let finished = &finished;
            handles.push(scope.spawn(move || {
                let name = format!("s{i:02}.xlsx");
                let url = format!("https://127.0.0.1:{port}");
                let tls = data.join("tls.pem");
                let o = stamp(
                    doc,
                    &dir.join(&name),
                    key,
                    cert,
                    &[
                        "--center",
                        &url,
                        "--center-ca",
                        tls.to_str().unwrap(),
                        "--seal",
                        id,
                        "--center-user",
                        "keeper1",
                        "--image",
                        picture.to_str().unwrap(),
                    ],
                    &dir.join(format!("journal{i}.db")),
                );
                assert!(
                    o.status.success() || stderr(&o).contains("revoked"),
                    "{}",
                    stderr(&o)
                );
                finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                (name, o.status.success())
            }));
            if i == 25 {
                while finished.load(std::sync::atomic::Ordering::SeqCst) < 15 {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                // A revocation in the middle, through the first instance's directory.
                ok(&center(
                    &first,
                    "admin",
                    ADMIN_PW,
                    &["seal", "revoke", id, "--reason", "stolen"],
                ));
            }
        }
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    drop((s1, s2));

    let sealed: Vec<&String> = results
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(n, _)| n)
        .collect();
    assert!(
        !sealed.is_empty() && sealed.len() < 50,
        "{} of 50 sealed",
        sealed.len()
    );
    for data in [&first, &second] {
        ok(&center(data, "admin", ADMIN_PW, &["audit", "--verify"]));
    }
    let (log, stamped) = seal_log(&first, &id);
    let mut expected: Vec<String> = sealed.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(
        stamped, expected,
        "every sealed document once, nothing else"
    );
    let shown: serde_json::Value = serde_json::from_str(&ok(&center(
        &second,
        "admin",
        ADMIN_PW,
        &["--json", "seal", "show", &id],
    )))
    .unwrap();
    assert_eq!(shown["status"], "revoked");
    let rows = log.as_array().unwrap().len();
    assert!(rows >= sealed.len() + 2, "{rows}");
}

#[test]
fn a_center_whose_ca_key_lives_on_an_hsm_signs_certificates_and_crls_there() {
    let dir = scratch("center-hsm");
    let conf = fresh_token(&dir.join("hsm"));
    let pin = dir.join("hsm/pin.txt");
    let data = dir.join("center");
    let d = data.to_str().unwrap();
    let o = on_token(
        &conf,
        &[
            "center",
            "--data-dir",
            d,
            "init",
            "--name",
            "HSM Seal Center",
            "--ca-key",
            "pkcs11:token=Keeper;object=Center%20CA",
            "--ca-pin-file",
            pin.to_str().unwrap(),
            "--tsa-key",
            "pkcs11:token=Keeper;object=Center%20TSA",
            "--tsa-pin-file",
            pin.to_str().unwrap(),
        ],
    );
    ok(&o);
    assert!(
        !data.join("tsa.key").exists(),
        "the TSA key stays on the token"
    );
    // No key file: the key was made on the token, and the certificate sits beside it.
    assert!(!data.join("ca.key").exists());
    assert!(data.join("ca.pem").exists());
    let listed = ok(&on_token(&conf, &["tokens"]));
    assert!(listed.contains("HSM Seal Center"), "{listed}");

    // Later commands sign with the token: a seal certificate and CRLs after a loss report.
    let (_key, public) = new_key(&dir, "seal");
    let cert = dir.join("seal.pem");
    let out = ok(&on_token(
        &conf,
        &[
            "center",
            "--data-dir",
            d,
            "seal",
            "issue",
            "--public-key",
            public.to_str().unwrap(),
            "--holder",
            "keeper1",
            "--name",
            "Finance Seal",
            "-o",
            cert.to_str().unwrap(),
        ],
    ));
    let id = out.lines().last().unwrap().trim().to_string();
    let check = Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(data.join("ca.pem"))
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    ok(&on_token(
        &conf,
        &[
            "center",
            "--data-dir",
            d,
            "seal",
            "suspend",
            &id,
            "--reason",
            "stolen",
        ],
    ));
    let crl = dir.join("hsm.crl");
    ok(&on_token(
        &conf,
        &[
            "center",
            "--data-dir",
            d,
            "crl",
            "-o",
            crl.to_str().unwrap(),
        ],
    ));
    let check = Command::new("openssl")
        .args(["crl", "-inform", "DER", "-noout", "-verify", "-CAfile"])
        .arg(data.join("ca.pem"))
        .arg("-in")
        .arg(&crl)
        .output()
        .unwrap();
    assert!(
        check.status.success() && stderr(&check).contains("verify OK"),
        "{}",
        stderr(&check)
    );
    ok(&on_token(
        &conf,
        &["center", "--data-dir", d, "audit", "--verify"],
    ));

    // The TSA signs on the token too: a token from the running center, checked by OpenSSL.
    let [port, plain_port] = free_ports();
    let _server = Server::start_with(&data, port, plain_port, &[("SOFTHSM2_CONF", &conf)]);
    let query = dir.join("q.tsq");
    let o = Command::new("openssl")
        .args(["ts", "-query", "-data"])
        .arg(&crl)
        .args(["-sha256", "-cert", "-out"])
        .arg(&query)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let reply = dir.join("r.tsr");
    post_tsa(plain_port, &query, &reply);
    let o = Command::new("openssl")
        .args(["ts", "-verify", "-in"])
        .arg(&reply)
        .arg("-queryfile")
        .arg(&query)
        .arg("-CAfile")
        .arg(data.join("ca.pem"))
        .arg("-untrusted")
        .arg(data.join("tsa.pem"))
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        o.status.success() && text.contains("Verification: OK"),
        "{text}"
    );
}

/// Sends the time-stamp request in `query` to the center's TSA on its plain listener and writes
/// the answer to `reply`.
fn post_tsa(port: u16, query: &Path, reply: &Path) {
    let answer = http_post(
        port,
        "/tsa",
        "application/timestamp-query",
        &std::fs::read(query).unwrap(),
    );
    std::fs::write(reply, answer).unwrap();
}

/// POSTs `body` to `http://127.0.0.1:port/path` as `kind` over a bare HTTP/1.1 connection and
/// returns the response body (the center's plain listener serves the CRL and the TSA).
fn http_post(port: u16, path: &str, kind: &str, body: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(
        all.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&all[..split])
    );
    all[split + 4..].to_vec()
}

#[test]
fn the_centers_own_tsa_times_a_seal_over_https_and_openssl_accepts_its_tokens() {
    let dir = scratch("center-tsa");
    let data = dir.join("center");
    let [port, plain_port] = free_ports();
    let (key, cert, id) = center_with_file_seal(
        &dir,
        &data,
        &["--name", "Example Seal Center"],
        "Example Trading Co. Ltd.",
    );
    let tsa_pem = data.join("tsa.pem");
    assert!(tsa_pem.is_file(), "init makes the TSA certificate");
    let _server = Server::start(&data, port, plain_port);
    let ca = data.join("ca.pem");
    let tls = data.join("tls.pem");

    // A seal time-stamped by the center over HTTPS: the time is proven by the center's TSA.
    let out = dir.join("stamped.docx");
    let tsa_url = format!("https://127.0.0.1:{port}/tsa");
    let journal = dir.join("journal.db");
    let o = stamp(
        &samples().join("contract.docx"),
        &out,
        &key,
        &cert,
        &[
            "--tsa",
            &tsa_url,
            "--tsa-ca",
            tls.to_str().unwrap(),
            "--seal",
            &id,
        ],
        &journal,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = docseal(&[
        "verify",
        "--json",
        "--trust",
        ca.to_str().unwrap(),
        "--tsa-trust",
        ca.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sig = &v[0]["signatures"][0];
    assert_eq!(v[0]["verdict"], "valid", "{v}");
    assert_eq!(sig["time_source"], "timestamp", "{v}");
    let ts = &sig["timestamps"][0];
    assert_eq!(ts["intact"], true, "{v}");
    assert_eq!(ts["trusted"], true, "{v}");
    assert!(
        ts["tsa"]
            .as_str()
            .unwrap()
            .contains("Example Seal Center Time-Stamping"),
        "{v}"
    );
    // The text report says who proved the time.
    let o = docseal(&[
        "verify",
        "--trust",
        ca.to_str().unwrap(),
        "--tsa-trust",
        ca.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(stdout(&o).contains("Time-Stamping"), "{}", stdout(&o));

    // OpenSSL's own client and verifier, over the plain listener.
    let data_file = dir.join("data.txt");
    std::fs::write(&data_file, b"what the time-stamp is for").unwrap();
    let query = dir.join("q.tsq");
    let run = |args: &[&str]| {
        let o = Command::new("openssl").args(args).output().unwrap();
        (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
    };
    let (made, text) = run(&[
        "ts",
        "-query",
        "-data",
        data_file.to_str().unwrap(),
        "-sha256",
        "-cert",
        "-out",
        query.to_str().unwrap(),
    ]);
    assert!(made, "{text}");
    let reply = dir.join("r.tsr");
    post_tsa(plain_port, &query, &reply);
    let (verified, text) = run(&[
        "ts",
        "-verify",
        "-in",
        reply.to_str().unwrap(),
        "-queryfile",
        query.to_str().unwrap(),
        "-CAfile",
        ca.to_str().unwrap(),
        "-untrusted",
        tsa_pem.to_str().unwrap(),
    ]);
    assert!(verified && text.contains("Verification: OK"), "{text}");
    let (_, text) = run(&["ts", "-reply", "-in", reply.to_str().unwrap(), "-text"]);
    assert!(text.contains("Status: Granted"), "{text}");
    assert!(text.contains("Policy OID: 2.25."), "{text}");
    // Another file's data does not verify against that token.
    std::fs::write(&data_file, b"something else").unwrap();
    let (verified, _) = run(&[
        "ts",
        "-verify",
        "-in",
        reply.to_str().unwrap(),
        "-data",
        data_file.to_str().unwrap(),
        "-CAfile",
        ca.to_str().unwrap(),
        "-untrusted",
        tsa_pem.to_str().unwrap(),
    ]);
    assert!(!verified, "a token verified for other data");

    // A SHA-1 imprint is refused with badAlg; garbage with badDataFormat.
    let (made, text) = run(&[
        "ts",
        "-query",
        "-data",
        data_file.to_str().unwrap(),
        "-sha1",
        "-out",
        query.to_str().unwrap(),
    ]);
    assert!(made, "{text}");
    post_tsa(plain_port, &query, &reply);
    let (_, text) = run(&["ts", "-reply", "-in", reply.to_str().unwrap(), "-text"]);
    assert!(text.contains("Status: Rejected"), "{text}");
    assert!(
        text.contains("unrecognized or unsupported algorithm"),
        "{text}"
    );
    std::fs::write(
        &reply,
        http_post(
            plain_port,
            "/tsa",
            "application/timestamp-query",
            b"not DER",
        ),
    )
    .unwrap();
    let (_, text) = run(&["ts", "-reply", "-in", reply.to_str().unwrap(), "-text"]);
    assert!(text.contains("Status: Rejected"), "{text}");
    assert!(
        text.contains("data submitted has the wrong format"),
        "{text}"
    );
}

/// The SESeal (DER) inside a sealed package's first signature.
fn embedded_seal_data(doc: &Path) -> Vec<u8> {
    use base64::Engine;
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(doc).unwrap()).unwrap();
    let mut xml = String::new();
    z.by_name("_xmlsignatures/sig1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let start = xml.find("<SESeal").expect("no SESeal in the signature");
    let body = &xml[start..];
    let open_end = body.find('>').unwrap() + 1;
    let close = body.find("</SESeal>").unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(body[open_end..close].trim())
        .unwrap()
}

/// Replaces one entry of a package, keeping the others byte for byte.
fn replace_entry(src: &Path, dst: &Path, name: &str, content: &[u8]) {
    let mut z = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    for i in 0..z.len() {
        let f = z.by_index_raw(i).unwrap();
        if f.name() == name {
            drop(f);
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut w, content).unwrap();
        } else {
            w.raw_copy_file(f).unwrap();
        }
    }
    w.finish().unwrap();
}

#[test]
fn a_seal_the_center_issued_carries_its_seal_data_and_forgeries_are_named() {
    let dir = scratch("center-issued");
    let data = dir.join("center");
    let (key, cert, id) = center_with_file_seal(
        &dir,
        &data,
        &["--name", "Example Seal Center"],
        "Example Trading Co. Ltd.",
    );
    let ca = data.join("ca.pem");
    let verify = |f: &Path, extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["verify", "--json", "--trust", ca.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(f.to_str().unwrap());
        serde_json::from_slice::<serde_json::Value>(&docseal(&args).stdout).unwrap()[0].clone()
    };
    let stamp_with = |input: &Path, out: &Path, key: &Path, cert: &Path, extra: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_docseal"));
        c.arg("stamp").arg(input).arg("-o").arg(out);
        c.arg("--key").arg(key).arg("--cert").arg(cert);
        c.args(["--at-text", "Seller:"]).args(extra);
        c.env("DOCSEAL_CENTER_PASSWORD", ADMIN_PW);
        c.output().unwrap()
    };
    let contract = samples().join("contract.docx");

    // 1. Stamped with the issued seal (its picture, its seal data): valid and issued.
    let good = dir.join("issued.docx");
    let o = stamp_with(
        &contract,
        &good,
        &key,
        &cert,
        &["--seal", &id, "--data-dir", data.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The use is in the data directory's audit log, under the user who logged in, and the
    // chain still verifies.
    let log = ok(&center(&data, "admin", ADMIN_PW, &["audit", "--csv"]));
    let row = log
        .lines()
        .find(|l| l.contains(",stamp,") && l.contains("issued.docx"))
        .unwrap_or_else(|| panic!("no stamp of issued.docx in the audit log:\n{log}"));
    assert!(row.contains(&format!(",admin,stamp,{id},")), "{row}");
    ok(&center(&data, "admin", ADMIN_PW, &["audit", "--verify"]));
    // A wrong password stops the stamp before the key is used: no output, nothing logged.
    let refused = dir.join("refused.docx");
    let mut c = Command::new(env!("CARGO_BIN_EXE_docseal"));
    c.arg("stamp").arg(&contract).arg("-o").arg(&refused);
    c.arg("--key").arg(&key).arg("--cert").arg(&cert);
    c.args([
        "--at-text",
        "Seller:",
        "--seal",
        &id,
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    let o = c.env("DOCSEAL_CENTER_PASSWORD", "wrong").output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--center-user"), "{}", stderr(&o));
    assert!(!refused.exists());
    let v = verify(&good, &[]);
    assert_eq!(v["verdict"], "valid", "{v}");
    let seal = &v["seals"][0];
    assert_eq!(seal["status"], "bound", "{v}");
    assert_eq!(seal["issuance"], "issued", "{v}");
    assert_eq!(seal["seal_id"], id.as_str(), "{v}");
    assert!(
        seal["issued_by"]
            .as_str()
            .unwrap()
            .contains("Example Seal Center"),
        "{v}"
    );
    assert!(
        seal["valid_from"].is_string() && seal["valid_to"].is_string(),
        "{v}"
    );
    // The picture placed is the seal data's, byte for byte.
    let der = embedded_seal_data(&good);
    let parsed = docseal::seal_data::SealData::read(&der).unwrap();
    let mut z = zip::ZipArchive::new(std::fs::File::open(&good).unwrap()).unwrap();
    let png_name = z
        .file_names()
        .find(|n| n.starts_with("word/media/") && n.ends_with(".png"))
        .unwrap()
        .to_string();
    let mut png = Vec::new();
    std::io::Read::read_to_end(&mut z.by_name(&png_name).unwrap(), &mut png).unwrap();
    assert_eq!(png, parsed.picture());
    // OpenSSL reads the structure: header "ES" 4 docseal, the id, the name, the dates.
    let der_file = dir.join("seseal.der");
    std::fs::write(&der_file, &der).unwrap();
    let o = Command::new("openssl")
        .args(["asn1parse", "-inform", "DER", "-in"])
        .arg(&der_file)
        .output()
        .unwrap();
    let text = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    for want in [
        "IA5STRING         :ES",
        "INTEGER           :04",
        "IA5STRING         :docseal",
        &format!("IA5STRING         :{id}"),
        "UTF8STRING        :Example Trading Co. Ltd.",
        "GENERALIZEDTIME",
        "IA5STRING         :PNG",
        "BIT STRING",
    ] {
        assert!(text.contains(want), "{want} missing from\n{text}");
    }
    let seal_cert = std::fs::read(&cert).unwrap();
    let seal_cert = docseal::Cert::load_all(&seal_cert).unwrap().remove(0);
    assert!(
        parsed.lists(&seal_cert),
        "the seal data lists the seal's certificate"
    );
    assert_eq!(parsed.id(), id);

    // 2. The same picture, re-encoded and stamped with another certificate: no seal data.
    let (rogue_key, rogue_pub) = new_key(&dir, "rogue");
    let rogue_cert = dir.join("rogue.pem");
    ok(&center(
        &data,
        "admin",
        ADMIN_PW,
        &[
            "seal",
            "issue",
            "--public-key",
            rogue_pub.to_str().unwrap(),
            "--holder",
            "keeper1",
            "--name",
            "Rogue Trading",
            "-o",
            rogue_cert.to_str().unwrap(),
        ],
    ));
    let copy = dir.join("copied.png");
    image::load_from_memory(&png)
        .unwrap()
        .save_with_format(&copy, image::ImageFormat::Png)
        .unwrap();
    let forged = dir.join("forged.docx");
    let o = stamp_with(
        &contract,
        &forged,
        &rogue_key,
        &rogue_cert,
        &["--image", copy.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v = verify(&forged, &[]);
    assert_eq!(v["seals"][0]["issuance"], "not-issued", "{v}");
    assert_eq!(v["verdict"], "valid", "a warning by default: {v}");
    let v = verify(&forged, &["--require-issued-seals"]);
    assert_eq!(v["verdict"], "invalid", "{v}");
    assert!(v.to_string().contains("seal-not-issued"), "{v}");

    // 3. The genuine seal data moved into a signature made with another certificate.
    let moved = dir.join("moved.docx");
    let o = stamp_with(
        &contract,
        &moved,
        &rogue_key,
        &rogue_cert,
        &["--seal", &id, "--data-dir", data.to_str().unwrap()],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "the CLI refuses another key for the seal"
    );
    assert!(
        stderr(&o).contains("issued to another certificate"),
        "{}",
        stderr(&o)
    );
    // ... so the forger builds the signature himself, with the genuine seal data in it.
    let moved_sig =
        engine_stamp_with_seal_data(&dir, &contract, &rogue_key, &rogue_cert, &der, &png);
    let v = verify(&moved_sig, &[]);
    assert_eq!(v["verdict"], "invalid", "{v}");
    assert_eq!(v["seals"][0]["issuance"], "mismatch", "{v}");
    assert!(v.to_string().contains("seal-cert-mismatch"), "{v}");

    // 4. Another picture under the genuine seal data and the genuine key.
    let other = seal_picture(&dir, "Someone Else Ltd.", 300);
    let other_png = std::fs::read(&other).unwrap();
    let swapped = engine_stamp_with_seal_data(&dir, &contract, &key, &cert, &der, &other_png);
    let v = verify(&swapped, &[]);
    assert_eq!(v["verdict"], "invalid", "{v}");
    assert!(v.to_string().contains("seal-picture-mismatch"), "{v}");

    // 5. Used outside its validity, the time proven by a time-stamp: seal data the center made
    //    for a window that has ended (its certificate is still valid).
    let ca_key =
        rcgen::KeyPair::from_pem(&std::fs::read_to_string(data.join("ca.key")).unwrap()).unwrap();
    let past = time::OffsetDateTime::now_utc() - time::Duration::days(30);
    let expired = docseal::seal_data::make(
        &docseal::seal_data::NewSeal {
            id: &id,
            name: "Example Trading Co. Ltd.",
            vendor: "docseal",
            certs: &[seal_cert.der()],
            picture_png: &png,
            width_mm: 42,
            height_mm: 42,
            created: past,
            valid_from: past,
            valid_to: past + time::Duration::days(1),
        },
        std::fs::read(&ca)
            .ok()
            .and_then(|p| docseal::Cert::load_all(&p).ok())
            .unwrap()[0]
            .der(),
        |tbs| {
            let sig = rcgen::SigningKey::sign(&ca_key, tbs).map_err(|e| e.to_string())?;
            Ok((const_oid::db::rfc5912::ECDSA_WITH_SHA_256, sig))
        },
    )
    .unwrap();
    let stamped_late = engine_stamp_with_seal_data_ts(&dir, &contract, &key, &cert, &expired, &png);
    let tsa_ca = pki().join("ca.pem");
    let v = verify(&stamped_late, &["--tsa-trust", tsa_ca.to_str().unwrap()]);
    assert_eq!(v["signatures"][0]["time_source"], "timestamp", "{v}");
    assert_eq!(v["verdict"], "invalid", "{v}");
    assert!(v.to_string().contains("seal-outside-validity"), "{v}");

    // 6. The seal data edited inside the signature breaks the signature itself.
    let mut z = zip::ZipArchive::new(std::fs::File::open(&good).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut z.by_name("_xmlsignatures/sig1.xml").unwrap(), &mut xml)
        .unwrap();
    let edited = xml.replacen(
        "<SESeal xmlns=\"urn:docseal:seal:1\" Standard=\"GB/T 38540-2020\">M",
        "<SESeal xmlns=\"urn:docseal:seal:1\" Standard=\"GB/T 38540-2020\">N",
        1,
    );
    assert_ne!(edited, xml);
    let tampered = dir.join("tampered.docx");
    replace_entry(
        &good,
        &tampered,
        "_xmlsignatures/sig1.xml",
        edited.as_bytes(),
    );
    let v = verify(&tampered, &[]);
    assert_eq!(v["verdict"], "invalid", "{v}");

    // LibreOffice ignores the extra signed object and finds the signature intact.
    if !libreoffice_missing() {
        let lo = lo_verify(std::slice::from_ref(&good), &ca);
        assert_eq!(
            lo[0]["signatures"][0]["signature_valid"], true,
            "{:?}",
            lo[0]
        );
        assert_ne!(lo[0]["document_signature_state"], "BROKEN", "{:?}", lo[0]);
    }
}

/// A forger's own stamp through the engine: `png` placed, `seal_data` signed in, with any key.
fn engine_stamp_with_seal_data(
    dir: &Path,
    input: &Path,
    key: &Path,
    cert: &Path,
    seal_data: &[u8],
    png: &[u8],
) -> PathBuf {
    engine_stamp(dir, input, key, cert, seal_data, png, None)
}

/// The same, time-stamped by the test TSA.
fn engine_stamp_with_seal_data_ts(
    dir: &Path,
    input: &Path,
    key: &Path,
    cert: &Path,
    seal_data: &[u8],
    png: &[u8],
) -> PathBuf {
    let tsa = docseal::TsaRequest::new(docseal_keeper::HttpTsa::at(&tsa()).unwrap());
    engine_stamp(dir, input, key, cert, seal_data, png, Some(&tsa))
}

fn engine_stamp(
    dir: &Path,
    input: &Path,
    key: &Path,
    cert: &Path,
    seal_data: &[u8],
    png: &[u8],
    tsa: Option<&docseal::TsaRequest>,
) -> PathBuf {
    let loaded = docseal::keys::load(
        key.to_str().unwrap(),
        Some(cert),
        None,
        &docseal::keys::Unlock::default(),
    )
    .unwrap();
    let picture = docseal::pictures::SealPicture::from_png(png.to_vec()).unwrap();
    let out = dir.join(format!(
        "forged-{}-{}.docx",
        tsa.is_some(),
        <sha2::Sha256 as sha2::Digest>::digest(
            seal_data.iter().chain(png).copied().collect::<Vec<u8>>()
        )[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ));
    let opts = docseal::StampOptions {
        sign: docseal::SignOptions {
            signer: loaded.signer.as_ref(),
            certs: &loaded.chain,
            time: time::OffsetDateTime::now_utc(),
            comments: "",
            tsa,
            ltv: None,
            seal_data: Some(seal_data),
            approval: None,
            slot: None,
        },
        picture: &picture,
        size_mm: 42.0,
        offset_mm: (0.0, 0.0),
        placement: docseal::Placement::End,
        open_pane: None,
        reserve: &[],
        into_slot: None,
    };
    let _ = std::fs::remove_file(&out);
    docseal::stamp_file(input, &out, &opts).unwrap();
    out
}

#[test]
fn a_seal_that_needs_approval_stamps_once_per_approved_document() {
    let dir = scratch("center-approval");
    let data = dir.join("center");
    let (key, cert, id) = center_with_file_seal(
        &dir,
        &data,
        &["--name", "Example Seal Center"],
        "Example Trading Co. Ltd.",
    );
    ok(&center(
        &data,
        "admin",
        ADMIN_PW,
        &["seal", "policy", &id, "--approval", "required"],
    ));
    ok(&center(
        &data,
        "admin",
        ADMIN_PW,
        &["keeper", "add", "approver1", "--role", "approver"],
    ));
    let [port, plain] = free_ports();
    let _server = Server::start(&data, port, plain);
    let url = format!("https://127.0.0.1:{port}");
    let tls = data.join("tls.pem");
    let journal = dir.join("journal.db");
    let contract = dir.join("contract.docx");
    std::fs::copy(samples().join("contract.docx"), &contract).unwrap();
    let use_center = |extra: &[&str]| {
        let mut v = vec![
            "--center",
            url.as_str(),
            "--center-ca",
            tls.to_str().unwrap(),
            "--seal",
            id.as_str(),
            "--center-user",
            "keeper1",
        ];
        v.extend_from_slice(extra);
        v.into_iter().map(String::from).collect::<Vec<String>>()
    };
    let stamp_it = |out: &Path, extra: &[&str], input: &Path| {
        let args = use_center(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        stamp(input, out, &key, &cert, &args, &journal)
    };

    // Without approval: refused before anything is written.
    let first = dir.join("first.docx");
    let o = stamp_it(&first, &[], &contract);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("needs an approval"), "{}", stderr(&o));
    assert!(!first.exists());

    // The keeper asks for a stamp of `doc`: the request's id.
    let request = |doc: &Path, reason: &[&str]| {
        let mut args = vec!["request", "--seal", id.as_str(), doc.to_str().unwrap()];
        args.extend_from_slice(reason);
        let out = ok(&center(&data, "keeper1", KEEPER_PW, &args));
        out.lines().last().unwrap().trim().to_string()
    };

    // The keeper asks; a keeper may not approve; the approver does.
    let req = request(&contract, &["--reason", "Q4 supply contract"]);
    assert!(req.starts_with("apr-"), "{req}");
    let o = center(&data, "keeper1", KEEPER_PW, &["approve", &req]);
    assert!(!o.status.success(), "a keeper approved a request");
    let pending = ok(&center(
        &data,
        "approver1",
        KEEPER_PW,
        &["approvals", "--status", "pending"],
    ));
    assert!(pending.contains(&req), "{pending}");
    ok(&center(&data, "approver1", KEEPER_PW, &["approve", &req]));

    // Approved: the stamp succeeds and the signature names the approval.
    let o = stamp_it(&first, &[], &contract);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = verdict(&first, &data.join("ca.pem"));
    assert_eq!(v["verdict"], "valid", "{v}");
    let approval = &v["signatures"][0]["approval"];
    assert_eq!(approval["request"], req.as_str(), "{v}");
    assert_eq!(approval["approved_by"], "approver1", "{v}");
    assert!(approval["approved_at"].is_string(), "{v}");
    let text = stdout(&docseal(&[
        "verify",
        "--trust",
        data.join("ca.pem").to_str().unwrap(),
        first.to_str().unwrap(),
    ]));
    assert!(text.contains("approved by approver1"), "{text}");

    // Once: the same document again is refused, so is the approval named outright.
    let again = dir.join("again.docx");
    let o = stamp_it(&again, &[], &contract);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = stamp_it(&again, &["--approval", &req], &contract);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("used already"), "{}", stderr(&o));
    assert!(!again.exists());

    // A request for the contract, made by the keeper and approved: its id.
    let approved_for_contract = || {
        let req = request(&contract, &[]);
        ok(&center(&data, "approver1", KEEPER_PW, &["approve", &req]));
        req
    };

    // An approval is for exactly those bytes: another document is refused.
    let req2 = approved_for_contract();
    let ledger = samples().join("ledger.xlsx");
    let o = stamp_it(&dir.join("ledger.xlsx"), &["--approval", &req2], &ledger);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("another document"), "{}", stderr(&o));

    // A rejected request is refused by name.
    let req3 = request(&ledger, &[]);
    ok(&center(
        &data,
        "approver1",
        KEEPER_PW,
        &["reject", &req3, "--reason", "not this one"],
    ));
    let o = stamp_it(&dir.join("ledger2.xlsx"), &["--approval", &req3], &ledger);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("rejected"), "{}", stderr(&o));

    // Through the data directory (--data-dir instead of --center): the approval is taken under
    // the login the stamp is recorded with, and only once.
    let req4 = approved_for_contract();
    let through_dir = |out: &Path| {
        let args = [
            "--seal",
            id.as_str(),
            "--data-dir",
            data.to_str().unwrap(),
            "--center-user",
            "keeper1",
            "--approval",
            req4.as_str(),
        ];
        stamp(&contract, out, &key, &cert, &args, &journal)
    };
    let by_dir = dir.join("by-dir.docx");
    let o = through_dir(&by_dir);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = verdict(&by_dir, &data.join("ca.pem"));
    assert_eq!(v["verdict"], "valid", "{v}");
    assert_eq!(
        v["signatures"][0]["approval"]["request"],
        req4.as_str(),
        "{v}"
    );
    assert_eq!(
        v["signatures"][0]["approval"]["approved_by"], "approver1",
        "{v}"
    );
    let by_dir_again = dir.join("by-dir-again.docx");
    let o = through_dir(&by_dir_again);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("used already"), "{}", stderr(&o));
    assert!(!by_dir_again.exists());
    let log = ok(&center(&data, "admin", ADMIN_PW, &["audit", "--csv"]));
    assert!(
        log.lines()
            .any(|l| l.contains(",keeper1,approval-use,") && l.contains(&req4)),
        "the approval's use through --data-dir is not in the audit log:\n{log}"
    );

    // Every step is in the audit log.
    let log = ok(&center(&data, "admin", ADMIN_PW, &["audit", "--json"]));
    for action in [
        "seal-policy",
        "approval-request",
        "approval-approve",
        "approval-reject",
        "approval-use",
    ] {
        assert!(log.contains(action), "{action} missing from the audit log");
    }
    ok(&center(&data, "admin", ADMIN_PW, &["audit", "--verify"]));
}

/// An organisation's CA as most are: keyCertSign and cRLSign, nothing else (RFC 5280 §4.2.1.3).
/// Imported into a center, it signs seal certificates and CRLs; the seal data is signed by the
/// center's seal maker, whose certificate the CA issued at init. The seal verifies as issued and
/// valid, and LibreOffice calls the document intact.
#[test]
fn a_center_on_an_imported_ca_without_digital_signature_issues_seals_that_verify() {
    let dir = scratch("center-imported-ca");
    let (ca_key, ca_pem) = (dir.join("org-ca.key"), dir.join("org-ca.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .arg("-keyout")
        .arg(&ca_key)
        .arg("-out")
        .arg(&ca_pem)
        .args([
            "-days",
            "365",
            "-subj",
            "/CN=Example Group Root CA/O=Example Group",
        ])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let data = dir.join("center");
    let (key, cert, id) = center_with_file_seal(
        &dir,
        &data,
        &[
            "--ca-cert",
            ca_pem.to_str().unwrap(),
            "--ca-key",
            ca_key.to_str().unwrap(),
        ],
        "Example Group Contract Seal",
    );
    // The maker's certificate: issued by the organisation's CA, digitalSignature, and limited
    // to making seal data (so it cannot pass for a seal).
    let maker = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(data.join("maker.pem"))
        .output()
        .unwrap();
    let text = stdout(&maker);
    assert!(
        text.contains("Issuer: CN = Example Group Root CA"),
        "{text}"
    );
    assert!(text.contains("Digital Signature"), "{text}");
    assert!(
        text.contains("2.25.326378676742377309836617448503827976629"),
        "{text}"
    );
    let sealed = dir.join("sealed.docx");
    let mut c = Command::new(env!("CARGO_BIN_EXE_docseal"));
    c.arg("stamp")
        .arg(samples().join("contract.docx"))
        .arg("-o")
        .arg(&sealed);
    c.arg("--key").arg(&key).arg("--cert").arg(&cert);
    c.args(["--at-text", "Seller:", "--seal", &id, "--data-dir"])
        .arg(&data);
    let o = c.env("DOCSEAL_CENTER_PASSWORD", ADMIN_PW).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v = verdict(&sealed, &ca_pem);
    assert_eq!(v["verdict"], "valid", "{v}");
    assert_eq!(v["seals"][0]["issuance"], "issued", "{v}");
    assert!(
        v["seals"][0]["issued_by"]
            .as_str()
            .unwrap()
            .contains("Seal Maker"),
        "{v}"
    );
    // The maker's key itself cannot seal a document: its certificate is a service's.
    let by_maker = dir.join("by-maker.docx");
    let o = docseal(&[
        "sign",
        samples().join("contract.docx").to_str().unwrap(),
        "-o",
        by_maker.to_str().unwrap(),
        "--key",
        data.join("maker.key").to_str().unwrap(),
        "--cert",
        data.join("maker.pem").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = verdict(&by_maker, &ca_pem);
    assert_eq!(v["verdict"], "untrusted", "{v}");
    if !libreoffice_missing() {
        let lo = lo_verify(std::slice::from_ref(&sealed), &ca_pem);
        assert_eq!(
            lo[0]["signatures"][0]["signature_valid"], true,
            "{:?}",
            lo[0]
        );
        let state = lo[0]["document_signature_state"].as_str().unwrap_or("");
        assert!(state == "OK" || state == "PARTIAL_OK", "{:?}", lo[0]);
    }
}
