//! Stamping: place the seal picture, then sign the package — the picture, its drawing and their
//! relationships are covered by the signature whose part the picture's mark names.

use std::path::Path;

use crate::dsig::{self, machinery, SignOptions};
use crate::error::{Error, Result};
use crate::opc::{write, Changes, Limits, Package};
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

/// The changes that seal `pkg`: the placed picture and the signature over everything.
pub fn stamp_package(pkg: &Package, opts: &StampOptions) -> Result<(Changes, Placed)> {
    let leaf = opts
        .sign
        .certs
        .first()
        .ok_or_else(|| Error::Key("no signing certificate".into()))?;
    let signature_part = machinery::next_signature_name(pkg, &Changes::default())?;
    let mark = SealMark {
        holder: leaf.subject(),
        fingerprint: leaf.fingerprint_sha256(),
        signature_part: signature_part.to_string(),
    };
    let mut changes = Changes::default();
    let req = PlaceRequest {
        picture: opts.picture,
        size_mm: opts.size_mm,
        offset_mm: opts.offset_mm,
        placement: opts.placement.clone(),
        mark,
    };
    let placed = place::place(pkg, &mut changes, &req)?;
    if let Some(addin) = &opts.open_pane {
        place::webext::add_autoshow(pkg, &mut changes, placed.kind, addin)?;
    }
    let changes = dsig::sign(pkg, changes, &opts.sign)?;
    if changes.get(&signature_part).is_none() {
        return Err(Error::Signing(format!(
            "the signature did not land in {signature_part} as the seal's mark says"
        )));
    }
    Ok((changes, placed))
}

pub fn stamp_file(input: &Path, output: &Path, opts: &StampOptions) -> Result<Placed> {
    crate::sign::refuse_same_file(input, output)?;
    let pkg = Package::open(input, Limits::default())?;
    let (changes, placed) = stamp_package(&pkg, opts)?;
    write::write_file(&pkg, &changes, output)?;
    Ok(placed)
}

pub fn stamp_bytes(
    input: impl Into<crate::opc::package::Bytes>,
    opts: &StampOptions,
) -> Result<Vec<u8>> {
    let pkg = Package::from_bytes(input, Limits::default())?;
    let (changes, _) = stamp_package(&pkg, opts)?;
    write::to_bytes(&pkg, &changes)
}
