//! Revocation lists from the distribution points of a validated path (RFC 5280 §4.2.1.13), for
//! a verifier that runs once (`docseal verify`) or for days (docseal-server):
//!
//! - **only for a path that validated** to a configured anchor: the engine asks nothing about
//!   a signer nobody trusts, so a forged certificate cannot make this host fetch anything;
//! - **`http:` and `https:` only**: a `file:` point would let a document read this host's files
//!   (`file:///dev/zero`); a local list is given on the command line (`--crl`);
//! - **public addresses only**, unless allowed ([`crate::vetted`]), **no redirects**, no proxy,
//!   **16 MiB at most**, counted while reading;
//! - **one time budget per verification**, the points fetched in parallel: three points that
//!   never answer cost the budget once, not three times;
//! - **fresh**: a list is used at most `max_age` (60 s by default) before it is fetched again, so
//!   a long-running server sees a seal suspended at the center; a failure is retried after a
//!   back-off that doubles (5 s to 5 min), so a dead point is not hammered.

use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use docseal::{Cert, Crl};
use docseal::{Lookup, RevocationSource};

use crate::vetted::{Allowed, VettedResolver};

/// How the fetcher behaves.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// A list fetched longer ago than this is fetched again.
    pub max_age: Duration,
    /// All the fetches of one verification together take no longer than this.
    pub budget: Duration,
    /// The largest list read.
    pub max_size: u64,
    /// Distribution points read per verification, at most.
    pub max_points: usize,
    /// Hosts reached whatever their address (`host[:port]`): the seal center's, `--crl-allow`.
    pub allowed: Vec<String>,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            max_age: Duration::from_secs(60),
            budget: Duration::from_secs(5),
            max_size: 16 << 20,
            max_points: 8,
            allowed: Vec::new(),
        }
    }
}

/// The first retry after a failure, and the longest wait between retries.
const FIRST_RETRY: Duration = Duration::from_secs(5);
const LONGEST_RETRY: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
enum Held {
    List(Box<Crl>),
    Failed(String),
}

#[derive(Debug, Clone)]
struct Entry {
    held: Held,
    fetched: Instant,
    failures: u32,
}

impl Entry {
    /// Whether this entry answers now, without a fetch.
    fn current(&self, policy: &FetchPolicy, now: Instant) -> bool {
        let age = now.saturating_duration_since(self.fetched);
        match self.held {
            Held::List(_) => age < policy.max_age,
            Held::Failed(_) => age < retry_after(self.failures),
        }
    }
}

fn retry_after(failures: u32) -> Duration {
    FIRST_RETRY
        .saturating_mul(1 << failures.saturating_sub(1).min(16))
        .min(LONGEST_RETRY)
}

/// Fetches and keeps the CRLs of validated paths (see the module's documentation).
#[derive(Debug)]
pub struct CrlFetcher {
    policy: FetchPolicy,
    agent: ureq::Agent,
    cache: Arc<Mutex<HashMap<String, Entry>>>,
}

impl CrlFetcher {
    pub fn new(policy: FetchPolicy) -> CrlFetcher {
        let allowed: Vec<Allowed> = policy
            .allowed
            .iter()
            .filter_map(|a| Allowed::parse(a))
            .collect();
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(policy.budget))
            .max_redirects(0)
            .http_status_as_error(false)
            .proxy(None)
            .user_agent("docseal (CRL fetch)")
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::new(),
            VettedResolver::new(Arc::new(allowed)),
        );
        CrlFetcher {
            policy,
            agent,
            cache: Arc::default(),
        }
    }

    /// The distribution points of `chain` below its anchor, each once, in order.
    fn points(chain: &[Cert]) -> Vec<String> {
        let below_anchor = &chain[..chain.len().saturating_sub(1).max(1).min(chain.len())];
        let mut urls: Vec<String> = Vec::new();
        for u in below_anchor.iter().flat_map(Cert::crl_distribution_points) {
            if !urls.contains(&u) {
                urls.push(u);
            }
        }
        urls
    }

    fn fetch(agent: &ureq::Agent, url: &str, max_size: u64) -> Result<Crl, String> {
        let mut resp = agent.get(url).call().map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        if (300..400).contains(&status) {
            let to = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("elsewhere");
            return Err(format!("it redirects to {to}, which is not followed"));
        }
        if status != 200 {
            return Err(format!("HTTP {status}"));
        }
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(max_size)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => {
                    format!("larger than {} MiB, more than any CRL", max_size >> 20)
                }
                other => other.to_string(),
            })?;
        Crl::load(&bytes).map_err(|e| e.to_string())
    }

    fn store(cache: &Mutex<HashMap<String, Entry>>, url: &str, result: &Result<Crl, String>) {
        let Ok(mut c) = cache.lock() else { return };
        let failures = match (result, c.get(url)) {
            (Ok(_), _) => 0,
            (Err(_), Some(e)) => e.failures + 1,
            (Err(_), None) => 1,
        };
        c.insert(
            url.to_string(),
            Entry {
                held: match result {
                    Ok(crl) => Held::List(Box::new(crl.clone())),
                    Err(why) => Held::Failed(why.clone()),
                },
                fetched: Instant::now(),
                failures,
            },
        );
    }
}

impl RevocationSource for CrlFetcher {
    fn lookup(&self, chain: &[Cert]) -> Lookup {
        let mut found = Lookup::default();
        let now = Instant::now();
        let mut wanted = Vec::new();
        for url in Self::points(chain) {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                found.notes.push((
                    "crl-not-fetched",
                    format!(
                        "the CRL distribution point {url} is not read: only http: and https: points are fetched (give a local list with --crl)"
                    ),
                ));
                continue;
            }
            if wanted.len() == self.policy.max_points {
                found.notes.push((
                    "crl-not-fetched",
                    format!(
                        "the CRL distribution point {url} is not read: only the first {} are",
                        self.policy.max_points
                    ),
                ));
                continue;
            }
            let cached = self.cache.lock().ok().and_then(|c| c.get(&url).cloned());
            match cached {
                Some(e) if e.current(&self.policy, now) => match e.held {
                    Held::List(crl) => found.crls.push(*crl),
                    Held::Failed(why) => found.notes.push(unreachable(&url, &why)),
                },
                _ => wanted.push(url),
            }
        }
        if wanted.is_empty() {
            return found;
        }
        // Every point at once; what has not answered when the budget is spent is reported, and
        // its thread keeps the answer (ureq stops it at the same budget) for the next time.
        let (tx, rx) = mpsc::channel();
        for url in &wanted {
            let (tx, url, agent, cache) = (
                tx.clone(),
                url.clone(),
                self.agent.clone(),
                self.cache.clone(),
            );
            let max = self.policy.max_size;
            std::thread::spawn(move || {
                let result = Self::fetch(&agent, &url, max);
                Self::store(&cache, &url, &result);
                let _ = tx.send((url, result));
            });
        }
        drop(tx);
        let deadline = now + self.policy.budget;
        let mut answered = Vec::new();
        while answered.len() < wanted.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((url, Ok(crl))) => {
                    answered.push(url);
                    found.crls.push(crl);
                }
                Ok((url, Err(why))) => {
                    found.notes.push(unreachable(&url, &why));
                    answered.push(url);
                }
                Err(_) => break,
            }
        }
        for url in wanted.iter().filter(|u| !answered.contains(u)) {
            found.notes.push(unreachable(
                url,
                &format!("no answer within {} s", self.policy.budget.as_secs_f32()),
            ));
        }
        found
    }
}

fn unreachable(url: &str, why: &str) -> (&'static str, String) {
    (
        "crl-unreachable",
        format!("the CRL at {url} could not be read ({why}); revocation is judged without it"),
    )
}

/// Several sources asked in turn: the first that gives a status answer decides it; the CRLs
/// and notes of all are kept. (docseal-server with a seal center: the center's answer first,
/// the distribution points for seals it does not know.)
#[derive(Debug)]
pub struct Sources(pub Vec<Arc<dyn RevocationSource>>);

impl RevocationSource for Sources {
    fn lookup(&self, chain: &[Cert]) -> Lookup {
        let mut all = Lookup::default();
        for source in &self.0 {
            let found = source.lookup(chain);
            all.crls.extend(found.crls);
            all.notes.extend(found.notes);
            if found.status.is_some() {
                all.status = found.status;
                break;
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_after_each_failure_up_to_five_minutes() {
        assert_eq!(retry_after(1), Duration::from_secs(5));
        assert_eq!(retry_after(2), Duration::from_secs(10));
        assert_eq!(retry_after(5), Duration::from_secs(80));
        assert_eq!(retry_after(40), Duration::from_secs(300));
    }
}
