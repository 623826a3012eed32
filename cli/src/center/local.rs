//! `docseal center --data-dir DIR …`: the subcommands that open the center's data directory
//! themselves (the administrator at the center's own desk).

use super::args::*;
use super::present::*;
use docseal_center::audit::Filter;
use docseal_center::ca::KeyType;
use docseal_center::registry::{Actor, Role};
use docseal_center::{Center, Error, InitOptions, NewSeal};
use std::path::Path;

/// The commands that work on the center's data directory directly.
pub(super) async fn dispatch(a: &CenterArgs) -> Result<u8, Error> {
    let center = Center::open(&a.data_dir).await?;
    match &a.command {
        CenterCommand::Init(_) => Ok(0),
        CenterCommand::Crl { output } => {
            let der = center.crl().await?;
            write_out(output, &der)?;
            say(
                a,
                &serde_json::json!({"crl": output}),
                &format!("{}", output.display()),
            );
            Ok(0)
        }
        CenterCommand::Enroll(e) => enroll(a, &center, e).await,
        CenterCommand::Seal(s) => seal(a, &center, s).await,
        CenterCommand::Keeper(k) => keeper(a, &center, k).await,
        CenterCommand::Audit(au) => audit(a, &center, au).await,
        CenterCommand::Request { seal, doc, reason } => {
            let actor = login(&center, &a.user).await?;
            let req = approval_request(seal, doc, reason.clone())?;
            let r = center.request_approval(&actor, req).await?;
            show_approval(a, &r);
            Ok(0)
        }
        CenterCommand::Approve { request, reason } | CenterCommand::Reject { request, reason } => {
            let actor = login(&center, &a.user).await?;
            let approve = matches!(a.command, CenterCommand::Approve { .. });
            let r = center
                .decide(&actor, request, approve, reason.clone())
                .await?;
            show_approval(a, &r);
            Ok(0)
        }
        CenterCommand::Approvals { status } => {
            let actor = login(&center, &a.user).await?;
            let list = center.approvals(&actor, status.as_deref()).await?;
            list_approvals(a, &list);
            Ok(0)
        }
    }
}

pub(super) fn password(var: &str, prompt: &str) -> Result<String, Error> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    rpassword::prompt_password(prompt)
        .map_err(|e| Error::Invalid(format!("no password ({var} unset and no terminal: {e})")))
}

async fn login(center: &Center, user: &str) -> Result<Actor, Error> {
    let pass = password("DOCSEAL_PASSWORD", &format!("Password for {user}: "))?;
    center.login(user, &pass).await
}

pub(super) async fn init(a: &CenterArgs, i: &InitArgs) -> Result<u8, Error> {
    let on_token = i
        .ca_key
        .as_deref()
        .is_some_and(|k| k.starts_with("pkcs11:"));
    let ca_cert = i
        .ca_cert
        .as_deref()
        .map(read_file)
        .transpose()?
        .map(|c| String::from_utf8_lossy(&c).into_owned());
    let import = match (&ca_cert, &i.ca_key) {
        (Some(c), Some(k)) if !on_token => Some((
            c.clone(),
            String::from_utf8_lossy(&read_file(Path::new(k))?).into_owned(),
        )),
        (None, Some(_)) if !on_token => {
            return Err(Error::Invalid("--ca-key FILE needs --ca-cert".into()))
        }
        _ => None,
    };
    let ca_token = if on_token {
        i.ca_key.clone().map(|k| (k, i.ca_pin_file.clone()))
    } else {
        None
    };
    let admin_password = password("DOCSEAL_ADMIN_PASSWORD", "New administrator password: ")?;
    let center = Center::init(
        &a.data_dir,
        InitOptions {
            name: i.name.clone(),
            key_type: match i.key_type {
                KeyTypeArg::Ec => KeyType::Ec,
                KeyTypeArg::Rsa => KeyType::Rsa,
            },
            import,
            ca_token,
            ca_cert: if on_token { ca_cert } else { None },
            tsa_token: i.tsa_key.clone().map(|k| (k, i.tsa_pin_file.clone())),
            database: i.database.clone(),
            crl_url: i.crl_url.clone(),
            admin_password,
        },
    )
    .await?;
    say(
        a,
        &serde_json::json!({
            "data_dir": a.data_dir,
            "ca_cert": a.data_dir.join(docseal_center::ca::CERT_FILE),
            "crl_url": center.config().crl_url,
            "administrator": docseal_center::ADMIN,
        }),
        &format!(
            "center created in {} (CA certificate {}, CRL at {}); administrator: {}",
            a.data_dir.display(),
            a.data_dir.join(docseal_center::ca::CERT_FILE).display(),
            center.config().crl_url,
            docseal_center::ADMIN
        ),
    );
    Ok(0)
}

fn new_seal(f: &SealFields, cert_pem: String) -> Result<NewSeal, Error> {
    Ok(NewSeal {
        cert_pem,
        holder: f.holder.clone(),
        name: f.name.clone(),
        unit: f.unit.clone(),
        kind: f.kind.clone(),
        picture_png: f.image.as_deref().map(read_file).transpose()?,
        approval_required: f.approval == "required",
        token_uri: f.key_uri.clone(),
    })
}

async fn seal(a: &CenterArgs, center: &Center, s: &SealCommand) -> Result<u8, Error> {
    let actor = login(center, &a.user).await?;
    let shown = match s {
        SealCommand::Add(add) => {
            let cert = String::from_utf8_lossy(&read_file(&add.cert)?).into_owned();
            let seal = center
                .add_seal(&actor, new_seal(&add.fields, cert)?)
                .await?;
            say(
                a,
                &summary(&seal),
                &format!("registered {}\n{}", seal.name, seal.id),
            );
            return Ok(0);
        }
        SealCommand::Issue(is) => {
            let spki = public_key(&read_file(&is.public_key)?)?;
            let seal = center
                .issue_seal(&actor, &spki, new_seal(&is.fields, String::new())?, is.days)
                .await?;
            if let Some(out) = &is.output {
                write_out(out, seal.cert_pem.as_bytes())?;
            }
            say(
                a,
                &summary(&seal),
                &format!("issued {}\n{}", seal.name, seal.id),
            );
            return Ok(0);
        }
        SealCommand::List => {
            let seals = center.seals().await?;
            if a.json {
                say!(
                    "{}",
                    serde_json::Value::Array(seals.iter().map(summary).collect())
                );
            } else {
                for s in &seals {
                    say!(
                        "{}  {:<9}  {}  ({}, held by {})",
                        s.id,
                        s.status.as_str(),
                        term(&s.name),
                        term(&s.kind),
                        term(&s.holder)
                    );
                }
            }
            return Ok(0);
        }
        SealCommand::Show { id } => center.seal(id).await?,
        SealCommand::Suspend { id, reason } => center.suspend(&actor, id, (*reason).into()).await?,
        SealCommand::Reinstate { id } => center.reinstate(&actor, id).await?,
        SealCommand::Revoke { id, reason } => center.revoke(&actor, id, (*reason).into()).await?,
        SealCommand::Policy { id, approval } => {
            center
                .set_approval_policy(&actor, id, approval == "required")
                .await?;
            center.seal(id).await?
        }
    };
    show_seal(a, &shown);
    Ok(0)
}

async fn enroll(a: &CenterArgs, center: &Center, e: &EnrollArgs) -> Result<u8, Error> {
    let actor = login(center, &a.user).await?;
    let enrollment = docseal_center::Enrollment {
        token: e.token.clone(),
        label: e.label.clone(),
        key_type: match e.key_type {
            KeyTypeArg::Ec => docseal::keys::KeyType::Ec,
            KeyTypeArg::Rsa => docseal::keys::KeyType::Rsa,
        },
        pin: crate::unlock::unlock(e.pin_file.clone()),
        text: e.text.clone(),
        days: e.days,
    };
    let seal = center
        .enroll(&actor, enrollment, new_seal(&e.fields, String::new())?)
        .await?;
    say(
        a,
        &summary(&seal),
        &format!(
            "enrolled {} on {}\n{}",
            seal.name,
            seal.token_uri.as_deref().unwrap_or(""),
            seal.id
        ),
    );
    Ok(0)
}

/// A SubjectPublicKeyInfo from a public key or a certificate file, PEM or DER.
fn public_key(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    if let Ok(certs) = docseal::Cert::load_all(bytes) {
        if let Some(spki) = certs.first().and_then(|c| c.spki_der().ok()) {
            return Ok(spki);
        }
    }
    // PEM (RFC 7468 §13: "PUBLIC KEY" holds a SubjectPublicKeyInfo), else DER as it stands.
    match der::pem::decode_vec(bytes) {
        Ok(("PUBLIC KEY", der)) => return Ok(der),
        Ok((label, _)) => {
            return Err(Error::Invalid(format!(
                "the public key file holds a PEM {label}, not a PUBLIC KEY"
            )))
        }
        Err(_) => {}
    }
    Ok(bytes.to_vec())
}

async fn keeper(a: &CenterArgs, center: &Center, k: &KeeperCommand) -> Result<u8, Error> {
    let actor = login(center, &a.user).await?;
    match k {
        KeeperCommand::Add { name, role } => {
            let pass = password("DOCSEAL_NEW_PASSWORD", &format!("Password for {name}: "))?;
            let u = center
                .add_user(&actor, name, Role::parse(role)?, &pass)
                .await?;
            say(
                a,
                &serde_json::to_value(&u).unwrap_or_default(),
                &format!("added {} ({})", u.name, u.role.as_str()),
            );
        }
        KeeperCommand::List => {
            let users = center.users().await?;
            if a.json {
                say!("{}", serde_json::to_value(&users).unwrap_or_default());
            } else {
                for u in users {
                    say!(
                        "{:<24} {:<13} {}",
                        term(&u.name),
                        u.role.as_str(),
                        if u.disabled { "disabled" } else { "active" }
                    );
                }
            }
        }
        KeeperCommand::Disable { name } => {
            center.disable_user(&actor, name).await?;
            say(
                a,
                &serde_json::json!({"disabled": name}),
                &format!("disabled {name}"),
            );
        }
    }
    Ok(0)
}

async fn audit(a: &CenterArgs, center: &Center, au: &AuditArgs) -> Result<u8, Error> {
    if au.verify {
        // The check comes first: a login appends to the log, and an append on a log that was
        // rolled back must be refused, not made to sign a head over the gap.
        let v = center.verify_audit(None).await?;
        login(center, &a.user).await?;
        say(
            a,
            &serde_json::to_value(&v).unwrap_or_default(),
            &format!(
                "audit log intact: {} rows, signed head at row {}",
                v.rows, v.head_seq
            ),
        );
        return Ok(0);
    }
    login(center, &a.user).await?;
    let rows = center
        .audit(&Filter {
            seal_id: au.seal.clone(),
            since: since(au)?,
        })
        .await?;
    print_entries(a, au, &rows);
    Ok(0)
}
