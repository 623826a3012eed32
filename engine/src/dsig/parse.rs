//! Reading an existing `sigN.xml` into typed pieces. Elements are found by their namespace and
//! position, as XML-DSig fixes them; anything unexpected is reported, not guessed at.

use base64::Engine;
use libxml::tree::Node;

use super::names::*;
use crate::c14n::rels_transform::Selector;
use crate::c14n::{self, child, children, Method, XmlDoc};
use crate::trust::Cert;

/// One transform of a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transform {
    C14n(String),
    Relationship(Selector),
    Other(String),
}

#[derive(Clone)]
pub struct Reference {
    pub uri: String,
    pub transforms: Vec<Transform>,
    pub digest_method: String,
    pub digest_value: Option<Vec<u8>>,
}

pub struct ParsedSignature {
    pub doc: XmlDoc,
    pub root: Node,
    pub id: Option<String>,
    /// The SignedInfo element, kept for canonicalisation; its content is in the fields below.
    pub signed_info: Node,
    pub c14n_method: String,
    pub signature_method: String,
    pub references: Vec<Reference>,
    pub signature_value: Option<Vec<u8>>,
    pub certs: Vec<Cert>,
    /// Key material in KeyInfo beside the X.509 certificates.
    pub key_info: KeyInfoExtras,
    /// The XAdES signed properties, when the signature has them.
    pub xades: Option<XadesSigned>,
}

/// XAdES `SignedProperties` (ETSI EN 319 132-1 §5.2), read into types: what verification needs
/// without walking the tree again.
#[derive(Debug, Clone, Default)]
pub struct XadesSigned {
    /// Its `Id`: SignedInfo must reference it, or nothing in it is signed.
    pub id: Option<String>,
    pub signing_time: Option<String>,
    /// The certificate digests of `SigningCertificateV2` (or v1); `None` when neither is there.
    pub signing_certificates: Option<Vec<CertDigest>>,
}

/// One `xd:Cert/xd:CertDigest`: the digest method URI and the digest.
#[derive(Debug, Clone)]
pub struct CertDigest {
    pub method: String,
    pub value: Option<Vec<u8>>,
}

/// A signed `ds:Object` holding a `ds:Manifest` (the package object, ECMA-376 Part 2 §13.2.4.2).
#[derive(Clone)]
pub struct PackageObject {
    pub references: Vec<Reference>,
    /// `mdssi:SignatureTime/mdssi:Value`, the signer's claimed time.
    pub signature_time: Option<String>,
}

/// The package object in `object`, if it is one.
/// Every docseal `SESeal` element inside a signed object, its base64 read (`None` when it is
/// not base64).
pub fn seal_data(object: &Node) -> Vec<Option<Vec<u8>>> {
    let mut found = Vec::new();
    let mut stack = vec![object.clone()];
    while let Some(n) = stack.pop() {
        for child in n.get_child_elements() {
            if c14n::is(&child, NS_DOCSEAL, "SESeal") {
                found.push(b64(&child.get_content()));
            } else {
                stack.push(child);
            }
        }
    }
    found
}

/// The non-empty `SetupID` of an Office `SignatureInfoV1` inside a signed object: the signature
/// line the signature fills ([MS-OI29500] §3.7.1.10).
pub fn setup_id(object: &Node) -> Option<String> {
    let id = find(object, NS_OFFICE_DIGSIG, "SetupID")?
        .get_content()
        .trim()
        .to_string();
    (!id.is_empty()).then_some(id)
}

/// A text field of an Office `SignatureInfoV1` inside a signed object (`OfficeVersion`,
/// `ApplicationVersion`, `SignatureText`, …), when not empty.
pub fn signature_info(object: &Node, field: &str) -> Option<String> {
    let info = find(object, NS_OFFICE_DIGSIG, "SignatureInfoV1")?;
    let text = c14n::child(&info, NS_OFFICE_DIGSIG, field)?
        .get_content()
        .trim()
        .to_string();
    (!text.is_empty()).then_some(text)
}

/// The `SignatureImage` of an Office `SignatureInfoV1` inside a signed object, when not empty.
pub fn signature_image(object: &Node) -> Option<Vec<u8>> {
    b64(&find(object, NS_OFFICE_DIGSIG, "SignatureImage")?.get_content()).filter(|b| !b.is_empty())
}

/// The docseal slot list inside a signed object, if there is one.
pub fn slot_list(object: &Node) -> Option<Vec<super::slots::ReservedSlot>> {
    let list = find(object, NS_DOCSEAL, "SealSlots")?;
    Some(
        list.get_child_elements()
            .iter()
            .filter(|c| c14n::is(c, NS_DOCSEAL, "Slot"))
            .map(|c| super::slots::ReservedSlot {
                id: c.get_attribute("Id").unwrap_or_default(),
                label: c.get_attribute("Label").unwrap_or_default(),
                place: c.get_attribute("Place").unwrap_or_default(),
                picture: c.get_attribute("Picture").unwrap_or_default(),
            })
            .collect(),
    )
}

/// The docseal `Approval` inside a signed object, if there is one.
pub fn approval(object: &Node) -> Option<super::seal_data::Approval> {
    let a = find(object, NS_DOCSEAL, "Approval")?;
    Some(super::seal_data::Approval {
        request: a.get_attribute("Request").unwrap_or_default(),
        approved_by: a.get_attribute("ApprovedBy").unwrap_or_default(),
        approved_at: a.get_attribute("ApprovedAt").unwrap_or_default(),
    })
}

pub fn package_object(object: &Node) -> Option<PackageObject> {
    let manifest = child(object, NS_DSIG, "Manifest")?;
    Some(PackageObject {
        references: children(&manifest, NS_DSIG, "Reference")
            .map(|r| reference(&r))
            .collect(),
        signature_time: find(object, NS_MDSSI, "SignatureTime")
            .and_then(|t| find(&t, NS_MDSSI, "Value"))
            .map(|n| c14n::text(&n)),
    })
}

fn xades_signed(root: &Node) -> Option<XadesSigned> {
    let sp = find(root, NS_XADES, "SignedProperties")?;
    let holder = find(&sp, NS_XADES, "SigningCertificateV2")
        .or_else(|| find(&sp, NS_XADES, "SigningCertificate"));
    let signing_certificates = holder.map(|h| {
        children(&h, NS_XADES, "Cert")
            .filter_map(|cert| child(&cert, NS_XADES, "CertDigest"))
            .map(|d| CertDigest {
                method: child(&d, NS_DSIG, "DigestMethod")
                    .and_then(|m| m.get_attribute_no_ns("Algorithm"))
                    .unwrap_or_default(),
                value: child(&d, NS_DSIG, "DigestValue").and_then(|v| b64(&v.get_content())),
            })
            .collect()
    });
    Some(XadesSigned {
        id: sp.get_attribute_no_ns("Id"),
        signing_time: find(&sp, NS_XADES, "SigningTime").map(|n| c14n::text(&n)),
        signing_certificates,
    })
}

/// What KeyInfo holds beside `X509Data/X509Certificate` (XML-DSig §4.5): each must agree with the
/// signer's certificate, or the signature is refused.
#[derive(Debug, Default)]
pub struct KeyInfoExtras {
    /// `KeyValue` children: RSA (modulus, exponent) or an EC public point, as given.
    pub key_values: Vec<KeyValue>,
    pub key_names: Vec<String>,
    pub retrieval_methods: usize,
    /// `X509Certificate` elements that are not certificates.
    pub undecodable_certificates: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValue {
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    Ec { point: Vec<u8> },
    Other(String),
}

pub fn b64(text: &str) -> Option<Vec<u8>> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(clean).ok()
}

/// Parses a signature document; the error is a sentence for a finding.
pub fn parse(part: &str, text: &str) -> Result<ParsedSignature, String> {
    let doc = XmlDoc::parse(part, text).map_err(|e| e.to_string())?;
    let root = doc.root().ok_or("the signature part is empty")?;
    if !c14n::is(&root, NS_DSIG, "Signature") {
        return Err(format!(
            "the root element is <{}>, not ds:Signature",
            root.get_name()
        ));
    }
    let signed_info = child(&root, NS_DSIG, "SignedInfo").ok_or("no SignedInfo")?;
    let c14n_method = child(&signed_info, NS_DSIG, "CanonicalizationMethod")
        .and_then(|n| n.get_attribute_no_ns("Algorithm"))
        .ok_or("no CanonicalizationMethod")?;
    let signature_method = child(&signed_info, NS_DSIG, "SignatureMethod")
        .and_then(|n| n.get_attribute_no_ns("Algorithm"))
        .ok_or("no SignatureMethod")?;
    let references = children(&signed_info, NS_DSIG, "Reference")
        .map(|r| reference(&r))
        .collect();
    // Undecodable base64 is a broken value (it can never verify), not a missing one.
    let signature_value =
        child(&root, NS_DSIG, "SignatureValue").map(|n| b64(&n.get_content()).unwrap_or_default());
    let mut key_info = KeyInfoExtras::default();
    let mut certs = Vec::new();
    if let Some(ki) = child(&root, NS_DSIG, "KeyInfo") {
        for xd in children(&ki, NS_DSIG, "X509Data") {
            for c in children(&xd, NS_DSIG, "X509Certificate") {
                match b64(&c.get_content()).and_then(|der| Cert::from_der(der).ok()) {
                    Some(cert) => certs.push(cert),
                    None => key_info.undecodable_certificates += 1,
                }
            }
        }
        for kv in children(&ki, NS_DSIG, "KeyValue") {
            key_info.key_values.push(key_value(&kv));
        }
        key_info.key_names = children(&ki, NS_DSIG, "KeyName")
            .map(|n| n.get_content().trim().to_string())
            .collect();
        key_info.retrieval_methods = children(&ki, NS_DSIG, "RetrievalMethod").count();
    }
    let id = root.get_attribute_no_ns("Id");
    let xades = xades_signed(&root);
    Ok(ParsedSignature {
        xades,
        doc,
        root,
        id,
        signed_info,
        c14n_method,
        signature_method,
        references,
        signature_value,
        certs,
        key_info,
    })
}

/// A `ds:KeyValue`: `RSAKeyValue` (XML-DSig §4.5.2.2) or `dsig11:ECKeyValue` (XML-DSig 1.1 §4.5.2.3).
fn key_value(kv: &Node) -> KeyValue {
    const NS_DSIG11: &str = "http://www.w3.org/2009/xmldsig11#";
    if let Some(rsa) = child(kv, NS_DSIG, "RSAKeyValue") {
        let part = |name: &str| {
            child(&rsa, NS_DSIG, name)
                .and_then(|n| b64(&n.get_content()))
                .unwrap_or_default()
        };
        return KeyValue::Rsa {
            modulus: part("Modulus"),
            exponent: part("Exponent"),
        };
    }
    if let Some(ec) = child(kv, NS_DSIG11, "ECKeyValue") {
        return KeyValue::Ec {
            point: child(&ec, NS_DSIG11, "PublicKey")
                .and_then(|n| b64(&n.get_content()))
                .unwrap_or_default(),
        };
    }
    KeyValue::Other(
        kv.get_child_elements()
            .first()
            .map(|e| e.get_name())
            .unwrap_or_default(),
    )
}

/// A `ds:Reference` (in SignedInfo or in a Manifest).
pub fn reference(r: &Node) -> Reference {
    let transforms = child(r, NS_DSIG, "Transforms")
        .map(|ts| {
            children(&ts, NS_DSIG, "Transform")
                .map(|t| transform(&t))
                .collect()
        })
        .unwrap_or_default();
    Reference {
        uri: r.get_attribute_no_ns("URI").unwrap_or_default(),
        transforms,
        digest_method: child(r, NS_DSIG, "DigestMethod")
            .and_then(|d| d.get_attribute_no_ns("Algorithm"))
            .unwrap_or_default(),
        digest_value: child(r, NS_DSIG, "DigestValue").and_then(|d| b64(&d.get_content())),
    }
}

fn transform(t: &Node) -> Transform {
    let alg = t.get_attribute_no_ns("Algorithm").unwrap_or_default();
    if alg == RELATIONSHIP_TRANSFORM {
        let mut sel = Selector::default();
        for r in children(t, NS_MDSSI, "RelationshipReference") {
            if let Some(id) = r.get_attribute_no_ns("SourceId") {
                sel.source_ids.push(id);
            }
        }
        for g in children(t, NS_MDSSI, "RelationshipsGroupReference") {
            if let Some(ty) = g.get_attribute_no_ns("SourceType") {
                sel.source_types.push(ty);
            }
        }
        Transform::Relationship(sel)
    } else if Method::from_uri(&alg).is_some() {
        Transform::C14n(alg)
    } else {
        Transform::Other(alg)
    }
}

/// Finds a descendant element by namespace and local name (depth-first, first match).
pub fn find(node: &Node, ns: &str, local: &str) -> Option<Node> {
    c14n::find_descendant(node, ns, local)
}
