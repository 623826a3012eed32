//! Signing a file end to end: read, sign, write atomically beside it.

use std::path::Path;

use crate::dsig::{self, SignOptions};
use crate::error::Result;
use crate::opc::package::Bytes;
use crate::opc::{Limits, Package, PackageEdit};

/// Signs `input` into `output`. The output must be a different file; it is written atomically.
pub fn sign_file(input: &Path, output: &Path, opts: &SignOptions) -> Result<()> {
    crate::opc::new_file::refuse_same_file(input, output)?;
    let pkg = Package::open(input, Limits::default())?;
    let mut edit = PackageEdit::new(&pkg);
    dsig::sign(&mut edit, opts)?;
    edit.write_file(output)
}

/// Signs a package in memory.
pub fn sign_bytes(input: impl Into<Bytes>, opts: &SignOptions) -> Result<Vec<u8>> {
    let pkg = Package::from_bytes(input, Limits::default())?;
    let mut edit = PackageEdit::new(&pkg);
    dsig::sign(&mut edit, opts)?;
    edit.to_bytes()
}
