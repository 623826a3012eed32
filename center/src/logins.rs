//! Logging in: one answer for "no such user" and "wrong password", in the same time, and a lock
//! after repeated failures that concurrent guesses cannot race past.
//!
//! - A failure is counted and the lock decided by one statement (`UPDATE … RETURNING`), so thirty
//!   wrong passwords sent at once count thirty, not one (a read, then `old + 1` written back,
//!   lost all but the last).
//! - An unknown name costs the same Argon2 work as a known one (a hash of a random password made
//!   once), is throttled on the same schedule (kept in memory), and every failed login waits
//!   out the same floor: neither the time nor a lock tells an attacker which names exist.
//! - Failures of unknown names are counted, not each signed into the audit log (a client could
//!   otherwise flood it): at most one summary row a minute says how many there were.

use std::time::{Duration, Instant};

use sqlx::Row;

use crate::audit::Event;
use crate::center::{off_thread, Center};
use crate::error::{Error, Result};
use crate::names;
use crate::password;
use crate::registry::{Actor, Role};
use crate::throttle::{wait_after, ClientLimit, FREE_FAILURES};
use docseal_center_client::clock::now;

/// Every failed login answers no sooner than this after it arrived: longer than the slowest
/// honest path (Argon2, the audit row and its flush), so the two kinds of failure cannot be told
/// apart by their time.
const FAILURE_FLOOR: Duration = Duration::from_millis(250);

/// The same schedule as SQL, for the one statement that counts a failure and sets the lock.
fn lock_sql() -> String {
    let steps: String = (0..7)
        .map(|i| format!(" WHEN {i} THEN {}", wait_after(FREE_FAILURES + i)))
        .collect();
    format!(
        "UPDATE users SET failed_logins = failed_logins + 1,
            locked_until = CASE WHEN failed_logins + 1 >= {FREE_FAILURES}
                THEN $1 + (CASE failed_logins + 1 - {FREE_FAILURES}{steps} ELSE 3600 END)
                ELSE locked_until END
         WHERE name = $2 RETURNING failed_logins, locked_until"
    )
}

impl Center {
    /// Sets how many failed logins one client may make in a window (`docseal-center
    /// --client-login-failures`).
    pub fn set_client_limit(&self, limit: ClientLimit) {
        if let Ok(mut l) = self.logins().limit.lock() {
            *l = limit;
        }
    }

    /// [`Center::login`] for a request from `client`: a client that failed too often lately is
    /// told to wait before its password is looked at.
    pub async fn login_from(
        &self,
        name: &str,
        pass: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<Actor> {
        let arrived = Instant::now();
        if let Some(ip) = client {
            if let Some(seconds) = self.logins().client_wait(ip, now()) {
                tokio::time::sleep(FAILURE_FLOOR.saturating_sub(arrived.elapsed())).await;
                return Err(Error::Throttled { seconds });
            }
        }
        let outcome = self.login(name, pass).await;
        if let (Err(_), Some(ip)) = (&outcome, client) {
            self.logins().client_failed(ip, now());
        }
        outcome
    }

    /// Logs in `name`; records the attempt. Five failures in a row make the account wait,
    /// twice as long after each further failure (at most an hour). The name is compared
    /// NFKC-normalised and the password as RFC 8265 OpaqueString (see [`crate::names`]).
    pub async fn login(&self, name: &str, pass: &str) -> Result<Actor> {
        let arrived = Instant::now();
        let outcome = self.attempt(name, pass).await;
        if outcome.is_err() {
            tokio::time::sleep(FAILURE_FLOOR.saturating_sub(arrived.elapsed())).await;
        }
        outcome
    }

    async fn attempt(&self, name: &str, pass: &str) -> Result<Actor> {
        let name = names::normalise(name);
        // A password that cannot be prepared cannot be right; it is checked like a wrong one.
        let prepared = names::password(pass).ok();
        let row =
            sqlx::query(&self.store().sql(
                "SELECT role, password_hash, disabled, locked_until FROM users WHERE name = $1",
            ))
            .bind(&name)
            .fetch_optional(self.store().pool())
            .await?;
        let t = now();
        let Some(r) = row else {
            return self.unknown_attempt(&name, prepared, t).await;
        };
        let locked_until: i64 = r.try_get(3)?;
        // The password is checked before a connection is taken for the transaction: Argon2
        // takes tens of milliseconds, and SQLite's store has one connection.
        let verdict = if locked_until > t {
            Err(Error::Throttled {
                seconds: locked_until - t,
            })
        } else {
            let stored: String = r.try_get(1)?;
            Ok(check(prepared, pass, stored).await && r.try_get::<i64, _>(2)? == 0)
        };
        let mut tx = self.store().pool().begin().await?;
        let outcome = match verdict {
            Err(throttled) => Err(throttled),
            Ok(true) => {
                sqlx::query(&self.store().sql(
                    "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE name = $1 AND failed_logins <> 0",
                ))
                .bind(&name)
                .execute(&mut *tx)
                .await?;
                Ok(Actor {
                    name: name.clone(),
                    role: Role::parse(&r.try_get::<String, _>(0)?)?,
                })
            }
            Ok(false) => {
                sqlx::query(&self.store().sql(&lock_sql()))
                    .bind(t)
                    .bind(&name)
                    .fetch_optional(&mut *tx)
                    .await?;
                Err(Error::BadLogin)
            }
        };
        self.finish(
            tx,
            Event {
                actor: name,
                action: "login".into(),
                outcome: match &outcome {
                    Ok(_) => "ok".into(),
                    Err(e) => e.code().into(),
                },
                ..Event::default()
            },
            false,
        )
        .await?;
        outcome
    }

    async fn unknown_attempt(
        &self,
        name: &str,
        prepared: Option<zeroize::Zeroizing<String>>,
        t: i64,
    ) -> Result<Actor> {
        if let Some(seconds) = self.logins().unknown_locked(name, t) {
            return Err(Error::Throttled { seconds });
        }
        // The same work as a known name's wrong password.
        let _ = check(prepared, "", self.logins().decoy()?).await;
        if let Some(detail) = self.logins().unknown_failed(name, t) {
            let tx = self.store().pool().begin().await?;
            self.finish(
                tx,
                Event {
                    actor: "-".into(),
                    action: "login-unknown".into(),
                    outcome: "bad-login".into(),
                    detail: Some(detail),
                    ..Event::default()
                },
                false,
            )
            .await?;
        }
        Err(Error::BadLogin)
    }
}

/// Argon2id is slow on purpose (tens of milliseconds); it runs on a blocking thread so that a
/// server's workers keep answering meanwhile. A hash made before passwords were prepared
/// (RFC 8265) is also tried with the password as typed, when preparing changed it.
async fn check(prepared: Option<zeroize::Zeroizing<String>>, typed: &str, stored: String) -> bool {
    let typed = zeroize::Zeroizing::new(typed.to_string());
    off_thread(move || {
        let Some(p) = prepared else {
            return Ok(false);
        };
        Ok(password::verify(&p, &stored)
            || (!typed.is_empty() && *typed != *p && password::verify(&typed, &stored)))
    })
    .await
    .unwrap_or(false)
}
