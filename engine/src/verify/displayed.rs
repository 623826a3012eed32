//! Signed content that displays unsigned data: a DOCPROPERTY field shows document properties,
//! which Office never signs, and a data-bound content control shows a custom XML part. Either
//! lets someone change what a sealed document shows without touching a signed part.

use std::collections::BTreeSet;

use super::report::Finding;
use crate::opc::{Package, PartName};

const WORD_TEXT_TYPES: &[&str] = &[
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
        .filter(|e| pkg.content_type(&e.name).is_some_and(|ct| WORD_TEXT_TYPES.iter().any(|t| ct.ends_with(t))))
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

pub fn check(pkg: &Package, covered: &BTreeSet<String>, scanned: &[(String, Vec<u8>)], findings: &mut Vec<Finding>) {
    let mut store_items: Option<BTreeSet<String>> = None;
    for (key, bytes) in scanned {
        let Some(entry) = pkg.entry_by_uri(key) else { continue };
        if !covered.contains(key) {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        let part = entry.name.as_str();
        if contains_docproperty_field(&text) {
            findings.push(Finding::error(
                "unsigned-data-displayed",
                Some(part),
                format!("{part} has a DOCPROPERTY field, which shows document properties no signature covers"),
            ));
        }
        let mut rest: &str = &text;
        while let Some(i) = rest.find(":dataBinding ") {
            rest = &rest[i + 1..];
            let tag_end = rest.find('>').unwrap_or(rest.len());
            let tag = &rest[..tag_end];
            let store = attribute_after(tag, "storeItemID=\"").unwrap_or("").to_ascii_uppercase();
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

/// DOCPROPERTY in a field instruction (`w:instrText` or `w:fldSimple w:instr`).
fn contains_docproperty_field(text: &str) -> bool {
    let upper_hits = text.match_indices("DOCPROPERTY").chain(text.match_indices("docproperty"));
    for (i, _) in upper_hits {
        let before = &text[..i];
        let in_instr_text = before.rfind("<w:instrText").is_some_and(|s| !before[s..].contains("</w:instrText>"));
        let in_fld_simple = before.rfind("w:instr=\"").is_some_and(|s| !before[s + 9..].contains('"'));
        if in_instr_text || in_fld_simple {
            return true;
        }
    }
    false
}
