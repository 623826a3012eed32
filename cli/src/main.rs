//! `docseal`: runs `verify` itself and becomes `docseal-full`, installed beside it, for every
//! other command (see the crate's doc for why).

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::ExitCode;

/// The executable with every command, in the same directory as this one.
const FULL: &str = "docseal-full";

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if docseal_cli::is_verify(&args) {
        return docseal_cli::run_verify(args);
    }
    let full = match std::env::current_exe() {
        Ok(me) => me.with_file_name(FULL),
        Err(e) => {
            eprintln!("docseal: cannot find {FULL}: the path of this program is unknown ({e})");
            return ExitCode::from(2);
        }
    };
    // exec keeps the process: its id, its signals, its exit status are the command's own.
    let mut command = std::process::Command::new(&full);
    if let Some((name, rest)) = args.split_first() {
        command.arg0(name).args(rest);
    }
    let e = command.exec();
    eprintln!(
        "docseal: cannot run {} ({e}); docseal-full is installed beside docseal",
        full.display()
    );
    ExitCode::from(2)
}
