//! A running `docseal-center` for a test, and an HTTPS client of it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

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
