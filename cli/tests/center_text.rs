//! What people read from the seal center cannot command what shows it: a report whose fields hold
//! line breaks, escape sequences and formulas prints one escaped line per row on a terminal and
//! plain-text cells in CSV; user names that pass for another (fullwidth, zero-width, look-alike
//! letters, bidi overrides) are refused.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::path::Path;
use std::process::Command;

const ADMIN_PW: &str = "center-admin-pw";
const KEEPER_PW: &str = "keeper-one-pw";

fn center(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_docseal"))
        .arg("center")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("DOCSEAL_ADMIN_PASSWORD", ADMIN_PW)
        .env("DOCSEAL_PASSWORD", ADMIN_PW)
        .env("DOCSEAL_NEW_PASSWORD", KEEPER_PW)
        .output()
        .unwrap()
}

/// RFC 4180 cells of one CSV text (quoted cells may hold commas, quotes and line breaks).
fn csv_cells(text: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',' | '\n', false) => cells.push(std::mem::take(&mut cell)),
            ('\r', false) if chars.peek() == Some(&'\n') => {}
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

#[test]
fn reports_print_escaped_on_a_terminal_and_as_text_in_csv() {
    let dir = scratch("center-text");
    let data = dir.join("center");
    assert!(center(&data, &["init"]).status.success());
    // A report as a keeper's client could send it, written through the library.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = docseal_center::Center::open(&data).await.unwrap();
        let admin = c.login("admin", ADMIN_PW).await.unwrap();
        let mut r = docseal_center::client::Report::new("verify", "ok").unwrap();
        r.event.document = Some("=HYPERLINK(\"http://evil.example\",\"open\")".into());
        r.event.detail =
            Some("fine\n 99  2026-01-01T00:00:00Z  admin  seal-revoke\u{1b}[2J\u{7}".into());
        r.event.client = Some("\tcmd".into());
        r.event.outcome = "\r@SUM(A1)".into();
        c.record(&admin, &r.event_id, r.event, None).await.unwrap();
    });
    let o = center(&data, &["audit"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\r'),
        "{text:?}"
    );
    assert!(text.contains("\\u{001b}[2J\\u{0007}"), "{text}");
    // One line per row: the forged line stays inside its row, so every line starts with its
    // row's number.
    for line in text.lines() {
        let seq = line.split_whitespace().next().unwrap_or("");
        assert!(
            seq.parse::<u64>().is_ok(),
            "a line that is not a row: {line:?}\n{text}"
        );
    }
    assert!(text.lines().count() >= 4, "{text}");

    let o = center(&data, &["audit", "--csv"]);
    let cells = csv_cells(&stdout(&o));
    assert!(
        cells.iter().any(|c| c.starts_with("'=HYPERLINK")),
        "{cells:?}"
    );
    let live: Vec<&String> = cells
        .iter()
        .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']))
        .collect();
    assert!(live.is_empty(), "cells a spreadsheet would run: {live:?}");
}

#[test]
fn names_that_pass_for_another_are_refused() {
    let dir = scratch("center-names");
    let data = dir.join("center");
    assert!(center(&data, &["init"]).status.success());
    assert!(center(&data, &["keeper", "add", "keeper1"])
        .status
        .success());
    for (name, why) in [
        ("ｋｅｅｐｅｒ1", "exists already"),
        ("Keeper1", "exists already"),
        ("keeper1\u{200b}", "does not show"),
        ("k\u{0435}eper1", "scripts"),
        ("kee\u{202e}1rep", "does not show"),
        ("keeper\u{1b}[31m", "does not show"),
    ] {
        let o = center(&data, &["keeper", "add", name]);
        assert_eq!(o.status.code(), Some(2), "{name:?} was added");
        let err = stderr(&o);
        assert!(err.contains(why), "{name:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name:?}: {err}");
        assert!(
            !err.contains('\u{202e}') && !err.contains('\u{1b}'),
            "{err:?}"
        );
    }
    // A Chinese name and a fullwidth login of an existing name work.
    assert!(center(&data, &["keeper", "add", "张三"]).status.success());
    let o = Command::new(env!("CARGO_BIN_EXE_docseal"))
        .arg("center")
        .arg("--data-dir")
        .arg(&data)
        .args(["--user", "ｋｅｅｐｅｒ1", "seal", "list"])
        .env("DOCSEAL_PASSWORD", KEEPER_PW)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}
