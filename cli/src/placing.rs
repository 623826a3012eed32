//! Where a seal or a slot goes, as the command line says it: `--at-text`/`--at-cell`/`--at-end`
//! with `--occurrence`, `--offset-mm`, and `--reserve LABEL@WHERE` for the other parties' slots.
//! Everything here is checked before a PIN is asked for.

use crate::args::PlaceArgs;
use docseal::slots::SlotRequest;
use docseal::Error;
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
    docseal::check_offset(offset)?;
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

/// `--reserve LABEL@TEXT` or `LABEL@cell:Sheet1!C5`, as slots of the given size.
pub fn reservations(specs: &[String], size_mm: f64) -> Result<Vec<SlotRequest>, Error> {
    specs
        .iter()
        .map(|spec| {
            let (label, at) = spec.split_once('@').ok_or_else(|| {
                Error::arg(
                    format!("--reserve {spec:?}"),
                    "expected LABEL@TEXT or LABEL@cell:Sheet1!C5",
                )
            })?;
            let placement = match at.strip_prefix("cell:") {
                Some(cell) => Placement::Cell(cell.to_string()),
                None => Placement::Text {
                    needle: at.to_string(),
                    occurrence: Occurrence::First,
                },
            };
            Ok(SlotRequest {
                label: label.trim().to_string(),
                signer_hint: None,
                placement,
                size_mm: (size_mm, size_mm),
                offset_mm: (0.0, 0.0),
            })
        })
        .collect()
}
