//! docseal-server's rules, checked against the running binary over HTTPS (curl with the server's
//! own local CA): loopback only, same-origin + CSRF for state changes, a body cap, PIN back-off,
//! and every path of the OpenAPI document served.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18555)
}

/// Starts docseal-server on a free port and waits until it answers HTTPS with its own CA. A port
/// picked free can be taken by a parallel test's server before ours binds it; then ours exits and
/// we start again on another port rather than talk to the wrong server.
fn start(name: &str, extra: &[&str], env: &[(&str, String)]) -> Server {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("server-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for _attempt in 0..5 {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_docseal-server"));
        cmd.args([
            "--port",
            &port.to_string(),
            "--data-dir",
            dir.to_str().unwrap_or("."),
            "--no-open",
        ])
        .args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("docseal-server");
        let mut s = Server {
            child,
            port,
            dir: dir.clone(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if matches!(s.child.try_wait(), Ok(Some(_))) {
                break; // could not bind: try another port
            }
            if s.request(&[&s.url("/taskpane/taskpane.html")]).0 != 0 {
                return s;
            }
            assert!(Instant::now() < deadline, "docseal-server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("docseal-server did not start on any of five free ports");
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }
    fn curl(&self, args: &[&str]) -> Output {
        Command::new("curl")
            .args([
                "-s",
                "--cacert",
                self.dir.join("tls/local-ca.pem").to_str().unwrap_or(""),
                "-w",
                "\n%{http_code}",
            ])
            .args(args)
            .output()
            .expect("curl")
    }
    /// (status, body)
    fn request(&self, args: &[&str]) -> (u16, String) {
        let o = self.curl(args);
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (code.trim().parse().unwrap_or(0), body.to_string())
    }
    fn csrf(&self) -> String {
        let (_, page) = self.request(&[&self.url("/taskpane/taskpane.html")]);
        page.split("name=\"csrf-token\" content=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("")
            .to_string()
    }
    fn origin(&self) -> String {
        format!("Origin: https://127.0.0.1:{}", self.port)
    }
    /// POSTs `file` to `path` with these extra headers ("Name: value").
    fn post(&self, headers: &[String], file: &Path, path: &str) -> (u16, String) {
        let data = format!("@{}", file.display());
        let url = self.url(path);
        let mut args = vec!["-X", "POST"];
        for h in headers {
            args.extend(["-H", h.as_str()]);
        }
        args.extend(["--data-binary", &data, &url]);
        self.request(&args)
    }
    /// The headers of a request from our own page: its origin and a CSRF token.
    fn own_page(&self, token: &str) -> Vec<String> {
        vec![self.origin(), format!("X-CSRF-Token: {token}")]
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn state_changes_need_our_origin_and_a_csrf_token() {
    let s = start("csrf", &["--demo"], &[]);
    let doc = repo().join("samples/stamped/contract.sealed.docx");
    let token = s.csrf();
    assert_eq!(token.len(), 48, "no CSRF token in the page");
    let verify = "/api/verify?name=contract.docx";
    let foreign = vec![
        "Origin: https://evil.example".to_string(),
        format!("X-CSRF-Token: {token}"),
    ];
    assert_eq!(s.post(&foreign, &doc, verify).0, 403, "foreign origin");
    assert_eq!(s.post(&[s.origin()], &doc, verify).0, 403, "no token");
    assert_eq!(
        s.post(&s.own_page("0123"), &doc, verify).0,
        403,
        "unknown token"
    );
    let (code, body) = s.post(&s.own_page(&token), &doc, verify);
    assert_eq!(code, 200, "{body}");
    let r: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(r["seals"][0]["status"], "bound", "{body}");
    // Sealing with the demo seal writes a sealed copy in the output folder.
    let (code, body) = s.post(
        &s.own_page(&token),
        &repo().join("samples/documents/contract.docx"),
        "/api/stamp?name=contract.docx&seal=demo&place=text&value=Example%20Trading%20Co.%20Ltd.",
    );
    assert_eq!(code, 200, "{body}");
    let r: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(r["report"]["verdict"], "valid", "{body}");
    assert!(s.dir.join("sealed/contract.sealed.docx").exists());
}

/// A foreign origin is refused before the request's query or body is parsed: every
/// state-changing route answers 403, however malformed the rest.
#[test]
fn foreign_origins_are_refused_before_the_request_is_read() {
    let s = start("origin-first", &["--demo"], &[]);
    let token = s.csrf();
    let junk = s.dir.join("junk.bin");
    std::fs::write(&junk, b"not a document").unwrap_or(());
    let foreign = vec![
        "Origin: https://evil.example".to_string(),
        format!("X-CSRF-Token: {token}"),
    ];
    for path in [
        "/api/stamp?place=%ZZ&seal",
        "/api/stamp?name=x.docx&seal=demo&place=nowhere",
        "/api/stamp",
        "/api/verify?name=%",
        "/api/verify",
    ] {
        let (code, body) = s.post(&foreign, &junk, path);
        assert_eq!(code, 403, "{path}: {body}");
        assert!(body.contains("forbidden-origin"), "{path}: {body}");
        let (code, _) = s.post(&[], &junk, path);
        assert_eq!(code, 403, "{path} without any origin");
    }
}

#[test]
fn a_body_over_the_cap_gets_413() {
    let s = start("cap", &["--body-limit-mib", "1"], &[]);
    let big = s.dir.join("big.bin");
    std::fs::write(&big, vec![0u8; 2 << 20]).unwrap_or(());
    let token = s.csrf();
    let (code, _) = s.post(&s.own_page(&token), &big, "/api/verify");
    assert_eq!(code, 413);
}

#[test]
fn it_listens_on_loopback_only() {
    let s = start("loopback", &[], &[]);
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default()
        + &std::fs::read_to_string("/proc/net/tcp6").unwrap_or_default();
    let port = format!(":{:04X}", s.port);
    let listening: Vec<&str> = tcp
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|a| a.ends_with(&port))
                && l.split_whitespace().nth(3) == Some("0A")
        })
        .collect();
    assert!(!listening.is_empty(), "not listening at all");
    for l in listening {
        let local = l.split_whitespace().nth(1).unwrap_or("");
        assert!(
            local.starts_with("0100007F:"),
            "listening on {local}, not 127.0.0.1"
        );
    }
}

#[test]
fn every_openapi_path_is_served() {
    let s = start("openapi", &[], &[]);
    let (code, body) = s.request(&[&s.url("/api/openapi.json")]);
    assert_eq!(code, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.len() >= 5);
    for (path, ops) in paths {
        let url = s.url(
            &path
                .replace("{name}", "nothing.docx")
                .replace("{id}", "no-such-seal"),
        );
        for method in ops
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let (code, _) = s.request(&["-X", &method.to_uppercase(), &url]);
            // Routed: anything but "no such route" (POSTs without a token get 403; a missing file 404 JSON).
            assert!(code != 0 && code != 405, "{method} {path}: {code}");
            if !path.contains('{') {
                assert_ne!(code, 404, "{method} {path} is not served");
            }
        }
    }
}

#[test]
fn no_pin_is_refused_and_the_fourth_wrong_pin_in_a_row_waits_without_reaching_the_token() {
    let pki =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("server-pki-{}", std::process::id()));
    let tok =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("server-token-{}", std::process::id()));
    assert!(Command::new("bash")
        .arg(repo().join("tests/make-test-pki.sh"))
        .arg(&pki)
        .status()
        .map(|s| s.success())
        .unwrap_or(false));
    assert!(Command::new("bash")
        .arg(repo().join("tests/make-test-token.sh"))
        .arg(&tok)
        .arg(&pki)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false));
    let env = [
        (
            "SOFTHSM2_CONF",
            tok.join("softhsm2.conf").display().to_string(),
        ),
        (
            "DOCSEAL_PKCS11_MODULE",
            "/usr/lib/softhsm/libsofthsm2.so".to_string(),
        ),
        // The right PIN in the server's environment must not stand in for the keeper's.
        ("DOCSEAL_PIN", "123456".to_string()),
    ];
    let s = start(
        "pin",
        &["--seal", "pkcs11:token=SealKey;object=Official%20Seal"],
        &env,
    );
    let token = s.csrf();
    let doc = repo().join("samples/documents/contract.docx");
    let try_pin = |pin: &str| {
        let mut headers = s.own_page(&token);
        headers.push(format!("X-Docseal-PIN: {pin}"));
        s.post(
            &headers,
            &doc,
            "/api/stamp?name=contract.docx&seal=seal1&place=end",
        )
    };
    let (code, body) = s.post(
        &s.own_page(&token),
        &doc,
        "/api/stamp?name=contract.docx&seal=seal1&place=end",
    );
    assert_eq!(code, 401, "a stamp without a PIN: {body}");
    assert!(body.contains("pin-needed"), "{body}");
    for _ in 0..3 {
        let (code, body) = try_pin("000000");
        assert_eq!(code, 401, "{body}");
        let r: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(r["error"], "wrong-pin", "{body}");
        assert!(body.contains("wrong PIN"), "{body}");
    }
    let (code, body) = try_pin("123456");
    assert_eq!(code, 429, "{body}");
    assert!(body.contains("wait"), "{body}");
}

#[test]
fn every_url_of_the_manifest_is_served() {
    let s = start("manifest-urls", &[], &[]);
    let out = Command::new(env!("CARGO_BIN_EXE_docseal-server"))
        .args(["--manifest", "--port", &s.port.to_string()])
        .output()
        .expect("--manifest");
    let xml = String::from_utf8_lossy(&out.stdout).into_owned();
    let urls: Vec<String> = xml
        .split("DefaultValue=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .filter(|u| u.starts_with("https://"))
        .map(|u| u.replace("&amp;", "&"))
        .collect();
    assert!(urls.len() >= 8, "{urls:?}");
    for u in urls {
        assert!(
            u.starts_with(&format!("https://localhost:{}/", s.port)),
            "{u} is not on this server"
        );
        let path = u
            .trim_start_matches(&format!("https://localhost:{}", s.port))
            .to_string();
        let (code, _) = s.request(&["-L", &s.url(&path)]);
        assert_eq!(code, 200, "{u}");
    }
}

/// Each engine error reaches the task pane with its own HTTP status and stable `code`, chosen by
/// the error's variant: a missing keyword, a corrupt upload, a password-protected file, a
/// document that is already sealed.
#[test]
fn engine_errors_have_their_own_status_and_code() {
    let s = start("errors", &["--demo"], &[]);
    let token = s.csrf();
    let corrupt = s.dir.join("corrupt.docx");
    let mut bytes =
        std::fs::read(repo().join("samples/documents/contract.docx")).unwrap_or_default();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&corrupt, &bytes).unwrap_or(());
    let cases = [
        (
            repo().join("samples/documents/contract.docx"),
            "place=text&value=No%20such%20words%20here",
            422,
            "keyword-not-found",
        ),
        (corrupt, "place=end", 400, "not-a-zip"),
        (
            repo().join("tests/corpus/refused/encrypted__oletools__encrypted.docx"),
            "place=end",
            415,
            "encrypted",
        ),
        (
            repo().join("samples/stamped/contract.sealed.docx"),
            "place=end",
            409,
            "already-signed",
        ),
    ];
    for (doc, query, status, code) in cases {
        let (got, body) = s.post(
            &s.own_page(&token),
            &doc,
            &format!("/api/stamp?name=doc.docx&seal=demo&{query}"),
        );
        let r: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(
            (got, r["error"].as_str()),
            (status, Some(code)),
            "{doc:?}: {body}"
        );
        assert!(!r["message"].as_str().unwrap_or("").is_empty(), "{body}");
    }
}

/// The `docseal` command and `docseal-center`, built beside this binary by `cargo test --workspace`.
fn sibling(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_BIN_EXE_docseal-server")).with_file_name(name);
    assert!(
        p.is_file(),
        "{} is not built: run cargo test --workspace",
        p.display()
    );
    p
}

#[test]
fn with_a_seal_center_the_keepers_seals_are_offered_checked_and_reported() {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("center-for-server-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let tokens = base.join("token");
    std::fs::create_dir_all(tokens.join("tokens")).unwrap();
    let conf = tokens.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    assert!(Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "Keeper",
            "--so-pin",
            "87654321",
            "--pin",
            "123456"
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap()
        .status
        .success());
    let pin = tokens.join("pin.txt");
    std::fs::write(&pin, "123456").unwrap();
    let data = base.join("center");
    let docseal = |args: &[&str], pw: &str| {
        let o = Command::new(sibling("docseal"))
            .args(args)
            .env("SOFTHSM2_CONF", &conf)
            .env("DOCSEAL_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
            .env("DOCSEAL_ADMIN_PASSWORD", "admin-password-1")
            .env("DOCSEAL_PASSWORD", pw)
            .env("DOCSEAL_NEW_PASSWORD", "keeper-password-1")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let d = data.to_str().unwrap();
    docseal(&["center", "--data-dir", d, "init"], "");
    docseal(
        &["center", "--data-dir", d, "keeper", "add", "keeper1"],
        "admin-password-1",
    );
    let out = docseal(
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
            "Northwind Ltd.",
        ],
        "admin-password-1",
    );
    let id = out.lines().last().unwrap().trim().to_string();
    struct Stop(Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    // Ready when it says where it listens (not when something answers on the port: another
    // test's server may have taken a port picked and let go); a center that could not bind
    // ends at once, and another port is tried.
    let (center, center_port) = (0..5)
        .find_map(|_| {
            let port = free_port();
            let mut center = Stop(
                Command::new(sibling("docseal-center"))
                    .args(["--data-dir", d, "--listen", &format!("127.0.0.1:{port}")])
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
            let out = std::io::BufReader::new(center.0.stdout.take().unwrap());
            // Read on a thread, so that a center that neither listens nor ends fails the test
            // after a minute instead of hanging it.
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let listening = std::io::BufRead::lines(out)
                    .map_while(Result::ok)
                    .any(|l| l.contains("listening on https://"));
                let _ = tx.send(listening);
            });
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(true) => Some((center, port)),
                Ok(false) => None,
                Err(_) => panic!("docseal-center neither listened nor ended within a minute"),
            }
        })
        .expect("docseal-center did not start");
    let url = format!("https://127.0.0.1:{center_port}");
    let s = start(
        "center",
        &[
            "--center",
            &url,
            "--center-ca",
            data.join("tls.pem").to_str().unwrap(),
            "--center-user",
            "keeper1",
        ],
        &[
            ("SOFTHSM2_CONF", conf.display().to_string()),
            (
                "DOCSEAL_PKCS11_MODULE",
                "/usr/lib/softhsm/libsofthsm2.so".to_string(),
            ),
            ("DOCSEAL_CENTER_PASSWORD", "keeper-password-1".to_string()),
        ],
    );
    // The picker offers the keeper's seal from the center, with its picture.
    let (code, body) = s.request(&[&s.url("/api/seals")]);
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains(&id) && body.contains("Northwind Ltd."),
        "{body}"
    );
    let picture = s.url(&format!("/api/seals/{id}/picture"));
    let (code, png) = s.request(&[
        "-o",
        "/dev/null",
        "-w",
        "%{content_type}\n%{http_code}",
        &picture,
    ]);
    assert_eq!(
        (code, png.as_str()),
        (200, "image/png"),
        "the seal's picture"
    );

    let token = s.csrf();
    let doc = repo().join("samples/documents/contract.docx");
    let mut headers = s.own_page(&token);
    headers.push("X-Docseal-PIN: 123456".into());
    let stamp = format!("/api/stamp?name=contract.docx&seal={id}&place=end");
    let (code, body) = s.post(&headers, &doc, &stamp);
    assert_eq!(code, 200, "{body}");
    let (code, body) = s.post(&s.own_page(&token), &doc, "/api/verify?name=contract.docx");
    assert_eq!(code, 200, "{body}");

    // Reported lost: the next stamp is refused before the token is used.
    docseal(
        &[
            "center",
            "--data-dir",
            d,
            "--user",
            "keeper1",
            "seal",
            "suspend",
            &id,
            "--reason",
            "lost",
        ],
        "keeper-password-1",
    );
    let (code, body) = s.post(&headers, &doc, &stamp);
    assert_ne!(code, 200, "{body}");
    assert!(body.contains("refused by the seal center"), "{body}");

    let log = docseal(
        &["center", "--data-dir", d, "--json", "audit", "--seal", &id],
        "admin-password-1",
    );
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    let stamps = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "stamp")
        .count();
    assert_eq!(stamps, 1, "{log}");
    let all = docseal(
        &["center", "--data-dir", d, "--json", "audit"],
        "admin-password-1",
    );
    assert!(
        all.contains("\"action\":\"verify\"") && all.contains("docseal-server"),
        "{all}"
    );
    drop(s);
    drop(center);
}

/// The keeper's workflow is written once: the same key, document, placement and
/// SOURCE_DATE_EPOCH make the same bytes from the pane (docseal-server) and from the command
/// line (`docseal stamp`), and a different time makes different ones.
#[test]
fn a_seal_from_the_pane_and_from_the_command_line_are_the_same_bytes() {
    let pki = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("server-same-pki-{}", std::process::id()));
    assert!(Command::new("bash")
        .arg(repo().join("tests/make-test-pki.sh"))
        .arg(&pki)
        .status()
        .map(|s| s.success())
        .unwrap_or(false));
    let (key, cert) = (pki.join("rsa.key"), pki.join("rsa.pem"));
    let epoch = "1764547200";
    let s = start(
        "same-bytes",
        &[
            "--seal",
            key.to_str().unwrap(),
            "--seal-cert",
            cert.to_str().unwrap(),
        ],
        &[("SOURCE_DATE_EPOCH", epoch.to_string())],
    );
    let doc = repo().join("samples/documents/contract.docx");
    let (code, body) = s.post(
        &s.own_page(&s.csrf()),
        &doc,
        "/api/stamp?name=contract.docx&seal=seal1&place=end",
    );
    assert_eq!(code, 200, "{body}");
    let r: serde_json::Value = serde_json::from_str(&body).unwrap();
    let from_pane = std::fs::read(r["saved_to"].as_str().unwrap()).unwrap();
    let subject = Command::new("openssl")
        .args(["x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    let common_name = String::from_utf8_lossy(&subject.stdout)
        .split(',')
        .find_map(|p| {
            p.trim()
                .trim_start_matches("subject=")
                .strip_prefix("CN=")
                .map(str::to_string)
        })
        .expect("the test certificate has a CN");

    let cli = |out: &Path, epoch: &str| {
        // The server draws a seal without a picture from its certificate's common name; so
        // does --name.
        let o = Command::new(sibling("docseal"))
            .args(["stamp", doc.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .args([
                "--key",
                key.to_str().unwrap(),
                "--cert",
                cert.to_str().unwrap(),
            ])
            .args(["--name", &common_name, "--at-end", "--open-pane"])
            .env("SOURCE_DATE_EPOCH", epoch)
            .env_remove("DOCSEAL_PIN")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(out).unwrap()
    };
    let from_cli = cli(&s.dir.join("from-cli.docx"), epoch);
    assert!(
        from_cli == from_pane,
        "the command line and the pane sealed the same document differently ({} and {} bytes)",
        from_cli.len(),
        from_pane.len()
    );
    let later = cli(&s.dir.join("later.docx"), "1764550800");
    assert!(later != from_pane, "the signing time is not in the seal");
}
