//! What a signed facet sees and gives: the signature being made (its key's algorithm, time,
//! certificates, seal data, approval and slot), and the signed object it contributes. The
//! facets themselves (`manifest`, `office`, `xades`, `seal_data`, `slots`) read these types and
//! nothing of each other's.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::names::Ids;
use crate::algorithm::DigestAlg;
use crate::error::Result;
use crate::opc::PackageEdit;
use crate::trust::Cert;

/// What a facet sees.
pub struct FacetInput<'a> {
    pub edit: &'a PackageEdit<'a>,
    pub digest: DigestAlg,
    pub time: OffsetDateTime,
    pub certs: &'a [Cert],
    pub comments: &'a str,
    pub seal_data: Option<&'a [u8]>,
    pub approval: Option<&'a Approval>,
    /// The slot this signature fills, with its line images.
    pub slot: Option<&'a SlotFill>,
    /// Every part the manifest may reference, digested once.
    pub digested: &'a Digested,
    /// The Ids of this signature's elements.
    pub ids: &'a Ids,
}

/// A signed `ds:Object` (or the object holding the signed element) and how SignedInfo refers to it.
pub struct SignedObject {
    /// The `Id` the SignedInfo reference points at.
    pub id: String,
    pub reference_type: &'static str,
    /// Whether the reference lists an explicit C14N transform (Office does for SignedProperties).
    pub c14n_transform: bool,
    pub xml: String,
}

/// A facet gives its object, or none when the signature has nothing for it.
pub type Facet = fn(&FacetInput) -> Result<Option<SignedObject>>;

/// The approval a stamp consumed (a seal whose policy asks for one): who approved the request
/// and when, signed with the seal so a verifier can say "approved by A at T".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Approval {
    pub request: String,
    pub approved_by: String,
    /// RFC 3339.
    pub approved_at: String,
}

/// The slot a signature fills: the line's id, the seal picture and the two line images (PNG).
#[derive(Debug, Clone)]
pub struct SlotFill {
    pub setup_id: String,
    /// The seal picture as given (`SignatureImage`): what seal data is compared with.
    pub seal: Vec<u8>,
    /// The seal fitted to the slot's shape.
    pub valid: Vec<u8>,
    pub invalid: Vec<u8>,
}

/// Digests of every part a Manifest may reference, taken in one streaming pass each (in
/// parallel); Word's text parts are watched for what would make them display unsigned data, so
/// that the coverage rule reads again only a part where such markup may be.
pub struct Digested {
    pub(super) digests: HashMap<String, Vec<u8>>,
    pub(super) may_display: HashMap<String, bool>,
    pub(super) may_hold_slot: HashMap<String, bool>,
}
