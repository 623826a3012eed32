//! The parts that hold signatures (ECMA-376 Part 2 §13.2.2): the origin part, its relationships
//! to each `sigN.xml`, the package relationship to the origin, and their content types. None of
//! them is covered by any signature, which is what lets a second signature join the first.

use super::names::*;
use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};

/// Adds everything but the signature part itself; returns the name the new signature gets.
pub fn prepare(edit: &mut PackageEdit) -> Result<PartName> {
    let origin = PartName::constant(ORIGIN_PART);
    let sig = next_signature_name(edit)?;
    if !edit.exists(&origin) {
        edit.put(origin.clone(), Vec::new());
    }
    edit.declare_content_type(&origin, CT_ORIGIN)?;
    let package_rels = edit.relationships_of(None)?;
    if !package_rels.iter().any(|r| r.rel_type == REL_ORIGIN) {
        edit.add_relationship(None, REL_ORIGIN, &origin)?;
    }
    edit.add_relationship(Some(&origin), REL_SIGNATURE, &sig)?;
    edit.declare_content_type(&sig, CT_SIGNATURE)?;
    Ok(sig)
}

pub fn next_signature_name(edit: &PackageEdit) -> Result<PartName> {
    (1..10_000)
        .filter_map(|n| PartName::new(&format!("{SIGNATURE_DIR}sig{n}.xml")).ok())
        .find(|p| !edit.exists(p))
        .ok_or_else(|| Error::NoFreeName {
            stem: format!("{SIGNATURE_DIR}sig"),
        })
}
