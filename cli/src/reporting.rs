//! `--center URL --seal ID` on stamp, sign and batch: the seal is checked with the seal center
//! before the key is touched, and every use is reported to the center's audit log — through the
//! local journal, so that nothing is lost while the center is unreachable.

use clap::Args;
use docseal::Error;
use docseal_center::client::{self, Client, Report};
use std::path::{Path, PathBuf};

#[derive(Args, Debug, Default)]
pub struct CenterUseArgs {
    /// The seal center (https://host:port): the seal is checked there before the key is used,
    /// and each use is reported to its audit log (queued while the center is unreachable).
    #[arg(long, requires = "seal")]
    pub center: Option<String>,
    /// The center's TLS certificate (tls.pem in its data directory).
    #[arg(long)]
    pub center_ca: Option<PathBuf>,
    /// The registered seal's id (docseal center seal list).
    #[arg(long)]
    pub seal: Option<String>,
    /// Who reports to the center (password from DOCSEAL_CENTER_PASSWORD, else a prompt).
    #[arg(long, default_value = "admin")]
    pub center_user: String,
    /// The journal of reports not yet sent (default ~/.local/state/docseal/center-journal.db).
    #[arg(long)]
    pub journal: Option<PathBuf>,
}

pub struct Reporter {
    client: Client,
    seal: String,
    fingerprint: Option<String>,
}

fn center_error(e: docseal_center::Error) -> Error {
    match e {
        docseal_center::Error::SealNotActive { .. } | docseal_center::Error::NoSuchSeal(_) => {
            Error::CertificateNotValid {
                subject: "the seal".into(),
                reason: format!("refused by the seal center: {e}"),
            }
        }
        other => Error::arg("--center", other),
    }
}

/// Connects and checks the seal, before any key or PIN is asked for. `None` without --center.
pub fn before(a: &CenterUseArgs) -> Result<Option<Reporter>, Error> {
    let (Some(url), Some(seal)) = (&a.center, &a.seal) else {
        return Ok(None);
    };
    let password = match std::env::var("DOCSEAL_CENTER_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            rpassword::prompt_password(format!("Seal center password for {}: ", a.center_user))
                .map_err(|e| Error::arg("--center", format!("no password: {e}")))?
        }
    };
    let client = Client::connect(&client::Config {
        url: url.clone(),
        ca: a.center_ca.clone(),
        user: a.center_user.clone(),
        password,
        journal: Some(a.journal.clone().unwrap_or_else(client::default_journal)),
    })
    .map_err(center_error)?;
    let fingerprint = match client.check_usable(seal).map_err(center_error)? {
        Some(s) => Some(s.fingerprint),
        None => {
            eprintln!(
                "docseal: the seal center is unreachable ({}); seal {seal} is used without its check, and the report waits in the journal",
                client.offline_reason().unwrap_or("no answer")
            );
            None
        }
    };
    Ok(Some(Reporter {
        client,
        seal: seal.clone(),
        fingerprint,
    }))
}

impl Reporter {
    /// The key's certificate must be the registered seal's.
    pub fn check_key(&self, cert: &docseal::Cert) -> Result<(), Error> {
        match &self.fingerprint {
            Some(f) if !f.eq_ignore_ascii_case(&cert.fingerprint_sha256()) => {
                Err(Error::CertificateNotValid {
                    subject: cert.subject(),
                    reason: format!("it is not the certificate of seal {}", self.seal),
                })
            }
            _ => Ok(()),
        }
    }

    /// Reports one use; a failure to report is a warning, never a lost document.
    pub fn done(&mut self, action: &str, output: &Path, outcome: &str) {
        let sha = std::fs::read(output)
            .ok()
            .map(|b| hex(&docseal::DigestAlg::Sha256.digest(&b)));
        let report = Report::new(action, outcome).map(|mut r| {
            r.event.seal_id = Some(self.seal.clone());
            r.event.document = output.file_name().map(|n| n.to_string_lossy().into_owned());
            r.event.document_sha256 = sha;
            r
        });
        match report.and_then(|r| self.client.report(&r)) {
            Ok(true) => {}
            Ok(false) => eprintln!(
                "docseal: {} queued for the seal center ({} waiting)",
                output.display(),
                self.client.pending().unwrap_or(0)
            ),
            Err(e) => eprintln!("docseal: the report to the seal center failed: {e}"),
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
