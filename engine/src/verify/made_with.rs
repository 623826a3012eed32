//! Which program made a signature, in words a reader knows ("Word 2010"), from what the
//! signature says of itself: Office's `SignatureInfoV1` carries the Office and application
//! versions ([MS-OFFCRYPTO] §2.5.2, the digsig schema), the document says which application
//! opens it, XAdES says its form. docseal's own signatures carry its seal data or slot list.

use super::report::MadeWith;
use crate::opc::PackageEdit;
use crate::place::main_part::{main_part, Kind};

/// The application that opens the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Word,
    Excel,
    Other,
}

impl DocumentKind {
    pub fn of(view: &PackageEdit) -> DocumentKind {
        match main_part(view).map(|m| m.kind) {
            Ok(Kind::Docx) => DocumentKind::Word,
            Ok(Kind::Xlsx) => DocumentKind::Excel,
            Err(_) => DocumentKind::Other,
        }
    }

    fn application(self) -> &'static str {
        match self {
            DocumentKind::Word => "Word",
            DocumentKind::Excel => "Excel",
            DocumentKind::Other => "Office",
        }
    }
}

/// The release an Office version number names (12.0 is Office 2007, 14.0 2010, 15.0 2013;
/// 16.0 has named every release since 2016).
fn release(version: &str) -> Option<&'static str> {
    Some(match version.split('.').next()? {
        "12" => "2007",
        "14" => "2010",
        "15" => "2013",
        "16" => "2016 or later",
        _ => return None,
    })
}

/// The program in words.
pub fn program(m: &MadeWith, kind: DocumentKind) -> String {
    if m.docseal {
        return "docseal".into();
    }
    match m.office_version.as_deref() {
        Some(v) => match release(v) {
            Some(year) => format!("{} {year}", kind.application()),
            None => format!("{} (Office {v})", kind.application()),
        },
        None if m.xades.is_some() => "an XAdES signer".into(),
        None => "an XML-DSig signer".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_named_as_office_names_them() {
        let m = |v: &str| MadeWith {
            office_version: Some(v.into()),
            ..MadeWith::default()
        };
        assert_eq!(program(&m("14.0"), DocumentKind::Word), "Word 2010");
        assert_eq!(program(&m("12.0"), DocumentKind::Excel), "Excel 2007");
        assert_eq!(
            program(&m("99.1"), DocumentKind::Word),
            "Word (Office 99.1)"
        );
        let d = MadeWith {
            docseal: true,
            ..m("16.0")
        };
        assert_eq!(program(&d, DocumentKind::Word), "docseal");
        assert_eq!(
            program(&MadeWith::default(), DocumentKind::Word),
            "an XML-DSig signer"
        );
    }
}
