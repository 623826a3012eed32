//! Helpers shared by the integration tests: a fresh test PKI, the CLI, sample paths, and zip
//! surgery for tampering.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A zip entry: name, content, compression.
pub type Entry = (String, Vec<u8>, zip::CompressionMethod);
pub type Entries = Vec<Entry>;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn samples() -> PathBuf {
    repo().join("samples/documents")
}

/// A scratch folder for this test binary.
pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{}", name, std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A test PKI made fresh for this run by tests/make-test-pki.sh (openssl).
pub fn pki() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch("pki");
        let st = Command::new("bash")
            .arg(repo().join("tests/make-test-pki.sh"))
            .arg(&dir)
            .status()
            .unwrap();
        assert!(
            st.success(),
            "make-test-pki.sh failed (is openssl installed?)"
        );
        dir
    })
}

/// A SoftHSM2 token of the calling test's own (label SealKey, an RSA "Official Seal" and an EC
/// "Finance Seal" generated on it by tests/make-test-token.sh) in its own folder: its
/// `softhsm2.conf`, the PIN files `pin.txt` (123456) and `wrong-pin.txt` (000000), and the
/// certificates beside. Each test gets a copy of one token made per binary, so that another
/// test's wrong PIN or key generation never rewrites the store this test is reading.
pub fn test_token() -> PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let dir = scratch("token-template");
        let o = Command::new("bash")
            .arg(repo().join("tests/make-test-token.sh"))
            .arg(&dir)
            .arg(pki())
            .output()
            .unwrap();
        assert!(o.status.success(), "make-test-token.sh: {}", stderr(&o));
        std::fs::write(dir.join("pin.txt"), "123456\n").unwrap();
        std::fs::write(dir.join("wrong-pin.txt"), "000000\n").unwrap();
        dir
    });
    // libtest names each test's thread after the test.
    let test: String = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let dir = scratch(&format!("token-{test}"));
    if !dir.join("softhsm2.conf").exists() {
        copy_tree(template, &dir);
        std::fs::write(
            dir.join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
                dir.display()
            ),
        )
        .unwrap();
    }
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

pub fn docseal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docseal"))
        .args(args)
        .env_remove("DOCSEAL_PIN")
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `docseal sign INPUT -o OUTPUT` with key options; each value is a file of the test PKI
/// ("rsa.key"), or an absolute path, which `Path::join` keeps as it is.
pub fn sign_cli(input: &Path, output: &Path, key: &[(&str, &str)]) -> Output {
    let mut args = vec![
        "sign".to_string(),
        input.display().to_string(),
        "-o".into(),
        output.display().to_string(),
    ];
    for (flag, file) in key {
        args.push(flag.to_string());
        args.push(pki().join(file).display().to_string());
    }
    docseal(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Signs with the CLI and the RSA PKCS#12 seal.
pub fn sign_rsa(input: &Path, output: &Path) {
    let o = sign_cli(
        input,
        output,
        &[("--key", "rsa.p12"), ("--pin-file", "pin.txt")],
    );
    assert!(o.status.success(), "sign failed: {}", stderr(&o));
}

/// Signs with the CLI and the EC P-256 PEM seal.
pub fn sign_ec(input: &Path, output: &Path) {
    let o = sign_cli(input, output, &[("--key", "ec.key"), ("--cert", "ec.pem")]);
    assert!(o.status.success(), "sign failed: {}", stderr(&o));
}

/// `docseal verify --json --trust ca.pem FILE` → the report.
pub fn verify_json(file: &Path, trusted: bool) -> serde_json::Value {
    let ca = pki().join("ca.pem");
    let mut args = vec!["verify", "--json"];
    if trusted {
        args.extend(["--trust", ca.to_str().unwrap()]);
    }
    args.push(file.to_str().unwrap());
    let o = docseal(&args);
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)));
    v[0].clone()
}

/// All entries of a zip: (name, content, compression).
pub fn read_zip(path: &Path) -> Entries {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().to_string(), b, f.compression())
        })
        .collect()
}

pub fn write_zip(path: &Path, entries: &[Entry]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes, method) in entries {
        z.start_file(
            name.as_str(),
            zip::write::SimpleFileOptions::default().compression_method(*method),
        )
        .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

/// Copies a zip, changing it with `edit`.
pub fn rewrite(src: &Path, dst: &Path, edit: impl FnOnce(&mut Entries)) {
    let mut e = read_zip(src);
    edit(&mut e);
    write_zip(dst, &e);
}

pub fn entry<'a>(
    e: &'a mut [(String, Vec<u8>, zip::CompressionMethod)],
    name: &str,
) -> &'a mut Vec<u8> {
    &mut e
        .iter_mut()
        .find(|x| x.0 == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

pub fn replace_in(e: &mut [Entry], name: &str, from: &str, to: &str) {
    let b = entry(e, name);
    let s = String::from_utf8(b.clone()).unwrap();
    assert!(s.contains(from), "{name} does not contain {from:?}");
    *b = s.replacen(from, to, 1).into_bytes();
}

/// Copies a signed package's signature parts (and the package relationships and content types
/// that point to them) into `e`: the "signature part copied into another document" attack.
pub fn transplant_signature(e: &mut Entries, signed: &[Entry]) {
    for name in [
        "_xmlsignatures/sig1.xml",
        "_xmlsignatures/origin.sigs",
        "_xmlsignatures/_rels/origin.sigs.rels",
        "_rels/.rels",
        "[Content_Types].xml",
    ] {
        let from = signed.iter().find(|x| x.0 == name).unwrap().clone();
        match e.iter_mut().find(|x| x.0 == name) {
            Some(slot) => *slot = from,
            None => e.push(from),
        }
    }
}

/// The codes of every error finding in a report.
pub fn error_codes(report: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut collect = |fs: &serde_json::Value| {
        for f in fs.as_array().into_iter().flatten() {
            if f["severity"] == "error" {
                out.push(f["code"].as_str().unwrap_or("").to_string());
            }
        }
    };
    collect(&report["findings"]);
    for s in report["signatures"].as_array().into_iter().flatten() {
        collect(&s["findings"]);
    }
    out
}

/// Where `../shared` is, when it is there (optional tests skip without it).
pub fn shared() -> Option<PathBuf> {
    let p = repo().parent()?.join("shared");
    p.is_dir().then_some(p)
}

/// `docseal` with extra environment (a token's SOFTHSM2_CONF, a module).
pub fn docseal_env<V: AsRef<std::ffi::OsStr>>(args: &[&str], env: &[(&str, V)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_docseal"));
    c.args(args).env_remove("DOCSEAL_PIN");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// LibreOffice's verdict on files (tests/oracle/lo-verify, one LibreOffice start for all).
pub fn lo_verify(files: &[PathBuf], ca: &Path) -> Vec<serde_json::Value> {
    let o = Command::new("/usr/bin/python3")
        .arg(repo().join("tests/oracle/lo-verify"))
        .args(["--no-load", "--trust-ca"])
        .arg(ca)
        .args(files)
        .output()
        .expect("run lo-verify");
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{}", stderr(&o))))
        .collect()
}

/// Apache POI's verdict on files (`../shared/oracle/poi/poi-verify`, one JVM for all), when the
/// oracle is beside the project and POI is installed; `None` (and says why) otherwise. The check
/// is optional: the project's tests stand without `../shared`.
pub fn poi_verify(files: &[PathBuf]) -> Option<Vec<serde_json::Value>> {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is not beside the project (Apache POI's oracle is there)");
        return None;
    };
    let tool = shared.join("oracle/poi/poi-verify");
    if !tool.exists() {
        eprintln!("skipped: {} is not there", tool.display());
        return None;
    }
    if !Path::new("/usr/share/java/poi-ooxml.jar").exists() {
        eprintln!("skipped: Apache POI is not installed (scripts/install-deps.sh installs it)");
        return None;
    }
    let o = Command::new(&tool)
        .args(files)
        .output()
        .expect("run poi-verify");
    let verdicts: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{}", stderr(&o))))
        .collect();
    assert_eq!(verdicts.len(), files.len(), "{}", stderr(&o));
    Some(verdicts)
}

/// True (and says so) when the LibreOffice checks are to be skipped; fails when LibreOffice is
/// simply missing, since the README's test command installs it.
pub fn libreoffice_missing() -> bool {
    if std::env::var_os("DOCSEAL_SKIP_LIBREOFFICE").is_some() {
        eprintln!("skipped: DOCSEAL_SKIP_LIBREOFFICE is set");
        return true;
    }
    assert!(
        Path::new("/usr/bin/soffice").exists() || Path::new("/usr/lib/libreoffice/program/soffice").exists(),
        "LibreOffice is not installed: run the README's test command, or set DOCSEAL_SKIP_LIBREOFFICE=1"
    );
    false
}

/// A seal picture drawn by `docseal image` for a test: `--name NAME` at `dpi`.
pub fn seal_picture(dir: &Path, name: &str, dpi: u32) -> PathBuf {
    let out = dir.join(format!("seal-{dpi}.png"));
    let o = docseal(&[
        "image",
        "--name",
        name,
        "--dpi",
        &dpi.to_string(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

/// `docseal stamp INPUT -o OUT` with the test PKI's RSA seal, the picture `seal` and placement
/// options; `env` adds variables (SOURCE_DATE_EPOCH for one signing time across outputs).
pub fn stamp_with_env(
    input: &Path,
    out: &Path,
    seal: &Path,
    place: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let (k, c) = (pki().join("rsa.key"), pki().join("rsa.pem"));
    let mut args = vec![
        "stamp",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--key",
        k.to_str().unwrap(),
        "--cert",
        c.to_str().unwrap(),
        "--image",
        seal.to_str().unwrap(),
    ];
    args.extend(place);
    docseal_env(&args, env)
}

pub fn stamp_with(input: &Path, out: &Path, seal: &Path, place: &[&str]) -> Output {
    stamp_with_env(input, out, seal, place, &[])
}

/// The committed test-only key and certificate (`engine/tests/data`).
pub fn golden_key() -> docseal::keys::LoadedKey {
    let data = repo().join("engine/tests/data");
    docseal::signer::file::load(
        &data.join("golden-key.pem"),
        Some(&data.join("golden-cert.pem")),
        None,
        &docseal::keys::Unlock::default(),
    )
    .unwrap()
}

/// The test PKI's time-stamping authority answering one DER TimeStampReq: `openssl ts -reply` in
/// the PKI folder (`tsa.cnf`, made by tests/make-test-pki.sh). `token_only` returns the bare
/// TimeStampToken instead of the TimeStampResp. `None` when openssl refused. One answer at a time:
/// `openssl ts -reply` reads and rewrites its serial file, and two at once tear it (seen as a
/// truncated reply when tests ran in parallel; reproduced with 30 concurrent runs).
#[allow(dead_code)]
pub fn tsa_reply(query: &[u8], token_only: bool) -> Option<Vec<u8>> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = pki();
    let q = dir.join(format!("query-{:?}.tsq", std::thread::current().id()));
    std::fs::write(&q, query).unwrap();
    let mut args = vec![
        "ts",
        "-reply",
        "-config",
        "tsa.cnf",
        "-queryfile",
        q.to_str().unwrap(),
    ];
    if token_only {
        args.push("-token_out");
    }
    let out = Command::new("openssl")
        .args(&args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .unwrap();
    out.status.success().then_some(out.stdout)
}

/// A TSA on 127.0.0.1: every POST body goes to the test PKI's TSA (`common::tsa_reply`). Answers
/// until the test process ends.
pub fn tsa() -> String {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/tsa", listener.local_addr().unwrap());
        pki(); // made before the first request, not inside a handler thread
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || answer(stream));
            }
        });
        url
    })
    .clone()
}

fn answer(mut stream: std::net::TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let l = line.to_ascii_lowercase();
        if let Some(v) = l.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut query = vec![0u8; len];
    reader.read_exact(&mut query).unwrap();
    let (status, body) = match tsa_reply(&query, false) {
        Some(reply) => ("200 OK", reply),
        None => ("500 Internal Server Error", Vec::new()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// Words of the PDF page with their boxes (points), from `pdftotext -bbox`.
pub fn words(pdf: &Path) -> Vec<(String, f64, f64, f64, f64)> {
    let o = Command::new("pdftotext")
        .args(["-f", "1", "-l", "1", "-bbox"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = stdout(&o);
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let attr = |k: &str| {
                l.split(&format!("{k}=\""))
                    .nth(1)?
                    .split('"')
                    .next()?
                    .parse::<f64>()
                    .ok()
            };
            let word = l
                .strip_prefix("<word ")?
                .split('>')
                .nth(1)?
                .split('<')
                .next()?
                .to_string();
            Some((
                word,
                attr("xMin")?,
                attr("yMin")?,
                attr("xMax")?,
                attr("yMax")?,
            ))
        })
        .collect()
}

/// The box of the last run of consecutive words spelling `phrase` (a comma after a word is
/// allowed).
pub fn phrase_box(
    words: &[(String, f64, f64, f64, f64)],
    phrase: &str,
) -> Option<(f64, f64, f64, f64)> {
    let want: Vec<&str> = phrase.split_whitespace().collect();
    (0..words.len().saturating_sub(want.len() - 1))
        .rev()
        .find(|&i| {
            want.iter()
                .enumerate()
                .all(|(k, w)| words[i + k].0.trim_end_matches([',', ';']) == *w)
        })
        .map(|i| {
            let run = &words[i..i + want.len()];
            (
                run[0].1,
                run.iter().map(|w| w.2).fold(f64::MAX, f64::min),
                run[want.len() - 1].3,
                run.iter().map(|w| w.4).fold(0.0, f64::max),
            )
        })
}

/// `docseal ARGS`, killed and failed if it has not ended within `limit`: for a test whose
/// regression would be a hang. Its output is read at the end, so it suits short outputs only.
pub fn docseal_within(limit: std::time::Duration, args: &[String]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_docseal"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{args:?} still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}
