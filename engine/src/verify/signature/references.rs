//! The signed objects: each SignedInfo reference resolved, placed and digested, and what the
//! objects carry recorded.

use crate::algorithm::DigestAlg;
use crate::c14n::{self, Method};
use crate::dsig::names::*;
use crate::dsig::parse::{self, Reference, Transform};
use crate::opc::Package;
use crate::verify::finding::Finding;

use super::check::{is_line_image, SignatureCheck};
use super::parts::{PartTask, Pending};

/// What SignedInfo's references lead to, once each has been checked.
#[derive(Default)]
pub(super) struct Signed {
    /// The package objects' manifests (`mdssi` part references).
    pub(super) manifest_objects: Vec<parse::PackageObject>,
    /// The Ids SignedInfo references and whose digests hold.
    pub(super) referenced_ids: Vec<String>,
    /// Seal data (GB/T 38540 SESeal) found in the signed objects, decoded or not.
    seal_data: Vec<Option<Vec<u8>>>,
}

/// SignedInfo's references: same-document objects only, each found exactly once, inside an
/// Object of this signature, digesting as signed (XML-DSig §3.2.1, and the wrapping attacks
/// of McIntyre et al. that the "exactly once, inside" rule closes).
pub(super) fn check_references(check: &mut SignatureCheck, sig: &parse::ParsedSignature) -> Signed {
    let mut signed = Signed::default();
    for r in &sig.references {
        let Some(id) = r.uri.strip_prefix('#') else {
            check.error(
                "unsupported-reference",
                format!(
                    "SignedInfo references {:?}, not an object of the signature",
                    r.uri
                ),
            );
            continue;
        };
        let nodes = sig.doc.elements_with_id(id);
        let node = match nodes.len() {
            1 => nodes.into_iter().next(),
            0 => {
                check.error(
                    "reference-not-found",
                    format!("the signed object #{id} is missing"),
                );
                None
            }
            _ => {
                check.error(
                    "duplicate-id",
                    format!("two elements carry Id {id:?} (signature wrapping?)"),
                );
                None
            }
        };
        let Some(node) = node else { continue };
        // The object must hang off this Signature, not be smuggled in elsewhere.
        if !within_own_object(&node, &sig.root) {
            check.error(
                "reference-outside-signature",
                format!("#{id} is not inside an Object of this signature"),
            );
            continue;
        }
        let mut method = Method::C14N_10;
        let mut ok = true;
        for t in &r.transforms {
            match t {
                Transform::C14n(uri) => method = Method::from_uri(uri).unwrap_or(Method::C14N_10),
                other => {
                    check.error(
                        "unsupported-transform",
                        format!("#{id} uses transform {other:?}"),
                    );
                    ok = false;
                }
            }
        }
        let Some(dalg) = DigestAlg::from_uri(&r.digest_method) else {
            check.error(
                "unknown-algorithm",
                format!("unknown digest algorithm {}", r.digest_method),
            );
            continue;
        };
        if !ok {
            continue;
        }
        let digest = crate::dsig::reference_digest(&node, method, dalg);
        match (digest, &r.digest_value) {
            (Ok(d), Some(expected)) if d == *expected => {
                signed.referenced_ids.push(id.to_string());
                if c14n::is(&node, NS_DSIG, "Object") {
                    record_object(check, &node, id, &mut signed);
                }
            }
            (Ok(_), _)
                if is_line_image(id, crate::dsig::slots::VALID_IMAGE_ID)
                    || is_line_image(id, crate::dsig::slots::INVALID_IMAGE_ID) =>
            {
                check.error(
                    "slot-picture-changed",
                    format!("the seal picture this signature shows in its slot (#{id}) is not the one it sealed: swapped or edited"),
                );
            }
            (Ok(_), _) => {
                let what = if c14n::is(&node, NS_XADES, "SignedProperties") {
                    "the XAdES SignedProperties (signing time, signing certificate) were edited after signing".to_string()
                } else {
                    format!("the signed object #{id} changed after signing")
                };
                check.error("digest-mismatch", what);
            }
            (Err(e), _) => check.error("malformed-signature", e.to_string()),
        }
    }
    match signed.seal_data.len() {
        0 => {}
        1 => match signed.seal_data.pop().flatten() {
            Some(der) => check.seal_data = Some(der),
            None => check.error("seal-data-invalid", "the signed seal data is not base64"),
        },
        _ => check.error(
            "seal-data-invalid",
            "the signature carries more than one seal data (SESeal)",
        ),
    }
    if signed.manifest_objects.is_empty() && check.intact() {
        check.error(
            "no-manifest",
            "the signature covers no package parts (no signed Manifest)",
        );
    }
    signed
}

/// What a signed `ds:Object` carries: the package manifest, seal data, an approval, the slot
/// it fills (SignatureInfoV1's SetupID, image and text), the Office version, the slot list, and
/// the line images.
fn record_object(
    check: &mut SignatureCheck,
    node: &libxml::tree::Node,
    id: &str,
    signed: &mut Signed,
) {
    signed.manifest_objects.extend(parse::package_object(node));
    signed.seal_data.extend(parse::seal_data(node));
    if let Some(a) = parse::approval(node) {
        check.approval = Some(a);
    }
    if let Some(id) = parse::setup_id(node) {
        check.setup_id = Some(id);
        check.signature_image = parse::signature_image(node);
        check.signature_text = parse::signature_info(node, "SignatureText");
    }
    if let Some(v) = parse::signature_info(node, "OfficeVersion") {
        check.made_with.office_version = Some(v);
        check.made_with.application_version = parse::signature_info(node, "ApplicationVersion");
    }
    if let Some(list) = parse::slot_list(node) {
        check.reserved = Some(list);
    }
    if is_line_image(id, crate::dsig::slots::VALID_IMAGE_ID) {
        check.line_image = parse::b64(&node.get_content());
    }
    if is_line_image(id, crate::dsig::slots::INVALID_IMAGE_ID) {
        check.has_invalid_image = true;
    }
}

fn within_own_object(node: &libxml::tree::Node, root: &libxml::tree::Node) -> bool {
    let mut cur = node.clone();
    loop {
        let Some(parent) = cur.get_parent() else {
            return false;
        };
        if parent == *root {
            return c14n::is(&cur, NS_DSIG, "Object");
        }
        cur = parent;
    }
}

/// Queues one manifest reference "/part?ContentType=type" for digesting.
pub(super) fn manifest_reference(pkg: &Package, check: &mut SignatureCheck, r: &Reference) {
    let (path, query) = r.uri.split_once('?').unwrap_or((&r.uri, ""));
    let expected_ct = query.strip_prefix("ContentType=").map(str::to_string);
    let Some(entry) = pkg.entry_by_uri(path) else {
        check.error("part-missing", format!("the signed part {path} is missing"));
        return;
    };
    let part = entry.name.clone();
    let actual_ct = pkg.content_type(&part).map(str::to_string);
    if expected_ct.is_some() && expected_ct != actual_ct {
        let p = part.to_string();
        check.findings.push(Finding::error(
            "content-type-mismatch",
            Some(&p),
            format!(
                "the content type of {p} changed after sealing (signed as {}, now {})",
                expected_ct.as_deref().unwrap_or("?"),
                actual_ct.as_deref().unwrap_or("none")
            ),
        ));
        return;
    }
    let Some(alg) = DigestAlg::from_uri(&r.digest_method) else {
        check.error(
            "unknown-algorithm",
            format!("unknown digest algorithm {}", r.digest_method),
        );
        return;
    };
    let Some(expected) = r.digest_value.clone() else {
        check.error(
            "malformed-signature",
            format!("the reference to {path} has no digest value"),
        );
        return;
    };
    let (selector, canonical) = match r.transforms.as_slice() {
        [] => (None, None),
        [Transform::Relationship(sel)] | [Transform::Relationship(sel), Transform::C14n(_)] => {
            (Some(sel.clone()), None)
        }
        // A part canonicalised whole (ECMA-376 Part 2 §13.2.4.26 allows C14N on its own).
        [Transform::C14n(uri)] if Method::from_uri(uri).is_some() => (None, Method::from_uri(uri)),
        other => {
            check.error(
                "unsupported-transform",
                format!("the reference to {path} uses transforms {other:?}"),
            );
            return;
        }
    };
    match &selector {
        Some(sel) => check.covered_rels.push((part.clone(), sel.clone())),
        None => check.covered_parts.push(part.clone()),
    }
    let task = PartTask {
        part,
        alg,
        selector,
        canonical,
    };
    check.tasks.push(task.clone());
    check.pending.push(Pending { task, expected });
}
