//! Standard output that outlives its reader. `docseal verify --recursive DIR | head` or `docseal
//! center audit --csv | less` closes the pipe early; Rust ignores SIGPIPE, so `println!` would
//! panic there, in the middle of a batch run. The work is the point and the lines are not: once
//! the reader has gone, lines are dropped and the command finishes with its own exit status.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// The reader of standard output has gone (or writing to it failed once).
static GONE: AtomicBool = AtomicBool::new(false);

/// Writes `text` as it is, in one write where the lines allow it.
pub fn text(text: &str) {
    write(|out| out.write_all(text.as_bytes()));
}

/// Writes one line.
pub fn line(args: std::fmt::Arguments) {
    write(|out| writeln!(out, "{args}"));
}

fn write(put: impl FnOnce(&mut std::io::StdoutLock) -> std::io::Result<()>) {
    if GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = put(&mut out).and_then(|()| out.flush()) {
        GONE.store(true, Ordering::Relaxed);
        // A closed pipe is the reader's choice; anything else (a full disk) is worth a line.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("docseal: writing to standard output: {e}");
        }
    }
}
