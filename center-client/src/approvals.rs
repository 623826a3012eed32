//! Approval requests as their clients see them: a request, its status, the one a stamp uses,
//! and the signed property a stamp carries.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::{Error, Result};

/// An approval is good for this long after it was given, unless the center says otherwise.
pub const DEFAULT_VALID_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    /// Approved, then consumed by a stamp.
    Used,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
            ApprovalStatus::Used => "used",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "pending" => ApprovalStatus::Pending,
            "approved" => ApprovalStatus::Approved,
            "rejected" => ApprovalStatus::Rejected,
            "used" => ApprovalStatus::Used,
            other => return Err(Error::Store(format!("unknown approval status {other:?}"))),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Approval {
    pub id: String,
    pub seal_id: String,
    pub requester: String,
    pub document: String,
    /// SHA-256 of the exact bytes to be sealed, hex.
    pub document_sha256: String,
    pub reason: Option<String>,
    pub status: ApprovalStatus,
    pub created_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
    pub expires_at: Option<i64>,
    pub used_at: Option<i64>,
}

pub const APPROVAL_COLUMNS: &str = "id, seal_id, requester, document, document_sha256, reason, status, created_at, decided_by, decided_at, decision_reason, expires_at, used_at";

impl Approval {
    pub fn from_row(r: &sqlx::any::AnyRow) -> Result<Approval> {
        Ok(Approval {
            id: r.try_get(0)?,
            seal_id: r.try_get(1)?,
            requester: r.try_get(2)?,
            document: r.try_get(3)?,
            document_sha256: r.try_get(4)?,
            reason: r.try_get(5)?,
            status: ApprovalStatus::parse(&r.try_get::<String, _>(6)?)?,
            created_at: r.try_get(7)?,
            decided_by: r.try_get(8)?,
            decided_at: r.try_get(9)?,
            decision_reason: r.try_get(10)?,
            expires_at: r.try_get(11)?,
            used_at: r.try_get(12)?,
        })
    }
}

impl Approval {
    /// The approval as a signature carries it (a signed property): the request, the approver and
    /// the time of the approval.
    pub fn signed_property(&self) -> docseal::seal_data::Approval {
        docseal::seal_data::Approval {
            request: self.id.clone(),
            approved_by: self.decided_by.clone().unwrap_or_default(),
            approved_at: self
                .decided_at
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                .map(docseal::format_time)
                .unwrap_or_default(),
        }
    }
}

/// The request to use for `seal` on the bytes with SHA-256 `digest`: `given`, or the approved
/// one found for them.
pub fn pick(list: &[Approval], given: Option<&str>, seal: &str, digest: &str) -> Result<String> {
    if let Some(g) = given {
        return Ok(g.to_string());
    }
    list.iter()
        .find(|a| a.seal_id == seal && a.document_sha256 == digest && a.status == ApprovalStatus::Approved)
        .map(|a| a.id.clone())
        .ok_or_else(|| {
            Error::Forbidden(format!(
                "seal {seal} needs an approval for this document (SHA-256 {digest}); ask with `docseal center request --seal {seal} DOC`"
            ))
        })
}

/// A request for approval, as a keeper makes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewRequest {
    pub seal_id: String,
    pub document: String,
    pub document_sha256: String,
    pub reason: Option<String>,
}
