//! `--center URL --seal ID` (or `--data-dir DIR --seal ID`) on stamp, sign and batch: the
//! command line's link to the seal center for the keeper's session. Through `--center` the
//! seal is checked at the running center and each use reported through the local journal, so
//! nothing is lost while the center is away; with `--data-dir` the center's own directory is
//! read and its audit log written directly, under the user who logs in before the key is
//! touched.

use clap::Args;
use docseal_center::client::{self, Client, Report};
use docseal_center::registry::Seal;
use docseal_center::Error as CenterError;
use docseal_keeper::{CenterLink, Keeper, Recorded};
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

/// The link `--center` or `--data-dir` asks for, connected (and logged in) now, before any key
/// or PIN; `None` without either.
pub fn open(a: &CenterUseArgs) -> Result<Option<Box<dyn CenterLink>>, docseal_keeper::Error> {
    if a.seal.is_none() {
        return Ok(None);
    }
    if let Some(dir) = &a.data_dir {
        let password = zeroize::Zeroizing::new(center_password(a)?);
        let local = LocalCenter::open(dir, &a.center_user, &password).map_err(|e| match e {
            CenterError::BadLogin | CenterError::Throttled { .. } => {
                docseal::Error::arg("--center-user", e).into()
            }
            other => docseal_keeper::Error::Center(other),
        })?;
        return Ok(Some(Box::new(local)));
    }
    let Some(url) = &a.center else {
        return Ok(None);
    };
    let client = Client::connect(&client::Config {
        url: url.clone(),
        ca: a.center_ca.clone(),
        user: a.center_user.clone(),
        password: center_password(a)?,
        journal: Some(a.journal.clone().unwrap_or_else(client::default_journal)),
    })
    .map_err(docseal_keeper::Error::Center)?;
    Ok(Some(Box::new(client)))
}

/// Records one use of the seal, saying what became of the report: a failure to report is a
/// warning, never a lost document.
pub fn record(keeper: &mut Keeper, action: &str, output: &Path, sealed: &[u8]) {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match keeper.record(action, &name, sealed, "ok") {
        None | Some(Ok(Recorded::Sent)) => {}
        Some(Ok(Recorded::Queued { waiting })) => tell!(
            "docseal: {} queued for the seal center ({waiting} waiting)",
            output.display()
        ),
        Some(Err(e)) => tell!(
            "docseal: {} was not recorded by the seal center: {e}",
            output.display()
        ),
    }
}

/// The center's data directory, opened and logged in to before the key is touched, and
/// written directly (as the center writes a keeper's report) for the rest of the run.
struct LocalCenter {
    dir: PathBuf,
    runtime: tokio::runtime::Runtime,
    center: docseal_center::Center,
    actor: docseal_center::registry::Actor,
}

impl LocalCenter {
    fn open(dir: &Path, user: &str, password: &str) -> Result<LocalCenter, CenterError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CenterError::Io(e.to_string()))?;
        let (center, actor) = runtime.block_on(async {
            let center = docseal_center::Center::open(dir).await?;
            let actor = center.login(user, password).await?;
            Ok::<_, CenterError>((center, actor))
        })?;
        Ok(LocalCenter {
            dir: dir.to_path_buf(),
            runtime,
            center,
            actor,
        })
    }
}

impl CenterLink for LocalCenter {
    fn check_usable(&mut self, seal: &str) -> Result<Option<Seal>, CenterError> {
        self.runtime
            .block_on(docseal_center::Center::usable_seal_in(&self.dir, seal))
            .map(Some)
    }

    fn offline_reason(&self) -> Option<String> {
        None
    }

    fn take_approval(
        &mut self,
        seal: &str,
        given: Option<&str>,
        digest_hex: &str,
    ) -> Result<docseal::seal_data::Approval, CenterError> {
        self.runtime
            .block_on(
                self.center
                    .take_approval(&self.actor, seal, given, digest_hex),
            )
            .map(|r| r.signed_property())
    }

    fn record(&mut self, report: &Report) -> Result<Recorded, CenterError> {
        self.runtime
            .block_on(
                self.center
                    .record(&self.actor, &report.event_id, report.event.clone(), None),
            )
            .map(|_| Recorded::Sent)
    }
}

fn center_password(a: &CenterUseArgs) -> Result<String, docseal::Error> {
    match std::env::var("DOCSEAL_CENTER_PASSWORD") {
        Ok(p) => Ok(p),
        Err(_) => {
            rpassword::prompt_password(format!("Seal center password for {}: ", a.center_user))
                .map_err(|e| docseal::Error::arg("--center", format!("no password: {e}")))
        }
    }
}
