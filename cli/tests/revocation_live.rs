//! Revocation seen by a verifier that keeps running: docseal-server connected to a seal center
//! shows a seal suspended there on its next verification (within 5 s); one that knows the seal
//! only from its CRL distribution point shows it within the freshness bound (`--crl-max-age`);
//! a CRL past its next update is "revocation not checked", never "good".

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN_PW: &str = "center-admin-pw";
const KEEPER_PW: &str = "keeper-one-pw";

fn sibling(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_BIN_EXE_docseal")).with_file_name(name);
    assert!(
        p.is_file(),
        "{} is not built: run cargo test --workspace",
        p.display()
    );
    p
}

fn free_ports<const N: usize>() -> [u16; N] {
    let held: [TcpListener; N] = std::array::from_fn(|_| TcpListener::bind("127.0.0.1:0").unwrap());
    held.map(|l| l.local_addr().unwrap().port())
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn center(data: &Path, user: &str, pw: &str, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_docseal"))
        .arg("center")
        .arg("--data-dir")
        .arg(data)
        .args(["--user", user])
        .args(args)
        .env("DOCSEAL_ADMIN_PASSWORD", ADMIN_PW)
        .env("DOCSEAL_PASSWORD", pw)
        .env("DOCSEAL_NEW_PASSWORD", KEEPER_PW)
        .output()
        .unwrap();
    assert!(o.status.success(), "center {args:?}: {}", stderr(&o));
    stdout(&o)
}

/// docseal-center on `port`, its CRL over plain HTTP on `crl_port`; ready when it says so.
fn start_center(data: &Path, port: u16, crl_port: u16) -> Running {
    let mut child = Command::new(sibling("docseal-center"))
        .arg("--data-dir")
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--crl-listen", &format!("127.0.0.1:{crl_port}")])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = out.lines().map_while(Result::ok);
        let _ = tx.send(lines.any(|l| l.contains("listening on https://")));
        for _ in lines {}
    });
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(60)),
        Ok(true),
        "docseal-center did not start"
    );
    Running(child)
}

/// A docseal-server and how to ask it to verify a document, as its own page does.
struct Pane {
    _child: Running,
    port: u16,
    ca: PathBuf,
}

impl Pane {
    fn start(dir: &Path, port: u16, args: &[&str], env: &[(&str, &str)]) -> Pane {
        let mut c = Command::new(sibling("docseal-server"));
        c.args(["--port", &port.to_string(), "--no-open", "--data-dir"])
            .arg(dir)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        let pane = Pane {
            _child: Running(c.spawn().unwrap()),
            port,
            ca: dir.join("tls/local-ca.pem"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while pane.curl(&[&pane.url("/taskpane/taskpane.html")]).0 != 200 {
            assert!(Instant::now() < deadline, "docseal-server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        pane
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    fn curl(&self, args: &[&str]) -> (u16, String) {
        let o = Command::new("curl")
            .args([
                "-s",
                "--cacert",
                self.ca.to_str().unwrap(),
                "-w",
                "\n%{http_code}",
            ])
            .args(args)
            .output()
            .unwrap();
        let text = stdout(&o);
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (code.trim().parse().unwrap_or(0), body.to_string())
    }

    fn verify(&self, doc: &Path) -> serde_json::Value {
        let (_, page) = self.curl(&[&self.url("/taskpane/taskpane.html")]);
        let token = page
            .split("name=\"csrf-token\" content=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_string();
        let (status, body) = self.curl(&[
            "-X",
            "POST",
            "-H",
            &format!("Origin: https://127.0.0.1:{}", self.port),
            "-H",
            &format!("X-CSRF-Token: {token}"),
            "--data-binary",
            &format!("@{}", doc.display()),
            &self.url("/api/verify?name=sealed.docx"),
        ]);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }
}

fn revocation(r: &serde_json::Value) -> (String, String, String) {
    let s = &r["signatures"][0];
    (
        r["verdict"].as_str().unwrap_or("").to_string(),
        s["revocation"]["status"].as_str().unwrap_or("").to_string(),
        s["revocation"]["source"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn a_running_server_sees_a_suspension_at_the_center_at_once_and_from_the_crl_within_its_bound() {
    let dir = scratch("revocation-live");
    let data = dir.join("center");
    let [port, crl_port, pane_a, pane_b] = free_ports();
    let crl_url = format!("http://127.0.0.1:{crl_port}/crl/center.crl");
    center(&data, "admin", ADMIN_PW, &["init", "--crl-url", &crl_url]);
    center(&data, "admin", ADMIN_PW, &["keeper", "add", "keeper1"]);
    let key = dir.join("seal.key");
    let public = dir.join("seal.pub");
    let o = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public)
        .output()
        .unwrap();
    assert!(o.status.success());
    let cert = dir.join("seal.pem");
    let id = center(
        &data,
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
            "Live Seal",
            "-o",
            cert.to_str().unwrap(),
        ],
    )
    .lines()
    .last()
    .unwrap()
    .trim()
    .to_string();
    let doc = dir.join("sealed.docx");
    let o = Command::new(env!("CARGO_BIN_EXE_docseal"))
        .arg("stamp")
        .arg(samples().join("contract.docx"))
        .arg("-o")
        .arg(&doc)
        .arg("--key")
        .arg(&key)
        .arg("--cert")
        .arg(&cert)
        .args(["--at-text", "Seller:", "--seal", &id, "--data-dir"])
        .arg(&data)
        .env("DOCSEAL_CENTER_PASSWORD", ADMIN_PW)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));

    let _center = start_center(&data, port, crl_port);
    let tls = data.join("tls.pem");
    // A: connected to the center. B: the center's CA trusted, revocation from the CRL
    // distribution point only, used at most 3 s.
    let a = Pane::start(
        &dir.join("pane-a"),
        pane_a,
        &[
            "--center",
            &format!("https://127.0.0.1:{port}"),
            "--center-ca",
            tls.to_str().unwrap(),
            "--center-user",
            "keeper1",
        ],
        &[("DOCSEAL_CENTER_PASSWORD", KEEPER_PW)],
    );
    let ca = data.join("ca.pem");
    let b = Pane::start(
        &dir.join("pane-b"),
        pane_b,
        &[
            "--trust",
            ca.to_str().unwrap(),
            "--crl-allow",
            &format!("127.0.0.1:{crl_port}"),
            "--crl-max-age",
            "3",
        ],
        &[],
    );
    assert_eq!(
        revocation(&a.verify(&doc)),
        ("valid".into(), "good".into(), "center".into())
    );
    assert_eq!(
        revocation(&b.verify(&doc)),
        ("valid".into(), "good".into(), "crl".into())
    );

    center(
        &data,
        "admin",
        ADMIN_PW,
        &["seal", "suspend", &id, "--reason", "stolen"],
    );
    let suspended = Instant::now();
    let seen = revocation(&a.verify(&doc));
    assert_eq!(seen, ("revoked".into(), "revoked".into(), "center".into()));
    assert!(
        suspended.elapsed() < Duration::from_secs(5),
        "{:?}",
        suspended.elapsed()
    );

    // B learns it when its copy of the CRL is 3 s old, and not much later.
    let bound = Duration::from_secs(3 + 5 + 2);
    loop {
        let seen = revocation(&b.verify(&doc));
        if seen.0 == "revoked" {
            assert_eq!(seen, ("revoked".into(), "revoked".into(), "crl".into()));
            break;
        }
        assert_eq!(seen.1, "good", "{seen:?}");
        assert!(
            suspended.elapsed() < bound,
            "still good after {:?}",
            suspended.elapsed()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(suspended.elapsed() >= Duration::from_millis(0));
}

/// A CRL past its nextUpdate, given to a long-running server: the seal is intact and trusted,
/// its revocation unknown — and the report says so, so the pane's banner is amber, not green.
#[test]
fn a_stale_crl_leaves_revocation_unchecked() {
    let dir = scratch("revocation-stale");
    let pki = pki();
    let doc = dir.join("sealed.docx");
    sign_ec(&samples().join("contract.docx"), &doc);
    // A CRL of the test CA that listed nothing and expired yesterday.
    let cnf = dir.join("ca.cnf");
    std::fs::write(
        &cnf,
        format!(
            "[ca]\ndefault_ca=tca\n[tca]\ndatabase={}\ncrlnumber={}\ndefault_md=sha256\n",
            dir.join("index.txt").display(),
            dir.join("crlnumber").display()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
    let stale = dir.join("stale.crl");
    let yesterday = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    let day_before = yesterday - time::Duration::days(1);
    let stamp = |t: time::OffsetDateTime| {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    let o = Command::new("openssl")
        .args(["ca", "-config"])
        .arg(&cnf)
        .arg("-keyfile")
        .arg(pki.join("ca.key"))
        .arg("-cert")
        .arg(pki.join("ca.pem"))
        .args([
            "-gencrl",
            "-crl_lastupdate",
            &stamp(day_before),
            "-crl_nextupdate",
            &stamp(yesterday),
        ])
        .arg("-out")
        .arg(&stale)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let [port] = free_ports();
    let pane = Pane::start(
        &dir.join("pane"),
        port,
        &[
            "--trust",
            pki.join("ca.pem").to_str().unwrap(),
            "--crl",
            stale.to_str().unwrap(),
            "--offline",
        ],
        &[],
    );
    let r = pane.verify(&doc);
    assert_eq!(
        revocation(&r),
        ("valid".into(), "unknown".into(), "".into()),
        "{r}"
    );
    let codes: Vec<&str> = r["signatures"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"crl-stale"), "{codes:?}");
}
