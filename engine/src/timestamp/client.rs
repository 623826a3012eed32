//! Asking a time-stamping authority for a token (RFC 3161): the engine builds the DER
//! TimeStampReq and checks the TimeStampResp before anyone uses it — granted status, our
//! imprint, our nonce, a valid TSA signature — so a seal is never written with a token that
//! would not verify. Carrying the query is the caller's: a [`TimeStamper`] (the keeper layer's
//! HTTP transport of RFC 3161 §3.4, or a test's own authority), so the engine opens no
//! connection behind anyone's back.

use std::sync::Arc;

use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use x509_cert::spki::AlgorithmIdentifier;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion};

use super::token;
use crate::algorithm::DigestAlg;
use crate::error::{Error, Result};

/// Carries one RFC 3161 query to a time-stamping authority and brings its answer back.
pub trait TimeStamper: Send + Sync {
    /// The authority as messages name it (its URL).
    fn authority(&self) -> &str;
    /// One DER `TimeStampReq` in, the DER `TimeStampResp` out. Transport failures are
    /// [`Error::TsaUnreachable`]; an HTTP refusal is [`Error::TsaRefused`].
    fn exchange(&self, query: &[u8]) -> Result<Vec<u8>>;
}

/// What to ask for, and of whom.
#[derive(Clone)]
pub struct TsaRequest {
    pub stamper: Arc<dyn TimeStamper>,
    /// `reqPolicy`, when the TSA must use a given policy.
    pub policy: Option<const_oid::ObjectIdentifier>,
    /// The imprint's hash. XAdES lets the signer choose; Office uses SHA-1 by default, docseal
    /// SHA-256 unless told otherwise.
    pub digest: DigestAlg,
}

impl std::fmt::Debug for TsaRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsaRequest")
            .field("authority", &self.stamper.authority())
            .field("policy", &self.policy)
            .field("digest", &self.digest)
            .finish()
    }
}

impl TsaRequest {
    pub fn new(stamper: Arc<dyn TimeStamper>) -> TsaRequest {
        TsaRequest {
            stamper,
            policy: None,
            digest: DigestAlg::Sha256,
        }
    }

    /// The request `--tsa-policy OID` and `--tsa-digest sha256|sha1` ask for, as the command
    /// line and the add-in server take them.
    pub fn from_options(
        stamper: Arc<dyn TimeStamper>,
        policy: Option<&str>,
        digest: Option<&str>,
    ) -> Result<Self> {
        let mut req = TsaRequest::new(stamper);
        if let Some(p) = policy {
            req.policy = Some(
                p.parse()
                    .map_err(|_| Error::arg("--tsa-policy", "not an OID (1.2.3.4)"))?,
            );
        }
        req.digest = match digest {
            None | Some("sha256") => DigestAlg::Sha256,
            Some("sha1") => DigestAlg::Sha1,
            Some(_) => return Err(Error::arg("--tsa-digest", "sha256 or sha1")),
        };
        Ok(req)
    }

    /// The authority's name, for messages.
    pub fn url(&self) -> &str {
        self.stamper.authority()
    }
}

/// A checked token's DER.
pub struct Granted {
    pub der: Vec<u8>,
}

/// Time-stamps `data` (the canonical bytes XAdES says to time-stamp).
pub fn request(req: &TsaRequest, data: &[u8]) -> Result<Granted> {
    let nonce = nonce()?;
    let query = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifier {
                oid: token::digest_oid(req.digest),
                parameters: Some(der::asn1::Null.into()),
            },
            hashed_message: OctetString::new(req.digest.digest(data))
                .map_err(|e| invalid(req, format!("imprint: {e}")))?,
        },
        req_policy: req.policy,
        nonce: Some(Int::new(&nonce).map_err(|e| invalid(req, format!("nonce: {e}")))?),
        // The TSA's certificate must travel in the token: a verifier years later has no other
        // way to find it.
        cert_req: true,
        extensions: None,
    }
    .to_der()
    .map_err(|e| invalid(req, format!("request: {e}")))?;

    let answer = req.stamper.exchange(&query)?;
    let resp = TimeStampResp::from_der(&answer)
        .map_err(|e| invalid(req, format!("not a TimeStampResp: {e}")))?;
    // RFC 3161 §2.4.2: granted (0) or grantedWithMods (1) carry a token; anything else refuses.
    let status = resp.status.status as u8;
    if status > 1 {
        let text = resp
            .status
            .status_string
            .as_ref()
            .map(|s| {
                s.iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        return Err(Error::TsaRefused {
            url: req.url().to_string(),
            status: format!(
                "{:?}{}",
                resp.status.status,
                if text.is_empty() {
                    String::new()
                } else {
                    format!(": {text}")
                }
            ),
        });
    }
    let token_der = resp
        .time_stamp_token
        .ok_or_else(|| invalid(req, "granted, but no token"))?
        .to_der()
        .map_err(|e| invalid(req, format!("token: {e}")))?;
    let timestamp = token::check(&token_der, data).map_err(|p| invalid(req, p.to_string()))?;
    if timestamp.nonce.as_deref().map(strip_zeros) != Some(strip_zeros(&nonce)) {
        return Err(invalid(
            req,
            "the answer's nonce is not ours (a replayed or misrouted answer)",
        ));
    }
    Ok(Granted {
        der: token_der,
    })
}

/// 62 random bits (RFC 3161 §2.4.1: a large random number), as a minimal positive DER INTEGER:
/// the top bit clear (positive) and the next one set (no leading zero byte to strip).
fn nonce() -> Result<Vec<u8>> {
    let mut n = [0u8; 8];
    getrandom::getrandom(&mut n).map_err(|e| Error::SigningFailed(format!("random nonce: {e}")))?;
    n[0] = (n[0] & 0x7F) | 0x40;
    Ok(n.to_vec())
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    &b[first..]
}

fn invalid(req: &TsaRequest, reason: impl std::fmt::Display) -> Error {
    Error::TsaAnswerInvalid {
        url: req.url().to_string(),
        reason: reason.to_string(),
    }
}
