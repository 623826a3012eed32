//! The verification report shared by the CLI (`--json`) and the server (`POST /api/verify`).
//! Fields may be added; none is renamed.

use serde::Serialize;

pub use super::finding::{Finding, Severity};
pub use super::timestamps::TimestampReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Valid,
    Untrusted,
    Revoked,
    Invalid,
    Unsigned,
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Untrusted => "untrusted",
            Verdict::Revoked => "revoked",
            Verdict::Invalid => "invalid",
            Verdict::Unsigned => "unsigned",
            Verdict::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    pub id: Option<String>,
    pub part: String,
    pub signer: Option<String>,
    pub issuer: Option<String>,
    pub serial: Option<String>,
    pub fingerprint_sha256: Option<String>,
    pub algorithm: Option<String>,
    pub signed_at: Option<String>,
    /// SignatureValue and every reference check out, and the signing certificate matches.
    pub intact: bool,
    pub trusted: bool,
    pub revoked: bool,
    /// The first SignatureTimeStamp (XAdES-T), if the signature has one.
    pub timestamp: Option<TimestampReport>,
    /// Every time-stamp: SignatureTimeStamp and SigAndRefsTimeStamp (XAdES-X).
    pub timestamps: Vec<TimestampReport>,
    /// The time trust and revocation were judged at.
    pub best_time: Option<String>,
    pub time_source: Option<TimeSource>,
    pub revocation: Option<RevocationReport>,
    /// The approval the seal's use consumed, signed with it ("approved by A at T").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<crate::dsig::seal_data::Approval>,
    pub covers: Vec<String>,
    /// Which program made the signature, as far as it says.
    pub made_with: MadeWith,
    pub findings: Vec<Finding>,
}

/// What a signature says of the program that made it: Office's `SignatureInfoV1` (its Office
/// and application versions, whether it fills a signature line), its XAdES form, and whether it
/// carries docseal's own signed objects. A claim, not a proof: any program can write these.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MadeWith {
    /// In words: "docseal", "Word 2010", "Excel 2007", "an XML-DSig signer".
    pub program: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_version: Option<String>,
    /// `XAdES-BES`, `XAdES-T`, `XAdES-X-L`, or absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xades: Option<String>,
    /// The signature line it fills (`SetupID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_line: Option<String>,
    /// It carries docseal's seal data or slot list.
    pub docseal: bool,
}

/// An Office signature line that is not one of docseal's seal slots (ECMA-376 Part 4
/// §14.2.2.30 `o:signatureline`; [MS-OI29500] §3.7.1.10), with what fills it: reported as
/// information, since Office draws such a line from the signature itself.
#[derive(Debug, Clone, Serialize)]
pub struct LineReport {
    /// The line's id, which a filling signature names as its `SetupID`.
    pub id: String,
    pub part: String,
    pub suggested_signer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_signer_title: Option<String>,
    /// The signature that fills it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intact: Option<bool>,
    /// The signature carries the signer's picture (`SignatureImage`) or typed name
    /// (`SignatureText`), and the pictures Office shows for the line when the signature holds
    /// (`idValidSigLnImg`) and when it breaks (`idInvalidSigLnImg`).
    pub signature_image: bool,
    pub signature_text: bool,
    pub valid_image: bool,
    pub invalid_image: bool,
}

/// What proves the time a signature is judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeSource {
    /// A time-stamp from a trusted authority: the signature existed then.
    Timestamp,
    /// Nothing: only the time of verification is certain.
    VerificationTime,
    /// `--at`: the verifier asserts a time.
    Asserted,
}

/// The signer's revocation status at the best signature time.
#[derive(Debug, Clone, Serialize)]
pub struct RevocationReport {
    pub status: RevocationStatus,
    /// When the certificate was revoked, even if that was after the time judged.
    pub revoked_at: Option<String>,
    pub reason: Option<String>,
    /// Where the answer came from (`crl`), or null when nothing answered.
    pub source: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationStatus {
    Good,
    Revoked,
    Unknown,
}

impl RevocationReport {
    pub fn revoked(r: &crate::trust::Revocation, source: &'static str) -> Self {
        RevocationReport {
            status: RevocationStatus::Revoked,
            revoked_at: Some(crate::datetime::format_time(r.at)),
            reason: r.reason.clone(),
            source: Some(source),
        }
    }
    /// Good at the time judged; revoked later.
    pub fn good_then(r: &crate::trust::Revocation, source: &'static str) -> Self {
        RevocationReport {
            status: RevocationStatus::Good,
            ..Self::revoked(r, source)
        }
    }
    pub fn good(source: &'static str) -> Self {
        RevocationReport {
            status: RevocationStatus::Good,
            revoked_at: None,
            reason: None,
            source: Some(source),
        }
    }
    pub fn unknown() -> Self {
        RevocationReport {
            status: RevocationStatus::Unknown,
            revoked_at: None,
            reason: None,
            source: None,
        }
    }
}

/// Whether a seal picture is bound to a valid signature of this document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SealStatus {
    /// Its signature is here, intact, made with the certificate its mark names, and covers it.
    Bound,
    /// Its signature is missing or does not cover it where it stands: moved or pasted in.
    Copied,
    /// Its signature is here but broken, or the seal has no picture.
    Unbound,
    /// A seal slot no signature fills yet: information, not an error.
    Empty,
}

impl SealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SealStatus::Bound => "bound",
            SealStatus::Copied => "copied",
            SealStatus::Unbound => "unbound",
            SealStatus::Empty => "empty",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SealReport {
    pub image_part: String,
    pub in_part: String,
    pub signature: Option<String>,
    pub status: SealStatus,
    /// The label of the seal slot the seal fills (or that is empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    /// Who sealed: the signing certificate's subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// When, as the signer claims it; `time_source` says whether a time-stamp proves the time
    /// the seal is judged at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_source: Option<TimeSource>,
    /// Whether a seal center issued this picture (GB/T 38540 seal data).
    pub issuance: Issuance,
    #[serde(flatten)]
    pub issued: Issued,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file: String,
    pub verdict: Verdict,
    pub signatures: Vec<SignatureReport>,
    pub seals: Vec<SealReport>,
    /// Office signature lines that are not docseal's seal slots.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signature_lines: Vec<LineReport>,
    pub unsigned_parts: Vec<String>,
    pub findings: Vec<Finding>,
}

impl Report {
    /// A report for input that is not a readable package.
    pub fn error(file: &str, err: &crate::Error) -> Report {
        Report {
            file: file.to_string(),
            verdict: Verdict::Error,
            signatures: vec![],
            seals: vec![],
            signature_lines: vec![],
            unsigned_parts: vec![],
            findings: vec![Finding::error(err.code(), None, err.to_string())],
        }
    }

    /// The one function that turns findings into a verdict.
    pub fn decide(&mut self) {
        let any_error = self
            .findings
            .iter()
            .chain(self.signatures.iter().flat_map(|s| &s.findings))
            .any(|f| f.severity == Severity::Error);
        let shown = self.seals.iter().any(|s| s.status != SealStatus::Empty);
        self.verdict = if self.signatures.is_empty() && !any_error && !shown {
            Verdict::Unsigned
        } else if any_error || self.signatures.iter().any(|s| !s.intact) {
            Verdict::Invalid
        } else if self.signatures.iter().any(|s| s.revoked) {
            Verdict::Revoked
        } else if self.signatures.iter().any(|s| !s.trusted) {
            Verdict::Untrusted
        } else {
            Verdict::Valid
        };
    }

    /// The most important reason, for a one-line summary.
    pub fn reason(&self) -> Option<&Finding> {
        self.findings
            .iter()
            .chain(self.signatures.iter().flat_map(|s| &s.findings))
            .min_by_key(|f| match f.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
            })
    }
}

/// Whether a seal's picture was issued by a seal center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Issuance {
    /// The signature carries seal data from a trusted center that lists the signer and shows
    /// this picture, valid at the signature's time.
    Issued,
    /// No center's seal data: a picture anyone could have scanned or drawn.
    NotIssued,
    /// Seal data that does not hold here: another certificate, another picture, outside its
    /// validity, an untrusted maker or a broken maker signature.
    Mismatch,
}

impl Issuance {
    pub fn as_str(self) -> &'static str {
        match self {
            Issuance::Issued => "issued",
            Issuance::NotIssued => "not-issued",
            Issuance::Mismatch => "mismatch",
        }
    }
}

/// What the seal data says, for the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Issued {
    pub issued_by: Option<String>,
    pub seal_id: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}
