//! The audit log: an append-only table whose rows are chained by hash, and a head (the last
//! row's number and hash) signed with the CA key and kept outside the table — in its own table
//! and, for a local store, in the data directory — so that a deleted tail is caught as surely
//! as an edited row.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::ca::Ca;
use crate::error::{Error, Result};
use crate::store::Store;

/// What happened, as the caller tells it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Event {
    pub actor: String,
    pub action: String,
    pub seal_id: Option<String>,
    pub document: Option<String>,
    pub document_sha256: Option<String>,
    pub outcome: String,
    pub client: Option<String>,
    pub detail: Option<String>,
}

/// A row of the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub at: i64,
    #[serde(flatten)]
    pub event: Event,
    pub prev_hash: String,
    pub hash: String,
}

/// The signed head: the last row's number and hash when it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
    pub at: i64,
    /// The CA's signature over [`Head::message`], base64.
    pub signature: String,
}

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Head {
    fn message(seq: i64, hash: &str, at: i64) -> Vec<u8> {
        format!("docseal audit head\n{seq}\n{hash}\n{at}\n").into_bytes()
    }

    pub fn signed_by(&self, ca: &Ca) -> bool {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(&self.signature)
            .is_ok_and(|sig| ca.verify(&Head::message(self.seq, &self.hash, self.at), &sig))
    }
}

/// The hash that chains a row to the one before: SHA-256 over the row's fields and the previous
/// hash, as a JSON array (one unambiguous encoding of strings and absent values).
pub fn entry_hash(seq: i64, at: i64, e: &Event, prev_hash: &str) -> String {
    let fields = serde_json::json!([
        seq,
        at,
        e.actor,
        e.action,
        e.seal_id,
        e.document,
        e.document_sha256,
        e.outcome,
        e.client,
        e.detail,
        prev_hash
    ]);
    hex(&Sha256::digest(fields.to_string().as_bytes()))
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Takes the log's write lock for the caller's transaction: a write to the head row, so that
/// concurrent appenders queue behind its row lock (PostgreSQL) or the database lock (SQLite).
pub async fn lock(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("UPDATE audit_head SET id = id WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Appends `event` inside the caller's transaction and signs the new head. The first statement
/// writes the head row, so concurrent appenders (two center instances on one PostgreSQL, or two
/// processes on one SQLite file) queue behind its row lock and never fork the chain.
pub async fn append(
    conn: &mut AnyConnection,
    store: &Store,
    ca: &Ca,
    event: &Event,
    at: i64,
) -> Result<(Entry, Head)> {
    use base64::Engine;
    lock(conn).await?;
    let head: Option<AnyRow> = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (last, prev_hash) = match &head {
        Some(r) => (r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?),
        None => (0, GENESIS.to_string()),
    };
    let seq = last + 1;
    let hash = entry_hash(seq, at, event, &prev_hash);
    sqlx::query(&store.sql(
        "INSERT INTO audit (seq, at, actor, action, seal_id, document, document_sha256, outcome, client, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    ))
    .bind(seq)
    .bind(at)
    .bind(&event.actor)
    .bind(&event.action)
    .bind(&event.seal_id)
    .bind(&event.document)
    .bind(&event.document_sha256)
    .bind(&event.outcome)
    .bind(&event.client)
    .bind(&event.detail)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    let signature =
        base64::engine::general_purpose::STANDARD.encode(ca.sign(&Head::message(seq, &hash, at))?);
    let sql = if head.is_some() {
        "UPDATE audit_head SET seq = $1, hash = $2, at = $3, signature = $4 WHERE id = 1"
    } else {
        "INSERT INTO audit_head (seq, hash, at, signature, id) VALUES ($1, $2, $3, $4, 1)"
    };
    sqlx::query(&store.sql(sql))
        .bind(seq)
        .bind(&hash)
        .bind(at)
        .bind(&signature)
        .execute(&mut *conn)
        .await?;
    let entry = Entry {
        seq,
        at,
        event: event.clone(),
        prev_hash,
        hash: hash.clone(),
    };
    Ok((
        entry,
        Head {
            seq,
            hash,
            at,
            signature,
        },
    ))
}

/// Which rows to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub seal_id: Option<String>,
    pub since: Option<i64>,
}

const COLUMNS: &str = "seq, at, actor, action, seal_id, document, document_sha256, outcome, client, detail, prev_hash, hash";

fn entry(r: &AnyRow) -> Result<Entry> {
    Ok(Entry {
        seq: r.try_get(0)?,
        at: r.try_get(1)?,
        event: Event {
            actor: r.try_get(2)?,
            action: r.try_get(3)?,
            seal_id: r.try_get(4)?,
            document: r.try_get(5)?,
            document_sha256: r.try_get(6)?,
            outcome: r.try_get(7)?,
            client: r.try_get(8)?,
            detail: r.try_get(9)?,
        },
        prev_hash: r.try_get(10)?,
        hash: r.try_get(11)?,
    })
}

pub async fn list(store: &Store, filter: &Filter) -> Result<Vec<Entry>> {
    let rows = sqlx::query(&store.sql(&format!(
        "SELECT {COLUMNS} FROM audit WHERE ($1 = '' OR seal_id = $1) AND at >= $2 ORDER BY seq"
    )))
    .bind(filter.seal_id.clone().unwrap_or_default())
    .bind(filter.since.unwrap_or(i64::MIN))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(entry).collect()
}

pub async fn head(store: &Store) -> Result<Option<Head>> {
    let row = sqlx::query("SELECT seq, hash, at, signature FROM audit_head WHERE id = 1")
        .fetch_optional(store.pool())
        .await?;
    Ok(match row {
        Some(r) => Some(Head {
            seq: r.try_get(0)?,
            hash: r.try_get(1)?,
            at: r.try_get(2)?,
            signature: r.try_get(3)?,
        }),
        None => None,
    })
}

/// What a full check of the log found.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub rows: i64,
    pub head_seq: i64,
    pub head_hash: String,
}

/// Walks the whole chain from the first row and checks it against every signed head given
/// (the store's own and the data directory's copy). Names the first row that does not hold.
pub async fn verify(store: &Store, ca: &Ca, heads: &[Head]) -> Result<Verified> {
    let rows = list(store, &Filter::default()).await?;
    let mut prev = GENESIS.to_string();
    for (expected_seq, r) in (1..).zip(rows.iter()) {
        if r.seq != expected_seq {
            return Err(Error::AuditBroken {
                seq: expected_seq,
                reason: format!("row {expected_seq} is missing (the next row is {})", r.seq),
            });
        }
        if r.prev_hash != prev {
            return Err(Error::AuditBroken {
                seq: r.seq,
                reason: "its link to the row before does not match".into(),
            });
        }
        if entry_hash(r.seq, r.at, &r.event, &r.prev_hash) != r.hash {
            return Err(Error::AuditBroken {
                seq: r.seq,
                reason: "its content does not match its hash (the row was edited)".into(),
            });
        }
        prev = r.hash.clone();
    }
    let last = rows.last().map(|r| r.seq).unwrap_or(0);
    for h in heads {
        if !h.signed_by(ca) {
            return Err(Error::AuditBroken {
                seq: h.seq,
                reason: "the head's signature is not the center's".into(),
            });
        }
        if h.seq > last {
            return Err(Error::AuditBroken {
                seq: last + 1,
                reason: format!(
                    "rows {} to {} are missing (the signed head names row {})",
                    last + 1,
                    h.seq,
                    h.seq
                ),
            });
        }
        let at = &rows[(h.seq - 1) as usize];
        if at.hash != h.hash {
            return Err(Error::AuditBroken {
                seq: h.seq,
                reason: "it differs from the signed head".into(),
            });
        }
    }
    // Every append signs a new head in the same transaction, so rows past the newest signed
    // head were added without the center's key.
    let newest = heads.iter().map(|h| h.seq).max().unwrap_or(0);
    if last > newest {
        return Err(Error::AuditBroken {
            seq: newest + 1,
            reason: "rows follow the signed head that the center never signed".into(),
        });
    }
    Ok(Verified {
        rows: rows.len() as i64,
        head_seq: last,
        head_hash: prev,
    })
}
