//! `docseal center …`: the seal center on a local data directory — its CA, the seal registry,
//! keepers, the CRL and the audit log. Every subcommand takes `--json`.

use clap::{Args, Subcommand, ValueEnum};
use docseal_center::audit::Filter;
use docseal_center::ca::KeyType;
use docseal_center::registry::{Actor, Reason, Role, Seal};
use docseal_center::{Center, Error, InitOptions, NewSeal};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct CenterArgs {
    /// The center's data directory (CA, configuration, and the SQLite store).
    #[arg(long, default_value = "docseal-center")]
    pub data_dir: PathBuf,
    /// Work through a running docseal-center instead (https://host:port): seal list, show,
    /// suspend, reinstate and revoke, crl, and audit.
    #[arg(long, conflicts_with = "data_dir")]
    pub center: Option<String>,
    /// The center's TLS certificate (tls.pem in its data directory), with --center.
    #[arg(long, requires = "center")]
    pub center_ca: Option<PathBuf>,
    /// Who acts (the password comes from DOCSEAL_PASSWORD, else a prompt).
    #[arg(long, default_value = docseal_center::ADMIN, global = true)]
    pub user: String,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: CenterCommand,
}

#[derive(Subcommand, Debug)]
pub enum CenterCommand {
    /// Create the center: a CA (or the organisation's), the store, and the administrator
    /// (password from DOCSEAL_ADMIN_PASSWORD, else a prompt).
    Init(InitArgs),
    /// Make a seal on a token: a key generated there (never extractable), a certificate
    /// request signed there, the certificate issued by the center and written back beside the
    /// key, and the seal registered with its picture. Prints the seal id on its last line.
    Enroll(EnrollArgs),
    /// The seal registry.
    #[command(subcommand)]
    Seal(SealCommand),
    /// Keepers, administrators and auditors.
    #[command(subcommand)]
    Keeper(KeeperCommand),
    /// Write the current CRL (DER), re-issued first if it is a day old.
    Crl {
        #[arg(short, long)]
        output: PathBuf,
    },
    /// List the audit log, or check its chain and signed head with --verify.
    Audit(AuditArgs),
    /// Ask to use a seal whose policy requires approval on DOC (its exact bytes); prints the
    /// request id on its last line.
    Request {
        #[arg(long)]
        seal: String,
        doc: PathBuf,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Approve a request (the approver role); the approval is good for seven days, once.
    Approve {
        request: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Reject a request (the approver role).
    Reject {
        request: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// The approval requests (a keeper sees their own).
    Approvals {
        /// pending, approved, rejected or used.
        #[arg(long)]
        status: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KeyTypeArg {
    Ec,
    Rsa,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The CA's name.
    #[arg(long, default_value = "docseal Seal Center")]
    pub name: String,
    /// EC P-256 or RSA-3072.
    #[arg(long, value_enum, default_value = "ec")]
    pub key_type: KeyTypeArg,
    /// Import the organisation's CA certificate (PEM) instead of creating one…
    #[arg(long, requires = "ca_key")]
    pub ca_cert: Option<PathBuf>,
    /// …and its key: a PKCS#8 PEM file, or a `pkcs11:` URI of a key on an HSM. A `pkcs11:` URI
    /// without --ca-cert makes a new CA key on that token (never extractable).
    #[arg(long)]
    pub ca_key: Option<String>,
    /// The HSM's PIN in a file (else DOCSEAL_CA_PIN, else a prompt); the center remembers
    /// the file's path to sign CRLs and certificates later.
    #[arg(long)]
    pub ca_pin_file: Option<PathBuf>,
    /// A PostgreSQL store (postgres://user:pass@host/db) instead of SQLite in the data directory.
    #[arg(long)]
    pub database: Option<String>,
    /// The CRL distribution point written into seal certificates.
    #[arg(long)]
    pub crl_url: Option<String>,
    /// Generate the time-stamp authority's key on an HSM (a `pkcs11:` URI) instead of
    /// `tsa.key` in the data directory.
    #[arg(long)]
    pub tsa_key: Option<String>,
    /// That HSM's PIN in a file (else DOCSEAL_TSA_PIN, else DOCSEAL_CA_PIN, else a prompt).
    #[arg(long, requires = "tsa_key")]
    pub tsa_pin_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum SealCommand {
    /// Register a seal whose certificate exists; prints the new id on its last line.
    Add(SealAddArgs),
    /// Issue a seal certificate for a public key and register it; prints the id last.
    Issue(SealIssueArgs),
    List,
    Show {
        id: String,
    },
    /// Report a seal lost or stolen: suspended at once (certificateHold on the CRL).
    Suspend {
        id: String,
        #[arg(long, value_enum)]
        reason: ReasonArg,
    },
    /// The token was found: take the seal off the CRL.
    Reinstate {
        id: String,
    },
    /// Revoke for good (keyCompromise for lost or stolen, cessationOfOperation for retired).
    Revoke {
        id: String,
        #[arg(long, value_enum)]
        reason: ReasonArg,
    },
    /// Change a seal's policy: whether each use needs an approver's approval.
    Policy {
        id: String,
        #[arg(long, value_parser = ["none", "required"])]
        approval: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReasonArg {
    Lost,
    Stolen,
    Retired,
}

impl From<ReasonArg> for Reason {
    fn from(r: ReasonArg) -> Reason {
        match r {
            ReasonArg::Lost => Reason::Lost,
            ReasonArg::Stolen => Reason::Stolen,
            ReasonArg::Retired => Reason::Retired,
        }
    }
}

#[derive(Args, Debug)]
pub struct SealFields {
    /// The keeper who holds the seal's token.
    #[arg(long)]
    pub holder: String,
    /// The seal's name (default: the certificate's common name).
    #[arg(long)]
    pub name: Option<String>,
    /// The unit the seal belongs to.
    #[arg(long)]
    pub unit: Option<String>,
    /// official, contract, finance, …
    #[arg(long, default_value = "official")]
    pub kind: String,
    /// The seal picture (PNG).
    #[arg(long)]
    pub image: Option<PathBuf>,
    /// Whether each use needs an approver's approval.
    #[arg(long, value_parser = ["none", "required"], default_value = "none")]
    pub approval: String,
    /// Where the seal's key is (a pkcs11: URI or a file), for clients that pick the seal.
    #[arg(long)]
    pub key_uri: Option<String>,
}

#[derive(Args, Debug)]
pub struct SealAddArgs {
    /// The seal certificate (PEM or DER).
    #[arg(long)]
    pub cert: PathBuf,
    #[command(flatten)]
    pub fields: SealFields,
}

#[derive(Args, Debug)]
pub struct SealIssueArgs {
    /// The seal's public key (SubjectPublicKeyInfo, PEM or DER) or a certificate holding it.
    #[arg(long)]
    pub public_key: PathBuf,
    /// Write the issued certificate here (PEM).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Days the certificate is valid.
    #[arg(long, default_value_t = 3 * 365)]
    pub days: i64,
    #[command(flatten)]
    pub fields: SealFields,
}

#[derive(Args, Debug)]
pub struct EnrollArgs {
    /// The keeper's token (pkcs11:token=LABEL, with module-path= if not the default module).
    #[arg(long)]
    pub token: String,
    /// The token's PIN in a file (else DOCSEAL_PIN or a prompt).
    #[arg(long)]
    pub pin_file: Option<PathBuf>,
    /// The key's label on the token (default: the seal's name).
    #[arg(long)]
    pub label: Option<String>,
    #[arg(long, value_enum, default_value = "ec")]
    pub key_type: KeyTypeArg,
    /// A line of text under the star of the drawn seal ("Contract Seal").
    #[arg(long)]
    pub text: Option<String>,
    /// Days the certificate is valid.
    #[arg(long, default_value_t = 3 * 365)]
    pub days: i64,
    #[command(flatten)]
    pub fields: SealFields,
}

#[derive(Subcommand, Debug)]
pub enum KeeperCommand {
    /// Add a user (password from DOCSEAL_NEW_PASSWORD, else a prompt).
    Add {
        name: String,
        #[arg(long, value_parser = ["keeper", "approver", "auditor", "administrator"], default_value = "keeper")]
        role: String,
    },
    List,
    Disable {
        name: String,
    },
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[arg(long)]
    pub seal: Option<String>,
    /// Only entries at or after this time (RFC 3339, or Unix seconds).
    #[arg(long)]
    pub since: Option<String>,
    /// Check the chain and the signed head; exit 1 naming the first broken row.
    #[arg(long)]
    pub verify: bool,
    /// Print CSV.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
}

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

fn password(var: &str, prompt: &str) -> Result<String, Error> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    rpassword::prompt_password(prompt)
        .map_err(|e| Error::Invalid(format!("no password ({var} unset and no terminal: {e})")))
}

/// Writes through a temporary file and a rename, like every docseal output.
pub(crate) fn write_out(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    docseal::write_atomically(path, |mut f| {
        f.write_all(bytes).map_err(|e| docseal::Error::io(path, e))
    })
    .map_err(|e| Error::Io(e.to_string()))
}

fn read_file(p: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(p).map_err(|e| Error::Io(format!("cannot read {}: {e}", p.display())))
}

async fn login(center: &Center, user: &str) -> Result<Actor, Error> {
    let pass = password("DOCSEAL_PASSWORD", &format!("Password for {user}: "))?;
    center.login(user, &pass).await
}

async fn dispatch(a: &CenterArgs) -> Result<u8, Error> {
    if let CenterCommand::Init(i) = &a.command {
        return init(a, i).await;
    }
    if let Some(url) = &a.center {
        let url = url.clone();
        let ca = a.center_ca.clone();
        let user = a.user.clone();
        let pass = password("DOCSEAL_PASSWORD", &format!("Password for {user}: "))?;
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
        return crate::center_remote::run(a, &client);
    }
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

/// A request for `doc`: its name and the SHA-256 of its bytes.
pub(crate) fn approval_request(
    seal: &str,
    doc: &Path,
    reason: Option<String>,
) -> Result<docseal_center::approvals::NewRequest, Error> {
    let bytes = read_file(doc)?;
    Ok(docseal_center::approvals::NewRequest {
        seal_id: seal.to_string(),
        document: doc
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        document_sha256: docseal_center::audit::hex(&docseal::DigestAlg::Sha256.digest(&bytes)),
        reason,
    })
}

pub(crate) fn show_approval(a: &CenterArgs, r: &docseal_center::approvals::Approval) {
    let text = match r.status {
        docseal_center::approvals::ApprovalStatus::Pending => format!(
            "requested use of {} on {} (sha256 {})\n{}",
            r.seal_id, r.document, r.document_sha256, r.id
        ),
        _ => format!(
            "{} {} ({} on {}){}",
            r.id,
            r.status.as_str(),
            r.seal_id,
            r.document,
            r.decided_by
                .as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default()
        ),
    };
    say(a, &serde_json::to_value(r).unwrap_or_default(), &text);
}

pub(crate) fn list_approvals(a: &CenterArgs, list: &[docseal_center::approvals::Approval]) {
    if a.json {
        say!("{}", serde_json::to_value(list).unwrap_or_default());
        return;
    }
    for r in list {
        say!(
            "{}  {:<8}  {}  {}  by {}{}",
            r.id,
            r.status.as_str(),
            term(&r.seal_id),
            term(&r.document),
            term(&r.requester),
            r.reason
                .as_deref()
                .map(|x| format!(" — {}", term(x)))
                .unwrap_or_default()
        );
    }
}

async fn init(a: &CenterArgs, i: &InitArgs) -> Result<u8, Error> {
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
    let text = String::from_utf8_lossy(bytes);
    if let Some(b) = text.find("-----BEGIN PUBLIC KEY-----") {
        let body: String = text[b + 26..]
            .lines()
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        use base64::Engine;
        return base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|e| Error::Invalid(format!("the public key is not base64: {e}")));
    }
    Ok(bytes.to_vec())
}

/// One seal as a line (id, status, name, reason), or as JSON.
pub(crate) fn show_seal(a: &CenterArgs, s: &Seal) {
    say(
        a,
        &summary(s),
        &format!(
            "{}  {}  {}{}",
            s.id,
            s.status.as_str(),
            term(&s.name),
            s.status_reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
    );
}

pub(crate) fn summary(s: &Seal) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        // The picture and the seal data are long; the picture's hash names them.
        o.remove("picture_b64");
        o.remove("seseal_b64");
    }
    v
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

pub(crate) fn since(au: &AuditArgs) -> Result<Option<i64>, Error> {
    Ok(match &au.since {
        None => None,
        Some(s) => Some(match s.parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| Error::Invalid(format!("--since {s:?}: {e}")))?
                    .unix_timestamp()
            }
        }),
    })
}

pub(crate) fn print_entries(a: &CenterArgs, au: &AuditArgs, rows: &[docseal_center::audit::Entry]) {
    if a.json {
        say!("{}", serde_json::to_value(rows).unwrap_or_default());
    } else if au.csv {
        say!("seq,at,actor,action,seal_id,document,document_sha256,outcome,client,detail,hash");
        for r in rows {
            let e = &r.event;
            let cells = [
                r.seq.to_string(),
                time_text(r.at),
                e.actor.clone(),
                e.action.clone(),
                e.seal_id.clone().unwrap_or_default(),
                e.document.clone().unwrap_or_default(),
                e.document_sha256.clone().unwrap_or_default(),
                e.outcome.clone(),
                e.client.clone().unwrap_or_default(),
                e.detail.clone().unwrap_or_default(),
                r.hash.clone(),
            ];
            say!(
                "{}",
                cells
                    .iter()
                    .map(|c| csv_cell(c))
                    .collect::<Vec<_>>()
                    .join(",")
            );
        }
    } else {
        for r in rows {
            let e = &r.event;
            // Every field a client or a user chose is escaped: a newline in a report's detail
            // would print a forged row, an escape sequence would recolour or erase the screen.
            say!(
                "{:>5}  {}  {:<12} {:<16} {:<16} {}{}",
                r.seq,
                time_text(r.at),
                term(&e.actor),
                term(&e.action),
                term(e.seal_id.as_deref().unwrap_or("-")),
                term(&e.outcome),
                e.detail
                    .as_deref()
                    .map(|d| format!("  {}", term(d)))
                    .unwrap_or_default()
            );
        }
    }
}

pub(crate) fn time_text(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// One CSV cell, safe in a spreadsheet (see [`docseal_center::names::csv_cell`]).
pub(crate) fn csv_cell(c: &str) -> String {
    docseal_center::names::csv_cell(c)
}

/// Text from the registry or a client for the terminal: what is not printable is escaped.
pub(crate) fn term(s: &str) -> String {
    docseal_center::names::for_terminal(s)
}

pub(crate) fn say(a: &CenterArgs, json: &serde_json::Value, text: &str) {
    if a.json {
        say!("{json}");
    } else {
        say!("{text}");
    }
}
