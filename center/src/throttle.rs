//! What the center remembers about failed logins between requests: the wait schedule, the
//! per-client limit, the unknown names tried (throttled like known ones, summarised in the log)
//! and the decoy hash an unknown name's password is checked against. `logins.rs` decides a login
//! with it.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result};
use crate::password;

/// Failed logins allowed before the account waits; each further failure doubles the wait.
pub const FREE_FAILURES: i64 = 5;

/// Unknown names remembered for throttling; past this many the oldest half is forgotten.
const UNKNOWN_NAMES_KEPT: usize = 10_000;

/// How often, at most, a summary of unknown-name failures is written to the audit log.
const SUMMARY_EVERY: i64 = 60;

/// The wait after `failures` failures in a row, in seconds (0 while they are free).
pub fn wait_after(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        0
    } else {
        (30i64 << (failures - FREE_FAILURES).min(7)).min(3600)
    }
}

/// How many failed logins one client (an IP address) may make in a window before it waits,
/// whatever names it tries: the per-account lock alone lets one client try a few passwords on
/// every name there is.
#[derive(Debug, Clone, Copy)]
pub struct ClientLimit {
    pub failures: usize,
    pub window_seconds: i64,
}

impl Default for ClientLimit {
    fn default() -> Self {
        // Twenty: an office behind one address (NAT) mistypes too; an attacker trying names
        // gets twenty guesses in ten minutes, not thousands.
        ClientLimit {
            failures: 20,
            window_seconds: 600,
        }
    }
}

/// Clients remembered; past this many the quietest are forgotten.
const CLIENTS_KEPT: usize = 10_000;

#[derive(Default)]
pub(crate) struct Logins {
    /// The hash an unknown name's password is checked against.
    decoy: OnceLock<String>,
    unknown: Mutex<Unknown>,
    pub(crate) limit: Mutex<ClientLimit>,
    /// The times of each client's recent failures.
    clients: Mutex<HashMap<std::net::IpAddr, std::collections::VecDeque<i64>>>,
}

#[derive(Default)]
struct Unknown {
    /// Failures in a row and the lock, per unknown name, as the users table keeps them.
    by_name: HashMap<String, (i64, i64, u64)>,
    /// Order of arrival, to forget the oldest.
    tick: u64,
    /// Failures not yet in the audit log, since when, and the names tried.
    pending: u64,
    since: i64,
    names: std::collections::BTreeSet<String>,
    last_summary: i64,
}

impl Logins {
    /// Seconds `client` must wait before its next try, when it failed too often lately.
    pub(crate) fn client_wait(&self, client: std::net::IpAddr, t: i64) -> Option<i64> {
        let limit = self.limit.lock().ok().map(|l| *l).unwrap_or_default();
        let mut clients = self.clients.lock().ok()?;
        let times = clients.get_mut(&client)?;
        while times
            .front()
            .is_some_and(|&f| f <= t - limit.window_seconds)
        {
            times.pop_front();
        }
        (times.len() >= limit.failures).then(|| {
            times
                .front()
                .map_or(1, |&f| f + limit.window_seconds - t)
                .max(1)
        })
    }

    pub(crate) fn client_failed(&self, client: std::net::IpAddr, t: i64) {
        let limit = self.limit.lock().ok().map(|l| *l).unwrap_or_default();
        let Ok(mut clients) = self.clients.lock() else {
            return;
        };
        if clients.len() >= CLIENTS_KEPT && !clients.contains_key(&client) {
            clients.retain(|_, times| times.back().is_some_and(|&l| l > t - limit.window_seconds));
        }
        let times = clients.entry(client).or_default();
        times.push_back(t);
        while times.len() > limit.failures.max(1) {
            times.pop_front();
        }
    }

    pub(crate) fn decoy(&self) -> Result<String> {
        if let Some(h) = self.decoy.get() {
            return Ok(h.clone());
        }
        let mut random = [0u8; 24];
        getrandom::getrandom(&mut random)
            .map_err(|e| Error::Crypto(format!("no randomness: {e}")))?;
        let h = password::hash(&crate::audit::hex(&random))?;
        Ok(self.decoy.get_or_init(|| h).clone())
    }

    pub(crate) fn unknown_locked(&self, name: &str, t: i64) -> Option<i64> {
        let u = self.unknown.lock().ok()?;
        u.by_name
            .get(name)
            .and_then(|&(_, until, _)| (until > t).then_some(until - t))
    }

    /// Counts a failure of an unknown name; returns the summary row's text when one is due.
    pub(crate) fn unknown_failed(&self, name: &str, t: i64) -> Option<String> {
        let mut u = self.unknown.lock().ok()?;
        u.tick += 1;
        let tick = u.tick;
        if u.by_name.len() >= UNKNOWN_NAMES_KEPT && !u.by_name.contains_key(name) {
            let mut ticks: Vec<u64> = u.by_name.values().map(|v| v.2).collect();
            ticks.sort_unstable();
            let cut = ticks[ticks.len() / 2];
            u.by_name.retain(|_, v| v.2 > cut);
        }
        let e = u.by_name.entry(name.to_string()).or_insert((0, 0, tick));
        e.0 += 1;
        e.2 = tick;
        let wait = wait_after(e.0);
        if wait > 0 {
            e.1 = t + wait;
        }
        if u.pending == 0 {
            u.since = t;
        }
        u.pending += 1;
        if u.names.len() < 5 {
            u.names.insert(name.chars().take(40).collect());
        }
        if t - u.last_summary < SUMMARY_EVERY {
            return None;
        }
        let text = format!(
            "{} failed login(s) for names that do not exist since {} (among them {})",
            u.pending,
            crate::audit::when(u.since),
            u.names
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        u.pending = 0;
        u.names.clear();
        u.last_summary = t;
        Some(text)
    }
}
