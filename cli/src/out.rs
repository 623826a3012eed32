//! Standard output and error that outlive their reader. `docseal verify --recursive DIR | head`,
//! `docseal batch … 2>&1 | head` or `docseal center audit --csv | less` close the pipe early;
//! Rust ignores SIGPIPE, so `println!` and `eprintln!` would panic there, in the middle of a
//! batch run. The work is the point and the lines are not: once the reader has gone, lines are
//! dropped and the command finishes with its own exit status. Any other failure to write
//! standard output (a full disk under `> report.json`) makes the exit status 2: what was asked
//! for did not arrive whole.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// The reader of standard output has gone, or writing to it failed.
static OUT_GONE: AtomicBool = AtomicBool::new(false);
/// Writing standard output failed for another reason than its reader going away.
static OUT_FAILED: AtomicBool = AtomicBool::new(false);
/// The reader of standard error has gone.
static ERR_GONE: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output as it is, in one write where the lines allow it.
pub fn text(text: &str) {
    let _ = write(&OUT_GONE, std::io::stdout().lock(), |out| {
        out.write_all(text.as_bytes())
    })
    .map_err(note_failure);
}

/// Writes one line to standard output.
pub fn line(args: std::fmt::Arguments) {
    let _ = write(&OUT_GONE, std::io::stdout().lock(), |out| {
        writeln!(out, "{args}")
    })
    .map_err(note_failure);
}

/// Writes one line to standard error; if that fails there is nobody left to tell.
pub fn err_line(args: std::fmt::Arguments) {
    let _ = write(&ERR_GONE, std::io::stderr().lock(), |err| {
        writeln!(err, "{args}")
    });
}

/// Did writing standard output fail (other than by its reader going away)?
pub fn failed() -> bool {
    OUT_FAILED.load(Ordering::Relaxed)
}

fn note_failure(e: std::io::Error) {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        OUT_FAILED.store(true, Ordering::Relaxed);
        err_line(format_args!("docseal: writing to standard output: {e}"));
    }
}

fn write<W: Write>(
    gone: &AtomicBool,
    mut to: W,
    put: impl FnOnce(&mut W) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if gone.load(Ordering::Relaxed) {
        return Ok(());
    }
    put(&mut to).and_then(|()| to.flush()).inspect_err(|_| {
        gone.store(true, Ordering::Relaxed);
    })
}
