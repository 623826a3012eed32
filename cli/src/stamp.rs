//! `docseal stamp`: place the seal picture, then sign, in one pass.

use crate::args::{KeyArgs, StampArgs, TsaArgs};
use crate::link::CenterUseArgs;
use docseal::Error;
use docseal_keeper::{Clock, Keeper, PictureSource, Setup, Stamping};

/// Where the picture comes from: a PNG file, or the round seal drawn with a name (an issued
/// seal brings its own).
pub fn picture_source(
    image: Option<&std::path::Path>,
    name: Option<&str>,
) -> Result<PictureSource, Error> {
    Ok(match (image, name) {
        (Some(p), _) => PictureSource::Png(std::fs::read(p).map_err(|e| Error::io(p, e))?),
        (None, Some(name)) => PictureSource::Drawn(name.to_string()),
        (None, None) => PictureSource::None,
    })
}

/// The keeper's session a command's key, TSA and center options ask for.
pub fn setup(
    key: &KeyArgs,
    tsa: &TsaArgs,
    center: &CenterUseArgs,
    comment: &str,
) -> Result<Setup, docseal_keeper::Error> {
    Ok(Setup {
        seal: center.seal.clone(),
        center: crate::link::open(center)?,
        key: key.key.clone(),
        cert: key.cert.clone(),
        chain: key.chain.clone(),
        unlock: crate::unlock::unlock(key.pin_file.clone()),
        tsa: tsa.request()?,
        ltv: tsa.long_term()?,
        clock: Clock::from_env()?,
        comment: Some(comment.to_string()),
        approval: center.approval.clone(),
        ..Setup::new(None, Default::default())
    })
}

pub fn run(a: StampArgs) -> Result<u8, docseal_keeper::Error> {
    docseal::refuse_same_file(&a.input, &a.output)?;
    docseal::refuse_non_file(&a.output)?;
    // Everything that can be refused is refused before a PIN is asked for or an approval used.
    let placement = crate::placing::placement(&a.place)?;
    let offset_mm = crate::placing::offset(a.place.offset_mm.as_deref())?;
    crate::placing::reservations(&a.reserve, a.place.size_mm)?;
    let picture = picture_source(a.image.as_deref(), a.name.as_deref())?;
    let mut keeper = Keeper::open(Setup {
        picture,
        stamps: true,
        size_mm: Some(a.place.size_mm),
        ..setup(&a.key, &a.tsa, &a.center, &a.comment)?
    })?;
    for n in keeper.notices() {
        tell!("docseal: {n}");
    }
    // The bytes are read once: an approval is for exactly these.
    let bytes = docseal::read_document(&a.input, docseal::Limits::default())?;
    let reserve = crate::placing::reservations(&a.reserve, keeper.size_mm())?;
    let how = Stamping {
        placement,
        offset_mm,
        open_pane: a.open_pane,
        reserve: &reserve,
        into_slot: a.into_slot.as_deref(),
    };
    let sealed = keeper.stamp(bytes, &how)?;
    docseal::write_bytes_atomically(&a.output, &sealed.bytes)?;
    crate::link::record(&mut keeper, "stamp", &a.output, &sealed.bytes);
    let into = match &a.into_slot {
        Some(label) => format!(" into the slot \"{label}\""),
        None => String::new(),
    };
    say!(
        "{}: sealed by {}{into} ({} in {})",
        a.output.display(),
        keeper.signer(),
        sealed.placed.image_part,
        sealed.placed.in_part
    );
    Ok(0)
}
