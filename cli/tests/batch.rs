//! `docseal batch`: a mixed tree sealed in one run, symbolic links in a tree, a template and a
//! document of one name, a run killed with SIGKILL and finished by a second run, one token login
//! for a hundred files (counted through OpenSC's pkcs11-spy), a wrong PIN that stops everything
//! before any output, and progress on a terminal and in a pipe.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every file of a tree, relative to it.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// A scratch folder `name` with an `in/` folder holding copies (from, name under `in/`).
fn input_tree(name: &str, copies: &[(PathBuf, String)]) -> (PathBuf, PathBuf) {
    let dir = scratch(name);
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for (from, to) in copies {
        let to = input.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
    (dir, input)
}

/// `n` copies of a sample, named by `name(i)`.
fn copies(sample: &str, n: usize, name: impl Fn(usize) -> String) -> Vec<(PathBuf, String)> {
    (0..n).map(|i| (samples().join(sample), name(i))).collect()
}

/// A template (`.dotx`) of the corpus, written by Word.
fn a_template() -> PathBuf {
    std::fs::read_dir(repo().join("tests/corpus/docs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "dotx"))
        .unwrap()
}

fn key_args() -> Vec<String> {
    vec![
        "--key".into(),
        pki().join("rsa.key").display().to_string(),
        "--cert".into(),
        pki().join("rsa.pem").display().to_string(),
    ]
}

/// The arguments of `docseal batch INPUT -o OUTPUT EXTRA… --key … --cert …` (the file key).
fn batch_args(input: &Path, output: &Path, extra: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = vec!["batch".into(), input.display().to_string(), "-o".into()];
    all.push(output.display().to_string());
    all.extend(extra.iter().map(|s| s.to_string()));
    all.extend(key_args());
    all
}

fn batch(input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    let all = batch_args(input, output, extra);
    docseal(&all.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The main part's content type, as `[Content_Types].xml` gives it.
fn main_content_type(path: &Path) -> String {
    let pkg = docseal::opc::Package::open(path, docseal::opc::Limits::default()).unwrap();
    docseal::place::main_part(&docseal::opc::PackageEdit::new(&pkg))
        .unwrap()
        .content_type
}

/// What Word and Excel write for a document (not a template) of each kind.
const DOCUMENT_TYPES: &[(&str, &str)] = &[
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    (
        "docm",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    ),
    (
        "xlsm",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ),
];

#[test]
fn a_mixed_tree_is_sealed_mirrored_and_reported() {
    let dir = scratch("batch-mixed");
    let input = dir.join("in");
    let corpus = repo().join("tests/corpus/docs");
    // Real documents of every kind the batch takes, cycled into 200 files in nested folders.
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            ["docx", "xlsx", "dotx", "xltx", "docm", "xlsm"]
                .iter()
                .any(|e| n.ends_with(&format!(".{e}")))
                // Documents the corpus test shows LibreOffice cannot check, and the one refused.
                && !n.contains("testrels")
                && !n.contains("accounting")
                && !n.contains("special_chars")
                && !n.contains("override-conflicting")
        })
        .collect();
    sources.sort();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut expected_out = Vec::new();
    for i in 0..194 {
        let src = &sources[(i * 7) % sources.len()];
        let ext = src.extension().unwrap().to_string_lossy().into_owned();
        *kinds.entry(ext.clone()).or_default() += 1;
        let rel = PathBuf::from(format!("dept{}/year{}/doc{i:03}.{ext}", i % 5, i % 3));
        std::fs::create_dir_all(input.join(&rel).parent().unwrap()).unwrap();
        std::fs::copy(src, input.join(&rel)).unwrap();
        let out_ext = match ext.as_str() {
            "dotx" => "docx",
            "xltx" => "xlsx",
            e => e,
        };
        expected_out.push(rel.with_extension(out_ext));
    }
    for e in ["docx", "xlsx", "dotx", "xltx", "docm", "xlsm"] {
        assert!(kinds.get(e).is_some_and(|n| *n >= 2), "{e}: {kinds:?}");
    }
    // Three broken files and three signed ones.
    let mut bad = Vec::new();
    for i in 0..3 {
        let broken = input.join(format!("dept{i}/broken{i}.docx"));
        let bytes = std::fs::read(samples().join("contract.docx")).unwrap();
        std::fs::write(&broken, &bytes[..bytes.len() / 3]).unwrap();
        let signed = input.join(format!("dept{i}/signed{i}.docx"));
        sign_rsa(&samples().join("report.docx"), &signed);
        bad.push(broken);
        bad.push(signed);
    }
    let output = dir.join("out");
    let report = dir.join("report.json");
    let o = batch(
        &input,
        &output,
        &[
            "--recursive",
            "--name",
            "Batch Test Co.",
            "--at-end",
            "--jobs",
            "2",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "some failed: {}", stderr(&o));
    assert!(
        stdout(&o).contains("194 sealed, 0 already sealed, 6 failed of 200 files"),
        "{}",
        stdout(&o)
    );

    // The tree is mirrored, templates turned into documents, nothing else written.
    let mut got = files(&output);
    got.sort();
    expected_out.sort();
    assert_eq!(got, expected_out);
    for rel in &expected_out {
        let ext = rel.extension().unwrap().to_string_lossy().into_owned();
        let (_, want) = DOCUMENT_TYPES.iter().find(|(e, _)| *e == ext).unwrap();
        assert_eq!(&main_content_type(&output.join(rel)), want, "{rel:?}");
    }

    // Every output verifies valid.
    let ca = pki().join("ca.pem");
    let checked = dir.join("checked.json");
    let v = docseal(&[
        "verify",
        "--recursive",
        output.to_str().unwrap(),
        "--trust",
        ca.to_str().unwrap(),
        "--quiet",
        "--report",
        checked.to_str().unwrap(),
    ]);
    assert_eq!(v.status.code(), Some(0), "{}{}", stdout(&v), stderr(&v));
    assert!(
        stdout(&v).starts_with("194 valid, 0 invalid"),
        "{}",
        stdout(&v)
    );
    // Its report gives each file's SHA-256.
    let c = report_lines(&checked);
    assert_eq!(c.len(), 194);
    for line in &c {
        let sha = sha2_hex(&std::fs::read(line["input"].as_str().unwrap()).unwrap());
        assert_eq!(line["sha256"], sha.as_str(), "{line}");
    }

    // The report names every file, with the reason for the failures.
    let r = report_lines(&report);
    assert_eq!(r.len(), 200);
    for b in &bad {
        let line = line_for(&r, b);
        assert_eq!(line["status"], "failed", "{line}");
        let expect = if b.to_string_lossy().contains("broken") {
            "not-a-zip"
        } else {
            "already-signed"
        };
        assert_eq!(line["code"], expect, "{line}");
    }
    for line in r.iter().filter(|l| l["status"] == "sealed") {
        let out = PathBuf::from(line["output"].as_str().unwrap());
        let sha = sha2_hex(&std::fs::read(&out).unwrap());
        assert_eq!(line["sha256"], sha.as_str(), "{line}");
    }

    if libreoffice_missing() {
        return;
    }
    // A sample of the outputs is intact for LibreOffice, and the converted templates open as
    // documents, not templates.
    let sample: Vec<PathBuf> = expected_out
        .iter()
        .step_by(9)
        .map(|r| output.join(r))
        .collect();
    for (f, lo) in sample.iter().zip(lo_verify(&sample, &ca)) {
        let state = lo["document_signature_state"].as_str().unwrap_or("");
        assert!(state == "OK" || state == "PARTIAL_OK", "{f:?}: {lo}");
    }
    let converted: Vec<PathBuf> = expected_out
        .iter()
        .zip(0..)
        .filter(|(_, i)| {
            let src = &sources[(i * 7) % sources.len()];
            matches!(src.extension().unwrap().to_str(), Some("dotx" | "xltx"))
        })
        .map(|(r, _)| output.join(r))
        .take(6)
        .collect();
    assert!(converted.len() >= 2);
    let o = Command::new("/usr/bin/python3")
        .arg(repo().join("tests/oracle/lo-doctype"))
        .args(&converted)
        .output()
        .unwrap();
    for line in stdout(&o).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["template"], false, "{v}");
        assert!(
            !v["filter"]
                .as_str()
                .unwrap_or("Template")
                .contains("Template"),
            "{v}"
        );
    }
}

/// A link named as a document is sealed through; one that leads nowhere is reported, not dropped;
/// a link to a folder (here to the tree's own root) is not followed.
#[test]
fn links_in_the_tree_are_sealed_reported_or_not_followed() {
    let dir = scratch("batch-links");
    let input = dir.join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    std::fs::copy(samples().join("contract.docx"), input.join("plain.docx")).unwrap();
    let elsewhere = dir.join("shared-templates");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::copy(samples().join("report.docx"), elsewhere.join("report.docx")).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("report.docx"), input.join("sub/linked.docx"))
        .unwrap();
    std::os::unix::fs::symlink(dir.join("gone.docx"), input.join("dangling.docx")).unwrap();
    std::os::unix::fs::symlink(&input, input.join("sub/loop")).unwrap();

    let output = dir.join("out");
    let report = dir.join("report.json");
    let o = batch(
        &input,
        &output,
        &[
            "--recursive",
            "--sign-only",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        files(&output),
        [
            PathBuf::from("plain.docx"),
            PathBuf::from("sub/linked.docx")
        ]
    );
    assert!(
        !std::fs::symlink_metadata(output.join("sub/linked.docx"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the output is a file of its own"
    );
    let v = verify_json(&output.join("sub/linked.docx"), true);
    assert_eq!(v["verdict"], "valid", "{v}");

    let r = report_lines(&report);
    assert_eq!(r.len(), 3, "{r:?}");
    let dangling = line_for(&r, &input.join("dangling.docx"));
    assert_eq!(dangling["status"], "failed", "{dangling}");
    assert!(
        dangling["reason"]
            .as_str()
            .unwrap()
            .contains("No such file"),
        "{dangling}"
    );
}

/// A pipe, or a link to a device, named as a document: each is a failed line with its reason,
/// never a hang (a FIFO's plain open waits for a writer, and `/dev/zero` never ends), and a pipe
/// does not keep a real template of its name from the output.
#[test]
fn pipes_and_devices_named_as_documents_are_failed_lines_not_hangs() {
    let (dir, input) = input_tree(
        "batch-devices",
        &[
            (samples().join("contract.docx"), "plain.docx".into()),
            (a_template(), "offer.dotx".into()),
        ],
    );
    let fifo = input.join("offer.docx");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::os::unix::fs::symlink("/dev/zero", input.join("zero.docx")).unwrap();
    std::os::unix::fs::symlink("/dev/urandom", input.join("random.xlsx")).unwrap();

    let output = dir.join("out");
    let report = dir.join("report.json");
    let sealing = batch_args(
        &input,
        &output,
        &["--sign-only", "--report", report.to_str().unwrap()],
    );
    let checked = dir.join("checked.json");
    let checking = [
        "verify",
        "--recursive",
        input.to_str().unwrap(),
        "--report",
        checked.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    for (args, report, failed) in [(sealing, &report, "failed"), (checking, &checked, "error")] {
        let o = docseal_within(Duration::from_secs(60), &args);
        assert_eq!(
            o.status.code(),
            Some(if failed == "failed" { 1 } else { 2 })
        );
        let r = report_lines(report);
        assert_eq!(r.len(), 5, "{r:?}");
        for (name, why) in [
            ("offer.docx", "the file is empty"),
            ("random.xlsx", "a device or a socket"),
            ("zero.docx", "a device or a socket"),
        ] {
            let line = line_for(&r, &input.join(name));
            assert_eq!(line["status"], failed, "{line}");
            assert!(line["reason"].as_str().unwrap().contains(why), "{line}");
        }
    }
    // The template took the output its name gives, which the pipe could never have written.
    assert_eq!(
        files(&output),
        [PathBuf::from("offer.docx"), PathBuf::from("plain.docx")]
    );
}

/// A template and a document of the same name would seal to one output: the document keeps it,
/// the template fails with its reason, and a rerun gives the same answer.
#[test]
fn a_template_and_a_document_of_one_name_do_not_share_an_output() {
    // Two workers may reach either file first; the document keeps its name whatever the timing.
    let (dir, input) = input_tree(
        "batch-same-name",
        &[
            (a_template(), "offer.dotx".into()),
            (samples().join("contract.docx"), "offer.docx".into()),
        ],
    );
    let output = dir.join("out");
    let report = dir.join("report.json");
    for (run, status) in [(1, "sealed"), (2, "already-sealed")] {
        let o = batch(
            &input,
            &output,
            &[
                "--sign-only",
                "--jobs",
                "2",
                "--report",
                report.to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(1), "run {run}: {}", stderr(&o));
        let r = report_lines(&report);
        let line = |name: &str| line_for(&r, &input.join(name));
        assert_eq!(line("offer.docx")["status"], status, "run {run}: {r:?}");
        let refused = line("offer.dotx");
        assert_eq!(refused["status"], "failed", "run {run}: {refused}");
        assert_eq!(refused["code"], "output-taken", "run {run}: {refused}");
        assert!(
            refused["reason"].as_str().unwrap().contains("offer.docx"),
            "run {run}: {refused}"
        );
        // The one output is the document's seal, not the template's.
        assert_eq!(files(&output), [PathBuf::from("offer.docx")]);
        assert_eq!(
            line("offer.docx")["sha256"],
            sha2_hex(&std::fs::read(output.join("offer.docx")).unwrap()).as_str()
        );
    }
}

#[test]
fn a_report_that_could_not_be_written_is_refused_before_the_run() {
    let (dir, input) = input_tree(
        "batch-report-path",
        &[(samples().join("contract.docx"), "a.docx".into())],
    );
    let output = dir.join("out");
    let (missing, text) = (dir.join("no-such-folder/r.json"), dir.join("r.txt"));
    let folder = dir.join("folder.json");
    std::fs::create_dir_all(&folder).unwrap();
    for (report, says) in [
        (&missing, "no-such-folder does not exist"),
        (&text, "expected a FILE.json or FILE.csv"),
        (&input, "expected a FILE.json or FILE.csv"),
        (&folder, "is a folder"),
    ] {
        let report = report.to_str().unwrap();
        let sealing = batch_args(&input, &output, &["--report", report, "--sign-only"]);
        let checking = [
            "verify",
            "--recursive",
            input.to_str().unwrap(),
            "--report",
            report,
        ];
        let checking = checking.map(String::from).to_vec();
        for args in [&sealing, &checking] {
            let o = docseal(&args.iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
            let err = stderr(&o);
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
            assert!(
                err.contains(report) && err.contains(says),
                "{args:?}: {err}"
            );
        }
        // Refused before the run: no output folder, nothing sealed, no report.
        assert!(!output.exists(), "{report}");
        assert!(!text.exists() && !missing.exists());
    }
    // The output folder the run makes is a fine place for its report.
    let inside = output.join("report.csv");
    let o = batch(
        &input,
        &output,
        &["--sign-only", "--report", inside.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&inside).unwrap().contains("a.docx"));
}

#[test]
fn an_output_folder_that_cannot_be_one_is_refused_before_the_run() {
    let (dir, input) = input_tree(
        "batch-bad-output",
        &[(samples().join("contract.docx"), "a.docx".into())],
    );
    std::fs::create_dir_all(input.join("sub")).unwrap();
    let a_file = dir.join("a-file");
    std::fs::write(&a_file, "not a folder").unwrap();
    for (output, says) in [
        (input.join("sub/out"), "must not be inside the input folder"),
        (input.clone(), "must not be inside the input folder"),
        (a_file.clone(), "is not a folder"),
    ] {
        let o = batch(&input, &output, &["--sign-only", "--recursive"]);
        assert_eq!(o.status.code(), Some(2), "{output:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{output:?}: {err}");
        assert!(err.contains(says), "{output:?}: {err}");
        // Nothing written: the input holds what it held, the file is still the file.
        assert_eq!(files(&input), [PathBuf::from("a.docx")]);
        assert!(!input.join("sub/out").exists());
        assert_eq!(std::fs::read(&a_file).unwrap(), b"not a folder");
    }
}

#[test]
fn a_reader_that_goes_away_ends_the_lines_not_the_run() {
    let (dir, input) = input_tree(
        "batch-reader-gone",
        &copies("contract.docx", 6, |i| format!("c{i}.docx")),
    );
    let output = dir.join("out");
    let sealing = batch_args(&input, &output, &["--sign-only", "--jobs", "1"]);
    let ca = pki().join("ca.pem");
    let checking = [
        "verify",
        "--recursive",
        output.to_str().unwrap(),
        "--trust",
        ca.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    for args in [&sealing, &checking] {
        // As `| head -0` does: the reader has gone before the first line is written.
        let mut child = Command::new(env!("CARGO_BIN_EXE_docseal"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
        assert_eq!(files(&output).len(), 6, "{args:?}");
    }
    // As `2>&1 | head -0` does, with a file that fails (its line goes to standard error).
    std::fs::write(input.join("broken.docx"), "not a zip").unwrap();
    std::fs::remove_dir_all(&output).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_docseal"))
        .args(&sealing)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(1));
    assert_eq!(files(&output).len(), 6);
}

/// The lines of a `--report FILE.json`.
fn report_lines(report: &Path) -> Vec<serde_json::Value> {
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    r.as_array().unwrap().clone()
}

/// The report's line for one input.
fn line_for(lines: &[serde_json::Value], input: &Path) -> serde_json::Value {
    lines
        .iter()
        .find(|l| l["input"] == input.to_str().unwrap())
        .unwrap_or_else(|| panic!("{input:?} is not in the report"))
        .clone()
}

fn sha2_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_killed_run_leaves_no_partial_file_and_a_second_run_finishes_it() {
    let dir = scratch("batch-kill");
    let input = dir.join("in");
    for i in 0..1000 {
        let d = input.join(format!("box{}", i % 10));
        std::fs::create_dir_all(&d).unwrap();
        let src = if i % 2 == 0 {
            "contract.docx"
        } else {
            "ledger.xlsx"
        };
        let ext = if i % 2 == 0 { "docx" } else { "xlsx" };
        std::fs::copy(samples().join(src), d.join(format!("file{i:04}.{ext}"))).unwrap();
    }
    let output = dir.join("out");
    let args = batch_args(
        &input,
        &output,
        &["--recursive", "--sign-only", "--jobs", "2", "--quiet"],
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_docseal"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once a good part is done, in the middle of writing.
    let deadline = Instant::now() + Duration::from_secs(120);
    while files(&output.clone()).len() < 250 {
        assert!(Instant::now() < deadline, "the batch made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let first = files(&output);
    assert!(first.len() < 1000, "killed too late: {}", first.len());
    // Nothing partial: every file there is a whole, sealed document (and no temporary names).
    for f in &first {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("file") && !name.ends_with(".tmp") && !name.ends_with(".new"),
            "{f:?}"
        );
    }
    let ca = pki().join("ca.pem");
    let v = docseal(&[
        "verify",
        "--recursive",
        output.to_str().unwrap(),
        "--trust",
        ca.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(v.status.code(), Some(0), "after the kill: {}", stdout(&v));

    // The same command again completes the rest and seals nothing twice.
    let report = dir.join("second.csv");
    let mut again = args.clone();
    again.extend(["--report".into(), report.display().to_string()]);
    let o = docseal(&again.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(&report).unwrap();
    let already = csv
        .lines()
        .filter(|l| l.contains(",already-sealed,"))
        .count();
    let sealed = csv.lines().filter(|l| l.contains(",sealed,")).count();
    assert_eq!(already, first.len(), "kept what the first run finished");
    assert_eq!(already + sealed, 1000);
    assert_eq!(files(&output).len(), 1000);
    let v = docseal(&[
        "verify",
        "--recursive",
        output.to_str().unwrap(),
        "--trust",
        ca.to_str().unwrap(),
        "--json",
        "--quiet",
    ]);
    assert_eq!(v.status.code(), Some(0));
    let reports: Vec<serde_json::Value> = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(reports.len(), 1000);
    for r in &reports {
        assert_eq!(
            r["signatures"].as_array().unwrap().len(),
            1,
            "sealed twice: {}",
            r["file"]
        );
    }
}

const SPY: &str = "/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so";
const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";

#[test]
fn a_token_batch_logs_in_once_and_a_wrong_pin_writes_nothing() {
    let spy = [SPY, "/usr/lib/x86_64-linux-gnu/pkcs11-spy.so"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("OpenSC's pkcs11-spy (apt-get install opensc)");
    let dir = scratch("batch-token");
    let tok = dir.join("token");
    let o = Command::new("bash")
        .arg(repo().join("tests/make-test-token.sh"))
        .arg(&tok)
        .arg(pki())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(tok.join("pin.txt"), "123456\n").unwrap();
    std::fs::write(tok.join("wrong.txt"), "000000\n").unwrap();
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for i in 0..100 {
        std::fs::copy(
            samples().join("contract.docx"),
            input.join(format!("c{i:03}.docx")),
        )
        .unwrap();
    }
    let log = dir.join("spy.log");
    let run = |out: &Path, pin: &str| {
        docseal_env(
            &[
                "batch",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--key",
                "pkcs11:token=SealKey;object=Official%20Seal",
                "--pin-file",
                tok.join(pin).to_str().unwrap(),
                "--name",
                "Token Co.",
                "--at-end",
                "--jobs",
                "2",
            ],
            &[
                ("SOFTHSM2_CONF", tok.join("softhsm2.conf").to_str().unwrap()),
                ("DOCSEAL_PKCS11_MODULE", spy),
                ("PKCS11SPY", SOFTHSM),
                ("PKCS11SPY_OUTPUT", log.to_str().unwrap()),
            ],
        )
    };
    let out = dir.join("out");
    let o = run(&out, "pin.txt");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(files(&out).len(), 100);
    let spied = std::fs::read_to_string(&log).unwrap();
    let logins = spied.lines().filter(|l| l.contains("C_Login")).count();
    let signs = spied
        .lines()
        .filter(|l| l.contains("C_Sign ") || l.trim_end().ends_with("C_Sign"))
        .count();
    assert_eq!(logins, 1, "C_Login calls through the module");
    assert!(signs >= 100, "{signs} C_Sign calls for 100 files");

    // A wrong PIN stops the run before any file is touched.
    let wrong_out = dir.join("wrong");
    let o = run(&wrong_out, "wrong.txt");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("wrong PIN"), "{}", stderr(&o));
    assert!(!wrong_out.exists() || files(&wrong_out).is_empty());
}

#[test]
fn progress_draws_a_bar_on_a_terminal_and_plain_lines_in_a_pipe() {
    let (dir, input) = input_tree(
        "batch-progress",
        &copies("report.docx", 20, |i| format!("r{i:02}.docx")),
    );
    let mut args: Vec<String> = vec![env!("CARGO_BIN_EXE_docseal").into()];
    args.extend(batch_args(&input, &dir.join("tty"), &["--sign-only"]));
    // `script` gives the command a pseudo-terminal and records what it drew.
    let typescript = dir.join("typescript");
    let o = Command::new("script")
        .args([
            "-q",
            "-e",
            "-c",
            &args.join(" "),
            typescript.to_str().unwrap(),
        ])
        .env("TERM", "xterm")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let drawn = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    assert!(drawn.contains("files"), "{drawn}");
    assert!(drawn.contains("/20"), "no bar: {drawn}");
    assert!(
        drawn.contains("20 sealed, 0 already sealed, 0 failed of 20 files"),
        "{drawn}"
    );
    assert!(
        !drawn.contains("sealed r00.docx"),
        "lines instead of a bar: {drawn}"
    );

    // In a pipe: one plain line per file, and the summary.
    let mut plain = args[1..].to_vec();
    plain[3] = dir.join("pipe").display().to_string();
    let o = docseal(&plain.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success());
    let out = stdout(&o);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("sealed r")).count(),
        20,
        "{out}"
    );
    assert!(
        out.lines().last().unwrap().starts_with("20 sealed"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "escape codes in a pipe");
}
