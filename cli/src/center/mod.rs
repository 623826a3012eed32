//! `docseal center …`: the seal center on a local data directory — its CA, the seal registry,
//! keepers, the CRL and the audit log. Every subcommand takes `--json`.

mod args;
mod local;
mod present;
mod remote;

pub use args::CenterArgs;
use args::CenterCommand;
use docseal_center::Error;

pub fn run(a: CenterArgs) -> Result<u8, docseal::Error> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| docseal::Error::arg("center", format!("no async runtime: {e}")))?;
    match rt.block_on(dispatch(&a)) {
        Ok(code) => Ok(code),
        Err(e) => {
            tell!("docseal: center: {e} [{}]", e.code());
            Ok(match e {
                Error::AuditBroken { .. } => 1,
                _ => 2,
            })
        }
    }
}

async fn dispatch(a: &CenterArgs) -> Result<u8, Error> {
    if let CenterCommand::Init(i) = &a.command {
        return local::init(a, i).await;
    }
    if let Some(url) = &a.center {
        let url = url.clone();
        let ca = a.center_ca.clone();
        let user = a.user.clone();
        let pass = local::password("DOCSEAL_PASSWORD", &format!("Password for {user}: "))?;
        // The client blocks (ureq); it runs off the async runtime.
        let client = tokio::task::spawn_blocking(move || {
            docseal_center::client::Client::connect(&docseal_center::client::Config {
                url,
                ca,
                user,
                password: pass,
                journal: None,
            })
        })
        .await
        .map_err(|e| Error::Io(e.to_string()))??;
        if !client.online() {
            return Err(Error::Unreachable(
                client.offline_reason().unwrap_or_default().to_string(),
            ));
        }
        return remote::run(a, &client);
    }
    local::dispatch(a).await
}
