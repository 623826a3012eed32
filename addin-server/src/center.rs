//! docseal-server with `--center`: the keeper's seals come from the seal center (name, picture,
//! where the key is), its CA joins the trusted anchors, and the API checks and reports through
//! a center client (`docseal_center::client`).

use std::path::Path;

use crate::app::SealConfig;
use crate::error::ServerError;
use docseal_center::client::{self, Client};

fn setup(e: docseal_center::Error) -> ServerError {
    ServerError::Setup(format!("seal center: {e}"))
}

/// Logs in and lists the seals. An unreachable center is not fatal: the server starts with its
/// other seals, says so, and queues reports.
pub fn connect(
    url: &str,
    a: &crate::Args,
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
