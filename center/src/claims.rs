//! Claims on names while an enrolment runs: a key is made on a token seconds before the seal is
//! registered, and two enrolments of one name started together would both pass a check made at
//! the start — two keys with one label on the token, and a registered URI that then names both.
//! A claim is a row with a unique key, inserted (and so decided by the store, across center
//! instances) before the token is touched, and removed when the enrolment ends either way.

use crate::error::{Error, Result};
use crate::store::Store;
use docseal_center_client::clock::now;

/// A claim older than this was left by a center that stopped mid-enrolment: it may be taken.
const STALE_AFTER: i64 = 15 * 60;

/// The claimed keys, released when dropped (on a failure as on success).
pub struct Claims {
    store: Store,
    keys: Vec<String>,
}

impl Claims {
    /// Claims every key in `keys`, or none: `what` names the one already claimed.
    pub async fn take(
        store: &Store,
        keys: Vec<String>,
        what: impl Fn(&str) -> String,
    ) -> Result<Claims> {
        let t = now();
        let mut tx = store.pool().begin().await?;
        for key in &keys {
            sqlx::query(
                &store.sql("DELETE FROM enrolment_claims WHERE claim = $1 AND claimed_at < $2"),
            )
            .bind(key)
            .bind(t - STALE_AFTER)
            .execute(&mut *tx)
            .await?;
            let inserted = sqlx::query(
                &store.sql("INSERT INTO enrolment_claims (claim, claimed_at) VALUES ($1, $2)"),
            )
            .bind(key)
            .bind(t)
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {}
                Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                    return Err(Error::Invalid(format!(
                        "{} is being enrolled already; try again when that enrolment ends",
                        what(key)
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        Ok(Claims {
            store: store.clone(),
            keys,
        })
    }

    pub async fn release(self) {
        for key in &self.keys {
            let _ = sqlx::query(
                &self
                    .store
                    .sql("DELETE FROM enrolment_claims WHERE claim = $1"),
            )
            .bind(key)
            .execute(self.store.pool())
            .await;
        }
    }
}
