//! Fuzzing the two servers' request bodies and queries over HTTPS, as a logged-in client would
//! send them: docseal-center's JSON API (and its RFC 3161 endpoint), and docseal-server's
//! uploads (documents to verify, stamp and slot, with mutated queries). Seeds are valid
//! requests and the attacks of the services issue (look-alike names, formula cells, terminal
//! escapes, rolled-back heads, huge and deeply nested values). A finding is an answer of 500 or
//! more, a server that dies, one that grows past 512 MiB, or an audit log that no longer
//! verifies; the request is saved under `target/fuzz-findings/`.
//!
//! Each server gets DOCSEAL_FUZZ_SECONDS (default 12) from a seed of its own unless
//! DOCSEAL_FUZZ_SEED is given (printed, to replay a finding).

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN_PW: &str = "fuzz-admin-password";
const KEEPER_PW: &str = "fuzz-keeper-password";

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

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn seconds() -> u64 {
    std::env::var("DOCSEAL_FUZZ_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

fn rng_seed() -> u64 {
    match std::env::var("DOCSEAL_FUZZ_SEED") {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("DOCSEAL_FUZZ_SEED={v:?} is not a number")),
        Err(_) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1);
            (nanos ^ u64::from(std::process::id()) << 32) | 1
        }
    }
}

/// Strings that have broken servers like these: escapes for a terminal, formulas for a
/// spreadsheet, look-alike and invisible characters, path and URL tricks, numbers at the edges.
const NASTY: &[&str] = &[
    "",
    " ",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "\t=1+1",
    "\r@SUM(A1)",
    "line\nforged 2026-01-01 admin seal-revoke",
    "\u{1b}[2J\u{7}",
    "keeper1\u{200b}",
    "ｋｅｅｐｅｒ1",
    "k\u{0435}eper1",
    "\u{202e}1repeek",
    "../../../../etc/passwd",
    "file:///dev/zero",
    "http://127.0.0.1:1/x",
    "%00%ff%2e%2e",
    "\u{0}",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "1e309",
    "NaN",
    "null",
    "[]",
    "{}",
    "上海示例贸易有限公司合同专用章",
    "😀",
];

/// A mutated JSON value: a field dropped, a value replaced by a nasty one, a wrong type, a huge
/// string, a deep nesting.
fn mutate_json(rng: &mut Rng, v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    for _ in 0..1 + rng.below(3) {
        let Some(obj) = v.as_object_mut() else { break };
        let keys: Vec<String> = obj.keys().cloned().collect();
        if keys.is_empty() {
            break;
        }
        let k = keys[rng.below(keys.len())].clone();
        match rng.below(8) {
            0 => {
                obj.remove(&k);
            }
            1 => {
                obj.insert(k, NASTY[rng.below(NASTY.len())].into());
            }
            2 => {
                obj.insert(k, serde_json::json!(rng.next() as i64));
            }
            3 => {
                obj.insert(k, serde_json::Value::Null);
            }
            4 => {
                obj.insert(k, "A".repeat(1 + rng.below(200_000)).into());
            }
            5 => {
                let mut deep = serde_json::json!(1);
                for _ in 0..rng.below(300) {
                    deep = serde_json::json!([deep]);
                }
                obj.insert(k, deep);
            }
            6 => {
                obj.insert(
                    format!("{k}{}", rng.below(10)),
                    NASTY[rng.below(NASTY.len())].into(),
                );
            }
            _ => {
                let s = obj
                    .get(&k)
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .to_string();
                let m = format!("{s}{}", NASTY[rng.below(NASTY.len())]);
                obj.insert(k, m.into());
            }
        }
    }
    v
}

/// Byte-level damage to a body: flips, cuts, inserted runs.
fn mutate_bytes(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        if b.is_empty() {
            b.push(rng.next() as u8);
            continue;
        }
        let at = rng.below(b.len());
        match rng.below(4) {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b.truncate(at),
            2 => {
                let run: Vec<u8> = (0..1 + rng.below(32)).map(|_| rng.next() as u8).collect();
                b.splice(at..at, run);
            }
            _ => {
                let n = rng.below(64).min(b.len() - at);
                b.drain(at..at + n);
            }
        }
    }
    b
}

fn query_value(rng: &mut Rng) -> String {
    let s = NASTY[rng.below(NASTY.len())];
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A PNG that claims to be `w` × `h` RGBA pixels and holds almost nothing: decoded blindly it
/// would fill the memory.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        c.extend_from_slice(&crc.finalize().to_be_bytes());
        c
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    fn alive(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }

    /// Resident memory, KiB (Linux /proc).
    fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.0.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.split_whitespace().next()?.parse().ok())
            })
            .unwrap_or(0)
    }
}

fn agent(ca: &Path) -> ureq::Agent {
    let pem = std::fs::read(ca).unwrap();
    let cert = ureq::tls::Certificate::from_pem(&pem).unwrap().to_owned();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
            cert,
        ])))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// One request: method, path and query, headers, body. Returns the status (0: no answer).
fn send(agent: &ureq::Agent, base: &str, req: &Request) -> u16 {
    let url = format!("{base}{}", req.path);
    let result = if req.method == "GET" {
        let mut r = agent.get(&url);
        for (k, v) in &req.headers {
            r = r.header(k, v);
        }
        r.call()
    } else {
        let mut r = agent.post(&url);
        for (k, v) in &req.headers {
            r = r.header(k, v);
        }
        r.send(&req.body[..])
    };
    match result {
        Ok(mut resp) => {
            let _ = resp.body_mut().with_config().limit(64 << 20).read_to_vec();
            resp.status().as_u16()
        }
        Err(_) => 0,
    }
}

#[derive(Clone)]
struct Request {
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn save(name: &str, seed: u64, req: &Request, status: u16) -> PathBuf {
    let dir = repo().join("target/fuzz-findings");
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join(format!("{name}-{seed}-{status}.json"));
    let v = serde_json::json!({
        "method": req.method, "path": req.path, "status": status,
        "body": String::from_utf8_lossy(&req.body),
    });
    std::fs::write(&f, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    f
}

/// Sends mutated requests for the time budget; any 5xx, a dead or bloated server fails.
fn campaign(
    name: &str,
    server: &mut Running,
    agent: &ureq::Agent,
    base: &str,
    make: &dyn Fn(&mut Rng) -> Request,
) {
    let seed = rng_seed();
    let mut rng = Rng(seed);
    let start = Instant::now();
    let mut sent = 0;
    let mut statuses = std::collections::BTreeMap::new();
    while start.elapsed() < Duration::from_secs(seconds()) {
        let req = make(&mut rng);
        let status = send(agent, base, &req);
        *statuses.entry(status).or_insert(0) += 1;
        sent += 1;
        if status >= 500 || status == 0 || !server.alive() {
            let f = save(name, seed, &req, status);
            panic!(
                "{name}: {} {} answered {status} (server alive: {}); saved {} (DOCSEAL_FUZZ_SEED={seed})",
                req.method,
                req.path.chars().take(200).collect::<String>(),
                server.alive(),
                f.display()
            );
        }
        let rss = server.rss_kib();
        assert!(
            rss < 512 << 10,
            "{name}: the server holds {rss} KiB (DOCSEAL_FUZZ_SEED={seed})"
        );
    }
    println!(
        "{name}: {sent} requests in {:?}, statuses {statuses:?} (DOCSEAL_FUZZ_SEED={seed})",
        start.elapsed()
    );
    assert!(sent > 0);
}

fn docseal_center(data: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_docseal"))
        .arg("center")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("DOCSEAL_ADMIN_PASSWORD", ADMIN_PW)
        .env("DOCSEAL_PASSWORD", ADMIN_PW)
        .env("DOCSEAL_NEW_PASSWORD", KEEPER_PW)
        .output()
        .unwrap();
    assert!(o.status.success(), "center {args:?}: {}", stderr(&o));
    stdout(&o)
}

fn start_center(data: &Path) -> (Running, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_docseal")).with_file_name("docseal-center");
    let mut child = Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--client-login-failures",
            "100000",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = out.lines().map_while(Result::ok);
        let url = lines.find_map(|l| {
            l.split("listening on ")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .map(str::to_string)
        });
        let _ = tx.send(url);
        for _ in lines {}
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .ok()
        .flatten()
        .expect("docseal-center did not start");
    (Running(child), url)
}

#[test]
fn the_centers_json_api_answers_every_mutation_without_failing() {
    let dir = scratch("fuzz-center");
    let data = dir.join("center");
    docseal_center(&data, &["init"]);
    docseal_center(&data, &["keeper", "add", "keeper1"]);
    let key = dir.join("seal.key");
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
    let public = dir.join("seal.pub");
    assert!(Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public)
        .status()
        .unwrap()
        .success());
    let cert = dir.join("seal.pem");
    let seal = docseal_center(
        &data,
        &[
            "seal",
            "issue",
            "--public-key",
            public.to_str().unwrap(),
            "--holder",
            "keeper1",
            "--name",
            "Fuzz Seal",
            "-o",
            cert.to_str().unwrap(),
        ],
    )
    .lines()
    .last()
    .unwrap()
    .trim()
    .to_string();
    let (mut server, base) = start_center(&data);
    let agent = agent(&data.join("tls.pem"));
    let login = |name: &str, pw: &str| -> (String, String) {
        let mut resp = agent
            .post(&format!("{base}/api/login"))
            .header("content-type", "application/json")
            .send(
                serde_json::json!({"name": name, "password": pw})
                    .to_string()
                    .as_bytes(),
            )
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&resp.body_mut().read_to_vec().unwrap()).unwrap();
        (
            v["token"].as_str().unwrap().into(),
            v["csrf"].as_str().unwrap().into(),
        )
    };
    let sessions = [login("admin", ADMIN_PW), login("keeper1", KEEPER_PW)];
    let cert_pem = std::fs::read_to_string(&cert).unwrap();
    let tsq = dir.join("q.tsq");
    assert!(Command::new("openssl")
        .args(["ts", "-query", "-digest"])
        .arg("a".repeat(64))
        .args(["-sha256", "-cert", "-out"])
        .arg(&tsq)
        .status()
        .unwrap()
        .success());
    let tsq = std::fs::read(&tsq).unwrap();
    let sha = "ab".repeat(32);
    let json_seeds: Vec<(&str, String, serde_json::Value)> = vec![
        (
            "POST",
            "/api/login".into(),
            serde_json::json!({"name": "keeper1", "password": "wrong-password"}),
        ),
        (
            "POST",
            "/api/users".into(),
            serde_json::json!({"name": "keeper2", "role": "keeper", "password": "password-123"}),
        ),
        (
            "POST",
            "/api/seals".into(),
            serde_json::json!({"cert_pem": cert_pem, "holder": "keeper1", "name": "Again", "kind": "official"}),
        ),
        (
            "POST",
            "/api/seals".into(),
            serde_json::json!({"cert_pem": cert_pem, "holder": "keeper1", "name": "Bomb", "picture_b64": b64(&png_claiming(60_000, 60_000))}),
        ),
        (
            "POST",
            format!("/api/seals/{seal}/suspend"),
            serde_json::json!({"reason": "lost"}),
        ),
        (
            "POST",
            format!("/api/seals/{seal}/reinstate"),
            serde_json::json!({}),
        ),
        (
            "POST",
            format!("/api/seals/{seal}/policy"),
            serde_json::json!({"approval": "none"}),
        ),
        (
            "POST",
            "/api/approvals".into(),
            serde_json::json!({"seal_id": seal, "document": "contract.docx", "document_sha256": sha, "reason": "Q4"}),
        ),
        (
            "POST",
            "/api/approvals/apr-000000000000/approve".into(),
            serde_json::json!({"reason": "ok"}),
        ),
        (
            "POST",
            "/api/approvals/apr-000000000000/consume".into(),
            serde_json::json!({"seal_id": seal, "document_sha256": sha}),
        ),
        (
            "POST",
            "/api/reports".into(),
            serde_json::json!({"event_id": "ev-1", "action": "stamp", "outcome": "ok", "actor": "", "seal_id": seal, "document": "=cmd|' /C calc'!A0", "detail": "\u{1b}[31mred", "seen_head": {"seq": 1, "hash": "00", "at": 0, "signature": "AA=="}}),
        ),
        (
            "POST",
            "/api/seals/enroll".into(),
            serde_json::json!({"token": "pkcs11:token=Nothing", "pin": "1234", "holder": "keeper1", "name": "Enrolled"}),
        ),
    ];
    let get_paths: Vec<String> = vec![
        "/api/audit?seal=".into(),
        "/api/audit?since=".into(),
        "/api/audit/verify?seq=".into(),
        format!("/api/status/{}", "AB".repeat(32)),
        "/api/seals/".into(),
        "/api/approvals?status=".into(),
        "/crl/".into(),
        "/admin/".into(),
    ];
    let make = |rng: &mut Rng| -> Request {
        let (token, csrf) = &sessions[rng.below(sessions.len())];
        let mut headers = vec![
            ("authorization".to_string(), format!("Bearer {token}")),
            ("x-csrf-token".to_string(), csrf.clone()),
        ];
        match rng.below(10) {
            0..=5 => {
                let (method, path, seed) = &json_seeds[rng.below(json_seeds.len())];
                let body = if rng.below(4) == 0 {
                    mutate_bytes(rng, seed.to_string().as_bytes())
                } else {
                    mutate_json(rng, seed).to_string().into_bytes()
                };
                headers.push(("content-type".into(), "application/json".into()));
                Request {
                    method,
                    path: path.clone(),
                    headers,
                    body,
                }
            }
            6..=7 => {
                let p = &get_paths[rng.below(get_paths.len())];
                let path = if p.ends_with('=') || p.ends_with('/') {
                    format!("{p}{}", query_value(rng))
                } else {
                    p.clone()
                };
                Request {
                    method: "GET",
                    path,
                    headers,
                    body: vec![],
                }
            }
            _ => {
                headers.push(("content-type".into(), "application/timestamp-query".into()));
                Request {
                    method: "POST",
                    path: "/tsa".into(),
                    headers,
                    body: mutate_bytes(rng, &tsq),
                }
            }
        }
    };
    campaign("center", &mut server, &agent, &base, &make);
    drop(server);
    // Whatever was accepted, the log still holds.
    docseal_center(&data, &["audit", "--verify"]);
}

#[test]
fn the_pane_servers_uploads_and_queries_answer_every_mutation_without_failing() {
    let dir = scratch("fuzz-pane");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bin = Path::new(env!("CARGO_BIN_EXE_docseal")).with_file_name("docseal-server");
    let mut server = Running(
        Command::new(bin)
            .args([
                "--port",
                &port.to_string(),
                "--no-open",
                "--demo",
                "--offline",
                "--data-dir",
            ])
            .arg(dir.join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("https://127.0.0.1:{port}");
    let ca = dir.join("data/tls/local-ca.pem");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ca.exists() || std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "docseal-server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let agent = agent(&ca);
    let mut page = agent
        .get(&format!("{base}/taskpane/taskpane.html"))
        .call()
        .unwrap();
    let html = String::from_utf8(page.body_mut().read_to_vec().unwrap()).unwrap();
    let csrf = html
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let docs: Vec<Vec<u8>> = ["contract.docx", "ledger.xlsx"]
        .iter()
        .map(|f| std::fs::read(samples().join(f)).unwrap())
        .chain(std::iter::once(
            std::fs::read(repo().join("samples/stamped/contract.sealed.docx")).unwrap(),
        ))
        .collect();
    let make = |rng: &mut Rng| -> Request {
        let doc = &docs[rng.below(docs.len())];
        let body = match rng.below(3) {
            0 => doc.clone(),
            _ => mutate_bytes(rng, doc),
        };
        let path = match rng.below(4) {
            0 => format!("/api/verify?name={}", query_value(rng)),
            1 => format!(
                "/api/stamp?name={}&seal={}&place={}&value={}&occurrence={}",
                query_value(rng),
                if rng.below(2) == 0 {
                    "demo".to_string()
                } else {
                    query_value(rng)
                },
                ["text", "cell", "end", "slot", "x"][rng.below(5)],
                query_value(rng),
                ["first", "last", "2", "0", "-1"][rng.below(5)]
            ),
            2 => format!(
                "/api/slot?label={}&place={}&value={}",
                query_value(rng),
                ["text", "cell", "end"][rng.below(3)],
                query_value(rng)
            ),
            _ => format!("/api/verify?name={}.docx", query_value(rng)),
        };
        Request {
            method: "POST",
            path,
            headers: vec![
                ("origin".into(), format!("https://127.0.0.1:{port}")),
                ("x-csrf-token".into(), csrf.clone()),
                (
                    "x-docseal-pin".into(),
                    NASTY[rng.below(NASTY.len())]
                        .chars()
                        .filter(|c| c.is_ascii_graphic())
                        .collect(),
                ),
            ],
            body,
        }
    };
    campaign("pane", &mut server, &agent, &base, &make);
    assert!(server.alive());
}
