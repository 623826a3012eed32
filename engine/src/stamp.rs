//! Stamping: place the seal picture, then sign the package — the picture, its drawing and their
//! relationships are covered by the signature whose part the picture's mark names.

use std::path::Path;

use crate::dsig::slots::SlotFill;
use crate::dsig::{self, machinery, SignOptions};
use crate::error::{Error, Result};
use crate::opc::{Limits, Package, PackageEdit};
use crate::place::{self, PlaceRequest, Placed, Placement, SealMark};
use crate::seal::SealPicture;
use crate::slot::{self, SlotRequest};

pub struct StampOptions<'a> {
    pub sign: SignOptions<'a>,
    pub picture: &'a SealPicture,
    pub size_mm: f64,
    pub offset_mm: (f64, f64),
    pub placement: Placement,
    /// Make Word/Excel open this add-in's task pane with the sealed document.
    pub open_pane: Option<place::webext::AddinRef>,
    /// Slots for the other parties, added before the seal (`--reserve`).
    pub reserve: &'a [SlotRequest],
    /// Seal into this slot (`--into-slot`) instead of placing a picture: the document's parts
    /// stay as they are, so every earlier seal stays intact.
    pub into_slot: Option<&'a str>,
}

/// Seals the package being edited: adds the reserved slots, then either places the picture and
/// signs over everything, or fills a slot with a signature of its own.
pub fn stamp_package(edit: &mut PackageEdit, opts: &StampOptions) -> Result<Placed> {
    for r in opts.reserve {
        slot::add(edit, r)?;
    }
    if let Some(label) = opts.into_slot {
        return stamp_into_slot(edit, opts, label);
    }
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

/// Fills the empty slot `label`: a signature whose `SetupID` names the slot's line and which
/// carries the seal picture as its line images. It adds only signature machinery.
fn stamp_into_slot(edit: &mut PackageEdit, opts: &StampOptions, label: &str) -> Result<Placed> {
    let slots = slot::find(edit, &|_| true)?;
    // A slot some signature already names is taken, whether that signature holds or not.
    let setup_ids: Vec<String> = edit
        .names()
        .into_values()
        .filter(dsig::names::looks_like_signature)
        .filter_map(|n| crate::verify::signature::named_setup_id(edit.package(), &n))
        .collect();
    let filled: Vec<&str> = slots
        .iter()
        .filter(|s| setup_ids.contains(&s.id))
        .map(|s| s.label.as_str())
        .collect();
    let Some(target) = slots.iter().find(|s| s.label == label) else {
        return Err(Error::NoSuchSlot {
            label: label.to_string(),
            free: slots
                .iter()
                .filter(|s| !filled.contains(&s.label.as_str()))
                .map(|s| s.label.clone())
                .collect(),
        });
    };
    if filled.contains(&label) {
        return Err(Error::SlotFilled {
            label: label.to_string(),
        });
    }
    let (valid, invalid) = slot::picture::fill_images(&opts.picture.png, target.size_pt)?;
    let fill = SlotFill {
        setup_id: target.id.clone(),
        seal: opts.picture.png.clone(),
        valid,
        invalid,
    };
    let sign = SignOptions {
        slot: Some(&fill),
        ..opts.sign
    };
    let signature = dsig::sign(edit, &sign)?;
    Ok(Placed {
        image_part: signature,
        in_part: target.part.clone(),
        kind: place::main_part(edit)?.kind,
    })
}

pub fn stamp_file(input: &Path, output: &Path, opts: &StampOptions) -> Result<Placed> {
    crate::opc::new_file::refuse_same_file(input, output)?;
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
    stamp_to_bytes(input, opts).map(|(bytes, _)| bytes)
}

/// The sealed package's bytes, and where the seal went.
pub fn stamp_to_bytes(
    input: impl Into<crate::opc::package::Bytes>,
    opts: &StampOptions,
) -> Result<(Vec<u8>, Placed)> {
    let pkg = Package::from_bytes(input, Limits::default())?;
    let mut edit = PackageEdit::new(&pkg);
    let placed = stamp_package(&mut edit, opts)?;
    Ok((edit.to_bytes()?, placed))
}
