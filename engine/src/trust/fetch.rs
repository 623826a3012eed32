//! Revocation lists from a certificate's CRL distribution points (RFC 5280 §4.2.1.13), when they
//! are `file:` or `http:` URLs this machine can reach. Fetching is time-limited, each URL is
//! fetched once per process, and a failure is never fatal: the revocation status is then
//! `unknown`, which is what an offline verifier honestly knows.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::CrlDistributionPoints;

use super::{Cert, Crl};

/// The largest CRL read: a seal center's list of lost seals is small; this bounds a hostile one.
const MAX_CRL: u64 = 16 << 20;
const TIMEOUT: Duration = Duration::from_secs(5);

/// The `file:` and `http:` URIs of `cert`'s distribution points.
pub fn distribution_points(cert: &Cert) -> Vec<String> {
    cert.extension::<CrlDistributionPoints>(const_oid::db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS)
        .into_iter()
        .flat_map(|dps| dps.0.into_iter())
        .filter_map(|dp| match dp.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        })
        .filter(|u| u.starts_with("file:") || u.starts_with("http:"))
        .collect()
}

/// The CRL at `url`, from this process's cache or fetched now; `Err` says why not.
pub fn fetch(url: &str) -> Result<Crl, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Result<Crl, String>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(url).cloned()) {
        return hit;
    }
    let result = load(url);
    if let Ok(mut c) = cache.lock() {
        c.insert(url.to_string(), result.clone());
    }
    result
}

fn load(url: &str) -> Result<Crl, String> {
    let bytes = if let Some(path) = url.strip_prefix("file://") {
        let path = percent_decode(path);
        let meta = std::fs::metadata(&path).map_err(|e| e.to_string())?;
        if meta.len() > MAX_CRL {
            return Err("larger than any seal center's CRL".into());
        }
        std::fs::read(&path).map_err(|e| e.to_string())?
    } else {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .build()
            .into();
        agent
            .get(url)
            .call()
            .map_err(|e| e.to_string())?
            .body_mut()
            .with_config()
            .limit(MAX_CRL)
            .read_to_vec()
            .map_err(|e| e.to_string())?
    };
    Crl::load(&bytes).map_err(|e| e.to_string())
}

/// `%20` and friends in a file URL's path (RFC 8089).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
