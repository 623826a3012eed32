//! Uses of seals recorded (a keeper's report, once per event id) and the audit log read back
//! and verified against its anchors.

use sqlx::Row;

use super::core::Center;
use crate::audit::{self, Event, Head};
use crate::error::{Error, Result};
use crate::registry::{Actor, Role};
use docseal_center_client::clock::now;

impl Center {
    /// Appends a client's report (a stamp, a verification) to the audit log, once per
    /// `event_id`: a report sent again is answered with the row it made the first time. The
    /// answer carries the signed head the log has now, which the client keeps; `seen` is the
    /// newest head this client was shown before, and a log that no longer holds it is refused
    /// as rolled back (a second anchor, on every client's disk).
    pub async fn record(
        &self,
        actor: &Actor,
        event_id: &str,
        mut event: Event,
        seen: Option<&Head>,
    ) -> Result<(i64, Head)> {
        if event_id.is_empty() || event_id.len() > 100 {
            return Err(Error::Invalid(
                "a report needs an event id of 1 to 100 characters".into(),
            ));
        }
        if seen.is_some_and(|h| !crate::audit::signed_by(h, &self.ca)) {
            return Err(Error::Invalid(
                "the audit head the client sent is not signed by this center".into(),
            ));
        }
        if !matches!(actor.role, Role::Administrator | Role::Keeper) {
            return Err(Error::Forbidden(format!(
                "reports come from keepers and administrators; {} is {}",
                actor.name,
                actor.role.as_str()
            )));
        }
        if let Some(id) = &event.seal_id {
            let seal = self.seal(id).await?;
            if !(actor.role == Role::Administrator
                || (actor.role == Role::Keeper && seal.holder == actor.name))
            {
                return Err(Error::Forbidden(format!(
                    "{} does not keep seal {id}",
                    actor.name
                )));
            }
        }
        event.actor = actor.name.clone();
        let anchors = self.anchors(seen)?;
        let mut tx = self.store.pool().begin().await?;
        audit::lock(&mut tx).await?;
        let first = sqlx::query(
            &self
                .store
                .sql("SELECT seq FROM client_events WHERE event_id = $1"),
        )
        .bind(event_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = first {
            audit::check_anchors(&mut tx, &self.store, &self.ca, &anchors).await?;
            let head = audit::head_in(&mut tx)
                .await?
                .ok_or_else(|| Error::AuditBroken {
                    seq: 1,
                    reason: "the log has rows but no signed head".into(),
                })?;
            return Ok((r.try_get(0)?, head));
        }
        let (entry, head) =
            audit::append(&mut tx, &self.store, &self.ca, &event, now(), &anchors).await?;
        sqlx::query(
            &self
                .store
                .sql("INSERT INTO client_events (event_id, seq) VALUES ($1, $2)"),
        )
        .bind(event_id)
        .bind(entry.seq)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.after_commit(Some(&head), None)?;
        Ok((entry.seq, head))
    }

    pub async fn audit(&self, filter: &audit::Filter) -> Result<Vec<audit::Entry>> {
        audit::list(&self.store, filter).await
    }

    /// Checks the whole chain against the store's signed head, the data directory's copy, and a
    /// head a client was shown (`seen`). Appends nothing: a check must not itself sign a new
    /// head over what it is checking.
    pub async fn verify_audit(&self, seen: Option<&Head>) -> Result<audit::Verified> {
        let mut heads: Vec<Head> = audit::head(&self.store).await?.into_iter().collect();
        heads.extend(self.anchors(seen)?);
        audit::verify(&self.store, &self.ca, &heads).await
    }
}
