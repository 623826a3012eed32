//! Asking a time-stamping authority for a token (RFC 3161 §3.4, the HTTP transport): one POST of
//! a DER TimeStampReq as `application/timestamp-query`, a TimeStampResp back. The answer is checked
//! before anyone uses it — granted status, our imprint, our nonce, a valid TSA signature — so a
//! seal is never written with a token that would not verify.

use std::time::Duration;

use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use x509_cert::spki::AlgorithmIdentifier;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion};

use super::token::{self, Timestamp};
use crate::algorithm::DigestAlg;
use crate::error::{Error, Result};

/// Where and how to ask.
#[derive(Debug, Clone)]
pub struct TsaRequest {
    pub url: String,
    /// `reqPolicy`, when the TSA must use a given policy.
    pub policy: Option<const_oid::ObjectIdentifier>,
    /// The imprint's hash. XAdES lets the signer choose; Office uses SHA-1 by default, docseal
    /// SHA-256 unless told otherwise.
    pub digest: DigestAlg,
    pub timeout: Duration,
    /// The certificate (PEM) to trust for an https:// TSA instead of the public roots: the
    /// seal center's own TLS certificate.
    pub tls_root_pem: Option<Vec<u8>>,
}

impl TsaRequest {
    pub fn new(url: &str) -> TsaRequest {
        TsaRequest {
            url: url.to_string(),
            policy: None,
            digest: DigestAlg::Sha256,
            timeout: Duration::from_secs(15),
            tls_root_pem: None,
        }
    }

    /// The request `--tsa URL [--tsa-policy OID] [--tsa-digest sha256|sha1]` asks for, as the
    /// command line and the add-in server take them.
    pub fn from_options(url: &str, policy: Option<&str>, digest: Option<&str>) -> Result<Self> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::arg("--tsa", "an http:// or https:// URL"));
        }
        let mut req = TsaRequest::new(url);
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
}

/// A checked token and its DER.
pub struct Granted {
    pub der: Vec<u8>,
    pub timestamp: Timestamp,
}

/// The largest answer read: a token with a TSA chain is a few KiB.
const MAX_ANSWER: u64 = 1 << 20;

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

    let answer = post(req, &query)?;
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
            url: req.url.clone(),
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
        timestamp,
    })
}

fn post(req: &TsaRequest, query: &[u8]) -> Result<Vec<u8>> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(pem) = &req.tls_root_pem {
        let cert = ureq::tls::Certificate::from_pem(pem)
            .map_err(|e| Error::arg("--tsa-ca", format!("not a PEM certificate ({e})")))?;
        tls = tls.root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
            cert.to_owned(),
        ])));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls.build())
        .timeout_global(Some(req.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent
        .post(&req.url)
        .header("Content-Type", "application/timestamp-query")
        .header("Accept", "application/timestamp-reply")
        .send(query)
        .map_err(|e| Error::TsaUnreachable {
            url: req.url.clone(),
            reason: e.to_string(),
        })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(Error::TsaRefused {
            url: req.url.clone(),
            status: format!("HTTP {status}"),
        });
    }
    resp.body_mut()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_vec()
        .map_err(|e| Error::TsaUnreachable {
            url: req.url.clone(),
            reason: e.to_string(),
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
        url: req.url.clone(),
        reason: reason.to_string(),
    }
}
