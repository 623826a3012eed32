//! The fuzz targets, kept in the library so that any harness can drive them: today the
//! mutational fuzzer on stable in `cli/tests/fuzz.rs` (which CI runs for a few seconds a target,
//! so the targets cannot rot), and a coverage-guided one (cargo-fuzz's `fuzz_target!` around the
//! same calls) where a nightly toolchain is at hand. A target must never panic, and must end
//! quickly with bounded memory on any input: the harnesses treat anything else as a finding.
//! Not part of the engine's API.

use std::path::Path;

use crate::opc::{Limits, Package, PackageEdit};
use crate::place::{Occurrence, Placement};
use crate::seal::SealPicture;
use crate::signer::LoadedKey;

/// The package reader: the archive checks, part names, content types, relationships, and finding
/// the main part.
pub fn package_reader(data: &[u8]) {
    if let Ok(pkg) = Package::from_bytes(data.to_vec(), Limits::default()) {
        let edit = PackageEdit::new(&pkg);
        let _ = edit.relationships();
        let _ = crate::place::main_part(&edit);
    }
}

/// `verify_bytes` end to end, with default options (no anchors: trust is not the point here).
pub fn verify(data: &[u8]) {
    let _ = crate::verify::verify_bytes("fuzz", data.to_vec(), &crate::VerifyOptions::default());
}

/// Parse a relationships part, then run both RelationshipTransform renderings over all of it.
pub fn rels_transform(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(list) = crate::opc::rels::parse("/_rels/.rels", &text) {
        let sel = crate::c14n::rels_transform::Selector {
            source_ids: list.iter().map(|r| r.id.clone()).collect(),
            source_types: vec![],
        };
        let _ = crate::c14n::rels_transform::transform("/_rels/.rels", &list, &sel);
        let _ = crate::opc::rels::is_compact(&text);
    }
}

/// An RFC 3161 time-stamp token: the BER normaliser, the CMS and TSTInfo decoding and every
/// check, against fixed data.
pub fn timestamp_token(data: &[u8]) {
    let _ = crate::timestamp::token::check(data, b"fuzz");
}

/// The `[Content_Types].xml` parser.
pub fn content_types(data: &[u8]) {
    let _ = crate::opc::content_types::ContentTypes::parse(&String::from_utf8_lossy(data));
}

/// What stamping needs that does not come from the input: a key and a seal picture.
pub struct StampFixture {
    key: LoadedKey,
    picture: SealPicture,
}

impl StampFixture {
    /// A PEM key and its certificate (the tests' committed golden key), and a drawn seal.
    pub fn load(key: &Path, cert: &Path) -> crate::Result<StampFixture> {
        let key =
            crate::signer::file::load(key, Some(cert), None, &crate::keys::Unlock::default())?;
        let png = crate::seal::draw::render_png(&crate::seal::SealSpec::new("Fuzz Co."))?;
        Ok(StampFixture {
            key,
            picture: SealPicture::from_png(png)?,
        })
    }
}

/// Stamping at a fixed seal; the input picks the placement by its length, so every placement
/// sees every mutation family.
pub fn stamp(data: &[u8], fixture: &StampFixture) {
    let placement = match data.len() % 3 {
        0 => Placement::End,
        1 => Placement::Cell("B2".into()),
        _ => Placement::Text {
            needle: "Trading".into(),
            occurrence: Occurrence::Last,
        },
    };
    let opts = crate::stamp::StampOptions {
        sign: crate::dsig::SignOptions {
            signer: fixture.key.signer.as_ref(),
            certs: &fixture.key.chain,
            time: time::OffsetDateTime::now_utc(),
            comments: "",
            tsa: None,
            ltv: None,
            seal_data: None,
            approval: None,
            slot: None,
        },
        picture: &fixture.picture,
        size_mm: 40.0,
        offset_mm: (0.0, 0.0),
        placement,
        open_pane: None,
        reserve: &[],
        into_slot: None,
    };
    let _ = crate::stamp::stamp_bytes(data.to_vec(), &opts);
}
