//! A client of `docseal-center`: logs in, asks whether a seal may be used, and reports what it
//! did. Reports go through a local SQLite journal first, so that with the center unreachable
//! none is lost, and each carries an event id the center records once, so that none is counted
//! twice when an answer was lost and the report is sent again.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::registry::Seal;

pub struct Config {
    /// https://host:port
    pub url: String,
    /// The center's TLS certificate (its `tls.pem`), trusted for this connection only.
    pub ca: Option<PathBuf>,
    pub user: String,
    pub password: String,
    /// The journal file (SQLite) for reports; none for a client that only reads and administers.
    pub journal: Option<PathBuf>,
}

/// What a client reports: an event, and an id the center records once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub event_id: String,
    /// The event; its `actor` is set by the center from the session, whatever the client says.
    #[serde(flatten)]
    pub event: crate::audit::Event,
}

impl Report {
    /// A report with a fresh event id.
    pub fn new(action: &str, outcome: &str) -> Result<Report> {
        let mut id = [0u8; 16];
        getrandom::getrandom(&mut id).map_err(|e| Error::Crypto(format!("no randomness: {e}")))?;
        Ok(Report {
            event_id: crate::audit::hex(&id),
            event: crate::audit::Event {
                action: action.into(),
                outcome: outcome.into(),
                client: Some(format!(
                    "docseal {} on {}",
                    env!("CARGO_PKG_VERSION"),
                    std::env::var("HOSTNAME").unwrap_or_else(|_| "this machine".into())
                )),
                ..Default::default()
            },
        })
    }
}

/// A seal's status at the center (`GET /api/status/{fingerprint}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SealStatus {
    pub seal: String,
    pub status: crate::registry::Status,
    /// When the status last changed (a suspension: when the loss was reported).
    pub status_at: i64,
    pub reason: Option<String>,
    /// The revocation time on the CRL, once revoked for good.
    pub revoked_at: Option<i64>,
}

impl SealStatus {
    /// Since when signatures by the seal prove nothing, if they do not: the report time of a
    /// suspension, the revocation time of a revocation.
    pub fn lost_since(&self) -> Option<i64> {
        match self.status {
            crate::registry::Status::Active => None,
            crate::registry::Status::Suspended => Some(self.status_at),
            crate::registry::Status::Revoked => Some(self.revoked_at.unwrap_or(self.status_at)),
        }
    }
}

pub struct Client {
    agent: ureq::Agent,
    url: String,
    token: Option<String>,
    journal: Option<Journal>,
    /// Why the login did not reach the center, when it did not.
    offline: Option<String>,
}

/// The default journal: $XDG_STATE_HOME/docseal/center-journal.db (~/.local/state/…).
pub fn default_journal() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("docseal/center-journal.db")
}

impl Client {
    /// Opens the journal and logs in. An unreachable center is not an error here: the client
    /// works offline (`online()` is false) and its reports wait in the journal.
    pub fn connect(cfg: &Config) -> Result<Client> {
        if !cfg.url.starts_with("https://") {
            return Err(Error::Invalid(format!(
                "the center's URL must be https:// ({})",
                cfg.url
            )));
        }
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(ca) = &cfg.ca {
            let pem = crate::files::read(ca)?;
            let cert = ureq::tls::Certificate::from_pem(&pem)
                .map_err(|e| Error::Invalid(format!("{}: {e}", ca.display())))?;
            tls = tls.root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![cert])));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        let mut client = Client {
            agent,
            url: cfg.url.trim_end_matches('/').to_string(),
            token: None,
            journal: cfg.journal.as_deref().map(Journal::open).transpose()?,
            offline: None,
        };
        match client.post(
            "/api/login",
            &serde_json::json!({"name": cfg.user, "password": cfg.password}),
        ) {
            Ok(v) => client.token = v["token"].as_str().map(str::to_string),
            Err(Error::Unreachable(why)) => client.offline = Some(why),
            Err(e) => return Err(e),
        }
        if client.online() {
            client.flush()?;
        }
        Ok(client)
    }

    pub fn online(&self) -> bool {
        self.token.is_some()
    }

    /// Why the center was not reached (a refused connection, a TLS certificate not trusted, …).
    pub fn offline_reason(&self) -> Option<&str> {
        self.offline.as_deref()
    }

    fn answer(
        &self,
        resp: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<serde_json::Value> {
        let mut resp = resp.map_err(|e| Error::Unreachable(format!("{}: {e}", self.url)))?;
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp
            .body_mut()
            .with_config()
            .limit(16 * 1024 * 1024)
            .read_to_vec()
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(serde_json::Value::Null);
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let message = body["message"].as_str().unwrap_or("").to_string();
        Err(match (status, body["error"].as_str()) {
            (_, Some("audit-broken")) => Error::AuditBroken {
                seq: body["seq"].as_i64().unwrap_or(0),
                reason: body["reason"].as_str().unwrap_or(&message).to_string(),
            },
            // The center is there but cannot answer now: as good as unreachable.
            (408 | 502 | 503 | 504, _) => {
                Error::Unreachable(format!("{}: HTTP {status}", self.url))
            }
            (401, _) => Error::BadLogin,
            (429, _) => Error::Throttled {
                seconds: body["seconds"].as_i64().unwrap_or(60),
            },
            (403, _) => Error::Forbidden(message),
            (404, _) => Error::NoSuchSeal(message),
            (409, Some("seal-not-active")) => Error::SealNotActive {
                seal: message.clone(),
                status: message,
            },
            (400, _) => Error::Invalid(message),
            _ => Error::Store(format!("the center answered HTTP {status}: {message}")),
        })
    }

    /// POSTs JSON to an API path and returns the JSON answer.
    pub fn post(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value> {
        let mut req = self.agent.post(&format!("{}{path}", self.url));
        if let Some(t) = &self.token {
            req = req
                .header("authorization", &format!("Bearer {t}"))
                .header("x-csrf-token", &crate::csrf::csrf_token(t));
        }
        let body = serde_json::to_vec(body).map_err(|e| Error::Invalid(e.to_string()))?;
        self.answer(
            req.header("content-type", "application/json")
                .send(&body[..]),
        )
    }

    /// GETs an API path and returns the JSON answer.
    pub fn get(&self, path: &str) -> Result<serde_json::Value> {
        let mut req = self.agent.get(&format!("{}{path}", self.url));
        if let Some(t) = &self.token {
            req = req.header("authorization", &format!("Bearer {t}"));
        }
        self.answer(req.call())
    }

    /// The seal, if the center says it may be used now; `SealNotActive` if it is suspended or
    /// revoked; `None` when offline.
    pub fn check_usable(&self, seal_id: &str) -> Result<Option<Seal>> {
        if !self.online() {
            return Ok(None);
        }
        let v = match self.get(&format!("/api/seals/{}/usable", url_segment(seal_id))) {
            Ok(v) => v,
            Err(Error::Unreachable(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        serde_json::from_value(v)
            .map(Some)
            .map_err(|e| Error::Store(format!("the center's answer: {e}")))
    }

    /// The status of the seal whose certificate has SHA-256 `fingerprint`, as the center knows
    /// it now; `None` when the center registered no such certificate. Asked on every
    /// verification, so it waits at most `budget`.
    pub fn status(&self, fingerprint: &str, budget: Duration) -> Result<Option<SealStatus>> {
        let Some(t) = &self.token else {
            return Err(Error::Unreachable(
                self.offline
                    .clone()
                    .unwrap_or_else(|| "not logged in".into()),
            ));
        };
        let resp = self
            .agent
            .get(&format!(
                "{}/api/status/{}",
                self.url,
                url_segment(fingerprint)
            ))
            .config()
            .timeout_global(Some(budget))
            .build()
            .header("authorization", &format!("Bearer {t}"))
            .call();
        match self.answer(resp) {
            Ok(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| Error::Store(format!("the center's answer: {e}"))),
            Err(Error::NoSuchSeal(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Asks for approval to use `seal` on a document (its name and the SHA-256 of its bytes).
    pub fn request_approval(
        &self,
        req: &crate::approvals::NewRequest,
    ) -> Result<crate::approvals::Approval> {
        let body = serde_json::to_value(req).map_err(|e| Error::Invalid(e.to_string()))?;
        serde_json::from_value(self.post("/api/approvals", &body)?)
            .map_err(|e| Error::Store(format!("the center's answer: {e}")))
    }

    /// Takes (uses, once) the approval for `seal` on the bytes with SHA-256 `digest`: `given`,
    /// or the approved request the center has for them.
    pub fn take_approval(
        &self,
        seal: &str,
        given: Option<&str>,
        digest: &str,
    ) -> Result<crate::approvals::Approval> {
        let list: Vec<crate::approvals::Approval> =
            serde_json::from_value(self.get("/api/approvals?status=approved")?)
                .map_err(|e| Error::Store(format!("the center's answer: {e}")))?;
        let id = crate::approvals::pick(&list, given, seal, digest)?;
        serde_json::from_value(self.post(
            &format!("/api/approvals/{}/consume", url_segment(&id)),
            &serde_json::json!({"seal_id": seal, "document_sha256": digest}),
        )?)
        .map_err(|e| Error::Store(format!("the center's answer: {e}")))
    }

    /// The seals this user may use.
    pub fn seals(&self) -> Result<Vec<Seal>> {
        let v = self.get("/api/seals")?;
        serde_json::from_value(v).map_err(|e| Error::Store(format!("the center's answer: {e}")))
    }

    /// Writes the report to the journal, then sends what the journal holds. Returns whether
    /// this report reached the center now.
    pub fn report(&mut self, r: &Report) -> Result<bool> {
        self.journal()?.push(r)?;
        if !self.online() {
            return Ok(false);
        }
        self.flush()?;
        Ok(self
            .journal()?
            .pending()?
            .iter()
            .all(|p| p.event_id != r.event_id))
    }

    /// Sends every queued report, oldest first; each leaves the journal once the center
    /// answered it. Stops at the first that cannot be sent. Returns how many were sent.
    pub fn flush(&mut self) -> Result<usize> {
        let mut sent = 0;
        let Some(journal) = &self.journal else {
            return Ok(0);
        };
        for r in journal.pending()? {
            let mut body = serde_json::to_value(&r).unwrap_or_default();
            // The newest head this client was shown: a center whose log no longer holds it was
            // rolled back, and refuses the report rather than sign over the gap.
            if let Some(seen) = journal.seen_head(&self.url)? {
                body["seen_head"] = serde_json::to_value(seen).unwrap_or_default();
            }
            match self.post("/api/reports", &body) {
                Ok(answer) => {
                    if let Ok(head) = serde_json::from_value(answer["head"].clone()) {
                        journal.remember_head(&self.url, &head)?;
                    }
                    journal.remove(&r.event_id)?;
                    sent += 1;
                }
                Err(Error::Unreachable(_)) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(sent)
    }

    pub fn pending(&self) -> Result<usize> {
        Ok(self.journal()?.pending()?.len())
    }

    /// The newest signed audit head this client was shown by this center, if it keeps a journal.
    pub fn seen_head(&self) -> Result<Option<crate::audit::Head>> {
        match &self.journal {
            Some(j) => j.seen_head(&self.url),
            None => Ok(None),
        }
    }

    fn journal(&self) -> Result<&Journal> {
        self.journal
            .as_ref()
            .ok_or_else(|| Error::Invalid("this client keeps no journal".into()))
    }

    /// The center's current CRL (DER).
    pub fn crl(&self) -> Result<Vec<u8>> {
        self.get_bytes("/crl/center.crl")
    }

    /// The seal CA's certificate (PEM).
    pub fn ca_pem(&self) -> Result<Vec<u8>> {
        self.get_bytes("/ca.pem")
    }

    /// A seal's picture (PNG).
    pub fn picture(&self, seal_id: &str) -> Result<Vec<u8>> {
        self.get_bytes(&format!("/api/seals/{}/picture", url_segment(seal_id)))
    }

    fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        let mut req = self.agent.get(&format!("{}{path}", self.url));
        if let Some(t) = &self.token {
            req = req.header("authorization", &format!("Bearer {t}"));
        }
        let resp = req.call();
        let mut resp = resp.map_err(|e| Error::Unreachable(format!("{}: {e}", self.url)))?;
        if !resp.status().is_success() {
            return Err(Error::Store(format!(
                "the center answered HTTP {}",
                resp.status()
            )));
        }
        resp.body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| Error::Unreachable(e.to_string()))
    }
}

fn url_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The queue of reports not yet answered by the center.
struct Journal {
    rt: tokio::runtime::Runtime,
    pool: sqlx::SqlitePool,
}

impl Journal {
    fn open(path: &Path) -> Result<Journal> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Io(format!("no async runtime: {e}")))?;
        if !path.exists() {
            crate::files::create_private(path, b"")?;
        }
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = rt.block_on(async {
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect(&url)
                .await?;
            sqlx::query("PRAGMA busy_timeout = 10000").execute(&pool).await?;
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS queue (event_id TEXT PRIMARY KEY, body TEXT NOT NULL, queued_at INTEGER NOT NULL)",
            )
            .execute(&pool)
            .await?;
            // The newest signed audit head each center showed this client: an anchor of the
            // center's log outside the center's own disks.
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS audit_heads (center TEXT PRIMARY KEY, seq INTEGER NOT NULL, head TEXT NOT NULL)",
            )
            .execute(&pool)
            .await?;
            Ok::<_, sqlx::Error>(pool)
        })
        .map_err(|e| Error::Store(format!("journal {}: {e}", path.display())))?;
        Ok(Journal { rt, pool })
    }

    fn push(&self, r: &Report) -> Result<()> {
        let body = serde_json::to_string(r).map_err(|e| Error::Store(e.to_string()))?;
        self.rt.block_on(
            sqlx::query(
                "INSERT OR IGNORE INTO queue (event_id, body, queued_at) VALUES (?1, ?2, ?3)",
            )
            .bind(&r.event_id)
            .bind(body)
            .bind(crate::clock::now())
            .execute(&self.pool),
        )?;
        Ok(())
    }

    fn pending(&self) -> Result<Vec<Report>> {
        let rows = self.rt.block_on(
            sqlx::query("SELECT body FROM queue ORDER BY queued_at, rowid").fetch_all(&self.pool),
        )?;
        rows.iter()
            .map(|r| {
                serde_json::from_str(&r.try_get::<String, _>(0)?)
                    .map_err(|e| Error::Store(format!("journal: {e}")))
            })
            .collect()
    }

    fn seen_head(&self, center: &str) -> Result<Option<crate::audit::Head>> {
        let row = self.rt.block_on(
            sqlx::query("SELECT head FROM audit_heads WHERE center = ?1")
                .bind(center)
                .fetch_optional(&self.pool),
        )?;
        row.map(|r| {
            serde_json::from_str(&r.try_get::<String, _>(0)?)
                .map_err(|e| Error::Store(format!("journal: {e}")))
        })
        .transpose()
    }

    /// Keeps `head` when it is newer than the one kept for `center`.
    fn remember_head(&self, center: &str, head: &crate::audit::Head) -> Result<()> {
        let body = serde_json::to_string(head).map_err(|e| Error::Store(e.to_string()))?;
        self.rt.block_on(
            sqlx::query(
                "INSERT INTO audit_heads (center, seq, head) VALUES (?1, ?2, ?3)
                 ON CONFLICT (center) DO UPDATE SET seq = excluded.seq, head = excluded.head
                 WHERE excluded.seq > audit_heads.seq",
            )
            .bind(center)
            .bind(head.seq)
            .bind(body)
            .execute(&self.pool),
        )?;
        Ok(())
    }

    fn remove(&self, event_id: &str) -> Result<()> {
        self.rt.block_on(
            sqlx::query("DELETE FROM queue WHERE event_id = ?1")
                .bind(event_id)
                .execute(&self.pool),
        )?;
        Ok(())
    }
}
