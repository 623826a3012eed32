//! Verification: package in → parse signatures → check references against parts → check the
//! signer → report. Every signature is checked, every finding kept; the verdict is computed from
//! the findings in one place (`Report::decide`).

pub mod binding;
pub mod coverage;
mod finding;
pub mod issuance;
mod made_with;
mod options;
pub mod report;
pub mod signature;
pub mod slots;
pub mod timestamps;

use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;

use crate::dsig::displayed;
use crate::dsig::names::*;
use crate::error::Result;
use crate::opc::{Package, PackageEdit, PartName};
pub use options::VerifyOptions;
pub use report::{
    Finding, LineReport, MadeWith, Report, SealStatus, Severity, SignatureReport, TimeSource,
    Verdict,
};
use signature::{PartTask, SignatureCheck};

/// Verifies a file; unreadable input gives a report with verdict `error`.
pub fn verify_file(path: &Path, opts: &VerifyOptions) -> Report {
    let name = path.display().to_string();
    match Package::open(path, opts.limits) {
        Ok(pkg) => verify_package(&name, &pkg, opts),
        Err(e) => Report::error(&name, &e),
    }
}

/// Verifies a package already in memory (the server's path).
pub fn verify_bytes(
    name: &str,
    bytes: impl Into<crate::opc::package::Bytes>,
    opts: &VerifyOptions,
) -> Report {
    match Package::from_bytes(bytes, opts.limits) {
        Ok(pkg) => verify_package(name, &pkg, opts),
        Err(e) => Report::error(name, &e),
    }
}

pub fn verify_package(name: &str, pkg: &Package, opts: &VerifyOptions) -> Report {
    let mut report = Report {
        file: name.to_string(),
        verdict: Verdict::Error,
        signatures: vec![],
        seals: vec![],
        signature_lines: vec![],
        unsigned_parts: vec![],
        findings: vec![],
    };
    let view = PackageEdit::new(pkg);
    let sig_parts = match signature_parts(&view, &mut report.findings) {
        Ok(p) => p,
        Err(e) => return Report::error(name, &e),
    };

    // Parts that may display unsigned data or hold a seal are watched while they are digested:
    // coverage and binding read again only those where the markup they look for occurs.
    let watched: std::collections::BTreeSet<String> = pkg
        .entries()
        .iter()
        .filter(|e| {
            pkg.content_type(&e.name)
                .is_some_and(|ct| binding::may_hold_seal(ct) || crate::slot::may_hold_slot(ct))
        })
        .map(|e| e.name.key())
        .collect();
    let digest = |t: &PartTask| -> signature::DigestResult {
        let watch = t.selector.is_none() && watched.contains(&t.part.key());
        let (digest, found) = signature::digest_task(pkg, t, if watch { WATCH } else { &[] });
        (t.key(), digest, watch.then_some(found))
    };

    // Parse and check each signature's own XML (libxml documents stay on this thread).
    let mut checks: Vec<SignatureCheck> = sig_parts
        .iter()
        .map(|p| signature::check_xml(pkg, p))
        .collect();

    // Digest every referenced part once per algorithm; in parallel when there is enough to do.
    let mut tasks: Vec<PartTask> = checks
        .iter()
        .flat_map(|c| c.tasks.iter().cloned())
        .collect();
    tasks.sort_by_key(PartTask::key);
    tasks.dedup_by(|a, b| a.key() == b.key());
    let results: Vec<signature::DigestResult> = if worth_threads(pkg, &tasks) {
        tasks.par_iter().map(digest).collect()
    } else {
        tasks.iter().map(digest).collect()
    };
    for check in &mut checks {
        check.apply_digests(&results);
    }
    let found: HashMap<String, u32> = tasks
        .iter()
        .zip(results)
        .filter_map(|(t, (_, _, found))| found.map(|f| (t.part.key(), f)))
        .collect();

    for check in &mut checks {
        check.check_trust(&opts.trust, opts.at);
    }
    report.signatures = checks.iter().map(SignatureCheck::report).collect();

    // A watched part without the seal mark holds no seal; without the field and binding
    // markup it displays nothing unsigned.
    let no_seal = |p: &PartName| found.get(&p.key()).is_some_and(|f| f & SEAL_BIT == 0);
    report.seals = binding::check(pkg, &checks, &no_seal, opts, &mut report.findings);
    let may_hold_slot = |p: &PartName| found.get(&p.key()).is_none_or(|f| f & SLOT_BIT != 0);
    let (slot_seals, lines) =
        slots::check(&view, &checks, &may_hold_slot, opts, &mut report.findings);
    report.seals.extend(slot_seals);
    report.signature_lines = lines;
    let kind = made_with::DocumentKind::of(&view);
    for s in &mut report.signatures {
        s.made_with.program = made_with::program(&s.made_with, kind);
    }
    if !report.signatures.is_empty() {
        let displays_of = |p: &PartName| {
            found
                .get(&p.key())
                .filter(|f| *f & DISPLAY_BITS == 0)
                .map(|_| displayed::Displays::default())
        };
        match crate::dsig::coverage::required(&view, &displays_of) {
            Ok(required) => {
                report.unsigned_parts = coverage::check(&checks, &required, &mut report.findings);
            }
            Err(e) => report
                .findings
                .push(Finding::error(e.code(), None, e.to_string())),
        }
    }
    report.decide();
    report
}

/// The signature parts the origin part's relationships name; signature-like parts that nothing
/// points to are reported, since no client would check them.
fn signature_parts(view: &PackageEdit, findings: &mut Vec<Finding>) -> Result<Vec<PartName>> {
    let mut out = Vec::new();
    for origin in view
        .relationships_of(None)?
        .iter()
        .filter(|r| r.rel_type == REL_ORIGIN)
    {
        let Some(origin_part) = origin.target_part(None) else {
            continue;
        };
        let origin_rels = origin_part.rels_part();
        for r in view
            .relationships_of(Some(&origin_part))?
            .iter()
            .filter(|r| r.rel_type == REL_SIGNATURE)
        {
            match r.target_part(Some(&origin_part)) {
                Some(p) if view.exists(&p) && !out.contains(&p) => out.push(p),
                Some(p) if view.exists(&p) => {}
                Some(p) => findings.push(Finding::error(
                    "signature-part-missing",
                    Some(p.as_str()),
                    format!("the signature part {p} named by {origin_rels} is missing"),
                )),
                None => {}
            }
        }
    }
    for name in view.names().into_values() {
        let n = name.as_str();
        if looks_like_signature(&name) && !out.contains(&name) {
            findings.push(Finding::warning(
                "orphan-signature-part",
                Some(n),
                format!("{n} looks like a signature but the origin part does not list it; it was not checked"),
            ));
        }
    }
    Ok(out)
}

/// Whether the digests are worth the thread pool. Starting it (two threads, their stacks and
/// malloc arenas) and waking its workers cost a whole-process verify of a 200 KB document about
/// 0.4 ms of wall time and 3 ms of CPU, more than its digests gain from a second core; a few
/// megabytes of parts gain more than that (issue 9, process start).
fn worth_threads(pkg: &Package, tasks: &[PartTask]) -> bool {
    const WORTH_THE_POOL: u64 = 4 * 1024 * 1024;
    let bytes: u64 = tasks
        .iter()
        .filter_map(|t| pkg.entry(&t.part))
        .map(|e| e.size)
        .sum();
    tasks.len() > 1 && bytes >= WORTH_THE_POOL
}

/// What digesting watches for: the needles of displayed data, the seal mark, a signature line.
const WATCH: &[&[u8]] = &[
    displayed::NEEDLES[0],
    displayed::NEEDLES[1],
    crate::place::marker::NEEDLE,
    crate::slot::NEEDLE,
];
const DISPLAY_BITS: u32 = 0b0011;
const SEAL_BIT: u32 = 0b0100;
const SLOT_BIT: u32 = 0b1000;
