//! The audit log as its readers see it: an event, a row, the signed head, and the chain's hash
//! (SHA-256 over each row's fields and the previous hash). Appending and checking live with the
//! store, in the center.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What happened, as the caller tells it. A client may leave out what it does not know (its
/// `actor` is the session's, whatever it says).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
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
    /// The bytes the CA signs for a head.
    pub fn message(seq: i64, hash: &str, at: i64) -> Vec<u8> {
        format!("docseal audit head\n{seq}\n{hash}\n{at}\n").into_bytes()
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

pub fn when(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(docseal::format_time)
        .unwrap_or_else(|_| at.to_string())
}

/// Which rows to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub seal_id: Option<String>,
    pub since: Option<i64>,
}

/// What a full check of the log found.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub rows: i64,
    pub head_seq: i64,
    pub head_hash: String,
}
