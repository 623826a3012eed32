//! `#idPackageObject`: the Manifest of the package's parts and the `mdssi:SignatureTime`
//! property (ECMA-376 Part 2, §13.2.4.16 Manifest, §13.2.4.20 SignatureTime).
//!
//! The manifest is written as the standard's algorithm: walk every relationships part; a signed
//! internal relationship contributes its target part (digested once, as stored) and its Id to the
//! RelationshipTransform of the relationships part. External targets contribute only their Id:
//! "The producer shall not create a Manifest element that references any data outside of the
//! package." References are sorted by URI, as Office does.

use rayon::prelude::*;
use std::collections::BTreeSet;

use super::algorithm::DigestAlg;
use super::names::*;
use super::xml_out::{escape_attr, Xml};
use super::{FacetInput, SignedObject};
use crate::c14n::rels_transform::{self, Selector};
use crate::error::{Error, Result};
use crate::opc::{PackageView, PartName};

/// A `ds:Reference` inside the Manifest.
#[derive(Debug, Clone)]
pub struct PartReference {
    pub uri: String,
    pub part: PartName,
    pub relationship_selector: Option<Selector>,
}

/// Which relationships we sign: all but the metadata and signature machinery Office leaves
/// unsigned by design. This is a superset of Office's list; a verifier checks what is referenced.
pub fn is_signed_relationship(rel_type: &str) -> bool {
    !unsigned_by_design(rel_type)
}

/// The references the manifest will hold, before digesting.
pub fn plan(view: &PackageView) -> Result<Vec<PartReference>> {
    let mut refs = Vec::new();
    let mut digested = BTreeSet::new();
    for rels_part in view.relationships()? {
        if let Some(src) = &rels_part.source {
            // Relationships of parts that are themselves not signed (core properties, signatures)
            // are not signed either.
            if !view.exists(src) || src.as_str().starts_with(SIGNATURE_DIR) {
                continue;
            }
        }
        let mut selector = Selector::default();
        for rel in &rels_part.rels {
            if rel.external {
                selector.source_ids.push(rel.id.clone());
                continue;
            }
            if !is_signed_relationship(&rel.rel_type) {
                continue;
            }
            let target = rel.target_part(rels_part.source.as_ref()).ok_or_else(|| {
                Error::Refused(format!(
                    "{}: relationship {} points outside the package",
                    rels_part.name, rel.id
                ))
            })?;
            if !view.exists(&target) {
                return Err(Error::Refused(format!(
                    "{}: relationship {} points to {target}, which is missing",
                    rels_part.name, rel.id
                )));
            }
            selector.source_ids.push(rel.id.clone());
            if digested.insert(target.key()) {
                let ct = view
                    .content_type(&target)
                    .ok_or_else(|| Error::NotAPackage(format!("{target} has no content type")))?;
                refs.push(PartReference {
                    uri: format!("{target}?ContentType={ct}"),
                    part: target,
                    relationship_selector: None,
                });
            }
        }
        if !selector.source_ids.is_empty() {
            refs.push(PartReference {
                uri: format!("{}?ContentType={CT_RELATIONSHIPS}", rels_part.name),
                part: rels_part.name.clone(),
                relationship_selector: Some(selector),
            });
        }
    }
    refs.sort_by(|a, b| a.uri.cmp(&b.uri));
    Ok(refs)
}

/// The digest of one manifest reference, over the part or its transformed relationships.
pub fn digest_reference(view: &PackageView, r: &PartReference, alg: DigestAlg) -> Result<Vec<u8>> {
    match &r.relationship_selector {
        None => view.digest(&r.part, alg),
        Some(sel) => {
            let text = view.read_xml(&r.part)?;
            let rels = crate::opc::rels::parse(r.part.as_str(), &text)?;
            Ok(alg.digest(&rels_transform::transform(r.part.as_str(), &rels, sel)?))
        }
    }
}

/// Builds the package object.
pub fn package_object(input: &FacetInput) -> Result<SignedObject> {
    let refs = plan(input.view)?;
    let digests: Vec<Vec<u8>> = refs
        .par_iter()
        .map(|r| digest_reference(input.view, r, input.digest))
        .collect::<Result<_>>()?;
    let mut x = Xml::default();
    x.raw(&format!(
        "<Object Id=\"{PACKAGE_OBJECT_ID}\" xmlns:mdssi=\"{NS_MDSSI}\">"
    ));
    x.open("Manifest", &[]);
    for (r, d) in refs.iter().zip(&digests) {
        x.open("Reference", &[("URI", &r.uri)]);
        if let Some(sel) = &r.relationship_selector {
            x.open("Transforms", &[])
                .open("Transform", &[("Algorithm", RELATIONSHIP_TRANSFORM)]);
            for id in &sel.source_ids {
                x.raw(&format!(
                    "<mdssi:RelationshipReference SourceId=\"{}\"/>",
                    escape_attr(id)
                ));
            }
            x.close("Transform")
                .empty("Transform", &[("Algorithm", C14N_10)])
                .close("Transforms");
        }
        digest_elements(&mut x, input.digest, d);
        x.close("Reference");
    }
    x.close("Manifest");
    let time = super::format_time(input.time);
    x.open("SignatureProperties", &[])
        .open(
            "SignatureProperty",
            &[
                ("Id", "idSignatureTime"),
                ("Target", &format!("#{SIGNATURE_ID}")),
            ],
        )
        .open("mdssi:SignatureTime", &[])
        .text_element("mdssi:Format", MDSSI_TIME_FORMAT)
        .text_element("mdssi:Value", &time)
        .close("mdssi:SignatureTime")
        .close("SignatureProperty")
        .close("SignatureProperties");
    x.close("Object");
    Ok(SignedObject {
        id: PACKAGE_OBJECT_ID,
        reference_type: TYPE_OBJECT,
        c14n_transform: false,
        xml: x.0,
    })
}

/// `<DigestMethod/><DigestValue/>` in the ds namespace (default prefix).
pub fn digest_elements(x: &mut Xml, alg: DigestAlg, digest: &[u8]) {
    use base64::Engine;
    x.empty("DigestMethod", &[("Algorithm", alg.uri())])
        .text_element(
            "DigestValue",
            &base64::engine::general_purpose::STANDARD.encode(digest),
        );
}
