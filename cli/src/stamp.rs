//! `docseal stamp`: place the seal picture, then sign, in one pass.

use crate::args::{PlaceArgs, StampArgs};
use docseal::pictures::{render_png, SealPicture, SealSpec};
use docseal::Error;
use docseal::SignOptions;
use docseal::StampOptions;
use docseal::{Occurrence, Placement};

pub fn offset(s: Option<&str>) -> Result<(f64, f64), Error> {
    let Some(s) = s else { return Ok((0.0, 0.0)) };
    let bad = || {
        Error::arg(
            format!("--offset-mm {s:?}"),
            "expected X,Y in millimetres, such as 5,-3",
        )
    };
    let (x, y) = s.split_once(',').ok_or_else(bad)?;
    let offset = (
        x.trim().parse().map_err(|_| bad())?,
        y.trim().parse().map_err(|_| bad())?,
    );
    // Checked here, before a PIN is asked for or an approval used, not only when placing.
    docseal::place::check_offset(offset)?;
    Ok(offset)
}

/// The placement the options ask for.
pub fn placement(p: &PlaceArgs) -> Result<Placement, Error> {
    Ok(match (&p.at_text, &p.at_cell, p.at_end) {
        (Some(t), _, _) => Placement::Text {
            needle: t.clone(),
            occurrence: Occurrence::parse(&p.occurrence)?,
        },
        (_, Some(c), _) => Placement::Cell(c.clone()),
        _ => Placement::End,
    })
}

/// The seal picture: a PNG file, or the round seal drawn with a name.
pub fn picture(image: Option<&std::path::Path>, name: Option<&str>) -> Result<SealPicture, Error> {
    let png = match (image, name) {
        (Some(p), _) => std::fs::read(p).map_err(|e| Error::io(p, e))?,
        (None, Some(name)) => render_png(&SealSpec::new(name))?,
        (None, None) => {
            return Err(Error::arg(
                "--image/--name",
                "give the seal picture with --image seal.png, or --name to draw one",
            ))
        }
    };
    SealPicture::from_png(png)
}

pub fn run(a: StampArgs) -> Result<u8, Error> {
    docseal::refuse_same_file(&a.input, &a.output)?;
    docseal::opc::new_file::refuse_non_file(&a.output)?;
    let placement = placement(&a.place)?;
    let offset_mm = offset(a.place.offset_mm.as_deref())?;
    let tsa = a.tsa.request()?;
    let ltv = a.tsa.long_term()?;
    let mut reporter = crate::reporting::before(&a.center)?;
    let issued = crate::reporting::issued(&a.center, reporter.as_ref())?;
    // Check the picture before asking for a PIN. An issued seal brings its own.
    let (picture, size_mm) = match &issued {
        Some(s) => {
            // Kept working offline, where the picture comes from these options.
            if a.image.is_some() || a.name.is_some() {
                tell!(
                    "docseal: seal {} brings the picture issued with it; --image/--name are not used",
                    s.id
                );
            }
            (s.picture()?, f64::from(s.data.size_mm().0))
        }
        None => (
            picture(a.image.as_deref(), a.name.as_deref())?,
            a.place.size_mm,
        ),
    };
    let key =
        crate::args::load_key_or(&a.key, issued.as_ref().and_then(|s| s.token_uri.as_deref()))?;
    if let Some(r) = &reporter {
        r.check_key(&key.chain[0])?;
    }
    if let Some(s) = &issued {
        s.check_key(&key.chain[0])?;
    }
    // The bytes are read once: an approval is for exactly these.
    let bytes = docseal::opc::source::read_document(&a.input, docseal::opc::Limits::default())?;
    // Approval is taken last, when nothing else can refuse: it is consumed, once.
    let approval = match &issued {
        Some(s) if s.approval_required => {
            let digest = docseal_center::audit::hex(&docseal::DigestAlg::Sha256.digest(&bytes));
            Some(crate::reporting::take_approval(
                reporter.as_ref(),
                &s.id,
                a.center.approval.as_deref(),
                &digest,
            )?)
        }
        _ => None,
    };
    let reserve = crate::slot::reservations(&a.reserve, size_mm)?;
    let now = crate::now()?;
    let opts = StampOptions {
        sign: SignOptions {
            signer: key.signer.as_ref(),
            certs: &key.chain,
            time: now,
            comments: &a.comment,
            tsa: tsa.as_ref(),
            ltv: ltv.as_ref(),
            seal_data: issued.as_ref().map(|s| s.der.as_slice()),
            approval: approval.as_ref(),
            slot: None,
        },
        picture: &picture,
        size_mm,
        offset_mm,
        placement,
        open_pane: a.open_pane.then(Default::default),
        reserve: &reserve,
        into_slot: a.into_slot.as_deref(),
    };
    let placed = docseal::stamp_bytes_to_file(bytes, &a.output, &opts)?;
    if let Some(r) = &mut reporter {
        r.done("stamp", &a.output, "ok");
    }
    match &a.into_slot {
        Some(label) => say!(
            "{}: sealed by {} into the slot \"{label}\" ({} in {})",
            a.output.display(),
            key.chain[0].subject(),
            placed.image_part,
            placed.in_part
        ),
        None => say!(
            "{}: sealed by {} ({} in {})",
            a.output.display(),
            key.chain[0].subject(),
            placed.image_part,
            placed.in_part
        ),
    }
    Ok(0)
}
