//! The one rule for what a package signature must cover. `sign` builds its Manifest from it and
//! `verify` reports whatever it names that no intact signature covers, so docseal never writes a
//! seal its own verifier rejects.
//!
//! Every part a reader could render is covered. The exceptions are the signature machinery
//! (ECMA-376 Part 2 §13.2.2: "The signature part shall not be signed" by itself, nor the origin),
//! what Office leaves unsigned by design (core, extended and custom properties, the thumbnail,
//! custom XML data stores) — unless the document displays it, through a property field or a data
//! binding (see [`super::displayed`]) — and entries that are not OPC parts at all (archivers'
//! leftovers, entries without a content type that nothing refers to). For a relationships part,
//! every relationship of a covered source is covered unless its type is one of the exceptions;
//! relationships to external targets, fragments or missing parts are covered by Id alone.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use super::displayed::{self, Displays, STORE_CORE_PROPERTIES, STORE_EXTENDED_PROPERTIES};
use super::names::*;
use crate::error::Result;
use crate::opc::{content_types, PackageEdit, PartName, Relationship, RelsPart, Target};
use crate::xml::{ns, Scanner};

/// Why a part must be covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// It is content a reader renders or uses.
    Content,
    /// Office would leave it unsigned, but this part of the document displays it.
    Displayed { shown_in: String, by: String },
}

#[derive(Debug, Clone)]
pub struct Required {
    /// Parts to cover, by comparison key.
    pub parts: BTreeMap<String, (PartName, Why)>,
    /// For each relationships part to cover (by key): the part, and the relationships to select.
    pub rels: BTreeMap<String, (PartName, Vec<Relationship>)>,
    /// Entries a relationship names that cannot be covered, with the reason.
    pub unsealable: Vec<(String, String)>,
}

/// Entries that are never covered: `[Content_Types].xml` (digested through every reference's
/// `?ContentType=`) and the signature parts.
pub fn is_machinery(name: &PartName) -> bool {
    let n = name.as_str();
    n.eq_ignore_ascii_case(content_types::PART)
        || n.len() >= SIGNATURE_DIR.len()
            && n[..SIGNATURE_DIR.len()].eq_ignore_ascii_case(SIGNATURE_DIR)
}

/// What must be covered. `displays_of` tells what a Word text part displays when the caller knows
/// already (verification keeps the bytes while digesting, signing watches for the needles while
/// digesting); otherwise the part is read and scanned here.
pub fn required(
    edit: &PackageEdit,
    displays_of: &dyn Fn(&PartName) -> Option<Displays>,
) -> Result<Required> {
    let all_rels = edit.relationships()?;
    let names = edit.names();

    // What the Word parts display.
    let mut shows: Vec<(PartName, Displays)> = Vec::new();
    for name in names.values() {
        if edit.content_type(name).is_some_and(displayed::is_word_text) {
            let d = match displays_of(name) {
                Some(d) => d,
                None => displayed::scan(&edit.read(name)?),
            };
            if !d.is_empty() {
                shows.push((name.clone(), d));
            }
        }
    }
    let shown = displayed_parts(&all_rels, &shows, &|| custom_xml_stores(edit, &all_rels));

    // Parts reached only through relationship types Office leaves unsigned.
    let mut by_design = BTreeSet::new();
    for rp in &all_rels {
        for r in rp.rels.iter().filter(|r| tolerated_unsigned(&r.rel_type)) {
            if let Some(t) = r.target_part(rp.source.as_ref()) {
                by_design.insert(t.key());
            }
        }
    }

    let mut req = Required {
        parts: BTreeMap::new(),
        rels: BTreeMap::new(),
        unsealable: vec![],
    };
    for (key, name) in &names {
        if is_machinery(name) || name.is_rels() || !edit.is_part(name) {
            continue;
        }
        if let Some(why) = shown.get(key) {
            req.parts.insert(key.clone(), (name.clone(), why.clone()));
        } else if !by_design.contains(key) {
            req.parts.insert(key.clone(), (name.clone(), Why::Content));
        }
    }

    // Relationships of covered sources; a part such a relationship names is covered too, which
    // may bring in its own relationships: repeat until nothing is added.
    loop {
        let mut added = false;
        for rp in &all_rels {
            let source_covered = match &rp.source {
                None => true,
                Some(s) => req.parts.contains_key(&s.key()),
            };
            if !source_covered {
                continue;
            }
            let mut selected = Vec::new();
            for r in &rp.rels {
                let target = r.target(rp.source.as_ref());
                let target_required =
                    matches!(&target, Target::Part(p) if req.parts.contains_key(&p.key()));
                if tolerated_unsigned(&r.rel_type) && !target_required {
                    continue;
                }
                if let Target::Part(p) = &target {
                    // A relationship into the signature machinery is covered by its Id alone.
                    if let Some(existing) = names.get(&p.key()).filter(|n| !is_machinery(n)) {
                        if !edit.is_part(existing) {
                            let entry = existing.to_string();
                            if !req.unsealable.iter().any(|(e, _)| *e == entry) {
                                req.unsealable.push((
                                    entry,
                                    format!("relationship {} in {} names it, but it has no content type in [Content_Types].xml (Word and Excel call such a package corrupt)", r.id, rp.name),
                                ));
                            }
                        } else if let Entry::Vacant(slot) = req.parts.entry(p.key()) {
                            slot.insert((existing.clone(), Why::Content));
                            added = true;
                        }
                    }
                }
                selected.push(r.clone());
            }
            if selected.is_empty() {
                req.rels.remove(&rp.name.key());
            } else {
                req.rels.insert(rp.name.key(), (rp.name.clone(), selected));
            }
        }
        if !added {
            break;
        }
    }
    Ok(req)
}

/// Parts Office leaves unsigned that the document displays, by key, with the reason.
fn displayed_parts(
    all_rels: &[RelsPart],
    shows: &[(PartName, Displays)],
    custom_stores: &dyn Fn() -> Vec<(String, PartName)>,
) -> BTreeMap<String, Why> {
    let mut out = BTreeMap::new();
    if shows.is_empty() {
        return out;
    }
    let package_rel = |suffix: &str| -> Vec<PartName> {
        all_rels
            .iter()
            .filter(|rp| rp.source.is_none())
            .flat_map(|rp| rp.rels.iter())
            .filter(|r| r.rel_type.ends_with(suffix))
            .filter_map(|r| r.target_part(None))
            .collect()
    };
    let core = package_rel("/metadata/core-properties");
    let extended = package_rel("/extended-properties");
    let custom = package_rel("/custom-properties");
    let stores = custom_stores();
    for (part, d) in shows {
        let why = |by: String| Why::Displayed {
            shown_in: part.to_string(),
            by,
        };
        if let Some(field) = &d.property_field {
            for p in core.iter().chain(&extended).chain(&custom) {
                out.entry(p.key())
                    .or_insert_with(|| why(format!("a {field} field")));
            }
        }
        for id in &d.stores {
            let parts: Vec<&PartName> = match id.as_str() {
                STORE_CORE_PROPERTIES => core.iter().collect(),
                STORE_EXTENDED_PROPERTIES => extended.iter().collect(),
                _ => stores
                    .iter()
                    .filter(|(i, _)| i == id)
                    .map(|(_, p)| p)
                    .collect(),
            };
            for p in parts {
                out.entry(p.key())
                    .or_insert_with(|| why(format!("a content control bound to data store {id}")));
            }
        }
        if d.any_store {
            for p in core
                .iter()
                .chain(&extended)
                .chain(stores.iter().map(|(_, p)| p))
            {
                out.entry(p.key())
                    .or_insert_with(|| why("a content control bound to custom XML data".into()));
            }
        }
    }
    out
}

/// Custom XML data parts and their store item ids: `customXml/itemN.xml` is described by the
/// `ds:datastoreItem/@ds:itemID` of the properties part its relationships name.
fn custom_xml_stores(edit: &PackageEdit, all_rels: &[RelsPart]) -> Vec<(String, PartName)> {
    let mut out = Vec::new();
    for rp in all_rels {
        let Some(item) = &rp.source else { continue };
        for r in rp
            .rels
            .iter()
            .filter(|r| r.rel_type.ends_with("/customXmlProps"))
        {
            let Some(props) = r.target_part(Some(item)) else {
                continue;
            };
            let Ok(text) = edit.read_xml(&props) else {
                continue;
            };
            let mut s = Scanner::new(&text);
            while let Ok(Some(ev)) = s.next_item() {
                if let quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) =
                    &ev.event
                {
                    if s.is(e, ns::CUSTOM_XML_PROPS, "datastoreItem") {
                        if let Some(id) = s.attr(e, Some(ns::CUSTOM_XML_PROPS), "itemID") {
                            out.push((id.trim().to_ascii_uppercase(), item.clone()));
                        }
                        break;
                    }
                }
            }
        }
    }
    out
}
