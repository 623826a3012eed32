//! Every docseal command; `docseal` runs this for all but `verify` (see the crate's doc).

fn main() -> std::process::ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Usage and errors name the command people type, whichever executable prints them.
    if let Some(name) = args.first_mut() {
        *name = "docseal".into();
    }
    docseal_cli::run(args)
}
