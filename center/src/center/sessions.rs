//! Sessions: a login's bearer token opened, looked up and closed.

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::core::Center;
use crate::audit::{self};
use crate::error::{Error, Result};
use crate::registry::{Actor, Role};
use docseal_center_client::clock::now;

impl Center {
    /// A session for `actor`: a random bearer token, kept only as its SHA-256, valid `hours`.
    pub async fn open_session(&self, actor: &Actor, hours: i64) -> Result<(String, i64)> {
        let mut raw = [0u8; 32];
        getrandom::getrandom(&mut raw).map_err(|e| Error::Crypto(format!("no randomness: {e}")))?;
        let token = audit::hex(&raw);
        let expires = now() + hours * 3600;
        let t = now();
        let mut tx = self.store.pool().begin().await?;
        sqlx::query(&self.store.sql("DELETE FROM sessions WHERE expires_at < $1"))
            .bind(t)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            &self.store.sql(
                "INSERT INTO sessions (token_sha256, user_name, expires_at) VALUES ($1, $2, $3)",
            ),
        )
        .bind(audit::hex(&Sha256::digest(token.as_bytes())))
        .bind(&actor.name)
        .bind(expires)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((token, expires))
    }

    /// Who holds the bearer `token`, if it is a live session of an enabled user.
    /// Ends a session (logging out).
    pub async fn close_session(&self, token: &str) -> Result<()> {
        sqlx::query(
            &self
                .store
                .sql("DELETE FROM sessions WHERE token_sha256 = $1"),
        )
        .bind(audit::hex(&Sha256::digest(token.as_bytes())))
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    pub async fn session(&self, token: &str) -> Result<Actor> {
        let row = sqlx::query(&self.store.sql(
            "SELECT u.name, u.role FROM sessions s JOIN users u ON u.name = s.user_name
             WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.disabled = 0",
        ))
        .bind(audit::hex(&Sha256::digest(token.as_bytes())))
        .bind(now())
        .fetch_optional(self.store.pool())
        .await?;
        match row {
            Some(r) => Ok(Actor {
                name: r.try_get(0)?,
                role: Role::parse(&r.try_get::<String, _>(1)?)?,
            }),
            None => Err(Error::BadLogin),
        }
    }
}
