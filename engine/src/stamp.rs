//! Stamping: place the seal picture, then sign the package — the picture, its drawing and their
//! relationships are covered by the signature whose part the picture's mark names.

use std::path::Path;

use crate::dsig::{self, machinery, SignOptions};
use crate::error::{Error, Result};
use crate::opc::{Limits, Package, PackageEdit};
use crate::place::{self, PlaceRequest, Placed, Placement, SealMark};
use crate::seal::SealPicture;

pub struct StampOptions<'a> {
    pub sign: SignOptions<'a>,
    pub picture: &'a SealPicture,
    pub size_mm: f64,
    pub offset_mm: (f64, f64),
    pub placement: Placement,
    /// Make Word/Excel open this add-in's task pane with the sealed document.
    pub open_pane: Option<place::webext::AddinRef>,
}

/// Seals the package being edited: places the picture and signs over everything.
pub fn stamp_package(edit: &mut PackageEdit, opts: &StampOptions) -> Result<Placed> {
    let leaf = opts
        .sign
        .certs
        .first()
        .ok_or_else(|| Error::CertificateMissing {
            key: "the signing key".into(),
        })?;
    let signature_part = machinery::next_signature_name(edit)?;
    let req = PlaceRequest {
        picture: opts.picture,
        size_mm: opts.size_mm,
        offset_mm: opts.offset_mm,
        placement: opts.placement.clone(),
        mark: SealMark {
            holder: leaf.subject(),
            fingerprint: leaf.fingerprint_sha256(),
            signature_part: signature_part.to_string(),
        },
    };
    let placed = place::place(edit, &req)?;
    if let Some(addin) = &opts.open_pane {
        place::webext::add_autoshow(edit, placed.kind, addin)?;
    }
    let signed = dsig::sign(edit, &opts.sign)?;
    // The mark names the signature part chosen before placing; the signature must land there.
    debug_assert_eq!(signed, signature_part);
    Ok(placed)
}

pub fn stamp_file(input: &Path, output: &Path, opts: &StampOptions) -> Result<Placed> {
    crate::sign::refuse_same_file(input, output)?;
    let pkg = Package::open(input, Limits::default())?;
    let mut edit = PackageEdit::new(&pkg);
    let placed = stamp_package(&mut edit, opts)?;
    edit.write_file(output)?;
    Ok(placed)
}

/// Stamps a package read already (so that what was checked — an approval's digest — is what
/// is sealed) and writes it to `output` atomically.
pub fn stamp_bytes_to_file(
    input: impl Into<crate::opc::package::Bytes>,
    output: &Path,
    opts: &StampOptions,
) -> Result<Placed> {
    let pkg = Package::from_bytes(input, Limits::default())?;
    let mut edit = PackageEdit::new(&pkg);
    let placed = stamp_package(&mut edit, opts)?;
    edit.write_file(output)?;
    Ok(placed)
}

pub fn stamp_bytes(
    input: impl Into<crate::opc::package::Bytes>,
    opts: &StampOptions,
) -> Result<Vec<u8>> {
    let pkg = Package::from_bytes(input, Limits::default())?;
    let mut edit = PackageEdit::new(&pkg);
    stamp_package(&mut edit, opts)?;
    edit.to_bytes()
}
