//! `docseal batch` and `docseal verify --recursive`: many files, one key login, in parallel, with
//! progress — a bar on a terminal, a line per file otherwise, only errors with `--quiet` — and
//! a report. Exit 0 when every file is sealed (or valid), 1 when some are not, 2 when the run
//! could not start or had to stop (the key or the token).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::{BatchArgs, VerifyArgs};
use docseal::batch::{self, BatchOptions, Mode, Outcome, Status};
use docseal::Error;
use docseal::{Report, Verdict, VerifyOptions};
use docseal_keeper::{Keeper, PictureSource, Setup, Stamping};

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Progress for a run over `total` files.
struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(total: usize, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40.red/white} {pos}/{len} files  {per_sec}  ETA {eta}  {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress { bar, quiet }
    }

    /// One file done: `ok` lines go to stdout (not with --quiet), problems to stderr.
    fn file(&self, ok: bool, line: String) {
        match &self.bar {
            Some(bar) => {
                if !ok {
                    bar.println(line);
                }
                bar.inc(1);
            }
            None if !ok => tell!("{line}"),
            None if !self.quiet => say!("{line}"),
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn rate(n: usize, started: Instant) -> String {
    let secs = started.elapsed().as_secs_f64();
    format!("in {secs:.1} s, {:.0} files/s", n as f64 / secs.max(1e-6))
}

pub fn run(a: BatchArgs) -> Result<u8, docseal_keeper::Error> {
    let jobs = batch::plan(&a.input, &a.output, a.recursive)?;
    // Everything that can be checked is checked before the PIN is asked for.
    let placement = crate::placing::placement(&a.place)?;
    let offset_mm = crate::placing::offset(a.place.offset_mm.as_deref())?;
    if let Some(report) = &a.report {
        batch::report::check(report, Some(&a.output))?;
    }
    let stamps = !a.sign_only;
    let picture = match stamps {
        true => crate::stamp::picture_source(a.image.as_deref(), a.name.as_deref())?,
        false => PictureSource::None,
    };
    // One PIN entry and one token login for the whole run: a wrong PIN ends it here.
    let mut keeper = Keeper::open(Setup {
        picture,
        stamps,
        size_mm: Some(a.place.size_mm),
        ..crate::stamp::setup(&a.key, &a.tsa, &a.center, &a.comment)?
    })?;
    for n in keeper.notices() {
        tell!("docseal: {n}");
    }
    let how = Stamping {
        open_pane: a.open_pane,
        offset_mm,
        ..Stamping::at(placement)
    };
    let (sign, stamp);
    let mode = if stamps {
        stamp = keeper.stamp_options(&how)?;
        Mode::Stamp(&stamp)
    } else {
        sign = keeper.sign_options()?;
        Mode::Sign(&sign)
    };
    std::fs::create_dir_all(&a.output).map_err(|e| Error::io(&a.output, e))?;
    let opts = BatchOptions {
        mode,
        force: a.force,
        jobs: a.jobs.unwrap_or_else(default_jobs),
    };
    let progress = Progress::new(jobs.len(), a.quiet);
    let started = Instant::now();
    let shown = |p: &Path| batch::display(p, &a.input).display().to_string();
    let result = batch::run(&jobs, &opts, &|o: &Outcome| {
        let input = shown(&o.input);
        let out = o
            .output
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        match o.status {
            Status::Failed => progress.file(
                false,
                format!("failed {input}: {}", o.reason.as_deref().unwrap_or("")),
            ),
            Status::AlreadySealed => progress.file(true, format!("already sealed {input} → {out}")),
            _ => progress.file(true, format!("sealed {input} → {out}")),
        }
    });
    progress.finish();
    let action = if stamps { "stamp" } else { "sign" };
    for o in result
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Sealed)
    {
        if let Some(out) = &o.output {
            if let Ok(sealed) = std::fs::read(out) {
                crate::link::record(&mut keeper, action, out, &sealed);
            }
        }
    }
    if let Some(report) = &a.report {
        batch::report::write(report, &result.outcomes)?;
    }
    let count = |s: Status| result.outcomes.iter().filter(|o| o.status == s).count();
    let (sealed, kept, failed) = (
        count(Status::Sealed),
        count(Status::AlreadySealed),
        count(Status::Failed),
    );
    say!(
        "{sealed} sealed, {kept} already sealed, {failed} failed of {} files {}",
        jobs.len(),
        rate(result.outcomes.len(), started)
    );
    if let Some(e) = result.fatal {
        tell!(
            "docseal: the run stopped: {e} ({} files not started)",
            jobs.len() - result.outcomes.len()
        );
        return Ok(2);
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

/// The documents under the folders (or the files) given.
fn files_under(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(batch::tree::documents(p, true)?.into_iter().map(|(f, _)| f));
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// `verify --recursive`: every document of the trees, in parallel.
pub fn verify_tree(a: &VerifyArgs, opts: &VerifyOptions) -> Result<(u8, Vec<Report>), Error> {
    if let Some(report) = &a.report {
        batch::report::check(report, None)?;
    }
    let files = files_under(&a.files)?;
    let progress = Progress::new(files.len(), a.quiet || a.json);
    let started = Instant::now();
    let jobs = a.jobs.unwrap_or_else(default_jobs);
    let checked = batch::verify_files(&files, opts, jobs, a.report.is_some(), &|r| {
        let ok = r.verdict == Verdict::Valid;
        let why = r
            .reason()
            .filter(|_| !ok)
            .map(|f| format!(" — {}", f.message));
        progress.file(
            ok,
            format!(
                "{}: {}{}",
                r.file,
                r.verdict.as_str(),
                why.unwrap_or_default()
            ),
        );
    });
    progress.finish();
    if let Some(report) = &a.report {
        let outcomes: Vec<Outcome> = checked
            .iter()
            .map(|(r, sha256)| Outcome::from_report(r, sha256.clone()))
            .collect();
        batch::report::write(report, &outcomes)?;
    }
    let reports: Vec<Report> = checked.into_iter().map(|(r, _)| r).collect();
    let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
    let summary = format!(
        "{} valid, {} invalid, {} unsigned, {} untrusted, {} revoked, {} unreadable of {} files {}",
        count(Verdict::Valid),
        count(Verdict::Invalid),
        count(Verdict::Unsigned),
        count(Verdict::Untrusted),
        count(Verdict::Revoked),
        count(Verdict::Error),
        reports.len(),
        rate(reports.len(), started)
    );
    if a.json {
        tell!("{summary}");
    } else {
        say!("{summary}");
    }
    let code = if reports.iter().any(|r| r.verdict == Verdict::Error) {
        2
    } else if reports.iter().all(|r| r.verdict == Verdict::Valid) {
        0
    } else {
        1
    };
    Ok((code, reports))
}
