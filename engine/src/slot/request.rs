//! What a slot is asked to be (its party, who is expected, where and how large), and the
//! checks and ids every way of adding one shares.

use crate::error::{Error, Result};
use crate::place::Placement;

/// "The signature provider is the default one" ([MS-OI29500] §3.7.1.15): Office draws the line
/// itself. The East Asian stamp provider's id would need an add-in the reader may not have.
pub const DEFAULT_PROVIDER: &str = "{00000000-0000-0000-0000-000000000000}";

/// A slot to add.
#[derive(Debug, Clone)]
pub struct SlotRequest {
    /// The party the slot is for ("Party B"): how `stamp --into-slot` names it.
    pub label: String,
    /// Who is expected to seal there ("Northwind Ltd."), shown under the label.
    pub signer_hint: Option<String>,
    pub placement: Placement,
    /// The width and height of the slot (a seal is round: square by default).
    pub size_mm: (f64, f64),
    pub offset_mm: (f64, f64),
}

/// A slot's label, trimmed: 1 to 100 characters (Office's `SignatureText` limit). `arg` names
/// where it came from, for the refusal.
pub(crate) fn checked_label<'a>(label: &'a str, arg: &str) -> Result<&'a str> {
    let trimmed = label.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 100 {
        return Err(Error::arg(
            format!("{arg} {label:?}"),
            "expected a name of 1 to 100 characters",
        ));
    }
    Ok(trimmed)
}

/// A fresh line id: a random (version 4) GUID in braces and upper case, as Word writes
/// `o:signatureline/@id` (ST_Guid) — LibreOffice compares `SetupID` with it as a plain string.
pub fn new_line_id() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b).map_err(|e| Error::Io {
        path: "(random source)".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02X}")).collect();
    Ok(format!(
        "{{{}-{}-{}-{}-{}}}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}
