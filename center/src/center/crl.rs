//! The certificate revocation list (RFC 5280 §5): issued whenever a status changes, and read
//! by whoever asks.

use base64::Engine;
use sqlx::Row;

use super::core::{Center, B64};
use crate::error::{Error, Result};
use crate::registry::{Reason, Seal, Status, SEAL_COLUMNS};
use docseal_center_client::clock::now;

impl Center {
    /// Signs a new CRL inside the caller's transaction (every change of revocation state).
    pub(super) async fn issue_crl(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> Result<Vec<u8>> {
        sqlx::query("UPDATE crl SET number = number WHERE id = 1")
            .execute(&mut **tx)
            .await?;
        let last: Option<i64> = sqlx::query("SELECT number FROM crl WHERE id = 1")
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        let number = last.unwrap_or(0) + 1;
        let rows = sqlx::query(&format!(
            "SELECT {SEAL_COLUMNS} FROM seals WHERE status <> 'active' ORDER BY id"
        ))
        .fetch_all(&mut **tx)
        .await?;
        let mut revoked = Vec::new();
        for r in &rows {
            let s = Seal::from_row(r)?;
            let serial = unhex(&s.serial_hex)?;
            let (reason, at) = match s.status {
                Status::Suspended => (rcgen::RevocationReason::CertificateHold, s.status_at),
                _ => (
                    s.status_reason
                        .as_deref()
                        .map(Reason::parse)
                        .transpose()?
                        .map(crl_reason)
                        .unwrap_or(rcgen::RevocationReason::Unspecified),
                    s.revoked_at.unwrap_or(s.status_at),
                ),
            };
            revoked.push(rcgen::RevokedCertParams {
                serial_number: rcgen::SerialNumber::from_slice(&serial),
                revocation_time: time::OffsetDateTime::from_unix_timestamp(at)
                    .map_err(|e| Error::Store(e.to_string()))?,
                reason_code: Some(reason),
                invalidity_date: None,
            });
        }
        let der = self.ca.crl(number as u64, revoked)?;
        let sql = if last.is_some() {
            "UPDATE crl SET number = $1, issued_at = $2, der_b64 = $3 WHERE id = 1"
        } else {
            "INSERT INTO crl (number, issued_at, der_b64, id) VALUES ($1, $2, $3, 1)"
        };
        sqlx::query(&self.store.sql(sql))
            .bind(number)
            .bind(now())
            .bind(B64.encode(&der))
            .execute(&mut **tx)
            .await?;
        Ok(der)
    }

    /// The current CRL (DER), re-issued first when it is a day old.
    pub async fn crl(&self) -> Result<Vec<u8>> {
        let row = sqlx::query("SELECT issued_at, der_b64 FROM crl WHERE id = 1")
            .fetch_optional(self.store.pool())
            .await?;
        if let Some(r) = &row {
            if now() - r.try_get::<i64, _>(0)? < 86_400 {
                return B64
                    .decode(r.try_get::<String, _>(1)?)
                    .map_err(|e| Error::Store(format!("stored CRL: {e}")));
            }
        }
        let mut tx = self.store.pool().begin().await?;
        let der = self.issue_crl(&mut tx).await?;
        tx.commit().await?;
        self.after_commit(None, Some(&der))?;
        Ok(der)
    }
}

fn unhex(s: &str) -> Result<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| Error::Store(format!("bad serial {s:?}")))
        })
        .collect()
}

/// The CRL reason code of a permanent revocation (RFC 5280 §5.3.1).
fn crl_reason(reason: Reason) -> rcgen::RevocationReason {
    match reason {
        Reason::Lost | Reason::Stolen => rcgen::RevocationReason::KeyCompromise,
        Reason::Retired => rcgen::RevocationReason::CessationOfOperation,
    }
}
