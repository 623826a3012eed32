//! docseal-server: the Office add-in's local HTTPS server. Not built yet (the add-in issue);
//! the binary says so rather than pretending to serve.

fn main() -> std::process::ExitCode {
    eprintln!("docseal-server: not available yet; use the docseal command line (see README.md)");
    std::process::ExitCode::from(2)
}
