//! Files people try to seal that are not OPC packages, told apart by their first bytes, so the
//! error says what the file is and what to do ("password-protected: remove the password first").

use std::io::Cursor;

use crate::error::Foreign;

/// The OLE compound file signature (MS-CFB §2.2).
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// What a non-ZIP file is, when we know the format.
pub fn recognise(bytes: &[u8]) -> Option<Foreign> {
    if bytes.starts_with(CFB_MAGIC) {
        return Some(ole_kind(bytes));
    }
    if bytes.starts_with(b"%PDF-") {
        return Some(Foreign::Pdf);
    }
    if bytes.starts_with(b"{\\rtf") {
        return Some(Foreign::Rtf);
    }
    None
}

/// An encrypted OOXML package is a compound file with an `EncryptedPackage` stream (MS-OFFCRYPTO
/// §2.3.4.4); the binary formats have `WordDocument`, `Workbook`/`Book` or `PowerPoint Document`.
fn ole_kind(bytes: &[u8]) -> Foreign {
    let Ok(file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Foreign::Ole;
    };
    let has = |name: &str| file.exists(format!("/{name}"));
    if has("EncryptedPackage") {
        Foreign::Encrypted
    } else if has("WordDocument") {
        Foreign::Word97
    } else if has("Workbook") || has("Book") {
        Foreign::Excel97
    } else if has("PowerPoint Document") {
        Foreign::PowerPoint97
    } else {
        Foreign::Ole
    }
}

/// An OpenDocument file starts with a stored `mimetype` entry (ODF 1.2 Part 3 §3.3) whose
/// text is one of OASIS's media types: `mimetype` is that entry's content.
pub fn is_opendocument(mimetype: &[u8]) -> bool {
    mimetype.starts_with(b"application/vnd.oasis.opendocument")
}
