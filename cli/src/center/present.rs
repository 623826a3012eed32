//! How the center's answers reach the person or the script: a line or JSON, CSV safe in a
//! spreadsheet, text safe on a terminal, files written atomically.

use super::args::{AuditArgs, CenterArgs};
use docseal_center::registry::Seal;
use docseal_center::Error;
use std::path::Path;

/// Writes through a temporary file and a rename, like every docseal output.
pub(crate) fn write_out(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    docseal::write_atomically(path, |mut f| {
        f.write_all(bytes).map_err(|e| docseal::Error::io(path, e))
    })
    .map_err(|e| Error::Io(e.to_string()))
}

pub(crate) fn show_approval(a: &CenterArgs, r: &docseal_center::approvals::Approval) {
    let text = match r.status {
        docseal_center::approvals::ApprovalStatus::Pending => format!(
            "requested use of {} on {} (sha256 {})\n{}",
            r.seal_id, r.document, r.document_sha256, r.id
        ),
        _ => format!(
            "{} {} ({} on {}){}",
            r.id,
            r.status.as_str(),
            r.seal_id,
            r.document,
            r.decided_by
                .as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default()
        ),
    };
    say(a, &serde_json::to_value(r).unwrap_or_default(), &text);
}

pub(crate) fn list_approvals(a: &CenterArgs, list: &[docseal_center::approvals::Approval]) {
    if a.json {
        say!("{}", serde_json::to_value(list).unwrap_or_default());
        return;
    }
    for r in list {
        say!(
            "{}  {:<8}  {}  {}  by {}{}",
            r.id,
            r.status.as_str(),
            term(&r.seal_id),
            term(&r.document),
            term(&r.requester),
            r.reason
                .as_deref()
                .map(|x| format!(" — {}", term(x)))
                .unwrap_or_default()
        );
    }
}

/// One seal as a line (id, status, name, reason), or as JSON.
pub(crate) fn show_seal(a: &CenterArgs, s: &Seal) {
    say(
        a,
        &summary(s),
        &format!(
            "{}  {}  {}{}",
            s.id,
            s.status.as_str(),
            term(&s.name),
            s.status_reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
    );
}

pub(crate) fn summary(s: &Seal) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        // The picture and the seal data are long; the picture's hash names them.
        o.remove("picture_b64");
        o.remove("seseal_b64");
    }
    v
}

pub(crate) fn print_entries(a: &CenterArgs, au: &AuditArgs, rows: &[docseal_center::audit::Entry]) {
    if a.json {
        say!("{}", serde_json::to_value(rows).unwrap_or_default());
    } else if au.csv {
        say!("seq,at,actor,action,seal_id,document,document_sha256,outcome,client,detail,hash");
        for r in rows {
            let e = &r.event;
            let cells = [
                r.seq.to_string(),
                time_text(r.at),
                e.actor.clone(),
                e.action.clone(),
                e.seal_id.clone().unwrap_or_default(),
                e.document.clone().unwrap_or_default(),
                e.document_sha256.clone().unwrap_or_default(),
                e.outcome.clone(),
                e.client.clone().unwrap_or_default(),
                e.detail.clone().unwrap_or_default(),
                r.hash.clone(),
            ];
            say!(
                "{}",
                cells
                    .iter()
                    .map(|c| csv_cell(c))
                    .collect::<Vec<_>>()
                    .join(",")
            );
        }
    } else {
        for r in rows {
            let e = &r.event;
            // Every field a client or a user chose is escaped: a newline in a report's detail
            // would print a forged row, an escape sequence would recolour or erase the screen.
            say!(
                "{:>5}  {}  {:<12} {:<16} {:<16} {}{}",
                r.seq,
                time_text(r.at),
                term(&e.actor),
                term(&e.action),
                term(e.seal_id.as_deref().unwrap_or("-")),
                term(&e.outcome),
                e.detail
                    .as_deref()
                    .map(|d| format!("  {}", term(d)))
                    .unwrap_or_default()
            );
        }
    }
}

pub(crate) fn time_text(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// One CSV cell, safe in a spreadsheet (see [`docseal_center::names::csv_cell`]).
pub(crate) fn csv_cell(c: &str) -> String {
    docseal_center::names::csv_cell(c)
}

/// Text from the registry or a client for the terminal: what is not printable is escaped.
pub(crate) fn term(s: &str) -> String {
    docseal_center::names::for_terminal(s)
}

pub(crate) fn say(a: &CenterArgs, json: &serde_json::Value, text: &str) {
    if a.json {
        say!("{json}");
    } else {
        say!("{text}");
    }
}
