//! The verification report shared by the CLI (`--json`) and the server (`POST /api/verify`).
//! Fields may be added; none is renamed.

use serde::Serialize;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable kebab-case name a program can act on.
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    pub message: String,
}

impl Finding {
    pub fn error(code: &'static str, part: Option<&str>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Error,
            code,
            part: part.map(str::to_string),
            message: message.into(),
        }
    }
    pub fn warning(code: &'static str, part: Option<&str>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            code,
            part: part.map(str::to_string),
            message: message.into(),
        }
    }
    pub fn info(code: &'static str, part: Option<&str>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Info,
            code,
            part: part.map(str::to_string),
            message: message.into(),
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
    pub covers: Vec<String>,
    pub findings: Vec<Finding>,
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
}

impl SealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SealStatus::Bound => "bound",
            SealStatus::Copied => "copied",
            SealStatus::Unbound => "unbound",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SealReport {
    pub image_part: String,
    pub in_part: String,
    pub signature: Option<String>,
    pub status: SealStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file: String,
    pub verdict: Verdict,
    pub signatures: Vec<SignatureReport>,
    pub seals: Vec<SealReport>,
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
        self.verdict = if self.signatures.is_empty() && !any_error && self.seals.is_empty() {
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
