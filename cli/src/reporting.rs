//! `--center URL --seal ID` on stamp, sign and batch: the seal is checked with the seal center
//! before the key is touched, and every use is reported to the center's audit log — through the
//! local journal, so that nothing is lost while the center is unreachable. With `--data-dir`
//! instead, the use is written to that directory's audit log directly, under the user who logs
//! in before the key is touched.

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
    /// The registered seal's id (docseal center seal list). With --center or --data-dir the
    /// seal's issued data is used: its picture, its seal data signed into the signature, and
    /// its token when --key is not given.
    #[arg(long)]
    pub seal: Option<String>,
    /// The seal center's data directory, read directly instead of through --center.
    #[arg(long, requires = "seal", conflicts_with = "center")]
    pub data_dir: Option<PathBuf>,
    /// The approved request to use, for a seal whose policy asks for approval (default: the
    /// approved request for this seal and these exact bytes).
    #[arg(long, requires = "seal")]
    pub approval: Option<String>,
    /// Who reports to the center (password from DOCSEAL_CENTER_PASSWORD, else a prompt).
    #[arg(long, default_value = "admin")]
    pub center_user: String,
    /// The journal of reports not yet sent (default ~/.local/state/docseal/center-journal.db).
    #[arg(long)]
    pub journal: Option<PathBuf>,
}

pub struct Reporter {
    sink: Sink,
    seal: String,
    fingerprint: Option<String>,
    /// The seal as the center answered, when it was reachable.
    record: Option<docseal_center::registry::Seal>,
}

/// Where uses are reported.
enum Sink {
    /// A running center, through the client's journal.
    Center(Client),
    /// The center's data directory, opened and logged in to before the key is touched, and
    /// written directly (as the center writes a keeper's report) for the rest of the run.
    DataDir(Box<LocalCenter>),
}

struct LocalCenter {
    dir: PathBuf,
    runtime: tokio::runtime::Runtime,
    center: docseal_center::Center,
    actor: docseal_center::registry::Actor,
}

impl LocalCenter {
    fn open(dir: &Path, user: &str, password: &str) -> Result<LocalCenter, docseal_center::Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| docseal_center::Error::Io(e.to_string()))?;
        let (center, actor) = runtime.block_on(async {
            let center = docseal_center::Center::open(dir).await?;
            let actor = center.login(user, password).await?;
            Ok::<_, docseal_center::Error>((center, actor))
        })?;
        Ok(LocalCenter {
            dir: dir.to_path_buf(),
            runtime,
            center,
            actor,
        })
    }

    fn record(&self, report: Report) -> Result<i64, docseal_center::Error> {
        self.runtime
            .block_on(
                self.center
                    .record(&self.actor, &report.event_id, report.event, None),
            )
            .map(|(seq, _)| seq)
    }
}

pub fn center_error(e: docseal_center::Error) -> Error {
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
    if let (Some(dir), Some(seal)) = (&a.data_dir, &a.seal) {
        // The login is checked now, so that a wrong password stops the run before the key.
        let password = zeroize::Zeroizing::new(center_password(a)?);
        let local = LocalCenter::open(dir, &a.center_user, &password).map_err(|e| match e {
            docseal_center::Error::BadLogin | docseal_center::Error::Throttled { .. } => {
                Error::arg("--center-user", e)
            }
            other => Error::arg("--data-dir", other),
        })?;
        return Ok(Some(Reporter {
            sink: Sink::DataDir(Box::new(local)),
            seal: seal.clone(),
            // The issued seal read from the directory checks the key (`issued`).
            fingerprint: None,
            record: None,
        }));
    }
    let (Some(url), Some(seal)) = (&a.center, &a.seal) else {
        return Ok(None);
    };
    let password = center_password(a)?;
    let client = Client::connect(&client::Config {
        url: url.clone(),
        ca: a.center_ca.clone(),
        user: a.center_user.clone(),
        password,
        journal: Some(a.journal.clone().unwrap_or_else(client::default_journal)),
    })
    .map_err(center_error)?;
    let record = client.check_usable(seal).map_err(center_error)?;
    let fingerprint = match &record {
        Some(s) => Some(s.fingerprint.clone()),
        None => {
            tell!(
                "docseal: the seal center is unreachable ({}); seal {seal} is used without its check, and the report waits in the journal",
                client.offline_reason().unwrap_or("no answer")
            );
            None
        }
    };
    Ok(Some(Reporter {
        sink: Sink::Center(client),
        seal: seal.clone(),
        fingerprint,
        record,
    }))
}

/// The issued seal `--seal` names, from `--data-dir` or the center `reporter` talks to. `None`
/// without either, or when the center is unreachable (the seal is then used without its data).
pub fn issued(
    a: &CenterUseArgs,
    reporter: Option<&Reporter>,
) -> Result<Option<crate::issued::IssuedSeal>, Error> {
    if let (Some(dir), Some(id)) = (&a.data_dir, &a.seal) {
        return crate::issued::IssuedSeal::from_data_dir(dir, id).map(Some);
    }
    match reporter.and_then(|r| r.record.as_ref()) {
        Some(record) if record.seseal_b64.is_some() => {
            crate::issued::IssuedSeal::from_record(record).map(Some)
        }
        _ => Ok(None),
    }
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
            .map(|b| docseal_center::audit::hex(&docseal::DigestAlg::Sha256.digest(&b)));
        let report = Report::new(action, outcome).map(|mut r| {
            r.event.seal_id = Some(self.seal.clone());
            r.event.document = output.file_name().map(|n| n.to_string_lossy().into_owned());
            r.event.document_sha256 = sha;
            r
        });
        match &mut self.sink {
            Sink::DataDir(local) => {
                if let Err(e) = report.and_then(|r| local.record(r)) {
                    tell!(
                        "docseal: {} was not written to the audit log in {}: {e}",
                        output.display(),
                        local.dir.display()
                    );
                }
            }
            Sink::Center(client) => match report.and_then(|r| client.report(&r)) {
                Ok(true) => {}
                Ok(false) => tell!(
                    "docseal: {} queued for the seal center ({} waiting)",
                    output.display(),
                    client.pending().unwrap_or(0)
                ),
                Err(e) => tell!("docseal: the report to the seal center failed: {e}"),
            },
        }
    }
}

/// Takes (consumes, once) the approval for `seal` on the document with SHA-256 `digest`, from
/// the center `--center` or `--data-dir` names.
pub fn take_approval(
    reporter: Option<&Reporter>,
    seal: &str,
    given: Option<&str>,
    digest: &str,
) -> Result<docseal::seal_data::Approval, Error> {
    let refused = |e: docseal_center::Error| match e {
        docseal_center::Error::Forbidden(why) | docseal_center::Error::Invalid(why) => {
            Error::CertificateNotValid {
                subject: format!("seal {seal}"),
                reason: why,
            }
        }
        other => center_error(other),
    };
    match reporter.map(|r| &r.sink) {
        Some(Sink::DataDir(local)) => local
            .runtime
            .block_on(
                local
                    .center
                    .take_approval(&local.actor, seal, given, digest),
            )
            .map(|r| r.signed_property())
            .map_err(refused),
        Some(Sink::Center(client)) => client
            .take_approval(seal, given, digest)
            .map(|a| a.signed_property())
            .map_err(refused),
        None => Err(Error::arg(
            "--seal",
            "a seal that needs approval is used through --center or --data-dir",
        )),
    }
}

fn center_password(a: &CenterUseArgs) -> Result<String, Error> {
    match std::env::var("DOCSEAL_CENTER_PASSWORD") {
        Ok(p) => Ok(p),
        Err(_) => {
            rpassword::prompt_password(format!("Seal center password for {}: ", a.center_user))
                .map_err(|e| Error::arg("--center", format!("no password: {e}")))
        }
    }
}
