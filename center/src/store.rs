//! The center's store: one schema, versioned migrations, and one query layer over SQLite
//! (embedded, the default) and PostgreSQL (when many clients or two center instances share it).
//!
//! Why sqlx's `Any` driver: the same query text and the same row decoding run on both servers,
//! so the registry and the audit log have one implementation, tested on both. Queries are written
//! with PostgreSQL's `$1` placeholders; SQLite reads them as its `?1` (numbered parameters).
//! Every value is bound, never spliced into the text. Only portable column types are used
//! (TEXT, BIGINT); binary values are stored base64.

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};
use std::path::Path;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
}

/// Each migration runs once, in a transaction, in version order.
const MIGRATIONS: &[(i64, &[&str])] = &[(
    1,
    &[
        "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
            disabled BIGINT NOT NULL DEFAULT 0, failed_logins BIGINT NOT NULL DEFAULT 0,
            locked_until BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL)",
        "CREATE TABLE seals (id TEXT PRIMARY KEY, name TEXT NOT NULL, unit TEXT, kind TEXT NOT NULL,
            holder TEXT NOT NULL, cert_pem TEXT NOT NULL, fingerprint TEXT NOT NULL UNIQUE,
            serial_hex TEXT NOT NULL, picture_b64 TEXT, picture_sha256 TEXT, policy TEXT NOT NULL,
            token_uri TEXT, status TEXT NOT NULL, status_at BIGINT NOT NULL, status_reason TEXT,
            revoked_at BIGINT, created_at BIGINT NOT NULL)",
        "CREATE TABLE audit (seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL,
            action TEXT NOT NULL, seal_id TEXT, document TEXT, document_sha256 TEXT,
            outcome TEXT NOT NULL, client TEXT, detail TEXT, prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL)",
        "CREATE TABLE audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL,
            at BIGINT NOT NULL, signature TEXT NOT NULL)",
        "CREATE TABLE crl (id BIGINT PRIMARY KEY, number BIGINT NOT NULL, issued_at BIGINT NOT NULL,
            der_b64 TEXT NOT NULL)",
        "CREATE TABLE sessions (token_sha256 TEXT PRIMARY KEY, user_name TEXT NOT NULL,
            expires_at BIGINT NOT NULL)",
    ],
), (
    2,
    &[
        // A client's event id for each report it sent, so a report queued offline and sent
        // again after a lost answer is recorded once.
        "CREATE TABLE client_events (event_id TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
    ],
), (
    3,
    &[
        // The seal data (GB/T 38540 SESeal) the center signs for each seal it registers.
        "ALTER TABLE seals ADD COLUMN seseal_b64 TEXT",
    ],
), (
    4,
    &[
        // Requests to use a seal whose policy asks for approval, and their decisions.
        "CREATE TABLE approvals (id TEXT PRIMARY KEY, seal_id TEXT NOT NULL, requester TEXT NOT NULL,
            document TEXT NOT NULL, document_sha256 TEXT NOT NULL, reason TEXT, status TEXT NOT NULL,
            created_at BIGINT NOT NULL, decided_by TEXT, decided_at BIGINT, decision_reason TEXT,
            expires_at BIGINT, used_at BIGINT)",
    ],
), (
    5,
    &[
        // What user names are compared by (their confusable skeleton), unique; names made
        // before it have none and are compared in code.
        "ALTER TABLE users ADD COLUMN name_key TEXT",
        "CREATE UNIQUE INDEX users_name_key ON users (name_key)",
    ],
), (
    6,
    &[
        // Names being enrolled: claimed before a token is touched, released after.
        "CREATE TABLE enrolment_claims (claim TEXT PRIMARY KEY, claimed_at BIGINT NOT NULL)",
    ],
)];

impl Store {
    /// Opens the SQLite file `path`, creating it (mode 0600) if it does not exist.
    pub async fn sqlite(path: &Path) -> Result<Store> {
        if !path.exists() {
            crate::files::create_private(path, b"")?;
        }
        let url = format!("sqlite://{}?mode=rwc", path.display());
        // One connection: SQLite serialises writers anyway, and a single connection keeps a
        // read-then-write transaction from being refused with SQLITE_BUSY by its own pool.
        Store::connect(&url, Dialect::Sqlite, 1).await
    }

    /// Connects to PostgreSQL (`postgres://…`).
    pub async fn postgres(url: &str) -> Result<Store> {
        Store::connect(url, Dialect::Postgres, 16).await
    }

    async fn connect(url: &str, dialect: Dialect, max: u32) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(|e| Error::Store(format!("cannot open {}: {e}", redact(url))))?;
        let store = Store { pool, dialect };
        if dialect == Dialect::Sqlite {
            // Wait for another process's write instead of failing at once.
            sqlx::query("PRAGMA busy_timeout = 10000")
                .execute(&store.pool)
                .await?;
        }
        store.migrate().await?;
        Ok(store)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The query text for this store's dialect.
    pub fn sql(&self, text: &str) -> String {
        match self.dialect {
            Dialect::Postgres => text.to_string(),
            Dialect::Sqlite => text.replace('$', "?"),
        }
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        let applied: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        for (version, statements) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
            let mut tx = self.pool.begin().await?;
            for s in *statements {
                sqlx::query(s).execute(&mut *tx).await?;
            }
            sqlx::query(
                &self.sql("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)"),
            )
            .bind(*version)
            .bind(docseal_center_client::clock::now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// A connection URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
