//! The namespaces docseal reads and writes in document parts, and the prefix each is usually
//! written with (used only when a namespace is not yet bound where we insert markup).

/// WordprocessingML (ECMA-376 Part 1 §17).
pub const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
/// SpreadsheetML (ECMA-376 Part 1 §18).
pub const SML: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
/// DrawingML main (§20.1).
pub const A: &str = "http://schemas.openxmlformats.org/drawingml/2006/main";
/// DrawingML picture (§20.2).
pub const PIC: &str = "http://schemas.openxmlformats.org/drawingml/2006/picture";
/// WordprocessingML drawing (§20.4).
pub const WP: &str = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing";
/// SpreadsheetML drawing (§20.5).
pub const XDR: &str = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing";
/// Relationship references inside parts (`r:id`, `r:embed`).
pub const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
/// `[Content_Types].xml` (ECMA-376 Part 2 §10.1.2).
pub const CT: &str = "http://schemas.openxmlformats.org/package/2006/content-types";
/// Relationships parts (ECMA-376 Part 2 §9.3).
pub const RELS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
/// The `xml:` prefix, bound by definition (Namespaces in XML 1.0 §3).
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
/// Custom XML data store properties (`ds:itemID`).
pub const CUSTOM_XML_PROPS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/customXml";

/// VML, where signature lines live: `urn:schemas-microsoft-com:vml` (ECMA-376 Part 4 §14.1).
pub const V: &str = "urn:schemas-microsoft-com:vml";
/// `urn:schemas-microsoft-com:office:office` (ECMA-376 Part 4 §14.2).
pub const O: &str = "urn:schemas-microsoft-com:office:office";
/// `urn:schemas-microsoft-com:office:excel` (ECMA-376 Part 4 §14.3).
pub const X: &str = "urn:schemas-microsoft-com:office:excel";

/// Strict Open XML (ISO/IEC 29500-1 Strict) moves every namespace under purl.oclc.org.
pub const STRICT_PREFIX: &str = "http://purl.oclc.org/ooxml/";

/// The prefix Office writes for a namespace.
pub fn usual_prefix(ns: &str) -> &'static str {
    match ns {
        W => "w",
        SML => "x",
        A => "a",
        PIC => "pic",
        WP => "wp",
        XDR => "xdr",
        R => "r",
        CUSTOM_XML_PROPS => "ds",
        V => "v",
        O => "o",
        X => "x",
        _ => "ns",
    }
}
