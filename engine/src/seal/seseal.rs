//! The electronic seal data of GB/T 38540-2020 (信息安全技术 安全电子签章密码技术规范), version 4:
//! `SESeal`, which binds a seal's picture to the certificates of those allowed to use it, signed
//! by the seal's maker (the seal center). A scanned or drawn picture proves nothing; one inside
//! an `SESeal` whose maker is trusted does.
//!
//! The structure follows the standard's ASN.1 as the public implementations agree on it (ofdrw's
//! `org.ofdrw.gm.ses.v4`, and the C verifier gm_0031_38540_verifier): header "ES", version 4;
//! the maker signs the DER of `SES_SealInfo`; dates are GeneralizedTime; the picture's size is in
//! millimetres; `certList` holds whole certificates (certListType 1) or their digests (2). The
//! standard's algorithms are SM2/SM3; a center whose CA is ECDSA P-256 or RSA signs with those,
//! named by their X.509 OIDs in `signAlgID`.

use der::asn1::{BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode, Sequence};
use time::OffsetDateTime;

use crate::algorithm::DigestAlg;
use crate::crypto::{self, EcdsaEncoding};
use crate::trust::Cert;

/// The version GB/T 38540-2020 writes in `SES_Header`.
pub const VERSION: u32 = 4;
/// `SES_Header.id`.
pub const HEADER_ID: &str = "ES";
/// `SES_ESPropertyInfo.type` 1: an organisation's seal (单位印章), as GM/T 0031 numbered it.
pub const TYPE_ORGANISATION: u32 = 1;
/// `certListType` 1: the certificates themselves; 2: their digests.
pub const CERT_LIST_CERTIFICATES: u32 = 1;
pub const CERT_LIST_DIGESTS: u32 = 2;

/// SESeal ::= SEQUENCE { eSealInfo, cert, signAlgID, signedValue }.
#[derive(Clone, Debug, Sequence)]
pub struct SeSeal {
    pub seal_info: SealInfo,
    /// The maker's certificate, DER.
    pub cert: OctetString,
    pub sign_alg: ObjectIdentifier,
    /// The maker's signature over the DER of `seal_info`.
    pub signed_value: BitString,
}

/// SES_SealInfo ::= SEQUENCE { header, esID, property, picture, extDatas OPTIONAL }.
#[derive(Clone, Debug, Sequence)]
pub struct SealInfo {
    pub header: Header,
    pub es_id: Ia5String,
    pub property: PropertyInfo,
    pub picture: PictureInfo,
    #[asn1(optional = "true")]
    pub ext_datas: Option<Vec<ExtData>>,
}

/// SES_Header ::= SEQUENCE { id IA5String ("ES"), version INTEGER (4), vid IA5String }.
#[derive(Clone, Debug, Sequence)]
pub struct Header {
    pub id: Ia5String,
    pub version: u32,
    pub vid: Ia5String,
}

/// SES_ESPropertyInfo. `certList` is a CHOICE of two untagged SEQUENCE OFs told apart only by
/// `certListType`, so it is kept as the raw element and read by [`PropertyInfo::cert_list`].
#[derive(Clone, Debug, Sequence)]
pub struct PropertyInfo {
    pub seal_type: u32,
    pub name: String,
    pub cert_list_type: u32,
    pub cert_list: Any,
    pub create_date: GeneralizedTime,
    pub valid_start: GeneralizedTime,
    pub valid_end: GeneralizedTime,
}

/// CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }.
#[derive(Clone, Debug, Sequence)]
pub struct CertDigestObj {
    pub kind: der::asn1::PrintableString,
    pub value: OctetString,
}

/// SES_ESPictureInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width, height (mm) }.
#[derive(Clone, Debug, Sequence)]
pub struct PictureInfo {
    pub kind: Ia5String,
    pub data: OctetString,
    pub width: u32,
    pub height: u32,
}

/// ExtData ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }.
#[derive(Clone, Debug, Sequence)]
pub struct ExtData {
    pub extn_id: ObjectIdentifier,
    #[asn1(default = "Default::default")]
    pub critical: bool,
    pub extn_value: OctetString,
}

/// Who may use the seal, as `certList` says.
pub enum CertList {
    Certificates(Vec<Vec<u8>>),
    Digests(Vec<CertDigestObj>),
}

impl PropertyInfo {
    pub fn cert_list(&self) -> der::Result<CertList> {
        let der = self.cert_list.to_der()?;
        match self.cert_list_type {
            CERT_LIST_DIGESTS => Ok(CertList::Digests(Vec::<CertDigestObj>::from_der(&der)?)),
            _ => Ok(CertList::Certificates(
                Vec::<OctetString>::from_der(&der)?
                    .into_iter()
                    .map(OctetString::into_bytes)
                    .collect(),
            )),
        }
    }
}

/// What a center puts in a seal it makes.
pub struct NewSeal<'a> {
    /// `esID`: the seal's id in the center's registry.
    pub id: &'a str,
    pub name: &'a str,
    /// The vendor id.
    pub vendor: &'a str,
    /// The certificates allowed to use the seal, DER.
    pub certs: &'a [&'a [u8]],
    pub picture_png: &'a [u8],
    pub width_mm: u32,
    pub height_mm: u32,
    pub created: OffsetDateTime,
    pub valid_from: OffsetDateTime,
    pub valid_to: OffsetDateTime,
}

/// A problem with an `SESeal` as read or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealDataProblem {
    /// Not the structure of GB/T 38540-2020.
    Malformed(String),
    /// The maker's signature does not verify with the maker's certificate.
    MakerSignature,
}

impl std::fmt::Display for SealDataProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealDataProblem::Malformed(why) => {
                write!(f, "the seal data is not a GB/T 38540 SESeal ({why})")
            }
            SealDataProblem::MakerSignature => write!(
                f,
                "the seal maker's signature over the seal data does not verify"
            ),
        }
    }
}

fn malformed(e: impl std::fmt::Display) -> SealDataProblem {
    SealDataProblem::Malformed(e.to_string())
}

fn time(t: OffsetDateTime) -> Result<GeneralizedTime, SealDataProblem> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(malformed)?;
    GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(malformed)
}

/// The `SES_SealInfo` of a new seal, DER: what the maker signs.
pub fn seal_info(new: &NewSeal) -> Result<SealInfo, SealDataProblem> {
    let certs: Vec<OctetString> = new
        .certs
        .iter()
        .map(|c| OctetString::new(c.to_vec()))
        .collect::<der::Result<_>>()
        .map_err(malformed)?;
    Ok(SealInfo {
        header: Header {
            id: Ia5String::new(HEADER_ID).map_err(malformed)?,
            version: VERSION,
            vid: Ia5String::new(new.vendor).map_err(malformed)?,
        },
        es_id: Ia5String::new(new.id).map_err(malformed)?,
        property: PropertyInfo {
            seal_type: TYPE_ORGANISATION,
            name: new.name.to_string(),
            cert_list_type: CERT_LIST_CERTIFICATES,
            cert_list: Any::encode_from(&certs).map_err(malformed)?,
            create_date: time(new.created)?,
            valid_start: time(new.valid_from)?,
            valid_end: time(new.valid_to)?,
        },
        picture: PictureInfo {
            kind: Ia5String::new("PNG").map_err(malformed)?,
            data: OctetString::new(new.picture_png.to_vec()).map_err(malformed)?,
            width: new.width_mm,
            height: new.height_mm,
        },
        ext_datas: None,
    })
}

/// Makes the DER `SESeal` of `new`: `sign` is the maker's key, given the DER of the seal info and
/// returning the X.509 signature algorithm and the signature as X.509 carries it (ECDSA as
/// Ecdsa-Sig-Value).
pub fn make(
    new: &NewSeal,
    maker_cert: &[u8],
    sign: impl FnOnce(&[u8]) -> Result<(ObjectIdentifier, Vec<u8>), String>,
) -> Result<Vec<u8>, SealDataProblem> {
    let info = seal_info(new)?;
    let tbs = info.to_der().map_err(malformed)?;
    let (alg, value) = sign(&tbs).map_err(SealDataProblem::Malformed)?;
    SeSeal {
        seal_info: info,
        cert: OctetString::new(maker_cert.to_vec()).map_err(malformed)?,
        sign_alg: alg,
        signed_value: BitString::from_bytes(&value).map_err(malformed)?,
    }
    .to_der()
    .map_err(malformed)
}

/// An `SESeal` read and its maker's signature checked.
pub struct SealData {
    pub seal: SeSeal,
    pub maker: Cert,
}

impl SealData {
    /// Reads DER `SESeal` and checks the maker's signature over the seal info. The signature
    /// is checked over the DER as re-encoded: readers of the standard do the same, so a seal
    /// whose info is not in DER does not verify anywhere.
    pub fn read(der_bytes: &[u8]) -> Result<SealData, SealDataProblem> {
        let seal = SeSeal::from_der(der_bytes).map_err(malformed)?;
        if seal.seal_info.header.id.as_str() != HEADER_ID
            || seal.seal_info.header.version != VERSION
        {
            return Err(SealDataProblem::Malformed(format!(
                "header {:?} version {}, not \"ES\" version 4",
                seal.seal_info.header.id.as_str(),
                seal.seal_info.header.version
            )));
        }
        let maker = Cert::from_der(seal.cert.as_bytes().to_vec())
            .map_err(|e| SealDataProblem::Malformed(format!("the maker's certificate: {e}")))?;
        let tbs = seal.seal_info.to_der().map_err(malformed)?;
        let alg = crypto::x509_algorithm(&seal.sign_alg).ok_or_else(|| {
            SealDataProblem::Malformed(format!(
                "signature algorithm {} is not one docseal checks (SM2 is not supported)",
                seal.sign_alg
            ))
        })?;
        let spki = maker.spki_der().map_err(malformed)?;
        let value = seal.signed_value.as_bytes().ok_or_else(|| {
            SealDataProblem::Malformed("the signature is not a whole number of octets".into())
        })?;
        if !crypto::verify(&spki, alg, &tbs, value, EcdsaEncoding::Der) {
            return Err(SealDataProblem::MakerSignature);
        }
        Ok(SealData { seal, maker })
    }

    pub fn id(&self) -> &str {
        self.seal.seal_info.es_id.as_str()
    }

    pub fn name(&self) -> &str {
        &self.seal.seal_info.property.name
    }

    pub fn picture(&self) -> &[u8] {
        self.seal.seal_info.picture.data.as_bytes()
    }

    /// The picture's size in millimetres.
    pub fn size_mm(&self) -> (u32, u32) {
        let p = &self.seal.seal_info.picture;
        (p.width, p.height)
    }

    pub fn valid_from(&self) -> OffsetDateTime {
        offset(&self.seal.seal_info.property.valid_start)
    }

    pub fn valid_to(&self) -> OffsetDateTime {
        offset(&self.seal.seal_info.property.valid_end)
    }

    /// Whether `cert` is one the seal lists: the same DER, or (certListType 2) a SHA-256 digest
    /// of it.
    pub fn lists(&self, cert: &Cert) -> bool {
        match self.seal.seal_info.property.cert_list() {
            Ok(CertList::Certificates(certs)) => certs.iter().any(|c| c.as_slice() == cert.der()),
            Ok(CertList::Digests(digests)) => {
                let sha256 = DigestAlg::Sha256.digest(cert.der());
                digests.iter().any(|d| {
                    matches!(
                        d.kind
                            .as_str()
                            .to_ascii_uppercase()
                            .replace('-', "")
                            .as_str(),
                        "SHA256"
                    ) && d.value.as_bytes() == sha256.as_slice()
                })
            }
            Err(_) => false,
        }
    }
}

fn offset(t: &GeneralizedTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
