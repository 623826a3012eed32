//! `#idPackageObject`: the Manifest of the package's parts and the `mdssi:SignatureTime`
//! property (ECMA-376 Part 2, §13.2.4.16 Manifest, §13.2.4.20 SignatureTime).
//!
//! What the manifest references is decided by the one coverage rule ([`super::coverage`]), which
//! `verify` applies too. Each covered part is digested once, as stored; each covered relationships
//! part through the RelationshipTransform selecting the covered relationships by Id. External
//! targets contribute only their Id: "The producer shall not create a Manifest element that
//! references any data outside of the package" (§13.2.4.16). References are sorted by URI, as
//! Office does.

use std::collections::HashMap;

use rayon::prelude::*;

use super::coverage;
use super::displayed::{self, is_word_text, Displays};
pub use super::facet::Digested;
use super::facet::{FacetInput, SignedObject};
use super::names::*;
use super::xml_out::{escape_attr, Xml};
use crate::algorithm::DigestAlg;
use crate::c14n::rels_transform::{self, Selector};
use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};

/// A `ds:Reference` inside the Manifest.
#[derive(Debug, Clone)]
pub struct PartReference {
    pub uri: String,
    pub part: PartName,
    pub relationship_selector: Option<Selector>,
    /// A relationships part signed whole: canonicalised (C14N 1.0), not filtered.
    pub canonical_whole: bool,
}

impl Digested {
    /// Whether the part may hold a signature line (false only when digesting saw no trace of one).
    pub fn may_hold_slot(&self, part: &PartName) -> bool {
        self.may_hold_slot.get(&part.key()).copied().unwrap_or(true)
    }
}

/// What a Word text part is watched for: the displayed-data needles, then a signature line.
const TEXT_NEEDLES: &[&[u8]] = &[
    displayed::NEEDLES[0],
    displayed::NEEDLES[1],
    crate::slot::NEEDLE,
];

pub fn digest_parts(edit: &PackageEdit, alg: DigestAlg) -> Result<Digested> {
    let candidates: Vec<PartName> = edit
        .names()
        .into_values()
        .filter(|n| !n.is_rels() && !coverage::is_machinery(n) && edit.is_part(n))
        .collect();
    type Watched = (String, Vec<u8>, Option<bool>, Option<bool>);
    let results: Vec<Watched> = candidates
        .par_iter()
        .map(|n| {
            let ct = edit.content_type(n);
            let text = ct.is_some_and(is_word_text);
            let vml = !text && ct.is_some_and(crate::slot::may_hold_slot);
            let needles: &[&[u8]] = if text {
                TEXT_NEEDLES
            } else if vml {
                &[crate::slot::NEEDLE]
            } else {
                &[]
            };
            let (d, found) = edit.digest_watching(n, alg, needles)?;
            let slot = if text {
                found & 0b100 != 0
            } else {
                found & 1 != 0
            };
            Ok((
                n.key(),
                d,
                text.then_some(found & 0b11 != 0),
                (text || vml).then_some(slot),
            ))
        })
        .collect::<Result<_>>()?;
    let mut out = Digested {
        digests: HashMap::new(),
        may_display: HashMap::new(),
        may_hold_slot: HashMap::new(),
    };
    for (key, d, display, slot) in results {
        if let Some(found) = display {
            out.may_display.insert(key.clone(), found);
        }
        if let Some(found) = slot {
            out.may_hold_slot.insert(key.clone(), found);
        }
        out.digests.insert(key, d);
    }
    Ok(out)
}

/// The references the manifest will hold, before digesting.
pub fn plan(edit: &PackageEdit, digested: &Digested) -> Result<Vec<PartReference>> {
    // A watched part without the needles displays nothing; one with them is read and scanned.
    let displays_of = |p: &PartName| match digested.may_display.get(&p.key()) {
        Some(false) => Some(Displays::default()),
        _ => None,
    };
    let required = coverage::required(edit, &displays_of)?;
    if let Some((entry, reason)) = required.unsealable.first() {
        return Err(Error::Unsealable {
            entry: entry.clone(),
            reason: reason.clone(),
        });
    }
    let mut refs = Vec::new();
    for (part, _) in required.parts.values() {
        let ct = edit.content_type(part).ok_or_else(|| Error::Unsealable {
            entry: part.to_string(),
            reason: "it has no content type".into(),
        })?;
        refs.push(PartReference {
            uri: format!("{}?ContentType={ct}", uri_path(part)),
            part: part.clone(),
            relationship_selector: None,
            canonical_whole: false,
        });
    }
    for (rels_part, selected) in required.rels.values() {
        // ECMA-376 Part 2 §13.2.4.23 (RelationshipsGroupReference): "Format designers might
        // permit producers to sign individual relationships in a package or the Relationships
        // part as a whole [O6.10]". A part whose signed relationships hold a character that an
        // attribute must escape is signed whole, canonicalised: LibreOffice's relationship
        // transform (xmlsec's relationship.c before its escaping fix) writes attribute values
        // unescaped, cannot read its own output back for `…?id=1&pg=2`, and calls every such
        // signature broken, Office's as much as ours. Apache POI strips line breaks from a
        // relationships part before digesting it, so only a part without line breaks inside its
        // root is signed so (Office writes none); the others keep the transform, which POI and
        // the standard agree on (README, "Where docseal and LibreOffice differ").
        let whole = selected.iter().any(needs_escaping) && !breaks_inside_root(edit, rels_part);
        refs.push(PartReference {
            uri: format!("{}?ContentType={CT_RELATIONSHIPS}", uri_path(rels_part)),
            part: rels_part.clone(),
            relationship_selector: (!whole).then(|| Selector {
                source_ids: selected.iter().map(|r| r.id.clone()).collect(),
                source_types: vec![],
            }),
            canonical_whole: whole,
        });
    }
    refs.sort_by(|a, b| a.uri.cmp(&b.uri));
    Ok(refs)
}

/// Whether the part has a line break after its root element starts.
fn breaks_inside_root(edit: &PackageEdit, part: &PartName) -> bool {
    let Ok(text) = edit.read_xml(part) else {
        return true;
    };
    let root = text
        .match_indices('<')
        .find(|(i, _)| !text[*i..].starts_with("<?") && !text[*i..].starts_with("<!"))
        .map_or(0, |(i, _)| i);
    text[root..].contains(['\n', '\r'])
}

/// Whether a relationship's attributes hold a character XML escapes in an attribute value
/// (`&`, `<`, `"`, and the white space attribute normalisation would change).
fn needs_escaping(r: &crate::opc::rels::Relationship) -> bool {
    [&r.id, &r.rel_type, &r.target]
        .iter()
        .any(|v| v.contains(['&', '<', '"', '\t', '\n', '\r']))
}

/// A part name as a URI path: characters outside RFC 3986's `pchar` set percent-encoded (a space,
/// non-ASCII letters), so that the reference is a valid URI (ECMA-376 Part 2 §6.2.2.1).
pub fn uri_path(part: &PartName) -> String {
    let mut out = String::with_capacity(part.as_str().len());
    for b in part.as_str().bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%[]".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The digest of one manifest reference, over the part (digested already) or its transformed
/// relationships.
pub fn digest_reference(
    edit: &PackageEdit,
    digested: &Digested,
    r: &PartReference,
    alg: DigestAlg,
) -> Result<Vec<u8>> {
    match &r.relationship_selector {
        None if r.canonical_whole => {
            let text = edit.read_xml(&r.part)?;
            Ok(alg.digest(&crate::c14n::canonical_text(
                r.part.as_str(),
                &text,
                crate::c14n::Method::C14N_10,
            )?))
        }
        None => match digested.digests.get(&r.part.key()) {
            Some(d) => Ok(d.clone()),
            None => edit.digest(&r.part, alg),
        },
        Some(sel) => {
            let text = edit.read_xml(&r.part)?;
            let rels = crate::opc::rels::parse(r.part.as_str(), &text)?;
            Ok(alg.digest(&rels_transform::transform(r.part.as_str(), &rels, sel)?))
        }
    }
}

/// Builds the package object.
pub fn package_object(input: &FacetInput) -> Result<SignedObject> {
    let digested = input.digested;
    let refs = plan(input.edit, digested)?;
    let digests: Vec<Vec<u8>> = refs
        .par_iter()
        .map(|r| digest_reference(input.edit, digested, r, input.digest))
        .collect::<Result<_>>()?;
    let mut x = Xml::default();
    x.raw(&format!(
        "<Object Id=\"{}\" xmlns:mdssi=\"{NS_MDSSI}\">",
        input.ids.of(PACKAGE_OBJECT_ID)
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
        } else if r.canonical_whole {
            x.open("Transforms", &[])
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
                ("Id", &input.ids.of("idSignatureTime")),
                ("Target", &format!("#{}", input.ids.of(SIGNATURE_ID))),
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
        id: input.ids.of(PACKAGE_OBJECT_ID),
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
