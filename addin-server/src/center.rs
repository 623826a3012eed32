//! docseal-server with `--center`: the keeper's seals come from the seal center (name, picture,
//! where the key is), its CA joins the trusted anchors, and the API checks and reports through
//! a center client (`docseal_center_client::client`).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use docseal::{Lookup, RevocationSource, Status};

use crate::app::SealConfig;
use crate::error::ServerError;
use docseal_center_client::client::{self, Client};

fn setup(e: docseal_center_client::Error) -> ServerError {
    ServerError::Setup(format!("seal center: {e}"))
}

/// Logs in and lists the seals. An unreachable center is not fatal: the server starts with its
/// other seals, says so, and queues reports.
pub fn connect(
    url: &str,
    a: &crate::args::Args,
    dir: &Path,
    seals: &mut Vec<SealConfig>,
    trust: &mut docseal::Validator,
) -> Result<Client, ServerError> {
    let password = std::env::var("DOCSEAL_CENTER_PASSWORD").map_err(|_| {
        ServerError::Setup("--center needs the keeper's password in DOCSEAL_CENTER_PASSWORD".into())
    })?;
    let c = Client::connect(&client::Config {
        url: url.to_string(),
        ca: a.center_ca.clone(),
        user: a.center_user.clone(),
        password,
        journal: Some(dir.join("center-journal.db")),
    })
    .map_err(setup)?;
    if !c.online() {
        println!(
            "seal center unreachable ({}): its seals are not offered until it answers",
            c.offline_reason().unwrap_or("no answer")
        );
        return Ok(c);
    }
    let ca = c.ca_pem().map_err(setup)?;
    trust.anchors.extend(docseal::Cert::load_all(&ca)?);
    let pictures = dir.join("center-seals");
    std::fs::create_dir_all(&pictures).map_err(|e| ServerError::io(&pictures, e))?;
    for s in c.seals().map_err(setup)? {
        let Some(key) = s.token_uri.clone() else {
            continue;
        };
        let image = match c.picture(&s.id) {
            Ok(png) => {
                let p = pictures.join(format!("{}.png", s.id));
                std::fs::write(&p, png).map_err(|e| ServerError::io(&p, e))?;
                Some(p)
            }
            Err(_) => None,
        };
        seals.push(SealConfig {
            id: s.id.clone(),
            label: s.name.clone(),
            key,
            cert: None,
            image,
            demo: false,
            approval_required: s.approval_required(),
            center_id: Some(s.id),
        });
    }
    Ok(c)
}

/// What a verification asks about a seal's revocation: the seal center first, when connected
/// (a suspension shows on the next verification), then the CRL distribution points, fetched at
/// most every `--crl-max-age` seconds (the center's own host allowed).
pub fn revocation_sources(
    a: &crate::args::Args,
    center: Option<&Arc<Mutex<Client>>>,
) -> Arc<dyn RevocationSource> {
    let mut allowed = a.crl_allow.clone();
    if let Some(host) = a.center.as_deref().and_then(host_of) {
        allowed.push(host);
    }
    let policy = docseal_keeper::FetchPolicy {
        max_age: Duration::from_secs(a.crl_max_age),
        allowed,
        ..Default::default()
    };
    let budget = policy.budget;
    let fetcher: Arc<dyn RevocationSource> = Arc::new(docseal_keeper::CrlFetcher::new(policy));
    match center {
        Some(c) => Arc::new(docseal_keeper::Sources(vec![
            Arc::new(CenterStatus {
                client: c.clone(),
                budget,
            }),
            fetcher,
        ])),
        None => fetcher,
    }
}

/// `host` or `host:port` of an `https://host:port/…` URL.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next()?.to_string())
}

/// The seal center's answer about a seal it registered.
struct CenterStatus {
    client: Arc<Mutex<Client>>,
    budget: Duration,
}

impl std::fmt::Debug for CenterStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the seal center's status answers")
    }
}

impl RevocationSource for CenterStatus {
    fn lookup(&self, chain: &[docseal::Cert]) -> Lookup {
        let mut found = Lookup::default();
        let Some(signer) = chain.first() else {
            return found;
        };
        let answer = match self.client.lock() {
            Ok(c) => c.status(&signer.fingerprint_sha256(), self.budget),
            Err(_) => Err(docseal_center_client::Error::Unreachable(
                "the center client is poisoned".into(),
            )),
        };
        match answer {
            Ok(Some(s)) => {
                let revoked = s.lost_since().map(|at| docseal::Revocation {
                    subject: signer.subject(),
                    at: time::OffsetDateTime::from_unix_timestamp(at)
                        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
                    reason: Some(match s.status {
                        docseal_center_client::registry::Status::Suspended => {
                            "certificateHold".into()
                        }
                        _ => s.reason.clone().unwrap_or_else(|| "unspecified".into()),
                    }),
                });
                found.status = Some(Status {
                    revoked,
                    source: "center",
                });
            }
            // Not a seal this center registered: its distribution points answer.
            Ok(None) => {}
            Err(e) => found.notes.push((
                "center-unreachable",
                format!(
                    "the seal center was not asked about this seal ({e}); its CRL is used instead"
                ),
            )),
        }
        found
    }
}
