//! The two executables: `docseal` verifies by itself and becomes `docseal-full` for every other
//! command; alone, it still verifies, and names what is missing for the rest.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::path::PathBuf;
use std::process::Command;

/// A directory holding a copy of `docseal` and nothing else.
fn docseal_alone(name: &str) -> PathBuf {
    let dir = scratch(name);
    let alone = dir.join("docseal");
    std::fs::copy(env!("CARGO_BIN_EXE_docseal"), &alone).unwrap();
    alone
}

#[test]
fn docseal_alone_verifies_and_names_docseal_full_for_the_rest() {
    let dir = scratch("exe-verify");
    let signed = dir.join("signed.docx");
    sign_rsa(&samples().join("contract.docx"), &signed);
    let alone = docseal_alone("exe-alone");
    let ca = pki().join("ca.pem");
    // Both judge at one instant: without a time-stamp the report's best time is the time of
    // verification, and two runs may fall either side of a second.
    let at = docseal::format_time(time::OffsetDateTime::now_utc());

    // verify runs in docseal itself: the same verdict and the same exit status as docseal-full.
    let own = Command::new(&alone)
        .args(["verify", "--json", "--at", &at, "--trust"])
        .arg(&ca)
        .arg(&signed)
        .output()
        .unwrap();
    let full = Command::new(env!("CARGO_BIN_EXE_docseal-full"))
        .args(["verify", "--json", "--at", &at, "--trust"])
        .arg(&ca)
        .arg(&signed)
        .output()
        .unwrap();
    assert_eq!(own.status.code(), Some(0), "{}", stderr(&own));
    assert_eq!(own.status.code(), full.status.code());
    let report: serde_json::Value = serde_json::from_slice(&own.stdout).unwrap();
    assert_eq!(report[0]["verdict"], "valid", "{report:#}");
    let full_report: serde_json::Value = serde_json::from_slice(&full.stdout).unwrap();
    assert_eq!(report[0]["verdict"], full_report[0]["verdict"]);
    assert_eq!(report[0]["signatures"], full_report[0]["signatures"]);
    assert_eq!(
        report[0]["signatures"][0]["best_time"],
        at.as_str(),
        "{report:#}"
    );

    // A tampered copy: exit 1 from docseal alone, as from docseal-full.
    let tampered = dir.join("tampered.docx");
    rewrite(&signed, &tampered, |e| {
        replace_in(e, "word/document.xml", "</w:body>", "<w:p/></w:body>")
    });
    let own = Command::new(&alone)
        .args(["verify", "--trust"])
        .arg(&ca)
        .arg(&tampered)
        .output()
        .unwrap();
    assert_eq!(own.status.code(), Some(1), "{}", stdout(&own));

    // Every other command needs docseal-full beside it: one line naming it, exit 2.
    for args in [
        vec!["sign", "in.docx", "-o", "out.docx", "--key", "k.p12"],
        vec!["--version"],
        vec!["verify", "--mark", "marked.docx", "in.docx"],
    ] {
        let o = Command::new(&alone)
            .args(&args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("docseal-full"), "{args:?}: {err}");
        assert!(!dir.join("out.docx").exists() && !dir.join("marked.docx").exists());
    }
}

#[test]
fn docseal_becomes_docseal_full_for_other_commands() {
    // The same output and status through docseal as from docseal-full itself.
    for args in [vec!["--version"], vec!["tokens", "--no-such-option"]] {
        let through = docseal(&args);
        let direct = Command::new(env!("CARGO_BIN_EXE_docseal-full"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(through.status.code(), direct.status.code(), "{args:?}");
        assert_eq!(stdout(&through), stdout(&direct), "{args:?}");
        assert_eq!(stderr(&through), stderr(&direct), "{args:?}");
    }
    // Usage names the command docseal, whichever executable prints it.
    let help = stdout(&docseal(&["--help"]));
    assert!(help.contains("Usage: docseal "), "{help}");
}
