//! The registry's records: seals with their status, and the people who use the center.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    /// Reported lost: on the CRL with reason certificateHold until confirmed or reinstated.
    Suspended,
    /// Permanently revoked.
    Revoked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Result<Status> {
        match s {
            "active" => Ok(Status::Active),
            "suspended" => Ok(Status::Suspended),
            "revoked" => Ok(Status::Revoked),
            other => Err(Error::Store(format!("unknown seal status {other:?}"))),
        }
    }
}

/// Why a seal is suspended or revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    Lost,
    Stolen,
    Retired,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Lost => "lost",
            Reason::Stolen => "stolen",
            Reason::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Result<Reason> {
        match s {
            "lost" => Ok(Reason::Lost),
            "stolen" => Ok(Reason::Stolen),
            "retired" => Ok(Reason::Retired),
            other => Err(Error::Invalid(format!(
                "unknown reason {other:?} (lost, stolen or retired)"
            ))),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seal {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    /// official, contract, finance, …
    pub kind: String,
    pub holder: String,
    pub cert_pem: String,
    /// SHA-256 of the certificate's DER, hex.
    pub fingerprint: String,
    pub serial_hex: String,
    /// The seal picture (PNG), base64.
    pub picture_b64: Option<String>,
    pub picture_sha256: Option<String>,
    /// JSON: {"approval": "none"|"required"}.
    pub policy: String,
    pub token_uri: Option<String>,
    pub status: Status,
    /// When the status last changed (for a suspension: the time the loss was reported).
    pub status_at: i64,
    pub status_reason: Option<String>,
    /// The revocation time on the CRL: the report time when a reported loss is confirmed.
    pub revoked_at: Option<i64>,
    pub created_at: i64,
    /// The seal data the center made and signed (GB/T 38540-2020 SESeal, DER), base64.
    pub seseal_b64: Option<String>,
}

pub const SEAL_COLUMNS: &str = "id, name, unit, kind, holder, cert_pem, fingerprint, serial_hex, picture_b64, picture_sha256, policy, token_uri, status, status_at, status_reason, revoked_at, created_at, seseal_b64";

impl Seal {
    /// Whether the seal's policy asks for an approval before each use.
    pub fn approval_required(&self) -> bool {
        serde_json::from_str::<serde_json::Value>(&self.policy)
            .ok()
            .and_then(|v| v["approval"].as_str().map(|a| a == "required"))
            .unwrap_or(false)
    }

    /// The seal data the center signed (GB/T 38540 SESeal, DER), when it has some.
    pub fn seal_data(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        self.seseal_b64
            .as_deref()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
    }

    pub fn from_row(r: &AnyRow) -> Result<Seal> {
        Ok(Seal {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            unit: r.try_get(2)?,
            kind: r.try_get(3)?,
            holder: r.try_get(4)?,
            cert_pem: r.try_get(5)?,
            fingerprint: r.try_get(6)?,
            serial_hex: r.try_get(7)?,
            picture_b64: r.try_get(8)?,
            picture_sha256: r.try_get(9)?,
            policy: r.try_get(10)?,
            token_uri: r.try_get(11)?,
            status: Status::parse(&r.try_get::<String, _>(12)?)?,
            status_at: r.try_get(13)?,
            status_reason: r.try_get(14)?,
            revoked_at: r.try_get(15)?,
            created_at: r.try_get(16)?,
            seseal_b64: r.try_get(17)?,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Administrator,
    Keeper,
    /// Reads the registry and the audit log; changes nothing.
    Auditor,
    /// Approves or rejects requests to use seals whose policy asks for it.
    Approver,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Keeper => "keeper",
            Role::Auditor => "auditor",
            Role::Approver => "approver",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        match s {
            "administrator" | "admin" => Ok(Role::Administrator),
            "keeper" => Ok(Role::Keeper),
            "auditor" => Ok(Role::Auditor),
            "approver" => Ok(Role::Approver),
            other => Err(Error::Invalid(format!(
                "unknown role {other:?} (administrator, keeper, approver or auditor)"
            ))),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
}

/// Someone who logged in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    pub role: Role,
}

impl Actor {
    pub fn require(&self, role: Role, what: &str) -> Result<()> {
        if self.role == role {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "{what} needs the {} role; {} is {}",
                role.as_str(),
                self.name,
                self.role.as_str()
            )))
        }
    }
}
