//! Approval before use: a seal whose policy requires it may stamp a document only with an
//! approved, unused request for that document's exact bytes (their SHA-256). A keeper requests,
//! an approver approves or rejects, the stamp consumes the approval once; every step is in the
//! audit log, and the request's id goes into the signature as a signed property.

use crate::audit::{self, Event};
use crate::center::{now, Center};
use crate::error::{Error, Result};
use crate::registry::{Actor, Role};
pub use docseal_center_client::approvals::{
    pick, Approval, ApprovalStatus, NewRequest, APPROVAL_COLUMNS, DEFAULT_VALID_SECONDS,
};

fn valid_sha256(hex: &str) -> Result<String> {
    let h = hex.trim().to_ascii_lowercase();
    if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(h)
    } else {
        Err(Error::Invalid(
            "document_sha256 must be 64 hexadecimal digits (the SHA-256 of the document)".into(),
        ))
    }
}

fn new_id() -> Result<String> {
    let mut b = [0u8; 6];
    getrandom::getrandom(&mut b).map_err(|e| Error::Crypto(format!("no randomness: {e}")))?;
    Ok(format!("apr-{}", audit::hex(&b)))
}

impl Center {
    /// Whether the seal's policy asks for approval before each use.
    pub async fn requires_approval(&self, seal_id: &str) -> Result<bool> {
        Ok(self.seal(seal_id).await?.approval_required())
    }

    /// Sets a seal's approval policy (`required` or `none`).
    pub async fn set_approval_policy(
        &self,
        actor: &Actor,
        seal_id: &str,
        required: bool,
    ) -> Result<()> {
        actor.require(Role::Administrator, "changing a seal's policy")?;
        self.seal(seal_id).await?;
        let policy = serde_json::json!({
            "approval": if required { "required" } else { "none" }
        })
        .to_string();
        let mut tx = self.store().pool().begin().await?;
        sqlx::query(
            &self
                .store()
                .sql("UPDATE seals SET policy = $1 WHERE id = $2"),
        )
        .bind(&policy)
        .bind(seal_id)
        .execute(&mut *tx)
        .await?;
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: "seal-policy".into(),
                seal_id: Some(seal_id.to_string()),
                outcome: "ok".into(),
                detail: Some(format!(
                    "approval {}",
                    if required { "required" } else { "none" }
                )),
                ..Event::default()
            },
            false,
        )
        .await
    }

    /// A keeper asks to use their seal on a document; returns the request.
    pub async fn request_approval(&self, actor: &Actor, new: NewRequest) -> Result<Approval> {
        let seal = self.seal(&new.seal_id).await?;
        if !(actor.role == Role::Administrator
            || (actor.role == Role::Keeper && actor.name == seal.holder))
        {
            return Err(Error::Forbidden(format!(
                "only seal {}'s keeper may request its use",
                seal.id
            )));
        }
        let digest = valid_sha256(&new.document_sha256)?;
        if new.document.trim().is_empty() || new.document.len() > 500 {
            return Err(Error::Invalid(
                "the document's name: 1 to 500 characters".into(),
            ));
        }
        let a = Approval {
            id: new_id()?,
            seal_id: seal.id.clone(),
            requester: actor.name.clone(),
            document: new.document.trim().to_string(),
            document_sha256: digest,
            reason: new.reason.filter(|r| !r.trim().is_empty()),
            status: ApprovalStatus::Pending,
            created_at: now(),
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            expires_at: None,
            used_at: None,
        };
        let mut tx = self.store().pool().begin().await?;
        sqlx::query(&self.store().sql(&format!(
            "INSERT INTO approvals ({APPROVAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        )))
        .bind(&a.id)
        .bind(&a.seal_id)
        .bind(&a.requester)
        .bind(&a.document)
        .bind(&a.document_sha256)
        .bind(&a.reason)
        .bind(a.status.as_str())
        .bind(a.created_at)
        .bind(&a.decided_by)
        .bind(a.decided_at)
        .bind(&a.decision_reason)
        .bind(a.expires_at)
        .bind(a.used_at)
        .execute(&mut *tx)
        .await?;
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: "approval-request".into(),
                seal_id: Some(a.seal_id.clone()),
                document: Some(a.document.clone()),
                document_sha256: Some(a.document_sha256.clone()),
                outcome: "ok".into(),
                detail: Some(format!(
                    "{}{}",
                    a.id,
                    a.reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                )),
                ..Event::default()
            },
            false,
        )
        .await?;
        Ok(a)
    }

    pub async fn approval(&self, id: &str) -> Result<Approval> {
        let row = sqlx::query(&self.store().sql(&format!(
            "SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.store().pool())
        .await?
        .ok_or_else(|| Error::Invalid(format!("no approval request {id}")))?;
        Approval::from_row(&row)
    }

    /// Requests, newest first; `status` filters. A keeper sees only their own.
    pub async fn approvals(&self, actor: &Actor, status: Option<&str>) -> Result<Vec<Approval>> {
        let rows = sqlx::query(&format!(
            "SELECT {APPROVAL_COLUMNS} FROM approvals ORDER BY created_at DESC, id"
        ))
        .fetch_all(self.store().pool())
        .await?;
        let mut list = Vec::new();
        for r in &rows {
            let a = Approval::from_row(r)?;
            if status.is_some_and(|s| s != a.status.as_str()) {
                continue;
            }
            if actor.role == Role::Keeper && a.requester != actor.name {
                continue;
            }
            list.push(a);
        }
        Ok(list)
    }

    /// An approver decides a pending request: approved (good for `DEFAULT_VALID_SECONDS`) or
    /// rejected. Nobody approves their own request.
    pub async fn decide(
        &self,
        actor: &Actor,
        id: &str,
        approve: bool,
        reason: Option<String>,
    ) -> Result<Approval> {
        if !matches!(actor.role, Role::Approver | Role::Administrator) {
            return Err(Error::Forbidden(format!(
                "deciding a request needs the approver role; {} is {}",
                actor.name,
                actor.role.as_str()
            )));
        }
        let a = self.approval(id).await?;
        if a.requester == actor.name {
            return Err(Error::Forbidden("nobody approves their own request".into()));
        }
        let t = now();
        let (to, expires) = if approve {
            (ApprovalStatus::Approved, Some(t + DEFAULT_VALID_SECONDS))
        } else {
            (ApprovalStatus::Rejected, None)
        };
        let mut tx = self.store().pool().begin().await?;
        // Only a pending request moves, compared again inside the transaction.
        let done = sqlx::query(&self.store().sql(
            "UPDATE approvals SET status = $1, decided_by = $2, decided_at = $3, decision_reason = $4, expires_at = $5 WHERE id = $6 AND status = 'pending'",
        ))
        .bind(to.as_str())
        .bind(&actor.name)
        .bind(t)
        .bind(&reason)
        .bind(expires)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::Invalid(format!(
                "request {id} is {}, not pending",
                a.status.as_str()
            )));
        }
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: if approve {
                    "approval-approve"
                } else {
                    "approval-reject"
                }
                .into(),
                seal_id: Some(a.seal_id.clone()),
                document: Some(a.document.clone()),
                document_sha256: Some(a.document_sha256.clone()),
                outcome: "ok".into(),
                detail: Some(format!(
                    "{id}{}",
                    reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                )),
                ..Event::default()
            },
            false,
        )
        .await?;
        self.approval(id).await
    }

    /// Takes (uses, once) the approval for `seal_id` on the bytes with SHA-256 `document_sha256`:
    /// `given`, or the approved request this actor may see for them (as
    /// [`crate::client::Client::take_approval`] does through a running center).
    pub async fn take_approval(
        &self,
        actor: &Actor,
        seal_id: &str,
        given: Option<&str>,
        document_sha256: &str,
    ) -> Result<Approval> {
        let list = self.approvals(actor, Some("approved")).await?;
        let id = pick(&list, given, seal_id, document_sha256)?;
        self.consume_approval(actor, &id, seal_id, document_sha256)
            .await
    }

    /// A stamp takes its approval: the request `id` must be for `seal_id`, approved, unexpired,
    /// unused, and for exactly `document_sha256`; it is then used, once.
    pub async fn consume_approval(
        &self,
        actor: &Actor,
        id: &str,
        seal_id: &str,
        document_sha256: &str,
    ) -> Result<Approval> {
        let digest = valid_sha256(document_sha256)?;
        let a = self.approval(id).await?;
        let refuse = |why: String| Err(Error::Forbidden(format!("approval {id}: {why}")));
        if a.seal_id != seal_id {
            return refuse(format!("it is for seal {}, not {seal_id}", a.seal_id));
        }
        // The approval is for the keeper who asked, stamping: nobody else uses it up.
        if a.requester != actor.name {
            return refuse(format!("it was requested by {}", a.requester));
        }
        match a.status {
            ApprovalStatus::Pending => return refuse("it is not approved yet".into()),
            ApprovalStatus::Rejected => return refuse("it was rejected".into()),
            ApprovalStatus::Used => return refuse("it was used already".into()),
            ApprovalStatus::Approved => {}
        }
        if a.document_sha256 != digest {
            return refuse(format!(
                "it approves another document ({}), not these bytes",
                a.document
            ));
        }
        let t = now();
        if a.expires_at.is_some_and(|e| t > e) {
            return refuse("it has expired".into());
        }
        let mut tx = self.store().pool().begin().await?;
        let done = sqlx::query(&self.store().sql(
            "UPDATE approvals SET status = 'used', used_at = $1 WHERE id = $2 AND status = 'approved'",
        ))
        .bind(t)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return refuse("it was used already".into());
        }
        self.finish(
            tx,
            Event {
                actor: actor.name.clone(),
                action: "approval-use".into(),
                seal_id: Some(a.seal_id.clone()),
                document: Some(a.document.clone()),
                document_sha256: Some(a.document_sha256.clone()),
                outcome: "ok".into(),
                detail: Some(id.to_string()),
                ..Event::default()
            },
            false,
        )
        .await?;
        self.approval(id).await
    }
}
