//! The parts that hold signatures (ECMA-376 Part 2 §13.2.2): the origin part, its relationships
//! to each `sigN.xml`, the package relationship to the origin, and their content types. None of
//! them is covered by any signature, which is what lets a second signature join the first.

use super::names::*;
use crate::c14n::rels_transform::NS as NS_RELS;
use crate::error::{Error, Result};
use crate::opc::content_types;
use crate::opc::{rels, Changes, Package, PartName};

fn part(name: &str) -> Result<PartName> {
    PartName::new(name).map_err(|e| Error::Signing(format!("{name}: {e}")))
}

/// Adds everything but the signature part itself; returns the name the new signature gets.
pub fn prepare(pkg: &Package, changes: &mut Changes) -> Result<PartName> {
    let origin = part(ORIGIN_PART)?;
    let origin_rels = part(ORIGIN_RELS_PART)?;
    let ct_part = part(content_types::PART)?;
    let package_rels = part("/_rels/.rels")?;

    let read = |changes: &Changes, name: &PartName| -> Result<Option<String>> {
        if let Some(b) = changes.get(name) {
            return Ok(Some(String::from_utf8_lossy(b).into_owned()));
        }
        if pkg.entry(name).is_some() {
            return pkg.read_xml(name).map(Some);
        }
        Ok(None)
    };

    let sig = next_signature_name(pkg, changes)?;

    if read(changes, &origin)?.is_none() {
        changes.put(pkg, origin.clone(), Vec::new());
    }
    let root_rels = read(changes, &package_rels)?
        .ok_or_else(|| Error::NotAPackage("it has no /_rels/.rels".into()))?;
    let existing = rels::parse(package_rels.as_str(), &root_rels)?;
    if !existing.iter().any(|r| r.rel_type == REL_ORIGIN) {
        let id = fresh_id(&existing);
        let xml = add_relationship(&root_rels, &id, REL_ORIGIN, "_xmlsignatures/origin.sigs")?;
        changes.put(pkg, package_rels, xml.into_bytes());
    }
    let sig_file = sig.as_str().trim_start_matches(SIGNATURE_DIR).to_string();
    let origin_xml = read(changes, &origin_rels)?.unwrap_or_else(|| {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"{NS_RELS}\"></Relationships>")
    });
    let existing = rels::parse(origin_rels.as_str(), &origin_xml)?;
    let xml = add_relationship(&origin_xml, &fresh_id(&existing), REL_SIGNATURE, &sig_file)?;
    changes.put(pkg, origin_rels, xml.into_bytes());

    let ct = read(changes, &ct_part)?
        .ok_or_else(|| Error::NotAPackage("it has no [Content_Types].xml".into()))?;
    let parsed = content_types::ContentTypes::parse(&ct)?;
    let mut add = String::new();
    if !parsed.has_default("sigs") {
        add.push_str(&format!(
            "<Default Extension=\"sigs\" ContentType=\"{CT_ORIGIN}\"/>"
        ));
    }
    add.push_str(&format!(
        "<Override PartName=\"{sig}\" ContentType=\"{CT_SIGNATURE}\"/>"
    ));
    changes.put(
        pkg,
        ct_part,
        insert_before_close(&ct, "Types", &add)?.into_bytes(),
    );
    Ok(sig)
}

/// Adds a content-type override or default to pending changes (used by placement too).
pub fn add_content_type(pkg: &Package, changes: &mut Changes, xml_fragment: &str) -> Result<()> {
    let ct_part = part(content_types::PART)?;
    let ct = match changes.get(&ct_part) {
        Some(b) => String::from_utf8_lossy(b).into_owned(),
        None => pkg.read_xml(&ct_part)?,
    };
    changes.put(
        pkg,
        ct_part,
        insert_before_close(&ct, "Types", xml_fragment)?.into_bytes(),
    );
    Ok(())
}

/// LibreOffice digests the line breaks between relationships (see `c14n::rels_transform`), Office
/// does not; a relationships part without them digests the same for both. So before the first
/// signature, relationships parts with stray text or comments are rewritten compact. With a
/// signature already present nothing is rewritten: that signature's digests must stay as they are.
pub fn compact_relationships(pkg: &Package, changes: &mut Changes) -> Result<()> {
    let signed_before = pkg
        .entries()
        .iter()
        .any(|e| e.name.as_str().starts_with(SIGNATURE_DIR) && !e.name.is_rels());
    if signed_before {
        return Ok(());
    }
    for e in pkg.entries() {
        if !e.name.is_rels() || changes.get(&e.name).is_some() {
            continue;
        }
        let text = pkg.read_xml(&e.name)?;
        if rels::stray_root_children(&text).is_empty() {
            continue;
        }
        let list = rels::parse(e.name.as_str(), &text)?;
        changes.put(pkg, e.name.clone(), rels::to_xml(&list).into_bytes());
    }
    Ok(())
}

pub fn next_signature_name(pkg: &Package, changes: &Changes) -> Result<PartName> {
    let taken = |n: u32| {
        let name = format!("{SIGNATURE_DIR}sig{n}.xml");
        PartName::new(&name)
            .map(|p| pkg.entry(&p).is_some() || changes.get(&p).is_some())
            .unwrap_or(true)
    };
    let n = (1..10_000)
        .find(|n| !taken(*n))
        .ok_or_else(|| Error::Refused("too many signatures".into()))?;
    part(&format!("{SIGNATURE_DIR}sig{n}.xml"))
}

/// An Id no relationship in the list uses: rId1, rId2, ...
pub fn fresh_id(existing: &[rels::Relationship]) -> String {
    (1..)
        .map(|n| format!("rId{n}"))
        .find(|id| !existing.iter().any(|r| &r.id == id))
        .unwrap_or_default()
}

/// Adds a relationship element to a relationships part's text.
pub fn add_relationship(xml: &str, id: &str, rel_type: &str, target: &str) -> Result<String> {
    let el = format!(
        "<Relationship Id=\"{id}\" Type=\"{rel_type}\" Target=\"{}\"/>",
        super::xml_out::escape_attr(target)
    );
    insert_before_close(xml, "Relationships", &el)
}

/// Inserts `fragment` as the last children of the root element `root`.
pub fn insert_before_close(xml: &str, root: &str, fragment: &str) -> Result<String> {
    let close = format!("</{root}>");
    if let Some(i) = xml.rfind(&close) {
        return Ok(format!("{}{fragment}{}", &xml[..i], &xml[i..]));
    }
    // An empty root written as <Root .../>.
    let open = format!("<{root}");
    let start = xml
        .find(&open)
        .ok_or_else(|| Error::xml(root, format!("no <{root}> element")))?;
    let end = xml[start..]
        .find("/>")
        .map(|e| start + e)
        .ok_or_else(|| Error::xml(root, "unterminated root"))?;
    Ok(format!(
        "{}>{fragment}{close}{}",
        &xml[..end],
        &xml[end + 2..]
    ))
}
