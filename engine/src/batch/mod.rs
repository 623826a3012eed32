//! Sealing a tree of documents in one run: the keeper's key is opened once (one PIN, one token
//! login), workers seal files in parallel, each output appears complete or not at all, and a run
//! started again after a crash finishes what is missing without sealing anything twice.
//!
//! Per-file problems (an unreadable file, a missing keyword, a signed document) are outcomes; a
//! problem with the key or the token (removed mid-run, refusing to sign) stops the run.

pub mod report;
pub mod tree;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::dsig::{self, SignOptions};
use crate::error::{Error, ErrorClass, Result};
use crate::opc::new_file::{self, Staged};
use crate::opc::{Limits, Package, PackageEdit};
use crate::place;
use crate::stamp::{self, StampOptions};
use crate::verify::{self, Verdict, VerifyOptions};
pub use report::{Outcome, Status};
pub use tree::Job;

/// What each file gets.
pub enum Mode<'a> {
    /// The seal picture placed, then signed.
    Stamp(&'a StampOptions<'a>),
    /// Signed only.
    Sign(&'a SignOptions<'a>),
}

impl Mode<'_> {
    fn sign_options(&self) -> &SignOptions<'_> {
        match self {
            Mode::Stamp(s) => &s.sign,
            Mode::Sign(s) => s,
        }
    }
}

/// How a batch runs: sealing or signing, overwriting or not, with how many workers.
pub struct BatchOptions<'a> {
    /// Stamp (picture and signature) or sign only.
    pub mode: Mode<'a>,
    /// Replace outputs that exist and are not this key's finished seal.
    pub force: bool,
    /// Worker threads.
    pub jobs: usize,
}

/// How a run ended.
pub struct RunResult {
    /// One per file that was taken up, in the order they finished.
    pub outcomes: Vec<Outcome>,
    /// The problem that stopped the run (the key or the token), if one did.
    pub fatal: Option<Error>,
}

/// Seals `jobs`; `done` is told of each outcome as it happens (for progress).
pub fn run(jobs: &[Job], opts: &BatchOptions, done: &(dyn Fn(&Outcome) + Sync)) -> RunResult {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let outcomes = Mutex::new(Vec::with_capacity(jobs.len()));
    let fatal: Mutex<Option<Error>> = Mutex::new(None);
    let pending = Pending::default();
    let claims = Claims::new(jobs);
    let workers = opts.jobs.clamp(1, 64).min(jobs.len().max(1));
    // Groups of sealed files are committed on a thread of their own, so that the workers go on
    // sealing while the disk flushes.
    std::thread::scope(|threads| {
        let (to_commit, groups) = std::sync::mpsc::channel::<Vec<(Outcome, Staged)>>();
        threads.spawn(|| {
            for group in groups {
                commit(group, done, &outcomes);
            }
        });
        // The workers are the threads of one pool: the parallel digests inside a file run on
        // them too, instead of waking another pool's threads for every file.
        in_pool(workers, |scope| {
            for _ in 0..workers {
                scope.spawn(|_| loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    match seal_one(job, opts, &|output| claims.take(i, output)).map_err(|e| *e) {
                        Ok(Sealed::Staged(outcome, file)) => {
                            if let Some(group) = pending.add(outcome, file) {
                                // The committer ends only after the workers: it is listening.
                                let _ = to_commit.send(group);
                            }
                        }
                        Ok(Sealed::Finished(outcome)) | Err((outcome, None)) => {
                            done(&outcome);
                            if let Ok(mut list) = outcomes.lock() {
                                list.push(outcome);
                            }
                        }
                        Err((outcome, Some(e))) => {
                            // The key or the token failed: no other file can be sealed either.
                            stop.store(true, Ordering::Relaxed);
                            done(&outcome);
                            if let Ok(mut list) = outcomes.lock() {
                                list.push(outcome);
                            }
                            if let Ok(mut f) = fatal.lock() {
                                f.get_or_insert(e);
                            }
                        }
                    }
                });
            }
        });
        let _ = to_commit.send(pending.take());
    });
    RunResult {
        outcomes: outcomes.into_inner().unwrap_or_default(),
        fatal: fatal.into_inner().unwrap_or_default(),
    }
}

/// Which job each output belongs to, so that two inputs never seal to one output (`x.dotx` and
/// `x.docx` both become `x.docx`). Given out in advance by the names — a document keeps its own
/// name, and of templates the first in order takes it — so that a tree gets the same answer on
/// every run whatever the workers' timing (a rerun must not take the document's seal for the
/// template's). An output the names did not foresee (a `.docx` holding a macro document) goes to
/// the first job that reaches it.
struct Claims<'a> {
    jobs: &'a [Job],
    owner: Mutex<HashMap<PathBuf, usize>>,
}

impl<'a> Claims<'a> {
    fn new(jobs: &'a [Job]) -> Self {
        let mut owner = HashMap::new();
        for keeps_name in [true, false] {
            for (i, job) in jobs.iter().enumerate() {
                // A pipe or a device bearing a document's name fails and writes nothing: it must
                // not keep a real template of that name from its output.
                if std::fs::metadata(&job.input).is_ok_and(|m| !m.is_file()) {
                    continue;
                }
                let Some(ext) = job.input.extension().and_then(|e| e.to_str()) else {
                    continue;
                };
                let ext = ext.to_ascii_lowercase();
                let sealed = tree::sealed_extension(&ext);
                if (sealed == ext) == keeps_name {
                    owner.entry(job.output_with_extension(sealed)).or_insert(i);
                }
            }
        }
        Claims {
            jobs,
            owner: Mutex::new(owner),
        }
    }

    /// Takes `output` for job `i`, or names the input that has it.
    fn take(&self, i: usize, output: &Path) -> Result<()> {
        let mut owner = self
            .owner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match *owner.entry(output.to_path_buf()).or_insert(i) {
            j if j == i => Ok(()),
            j => Err(Error::OutputTaken {
                output: output.to_path_buf(),
                by: self.jobs[j].input.clone(),
            }),
        }
    }
}

/// Sealed files waiting to be committed together (`new_file::commit`): a group is committed
/// when it holds `GROUP` files or its oldest has waited `GROUP_WAIT`, and at the end of the run.
/// A file counts as sealed only once committed, so progress and the report never run ahead of
/// the disk.
#[derive(Default)]
struct Pending(Mutex<Group>);

/// Files staged and not yet committed, and when the first of them was.
#[derive(Default)]
struct Group {
    files: Vec<(Outcome, Staged)>,
    since: Option<Instant>,
}

const GROUP: usize = 32;
const GROUP_WAIT: Duration = Duration::from_millis(250);

impl Pending {
    /// Adds a file; returns the group when it is due.
    fn add(&self, outcome: Outcome, file: Staged) -> Option<Vec<(Outcome, Staged)>> {
        let mut g = self.0.lock().ok()?;
        let since = *g.since.get_or_insert_with(Instant::now);
        g.files.push((outcome, file));
        (g.files.len() >= GROUP || since.elapsed() >= GROUP_WAIT).then(|| {
            g.since = None;
            std::mem::take(&mut g.files)
        })
    }

    fn take(&self) -> Vec<(Outcome, Staged)> {
        self.0
            .lock()
            .map(|mut g| std::mem::take(&mut g.files))
            .unwrap_or_default()
    }
}

/// Commits a group and records each file's outcome: sealed, or failed when it could not be
/// made durable or named.
fn commit(
    group: Vec<(Outcome, Staged)>,
    done: &(dyn Fn(&Outcome) + Sync),
    all: &Mutex<Vec<Outcome>>,
) {
    if group.is_empty() {
        return;
    }
    let (mut outcomes, files): (Vec<Outcome>, Vec<Staged>) = group.into_iter().unzip();
    for (outcome, result) in outcomes.iter_mut().zip(new_file::commit(files)) {
        if let Err(e) = result {
            outcome.status = Status::Failed;
            outcome.code = Some(e.code().to_string());
            outcome.reason = Some(e.to_string());
            outcome.sha256 = None;
        }
        done(outcome);
    }
    if let Ok(mut list) = all.lock() {
        list.extend(outcomes);
    }
}

/// What sealing one file came to: an output already finished, or a new one staged for commit.
enum Sealed {
    Finished(Outcome),
    Staged(Outcome, Staged),
}

type JobError = Box<(Outcome, Option<Error>)>;

fn failed(job: &Job, output: Option<&Path>, e: Error) -> JobError {
    let outcome = Outcome {
        input: job.input.clone(),
        output: output.map(Path::to_path_buf),
        status: Status::Failed,
        code: Some(e.code().to_string()),
        reason: Some(e.to_string()),
        sha256: None,
    };
    let fatal = matches!(e.class(), ErrorClass::Key | ErrorClass::Service).then_some(e);
    Box::new((outcome, fatal))
}

/// Seals one file: the output gets the document's own extension (a template becomes a document).
fn seal_one(
    job: &Job,
    opts: &BatchOptions,
    take: &dyn Fn(&Path) -> Result<()>,
) -> std::result::Result<Sealed, JobError> {
    let pkg = Package::open(&job.input, Limits::default()).map_err(|e| failed(job, None, e))?;
    let mut edit = PackageEdit::new(&pkg);
    let main = place::template_to_document(&mut edit).map_err(|e| failed(job, None, e))?;
    let output = job.output_with_extension(main.extension());
    take(&output).map_err(|e| failed(job, None, e))?;
    // Before anything reads what is there: a pipe would block the worker, a device never end.
    new_file::refuse_non_file(&output).map_err(|e| failed(job, Some(&output), e))?;
    if output.exists() {
        match finished_by(&output, opts.mode.sign_options()) {
            Some(sha256) => {
                return Ok(Sealed::Finished(Outcome {
                    input: job.input.clone(),
                    output: Some(output),
                    status: Status::AlreadySealed,
                    code: None,
                    reason: None,
                    sha256: Some(sha256),
                }))
            }
            None if !opts.force => {
                return Err(failed(
                    job,
                    Some(&output),
                    Error::io(
                        &output,
                        std::io::Error::new(
                            std::io::ErrorKind::AlreadyExists,
                            "exists and is not sealed by this key (--force replaces it)",
                        ),
                    ),
                ))
            }
            None => {}
        }
    }
    let sealed = match &opts.mode {
        Mode::Stamp(s) => stamp::stamp_package(&mut edit, s).map(|_| ()),
        Mode::Sign(s) => dsig::sign(&mut edit, s).map(|_| ()),
    };
    let bytes = sealed
        .and_then(|()| edit.to_bytes())
        .map_err(|e| failed(job, Some(&output), e))?;
    if let Some(dir) = output.parent() {
        std::fs::create_dir_all(dir).map_err(|e| failed(job, Some(&output), Error::io(dir, e)))?;
    }
    let staged =
        new_file::stage(&output, &bytes, opts.force).map_err(|e| failed(job, Some(&output), e))?;
    Ok(Sealed::Staged(
        Outcome {
            input: job.input.clone(),
            output: Some(output),
            status: Status::Sealed,
            code: None,
            reason: None,
            sha256: Some(hex(crate::algorithm::DigestAlg::Sha256.digest(&bytes))),
        },
        staged,
    ))
}

/// When `output` is a finished seal by this key — its signatures intact and the last one made
/// with this certificate — its SHA-256; checked by verifying it, not by its name.
fn finished_by(output: &Path, sign: &SignOptions) -> Option<String> {
    let leaf = sign.certs.first()?;
    let bytes = crate::opc::source::read_document(output, Limits::default()).ok()?;
    let report = verify::verify_bytes("", bytes.clone(), &VerifyOptions::default());
    let ours = report
        .signatures
        .iter()
        .any(|s| s.fingerprint_sha256.as_deref() == Some(&leaf.fingerprint_sha256()));
    let intact = matches!(report.verdict, Verdict::Valid | Verdict::Untrusted);
    (ours && intact).then(|| hex(crate::algorithm::DigestAlg::Sha256.digest(&bytes)))
}

fn hex(bytes: Vec<u8>) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `body` in a scope of a thread pool of `threads` threads (the global pool when it cannot
/// be made).
fn in_pool<'s>(threads: usize, body: impl FnOnce(&rayon::Scope<'s>) + Send) {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.scope(body),
        Err(_) => rayon::scope(body),
    }
}

/// The files of a tree to seal, with their mirrored outputs (see [`tree`]).
pub fn plan(in_dir: &Path, out_dir: &Path, recursive: bool) -> Result<Vec<Job>> {
    tree::jobs(in_dir, out_dir, recursive)
}

/// Where reports and summaries name a file: relative to the folder given, when inside it.
pub fn display(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Verifies files in parallel (`jobs` threads), in the given order; `done` is told of each report.
/// With `digest`, each report comes with the SHA-256 of the bytes it judged: taken from the one
/// read of the file, in the worker, not by reading every file again afterwards.
pub fn verify_files(
    files: &[PathBuf],
    opts: &VerifyOptions,
    jobs: usize,
    digest: bool,
    done: &(dyn Fn(&verify::Report) + Sync),
) -> Vec<(verify::Report, Option<String>)> {
    let next = AtomicUsize::new(0);
    let checked: Mutex<Vec<(usize, verify::Report, Option<String>)>> =
        Mutex::new(Vec::with_capacity(files.len()));
    let workers = jobs.clamp(1, 64).min(files.len().max(1));
    in_pool(workers, |scope| {
        for _ in 0..workers {
            scope.spawn(|_| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                // What `verify::verify_file` does, with the bytes in hand between read and check.
                let name = f.display().to_string();
                let (r, sha256) = match crate::opc::source::read_document(f, opts.limits) {
                    Ok(bytes) => {
                        let sha256 =
                            digest.then(|| hex(crate::algorithm::DigestAlg::Sha256.digest(&bytes)));
                        (verify::verify_bytes(&name, bytes, opts), sha256)
                    }
                    Err(e) => (verify::Report::error(&name, &e), None),
                };
                done(&r);
                if let Ok(mut list) = checked.lock() {
                    list.push((i, r, sha256));
                }
            });
        }
    });
    let mut list = checked.into_inner().unwrap_or_default();
    list.sort_by_key(|(i, _, _)| *i);
    list.into_iter().map(|(_, r, sha256)| (r, sha256)).collect()
}

impl Outcome {
    /// A verification report as a line of the batch report, with the SHA-256 of what it judged.
    pub fn from_report(r: &verify::Report, sha256: Option<String>) -> Outcome {
        let status = match r.verdict {
            Verdict::Valid => Status::Valid,
            Verdict::Untrusted => Status::Untrusted,
            Verdict::Revoked => Status::Revoked,
            Verdict::Invalid => Status::Invalid,
            Verdict::Unsigned => Status::Unsigned,
            Verdict::Error => Status::Error,
        };
        let reason = r.reason().filter(|_| r.verdict != Verdict::Valid);
        Outcome {
            input: PathBuf::from(&r.file),
            output: None,
            status,
            code: reason.map(|f| f.code.to_string()),
            reason: reason.map(|f| f.message.clone()),
            sha256,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &str) -> Job {
        Job {
            input: Path::new("/in").join(name),
            relative: PathBuf::from(name),
            out_dir: PathBuf::from("/out"),
        }
    }

    #[test]
    fn a_document_keeps_its_name_whichever_job_asks_first() {
        // The template comes first in the list, and asks first.
        let jobs = [job("x.dotx"), job("x.docx"), job("y.xltx"), job("y.XLTM")];
        let claims = Claims::new(&jobs);
        let out = |n: &str| Path::new("/out").join(n);
        match claims.take(0, &out("x.docx")) {
            Err(Error::OutputTaken { by, .. }) => assert_eq!(by, Path::new("/in/x.docx")),
            other => panic!("{other:?}"),
        }
        assert!(claims.take(1, &out("x.docx")).is_ok());
        // Different outputs (y.xlsx, y.xlsm) do not collide; an output no name foretold goes to
        // whoever takes it first.
        assert!(claims.take(2, &out("y.xlsx")).is_ok());
        assert!(claims.take(3, &out("y.xlsm")).is_ok());
        assert!(claims.take(2, &out("z.docm")).is_ok());
        assert!(claims.take(3, &out("z.docm")).is_err());
    }
}
