//! What checking one signature found: the signer, the signed objects' contents (seal data,
//! approval, slot), the parts its manifest covers, the time-stamps, and every finding — and the
//! report made from them.

use time::OffsetDateTime;

use crate::algorithm::SignatureAlg;
use crate::c14n::rels_transform::Selector;
use crate::opc::PartName;
use crate::trust::Cert;
use crate::verify::finding::{Finding, Severity};
use crate::verify::report::{RevocationReport, SignatureReport, TimeSource};
use crate::verify::timestamps::{TimestampCheck, TimestampKind};

use super::parts::{DigestResult, PartTask, Pending, RelsDigests};

pub struct SignatureCheck {
    pub(super) part: PartName,
    pub(super) id: Option<String>,
    pub(super) algorithm: Option<SignatureAlg>,
    pub(super) signer: Option<Cert>,
    pub(super) pool: Vec<Cert>,
    pub(super) signed_at: Option<String>,
    pub tasks: Vec<PartTask>,
    pub(super) pending: Vec<Pending>,
    /// Parts (keys) the signature's manifest references.
    pub covered_parts: Vec<PartName>,
    /// Relationships parts and the relationships each reference selects.
    pub covered_rels: Vec<(PartName, Selector)>,
    pub findings: Vec<Finding>,
    pub(super) trusted: bool,
    pub(super) revoked: bool,
    pub(super) timestamps: Vec<TimestampCheck>,
    /// CRLs the signature carries (XAdES-X-L RevocationValues).
    pub(super) embedded_crls: Vec<crate::trust::Crl>,
    /// The time trust and revocation were judged at, and what proves it.
    pub(super) best_time: Option<(OffsetDateTime, TimeSource)>,
    pub(super) revocation: Option<RevocationReport>,
    /// The GB/T 38540 `SESeal` (DER) of a signed `#idSealData` object, when the seal was issued.
    pub(super) seal_data: Option<Vec<u8>>,
    /// The approval a signed object names.
    pub(super) approval: Option<crate::dsig::seal_data::Approval>,
    /// The signature line this signature fills (`SetupID` of its signed Office object).
    pub(super) setup_id: Option<String>,
    /// The valid line image, when signed and unchanged.
    pub(super) line_image: Option<Vec<u8>>,
    /// The signer's picture of a signed Office object (`SignatureImage`).
    pub(super) signature_image: Option<Vec<u8>>,
    /// The signer's typed name of a signed Office object (`SignatureText`).
    pub(super) signature_text: Option<String>,
    /// A signed picture for the line when the signature breaks (`idInvalidSigLnImg`).
    pub(super) has_invalid_image: bool,
    /// What the signature says of the program that made it.
    pub(super) made_with: crate::verify::report::MadeWith,
    /// It has XAdES signed properties.
    pub(super) xades: bool,
    /// The slots the document had when it was sealed, when a signed object lists them.
    pub(super) reserved: Option<Vec<crate::dsig::slots::ReservedSlot>>,
    /// Parts whose digest no longer matches this signature's manifest.
    pub changed_parts: Vec<PartName>,
}

impl SignatureCheck {
    pub(super) fn new(part: &PartName) -> Self {
        SignatureCheck {
            part: part.clone(),
            id: None,
            algorithm: None,
            signer: None,
            pool: vec![],
            signed_at: None,
            tasks: vec![],
            pending: vec![],
            covered_parts: vec![],
            covered_rels: vec![],
            findings: vec![],
            trusted: false,
            revoked: false,
            timestamps: vec![],
            embedded_crls: vec![],
            best_time: None,
            revocation: None,
            seal_data: None,
            approval: None,
            setup_id: None,
            line_image: None,
            signature_image: None,
            signature_text: None,
            has_invalid_image: false,
            made_with: Default::default(),
            xades: false,
            reserved: None,
            changed_parts: vec![],
        }
    }

    /// The signature line (seal slot) this signature fills.
    pub fn setup_id(&self) -> Option<&str> {
        self.setup_id.as_deref()
    }

    /// The seal picture this signature shows in its slot, when signed and unchanged.
    pub fn line_image(&self) -> Option<&[u8]> {
        self.line_image.as_deref()
    }

    /// The signer's picture (`SignatureImage`), when signed.
    pub fn signature_image(&self) -> Option<&[u8]> {
        self.signature_image.as_deref()
    }

    pub fn signature_text(&self) -> Option<&str> {
        self.signature_text.as_deref()
    }

    pub fn has_invalid_image(&self) -> bool {
        self.has_invalid_image
    }

    /// It carries docseal's own signed objects: seal data or a slot list.
    pub fn is_docseal(&self) -> bool {
        self.seal_data.is_some() || self.reserved.is_some()
    }

    /// The slots the document had when this signature was made (from a signed object).
    pub fn reserved_slots(&self) -> Option<&[crate::dsig::slots::ReservedSlot]> {
        self.reserved.as_deref()
    }

    /// Whether the SignatureValue verified (the signed objects are then this signer's).
    pub fn value_verified(&self) -> bool {
        !self.findings.iter().any(|f| {
            matches!(
                f.code,
                "signature-value-invalid" | "malformed-signature" | "no-certificate"
            )
        })
    }

    /// The time the signer claimed.
    pub fn signed_at(&self) -> Option<&str> {
        self.signed_at.as_deref()
    }

    /// What proves the time this signature is judged at.
    pub fn time_source(&self) -> Option<TimeSource> {
        self.best_time.map(|(_, s)| s)
    }

    /// The seal data this signature signed (never one from an unsigned object).
    pub fn seal_data(&self) -> Option<&[u8]> {
        self.seal_data.as_deref()
    }

    /// The time the signature is judged at: proven by a time-stamp, asserted, or now.
    pub fn best_time(&self) -> Option<OffsetDateTime> {
        self.best_time.map(|(t, _)| t)
    }

    pub(super) fn error(&mut self, code: &'static str, message: impl Into<String>) {
        let part = self.part.to_string();
        self.findings
            .push(Finding::error(code, Some(&part), message));
    }

    pub fn part(&self) -> &PartName {
        &self.part
    }

    pub fn signer(&self) -> Option<&Cert> {
        self.signer.as_ref()
    }

    /// Does this signature's manifest reference the part, and (for a relationships part) select
    /// the relationship with this Id?
    pub fn covers(&self, part: &PartName) -> bool {
        self.covered_parts.iter().any(|p| p.key() == part.key())
    }

    /// A relationships part signed whole (no RelationshipTransform) covers every relationship
    /// in it.
    pub fn covers_relationship(&self, rels_part: &PartName, id: &str) -> bool {
        self.covers(rels_part)
            || self.covered_rels.iter().any(|(p, sel)| {
                p.key() == rels_part.key() && sel.source_ids.iter().any(|s| s == id)
            })
    }

    /// The XAdES form (ETSI EN 319 132-1 §6): BES with signed properties, T with a signature
    /// time-stamp, X-L with the long-term data sealed by a SigAndRefsTimeStamp.
    fn xades_form(&self) -> Option<String> {
        if !self.xades {
            return None;
        }
        let has = |k: TimestampKind| self.timestamps.iter().any(|t| t.kind == k);
        Some(
            if has(TimestampKind::SigAndRefs) {
                "XAdES-X-L"
            } else if has(TimestampKind::Signature) {
                "XAdES-T"
            } else {
                "XAdES-BES"
            }
            .into(),
        )
    }

    /// Intact: no error finding so far.
    pub fn intact(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    pub fn report(&self) -> SignatureReport {
        let mut covers: Vec<String> = self.covered_parts.iter().map(|p| p.to_string()).collect();
        covers.extend(self.covered_rels.iter().map(|(p, _)| p.to_string()));
        covers.sort();
        covers.dedup();
        SignatureReport {
            id: self.id.clone(),
            part: self.part.to_string(),
            signer: self.signer.as_ref().map(Cert::subject),
            issuer: self.signer.as_ref().map(Cert::issuer),
            serial: self.signer.as_ref().map(Cert::serial_hex),
            fingerprint_sha256: self.signer.as_ref().map(Cert::fingerprint_sha256),
            algorithm: self.algorithm.map(SignatureAlg::name),
            signed_at: self.signed_at.clone(),
            intact: self.intact(),
            trusted: self.trusted,
            revoked: self.revoked,
            timestamp: self
                .timestamps
                .iter()
                .find(|t| t.kind == TimestampKind::Signature)
                .map(TimestampCheck::report),
            timestamps: self.timestamps.iter().map(TimestampCheck::report).collect(),
            best_time: self.best_time.map(|(t, _)| crate::datetime::format_time(t)),
            time_source: self.best_time.map(|(_, s)| s),
            revocation: self.revocation.clone(),
            approval: self.approval.clone(),
            covers,
            made_with: crate::verify::report::MadeWith {
                xades: self.xades_form(),
                signature_line: self.setup_id.clone(),
                docseal: self.is_docseal(),
                ..self.made_with.clone()
            },
            findings: self.findings.clone(),
        }
    }

    /// Sets the digests computed in parallel and compares them.
    pub fn apply_digests(&mut self, results: &[DigestResult]) {
        for p in std::mem::take(&mut self.pending) {
            let key = p.task.key();
            let Some((_, got, _)) = results.iter().find(|(k, _, _)| *k == key) else {
                continue;
            };
            let name = p.task.part.to_string();
            match got {
                Ok(d)
                    if p.task.selector.is_some() && RelsDigests::decode(d).matches(&p.expected) => {
                }
                Ok(d) if p.task.selector.is_none() && *d == p.expected => {}
                Ok(_) => {
                    self.changed_parts.push(p.task.part.clone());
                    let what = if p.task.selector.is_some() {
                        format!("the signed relationships in {name} changed after sealing (retargeted or removed)")
                    } else {
                        format!("the content of {name} changed after sealing")
                    };
                    self.findings
                        .push(Finding::error("digest-mismatch", Some(&name), what));
                }
                Err(e) => self
                    .findings
                    .push(Finding::error(e.code(), Some(&name), e.to_string())),
            }
        }
    }
}

/// Whether an object Id names a line image: Office's fixed Id, or docseal's numbered one
/// (`idValidSigLnImg_3`, see `dsig::names::Ids`).
pub(super) fn is_line_image(id: &str, base: &str) -> bool {
    id.strip_prefix(base).is_some_and(|rest| {
        rest.is_empty()
            || rest
                .strip_prefix('_')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}
