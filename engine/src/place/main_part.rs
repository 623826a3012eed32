//! The package's main part (ECMA-376 Part 2 §8.2: the package relationship of type
//! officeDocument) and what kind of document it makes: Word or Excel; document, template or
//! macro-enabled (the content types of ECMA-376 Part 1 §11.3.10 and §12.3.23 and [MS-OFFMACRO2]).

use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::xml::ns;

/// Content types of the Word parts whose text is shown (checked by suffix).
pub const WORD_TEXT_TYPES: &[&str] = &[
    "wordprocessingml.document.main+xml",
    "wordprocessingml.template.main+xml",
    "document.macroEnabled.main+xml",
    "template.macroEnabledTemplate.main+xml",
    "wordprocessingml.header+xml",
    "wordprocessingml.footer+xml",
    "wordprocessingml.footnotes+xml",
    "wordprocessingml.endnotes+xml",
    "wordprocessingml.comments+xml",
];

pub fn is_word_text(content_type: &str) -> bool {
    WORD_TEXT_TYPES.iter().any(|t| content_type.ends_with(t))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Docx,
    Xlsx,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Docx => "a Word document",
            Kind::Xlsx => "an Excel workbook",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainPart {
    pub name: PartName,
    pub kind: Kind,
    pub content_type: String,
    pub macros: bool,
    pub template: bool,
}

/// Main-part content types: (type, kind, macros, template).
pub const MAIN_TYPES: &[(&str, Kind, bool, bool)] = &[
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        Kind::Docx,
        false,
        false,
    ),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
        Kind::Docx,
        false,
        true,
    ),
    (
        "application/vnd.ms-word.document.macroEnabled.main+xml",
        Kind::Docx,
        true,
        false,
    ),
    (
        "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
        Kind::Docx,
        true,
        true,
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        Kind::Xlsx,
        false,
        false,
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
        Kind::Xlsx,
        false,
        true,
    ),
    (
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        Kind::Xlsx,
        true,
        false,
    ),
    (
        "application/vnd.ms-excel.template.macroEnabled.main+xml",
        Kind::Xlsx,
        true,
        true,
    ),
];

impl MainPart {
    /// The file extension Word and Excel give this kind of package.
    pub fn extension(&self) -> &'static str {
        match (self.kind, self.macros, self.template) {
            (Kind::Docx, false, false) => "docx",
            (Kind::Docx, true, false) => "docm",
            (Kind::Docx, false, true) => "dotx",
            (Kind::Docx, true, true) => "dotm",
            (Kind::Xlsx, false, false) => "xlsx",
            (Kind::Xlsx, true, false) => "xlsm",
            (Kind::Xlsx, false, true) => "xltx",
            (Kind::Xlsx, true, true) => "xltm",
        }
    }
}

/// Turns a template into a document of the same kind: the main part gets the content type Word
/// or Excel writes for a document (`.dotx` → `.docx`, `.dotm` → `.docm`, `.xltx` → `.xlsx`,
/// `.xltm` → `.xlsm`), and nothing else changes. Returns the main part as it now is.
pub fn template_to_document(edit: &mut PackageEdit) -> Result<MainPart> {
    let main = main_part(edit)?;
    if !main.template {
        return Ok(main);
    }
    let (content_type, ..) = MAIN_TYPES
        .iter()
        .find(|(_, kind, macros, template)| {
            *kind == main.kind && *macros == main.macros && !*template
        })
        .copied()
        .ok_or_else(|| Error::NotAPackage("no document type for this template".into()))?;
    edit.set_content_type(&main.name, content_type)?;
    Ok(MainPart {
        content_type: content_type.to_string(),
        template: false,
        ..main
    })
}

/// The main part and what kind of document it is.
pub fn main_part(edit: &PackageEdit) -> Result<MainPart> {
    let rel = edit
        .relationships_of(None)?
        .into_iter()
        .find(|r| r.rel_type.ends_with("/officeDocument"))
        .ok_or_else(|| {
            Error::NotAPackage("no main document part (officeDocument relationship)".into())
        })?;
    let name = rel.target_part(None).ok_or_else(|| {
        Error::NotAPackage(format!(
            "the main document part {:?} is not a part name",
            rel.target
        ))
    })?;
    if !edit.exists(&name) {
        return Err(Error::MissingPart {
            part: name.to_string(),
        });
    }
    let ct = edit.content_type(&name).unwrap_or("").to_string();
    let unsupported = |what: &str| Error::UnsupportedDocument {
        main_part: name.to_string(),
        what: what.to_string(),
    };
    if rel.rel_type.starts_with(ns::STRICT_PREFIX) {
        return Err(unsupported("a Strict Open XML document: save it in Word or Excel as a .docx or .xlsx (not Strict), then seal it"));
    }
    match MAIN_TYPES.iter().find(|(t, ..)| *t == ct) {
        Some(&(_, kind, macros, template)) => Ok(MainPart {
            name,
            kind,
            content_type: ct,
            macros,
            template,
        }),
        None if ct.contains("sheet.binary") => Err(unsupported(
            "an Excel binary workbook (.xlsb): save it as .xlsx, then seal it",
        )),
        None if ct.contains("presentationml") || ct.contains("ms-powerpoint") => Err(unsupported(
            "a PowerPoint presentation: docseal seals Word and Excel documents",
        )),
        None => Err(unsupported(&format!(
            "neither a Word document nor an Excel workbook ({})",
            if ct.is_empty() {
                "no content type"
            } else {
                &ct
            }
        ))),
    }
}
