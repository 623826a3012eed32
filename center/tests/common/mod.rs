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
