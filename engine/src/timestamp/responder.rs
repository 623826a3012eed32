//! Answering RFC 3161 requests: the time-stamp authority of the seal center, so that an office
//! without internet still gets proven times. It signs with any `Signer` (a key file or a token)
//! and answers every request with a TimeStampResp, granted or refused with its reason.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::ObjectIdentifier;
use der::asn1::BitString;
use der::asn1::{Any, GeneralizedTime, Int, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_tsp::{Accuracy, TimeStampReq};

use super::token::{
    digest_alg, digest_oid, EssCertIdV2, SigningCertificateV2, TstInfo, ID_CONTENT_TYPE,
    ID_CT_TST_INFO, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_CERTIFICATE_V2,
};
use crate::algorithm::{DigestAlg, SignatureAlg};
use crate::signer::Signer;
use crate::trust::Cert;

const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

/// A time-stamp authority: its key, its certificate (extended key usage id-kp-timeStamping,
/// critical — RFC 3161 §2.3) followed by the chain to include, and its policy.
pub struct Tsa<'a> {
    pub signer: &'a dyn Signer,
    pub certs: &'a [Cert],
    /// The policy OID, dotted (a UUID OID, 2.25.…, is fine).
    pub policy: &'a str,
}

/// Why a request was refused (RFC 3161 §2.4.2, PKIFailureInfo).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a TimeStampReq.
    BadDataFormat,
    /// A hash algorithm this TSA does not accept, or an imprint of the wrong length.
    BadAlg,
    /// A policy other than this TSA's.
    UnacceptedPolicy,
    /// The key could not sign.
    SystemFailure,
}

/// What one request came to: the DER TimeStampResp to send, and the refusal if it was one.
pub struct Answer {
    pub response: Vec<u8>,
    pub refused: Option<Refusal>,
    /// The token's serial number (hex), when granted.
    pub serial: Option<String>,
}

/// TimeStampResp (RFC 3161 §2.4.2) as written here. `cmpv2`'s PKIFailureInfo (0.2) gives its
/// flags bit positions as mask values, so a refusal's reason would be encoded wrong; the
/// status is therefore written with its own two-field type.
#[derive(Sequence)]
struct Response {
    status: StatusInfo,
    #[asn1(optional = "true")]
    token: Option<ContentInfo>,
}

/// PKIStatusInfo (RFC 4210 §5.2.3) without the free text.
#[derive(Sequence)]
struct StatusInfo {
    /// 0 granted, 2 rejection.
    status: u8,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

impl Refusal {
    /// The PKIFailureInfo bit (RFC 3161 §2.4.2).
    fn bit(self) -> u8 {
        match self {
            Refusal::BadAlg => 0,
            Refusal::BadDataFormat => 5,
            Refusal::UnacceptedPolicy => 15,
            Refusal::SystemFailure => 25,
        }
    }
}

/// Answers the DER TimeStampReq `request` at `now`.
pub fn respond(tsa: &Tsa, request: &[u8], now: OffsetDateTime) -> Answer {
    match grant(tsa, request, now) {
        Ok((token, serial)) => Answer {
            response: encode_response(None, Some(token)),
            refused: None,
            serial: Some(serial),
        },
        Err(why) => Answer {
            response: encode_response(Some(why), None),
            refused: Some(why),
            serial: None,
        },
    }
}

fn encode_response(refusal: Option<Refusal>, token: Option<ContentInfo>) -> Vec<u8> {
    // A named-bit BIT STRING in DER ends at its last set bit (X.690 §11.2.2).
    let fail_info = refusal.and_then(|r| {
        let bit = usize::from(r.bit());
        let mut bytes = vec![0u8; bit / 8 + 1];
        bytes[bit / 8] = 0x80 >> (bit % 8);
        BitString::new((7 - bit % 8) as u8, bytes).ok()
    });
    let resp = Response {
        status: StatusInfo {
            status: if refusal.is_some() { 2 } else { 0 },
            fail_info,
        },
        token,
    };
    // Encoding types built here from valid parts cannot fail; an empty answer is a refusal
    // the client reports as malformed.
    resp.to_der().unwrap_or_default()
}

/// The token for a request, and its serial number in hex.
fn grant(tsa: &Tsa, request: &[u8], now: OffsetDateTime) -> Result<(ContentInfo, String), Refusal> {
    let req = TimeStampReq::from_der(request).map_err(|_| Refusal::BadDataFormat)?;
    let imprint_alg = digest_alg(&req.message_imprint.hash_algorithm.oid).ok_or(Refusal::BadAlg)?;
    // SHA-1 imprints no longer prove anything (collisions are practical).
    if imprint_alg == DigestAlg::Sha1
        || req.message_imprint.hashed_message.as_bytes().len() != imprint_alg.digest(b"").len()
    {
        return Err(Refusal::BadAlg);
    }
    let policy = super::policy::from_text(tsa.policy).ok_or(Refusal::SystemFailure)?;
    if req
        .req_policy
        .is_some_and(|p| p.as_bytes() != policy.value())
    {
        return Err(Refusal::UnacceptedPolicy);
    }
    let cert = tsa.certs.first().ok_or(Refusal::SystemFailure)?;

    // §2.4.2: serialNumber unique per token; 127 random bits are, without shared state
    // between servers that answer for one center.
    let mut serial = [0u8; 16];
    getrandom::getrandom(&mut serial).map_err(|_| Refusal::SystemFailure)?;
    serial[0] &= 0x7f;
    serial[0] |= 0x40;
    let seconds = OffsetDateTime::from_unix_timestamp(now.unix_timestamp()).map_err(system)?;
    let gen_time = GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
        u64::try_from(seconds.unix_timestamp()).map_err(system)?,
    ))
    .map_err(system)?;
    let tst = TstInfo {
        version: Int::new(&[1]).map_err(system)?,
        policy,
        message_imprint: req.message_imprint.clone(),
        serial_number: Int::new(&serial).map_err(system)?,
        gen_time: Any::encode_from(&gen_time).map_err(system)?,
        // genTime is truncated to the second: the time is right within one second.
        accuracy: Some(Accuracy {
            seconds: Some(1),
            millis: None,
            micros: None,
        }),
        ordering: false,
        nonce: req.nonce.clone(),
        tsa: None,
        extensions: None,
    };
    let tst_der = tst.to_der().map_err(system)?;

    let alg = tsa.signer.algorithm();
    let digest = alg.digest();
    let attrs = signed_attributes(cert, &tst_der, digest, seconds)?;
    // §5.4: the signature covers the DER of the attributes as a SET OF.
    let signed = attrs.to_der().map_err(system)?;
    let value = tsa
        .signer
        .sign(&signed)
        .map_err(|_| Refusal::SystemFailure)?;
    let signature_oid = crate::crypto::x509_oid(alg);
    let value = match alg {
        SignatureAlg::Rsa(_) => value,
        // The signer gives XML-DSig's r‖s; CMS wants Ecdsa-Sig-Value (RFC 5753 §7.2).
        SignatureAlg::Ecdsa(_) => crate::crypto::ecdsa_der(&value).ok_or(Refusal::SystemFailure)?,
    };
    let issuer = x509_cert::name::Name::from_der(&cert.issuer_der()).map_err(system)?;
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer,
            serial_number: x509_cert::serial_number::SerialNumber::new(cert.serial_bytes())
                .map_err(system)?,
        }),
        digest_alg: algorithm(digest_oid(digest)),
        signed_attrs: Some(attrs),
        signature_algorithm: match alg {
            // RFC 4055 §5: the sha*WithRSAEncryption parameters are NULL.
            SignatureAlg::Rsa(_) => AlgorithmIdentifierOwned {
                oid: signature_oid,
                parameters: Some(der::asn1::Null.into()),
            },
            SignatureAlg::Ecdsa(_) => algorithm(signature_oid),
        },
        signature: OctetString::new(value).map_err(system)?,
        unsigned_attrs: None,
    };
    let certificates = if req.cert_req {
        let list = tsa
            .certs
            .iter()
            .map(|c| x509_cert::Certificate::from_der(c.der()).map(CertificateChoices::Certificate))
            .collect::<der::Result<Vec<_>>>()
            .map_err(system)?;
        Some(CertificateSet(SetOfVec::try_from(list).map_err(system)?))
    } else {
        None
    };
    let signed_data = SignedData {
        // RFC 5652 §5.1: version 3 when the encapsulated content is not id-data.
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![algorithm(digest_oid(digest))])
            .map_err(system)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_CT_TST_INFO,
            econtent: Some(
                Any::encode_from(&OctetString::new(tst_der).map_err(system)?).map_err(system)?,
            ),
        },
        certificates,
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(system)?),
    };
    let token = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(system)?,
    };
    Ok((token, serial.iter().map(|b| format!("{b:02x}")).collect()))
}

/// Any failure to encode or sign what this TSA built itself.
fn system<E>(_: E) -> Refusal {
    Refusal::SystemFailure
}

fn attribute(oid: ObjectIdentifier, value: der::Result<Any>) -> Result<Attribute, Refusal> {
    let value = value.map_err(|_| Refusal::SystemFailure)?;
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(|_| Refusal::SystemFailure)?,
    })
}

/// An AlgorithmIdentifier with absent parameters (RFC 5754 §2 for SHA-2, RFC 5758 §3.2 for
/// ECDSA).
fn algorithm(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

/// The signed attributes of the token's SignerInfo.
fn signed_attributes(
    cert: &crate::trust::Cert,
    tst_der: &[u8],
    digest: DigestAlg,
    seconds: OffsetDateTime,
) -> Result<SetOfVec<Attribute>, Refusal> {
    // RFC 5652 §5.3/§11: contentType and messageDigest are required with signed attributes;
    // RFC 5816 §2.2.1: ESSCertIDv2 names the signing certificate (SHA-256, the default).
    let signing_certificate = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(DigestAlg::Sha256.digest(cert.der())).map_err(system)?,
            issuer_serial: None,
        }],
        policies: None,
    };
    SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_CT_TST_INFO))?,
        attribute(
            ID_SIGNING_TIME,
            Any::encode_from(
                &x509_cert::time::Time::try_from(std::time::SystemTime::from(seconds))
                    .map_err(system)?,
            ),
        )?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.digest(tst_der)).map_err(system)?),
        )?,
        attribute(
            ID_SIGNING_CERTIFICATE_V2,
            Any::encode_from(&signing_certificate),
        )?,
    ])
    .map_err(system)
}
