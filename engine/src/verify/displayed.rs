//! Signed content that displays unsigned data: a DOCPROPERTY field shows document properties,
//! which Office never signs, and a data-bound content control shows a custom XML part. Either
//! lets someone change what a sealed document shows without touching a signed part.

use std::collections::BTreeSet;

use super::report::Finding;
use crate::opc::{Package, PartName};

pub const WORD_TEXT_TYPES: &[&str] = &[
    "wordprocessingml.document.main+xml",
    "wordprocessingml.template.main+xml",
    "wordprocessingml.header+xml",
    "wordprocessingml.footer+xml",
    "wordprocessingml.footnotes+xml",
    "wordprocessingml.endnotes+xml",
    "wordprocessingml.document.macroEnabled.main+xml",
];

/// Keys of the parts whose text is scanned (their bytes are kept while they are digested).
pub fn scan_targets(pkg: &Package) -> BTreeSet<String> {
    pkg.entries()
        .iter()
        .filter(|e| {
            pkg.content_type(&e.name)
                .is_some_and(|ct| WORD_TEXT_TYPES.iter().any(|t| ct.ends_with(t)))
        })
        .map(|e| e.name.key())
        .collect()
}

/// Store item ids of custom XML parts (from their itemProps parts) that are covered.
fn covered_store_items(pkg: &Package, covered: &BTreeSet<String>) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for e in pkg.entries() {
        let ct = pkg.content_type(&e.name).unwrap_or("");
        // itemProps is tolerated unsigned (Office does not sign it); the data part must be signed.
        if !ct.ends_with("customXmlProperties+xml") {
            continue;
        }
        // The item's data part must be covered too: itemPropsN.xml describes itemN.xml.
        let data = e.name.as_str().replace("itemProps", "item");
        if !PartName::new(&data).is_ok_and(|d| covered.contains(&d.key())) {
            continue;
        }
        if let Ok(text) = pkg.read_xml(&e.name) {
            if let Some(id) = attribute_after(&text, "itemID=\"") {
                ids.insert(id.to_ascii_uppercase());
            }
        }
    }
    ids
}

fn attribute_after<'a>(text: &'a str, needle: &str) -> Option<&'a str> {
    let start = text.find(needle)? + needle.len();
    let end = text[start..].find('"')? + start;
    Some(&text[start..end])
}

pub fn check(
    pkg: &Package,
    covered: &BTreeSet<String>,
    scanned: &[(String, Vec<u8>)],
    findings: &mut Vec<Finding>,
) {
    let mut store_items: Option<BTreeSet<String>> = None;
    for (key, bytes) in scanned {
        let Some(entry) = pkg.entry_by_uri(key) else {
            continue;
        };
        if !covered.contains(key) {
            continue;
        }
        let part = entry.name.as_str();
        if contains_docproperty_field(bytes) {
            findings.push(Finding::error(
                "unsigned-data-displayed",
                Some(part),
                format!("{part} has a DOCPROPERTY field, which shows document properties no signature covers"),
            ));
        }
        for at in memchr::memmem::find_iter(bytes, b":dataBinding ") {
            let tag = &bytes[at..];
            let tag = &tag[..memchr::memchr(b'>', tag).unwrap_or(tag.len())];
            let tag = String::from_utf8_lossy(tag);
            let store = attribute_after(&tag, "storeItemID=\"")
                .unwrap_or("")
                .to_ascii_uppercase();
            let items = store_items.get_or_insert_with(|| covered_store_items(pkg, covered));
            if !items.contains(&store) {
                findings.push(Finding::error(
                    "unsigned-data-displayed",
                    Some(part),
                    format!("{part} has a content control bound to data store {store}, which no signature covers"),
                ));
                break;
            }
        }
    }
}

/// DOCPROPERTY (any case, as Word accepts it) in a field instruction: the text of `w:instrText`
/// or the `w:instr` attribute of `w:fldSimple`. Instructions are rare, so they are found first.
fn contains_docproperty_field(xml: &[u8]) -> bool {
    memchr::memmem::find_iter(xml, b":instr").any(|at| {
        let rest = &xml[at..];
        // The instruction starts after the tag's '>' or the attribute's opening quote and runs
        // to the end of the text or the value.
        let Some(start) = rest.iter().position(|&c| c == b'>' || c == b'"') else {
            return false;
        };
        let rest = &rest[start + 1..];
        let end = rest
            .iter()
            .position(|&c| c == b'<' || c == b'"')
            .unwrap_or(rest.len());
        let instr = &rest[..end.min(4096)];
        instr
            .windows(11)
            .any(|w| w.eq_ignore_ascii_case(b"DOCPROPERTY"))
    })
}
