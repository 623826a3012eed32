//! The audit log: an append-only table whose rows are chained by hash, and a head (the last
//! row's number and hash) signed with the CA key and kept outside the table — in its own table
//! and, for a local store, in the data directory — so that a deleted tail is caught as surely
//! as an edited row.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::ca::Ca;
use crate::error::{Error, Result};
use crate::store::Store;
pub use docseal_center_client::audit::{
    entry_hash, hex, when, Entry, Event, Filter, Head, Verified, GENESIS,
};

/// Whether the CA signed this head.
pub fn signed_by(head: &Head, ca: &Ca) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(&head.signature)
        .is_ok_and(|sig| ca.verify(&Head::message(head.seq, &head.hash, head.at), &sig))
}

/// Takes the log's write lock for the caller's transaction: a write to the head row, so that
/// concurrent appenders queue behind its row lock (PostgreSQL) or the database lock (SQLite).
pub async fn lock(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("UPDATE audit_head SET id = id WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Refuses a database that no longer holds what the center signed: every head in `anchors`
/// (the data directory's, a client's) must still be there — the log at least that long, and its
/// row at that number the one the head names — and no row may follow the stored head unsigned.
/// Runs inside the caller's transaction, after [`lock`], so nothing is appended to a log that
/// was rolled back: an append would sign a new head over the rollback and hide it.
pub async fn check_anchors(
    conn: &mut AnyConnection,
    store: &Store,
    ca: &Ca,
    anchors: &[Head],
) -> Result<()> {
    let stored: Option<(i64, String)> =
        sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
            .transpose()?;
    let (head_seq, head_hash) = stored.unwrap_or((0, GENESIS.to_string()));
    let last: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM audit")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    if last != head_seq {
        return Err(Error::AuditBroken {
            seq: head_seq.min(last) + 1,
            reason: format!("the log ends at row {last} but its signed head names row {head_seq}"),
        });
    }
    if head_seq > 0 && row_hash(conn, store, head_seq).await?.as_deref() != Some(&head_hash) {
        return Err(Error::AuditBroken {
            seq: head_seq,
            reason: "it differs from the signed head".into(),
        });
    }
    for a in anchors {
        if !signed_by(a, ca) {
            return Err(Error::AuditBroken {
                seq: a.seq,
                reason: "a head kept outside the database is not signed by the center".into(),
            });
        }
        if a.seq > head_seq {
            return Err(Error::AuditBroken {
                seq: head_seq + 1,
                reason: format!(
                    "the log ends at row {head_seq}, but the center signed a head at row {} on {}: rows were removed, or the database was put back to an older state",
                    a.seq,
                    when(a.at)
                ),
            });
        }
        if a.seq > 0 && row_hash(conn, store, a.seq).await?.as_deref() != Some(&a.hash) {
            return Err(Error::AuditBroken {
                seq: a.seq,
                reason: format!(
                    "it is not the row the center signed on {} (the log was rewritten from there)",
                    when(a.at)
                ),
            });
        }
    }
    Ok(())
}

async fn row_hash(conn: &mut AnyConnection, store: &Store, seq: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query(&store.sql("SELECT hash FROM audit WHERE seq = $1"))
            .bind(seq)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?,
    )
}

/// Appends `event` inside the caller's transaction and signs the new head, after checking the
/// log against `anchors` ([`check_anchors`]). The first statement writes the head row, so
/// concurrent appenders (two center instances on one PostgreSQL, or two processes on one SQLite
/// file) queue behind its row lock and never fork the chain.
pub async fn append(
    conn: &mut AnyConnection,
    store: &Store,
    ca: &Ca,
    event: &Event,
    at: i64,
    anchors: &[Head],
) -> Result<(Entry, Head)> {
    use base64::Engine;
    lock(conn).await?;
    check_anchors(conn, store, ca, anchors).await?;
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
    let mut conn = store.pool().acquire().await?;
    head_in(&mut conn).await
}

/// The stored signed head, read on the caller's connection (inside its transaction).
pub async fn head_in(conn: &mut AnyConnection) -> Result<Option<Head>> {
    let row = sqlx::query("SELECT seq, hash, at, signature FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *conn)
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
        if !signed_by(h, ca) {
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
        let row = usize::try_from(h.seq - 1).ok().and_then(|i| rows.get(i));
        if row.is_none_or(|r| r.hash != h.hash) {
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
