//! The docseal command line: exit 0 when all went well (every file valid), 1 when a file is not
//! valid, 2 on unreadable input or bad usage.
//!
//! Two executables run it. `docseal-full` has every command. `docseal` runs `verify` itself and
//! becomes `docseal-full` (exec, same process) for every other command: an executable holds only
//! the code its entry point reaches, and without the seal center's store (SQLite, PostgreSQL,
//! tokio), the CA and the seal drawing, `docseal` has half the relocations to apply at start.
//! A whole-process verify, which auditors and scripts start once per file, pays for that
//! (issue 9, process start; see docs/design-notes.md).

/// `println!` that survives a reader going away (see `out`).
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}

/// `eprintln!` that survives a reader going away (see `out`).
macro_rules! tell {
    ($($arg:tt)*) => {
        $crate::out::err_line(format_args!($($arg)*))
    };
}

mod args;
mod batch;
mod center;
mod link;
mod out;
mod placing;
mod slot;
mod stamp;
mod tokens;
mod unlock;

use clap::{Args, FromArgMatches, Parser};
use std::ffi::OsString;
use std::process::ExitCode;

use args::{Cli, Command, ImageArgs, SignArgs, VerifyArgs};
use docseal::Error;
use docseal::{Cert, Crl, Validator};
use docseal::{SealStatus, Verdict, VerifyOptions};

/// The whole command line (`docseal-full`).
pub fn run(args: Vec<OsString>) -> ExitCode {
    let command = match parse(args) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    finish(match command {
        Command::Sign(a) => sign(a),
        Command::Verify(a) => verify::<true>(a).map_err(Into::into),
        Command::Image(a) => image(a).map_err(Into::into),
        Command::Stamp(a) => stamp::run(a),
        Command::Batch(a) => batch::run(a),
        Command::Slot(a) => slot::run(a).map_err(Into::into),
        Command::Tokens(a) => tokens::run(a).map_err(Into::into),
        Command::Center(a) => center::run(a).map_err(Into::into),
    })
}

/// Whether a command line is `docseal verify ...` without `--mark`, which [`run_verify`] runs
/// alone. Only a matter of speed: `docseal-full` runs every command line the same way.
pub fn is_verify(args: &[OsString]) -> bool {
    args.get(1).is_some_and(|a| a == "verify")
        && !args
            .iter()
            .any(|a| a.to_str().is_some_and(|a| a.starts_with("--mark")))
}

/// `docseal verify ...` alone: its own parser, and none of the other commands' code.
pub fn run_verify(args: Vec<OsString>) -> ExitCode {
    let parsed = verify_parser()
        .try_get_matches_from(args.get(1..).unwrap_or_default())
        .and_then(|m| VerifyArgs::from_arg_matches(&m));
    match parsed {
        Ok(a) => finish(verify::<false>(a)),
        Err(e) => usage_error(e),
    }
}

fn usage_error(e: clap::Error) -> ExitCode {
    let code = if e.use_stderr() { 2 } else { 0 };
    let _ = e.print();
    ExitCode::from(code)
}

/// The exit code, and the one line that says why when there was an error. Generic, so that the
/// verify-only executable links the engine's error alone.
fn finish<E: std::fmt::Display>(result: Result<u8, E>) -> ExitCode {
    match result {
        // What was asked for did not reach standard output whole.
        Ok(_) if out::failed() => ExitCode::from(2),
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            tell!("docseal: {e}");
            ExitCode::from(2)
        }
    }
}

fn sign(a: SignArgs) -> Result<u8, docseal_keeper::Error> {
    docseal::refuse_same_file(&a.input, &a.output)?;
    docseal::refuse_non_file(&a.output)?;
    let mut keeper =
        docseal_keeper::Keeper::open(stamp::setup(&a.key, &a.tsa, &a.center, &a.comment)?)?;
    for n in keeper.notices() {
        tell!("docseal: {n}");
    }
    let bytes = docseal::read_document(&a.input, docseal::Limits::default())?;
    let signed = keeper.sign(bytes)?;
    docseal::write_bytes_atomically(&a.output, &signed)?;
    link::record(&mut keeper, "sign", &a.output, &signed);
    say!("{}: signed by {}", a.output.display(), keeper.signer());
    Ok(0)
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// `docseal verify`. With `MARK` false, `--mark` is refused instead of drawn, so that `docseal`
/// holds none of the seal drawing; [`is_verify`] sends `--mark` to `docseal-full`.
fn verify<const MARK: bool>(a: VerifyArgs) -> Result<u8, Error> {
    let mut trust = Validator {
        revocation: (!a.offline).then(|| {
            std::sync::Arc::new(docseal_keeper::CrlFetcher::new(
                docseal_keeper::FetchPolicy {
                    allowed: a.crl_allow.clone(),
                    ..Default::default()
                },
            )) as std::sync::Arc<dyn docseal::RevocationSource>
        }),
        ..Validator::default()
    };
    for t in &a.trust {
        trust
            .anchors
            .extend(Cert::load_all(&read(t)?).map_err(|e| Error::arg(t.display().to_string(), e))?);
    }
    if let Some(d) = &a.trust_dir {
        trust.anchors.extend(Cert::load_dir(d)?);
    }
    for t in &a.tsa_trust {
        trust
            .tsa_anchors
            .extend(Cert::load_all(&read(t)?).map_err(|e| Error::arg(t.display().to_string(), e))?);
    }
    for c in &a.crl {
        trust
            .crls
            .push(Crl::load(&read(c)?).map_err(|e| Error::arg(c.display().to_string(), e))?);
    }
    let at = match &a.at {
        Some(s) => Some(docseal::parse_time(s).ok_or_else(|| {
            Error::arg(
                format!("--at {s:?}"),
                "expected a time like 2026-11-24T08:00:00Z",
            )
        })?),
        None => None,
    };
    let opts = VerifyOptions {
        trust,
        at,
        require_issued_seals: a.require_issued_seals,
        ..VerifyOptions::default()
    };
    if a.mark.is_some() && (a.files.len() != 1 || a.recursive) {
        return Err(Error::arg("--mark", "takes exactly one FILE"));
    }
    if a.recursive {
        let (code, reports) = batch::verify_tree(&a, &opts)?;
        if a.json {
            say!(
                "{}",
                serde_json::to_string_pretty(&reports).map_err(|e| Error::Write(e.to_string()))?
            );
        }
        return Ok(code);
    }
    let reports: Vec<_> = a
        .files
        .iter()
        .map(|f| docseal::verify_file(f, &opts))
        .collect();
    if let (Some(out), Some(r)) = (&a.mark, reports.first()) {
        if !MARK {
            return Err(Error::arg("--mark", "is drawn by docseal-full"));
        }
        docseal::mark_file(&a.files[0], r, out)?;
        let crossed = r
            .seals
            .iter()
            .filter(|s| matches!(s.status, SealStatus::Copied | SealStatus::Unbound))
            .count();
        tell!(
            "{}: copy with {crossed} seal(s) crossed out and the signatures removed",
            out.display()
        );
    }
    if a.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&reports).map_err(|e| Error::Write(e.to_string()))?
        );
    } else {
        // All lines in one write: stdout writes each line on its own otherwise.
        let mut text = String::new();
        for r in &reports {
            write_report(&mut text, r).map_err(|e| Error::Write(e.to_string()))?;
        }
        out::text(&text);
    }
    Ok(if reports.iter().any(|r| r.verdict == Verdict::Error) {
        2
    } else if reports.iter().all(|r| r.verdict == Verdict::Valid) {
        0
    } else {
        1
    })
}

/// The command line, parsed. `docseal verify` — run once per document by scripts and by other
/// programs' bulk checks — builds only its own parser: building every subcommand's (the center's
/// alone has dozens of options) took 0.6 ms of the 9 ms a whole verify of a 200 KB document takes
/// (issue 9, process start).
fn parse(args: Vec<OsString>) -> Result<Command, clap::Error> {
    if args.get(1).is_some_and(|a| a == "verify") {
        let matches = verify_parser().try_get_matches_from(&args[1..])?;
        return VerifyArgs::from_arg_matches(&matches).map(Command::Verify);
    }
    Cli::try_parse_from(args).map(|c| c.command)
}

/// `docseal verify`'s parser on its own: the same arguments as the full parser's subcommand.
fn verify_parser() -> clap::Command {
    VerifyArgs::augment_args(
        clap::Command::new("verify")
            .bin_name("docseal verify")
            .about("Check the signatures of DOCX/XLSX files and print a verdict for each"),
    )
}

/// "signed by CN with Word 2010 on a signature line".
fn made_by(s: &docseal::SignatureReport) -> String {
    let who = s
        .signer
        .as_deref()
        .map(|d| {
            d.split(',')
                .find_map(|p| p.trim().strip_prefix("CN="))
                .unwrap_or(d)
                .to_string()
        })
        .unwrap_or_else(|| "an unknown signer".into());
    let line = if s.made_with.signature_line.is_some() {
        " on a signature line"
    } else {
        ""
    };
    format!("signed by {who} with {}{line}", s.made_with.program)
}

/// One report as the lines `docseal verify` prints.
fn write_report(out: &mut String, r: &docseal::Report) -> std::fmt::Result {
    use std::fmt::Write;
    let summary = match r.verdict {
        Verdict::Unsigned => "no signatures".to_string(),
        Verdict::Untrusted | Verdict::Revoked => {
            // An intact signature from someone this verifier does not trust: say who made it
            // and with what first ("intact, signed by X with Word 2010 on a signature line").
            let intact = (r.verdict == Verdict::Untrusted)
                .then(|| r.signatures.iter().find(|s| s.intact))
                .flatten()
                .map(|s| format!("intact, {}; ", made_by(s)))
                .unwrap_or_default();
            let codes: &[&str] = if r.verdict == Verdict::Revoked {
                &["revoked"]
            } else {
                &["certificate-not-valid", "untrusted-signer"]
            };
            codes
                .iter()
                .find_map(|code| {
                    r.signatures
                        .iter()
                        .flat_map(|s| &s.findings)
                        .find(|f| f.code == *code)
                })
                .map(|f| format!("{intact}{}", f.message))
                .unwrap_or(intact)
        }
        Verdict::Valid => format!("{} intact signature(s), all trusted", r.signatures.len()),
        _ => r
            .reason()
            .filter(|f| f.severity == docseal::Severity::Error)
            .map(|f| f.message.clone())
            .unwrap_or_default(),
    };
    writeln!(out, "{}: {} — {}", r.file, r.verdict.as_str(), summary)?;
    if r.verdict == Verdict::Error {
        return Ok(());
    }
    for s in &r.signatures {
        // Say what proves the time: a trusted time-stamp, or only the signer's word.
        let when = match (&s.timestamp, s.time_source) {
            (Some(t), Some(docseal::TimeSource::Timestamp)) => format!(
                "{} (proven by TSA {})",
                s.best_time.as_deref().unwrap_or("?"),
                t.tsa.as_deref().unwrap_or("?")
            ),
            _ => format!(
                "{} (claimed by the signer)",
                s.signed_at.as_deref().unwrap_or("?")
            ),
        };
        writeln!(
            out,
            "  {} {} by {} at {when} ({})",
            if s.intact { "intact" } else { "BROKEN" },
            s.part,
            s.signer.as_deref().unwrap_or("?"),
            s.algorithm.as_deref().unwrap_or("?")
        )?;
        writeln!(out, "    {}", made_by(s))?;
        if let Some(a) = &s.approval {
            writeln!(
                out,
                "    approved by {} at {} (request {})",
                a.approved_by, a.approved_at, a.request
            )?;
        }
    }
    for s in &r.seals {
        let issued = match (&s.issued.seal_id, &s.issued.issued_by) {
            (Some(id), Some(by)) => format!(
                ", seal {id} issued by {by}, valid {} to {}",
                s.issued.valid_from.as_deref().unwrap_or("?"),
                s.issued.valid_to.as_deref().unwrap_or("?")
            ),
            _ => String::new(),
        };
        match (&s.slot, s.status) {
            (Some(label), SealStatus::Empty) => writeln!(out, "  slot \"{label}\" empty")?,
            (Some(label), status) => writeln!(
                out,
                "  slot \"{label}\" {} — sealed by {} at {} ({}{issued})",
                status.as_str(),
                s.signer.as_deref().unwrap_or("?"),
                s.signed_at.as_deref().unwrap_or("?"),
                s.issuance.as_str()
            )?,
            (None, status) => writeln!(
                out,
                "  seal {} {} ({}{issued})",
                s.image_part,
                status.as_str(),
                s.issuance.as_str()
            )?,
        }
    }
    // "2 of 3 slots sealed: Party B's slot is empty" is information, not an error.
    let slots: Vec<_> = r.seals.iter().filter(|s| s.slot.is_some()).collect();
    let empty: Vec<&str> = slots
        .iter()
        .filter(|s| s.status == SealStatus::Empty)
        .filter_map(|s| s.slot.as_deref())
        .collect();
    if !empty.is_empty() {
        writeln!(
            out,
            "  {} of {} slots sealed; empty: {}",
            slots.len() - empty.len(),
            slots.len(),
            empty.join(", ")
        )?;
    }
    Ok(())
}

fn image(a: ImageArgs) -> Result<u8, Error> {
    let png = match &a.from_scan {
        Some(scan) => docseal::pictures::from_scan(&read(scan)?)?,
        None => {
            let mut spec = docseal::pictures::SealSpec::new(a.name.as_deref().unwrap_or_default());
            spec.text = a.text.clone();
            spec.serial = a.serial.clone();
            spec.size_mm = a.size_mm;
            spec.color = docseal::pictures::parse_color(&a.color)?;
            spec.dpi = a.dpi;
            if a.oval {
                spec.shape = docseal::pictures::Shape::Oval;
            }
            if !(10.0..=100.0).contains(&spec.size_mm) || !(24..=2400).contains(&spec.dpi) {
                return Err(Error::arg(
                    "--size-mm/--dpi",
                    "--size-mm takes 10 to 100, --dpi 24 to 2400",
                ));
            }
            docseal::pictures::render_png(&spec)?
        }
    };
    docseal::write_bytes_atomically(&a.output, &png)?;
    say!("{}: seal picture written", a.output.display());
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_verify_parser_is_the_full_ones_subcommand() {
        let mut full = Cli::command();
        full.build();
        let sub = full
            .find_subcommand_mut("verify")
            .expect("verify subcommand")
            .clone()
            .bin_name("docseal verify");
        let mut own = verify_parser();
        assert_eq!(
            own.render_long_help().to_string(),
            sub.clone().render_long_help().to_string()
        );
        let args = ["docseal", "verify", "--json", "--recursive", "a.docx"];
        let Ok(Command::Verify(a)) = parse(args.iter().map(OsString::from).collect()) else {
            panic!("not parsed as verify");
        };
        assert!(a.json && a.recursive);
        assert!(parse(
            ["docseal", "verify", "--no-such"]
                .iter()
                .map(OsString::from)
                .collect()
        )
        .is_err());
    }
}
