//! Links the `docseal` command against libxml2 and its ICU statically where the static
//! archives are installed (Debian's libxml2-dev brings them).
//!
//! Why: Debian's libxml2.so pulls in ICU and libstdc++, and loading and relocating those three
//! shared objects cost a whole-process `docseal verify` about 2 ms — more than half of the
//! floor it is measured against (issue 9, "Process start"). Linked statically, only the code
//! and data the command reaches are mapped, and nothing is relocated at start.
//!
//! The library and its tests keep the ordinary dynamic link; `DOCSEAL_LINK_DYNAMIC=1` keeps it
//! for the command too, and so does a system without the archives.

use std::process::Command;

const ARCHIVES: [&str; 6] = [
    "libxml2.a",
    "libicuuc.a",
    "libicudata.a",
    "libstdc++.a",
    "libz.a",
    "liblzma.a",
];

fn installed(archive: &str) -> bool {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    Command::new(cc)
        .arg(format!("-print-file-name={archive}"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        // cc prints the bare name back when it finds nothing.
        .is_some_and(|path| path.contains('/') && std::path::Path::new(&path).is_file())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DOCSEAL_LINK_DYNAMIC");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if !linux || std::env::var_os("DOCSEAL_LINK_DYNAMIC").is_some() {
        return;
    }
    if !ARCHIVES.iter().all(|a| installed(a)) {
        println!("cargo:warning=static libxml2/ICU archives not found; docseal links libxml2 dynamically (slower start)");
        return;
    }
    // The libxml crate has already asked for -lxml2, so the shared object is seen first; the
    // whole archive then defines every libxml2 symbol in the executable itself, and
    // --as-needed (rustc's default) drops the now unused libxml2.so and its ICU.
    let static_libxml2 = "-Wl,--push-state,--whole-archive,-Bstatic,-lxml2,--no-whole-archive,-licuuc,-licudata,-lstdc++,-lz,-llzma,--pop-state";
    println!("cargo:rustc-link-arg-bins={static_libxml2}");
    // The benchmarks start processes of their own beside docseal's; they are linked the same way.
    println!("cargo:rustc-link-arg-benches={static_libxml2}");
}
