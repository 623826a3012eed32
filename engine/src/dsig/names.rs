//! Every namespace, algorithm URI, content type, relationship type and Id string of the package
//! signature, in one place (as Apache POI's `DSigRelation` keeps them).

pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const NS_MDSSI: &str = "http://schemas.openxmlformats.org/package/2006/digital-signature";
pub const NS_OFFICE_DIGSIG: &str = "http://schemas.microsoft.com/office/2006/digsig";
pub const NS_XADES: &str = "http://uri.etsi.org/01903/v1.3.2#";

pub const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub const RELATIONSHIP_TRANSFORM: &str =
    "http://schemas.openxmlformats.org/package/2006/RelationshipTransform";

pub const TYPE_OBJECT: &str = "http://www.w3.org/2000/09/xmldsig#Object";
pub const TYPE_SIGNED_PROPERTIES: &str = "http://uri.etsi.org/01903#SignedProperties";

pub const SIGNATURE_ID: &str = "idPackageSignature";

/// The Ids of one signature's elements. The first two signatures of a package use Office's own
/// (`idPackageSignature`, `idPackageObject` ...); from the third on they carry the signature's
/// number (`idPackageObject_3`), as LibreOffice writes its own: LibreOffice 7.x calls the third of
/// three signatures that share a signed Id broken, whoever made them. That includes the line
/// images, which readers look for by their fixed Ids ([MS-OI29500] §3.7.1.18): a third seal in a
/// slot is valid everywhere but drawn from its slot's placeholder by LibreOffice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    suffix: String,
}

impl Ids {
    /// The Ids for the signature part `sigN.xml`.
    pub fn for_part(part: &crate::opc::PartName) -> Ids {
        let n = part
            .as_str()
            .rsplit('/')
            .next()
            .and_then(|f| f.strip_prefix("sig"))
            .and_then(|f| f.strip_suffix(".xml"))
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(1);
        Ids {
            suffix: if n >= 3 {
                format!("_{n}")
            } else {
                String::new()
            },
        }
    }

    /// The Id of the element Office names `base`.
    pub fn of(&self, base: &str) -> String {
        format!("{base}{}", self.suffix)
    }
}
pub const PACKAGE_OBJECT_ID: &str = "idPackageObject";
pub const OFFICE_OBJECT_ID: &str = "idOfficeObject";
pub const SIGNED_PROPERTIES_ID: &str = "idSignedProperties";
pub const SEAL_DATA_ID: &str = "idSealData";
/// docseal's own elements inside signed objects: a namespace name, never dereferenced.
pub const NS_DOCSEAL: &str = "urn:docseal:seal:1";

pub use crate::opc::{ORIGIN_PART, SIGNATURE_DIR};

/// A part named like a signature (`/_xmlsignatures/NAME.xml`), whether the origin lists it or not.
pub fn looks_like_signature(name: &crate::opc::PartName) -> bool {
    name.key().starts_with(SIGNATURE_DIR) && name.key().ends_with(".xml") && !name.is_rels()
}

pub const CT_ORIGIN: &str = "application/vnd.openxmlformats-package.digital-signature-origin";
pub const CT_SIGNATURE: &str =
    "application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml";
pub const CT_RELATIONSHIPS: &str = "application/vnd.openxmlformats-package.relationships+xml";

pub const REL_ORIGIN: &str =
    "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin";
pub const REL_SIGNATURE: &str =
    "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/signature";

/// Relationship types (their last segments) whose targets Office leaves unsigned by design:
/// document metadata that Office rewrites on every save, and the signature machinery itself.
pub const UNSIGNED_BY_DESIGN: &[&str] = &[
    "metadata/core-properties",
    "extended-properties",
    "custom-properties",
    "metadata/thumbnail",
    "digital-signature/origin",
    "digital-signature/signature",
    "digital-signature/certificate",
];

/// Relationship types Office's own list leaves unsigned although they describe content: a verifier
/// tolerates them unsigned (we sign them). A custom XML data store shows only through a bound
/// content control, which `verify::displayed` checks; customXmlProps holds its id and schemas.
pub const TOLERATED_UNSIGNED: &[&str] = &["customXmlProps", "customXml"];

/// May a part reached through this relationship type be left unsigned?
pub fn tolerated_unsigned(rel_type: &str) -> bool {
    unsigned_by_design(rel_type)
        || TOLERATED_UNSIGNED
            .iter()
            .any(|t| last_segments(rel_type, t))
}

/// Is a relationship of this type left unsigned by Office?
pub fn unsigned_by_design(rel_type: &str) -> bool {
    UNSIGNED_BY_DESIGN
        .iter()
        .any(|t| last_segments(rel_type, t))
}

/// Does `rel_type` end with the path segments `tail` (that is, with `/` and `tail`)? Checked
/// for every relationship of a package on every verify, so without building the suffix.
fn last_segments(rel_type: &str, tail: &str) -> bool {
    rel_type
        .strip_suffix(tail)
        .is_some_and(|head| head.ends_with('/'))
}

pub const MDSSI_TIME_FORMAT: &str = "YYYY-MM-DDThh:mm:ssTZD";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_types_match_whole_trailing_segments() {
        let core =
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties";
        assert!(unsigned_by_design(core));
        assert!(tolerated_unsigned(
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
        ));
        assert!(!unsigned_by_design("urn:x/my-metadata/core-properties"));
        assert!(!unsigned_by_design("metadata/core-properties"));
        assert!(!tolerated_unsigned(
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/notcustomXml"
        ));
    }
}
