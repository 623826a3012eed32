//! Where the center suspends, reinstates and revokes a seal: one transaction that changes its
//! status, appends to the audit log and re-issues the CRL.

use super::core::Center;
use crate::audit::Event;
use crate::error::{Error, Result};
use crate::registry::{Actor, Reason, Role, Seal, Status};
use docseal_center_client::clock::now;

impl Center {
    /// Reports a seal lost or stolen: suspended at once, on the CRL with reason certificateHold
    /// from the report time. Its keeper or an administrator may report.
    pub async fn suspend(&self, actor: &Actor, id: &str, reason: Reason) -> Result<Seal> {
        let seal = self.seal(id).await?;
        if actor.role != Role::Administrator
            && !(actor.role == Role::Keeper && actor.name == seal.holder)
        {
            return Err(Error::Forbidden(format!(
                "only seal {id}'s keeper or an administrator may report it"
            )));
        }
        self.transition(actor, seal, Status::Suspended, Some(reason), "seal-suspend")
            .await
    }

    /// The token was found: the seal leaves the CRL.
    pub async fn reinstate(&self, actor: &Actor, id: &str) -> Result<Seal> {
        actor.require(Role::Administrator, "reinstating a seal")?;
        let seal = self.seal(id).await?;
        self.transition(actor, seal, Status::Active, None, "seal-reinstate")
            .await
    }

    /// Revokes for good. A suspended seal keeps its report time as the revocation time, so that
    /// what was sealed after the report stays invalid.
    pub async fn revoke(&self, actor: &Actor, id: &str, reason: Reason) -> Result<Seal> {
        actor.require(Role::Administrator, "revoking a seal")?;
        let seal = self.seal(id).await?;
        self.transition(actor, seal, Status::Revoked, Some(reason), "seal-revoke")
            .await
    }

    pub(super) async fn transition(
        &self,
        actor: &Actor,
        seal: Seal,
        to: Status,
        reason: Option<Reason>,
        action: &str,
    ) -> Result<Seal> {
        let allowed = matches!(
            (seal.status, to),
            (Status::Active, Status::Suspended)
                | (Status::Active, Status::Revoked)
                | (Status::Suspended, Status::Revoked)
                | (Status::Suspended, Status::Active)
        );
        if !allowed {
            return Err(Error::BadTransition {
                seal: seal.id.clone(),
                from: seal.status.as_str().into(),
                to: to.as_str().into(),
            });
        }
        let t = now();
        let revoked_at = match (seal.status, to) {
            (Status::Suspended, Status::Revoked) => Some(seal.status_at),
            (_, Status::Revoked) => Some(t),
            _ => None,
        };
        let mut tx = self.store.pool().begin().await?;
        // The status is compared again inside the transaction: two administrators acting at once
        // on two center instances cannot both move the seal from the same state.
        let done = sqlx::query(&self.store.sql(
            "UPDATE seals SET status = $1, status_at = $2, status_reason = $3, revoked_at = $4 WHERE id = $5 AND status = $6",
        ))
        .bind(to.as_str())
        .bind(t)
        .bind(reason.map(|r| r.as_str().to_string()))
        .bind(revoked_at)
        .bind(&seal.id)
        .bind(seal.status.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(Error::BadTransition {
                seal: seal.id.clone(),
                from: "changed by someone else meanwhile".into(),
                to: to.as_str().into(),
            });
        }
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: action.into(),
                seal_id: Some(seal.id.clone()),
                outcome: "ok".into(),
                detail: reason.map(|r| r.as_str().to_string()),
                ..Event::default()
            },
            true,
        )
        .await?;
        self.seal(&seal.id).await
    }
}
