//! `#idSignedProperties`: XAdES signed properties (ETSI EN 319 132-1 §5.2): the signing time and
//! the signing certificate, so the certificate in KeyInfo cannot be swapped for another one with
//! the same key. One function per property, as the standard lists them.

use base64::Engine;
use der::Encode;

use super::facet::{FacetInput, SignedObject};
use super::names::*;
use super::xml_out::Xml;
use crate::algorithm::DigestAlg;
use crate::error::{Error, Result};
use crate::trust::Cert;

pub fn signed_properties(input: &FacetInput) -> Result<SignedObject> {
    let leaf = input
        .certs
        .first()
        .ok_or_else(|| Error::CertificateMissing {
            key: "the signing key".into(),
        })?;
    let mut x = Xml::default();
    x.raw(&format!(
        "<Object><xd:QualifyingProperties xmlns:xd=\"{NS_XADES}\" Target=\"#{}\">",
        input.ids.of(SIGNATURE_ID)
    ));
    x.open(
        "xd:SignedProperties",
        &[("Id", &input.ids.of(SIGNED_PROPERTIES_ID))],
    )
    .open("xd:SignedSignatureProperties", &[]);
    signing_time(&mut x, input);
    signing_certificate_v2(&mut x, leaf, input.digest)?;
    signature_policy_implied(&mut x);
    x.close("xd:SignedSignatureProperties")
        .close("xd:SignedProperties");
    office2010_empty_unsigned_properties(&mut x);
    x.raw("</xd:QualifyingProperties></Object>");
    Ok(SignedObject {
        id: input.ids.of(SIGNED_PROPERTIES_ID),
        reference_type: TYPE_SIGNED_PROPERTIES,
        c14n_transform: true,
        xml: x.0,
    })
}

fn signing_time(x: &mut Xml, input: &FacetInput) {
    x.text_element("xd:SigningTime", &super::format_time(input.time));
}

/// SigningCertificateV2: the certificate's digest, and IssuerSerialV2 (the DER of RFC 5035's
/// IssuerSerial, base64).
fn signing_certificate_v2(x: &mut Xml, cert: &Cert, alg: DigestAlg) -> Result<()> {
    let b64 = base64::engine::general_purpose::STANDARD;
    x.open("xd:SigningCertificateV2", &[])
        .open("xd:Cert", &[])
        .open("xd:CertDigest", &[]);
    super::manifest::digest_elements(x, alg, &alg.digest(cert.der()));
    x.close("xd:CertDigest");
    x.text_element("xd:IssuerSerialV2", &b64.encode(issuer_serial_der(cert)?));
    x.close("xd:Cert").close("xd:SigningCertificateV2");
    Ok(())
}

fn signature_policy_implied(x: &mut Xml) {
    x.open("xd:SignaturePolicyIdentifier", &[])
        .empty("xd:SignaturePolicyImplied", &[])
        .close("xd:SignaturePolicyIdentifier");
}

/// Office 2010 rejects XAdES without an (empty) UnsignedSignatureProperties element. It is written
/// with the spelling the post-sign steps (`dsig::timestamp`) fill in.
fn office2010_empty_unsigned_properties(x: &mut Xml) {
    x.open("xd:UnsignedProperties", &[])
        .raw(super::timestamp::EMPTY_UNSIGNED_SIGNATURE_PROPERTIES)
        .close("xd:UnsignedProperties");
}

/// `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }`
/// with the issuer as a single `directoryName [4]` (explicit, as Name is a CHOICE).
pub fn issuer_serial_der(cert: &Cert) -> Result<Vec<u8>> {
    let tbs = &cert.parsed().tbs_certificate;
    let der_err = |e: der::Error| Error::Certificate(format!("certificate encoding: {e}"));
    let issuer = tbs.issuer.to_der().map_err(der_err)?;
    let serial = tbs.serial_number.to_der().map_err(der_err)?;
    use crate::tlv::tlv;
    let general_name = tlv(0xA4, &issuer);
    let general_names = tlv(0x30, &general_name);
    Ok(tlv(0x30, &[general_names, serial].concat()))
}
