//! Helpers for the center's tests: scratch folders, and a real PostgreSQL server (Debian's) run
//! in a temporary directory on a loopback port for one test and stopped when it ends.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("center-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Where Debian installs the server's programs (the version in the path varies).
fn pg_bin(program: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    dirs.sort();
    dirs.into_iter()
        .rev()
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A PostgreSQL server of its own, with password (SCRAM) authentication, listening on
/// 127.0.0.1 only.
pub struct Postgres {
    dir: PathBuf,
    pub url: String,
    as_postgres: bool,
}

pub const PG_PASSWORD: &str = "test-only-pg-password";

impl Postgres {
    pub fn start(name: &str) -> Postgres {
        let initdb = pg_bin("initdb").expect(
            "PostgreSQL is not installed: apt-get install postgresql (scripts/test.sh does)",
        );
        let pg_ctl = pg_bin("pg_ctl").unwrap();
        let dir = scratch(&format!("pg-{name}"));
        let data = dir.join("data");
        let pw = dir.join("pw");
        std::fs::write(&pw, PG_PASSWORD).unwrap();
        // initdb refuses to run as root; the Debian package made the postgres user.
        let as_postgres = is_root();
        if as_postgres {
            assert!(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .unwrap()
                .success());
        }
        let run = |program: &Path, args: &[&str]| {
            let mut c = if as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(program);
                c
            } else {
                Command::new(program)
            };
            let o = c.args(args).output().unwrap();
            o.status.success().then_some(()).ok_or_else(|| {
                format!(
                    "{} {args:?}: {}{}",
                    program.display(),
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                )
            })
        };
        run(
            &initdb,
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "docseal",
                "--auth=scram-sha-256",
                "--pwfile",
                pw.to_str().unwrap(),
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // A port picked and let go may be taken again before the server binds it (another test
        // of this binary starts its own server): try a fresh one a few times.
        let mut attempts = Vec::new();
        let port = loop {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let opts = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off",
                dir.display()
            );
            let log = dir.join(format!("log-{port}"));
            match run(
                &pg_ctl,
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-o",
                    &opts,
                    "-l",
                    log.to_str().unwrap(),
                    "-w",
                    "start",
                ],
            ) {
                Ok(()) => break port,
                Err(e) if attempts.len() < 2 => attempts.push(e),
                Err(e) => {
                    let log = std::fs::read_to_string(&log).unwrap_or_default();
                    panic!("{}\n{e}\n{log}", attempts.join("\n"))
                }
            }
        };
        Postgres {
            url: format!("postgres://docseal:{PG_PASSWORD}@127.0.0.1:{port}/postgres"),
            dir,
            as_postgres,
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let Some(pg_ctl) = pg_bin("pg_ctl") else {
            return;
        };
        let data = self.dir.join("data");
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(pg_ctl);
            c
        } else {
            Command::new(pg_ctl)
        };
        let _ = c
            .args(["-D", data.to_str().unwrap_or(""), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running `docseal-center` on a port of its own choosing (it prints where it listens), and
/// an HTTPS client that trusts its TLS certificate.
pub struct CenterServer {
    child: std::process::Child,
    pub url: String,
    agent: ureq::Agent,
}

impl CenterServer {
    pub fn start(dir: &Path, args: &[&str]) -> CenterServer {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_docseal-center"))
            .arg("--data-dir")
            .arg(dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        // Read on a thread, so a center that neither listens nor ends fails after a minute.
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
        let url = match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(Some(url)) => url,
            Ok(None) => panic!("docseal-center ended before listening"),
            Err(_) => panic!("docseal-center neither listened nor ended within a minute"),
        };
        let pem = std::fs::read(dir.join("tls.pem")).unwrap();
        let cert = ureq::tls::Certificate::from_pem(&pem).unwrap().to_owned();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
                cert,
            ])))
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        CenterServer { child, url, agent }
    }

    /// Sends `method` to `path` with `headers` and a JSON body (for anything but GET); returns
    /// the status and the body as JSON (null when it is not JSON).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let url = format!("{}{path}", self.url);
        let result = if method.eq_ignore_ascii_case("get") {
            let mut r = self.agent.get(&url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        } else {
            let mut r = self.agent.post(&url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            let bytes = serde_json::to_vec(body.unwrap_or(&serde_json::json!({}))).unwrap();
            r.header("content-type", "application/json")
                .send(&bytes[..])
        };
        let mut resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// Logs in; returns the bearer token and the CSRF token.
    pub fn login(&self, name: &str, password: &str) -> (String, String) {
        let (status, v) = self.call(
            "post",
            "/api/login",
            &[],
            Some(&serde_json::json!({"name": name, "password": password})),
        );
        assert_eq!(status, 200, "login {name}: {v}");
        (
            v["token"].as_str().unwrap().to_string(),
            v["csrf"].as_str().unwrap().to_string(),
        )
    }
}

impl Drop for CenterServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
