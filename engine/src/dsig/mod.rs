//! The package signature (ECMA-376 Part 2 §13 with XAdES), built from an ordered list of facets.
//!
//! Each facet contributes one signed `ds:Object` and the SignedInfo reference to it, so object
//! and reference cannot drift apart. What is not signed — the SignatureValue and KeyInfo — is
//! added afterwards, then the post-sign list (`POST_SIGN`: time-stamps and long-term data).
//! The two lists *are* the signature Office writes:

pub mod coverage;
pub mod displayed;
mod facet;
pub mod machinery;
pub mod manifest;
pub mod names;
pub mod office;
pub mod parse;
pub mod seal_data;
pub mod slots;
pub mod timestamp;
pub mod xades;
pub mod xml_out;

use base64::Engine;
use time::OffsetDateTime;

use crate::algorithm::SignatureAlg;
use crate::c14n::{self, Method, XmlDoc};
use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::signer::Signer;
use crate::trust::Cert;
pub use facet::{Facet, FacetInput, SignedObject};
use names::*;
use xml_out::Xml;

/// The signed facets, in the order their objects and references appear.
pub const FACETS: &[(&str, Facet)] = &[
    (
        "package object: Manifest of the parts + SignatureTime",
        |i| manifest::package_object(i).map(Some),
    ),
    ("Office object: SignatureInfoV1", |i| {
        office::office_object(i).map(Some)
    }),
    (
        "XAdES SignedProperties: SigningTime + SigningCertificateV2",
        |i| xades::signed_properties(i).map(Some),
    ),
    (
        "seal data: the center-issued GB/T 38540 SESeal (stamp --seal)",
        seal_data::seal_data_object,
    ),
    (
        "seal slots: the document's slots when it was sealed",
        slots::slot_list,
    ),
    (
        "signature line: the seal as shown while the signature holds (stamp --into-slot)",
        slots::valid_image,
    ),
    (
        "signature line: the seal crossed out, shown when it breaks",
        slots::invalid_image,
    ),
];

/// How to sign.
pub struct SignOptions<'a> {
    pub signer: &'a dyn Signer,
    /// Leaf first.
    pub certs: &'a [Cert],
    pub time: OffsetDateTime,
    pub comments: &'a str,
    /// Ask this TSA for a SignatureTimeStamp (XAdES-T); a TSA that fails fails the signing.
    pub tsa: Option<&'a crate::timestamp::TsaRequest>,
    /// Embed the chain and these revocation lists, and time-stamp them (XAdES-X-L); needs `tsa`.
    pub ltv: Option<&'a LongTermData>,
    /// The seal's GB/T 38540 `SESeal` (DER) from the seal center, signed with the rest.
    pub seal_data: Option<&'a [u8]>,
    /// The approval this use consumed, signed with the rest.
    pub approval: Option<&'a seal_data::Approval>,
    /// The slot this signature fills (`stamp --into-slot`).
    pub slot: Option<&'a slots::SlotFill>,
}

/// What `--ltv` embeds besides the chain.
#[derive(Debug, Clone, Default)]
pub struct LongTermData {
    /// CRLs from the chain's issuers (others are left out).
    pub crls: Vec<crate::trust::Crl>,
}

pub use crate::datetime::format_time;

/// Signs the package as edited so far: adds the signature machinery and the signature part to
/// `edit`, and returns the signature part's name.
pub fn sign(edit: &mut PackageEdit, opts: &SignOptions) -> Result<PartName> {
    if let Some(leaf) = opts.certs.first() {
        crate::key_policy::check_signing_key(leaf)?;
    }
    if !edit.is_signed() {
        edit.compact_relationships()?;
    }
    let sig_part = machinery::prepare(edit)?;
    let xml = signature_xml(edit, opts, &Ids::for_part(&sig_part))?;
    edit.put(sig_part.clone(), xml.into_bytes());
    Ok(sig_part)
}

/// Builds the whole `sigN.xml` document.
pub fn signature_xml(edit: &PackageEdit, opts: &SignOptions, ids: &Ids) -> Result<String> {
    let alg = opts.signer.algorithm();
    let digested = manifest::digest_parts(edit, alg.digest())?;
    let input = FacetInput {
        edit,
        digest: alg.digest(),
        time: opts.time,
        certs: opts.certs,
        comments: opts.comments,
        seal_data: opts.seal_data,
        approval: opts.approval,
        slot: opts.slot,
        digested: &digested,
        ids,
    };
    let objects: Vec<SignedObject> = FACETS
        .iter()
        .map(|(_, facet)| facet(&input))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();

    // Digest each object in place, inside a document laid out as the final one.
    let signature_id = ids.of(SIGNATURE_ID);
    let draft = document(&signature_id, "<SignedInfo/>", "", "", &objects);
    let doc = XmlDoc::parse("(signature draft)", &draft)?;
    let mut signed_info = Xml::default();
    signed_info
        .open("SignedInfo", &[])
        .empty("CanonicalizationMethod", &[("Algorithm", C14N_10)])
        .empty("SignatureMethod", &[("Algorithm", alg.uri())]);
    for o in &objects {
        let node = doc
            .elements_with_id(&o.id)
            .pop()
            .ok_or_else(|| Error::Xml {
                part: "(signature draft)".into(),
                reason: format!("object {} missing", o.id),
            })?;
        let digest = reference_digest(&node, Method::C14N_10, alg.digest())?;
        signed_info.open(
            "Reference",
            &[("Type", o.reference_type), ("URI", &format!("#{}", o.id))],
        );
        if o.c14n_transform {
            signed_info
                .open("Transforms", &[])
                .empty("Transform", &[("Algorithm", C14N_10)])
                .close("Transforms");
        }
        manifest::digest_elements(&mut signed_info, alg.digest(), &digest);
        signed_info.close("Reference");
    }
    signed_info.close("SignedInfo");

    // SignedInfo's canonical form depends only on the namespaces in scope: the Signature's.
    let shell = format!(
        "<Signature xmlns=\"{NS_DSIG}\" Id=\"{signature_id}\">{}</Signature>",
        signed_info.0
    );
    let shell_doc = XmlDoc::parse("(signed info)", &shell)?;
    let si_node = shell_doc
        .root()
        .and_then(|r| c14n::child(&r, NS_DSIG, "SignedInfo"))
        .ok_or_else(|| Error::xml("(signature draft)", "SignedInfo missing"))?;
    let si_c14n = c14n::canonical_subtree(&si_node, Method::C14N_10)?;
    let value = opts.signer.sign(&si_c14n)?;
    check_own_signature(alg, opts.certs, &si_c14n, &value)?;

    let b64 = base64::engine::general_purpose::STANDARD;
    let mut key_info = Xml::default();
    key_info.open("KeyInfo", &[]).open("X509Data", &[]);
    for c in opts.certs {
        key_info.text_element("X509Certificate", &b64.encode(c.der()));
    }
    key_info.close("X509Data").close("KeyInfo");
    let signed = document(
        &signature_id,
        &signed_info.0,
        &b64.encode(&value),
        &key_info.0,
        &objects,
    );
    POST_SIGN
        .iter()
        .try_fold(signed, |doc, (_, step)| step(doc, opts))
}

/// A step after the SignatureValue exists: it adds unsigned properties to the finished document.
pub type PostSign = fn(String, &SignOptions) -> Result<String>;

/// The post-sign list, in the order the elements appear (KeyInfo is written with the signature
/// itself, before these): the unsigned half of what Office writes.
pub const POST_SIGN: &[(&str, PostSign)] = &[
    ("XAdES-T: SignatureTimeStamp (--tsa)", post_sign_timestamp),
    (
        "XAdES-X-L: chain, CRLs, their references, SigAndRefsTimeStamp (--ltv)",
        post_sign_long_term,
    ),
];

fn post_sign_timestamp(doc: String, opts: &SignOptions) -> Result<String> {
    match opts.tsa {
        Some(tsa) => timestamp::add_signature_timestamp(&doc, tsa),
        None => Ok(doc),
    }
}

fn post_sign_long_term(doc: String, opts: &SignOptions) -> Result<String> {
    match (opts.tsa, opts.ltv) {
        (_, None) => Ok(doc),
        (None, Some(_)) => Err(Error::arg(
            "--ltv",
            "long-term data is sealed by a time-stamp: give --tsa too",
        )),
        (Some(tsa), Some(ltv)) => {
            let crls = chain_crls(opts.certs, &ltv.crls, opts.time)?;
            let digest = opts.signer.algorithm().digest();
            timestamp::add_long_term_data(
                &doc,
                opts.certs.get(1..).unwrap_or(&[]),
                &crls,
                digest,
                tsa,
            )
        }
    }
}

/// The digest of a same-document reference (XML-DSig §4.4.3.3): the element, canonicalised with
/// the reference's method as a node set of its document, then digested. Signing and verifying
/// both call this, so the two cannot drift apart.
pub fn reference_digest(
    node: &libxml::tree::Node,
    method: Method,
    alg: crate::algorithm::DigestAlg,
) -> Result<Vec<u8>> {
    Ok(alg.digest(&c14n::canonical_subtree(node, method)?))
}

/// The CRLs, each checked to be signed by a certificate of the chain (one that is not cannot be
/// checked by anyone later: refused, with the remedy), and to report no chain certificate revoked
/// at signing time: long-term data that proves the seal was already lost would be worse than none.
fn chain_crls(
    certs: &[Cert],
    crls: &[crate::trust::Crl],
    at: OffsetDateTime,
) -> Result<Vec<crate::trust::Crl>> {
    let mut out = Vec::new();
    for crl in crls {
        let Some(issuer) = certs.iter().find(|c| crl.issued_by(c)) else {
            return Err(Error::arg(
                format!("--crl (issuer {})", crl.issuer()),
                "not signed by a certificate of the seal's chain; give that CA with --chain",
            ));
        };
        for cert in certs
            .iter()
            .filter(|c| c.issuer_der() == issuer.subject_der())
        {
            if let Some(r) = crl.revocation_of(cert).filter(|r| r.at <= at) {
                return Err(Error::CertificateNotValid {
                    subject: r.subject,
                    reason: format!(
                        "was revoked on {} (the seal center's CRL)",
                        crate::datetime::format_time(r.at)
                    ),
                });
            }
        }
        out.push(crl.clone());
    }
    Ok(out)
}

/// A signature that does not verify under the certificate we are about to embed would be
/// useless; a token with the wrong key selected is the usual cause.
fn check_own_signature(alg: SignatureAlg, certs: &[Cert], data: &[u8], value: &[u8]) -> Result<()> {
    let leaf = certs.first().ok_or_else(|| Error::CertificateMissing {
        key: "the signing key".into(),
    })?;
    if crate::crypto::verify(
        &leaf.spki_der()?,
        alg,
        data,
        value,
        crate::crypto::EcdsaEncoding::Concatenated,
    ) {
        Ok(())
    } else {
        Err(Error::KeyMismatch {
            subject: leaf.subject(),
        })
    }
}

fn document(
    signature_id: &str,
    signed_info: &str,
    value: &str,
    key_info: &str,
    objects: &[SignedObject],
) -> String {
    let mut s = String::with_capacity(4096 + objects.iter().map(|o| o.xml.len()).sum::<usize>());
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    s.push_str(&format!(
        "<Signature xmlns=\"{NS_DSIG}\" Id=\"{signature_id}\">"
    ));
    s.push_str(signed_info);
    if !value.is_empty() {
        s.push_str(&format!("<SignatureValue>{value}</SignatureValue>"));
    }
    s.push_str(key_info);
    for o in objects {
        s.push_str(&o.xml);
    }
    s.push_str("</Signature>");
    s
}
