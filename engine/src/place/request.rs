//! What a placement asks for (where, how large, moved how far, marked how) and what it gives
//! back (where the seal went).

use super::main_part::Kind;
use super::marker::SealMark;
use crate::error::{Error, Result};
use crate::opc::PartName;
use crate::seal::SealPicture;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurrence {
    First,
    Last,
    /// 1-based.
    Nth(usize),
}

impl Occurrence {
    pub fn parse(s: &str) -> Result<Occurrence> {
        match s {
            "first" => Ok(Occurrence::First),
            "last" => Ok(Occurrence::Last),
            n => n
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .map(Occurrence::Nth)
                .ok_or_else(|| {
                    Error::arg(
                        format!("--occurrence {s:?}"),
                        "expected first, last or a number from 1",
                    )
                }),
        }
    }

    /// Picks from the matches found, in document order.
    pub fn pick<T>(self, mut found: Vec<T>) -> Option<T> {
        match self {
            Occurrence::First if !found.is_empty() => Some(found.remove(0)),
            Occurrence::Last => found.pop(),
            Occurrence::Nth(n) if n <= found.len() => Some(found.remove(n - 1)),
            _ => None,
        }
    }

    /// The refusal when the match list has no such occurrence.
    pub(crate) fn missing(self, needle: &str, found: usize) -> Error {
        if found == 0 {
            Error::KeywordNotFound {
                needle: needle.to_string(),
            }
        } else {
            Error::OccurrenceMissing {
                needle: needle.to_string(),
                found,
                wanted: match self {
                    Occurrence::First => "first".into(),
                    Occurrence::Last => "last".into(),
                    Occurrence::Nth(n) => n.to_string(),
                },
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Text {
        needle: String,
        occurrence: Occurrence,
    },
    Cell(String),
    End,
}

impl Placement {
    /// The option that asked for it, for messages.
    pub fn option(&self) -> &'static str {
        match self {
            Placement::Text { .. } => "--at-text",
            Placement::Cell(_) => "--at-cell",
            Placement::End => "--at-end",
        }
    }
}

pub struct PlaceRequest<'a> {
    pub picture: &'a SealPicture,
    pub size_mm: f64,
    pub offset_mm: (f64, f64),
    pub placement: Placement,
    pub mark: SealMark,
}

/// Where a seal went.
#[derive(Debug, Clone)]
pub struct Placed {
    pub image_part: PartName,
    pub in_part: PartName,
    pub kind: Kind,
}

/// The largest move from the placement's spot, in millimetres either way. In a Word document the
/// offset is an `xsd:int` of EMU (ST_PositionOffset, ECMA-376 Part 1 §20.4.3.3): past about
/// 59 m it overflows into a document Word calls corrupt; and Word's largest page is 558.8 mm
/// (22 in), so a seal moved a metre is on no page at all. A sheet has no pages; there the same
/// bound only keeps the anchor arithmetic sane.
pub const MAX_OFFSET_MM: f64 = 1000.0;

/// Refuses an offset off every page (or not a number).
pub fn check_offset((x, y): (f64, f64)) -> Result<()> {
    let within = |v: f64| (-MAX_OFFSET_MM..=MAX_OFFSET_MM).contains(&v);
    if within(x) && within(y) {
        return Ok(());
    }
    Err(Error::arg(
        format!("--offset-mm {x:?},{y:?}"),
        format!("expected -{MAX_OFFSET_MM} to {MAX_OFFSET_MM} mm each way"),
    ))
}
