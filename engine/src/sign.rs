//! Signing a file end to end: read, sign, write atomically beside it.

use std::path::Path;

use crate::dsig::{self, SignOptions};
use crate::error::{Error, Result};
use crate::opc::package::Bytes;
use crate::opc::{write, Changes, Limits, Package};

/// Signs `input` into `output`. The output must be a different file; it is written atomically.
pub fn sign_file(input: &Path, output: &Path, opts: &SignOptions) -> Result<()> {
    refuse_same_file(input, output)?;
    let pkg = Package::open(input, Limits::default())?;
    let changes = dsig::sign(&pkg, Changes::default(), opts)?;
    write::write_file(&pkg, &changes, output)
}

/// Signs a package in memory.
pub fn sign_bytes(input: impl Into<Bytes>, opts: &SignOptions) -> Result<Vec<u8>> {
    let pkg = Package::from_bytes(input, Limits::default())?;
    let changes = dsig::sign(&pkg, Changes::default(), opts)?;
    write::to_bytes(&pkg, &changes)
}

/// Never overwrite an input: a failure half-way would lose the only copy.
pub fn refuse_same_file(input: &Path, output: &Path) -> Result<()> {
    let same = match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::Usage(format!(
            "{}: the output must not be the input file",
            output.display()
        )));
    }
    Ok(())
}
